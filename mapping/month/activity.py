"""The 활동보고서: one officer's outing on one day, as a table and as XLSX / PDF.

Every text cell of the XLSX passes :func:`safe_text`, so nothing a user typed
becomes a formula; the PDF writes text as text (fpdf2 reads no markup here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from mapping.domain import ACTIVITIES, FIELDS
from mapping.errors import NotFoundError
from mapping.printing import (
    HEAD_STYLE,
    XLSX_FONT,
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
from mapping.text import present, safe_text, shorten, text_of

if TYPE_CHECKING:
    from mapping.store import Store

__all__ = [
    "ActivityReport",
    "activity_report_for",
    "build_activity_report",
    "export_activity_pdf",
    "export_activity_xlsx",
    "safe_text",
]

TITLE = "우리동네주무관 활동보고서"
SHEET = "활동보고서"
TOTAL = "계"
COUNT_COLUMNS = ["금일", "누계"]
DETAIL_COLUMNS = ["구분", "상세내역", "조치사항"]
# 구분 rows of 2. 활동현황 and the activity keys each counts; any other key counts as 기타.
COUNT_ROWS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("주민소통창구", ("counter",)),
    ("생활민원청취", ("listening",)),
    ("돌봄이웃발견", ("care_found",)),
    ("복지자원조사", ("resource_survey",)),
    ("기타", ("diary", "other")),
)
REQUIRED_COLUMNS = ("id", "created_at", "finder", "tong", "activity", "field", "title", "memo", "action")
WEEKDAYS = "월화수목금토일"
CAPTION_CHARS = 30
_WIDTHS = (16, 52, 30)  # in characters; a Korean character is about two


@dataclass(frozen=True, eq=False)  # eq=False: frames have no truth value to compare by
class ActivityReport:
    """One 활동보고서, ready to export.

    ``counts`` has the five 구분 labels and ``"계"`` as index and the int
    columns ``금일`` / ``누계``; ``details`` has one row per report of the day
    in time order; ``report_ids`` are those reports' ids in the same order.
    """

    officer: str
    team: str | None
    day: dt.date
    when: str
    place: str
    summary: str
    counts: pd.DataFrame
    details: pd.DataFrame
    report_ids: list[int]
    photos: list[tuple[Path, str]] = field(default_factory=list)


def build_activity_report(
    reports: pd.DataFrame,
    *,
    officer: str,
    day: dt.date,
    team: str | None = None,
    since: dt.date | None = None,
    photos: Iterable[tuple[Path, str]] = (),
    sample: bool = False,
) -> ActivityReport:
    """Gather one officer's reports of one day into a 활동보고서.

    Parameters
    ----------
    reports : pandas.DataFrame
        Reports with at least the columns ``id, created_at, finder, tong,
        activity, field, title, memo, action``; not modified.
    officer : str
        The officer (the reports' ``finder``).
    day : datetime.date
        The day of the outing.
    team : str or None
        The officer's team, shown next to the name.
    since : datetime.date or None
        First day counted in 누계 (default: 1 January of ``day``'s year).
    photos : iterable of (Path, str)
        Image files and their captions (captions are shortened).
    sample : bool
        Mark the place as sample data ("(샘플)").

    Returns
    -------
    ActivityReport

    Raises
    ------
    ValueError
        If a column is missing or ``since`` is after ``day``.
    NotFoundError
        If ``officer`` has no report on ``day``.
    """
    since = dt.date(day.year, 1, 1) if since is None else since
    frame = _check_inputs(reports, day=day, since=since)
    mine = frame[frame["finder"] == officer]
    if "status" in mine.columns:
        mine = mine[mine["status"] != "duplicate"]  # a duplicate is the same activity counted twice
    today = _reports_of_day(mine, officer=officer, day=day)
    earlier = mine[(mine["_date"] >= since) & (mine["_date"] < day)]
    if "reported" in earlier.columns:  # 누계: what was already submitted, plus today's
        earlier = earlier[earlier["reported"].fillna(False).astype(bool)]
    cumulative = pd.concat([earlier, today])
    return ActivityReport(
        officer=officer,
        team=team,
        day=day,
        when=_when_text(today, day=day),
        place=_place_text(today, sample=sample),
        summary=_summary_text(today),
        counts=_counts(today, cumulative),
        details=_details(today),
        report_ids=[int(i) for i in today["id"]],
        photos=[(Path(p), shorten(caption, CAPTION_CHARS)) for p, caption in photos],
    )


def _check_inputs(reports: pd.DataFrame, *, day: dt.date, since: dt.date) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in reports.columns]
    if missing:
        raise ValueError(
            f"보고 목록에 열 {', '.join(missing)}이(가) 없습니다. 필요한 열: {', '.join(REQUIRED_COLUMNS)}"
        )
    if since > day:
        raise ValueError(f"누계 시작일 {since:%Y-%m-%d}이(가) 보고일 {day:%Y-%m-%d}보다 늦습니다. 시작일을 앞당기세요.")
    frame = reports.copy()
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    frame["_date"] = frame["created_at"].dt.date
    return frame


def _reports_of_day(mine: pd.DataFrame, *, officer: str, day: dt.date) -> pd.DataFrame:
    today = mine[mine["_date"] == day].sort_values(["created_at", "id"], kind="stable")
    if today.empty:
        days = sorted(set(mine["_date"].dropna()))[-5:]
        recent = ", ".join(f"{d:%Y-%m-%d}" for d in days)
        hint = f"보고가 있는 최근 날짜: {recent}" if days else "이 작성자의 보고가 하나도 없습니다"
        raise NotFoundError(f"{officer}의 {day:%Y-%m-%d} 활동 보고가 없습니다({hint}). 작성자와 날짜를 확인하세요.")
    return today


def _when_text(today: pd.DataFrame, *, day: dt.date) -> str:
    """E.g. "2026년 11월 3일 (화) 14:00~16:30" (one time if one report)."""
    first, last = today["created_at"].min(), today["created_at"].max()
    hours = f"{first:%H:%M}" if first == last else f"{first:%H:%M}~{last:%H:%M}"
    return f"{day.year}년 {day.month}월 {day.day}일 ({WEEKDAYS[day.weekday()]}) {hours}"


def _place_text(today: pd.DataFrame, *, sample: bool) -> str:
    tongs = sorted({int(t) for t in today["tong"] if present(t)})
    place = ", ".join(f"{t}통" for t in tongs) if tongs else "통 미지정"
    return f"{place} (샘플)" if sample else place


def _summary_text(today: pd.DataFrame) -> str:
    fields = today["field"].dropna().value_counts()
    order = [k for k in FIELDS.keys if k in fields.index] + sorted(set(fields.index) - set(FIELDS.keys))
    parts = ", ".join(f"{FIELDS.label(k)} {fields[k]}" for k in order)
    return f"구역 순회, 보고 {len(today)}건" + (f" ({parts})" if parts else "")


def activity_group(activity: object) -> str:
    """The 활동현황 row (주민소통창구 … 기타) an activity key counts in."""
    for label, keys in COUNT_ROWS:
        if activity in keys:
            return label
    return COUNT_ROWS[-1][0]


def _counts(today: pd.DataFrame, cumulative: pd.DataFrame) -> pd.DataFrame:
    labels = [label for label, _ in COUNT_ROWS]
    columns = {}
    for name, frame in zip(COUNT_COLUMNS, (today, cumulative), strict=True):
        per_label = frame["activity"].map(activity_group).value_counts()
        column = per_label.reindex(labels, fill_value=0).astype(int)
        column[TOTAL] = int(column.sum())
        columns[name] = column
    counts = pd.DataFrame(columns).astype(int)
    counts.index.name = "구분"
    return counts


def _details(today: pd.DataFrame) -> pd.DataFrame:
    rows = [
        (ACTIVITIES.label(r.activity) if present(r.activity) else "", _detail_text(r.title, r.memo), text_of(r.action))
        for r in today.itertuples()
    ]
    return pd.DataFrame(rows, columns=DETAIL_COLUMNS)


def _detail_text(title: object, memo: object) -> str:
    return "\n".join(dict.fromkeys(p for p in (text_of(title), text_of(memo)) if p))  # a memo equal to the title once


def _header_lines(report: ActivityReport) -> tuple[str, list[tuple[str, str]]]:
    who = f"소속: {report.team}   성명: {report.officer}" if report.team else f"성명: {report.officer}"
    return who, [("일시", report.when), ("장소", report.place), ("내용", report.summary)]


def export_activity_xlsx(report: ActivityReport, path: Path) -> Path:
    """Write the 활동보고서 as a print-ready A4 portrait XLSX with one sheet "활동보고서".

    Parameters
    ----------
    report : ActivityReport
        From :func:`build_activity_report`.
    path : Path
        The file to write (overwritten).

    Returns
    -------
    Path
        ``path``.
    """
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    who, overview = _header_lines(report)
    row = xlsx_title(ws, TITLE, last_col=3, subtitle=who)
    row = xlsx_section(ws, row, "1. 활동개요")
    for label, value in overview:
        xlsx_cell(ws, row, 1, label, head=True)
        xlsx_cell(ws, row, 2, value, merge_to=3)
        row += 1
    row = xlsx_section(ws, row + 1, "2. 활동현황")
    row = xlsx_table(ws, row, [["구분", *COUNT_COLUMNS], *_count_rows(report.counts)], widths=_WIDTHS, centre=(0, 1, 2))
    for col in (1, 2, 3):  # the 계 row
        ws.cell(row=row - 1, column=col).font = Font(name=XLSX_FONT, bold=True)
    row = xlsx_section(ws, row + 1, "3. 활동내용")
    row = xlsx_table(ws, row, [DETAIL_COLUMNS, *report.details.to_numpy().tolist()], widths=_WIDTHS, centre=(0,))
    if report.photos:  # the sheet lists them; the PDF shows them
        row = xlsx_section(ws, row + 1, "4. 사진")
        rows = [[f"사진 {i}", caption, p.name] for i, (p, caption) in enumerate(report.photos, 1)]
        row = xlsx_table(ws, row, [["번호", "설명", "파일"], *rows], widths=_WIDTHS, centre=(0,))
    xlsx_page_setup(ws, widths=_WIDTHS, last_row=row - 1)
    wb.save(path)
    return Path(path)


def _count_rows(counts: pd.DataFrame) -> list[list[object]]:
    return [[label, int(r["금일"]), int(r["누계"])] for label, r in counts.iterrows()]


def export_activity_pdf(report: ActivityReport, path: Path) -> Path:
    """Write the 활동보고서 as an A4 portrait PDF with the Korean font embedded.

    Parameters
    ----------
    report : ActivityReport
        From :func:`build_activity_report`; its photos are laid out two a row.
    path : Path
        The file to write (overwritten).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    mapping.fonts.FontError
        If no Korean font is installed.
    """
    pdf = new_pdf(TITLE)
    who, overview = _header_lines(report)
    pdf_title(pdf, TITLE, subtitle=who)
    pdf_section(pdf, "1. 활동개요")
    rows = [[{"text": k, "style": HEAD_STYLE, "align": "C"}, v] for k, v in overview]
    pdf_table(pdf, rows, widths=(1, 5), head=False)
    pdf_section(pdf, "2. 활동현황")
    rows = [[str(v) for v in r] for r in _count_rows(report.counts)]
    rows[-1] = [{"text": v, "style": HEAD_STYLE} for v in rows[-1]]  # the 계 row
    pdf_table(pdf, [["구분", *COUNT_COLUMNS], *rows], widths=(2, 1, 1), align=("CENTER",) * 3)
    pdf_section(pdf, "3. 활동내용")
    pdf_table(pdf, [DETAIL_COLUMNS, *report.details.to_numpy().tolist()], widths=(1.2, 4, 2.4))
    if report.photos:
        pdf_section(pdf, "4. 사진", need=pdf_photo_need())
        pdf_photos(pdf, report.photos)
    pdf.output(str(path))
    return Path(path)


def activity_report_for(store: Store, code: str, *, officer: str, day: dt.date) -> ActivityReport:
    """Build the activity report of ``officer``'s outing on ``day`` from the store (with photos)."""
    reports = store.reports(code)
    staff = store.staff(code).set_index("name")
    of_day = reports[(reports["finder"] == officer) & (pd.to_datetime(reports["created_at"]).dt.date == day)]
    photos = []
    for rid, title, memo in zip(of_day["id"], of_day["title"], of_day["memo"], strict=True):
        caption = title if present(title) else memo
        paths = store.report_photos(int(rid))["path"]
        photos += [(Path(p), str(caption or "")) for p in paths if Path(p).exists()]  # a lost file is left out
    sample = bool(store.dongs().set_index("dong_code").loc[code, "sample"])
    team = staff.loc[officer, "team"] if officer in staff.index else None
    return build_activity_report(reports, officer=officer, day=day, team=team, photos=photos, sample=sample)
