"""The 활동보고서: one officer's outing on one day, as a table and as XLSX / PDF.

Every text cell of the XLSX passes :func:`safe_text`, so nothing a user typed
becomes a formula; the PDF writes text as text (fpdf2 reads no markup here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from mapping.domain import ACTIVITIES, FIELDS
from mapping.errors import NotFoundError
from mapping.exports import safe_cell
from mapping.fonts import korean_font_path

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


def safe_text(value: object) -> str:
    """Text for a spreadsheet cell that no spreadsheet will evaluate.

    Missing values (None, NaN) become ``""``; characters XLSX cannot hold are
    dropped; text starting with ``= + - @``, a tab or a CR gets a leading ``'``
    so it stays a string (openpyxl writes data type ``'s'``, never ``'f'``).
    """
    if not _present(value):
        return ""
    return str(safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value))))


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
        photos=[(Path(p), _shorten(caption, CAPTION_CHARS)) for p, caption in photos],
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
    tongs = sorted({int(t) for t in today["tong"] if _present(t)})
    place = ", ".join(f"{t}통" for t in tongs) if tongs else "통 미지정"
    return f"{place} (샘플)" if sample else place


def _summary_text(today: pd.DataFrame) -> str:
    fields = today["field"].dropna().value_counts()
    order = [k for k in FIELDS.keys if k in fields.index] + sorted(set(fields.index) - set(FIELDS.keys))
    parts = ", ".join(f"{FIELDS.label(k)} {fields[k]}" for k in order)
    return f"구역 순회, 보고 {len(today)}건" + (f" ({parts})" if parts else "")


def _count_label(activity: object) -> str:
    for label, keys in COUNT_ROWS:
        if activity in keys:
            return label
    return COUNT_ROWS[-1][0]


def _counts(today: pd.DataFrame, cumulative: pd.DataFrame) -> pd.DataFrame:
    labels = [label for label, _ in COUNT_ROWS]
    columns = {}
    for name, frame in zip(COUNT_COLUMNS, (today, cumulative), strict=True):
        per_label = frame["activity"].map(_count_label).value_counts()
        column = per_label.reindex(labels, fill_value=0).astype(int)
        column[TOTAL] = int(column.sum())
        columns[name] = column
    counts = pd.DataFrame(columns).astype(int)
    counts.index.name = "구분"
    return counts


def _details(today: pd.DataFrame) -> pd.DataFrame:
    rows = [
        (ACTIVITIES.label(r.activity) if _present(r.activity) else "", _detail_text(r.title, r.memo), _text(r.action))
        for r in today.itertuples()
    ]
    return pd.DataFrame(rows, columns=DETAIL_COLUMNS)


def _detail_text(title: object, memo: object) -> str:
    return "\n".join(dict.fromkeys(p for p in (_text(title), _text(memo)) if p))  # a memo equal to the title once


def _present(value: object) -> bool:
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers
        return True


def _text(value: object) -> str:
    return str(value).strip() if _present(value) else ""


def _shorten(text: object, limit: int) -> str:
    text = " ".join(_text(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _header_lines(report: ActivityReport) -> tuple[str, list[tuple[str, str]]]:
    who = f"소속: {report.team}   성명: {report.officer}" if report.team else f"성명: {report.officer}"
    return who, [("일시", report.when), ("장소", report.place), ("내용", report.summary)]


# --- XLSX -------------------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="E7ECF3")
_WRAP = Alignment(wrap_text=True, vertical="center")
_CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
_WIDTHS = {"A": 16, "B": 52, "C": 30}  # in characters; a Korean character is about two
_XLSX_FONT = "맑은 고딕"  # Windows' Korean UI font; Excel elsewhere substitutes its own


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
    _xlsx_cell(ws, 1, 1, TITLE, font=Font(name=_XLSX_FONT, bold=True, size=16), align=_CENTRE, merge_to=3, border=False)
    _xlsx_cell(ws, 2, 1, who, align=Alignment(horizontal="right"), merge_to=3, border=False)
    ws.row_dimensions[1].height = 32
    row = _xlsx_section(ws, 4, "1. 활동개요")
    for label, value in overview:
        _xlsx_cell(ws, row, 1, label, head=True)
        _xlsx_cell(ws, row, 2, value, merge_to=3)
        row += 1
    row = _xlsx_section(ws, row + 1, "2. 활동현황")
    row = _xlsx_table(ws, row, [["구분", *COUNT_COLUMNS], *_count_rows(report.counts)], centre=(0, 1, 2))
    for col in (1, 2, 3):  # the 계 row
        ws.cell(row=row - 1, column=col).font = Font(name=_XLSX_FONT, bold=True)
    row = _xlsx_section(ws, row + 1, "3. 활동내용")
    row = _xlsx_table(ws, row, [DETAIL_COLUMNS, *report.details.to_numpy().tolist()], centre=(0,))
    if report.photos:  # the sheet lists them; the PDF shows them
        row = _xlsx_section(ws, row + 1, "4. 사진")
        rows = [[f"사진 {i}", caption, p.name] for i, (p, caption) in enumerate(report.photos, 1)]
        row = _xlsx_table(ws, row, [["번호", "설명", "파일"], *rows], centre=(0,))
    _xlsx_page_setup(ws, last_row=row - 1)
    wb.save(path)
    return Path(path)


def _count_rows(counts: pd.DataFrame) -> list[list[object]]:
    return [[label, int(r["금일"]), int(r["누계"])] for label, r in counts.iterrows()]


def _xlsx_cell(
    ws: Worksheet,
    row: int,
    col: int,
    value: object,
    *,
    head: bool = False,
    align: Alignment = _WRAP,
    font: Font | None = None,
    merge_to: int | None = None,
    border: bool = True,
) -> None:
    """Write one cell (text through :func:`safe_text`), merged up to column ``merge_to``."""
    cell = ws.cell(row=row, column=col, value=value if isinstance(value, int) else safe_text(value))
    cell.alignment = _CENTRE if head else align
    cell.font = font or Font(name=_XLSX_FONT, bold=head)
    if head:
        cell.fill = _HEAD_FILL
    last = merge_to or col
    for c in range(col, last + 1) if border else ():
        ws.cell(row=row, column=c).border = _BOX
    if last > col:
        ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=last)


def _xlsx_section(ws: Worksheet, row: int, title: str) -> int:
    ws.cell(row=row, column=1, value=safe_text(title)).font = Font(name=_XLSX_FONT, bold=True, size=12)
    return row + 1


def _xlsx_table(ws: Worksheet, row: int, rows: Sequence[Sequence[object]], *, centre: tuple[int, ...]) -> int:
    """Write a boxed table (first row as heading) from ``row`` on; return the next free row."""
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            _xlsx_cell(ws, row, j + 1, value, head=i == 0, align=_CENTRE if j in centre else _WRAP)
        lines = max(_xlsx_lines(v, w) for v, w in zip(values, _WIDTHS.values(), strict=True))
        ws.row_dimensions[row].height = 6 + 14 * lines  # openpyxl cannot auto-fit wrapped rows
        row += 1
    return row


def _xlsx_lines(value: object, width: int) -> int:
    """Lines a wrapped cell needs (rough: a Korean character is two widths)."""
    text = "" if isinstance(value, int) else _text(value)
    return sum(max(1, -(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) // width)) for line in text.split("\n"))


def _xlsx_page_setup(ws: Worksheet, *, last_row: int) -> None:
    for col, width in _WIDTHS.items():
        ws.column_dimensions[col].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_area = f"A1:C{last_row}"


# --- PDF --------------------------------------------------------------------------------------------------------

_FONT = "NanumGothic"
_HEAD_STYLE = FontFace(emphasis="BOLD", fill_color=(231, 236, 243))
_PHOTO_BOX_H_MM = 62.0  # height of one photo's box; two boxes share the page width
_PHOTO_GAP_MM = 6.0


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
    pdf = _new_pdf()
    who, overview = _header_lines(report)
    pdf.set_font(_FONT, "B", 18)
    pdf.cell(0, 12, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 10)
    pdf.cell(0, 8, who, align="R", new_x="LMARGIN", new_y="NEXT")
    _pdf_section(pdf, "1. 활동개요")
    rows = [[{"text": k, "style": _HEAD_STYLE, "align": "C"}, v] for k, v in overview]
    _pdf_table(pdf, rows, widths=(1, 5), head=False)
    _pdf_section(pdf, "2. 활동현황")
    rows = [[str(v) for v in r] for r in _count_rows(report.counts)]
    rows[-1] = [{"text": v, "style": _HEAD_STYLE} for v in rows[-1]]  # the 계 row
    _pdf_table(pdf, [["구분", *COUNT_COLUMNS], *rows], widths=(2, 1, 1), align=("CENTER",) * 3)
    _pdf_section(pdf, "3. 활동내용")
    _pdf_table(pdf, [DETAIL_COLUMNS, *report.details.to_numpy().tolist()], widths=(1.2, 4, 2.4))
    if report.photos:
        _pdf_section(pdf, "4. 사진", need=_PHOTO_BOX_H_MM + 10)
        _pdf_photos(pdf, report.photos)
    pdf.output(str(path))
    return Path(path)


def _new_pdf() -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(_FONT, "", fname=korean_font_path())
    pdf.add_font(_FONT, "B", fname=korean_font_path(bold=True))
    pdf.set_title(TITLE)
    pdf.set_lang("ko")
    pdf.oversized_images = "DOWNSCALE"  # phone photos are shrunk to what the page shows
    pdf.add_page()
    return pdf


def _pdf_section(pdf: FPDF, title: str, *, need: float = 30) -> None:
    """A section heading, on a new page unless ``need`` mm of its content fit below it."""
    if pdf.get_y() + 12 + need > pdf.page_break_trigger:
        pdf.add_page()
    else:
        pdf.ln(4)
    pdf.set_font(_FONT, "B", 12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "", 10)


def _pdf_table(
    pdf: FPDF,
    rows: Sequence[Sequence[object]],
    *,
    widths: tuple[float, ...],
    head: bool = True,
    align: tuple[str, ...] = (),
) -> None:
    """A bordered table; cells are text or fpdf2 cell dicts (text is never read as markup)."""
    align = align or ("CENTER", *["LEFT"] * (len(widths) - 1))
    options = {"col_widths": widths, "text_align": align, "line_height": 6, "padding": 1.5}
    with pdf.table(first_row_as_headings=head, headings_style=_HEAD_STYLE, **options) as table:
        for values in rows:
            table.row([v if isinstance(v, dict) else _text(v) for v in values])


def _pdf_photos(pdf: FPDF, photos: Sequence[tuple[Path, str]]) -> None:
    """Photos two a row, each scaled into its box, captions below."""
    box_w, box_h, caption_h = (pdf.epw - _PHOTO_GAP_MM) / 2, _PHOTO_BOX_H_MM, 6.0
    pdf.set_font(_FONT, "", 9)
    for start in range(0, len(photos), 2):
        if pdf.get_y() + box_h + caption_h > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        for i, (image, caption) in enumerate(photos[start : start + 2]):
            x = pdf.l_margin + i * (box_w + _PHOTO_GAP_MM)
            pdf.image(str(image), x=x, y=y, w=box_w, h=box_h, keep_aspect_ratio=True)
            pdf.set_xy(x, y + box_h + 1)
            pdf.cell(box_w, caption_h - 1, _fit(pdf, caption, box_w - 2), align="C")
        pdf.set_xy(pdf.l_margin, y + box_h + caption_h + 3)
    pdf.set_font(_FONT, "", 10)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (with "…") to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def activity_report_for(store: object, code: str, *, officer: str, day: dt.date) -> ActivityReport:
    """Build the activity report of ``officer``'s outing on ``day`` from the store (with photos)."""
    reports = store.reports(code)  # type: ignore[attr-defined]
    staff = store.staff(code).set_index("name")  # type: ignore[attr-defined]
    of_day = reports[(reports["finder"] == officer) & (pd.to_datetime(reports["created_at"]).dt.date == day)]
    photos = []
    for rid, title, memo in zip(of_day["id"], of_day["title"], of_day["memo"], strict=True):
        caption = title if _present(title) else memo
        paths = store.report_photos(int(rid))["path"]  # type: ignore[attr-defined]
        photos += [(Path(p), str(caption or "")) for p in paths if Path(p).exists()]  # a lost file is left out
    sample = bool(store.dongs().set_index("dong_code").loc[code, "sample"])  # type: ignore[attr-defined]
    team = staff.loc[officer, "team"] if officer in staff.index else None
    return build_activity_report(reports, officer=officer, day=day, team=team, photos=photos, sample=sample)
