"""The programme's welcome for move-in households (전입세대 문자알림): SMS texts, their CSV and printed letters.

Everything here is **personal data** for the centre's own SMS system and post, never a public output:
the frames and files carry residents' names, phones and addresses.  The tool never sends a message.

A message names the household's zone officer and their office phone only where the officer agreed to
a public card (공개동의, the rule of :func:`mapping.publish.privacy.public_cards`); otherwise, and for a
household with no zone or officer, it gives "우리동네주무관" and the centre's phone, with a 비고 saying why.

Length: one SMS holds 90 bytes and one LMS 2,000, counted in EUC-KR as Korean carriers do (Hangul
2 bytes, ASCII 1).  We count with CP949, EUC-KR's superset, so rare Hangul such as "똠" is counted (2
bytes) rather than refused; a character neither can encode (emoji) is refused.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from fpdf import FPDF

from mapping import clock
from mapping.domain import HOUSEHOLD_KINDS
from mapping.printing import PDF_FONT, fit_text, new_pdf
from mapping.publish.privacy import PUBLIC_TITLE, public_cards, strip_personal
from mapping.text import safe_text, text_of

if TYPE_CHECKING:
    from mapping.access import User
    from mapping.store import Store

LIMITS = {"sms": 90, "lms": 2000}
PLACEHOLDERS = ("dong", "officer", "phone")
DEFAULT = "[{dong}] 전입을 환영합니다. 담당 우리동네주무관 {officer} {phone}"
CENTRE_DEFAULT = "[{dong}] 전입을 환영합니다. 우리동네주무관 안내: 주민센터 {phone}"
LMS_DEFAULT = (
    "[{dong}] 전입을 환영합니다.\n"
    "{dong}은 통마다 담당 직원이 동네를 살피는 '우리동네주무관' 제도를 운영합니다.\n"
    "우리 동네 담당: 우리동네주무관 {officer} ({phone})\n"
    "생활 불편, 복지 상담, 동네 소식이 궁금하시면 언제든 연락 주세요."
)
COLUMNS = (
    "구역",
    "성명",
    "연락처",
    "주소",
    "담당 주무관",
    "담당 팀",
    "안내 이름",
    "안내 연락처",
    "메시지",
    "바이트",
    "비고",
)
CSV_COLUMNS = ("성명", "연락처", "메시지", "바이트", "구역", "담당 주무관", "비고")  # no address: an SMS needs none
ENCODINGS = ("utf-8-sig", "cp949")
NO_ZONE = "구역 없음: 주민센터 번호로 안내"
NO_OFFICER = "담당 주무관 없음: 주민센터 번호로 안내"
NOT_CONSENTED = "공개 미동의: 이름 없이 주민센터 번호로 안내"
DUTIES = (
    "담당 통을 정기적으로 돌아보며 쓰레기, 가로등, 도로 파손 같은 생활 불편을 찾아 고칩니다.",
    "주민의 민원과 건의를 듣고 담당 부서에 전달한 뒤, 처리 결과를 알려 드립니다.",
    "도움이 필요한 이웃을 찾아 복지 상담과 서비스로 이어 드립니다.",
    "주민센터, 병원·약국, 학교·어린이집, 복지관 등 새 동네의 생활 정보를 안내합니다.",
)
_MOVE_IN = {"move_in", HOUSEHOLD_KINDS.label("move_in")}


def sms_bytes(text: str) -> int:
    """Length of ``text`` in bytes as SMS counts it (EUC-KR/CP949: Hangul 2, ASCII 1).

    Raises
    ------
    ValueError
        Naming the characters a Korean SMS cannot carry (emoji and the like).
    """
    try:
        return len(text.encode("cp949"))
    except UnicodeEncodeError:
        bad = sorted({ch for ch in text if not _encodable(ch)})
        raise ValueError(
            f"문자로 보낼 수 없는 글자가 있습니다 (EUC-KR/CP949 밖): {' '.join(bad)} — 빼거나 바꾸세요."
        ) from None


def check_length(text: str, *, kind: str = "sms") -> int:
    """``text``'s length in bytes, if it fits one message of ``kind`` (``"sms"`` 90, ``"lms"`` 2,000).

    Raises
    ------
    ValueError
        If it does not fit (naming the length and the limit), or for an unknown ``kind``.
    """
    limit = _limit(kind)
    length = sms_bytes(text)
    if length > limit:
        raise ValueError(
            f"문자 길이 {length}바이트가 {kind.upper()} 한도 {limit}바이트(EUC-KR 기준)를 넘습니다. "
            f"문구를 줄이거나 kind='lms'(2000바이트)로 보내세요: {text!r}"
        )
    return length


def welcome_messages(
    households: pd.DataFrame,
    zones: pd.DataFrame,
    staff: pd.DataFrame,
    *,
    dong_name: str,
    template: str = DEFAULT,
    centre_template: str = CENTRE_DEFAULT,
    centre_phone: str | None = None,
    kind: str = "sms",
) -> pd.DataFrame:
    """One welcome message per move-in household, for the centre's SMS system (personal data, not public).

    Parameters
    ----------
    households : DataFrame
        ``Store.households()`` (``kind``, ``name``, ``phone``, ``address``, ``zone_id``); only
        ``kind == "move_in"`` rows are used.  Never modified.
    zones, staff : DataFrame
        ``Store.zones()`` and ``Store.staff()``: the zone's officer and office phone, and consent.
    dong_name : str
        The dong; its own name ("성산2동") fills ``{dong}``.
    template, centre_template : str
        Texts with ``{dong}``, ``{officer}``, ``{phone}``: the first where the officer is named, the
        second (the centre's phone) for every other household.
    centre_phone : str, optional
        The centre's phone; required when any household gets ``centre_template``.
    kind : str
        ``"sms"`` (90 bytes) or ``"lms"`` (2,000 bytes, e.g. with :data:`LMS_DEFAULT`).

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, one row per move-in household, in their order.

    Raises
    ------
    ValueError
        For a missing column, a bad template or kind, a needed but missing ``centre_phone``, and
        for every filled message longer than one ``kind`` (rows and lengths named, not residents).
    """
    _check_inputs(households, zones, staff, templates=(template, centre_template), kind=kind)
    movers = households[households["kind"].isin(_MOVE_IN)]
    cards = public_cards(pd.DataFrame(zones).reindex(columns=[*_ZONE_COLUMNS, "geometry"]), staff)
    known = {
        text_of(z): (text_of(o), text_of(t))
        for z, o, t in zip(zones["zone_id"], zones["officer"], zones["team"], strict=True)
    }
    public = {
        text_of(z): (text_of(o), text_of(p))
        for z, o, p in zip(cards["zone_id"], cards["officer"], cards["phone"], strict=True)
    }
    dong, templates = _short(dong_name), (template, centre_template)
    rows = [_row(h, known, public, dong=dong, templates=templates, centre=centre_phone) for _, h in movers.iterrows()]
    out = pd.DataFrame(rows, columns=list(COLUMNS)).astype({"바이트": int})
    _check_lengths(out, kind=kind, centre_phone=centre_phone)
    return out


def welcome_messages_of(store: Store, code: str, *, user: User, **options: str) -> pd.DataFrame:
    """:func:`welcome_messages` for dong ``code`` of ``store``, with its name and the centre's phone (the read is logged)."""
    resources = strip_personal(store.resources(code), table="resources")
    centre = resources.loc[resources["type"] == "community_centre", "phone"].map(text_of)
    return welcome_messages(
        store.households(code, user=user),
        store.zones(code),
        store.staff(code),
        dong_name=str(store.dongs().set_index("dong_code").loc[code, "name"]),
        centre_phone=next((p for p in centre if p), None),
        **options,
    )


def export_welcome_csv(messages: pd.DataFrame, path: Path, *, encoding: str = "utf-8-sig") -> Path:
    """Write the messages for an SMS system: :data:`CSV_COLUMNS`, every cell through :func:`safe_text`.

    ``encoding`` is ``"utf-8-sig"`` (Excel-friendly) or ``"cp949"`` (older Korean SMS systems).

    Raises
    ------
    ValueError
        For another encoding, or naming the row and column of a character CP949 cannot hold.
    """
    if encoding not in ENCODINGS:
        raise ValueError(f"인코딩 {encoding!r}은(는) 쓸 수 없습니다. 가능한 값: {', '.join(ENCODINGS)}")
    frame = pd.DataFrame({c: messages[c].map(safe_text) for c in CSV_COLUMNS})
    for column in CSV_COLUMNS if encoding == "cp949" else ():
        for i, value in enumerate(frame[column], start=2):
            if not all(_encodable(ch) for ch in value):
                raise ValueError(
                    f"{i}행 [{column}]에 CP949로 저장할 수 없는 글자가 있습니다. encoding='utf-8-sig'로 저장하세요."
                )
    frame.to_csv(path, index=False, encoding=encoding)
    return Path(path)


def export_welcome_letters(
    messages: pd.DataFrame, path: Path, *, dong_name: str, centre_phone: str | None = None, date: dt.date | None = None
) -> Path:
    """Write one printable A4 welcome letter per household (personal data: names and addresses).

    Each page: the address block, a greeting, the officer's card (name and office phone only with
    consent, else "우리동네주무관" and the centre's phone, as in the message), and what the officer does.

    Raises
    ------
    ValueError
        If ``messages`` has no rows.
    """
    if messages.empty:
        raise ValueError("전입세대가 없어 환영 안내문을 만들지 않았습니다 (받은 행 0개).")
    dong = _short(dong_name)
    pdf = new_pdf(f"{dong} 전입세대 환영 안내문")
    for i, (_, row) in enumerate(messages.iterrows()):
        if i:
            pdf.add_page()
        _letter(pdf, row, dong=dong, centre_phone=centre_phone, date=date or clock.today())
    pdf.output(str(path))
    return Path(path)


# --- steps --------------------------------------------------------------------------------------------------------

_ZONE_COLUMNS = ("zone_id", "officer", "team", "phone", "tongs")


def _check_inputs(
    households: pd.DataFrame, zones: pd.DataFrame, staff: pd.DataFrame, *, templates: tuple[str, str], kind: str
) -> None:
    problems = [
        f"{what}에 {c!r} 열이 없습니다"
        for what, frame, needed in (
            ("전입세대", households, ("kind", "name", "phone", "zone_id")),
            ("구역", zones, _ZONE_COLUMNS),
            ("직원", staff, ("name",)),
        )
        for c in needed
        if c not in frame.columns
    ]
    problems += [p for t in templates for p in _template_problems(t)]
    if kind not in LIMITS:
        problems.append(f"문자 종류 {kind!r} (가능한 값: {', '.join(LIMITS)})")
    if problems:
        raise ValueError("환영 문자를 만들 수 없습니다: " + "; ".join(problems))


def _template_problems(template: str) -> list[str]:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as err:
        return [f"문구 {template!r}의 중괄호가 맞지 않습니다 ({err})"]
    unknown = sorted({f for f in fields if f not in PLACEHOLDERS})
    problems = (
        [f"문구 {template!r}에 모르는 자리표시자 {unknown} (쓸 수 있는 것: {{dong}}, {{officer}}, {{phone}})"]
        if unknown
        else []
    )
    return problems + ([f"문구 {template!r}에 연락처 {{phone}}이 없습니다"] if "phone" not in fields else [])


def _row(
    household: pd.Series,
    known: dict[str, tuple[str, str]],
    public: dict[str, tuple[str, str]],
    *,
    dong: str,
    templates: tuple[str, str],
    centre: str | None,
) -> dict[str, object]:
    """One household's message: the officer's name and phone where published, else the centre's phone."""
    zone = text_of(household["zone_id"])
    officer, team = known.get(zone, ("", ""))
    shown, phone = public.get(zone, ("", ""))
    if zone not in known:
        note = NO_ZONE
    elif not officer:
        note = NO_OFFICER
    else:
        note = "" if shown and phone else NOT_CONSENTED
    if note:
        shown, phone = "", text_of(centre)
    text = _fill(templates[1] if note else templates[0], dong=dong, officer=shown, phone=phone)
    values = [zone, household["name"], household["phone"], household.get("address"), officer, team, shown, phone, text]
    return {**dict(zip(COLUMNS, map(text_of, values), strict=False)), "바이트": sms_bytes(text), "비고": note}


def _fill(template: str, **values: str) -> str:
    """The template filled, with the double spaces an empty value leaves closed up."""
    return "\n".join(re.sub(r" {2,}", " ", line).strip() for line in template.format(**values).split("\n"))


def _check_lengths(messages: pd.DataFrame, *, kind: str, centre_phone: str | None) -> None:
    if not text_of(centre_phone) and (messages["비고"] != "").any():
        count = int((messages["비고"] != "").sum())
        raise ValueError(
            f"주민센터 전화번호(centre_phone)가 필요합니다: 담당 주무관 이름과 번호를 알릴 수 없는 전입세대가 {count}곳 있습니다."
        )
    limit = LIMITS[kind]
    over = [
        f"{i}행 {n}바이트 (구역 {z or '없음'})"
        for i, (n, z) in enumerate(zip(messages["바이트"], messages["구역"], strict=True), 1)
        if n > limit
    ]
    if over:
        raise ValueError(
            f"문자 {len(over)}건이 {kind.upper()} 한도 {limit}바이트(EUC-KR 기준)를 넘습니다: {', '.join(over)}. "
            "문구를 줄이거나 kind='lms'(2000바이트)로 보내세요."
        )


def _short(dong_name: str) -> str:
    """The dong's own name: "서울특별시 마포구 성산2동" → "성산2동"."""
    return (str(dong_name).split() or [str(dong_name)])[-1]


def _limit(kind: str) -> int:
    if kind not in LIMITS:
        raise ValueError(f"문자 종류 {kind!r}은(는) 없습니다. 가능한 값: {', '.join(LIMITS)}")
    return LIMITS[kind]


def _encodable(ch: str) -> bool:
    try:
        ch.encode("cp949")
    except UnicodeEncodeError:
        return False
    return True


# --- the letter ---------------------------------------------------------------------------------------------------


def _letter(pdf: FPDF, row: pd.Series, *, dong: str, centre_phone: str | None, date: dt.date) -> None:
    pdf.set_font(PDF_FONT, "", 9)
    pdf.cell(
        0, 5, f"{dong} 주민센터 · {date.year}. {date.month}. {date.day}.", align="R", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(PDF_FONT, "", 11)
    pdf.multi_cell(95, 6, text_of(row["주소"]) or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(PDF_FONT, "B", 12)
    pdf.cell(95, 7, f"{text_of(row['성명'])} 님", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(PDF_FONT, "B", 20)
    pdf.cell(0, 12, "전입을 환영합니다", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(PDF_FONT, "", 11)
    pdf.multi_cell(0, 6.5, _greeting(dong), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _officer_card(pdf, row, centre_phone=centre_phone)
    pdf.ln(6)
    pdf.set_font(PDF_FONT, "B", 12)
    pdf.cell(0, 8, "우리동네주무관은 이런 일을 합니다", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(PDF_FONT, "", 10.5)
    for duty in DUTIES:
        pdf.multi_cell(0, 6, f"•  {duty}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font(PDF_FONT, "B", 12)
    pdf.cell(0, 8, f"{dong} 주민센터" + (f"  ☎ {centre_phone}" if text_of(centre_phone) else ""), align="R")
    pdf.set_xy(pdf.l_margin, pdf.page_break_trigger - 6)
    pdf.set_font(PDF_FONT, "", 7.5)
    pdf.cell(0, 5, "이 안내문에는 받는 분의 개인정보가 들어 있습니다. 전하지 못한 안내문은 파기해 주세요.", align="C")


def _greeting(dong: str) -> str:
    return (
        f"{dong}에 오신 것을 진심으로 환영합니다. {dong} 주민센터는 통마다 담당 직원을 두고 동네를 함께 "
        "살피는 '우리동네주무관' 제도를 운영하고 있습니다. 새 동네에서 궁금한 점이나 불편한 점이 있으면 "
        "아래 담당 주무관에게 언제든 편하게 연락해 주세요."
    )


def _officer_card(pdf: FPDF, row: pd.Series, *, centre_phone: str | None) -> None:
    shown, phone, team = text_of(row["안내 이름"]), text_of(row["안내 연락처"]), text_of(row["담당 팀"])
    zone = text_of(row["구역"])
    if shown:
        lines = [(PUBLIC_TITLE, "B", 10), (shown, "B", 17), (team, "", 10), (f"☎ {phone}", "B", 12)]
        lines.append((f"담당 구역 {zone}" if zone else "", "", 9))
    else:
        lines = [(PUBLIC_TITLE, "B", 17), (team, "", 10), (f"☎ 주민센터 {phone or text_of(centre_phone)}", "B", 12)]
        lines.append(("전화하시면 담당 주무관에게 연결해 드립니다", "", 9))
    x, y, w = pdf.l_margin + 30, pdf.get_y(), pdf.epw - 60
    height = sum(size * 0.3528 * 1.35 for text, _, size in lines if text) + 8
    pdf.set_draw_color(90, 90, 90)
    pdf.rect(x, y, w, height, style="D", round_corners=True, corner_radius=3)
    pdf.set_y(y + 4)
    for text, style, size in (line for line in lines if line[0]):
        pdf.set_font(PDF_FONT, style, size)
        pdf.set_x(x)
        pdf.cell(w, size * 0.3528 * 1.35, fit_text(pdf, text, w - 8), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(y + height)
