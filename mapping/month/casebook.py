"""The 실천사례 library and the yearly 실천사례집: best cases shared across dongs and gus, without personal data.

A case enters the library when the gu selects it.  What others read is the copy the dong shared when it
submitted the case (:func:`submit_best_case`): title, field, story, result, the activities' dates, tongs,
kinds and actions, the teams, and only the photos the dong marked shareable.  That copy passes the same
guard as every public output (:func:`mapping.publish.privacy.guard_public_text`) against the dong's
personal values before it is stored, so no resident, contact or memo can travel with it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mapping.domain import FIELDS
from mapping.month.best_cases import DETAIL_COLUMNS, best_case_document_for
from mapping.organisation import gu_names, gu_of
from mapping.printing import HEAD_STYLE, PDF_FONT, new_pdf, pdf_photos, pdf_section, pdf_table, pdf_title
from mapping.text import text_of

if TYPE_CHECKING:
    from mapping.access import User
    from mapping.store import Store

TITLE = "우리동네주무관 실천사례집"
RESULT_MAX = 3_000
STATES = {"shared": "시 공유", "sent": "시 제출", "selected": "구 선정"}


def submit_best_case(
    store: Store, case_id: int, *, result: str = "", photo_ids: Iterable[int] = (), user: User
) -> dt.date:
    """Submit a best case to the gu with the copy the gu, the city and the library will read.

    The copy (title, field, story, result, activities, teams; no officer names, no memo, no resident) is
    checked against every personal value of the dong (:func:`mapping.publish.privacy.personal_values_of`)
    and refused whole if one is in it.  Photos travel only if listed in ``photo_ids``.

    Returns
    -------
    datetime.date
        The day of the (first) submission: the 7th's deadline is judged by it.

    Raises
    ------
    AccessError
        Unless ``user`` is a team leader or the dong head of the case's dong.
    PrivacyError
        If the copy holds a personal value (say which field to rewrite).
    ValidationError
        After the gu decided, for a photo not of the case, or a result over :data:`RESULT_MAX` characters.
    """
    from mapping.errors import Problem, ValidationError
    from mapping.publish.privacy import guard_public_text, personal_values_of

    case = store.best_case(case_id)
    code = str(case["dong_code"])
    result = (result or "").strip()
    if len(result) > RESULT_MAX:
        problem = Problem("실천사례", None, "추진 결과", f"{len(result)}자로 너무 깁니다(최대 {RESULT_MAX}자).")
        raise ValidationError([problem], what="실천사례")
    values = personal_values_of(store, code, user=user)  # also: only the dong's leaders may submit
    doc = best_case_document_for(store, case_id)
    copy = {
        "title": doc.title,
        "field": doc.field,
        "summary": doc.summary,
        "result": result,
        "dong": doc.dong.split()[-1] if doc.dong else "",
        "gu": gu_names().get(gu_of(code), ""),
        "month": doc.month,
        "period": doc.period,
        "teams": doc.teams,
        "details": doc.details.astype(str).to_numpy().tolist(),
        "sample": doc.sample,
    }
    guard_public_text(json.dumps(copy, ensure_ascii=False), values, what=f"실천사례 '{doc.title}'의 공유본")
    return store.submit_case(case_id, shared=copy, result=result, photo_ids=photo_ids, user=user)


def case_state(row: pd.Series | dict) -> str:
    """Where a case in the library stands: 시 공유 / 시 제출 / 구 선정."""
    if pd.notna(row.get("city_shared_on")):
        return STATES["shared"]
    if pd.notna(row.get("city_submitted_on")):
        return STATES["sent"]
    return STATES["selected"]


def library_frame(cases: pd.DataFrame) -> pd.DataFrame:
    """The library's rows (from :meth:`mapping.store.Store.case_library`) flattened for searching and showing.

    Columns: ``id, 연월, 구, 동, 분야, 제목, 상태, text`` (``text``: everything shared, for the search),
    and ``shared`` (the copy itself).
    """
    rows = []
    for case in cases.to_dict("records"):
        shared = case["shared"] or {}
        text = " ".join(
            text_of(v)
            for v in (shared.get("title"), shared.get("summary"), shared.get("result"), *shared.get("teams", []))
        )
        text += " " + " ".join(" ".join(map(text_of, row)) for row in shared.get("details", []))
        rows.append(
            {
                "id": int(case["id"]),
                "연월": str(case["month"]),
                "구": shared.get("gu") or gu_names().get(gu_of(case["dong_code"]), ""),
                "동": shared.get("dong", ""),
                "분야": shared.get("field") or FIELDS.label(case["field"]),
                "제목": shared.get("title", ""),
                "상태": case_state(case),
                "text": text,
                "shared": shared,
            }
        )
    columns = ["id", "연월", "구", "동", "분야", "제목", "상태", "text", "shared"]
    return pd.DataFrame(rows, columns=columns)


def search_library(
    library: pd.DataFrame,
    *,
    fields: Iterable[str] = (),
    gus: Iterable[str] = (),
    dongs: Iterable[str] = (),
    months: Iterable[str] = (),
    text: str = "",
) -> pd.DataFrame:
    """Filter :func:`library_frame` rows: any of ``fields`` (labels), ``gus``, ``dongs``, ``months``; every word of ``text``."""
    keep = pd.Series(True, index=library.index)
    for column, wanted in (("분야", fields), ("구", gus), ("동", dongs), ("연월", months)):
        chosen = list(wanted)
        if chosen:
            keep &= library[column].isin(chosen)
    for word in text.split():
        keep &= library["text"].str.contains(word, case=False, regex=False) | library["제목"].str.contains(
            word, case=False, regex=False
        )
    return library[keep]


def export_casebook_pdf(store: Store, year: int, path: Path, *, user: User, only_shared: bool = False) -> Path:
    """Write the year's 실천사례집: a contents page, then each case of the library (story, result, activities, photos).

    Parameters
    ----------
    store : Store
        Where the cases are.
    year : int
        The cases of that year's months.
    path : Path
        The PDF to write (overwritten).
    user : User
        Who compiles it (any library reader: :func:`mapping.access.check_library_reader`).
    only_shared : bool
        Only the cases the city shared (the contest's short list), instead of every case a gu selected.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    AccessError
        For the public.
    """
    library = library_frame(store.case_library(user=user))
    library = library[library["연월"].str.startswith(f"{year}-")]
    if only_shared:
        library = library[library["상태"] == STATES["shared"]]
    library = library.sort_values(["연월", "구", "동", "id"], kind="stable").reset_index(drop=True)
    title = f"{year}년 {TITLE}"
    pdf = new_pdf(title)
    pdf_title(pdf, title, subtitle=f"{'시 공유 사례' if only_shared else '구 선정 사례'} {len(library)}건")
    sample = bool(library["shared"].map(lambda s: bool(s.get("sample"))).any()) if len(library) else False
    if sample:
        pdf.cell(0, 6, "샘플 데이터(가상의 직원·보고)가 들어 있습니다.", new_x="LMARGIN", new_y="NEXT")
    pdf_section(pdf, "차례", need=20)
    links = [pdf.add_link() for _ in range(len(library))]
    pdf.set_font(PDF_FONT, "", 10)
    for number, (link, row) in enumerate(zip(links, library.to_dict("records"), strict=True), 1):
        line = f"{number}. [{row['분야']}] {row['제목']} — {row['구']} {row['동']} ({row['연월']})"
        pdf.cell(0, 7, line, link=link, new_x="LMARGIN", new_y="NEXT")
    if library.empty:
        pdf.cell(0, 7, f"{year}년에 구가 선정한 사례가 아직 없습니다.", new_x="LMARGIN", new_y="NEXT")
    for number, (link, row) in enumerate(zip(links, library.to_dict("records"), strict=True), 1):
        shared = row["shared"]
        pdf.add_page()
        pdf.set_link(link, page=pdf.page_no())
        pdf.set_font(PDF_FONT, "B", 14)
        pdf.multi_cell(0, 8, f"{number}. {shared.get('title', '')}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(PDF_FONT, "", 10)
        overview = [
            ("구·동", f"{row['구']} {row['동']}"),
            ("활동 월", str(row["연월"])),
            ("분야", str(row["분야"])),
            ("팀", ", ".join(shared.get("teams", [])) or "-"),
            ("상태", str(row["상태"])),
        ]
        pdf_table(
            pdf, [[{"text": k, "style": HEAD_STYLE, "align": "C"}, v] for k, v in overview], widths=(1, 5), head=False
        )
        pdf_section(pdf, "추진 내용", need=20)
        pdf.multi_cell(0, 6, text_of(shared.get("summary")) or "(적지 않음)", new_x="LMARGIN", new_y="NEXT")
        pdf_section(pdf, "추진 결과", need=20)
        pdf.multi_cell(0, 6, text_of(shared.get("result")) or "(적지 않음)", new_x="LMARGIN", new_y="NEXT")
        if shared.get("details"):
            pdf_section(pdf, "관련 활동")
            pdf_table(pdf, [DETAIL_COLUMNS, *shared["details"]], widths=(1.3, 0.7, 0.7, 3, 2.3))
        photos = [
            (io.BytesIO(store.case_photo(int(row["id"]), int(p), user=user, thumb=False)), f"사진 {i}")
            for i, p in enumerate(shared.get("photo_ids", []), 1)
        ]
        if photos:
            pdf_section(pdf, "사진", need=70)
            pdf_photos(pdf, photos)
    pdf.output(str(path))
    return Path(path)
