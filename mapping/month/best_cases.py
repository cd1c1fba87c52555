"""실천사례 documents: the month's best case as submitted to the gu (by the 7th) and the city (by the 10th).

The document carries the case's title, field, the team leader's summary, the
officers who did the work, the reports it gathers (date, tong, what, action)
and their photos.  No resident's name or contact: the reports come from
:meth:`mapping.store.Store.reports`, which leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook

from mapping.domain import FIELDS
from mapping.errors import NotFoundError
from mapping.month.meeting import report_kind
from mapping.printing import (
    HEAD_STYLE,
    new_pdf,
    pdf_photo_need,
    pdf_photos,
    pdf_section,
    pdf_table,
    pdf_title,
    xlsx_cell,
    xlsx_page_setup,
    xlsx_section,
    xlsx_table,
    xlsx_title,
)
from mapping.text import present, text_of

if TYPE_CHECKING:
    from mapping.store import Store

LEVELS = {"gu": ("구", "우리동네주무관 실천사례 (구 제출)"), "city": ("시", "우리동네주무관 우수 실천사례 (시 제출)")}
DETAIL_COLUMNS = ["일자", "통", "분야", "내용", "조치사항"]


@dataclass(frozen=True, eq=False)
class BestCaseDocument:
    """One best case, ready to print for the gu or the city."""

    case_id: int
    dong: str
    month: str
    title: str
    field: str
    summary: str
    officers: list[str]
    teams: list[str]
    details: pd.DataFrame
    photos: list[tuple[Path, str]]
    sample: bool = False

    @property
    def period(self) -> str:
        """The dates the reports span, e.g. "2026. 10. 5. ~ 2026. 10. 27."."""
        first, last = self.details["일자"].iloc[0], self.details["일자"].iloc[-1]  # details are in time order
        return first if first == last else f"{first} ~ {last}"


def build_best_case_document(
    case: dict,
    reports: pd.DataFrame,
    staff: pd.DataFrame,
    *,
    dong: str,
    photos: Iterable[tuple[Path, str]] = (),
    sample: bool = False,
) -> BestCaseDocument:
    """Gather a best case and its reports into a printable document.

    Parameters
    ----------
    case : dict
        As :meth:`mapping.store.Store.best_case` returns it.
    reports : DataFrame
        The dong's reports (the case's are picked by id).
    staff : DataFrame
        The staff list (for the officers' teams).
    dong : str
        The dong's name.
    photos : list of (Path, str)
        The reports' photos and captions.
    sample : bool
        Mark the document as sample data.

    Raises
    ------
    NotFoundError
        If one of the case's reports is no longer in ``reports``.
    """
    ids = [int(i) for i in case["report_ids"]]
    mine = reports[reports["id"].isin(ids)].sort_values(["created_at", "id"], kind="stable")
    missing = sorted(set(ids) - set(mine["id"].astype(int)))
    if missing:
        raise NotFoundError(f"실천사례 {case['id']}의 보고 {', '.join(map(str, missing))}이(가) 저장소에 없습니다.")
    officers = list(dict.fromkeys(str(f) for f in mine["finder"]))
    teams_of = staff.set_index("name")["team"].to_dict() if len(staff) else {}
    details = pd.DataFrame(
        [
            [
                _date(r.created_at),
                f"{int(r.tong)}통" if present(r.tong) else "-",
                FIELDS.label(r.field) if present(r.field) else "",
                report_kind(r.title, r.memo),
                text_of(r.action),
            ]
            for r in mine.itertuples()
        ],
        columns=DETAIL_COLUMNS,
    )
    return BestCaseDocument(
        case_id=int(case["id"]),
        dong=dong,
        month=str(case["month"]),
        title=str(case["title"]),
        field=FIELDS.label(case["field"]),
        summary=text_of(case.get("summary")),
        officers=officers,
        teams=list(dict.fromkeys(text_of(teams_of.get(o)) for o in officers if text_of(teams_of.get(o)))),
        details=details,
        photos=list(photos),
        sample=sample,
    )


def _date(value: object) -> str:
    d = pd.Timestamp(value)
    return f"{d.year}. {d.month}. {d.day}."


def best_case_document_for(store: Store, case_id: int) -> BestCaseDocument:
    """Build the document of best case ``case_id`` from the store (with the reports' photos)."""
    case = store.best_case(case_id)
    code = case["dong_code"]
    dongs = store.dongs().set_index("dong_code")
    reports = store.reports(code)
    photos = []
    for rid in case["report_ids"]:
        row = reports[reports["id"] == int(rid)]
        caption = report_kind(row["title"].iloc[0], row["memo"].iloc[0]) if len(row) else ""
        for p in store.report_photos(int(rid))["path"]:
            if Path(p).exists():  # a lost file is left out
                photos.append((Path(p), caption))
    return build_best_case_document(
        case,
        reports,
        store.staff(code),
        dong=str(dongs.loc[code, "name"]),
        photos=photos,
        sample=bool(dongs.loc[code, "sample"]),
    )


def _overview(doc: BestCaseDocument, level: str) -> list[tuple[str, str]]:
    period = pd.Period(doc.month, freq="M")
    return [
        ("제출", f"{doc.dong} → {LEVELS[level][0]}"),
        ("연월", f"{period.year}년 {period.month}월"),
        ("사례명", doc.title),
        ("분야", doc.field),
        ("활동 기간", doc.period),
        ("담당", ", ".join(doc.officers) + (f" ({', '.join(doc.teams)})" if doc.teams else "")),
    ]


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise ValueError(f"제출처 {level!r}는 알 수 없습니다. 가능한 값: gu(구), city(시)")
    return level


def export_best_case_pdf(doc: BestCaseDocument, path: Path, *, level: str) -> Path:
    """Write the best case as an A4 PDF for the gu (``level="gu"``) or the city (``"city"``)."""
    title = LEVELS[_check_level(level)][1]
    pdf = new_pdf(title)
    pdf_title(pdf, title, subtitle=f"{doc.dong}{' (샘플 데이터)' if doc.sample else ''}")
    pdf_section(pdf, "1. 개요")
    rows = [[{"text": k, "style": HEAD_STYLE, "align": "C"}, v] for k, v in _overview(doc, level)]
    pdf_table(pdf, rows, widths=(1, 5), head=False)
    pdf_section(pdf, "2. 추진 내용", need=20)
    pdf.multi_cell(0, 6, doc.summary or "(내용을 적지 않았습니다)", new_x="LMARGIN", new_y="NEXT")
    pdf_section(pdf, "3. 관련 활동")
    pdf_table(pdf, [DETAIL_COLUMNS, *doc.details.to_numpy().tolist()], widths=(1.3, 0.7, 0.7, 3, 2.3))
    if doc.photos:
        pdf_section(pdf, "4. 사진", need=pdf_photo_need())
        pdf_photos(pdf, doc.photos)
    pdf.output(str(path))
    return Path(path)


_WIDTHS = (14, 8, 8, 40, 30)


def export_best_case_xlsx(doc: BestCaseDocument, path: Path, *, level: str) -> Path:
    """Write the best case as a print-ready A4 XLSX for the gu or the city."""
    title = LEVELS[_check_level(level)][1]
    wb = Workbook()
    ws = wb.active
    ws.title = "실천사례"
    row = xlsx_title(ws, title, last_col=5, subtitle=f"{doc.dong}{' (샘플 데이터)' if doc.sample else ''}")
    row = xlsx_section(ws, row, "1. 개요")
    for label, value in _overview(doc, level):
        xlsx_cell(ws, row, 1, label, head=True)
        xlsx_cell(ws, row, 2, value, merge_to=5)
        row += 1
    row = xlsx_section(ws, row + 1, "2. 추진 내용")
    xlsx_cell(ws, row, 1, doc.summary or "(내용을 적지 않았습니다)", merge_to=5)
    ws.row_dimensions[row].height = 6 + 14 * max(1, len(doc.summary) // 50 + doc.summary.count("\n") + 1)
    row = xlsx_section(ws, row + 2, "3. 관련 활동")
    row = xlsx_table(ws, row, [DETAIL_COLUMNS, *doc.details.to_numpy().tolist()], widths=_WIDTHS, centre=(0, 1, 2))
    xlsx_page_setup(ws, widths=_WIDTHS, last_row=row - 1)
    wb.save(path)
    return Path(path)
