"""Public exports of activity reports: CSV, XLSX, GeoJSON and Open311 GeoReport v2.

Every format goes through :func:`mapping.publish.privacy.strip_personal` first and
then writes only the columns it names (an allow-list), so no personal field
can reach a file.  Spreadsheet cells that could start a formula are defused
by :func:`safe_cell`.  Times in the store are Korean local time (KST, UTC+9)
without a zone; the JSON formats write them in ISO 8601 with ``+09:00``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from mapping.crs import to_web
from mapping.domain import ACTIVITIES, DUTIES, FIELDS, OPEN_STATUSES, REPORT_STATUSES, Vocabulary
from mapping.errors import ExportError
from mapping.publish.privacy import feed_publishable, public_reports, strip_personal
from mapping.text import safe_cell

FORMATS = ("csv", "xlsx", "geojson", "open311")
KST = dt.timezone(dt.timedelta(hours=9), "KST")
DEFAULT_AGENCY = "동주민센터"
REQUIRED_COLUMNS = ("id", "created_at", "status")

_DESCRIPTION_CHARS = 80

# Korean header → column width in the XLSX sheet, in sheet order.
SHEET_COLUMNS: dict[str, int] = {
    "번호": 8,
    "일시": 17,
    "작성자": 10,
    "통": 6,
    "구역": 8,
    "주소": 32,
    "경도": 12,
    "위도": 12,
    "활동유형": 14,
    "분야": 8,
    "담당업무": 10,
    "제목": 24,
    "내용": 40,
    "조치사항": 30,
    "상태": 10,
    "담당자": 10,
    "보고완료": 9,
}
GEOJSON_KEYS = (
    "id",
    "created_at",
    "finder",
    "tong",
    "zone_id",
    "address",
    "activity",
    "field",
    "duty",
    "title",
    "memo",
    "action",
    "status",
    "assignee",
    "reported",
)


def export_reports(reports: gpd.GeoDataFrame, path: Path | str, *, fmt: str) -> Path:
    """Write reports to ``path`` in a public format, without any personal field.

    Parameters
    ----------
    reports : GeoDataFrame
        Reports as :meth:`mapping.store.Store.reports` returns them (any CRS;
        written in EPSG:4326).  Optional extra columns: ``team`` (the
        finder's team) and ``media_url``, both used by ``open311`` only.
        Never modified.
    path : Path or str
        File to write; its folder is created if needed.
    fmt : str
        ``"csv"`` (UTF-8 with BOM, Korean headers), ``"xlsx"`` (Korean
        headers), ``"geojson"`` (English keys) or ``"open311"`` (a JSON array
        of Open311 GeoReport v2 service requests).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ExportError
        A ``ValueError``: for an unknown format, or a frame missing a required
        column or holding a geometry that is not a point.
    CRSError
        If ``reports`` is not a GeoDataFrame with a CRS.
    """
    kind = _check_format(fmt)
    checked = _check_reports(reports)
    # Open311 is for the public: only reports known to be public, as the live feed (mapping.api.open311) carries
    public = (
        public_reports(checked[feed_publishable(checked)])
        if kind == "open311"
        else strip_personal(checked, table="reports")
    )
    rows = _records(public)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _WRITERS[kind](rows, path)
    return path


def open311_requests(reports: gpd.GeoDataFrame) -> list[dict[str, object]]:
    """Reports as Open311 GeoReport v2 service requests, as :func:`export_reports` writes them (``open311``).

    Reports go through :func:`mapping.publish.privacy.public_reports` first (no personal field, no report
    that could point at a vulnerable resident's home).  An ``agency`` column, when given, names the agency
    responsible before the assignee or team.

    Raises
    ------
    ExportError
        For a frame missing a required column or holding a geometry that is not a point.
    """
    return [_service_request(row) for row in _records(public_reports(_check_reports(reports)))]


# ---- checking inputs ---------------------------------------------------------


def _check_format(fmt: str) -> str:
    kind = str(fmt).strip().lower()
    if kind not in FORMATS:
        raise ExportError(
            f"내보내기 형식 {fmt!r}은(는) 지원하지 않습니다. 가능한 형식: {', '.join(FORMATS)} "
            f"(unsupported export format {fmt!r}; expected one of: {', '.join(FORMATS)})"
        )
    return kind


def _check_reports(reports: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    web = to_web(reports, name="보고 목록")
    problems = [f"'{c}' 열이 없습니다" for c in REQUIRED_COLUMNS if c not in web.columns]
    kinds = web.geometry.geom_type.dropna()
    bad = sorted(set(kinds[kinds != "Point"]))
    if bad:
        problems.append(f"점(Point)이 아닌 위치가 있습니다: {', '.join(bad)}")
    if problems:
        raise ExportError(
            f"보고 목록을 내보낼 수 없습니다: {'; '.join(problems)}. Store.reports()가 돌려준 표를 넘기세요."
        )
    return web


# ---- one plain record per report ---------------------------------------------


def _clean(value: object) -> object:
    """A plain Python value, with None for every kind of missing (None, NaN, NaT, NA)."""
    if isinstance(value, list | tuple | dict | np.ndarray):
        return value
    if value is None or pd.isna(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, str):
        return value if value.strip() else None  # keep leading tabs etc. for safe_cell to see
    return value


def _timestamp(value: object) -> dt.datetime | None:
    """``value`` as an aware datetime in KST; naive times are taken to be KST already."""
    value = _clean(value)
    if value is None:
        return None
    stamp = pd.Timestamp(value).to_pydatetime()
    return stamp.astimezone(KST) if stamp.tzinfo else stamp.replace(tzinfo=KST)


def _as_int(value: object) -> int | None:
    value = _clean(value)
    return None if value is None else int(cast(float, value))  # a number read from the store


def _records(public: gpd.GeoDataFrame) -> list[dict[str, object]]:
    """One dict of plain values per report, in the frame's order."""
    frame = pd.DataFrame(public.drop(columns=public.geometry.name))
    records = []
    for rec, geom in zip(frame.to_dict("records"), public.geometry, strict=True):
        row = {k: _clean(v) for k, v in rec.items()}
        located = geom is not None and not geom.is_empty
        row["id"] = _as_int(row["id"])
        row["tong"] = _as_int(row.get("tong"))
        row["reported"] = bool(row.get("reported"))
        row["created_at"] = _timestamp(row["created_at"])
        row["updated_at"] = _timestamp(row.get("updated_at"))
        row["lon"] = round(float(geom.x), 6) if located else None
        row["lat"] = round(float(geom.y), 6) if located else None
        records.append(row)
    return records


def _label(vocabulary: Vocabulary, key: object) -> str | None:
    return None if key is None else vocabulary.label(str(key))


def _iso(stamp: object) -> str | None:
    """A record's time (a datetime from :func:`_timestamp`, or None) as ISO 8601 text."""
    return stamp.isoformat(timespec="seconds") if isinstance(stamp, dt.datetime) else None


# ---- spreadsheets ------------------------------------------------------------


def _sheet_row(row: dict[str, object]) -> list[object]:
    """The report as the Korean sheet shows it, in :data:`SHEET_COLUMNS` order."""
    created = row["created_at"]
    values = {
        "번호": row["id"],
        "일시": created.strftime("%Y-%m-%d %H:%M") if isinstance(created, dt.datetime) else None,
        "작성자": row.get("finder"),
        "통": row["tong"],
        "구역": row.get("zone_id"),
        "주소": row.get("address"),
        "경도": row["lon"],
        "위도": row["lat"],
        "활동유형": _label(ACTIVITIES, row.get("activity")),
        "분야": _label(FIELDS, row.get("field")),
        "담당업무": _label(DUTIES, row.get("duty")),
        "제목": row.get("title"),
        "내용": row.get("memo"),
        "조치사항": row.get("action"),
        "상태": _label(REPORT_STATUSES, row.get("status")),
        "담당자": row.get("assignee"),
        "보고완료": "Y" if row["reported"] else "N",
    }
    return [safe_cell(values[header]) for header in SHEET_COLUMNS]


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}"
    return str(value)


def _write_csv(rows: list[dict[str, object]], path: Path) -> None:
    # UTF-8 with BOM: Excel then reads the Korean text correctly.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SHEET_COLUMNS)
        writer.writerows([_csv_text(v) for v in _sheet_row(row)] for row in rows)


def _write_xlsx(rows: list[dict[str, object]], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "활동보고"
    bold = Font(bold=True)
    for col, header in enumerate(SHEET_COLUMNS, start=1):
        sheet.cell(row=1, column=col, value=header).font = bold
        sheet.column_dimensions[get_column_letter(col)].width = SHEET_COLUMNS[header]
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(_sheet_row(row), start=1):
            _put_cell(sheet.cell(row=r, column=col), value)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(path)


def _put_cell(cell: Cell, value: object) -> None:
    """Write one value; text always as a string cell, never as a formula."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    else:
        cell.value = value
        if isinstance(value, float):
            cell.number_format = "0.000000"


# ---- JSON formats ------------------------------------------------------------


def _write_json(payload: object, path: Path) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _feature(row: dict[str, object]) -> dict[str, object]:
    properties = {key: row.get(key) for key in GEOJSON_KEYS}
    properties["created_at"] = _iso(row["created_at"])
    located = row["lon"] is not None
    geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]} if located else None
    return {"type": "Feature", "id": row["id"], "geometry": geometry, "properties": properties}


def _write_geojson(rows: list[dict[str, object]], path: Path) -> None:
    # RFC 7946: coordinates are WGS 84 lon/lat (EPSG:4326) and carry no "crs" member.
    _write_json({"type": "FeatureCollection", "features": [_feature(row) for row in rows]}, path)


def _status_notes(row: dict[str, object]) -> str | None:
    label = _label(REPORT_STATUSES, row.get("status"))
    action = str(row["action"]) if row.get("action") else None
    return f"{label}: {action}" if label and action else label or action


def _description(row: dict[str, object]) -> str | None:
    if row.get("title"):
        return str(row["title"])
    memo = row.get("memo")
    if memo is not None:
        return str(memo)[:_DESCRIPTION_CHARS]
    kinds = [_label(FIELDS, row.get("field")), _label(ACTIVITIES, row.get("activity"))]  # a feed without free text
    return " · ".join(k for k in kinds if k) or None


def _service_request(row: dict[str, object]) -> dict[str, object]:
    """One Open311 GeoReport v2 service request (all fields of the v2 response)."""
    field = row.get("field")
    return {
        "service_request_id": str(row.get("public_id") or row["id"]),  # the live feed's keyed id, else the number
        "status": "open" if row.get("status") in OPEN_STATUSES else "closed",
        "status_notes": _status_notes(row),
        "service_name": _label(FIELDS, field),
        "service_code": field,
        "description": _description(row),
        "agency_responsible": row.get("agency") or row.get("assignee") or row.get("team") or DEFAULT_AGENCY,
        "service_notice": None,
        "requested_datetime": _iso(row["created_at"]),
        "updated_datetime": _iso(row["updated_at"] or row["created_at"]),
        "expected_datetime": None,
        "address": row.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": row["lat"],
        "long": row["lon"],
        "media_url": row.get("media_url"),
    }


def _write_open311(rows: list[dict[str, object]], path: Path) -> None:  # rows already public (export_reports)
    _write_json([_service_request(row) for row in rows], path)


_WRITERS = {"csv": _write_csv, "xlsx": _write_xlsx, "geojson": _write_geojson, "open311": _write_open311}
