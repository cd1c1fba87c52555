"""Print-ready documents: the XLSX and PDF building blocks every form of the programme shares.

Every text cell of an XLSX passes :func:`safe_text`, so nothing a user typed
becomes a formula; PDFs write text as text (fpdf2 reads no markup here) with
the Korean font embedded.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import cast

from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.worksheet import Worksheet

from mapping.fonts import korean_font_path
from mapping.text import safe_text, text_of

XLSX_FONT = "맑은 고딕"  # Windows' Korean UI font; Excel elsewhere substitutes its own
PDF_FONT = "NanumGothic"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEAD_FILL = PatternFill("solid", fgColor="E7ECF3")
TOTAL_FILL = PatternFill("solid", fgColor="F3F5F8")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)
HEAD_STYLE = FontFace(emphasis="BOLD", fill_color=(231, 236, 243))


# --- XLSX -------------------------------------------------------------------------------------------------------


def xlsx_cell(
    ws: Worksheet,
    row: int,
    col: int,
    value: object,
    *,
    head: bool = False,
    align: Alignment = WRAP,
    font: Font | None = None,
    merge_to: int | None = None,
    merge_down: int | None = None,
    border: bool = True,
    fill: PatternFill | None = None,
) -> None:
    """Write one cell (text through :func:`safe_text`, numbers as numbers), merged to ``merge_to`` / ``merge_down``."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    cell = ws.cell(row=row, column=col, value=value if number else safe_text(value))
    cell.alignment = CENTRE if head else align
    cell.font = font or Font(name=XLSX_FONT, bold=head)
    if head or fill:
        cell.fill = fill or HEAD_FILL
    last_col, last_row = merge_to or col, merge_down or row
    for r in range(row, last_row + 1) if border else ():
        for c in range(col, last_col + 1):
            ws.cell(row=r, column=c).border = BOX
    if last_col > col or last_row > row:
        ws.merge_cells(start_row=row, start_column=col, end_row=last_row, end_column=last_col)


def xlsx_section(ws: Worksheet, row: int, title: str) -> int:
    """A bold section heading in column A; returns the next row."""
    ws.cell(row=row, column=1, value=safe_text(title)).font = Font(name=XLSX_FONT, bold=True, size=12)
    return row + 1


def xlsx_title(ws: Worksheet, title: str, *, last_col: int, subtitle: str | None = None) -> int:
    """The form's title (and a right-aligned subtitle) across ``last_col`` columns; returns the next row."""
    xlsx_cell(
        ws, 1, 1, title, font=Font(name=XLSX_FONT, bold=True, size=16), align=CENTRE, merge_to=last_col, border=False
    )
    ws.row_dimensions[1].height = 32
    if subtitle is None:
        return 3
    xlsx_cell(ws, 2, 1, subtitle, align=Alignment(horizontal="right"), merge_to=last_col, border=False)
    return 4


def xlsx_table(
    ws: Worksheet, row: int, rows: Sequence[Sequence[object]], *, widths: Sequence[int], centre: tuple[int, ...]
) -> int:
    """Write a boxed table (first row as heading) from ``row`` on; return the next free row."""
    for i, values in enumerate(rows):
        for j, value in enumerate(values):
            xlsx_cell(ws, row, j + 1, value, head=i == 0, align=CENTRE if j in centre else WRAP)
        lines = max(xlsx_lines(v, w) for v, w in zip(values, widths, strict=False))
        ws.row_dimensions[row].height = 6 + 14 * lines  # openpyxl cannot auto-fit wrapped rows
        row += 1
    return row


def xlsx_lines(value: object, width: int) -> int:
    """Lines a wrapped cell needs (rough: a Korean character is two widths)."""
    text = "" if isinstance(value, int | float) else text_of(value)
    return sum(max(1, -(-sum(2 if ord(ch) > 0x2E7F else 1 for ch in line) // width)) for line in text.split("\n"))


def xlsx_page_setup(
    ws: Worksheet, *, widths: Sequence[int], last_row: int, landscape: bool = False, repeat_rows: str | None = None
) -> None:
    """Column widths, A4 (portrait or landscape) fitted to one page wide, centred, with a print area."""
    from openpyxl.utils import get_column_letter

    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE if landscape else ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.print_area = f"A1:{get_column_letter(len(widths))}{last_row}"
    if repeat_rows:
        ws.print_title_rows = repeat_rows


# --- PDF --------------------------------------------------------------------------------------------------------

_PHOTO_BOX_H_MM = 62.0  # height of one photo's box; two boxes share the page width
_PHOTO_GAP_MM = 6.0


def new_pdf(title: str, *, landscape: bool = False) -> FPDF:
    """An A4 PDF with the Korean font embedded (regular and bold) and a first page.

    Raises
    ------
    mapping.fonts.FontError
        If no Korean font is installed.
    """
    pdf = FPDF(orientation="L" if landscape else "P", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font(PDF_FONT, "", fname=korean_font_path())
    pdf.add_font(PDF_FONT, "B", fname=korean_font_path(bold=True))
    pdf.set_title(title)
    pdf.set_lang("ko")
    pdf.oversized_images = "DOWNSCALE"  # phone photos are shrunk to what the page shows
    pdf.add_page()
    return pdf


def pdf_title(pdf: FPDF, title: str, *, subtitle: str | None = None) -> None:
    """The document's title line (and a right-aligned subtitle)."""
    pdf.set_font(PDF_FONT, "B", 18)
    pdf.cell(0, 12, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(PDF_FONT, "", 10)
    if subtitle:
        pdf.cell(0, 8, subtitle, align="R", new_x="LMARGIN", new_y="NEXT")


def pdf_section(pdf: FPDF, title: str, *, need: float = 30) -> None:
    """A section heading, on a new page unless ``need`` mm of its content fit below it."""
    if pdf.get_y() + 12 + need > pdf.page_break_trigger:
        pdf.add_page()
    else:
        pdf.ln(4)
    pdf.set_font(PDF_FONT, "B", 12)
    pdf.cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(PDF_FONT, "", 10)


def pdf_table(
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
    with pdf.table(first_row_as_headings=head, headings_style=HEAD_STYLE, **options) as table:
        for values in rows:
            table.row([cast(str, v) if isinstance(v, dict) else text_of(v) for v in values])  # fpdf2 takes cell dicts


def pdf_photos(pdf: FPDF, photos: Sequence[tuple[Path | io.BytesIO, str]]) -> None:
    """Photos (files, or JPEG bytes read from the store) two a row, each scaled into its box, captions below."""
    box_w, box_h, caption_h = (pdf.epw - _PHOTO_GAP_MM) / 2, _PHOTO_BOX_H_MM, 6.0
    pdf.set_font(PDF_FONT, "", 9)
    for start in range(0, len(photos), 2):
        if pdf.get_y() + box_h + caption_h > pdf.page_break_trigger:
            pdf.add_page()
        y = pdf.get_y()
        for i, (image, caption) in enumerate(photos[start : start + 2]):
            x = pdf.l_margin + i * (box_w + _PHOTO_GAP_MM)
            pdf.image(
                str(image) if isinstance(image, Path) else image, x=x, y=y, w=box_w, h=box_h, keep_aspect_ratio=True
            )
            pdf.set_xy(x, y + box_h + 1)
            pdf.cell(box_w, caption_h - 1, fit_text(pdf, caption, box_w - 2), align="C")
        pdf.set_xy(pdf.l_margin, y + box_h + caption_h + 3)
    pdf.set_font(PDF_FONT, "", 10)


def pdf_photo_need() -> float:
    """Height (mm) one row of photos needs below a section heading."""
    return _PHOTO_BOX_H_MM + 10


def pdf_lines(pdf: FPDF, width: float, line_height: float, text: str) -> list[str]:
    """The lines ``text`` wraps to in a ``width`` mm multi-cell in the current font (nothing is drawn)."""
    return cast(list[str], pdf.multi_cell(width, line_height, text, dry_run=True, output="LINES"))


def fit_text(pdf: FPDF, text: str, width: float) -> str:
    """``text`` cut (with "…") to fit ``width`` mm in the current font."""
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text + "…"
