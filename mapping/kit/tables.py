"""Reading the tables a team leader fills in with Excel (CSV or XLSX).

Headers are Korean with English aliases; CSV may be UTF-8 or CP949.  Every
problem is collected as a :class:`~mapping.errors.Problem` naming file, row
and column; nothing here raises for bad content.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.cell.cell import ERROR_CODES
from openpyxl.utils import get_column_letter

from mapping.crs import parse_crs, plausible_lonlat, transform_xy
from mapping.domain import Vocabulary
from mapping.errors import CRSError, Problem
from mapping.kit.limits import (
    MAX_TABLE_CELLS,
    MAX_TABLE_COLUMNS,
    MAX_TABLE_ROWS,
    size_problems,
    table_shape_problem,
    text_table_problems,
    zip_problems,
)

KST = dt.timezone(dt.timedelta(hours=9))
FIRST_DATA_ROW = 2  # Excel row number of the first data row (row 1 is the header)


@dataclass(frozen=True)
class Column:
    """One column of a kit table: key in code, Korean header, English alias."""

    key: str
    header: str
    required: bool = True
    parse: Callable[[str], object] | None = None
    aliases: tuple[str, ...] = ()

    @property
    def shown(self) -> str:
        return f"{self.header} [{self.key}]"


def decode_csv(data: bytes, *, file: str) -> tuple[str | None, list[Problem]]:
    """Decode CSV bytes as UTF-8 (with or without BOM) or else CP949."""
    if b"\x00" in data[:4096]:
        return None, [
            Problem(file, None, None, "UTF-16 등 지원하지 않는 인코딩입니다. Excel에서 'CSV UTF-8'로 다시 저장하세요.")
        ]
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            continue
    return None, [
        Problem(file, None, None, "UTF-8도 CP949도 아닌 인코딩입니다. Excel에서 'CSV UTF-8'로 다시 저장하세요.")
    ]


def cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour or value.minute) else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


def read_table(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV or XLSX file into a frame of stripped strings, within :mod:`mapping.kit.limits`.

    The frame's index is each row's Excel row number (the header is row 1);
    blank rows are dropped without shifting the numbers of the rows after them.
    A file over a limit (size, rows, columns, cells; an XLSX's parts as a ZIP) is
    refused before it is parsed.
    """
    file = path.name
    refused = size_problems(path)
    if refused:
        return None, refused
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            frame, problems = _read_xlsx(path, file=file)
        else:
            frame, problems = _read_csv(path, file=file)
    except Exception as exc:
        return None, [Problem(file, None, None, f"읽을 수 없는 파일입니다 ({type(exc).__name__}: {exc}).")]
    if frame is None:
        return None, problems
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = (frame == "").all(axis=1) if len(frame.columns) else pd.Series(True, index=frame.index)
    frame = frame[~blank].copy()
    frame.attrs["excel_rows"] = True
    return frame, []


def _read_csv(path: Path, *, file: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A CSV as text cells, its rows numbered as Excel shows them."""
    text, problems = decode_csv(path.read_bytes(), file=file)
    if text is None:
        return None, problems
    refused = text_table_problems(text, file=file)
    if refused:
        return None, refused
    raw = pd.read_csv(
        io.StringIO(text), dtype=object, keep_default_na=False, skip_blank_lines=False, nrows=MAX_TABLE_ROWS + 1
    )
    found = (
        f"표에 행이 {len(raw):,}개{' 넘게' if len(raw) > MAX_TABLE_ROWS else ''}, 열이 {len(raw.columns):,}개 있습니다"
    )
    problem = table_shape_problem(file=file, rows=len(raw) + 1, columns=len(raw.columns), found=found)
    if problem:
        return None, [problem]
    frame = raw.map(cell_text) if len(raw) else raw.astype(str)
    frame.index = pd.RangeIndex(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame))
    return frame, []


def _read_xlsx(path: Path, *, file: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The first sheet of a workbook as text cells, read row by row within the limits.

    The workbook's parts are checked as a ZIP, then the sheet's declared range; while reading,
    every row is checked again (a sheet may declare less than it holds).  The header is the
    first row that is not blank; each row keeps its Excel row number.
    """
    refused = zip_problems(path, file=file)
    if refused:
        return None, refused
    book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        if not book.worksheets:
            return None, [Problem(file, None, None, "워크시트가 없습니다. 첫 시트에 표를 넣어 저장하세요.")]
        sheet = book.worksheets[0]
        problem = _declared_range_problem(sheet, file=file)
        if problem is None:
            sheet.reset_dimensions()  # from here on, read what is there, not what is declared
            rows, problem = _sheet_rows(sheet, file=file)
    finally:
        book.close()
    if problem:
        return None, [problem]
    return _rows_frame(rows), []


def _declared_range_problem(sheet: Any, *, file: str) -> Problem | None:
    """The sheet's ``<dimension ref=…>`` over the limits (openpyxl and pandas size their work by it)."""
    rows, columns = sheet.max_row, sheet.max_column
    if rows is None or columns is None:
        return None
    ref = f"A1:{get_column_letter(min(columns, 18278))}{rows}"
    found = f"시트 '{sheet.title}'가 {ref} 범위(행 {rows:,}개 × 열 {columns:,}개)를 선언합니다"
    return table_shape_problem(file=file, rows=rows, columns=columns, found=found)


def _sheet_rows(sheet: Any, *, file: str) -> tuple[list[tuple[int, list[str]]], Problem | None]:
    """``(Excel row number, cells)`` of each row that is not blank; a problem at the first row past a limit."""
    rows: list[tuple[int, list[str]]] = []
    cells = widest = 0
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells, widest = cells + len(values), max(widest, len(values))
        if number > MAX_TABLE_ROWS + 1 or widest > MAX_TABLE_COLUMNS or cells > MAX_TABLE_CELLS:
            last = get_column_letter(min(widest, 18278))
            found = f"시트 '{sheet.title}'에 {number:,}행까지 {last}열까지의 칸이 있습니다 (칸 {cells:,}개)"
            return [], table_shape_problem(file=file, rows=number, columns=widest, found=found)
        texts = [_xlsx_text(v) for v in values]
        while texts and texts[-1] == "":
            texts.pop()
        if texts:
            rows.append((number, texts))
    return rows, None


def _xlsx_text(value: object) -> str:
    if isinstance(value, str) and value in ERROR_CODES:  # #N/A, #REF! …: an error cell is an empty cell
        return ""
    return cell_text(value)


def _rows_frame(rows: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """A frame from the header (first row) and the data rows, padded to the widest; headers named as pandas does."""
    if not rows:
        return pd.DataFrame()
    width = max(len(cells) for _, cells in rows)
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(rows[0][1] + [""] * (width - len(rows[0][1]))):
        base = name or f"Unnamed: {i}"
        names.append(f"{base}.{seen[base]}" if base in seen else base)
        seen[base] = seen.get(base, 0) + 1
    data = [cells + [""] * (width - len(cells)) for _, cells in rows[1:]]
    return pd.DataFrame(data, columns=names, index=[number for number, _ in rows[1:]], dtype=object)


def excel_rows(frame: pd.DataFrame) -> list[int]:
    """Excel row number of each row: the index of a :func:`read_table` frame, else by position."""
    if frame.attrs.get("excel_rows"):
        return [int(i) for i in frame.index]
    return list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame)))


def _norm(header: str) -> str:
    return re.sub(r"[\s_\-·]", "", header).lower()


def match_columns(frame: pd.DataFrame, columns: list[Column], *, file: str) -> tuple[dict[str, str], list[Problem]]:
    """Map column keys to the file's headers (Korean or English alias)."""
    by_norm = {_norm(h): h for h in frame.columns}
    found, problems = {}, []
    for col in columns:
        names = (col.header, col.key, *col.aliases)
        header = next((by_norm[_norm(n)] for n in names if _norm(n) in by_norm), None)
        if header is not None:
            found[col.key] = header
        elif col.required:
            problems.append(
                Problem(
                    file, None, col.header, f"필수 열 '{col.shown}'이(가) 없습니다. 있는 열: {', '.join(frame.columns)}"
                )
            )
    return found, problems


def vocab_parser(vocab: Vocabulary) -> Callable[[str], str]:
    """A cell parser accepting the vocabulary's Korean labels or keys."""
    return vocab.parse


def vocab_list_parser(vocab: Vocabulary) -> Callable[[str], list[str]]:
    """A cell parser for a comma list of vocabulary values (e.g. 담당업무)."""

    def parse(text: str) -> list[str]:
        return [vocab.parse(part) for part in re.split(r"[,/·、]", text) if part.strip()]

    return parse


def parse_tong(text: str) -> int:
    """``"11"``, ``"11통"`` or ``"제11통"`` → 11."""
    match = re.fullmatch(r"\s*제?\s*(\d{1,4})\s*(?:통)?\s*", str(text))
    if not match:
        raise ValueError(f"통 번호 {text!r}를 읽을 수 없습니다 (예: 11 또는 11통)")
    return int(match.group(1))


def parse_tong_list(text: str) -> list[int]:
    """``"11,21"`` or ``"11통, 21통"`` → [11, 21]."""
    return [parse_tong(part) for part in re.split(r"[,/、]", text) if part.strip()]


def parse_yes_no(text: str) -> bool:
    """Y/N, 예/아니오, O/X, 1/0, true/false → bool."""
    value = text.strip().lower()
    if value in ("y", "yes", "예", "o", "1", "true", "공개"):
        return True
    if value in ("n", "no", "아니오", "아니요", "x", "0", "false", "비공개"):
        return False
    raise ValueError(f"{text!r}는 Y 또는 N이어야 합니다")


_DATE_RE = re.compile(
    r"^\s*(\d{4})\s*[-./년]\s*(\d{1,2})\s*[-./월]\s*(\d{1,2})\s*일?\.?"
    r"(?:\s*(?:(오전|오후)\s*)?(\d{1,2})\s*[:시]\s*(\d{1,2})?\s*분?(?::(\d{1,2}))?)?\s*$"
)


def parse_datetime(text: str) -> dt.datetime:
    """Parse Korean-style dates: ``2026-11-03 14:30``, ``2026.11.3``, ``2026년 11월 3일 오후 2시``."""
    if "T" in str(text):  # ISO 8601 from an export, perhaps with an offset: kept as Korean time
        try:
            stamp = dt.datetime.fromisoformat(str(text).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"날짜 {text!r}를 읽을 수 없습니다 (예: 2026-11-03 14:30 또는 2026.11.03)") from None
        return stamp.astimezone(KST).replace(tzinfo=None) if stamp.tzinfo else stamp
    match = _DATE_RE.match(str(text))
    if not match:
        raise ValueError(f"날짜 {text!r}를 읽을 수 없습니다 (예: 2026-11-03 14:30 또는 2026.11.03)")
    year, month, day, ampm, hour, minute, second = match.groups()
    h = int(hour or 0)
    if ampm == "오후" and h < 12:
        h += 12
    if ampm == "오전" and h == 12:
        h = 0
    try:
        return dt.datetime(int(year), int(month), int(day), h, int(minute or 0), int(second or 0))
    except ValueError:
        raise ValueError(f"날짜 {text!r}는 없는 날짜나 시각입니다 (월 1–12, 일 1–31, 시 0–23)") from None


def parse_date(text: str) -> dt.date:
    """Like :func:`parse_datetime`, keeping the date only."""
    return parse_datetime(text).date()


def parse_int(text: str) -> int:
    """A whole number (``"30"``, ``"30일"``)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:일)?\s*", str(text))
    if not match:
        raise ValueError(f"{text!r}는 정수가 아닙니다")
    return int(match.group(1))


def parse_rows(
    frame: pd.DataFrame, columns: list[Column], found: dict[str, str], *, file: str
) -> tuple[list[dict[str, object]], list[Problem]]:
    """Parse every row's cells; blank optional cells become ``None``."""
    rows, problems = [], []
    for row_no, record in zip(excel_rows(frame), frame.to_dict("records"), strict=True):
        out: dict[str, object] = {"_row": int(row_no)}
        for col in columns:
            text = record.get(found.get(col.key, ""), "") if col.key in found else ""
            if text == "":
                if col.required and col.key in found:
                    problems.append(Problem(file, row_no, col.header, f"'{col.shown}' 값이 비어 있습니다."))
                out[col.key] = None
                continue
            try:
                out[col.key] = col.parse(text) if col.parse else text
            except ValueError as exc:
                problems.append(Problem(file, row_no, col.header, str(exc)))
                out[col.key] = None
        rows.append(out)
    return rows, problems


POINT_COLUMNS = [
    Column("lon", "경도", required=False),
    Column("lat", "위도", required=False),
    Column("x", "x", required=False),
    Column("y", "y", required=False),
    Column("crs", "좌표계", required=False),
]


def parse_points(
    frame: pd.DataFrame, *, file: str, default_crs: str | None
) -> tuple[np.ndarray, np.ndarray, list[Problem]]:
    """Read each row's point as lon/lat (EPSG:4326), by what that row has.

    A row with both ``경도`` and ``위도`` is read from them (EPSG:4326); else a row with both
    ``x`` and ``y`` is read in its own ``좌표계``, or ``default_crs`` for the file (``kit.json``).
    One file may mix the two forms row by row (LOCALDATA rows in EPSG:5174 beside points placed
    by hand).  A row with neither form whole gets NaN and a problem naming both forms.
    """
    found, _ = match_columns(frame, POINT_COLUMNS, file=file)
    n = len(frame)
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    if not ({"lon", "lat"} <= found.keys() or {"x", "y"} <= found.keys()):
        message = "좌표 열이 없습니다: '경도','위도' 또는 'x','y'+'좌표계' 열을 넣으세요."
        return lon, lat, [Problem(file, None, "경도", message)]
    problems: list[Problem] = []
    for i, (row_no, record) in enumerate(zip(excel_rows(frame), frame.to_dict("records"), strict=True)):
        cells = {key: str(record[header]).strip() for key, header in found.items()}
        point = _row_point(cells, found, file=file, row=int(row_no), default_crs=default_crs)
        if isinstance(point, Problem):
            problems.append(point)
        else:
            lon[i], lat[i] = point
    return lon, lat, problems


def _row_point(
    cells: dict[str, str], found: dict[str, str], *, file: str, row: int, default_crs: str | None
) -> tuple[float, float] | Problem:
    """One row's lon/lat, or the problem with it."""
    form = next((f for f in (("lon", "lat"), ("x", "y")) if all(cells.get(k) for k in f)), None)
    if form is None:
        return _missing_point(cells, found, file=file, row=row)
    column = found[form[0]]
    try:
        x, y = (float(cells[k].replace(",", "")) for k in form)
    except ValueError:
        shown = "/".join(found[k] for k in form)
        message = f"좌표 {shown}를 숫자로 읽을 수 없습니다: {cells[form[0]]!r}, {cells[form[1]]!r}"
        return Problem(file, row, column, message)
    try:
        crs = "EPSG:4326" if form[0] == "lon" else parse_crs(cells.get("crs") or default_crs or "")
    except CRSError as exc:
        return Problem(file, row, found.get("crs", "좌표계"), str(exc))
    lo, la = transform_xy([x], [y], crs)
    if not plausible_lonlat(lo[0], la[0]):
        hint = " 경도와 위도가 바뀐 것 같습니다." if plausible_lonlat(y, x) else f" {crs}가 맞는지 확인하세요."
        if form[0] == "lon" and not -180 <= x <= 180:
            hint = " 경도/위도는 도 단위(EPSG:4326)입니다. 다른 좌표계의 값은 'x','y','좌표계' 열에 적으세요."
        return Problem(file, row, column, f"좌표 ({x}, {y}) [{crs}]는 서울 밖입니다.{hint}")
    return float(lo[0]), float(la[0])


def _missing_point(cells: dict[str, str], found: dict[str, str], *, file: str, row: int) -> Problem:
    given = ", ".join(f"{found[k]}={cells[k]!r}" for k in ("lon", "lat", "x", "y") if cells.get(k))
    message = (
        f"좌표가 없습니다 ({'있는 값: ' + given if given else '좌표 칸이 모두 비어 있음'}). "
        "'경도'와 '위도'(EPSG:4326)를 둘 다 적거나, 'x'와 'y'를 둘 다 적고 '좌표계'(또는 kit.json의 crs)를 정하세요."
    )
    return Problem(file, row, found.get("lon") or found.get("x"), message)
