"""Printable business cards (명함) for 우리동네주무관: ten 90 × 50 mm cards on an A4 sheet.

A card shows the 우리동네주무관 title, the officer's name, team and position, the tongs of their
zone ("담당: 3·4통"), their office phone (the centre's phone when they have none), the dong's
community centre and a QR code to the dong's public map.

A business card is handed out by the officer in person, so it always carries the officer's own
name and office phone: unlike the public map, it does not wait for 공개동의 (``public_card``).
It is made from the staff table (office data only) and the centre's public phone; nothing of a
resident (households, report contacts or memos) is ever read.

Sheets: 2 columns × 5 rows of 90 × 50 mm cards (the standard Korean card size) meet edge to edge
in the middle of an A4 portrait page, with hairline borders and cut marks in the margins, so one
straight cut separates two cards.  Each card is repeated ``copies`` times; by default a single
officer's cards fill a page (:data:`PER_PAGE` copies) and a dong's cards come one per officer.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd
from fpdf import FPDF

from mapping.domain import ROLES
from mapping.errors import ExportError, NotFoundError
from mapping.fonts import korean_font_path
from mapping.printing import PDF_FONT, fit_text
from mapping.publish.privacy import PUBLIC_TITLE, strip_personal
from mapping.text import text_of, without_city

if TYPE_CHECKING:
    from mapping.store import Store

CARD_W, CARD_H = 90.0, 50.0  # mm, the standard Korean business card
COLUMNS, ROWS = 2, 5
PER_PAGE = COLUMNS * ROWS
MAX_COPIES = 100
PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait
LEFT, TOP = (PAGE_W - COLUMNS * CARD_W) / 2, (PAGE_H - ROWS * CARD_H) / 2
QR_CAPTION = "동네 지도"
_PAD, _QR, _GAP = 5.0, 25.0, 3.0
_TEXT_W = CARD_W - 2 * _PAD - _QR - _GAP  # text beside the QR code
_MARK, _MARK_GAP = 4.0, 1.5  # cut marks: length and distance from the sheet of cards
_ACCENT = (30, 80, 160)
_GREY = (90, 90, 90)
_DROP_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, format (bidi overrides…), surrogates, unassigned


@dataclass(frozen=True)
class BusinessCard:
    """What one officer's card says.

    Parameters
    ----------
    name : str
        The officer's name.
    team : str
        The team (팀명), e.g. ``"행정민원팀"``.
    position : str
        The Korean position label (주무관 / 팀장 / 동장); printed after the team unless it is
        already part of it.
    phone : str
        The office phone printed on the card ("" for none).
    tongs : tuple of int
        The tongs of the officer's zone (empty when they own none: no 담당 line).
    centre_phone : bool
        True when ``phone`` is the community centre's number, not the officer's own.
    """

    name: str
    team: str
    position: str = ROLES.label("officer")
    phone: str = ""
    tongs: tuple[int, ...] = ()
    centre_phone: bool = False


# --- public API -------------------------------------------------------------------------------------------------


def cards_for(store: Store, code: str, *, officers: Sequence[str] | None = None) -> list[BusinessCard]:
    """The business cards of dong ``code``: every staff member, or those named in ``officers``.

    Parameters
    ----------
    store : Store
        The store; only its staff table and the centre's public phone are read.
    code : str
        The dong.
    officers : sequence of str, optional
        Officers' names (or their zone ids, e.g. ``"Z03"``), in the order wanted; default: the
        whole staff list in its own order.

    Returns
    -------
    list of BusinessCard
        One card per officer, with the officer's office phone, or the centre's when it is blank.

    Raises
    ------
    mapping.errors.NotFoundError
        Naming every unknown officer and the staff there are.
    """
    staff = store.staff(code)
    chosen = staff if officers is None else _chosen_staff(store, code, staff, officers)
    centre = _centre_phone(store, code)
    return [_card_of(row, centre) for _, row in chosen.iterrows()]


def export_business_cards_pdf(
    cards: Sequence[BusinessCard],
    *,
    dong_name: str,
    public_url: str | None,
    copies: int | None = None,
    sample: bool = False,
) -> bytes:
    """The A4 sheets of business cards as PDF bytes: ten 90 × 50 mm cards a page, with cut marks.

    Parameters
    ----------
    cards : sequence of BusinessCard
        The cards, in print order (see :func:`cards_for`).
    dong_name : str
        The dong, e.g. ``"서울특별시 마포구 성산2동"``; the card says "마포구 성산2동 주민센터".
    public_url : str or None
        Address of the dong's public map, printed as a QR code on every card; None: no QR code.
    copies : int, optional
        How many of each card, one after another (1 to :data:`MAX_COPIES`).  Default: a full
        page (:data:`PER_PAGE`) when ``cards`` holds one card, otherwise one of each.
    sample : bool
        Mark every card "샘플" (the sample dong's officers are invented).

    Returns
    -------
    bytes
        The PDF, with the Korean font embedded and every word as text.

    Raises
    ------
    mapping.errors.ExportError
        (a ValueError) for no cards, a bad ``copies`` or a blank ``public_url``, naming every one.
    mapping.fonts.FontError
        If no Korean font is installed.
    """
    copies = _check_args(cards, public_url=public_url, copies=copies)
    pdf = _sheet(f"우리동네주무관 명함 — {_clean(dong_name)}")
    qr = _qr_png(public_url.strip()) if public_url else None
    footer = _footer(dong_name)
    for i, card in enumerate(card for card in cards for _ in range(copies)):
        if i % PER_PAGE == 0:
            pdf.add_page()
            _cut_marks(pdf)
        x, y = LEFT + (i % COLUMNS) * CARD_W, TOP + (i % PER_PAGE) // COLUMNS * CARD_H
        _card(pdf, x, y, card, footer=footer, qr=qr, sample=sample)
    return bytes(pdf.output())


# --- choosing and building the cards -----------------------------------------------------------------------------


def _chosen_staff(store: Store, code: str, staff: pd.DataFrame, officers: Sequence[str]) -> pd.DataFrame:
    """The staff rows of ``officers`` (names or zone ids), in that order."""
    zones = store.zones(code)
    by_zone = dict(zip(zones["zone_id"].astype(str), zones["officer"].astype(str), strict=True))
    names = [by_zone.get(text_of(o), text_of(o)) for o in officers]
    known = list(staff["name"].astype(str))
    missing = [o for o, n in zip(officers, names, strict=True) if n not in known]
    if missing:
        listed = ", ".join(repr(m) for m in missing)
        raise NotFoundError(f"명함을 만들 직원 {listed}이(가) 명단에 없습니다. 직원: {', '.join(known)}")
    if not names:
        raise NotFoundError(f"명함을 만들 직원을 한 명 이상 고르세요. 직원: {', '.join(known)}")
    return staff.set_index("name", drop=False).loc[names].reset_index(drop=True)


def _centre_phone(store: Store, code: str) -> str:
    """The community centre's phone, from the public resources only ("" if none)."""
    resources = strip_personal(store.resources(code), table="resources")
    phones = [text_of(p) for p in resources.loc[resources["type"] == "community_centre", "phone"]]
    return next((p for p in phones if p), "")


def _card_of(row: pd.Series, centre: str) -> BusinessCard:
    own = text_of(row.get("phone"))
    tongs = row.get("tongs")
    numbers = tuple(sorted(int(t) for t in tongs)) if isinstance(tongs, list | tuple) else ()
    return BusinessCard(
        name=text_of(row["name"]),
        team=text_of(row.get("team")),
        position=ROLES.label(text_of(row.get("role")) or "officer"),
        phone=own or centre,
        tongs=numbers,
        centre_phone=not own and bool(centre),
    )


def _check_args(cards: Sequence[BusinessCard], *, public_url: object, copies: object) -> int:
    """The number of copies of each card; every problem with the arguments in one ExportError."""
    problems = []
    if not cards:
        problems.append("카드가 없습니다 (cards_for()로 직원을 한 명 이상 고르세요)")
    elif not all(isinstance(c, BusinessCard) for c in cards):
        problems.append("cards에는 BusinessCard만 넣을 수 있습니다")
    if copies is None:
        copies = PER_PAGE if len(cards) == 1 else 1
    if isinstance(copies, bool) or not isinstance(copies, int) or not 1 <= copies <= MAX_COPIES:
        problems.append(f"장수 copies {copies!r} (1~{MAX_COPIES} 사이의 정수, 한 쪽은 {PER_PAGE}장)")
    if public_url is not None and (not isinstance(public_url, str) or not public_url.strip()):
        problems.append(f"QR 주소 public_url {public_url!r} (공개 지도 주소, 예: https://…; QR 없이는 None)")
    if problems or not isinstance(copies, int):  # a non-int copies is already a problem; isinstance narrows it
        raise ExportError("명함을 만들 수 없습니다: " + "; ".join(problems))
    return int(copies)


# --- text that cannot break the page -----------------------------------------------------------------------------


@cache
def _glyphs() -> frozenset[int]:
    """Code points the embedded font can draw (regular and bold alike)."""
    from fontTools.ttLib import TTFont

    with TTFont(str(korean_font_path()), lazy=True) as font:
        regular = set(font.getBestCmap())
    with TTFont(str(korean_font_path(bold=True)), lazy=True) as font:
        return frozenset(regular & set(font.getBestCmap()))


def _clean(value: object) -> str:
    """``value`` on one line, without control or bidi characters or glyphs the font lacks."""
    text = " ".join(text_of(value).split())
    glyphs = _glyphs()
    kept = (ch for ch in text if unicodedata.category(ch) not in _DROP_CATEGORIES and (ch == " " or ord(ch) in glyphs))
    return " ".join("".join(kept).split())


def _team_line(card: BusinessCard) -> str:
    team, position = _clean(card.team), _clean(card.position)
    return team if not position or position in team else " ".join(p for p in (team, position) if p)


def _footer(dong_name: str) -> str:
    dong = without_city(_clean(dong_name))
    return f"{dong} 주민센터" if dong else "주민센터"


def _fit(pdf: FPDF, text: str, width: float, *, style: str, size: float, smallest: float) -> float:
    """Set the largest font size from ``size`` down to ``smallest`` at which ``text`` fits ``width``."""
    while True:
        pdf.set_font(PDF_FONT, style, size)
        if size <= smallest or pdf.get_string_width(text) <= width:
            return size
        size = max(smallest, size - 0.5)


def _line(
    pdf: FPDF, x: float, y: float, width: float, text: str, *, style: str = "", size: float, smallest: float = 5.5
) -> None:
    """One line of text at (x, y), shrunk to fit ``width`` and cut with "…" below ``smallest`` pt."""
    size = _fit(pdf, text, width, style=style, size=size, smallest=smallest)
    pdf.set_xy(x, y)
    pdf.cell(width, size * 0.3528 * 1.2, fit_text(pdf, text, width) if text else "")


# --- the sheet ---------------------------------------------------------------------------------------------------


def _sheet(title: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0  # text starts exactly where it is put: the widths below are the ink's
    pdf.add_font(PDF_FONT, "", fname=korean_font_path())
    pdf.add_font(PDF_FONT, "B", fname=korean_font_path(bold=True))
    pdf.set_title(title)
    pdf.set_lang("ko")
    return pdf


def _cut_marks(pdf: FPDF) -> None:
    """Short lines in the margins on every cut, clear of the cards."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.15)
    right, bottom = LEFT + COLUMNS * CARD_W, TOP + ROWS * CARD_H
    for i in range(COLUMNS + 1):
        x = LEFT + i * CARD_W
        pdf.line(x, TOP - _MARK_GAP - _MARK, x, TOP - _MARK_GAP)
        pdf.line(x, bottom + _MARK_GAP, x, bottom + _MARK_GAP + _MARK)
    for j in range(ROWS + 1):
        y = TOP + j * CARD_H
        pdf.line(LEFT - _MARK_GAP - _MARK, y, LEFT - _MARK_GAP, y)
        pdf.line(right + _MARK_GAP, y, right + _MARK_GAP + _MARK, y)


def _card(pdf: FPDF, x: float, y: float, card: BusinessCard, *, footer: str, qr: bytes | None, sample: bool) -> None:
    """One card with its top-left corner at (x, y)."""
    pdf.set_draw_color(200, 200, 200)
    pdf.set_line_width(0.1)
    pdf.rect(x, y, CARD_W, CARD_H)  # a hairline guide: a slightly-off cut still looks clean
    left, width = x + _PAD, (_TEXT_W if qr else CARD_W - 2 * _PAD)
    pdf.set_text_color(*_ACCENT)
    _line(pdf, left, y + _PAD, width - (9 if sample else 0), PUBLIC_TITLE, style="B", size=9)
    pdf.set_text_color(0, 0, 0)
    _line(pdf, left, y + 10.5, width, _clean(card.name), style="B", size=18, smallest=7)
    _line(pdf, left, y + 20, width, _team_line(card), size=9)
    if card.tongs:
        _line(pdf, left, y + 25, width, "담당: " + "·".join(str(t) for t in card.tongs) + "통", size=9)
    phone = _clean(card.phone)
    if phone:
        text = f"☎ {phone}" + (" (주민센터)" if card.centre_phone else "")
        _line(pdf, left, y + 32.5, width, text, style="B", size=10.5)
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(0.4)
    pdf.line(left, y + 39.5, x + CARD_W - _PAD, y + 39.5)
    pdf.set_text_color(*_GREY)
    _line(pdf, left, y + 41, CARD_W - 2 * _PAD, footer, size=8)
    if sample:
        pdf.set_text_color(200, 40, 40)
        pdf.set_font(PDF_FONT, "B", 7)
        pdf.set_xy(left + width - 8, y + _PAD)
        pdf.cell(8, 3.8, "샘플", align="R")
    pdf.set_text_color(0, 0, 0)
    if qr:
        _qr(pdf, x + CARD_W - _PAD - _QR, y + _PAD, qr)


def _qr(pdf: FPDF, x: float, y: float, png: bytes) -> None:
    pdf.image(io.BytesIO(png), x=x, y=y, w=_QR, h=_QR)
    pdf.set_font(PDF_FONT, "", 6.5)
    pdf.set_text_color(*_GREY)
    pdf.set_xy(x, y + _QR + 0.3)
    pdf.cell(_QR, 3, QR_CAPTION, align="C")
    pdf.set_text_color(0, 0, 0)


def _qr_png(url: str) -> bytes:
    """The public map's QR code (as on the tour map) as PNG bytes: embedded once, drawn on every card."""
    from mapping.publish.tour_map import qr_image  # matplotlib and geopandas come with it: only when a QR is asked for

    buffer = io.BytesIO()
    qr_image(url).save(buffer, format="PNG")
    return buffer.getvalue()
