"""The core files of a dong kit: their columns and one checking reader per file.

Column specifications of the Excel tables (staff and the point tables), and the
readers of ``dong.geojson``, ``tongs.*``, ``staff.*`` and the point tables, each
appending every :class:`~mapping.errors.Problem` it finds instead of raising.
Generic table reading (headers, cells, points in any CRS) is :mod:`mapping.kit.tables`;
finding the files and checking the kit as a whole is :mod:`mapping.kit.reader`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.crs import WEB_CRS
from mapping.domain import (
    ACTIVITIES,
    BLIND_SPOT_TYPES,
    DUTIES,
    FIELDS,
    HOUSEHOLD_KINDS,
    REPORT_STATUSES,
    RESOURCE_TYPES,
    ROLES,
)
from mapping.errors import Problem, ValidationError
from mapping.kit.limits import geometry_file_problems, vertex_problems
from mapping.kit.tables import (
    Column,
    cell_text,
    match_columns,
    parse_date,
    parse_datetime,
    parse_int,
    parse_points,
    parse_rows,
    parse_tong,
    parse_tong_list,
    parse_yes_no,
    read_table,
)
from mapping.zones import validate_tongs


def _list_of_text(text: str) -> list[str]:
    return [t.strip() for t in text.replace("/", ",").split(",") if t.strip()]


STAFF_COLUMNS = [
    Column("team", "팀명"),
    Column("name", "성명"),
    Column("role", "역할", parse=ROLES.parse),
    Column("duties", "담당업무", required=False, parse=lambda t: [DUTIES.parse(x) for x in _list_of_text(t)]),
    Column("phone", "연락처", required=False),
    Column("tongs", "담당통", required=False, parse=parse_tong_list),
    Column("substitute", "대직자", required=False),
    Column("public_card", "공개동의", required=False, parse=parse_yes_no),  # name and office phone on public maps
]
RESOURCE_COLUMNS = [
    Column("type", "유형", parse=RESOURCE_TYPES.parse),
    Column("name", "명칭", required=False),
    Column("address", "주소", required=False),
    Column("phone", "전화", required=False),
    Column("hours", "운영시간", required=False),
    Column("public", "공개", required=False, parse=parse_yes_no),
]
REPORT_COLUMNS = [
    Column("created_at", "일시", parse=parse_datetime, aliases=("at",)),
    Column("finder", "작성자", aliases=("officer",)),
    Column("address", "주소", required=False),
    Column("activity", "활동유형", required=False, parse=ACTIVITIES.parse),  # a report may be completed later
    Column("field", "분야", required=False, parse=FIELDS.parse),
    Column("memo", "내용"),
    Column("title", "제목", required=False),
    Column("duty", "담당업무", required=False, parse=DUTIES.parse),
    Column("action", "조치사항", required=False),
    Column("assignee", "담당자", required=False),
    Column("status", "상태", required=False, parse=REPORT_STATUSES.parse),
    Column("reported", "보고완료", required=False, parse=parse_yes_no),
]
HOUSEHOLD_COLUMNS = [
    Column("kind", "구분", parse=HOUSEHOLD_KINDS.parse),
    Column("name", "성명"),
    Column("phone", "연락처", required=False),
    Column("address", "주소", required=False),
    Column("moved_in", "전입일", required=False, parse=parse_date),
    Column("traits", "특성", required=False, parse=_list_of_text),
    Column("visit_every_days", "방문주기_일", required=False, parse=parse_int),
    Column("last_visit", "최근방문일", required=False, parse=parse_date),
]
BLIND_SPOT_COLUMNS = [
    Column("type", "유형", parse=BLIND_SPOT_TYPES.parse),
    Column("memo", "내용"),
    Column("found_on", "발견일", required=False, parse=parse_date),
]
POINT_TABLES = {
    "resources": RESOURCE_COLUMNS,
    "reports": REPORT_COLUMNS,
    "households": HOUSEHOLD_COLUMNS,
    "blind_spots": BLIND_SPOT_COLUMNS,
}
DEFAULTS: dict[str, dict[str, object]] = {
    "resources": {"public": True},
    "reports": {"status": "received", "reported": True},
}


def _read_geo(path: Path, *, column: str | None = None, alias: str | None = None) -> gpd.GeoDataFrame:
    """A geometry file, refused before reading when over :mod:`mapping.kit.limits` and checked again right after.

    Raises
    ------
    ValidationError
        The file's size, its ZIP members or its vertices (estimated from the bytes first, then
        counted) are over a limit; nothing of it is used.
    """
    refused = geometry_file_problems(path)
    if refused:
        raise ValidationError(refused, what=path.name)
    gdf = gpd.read_file(path)
    names = {str(c).strip() for c in gdf.columns}
    label = next((c for c in gdf.columns if str(c).strip() in (column, alias)), None)
    labels = [f"{label} {v}" for v in gdf[label]] if label is not None else None
    refused = vertex_problems(gdf.geometry.values, file=path.name, labels=labels)
    if refused:
        raise ValidationError(refused, what=path.name)
    if column and column not in names and alias not in names and path.suffix.lower() in (".zip", ".shp"):
        gdf = gpd.read_file(path, encoding="cp949")  # Korean shapefiles without .cpg
    return gdf


def _read_dong(path: Path, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    if not path.exists():
        problems.append(Problem(path.name, None, None, "동 경계 파일이 없습니다."))
        return None
    try:
        dong = _read_geo(path)
    except ValidationError as exc:
        problems += exc.problems
        return None
    except Exception as exc:
        problems.append(Problem(path.name, None, None, f"읽을 수 없습니다: {exc}"))
        return None
    missing = [c for c in ("adm_cd2", "adm_nm") if c not in dong.columns]
    if missing or len(dong) != 1:
        problems.append(
            Problem(
                path.name,
                None,
                None,
                f"피처 1개에 adm_cd2, adm_nm 속성이 있어야 합니다 (피처 {len(dong)}개, 없는 속성: {missing}).",
            )
        )
        return None
    geom = dong.geometry.iloc[0]
    if geom is None or geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
        why = shapely.is_valid_reason(geom) if geom is not None else "비어 있음"
        problems.append(Problem(path.name, None, None, f"동 경계가 올바른 (멀티)폴리곤이 아닙니다 ({why})."))
        return None
    dong["adm_cd2"] = dong["adm_cd2"].astype(str).str.replace(r"\.0$", "", regex=True)
    return dong[["adm_cd2", "adm_nm", "geometry"]].to_crs(WEB_CRS)


def _read_tongs(path: Path | None, dong: gpd.GeoDataFrame | None, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    if path is None or not path.exists():
        problems.append(
            Problem(
                "tongs.geojson",
                None,
                None,
                "통 경계 파일이 없습니다 (tongs.geojson, .gpkg 또는 압축한 shapefile .zip).",
            )
        )
        return None
    try:
        raw = _read_geo(path, column="통", alias="tong")
    except ValidationError as exc:
        problems += exc.problems
        return None
    except Exception as exc:
        problems.append(Problem(path.name, None, None, f"읽을 수 없습니다: {exc}"))
        return None
    if raw.crs is None:
        problems.append(
            Problem(
                path.name, None, None, "좌표계(CRS)가 없습니다. .prj 파일을 함께 넣거나 좌표계를 지정해 저장하세요."
            )
        )
        return None
    col = next((c for c in raw.columns if str(c).strip() in ("통", "tong")), None)
    if col is None:
        problems.append(
            Problem(path.name, None, "통", f"'통 [tong]' 열이 없습니다. 있는 열: {', '.join(map(str, raw.columns))}")
        )
        return None
    numbers: list[int | None] = []
    for i, value in enumerate(raw[col]):
        try:
            numbers.append(parse_tong(str(value).removesuffix(".0")))
        except ValueError as exc:
            problems.append(Problem(path.name, None, f"피처 {i + 1}", str(exc)))
            numbers.append(None)
    raw = gpd.GeoDataFrame({"tong": numbers}, geometry=raw.geometry.values, crs=raw.crs)
    raw = raw[raw["tong"].notna()].astype({"tong": int})
    fixed, found = validate_tongs(raw, dong=dong, file=path.name)
    problems += found
    out = fixed.to_crs(WEB_CRS).sort_values("tong").reset_index(drop=True)
    out.attrs["numbers"] = sorted(set(raw["tong"]))  # every number in the file, even of a dropped tong
    return out


def _table_rows(
    path: Path,
    columns: list[Column],
    problems: list[Problem],
    *,
    reader: Callable[[Path], tuple[pd.DataFrame | None, list[Problem]]] = read_table,
) -> tuple[pd.DataFrame | None, list[dict[str, object]] | None]:
    """Read a table, match its headers and parse its cells; ``(None, None)`` if it cannot be read."""
    frame, found_problems = reader(path)
    problems += found_problems
    if frame is None:
        return None, None
    found, missing = match_columns(frame, columns, file=path.name)
    problems += missing
    if missing:
        return None, None
    rows, bad = parse_rows(frame, columns, found, file=path.name)
    problems += bad
    return frame, rows


def _read_staff(path: Path | None, problems: list[Problem]) -> pd.DataFrame | None:
    if path is None or not path.exists():
        problems.append(Problem("staff.csv", None, None, "직원 명단 파일이 없습니다 (staff.csv 또는 staff.xlsx)."))
        return None
    _, rows = _table_rows(path, STAFF_COLUMNS, problems)
    if rows is None:
        return None
    if not rows:
        problems.append(Problem(path.name, None, None, "직원이 한 명도 없습니다. 한 사람에 한 행씩 적으세요."))
        return None
    staff = pd.DataFrame(rows)
    for name in sorted(set(staff["name"][staff["name"].duplicated()].dropna())):
        problems.append(
            Problem(
                path.name,
                None,
                "성명",
                f"성명 {name!r}이(가) 두 번 이상 나옵니다. 동명이인은 '홍길동(복지)'처럼 구분하세요.",
            )
        )
    staff["file"] = path.name
    return staff


def _row_number(row: dict[str, object]) -> int:
    """The Excel row number :func:`_table_rows` put on ``row``."""
    return int(cast(int, row["_row"]))


def _row_key(row: dict[str, object]) -> str:
    """Content key of a kit row: every value and its place, not its row number."""
    payload = json.dumps({k: v for k, v in row.items() if k != "_row"}, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha1(payload.encode("utf-8")).hexdigest()[:16]


def _geojson_table(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A GeoJSON of points as a table: its properties plus 경도/위도 (feature N is row N)."""
    try:
        gdf = _read_geo(path)
    except ValidationError as exc:
        return None, exc.problems
    except Exception as exc:
        return None, [Problem(path.name, None, None, f"읽을 수 없습니다: {exc}")]
    if gdf.crs is None or not (gdf.geom_type == "Point").all():
        return None, [Problem(path.name, None, None, "좌표계가 있는 점(Point) GeoJSON이어야 합니다.")]
    web = gdf.to_crs(WEB_CRS)
    frame = (
        pd.DataFrame(web.drop(columns="geometry"))
        .map(cell_text)
        .assign(경도=web.geometry.x.map(repr), 위도=web.geometry.y.map(repr))
    )
    frame.index = pd.RangeIndex(1, len(frame) + 1)
    frame.attrs["excel_rows"] = True
    return frame, []


def _read_points_file(
    path: Path, stem: str, default_crs: str | None, problems: list[Problem]
) -> gpd.GeoDataFrame | None:
    reader = _geojson_table if path.suffix.lower() == ".geojson" else read_table
    frame, rows = _table_rows(path, POINT_TABLES[stem], problems, reader=reader)
    if frame is None or rows is None:
        return None
    lon, lat, bad_points = parse_points(frame, file=path.name, default_crs=default_crs)
    problems += bad_points
    records: list[dict[str, object]] = []
    seen: dict[str, object] = {}
    for row, x, y in zip(rows, lon, lat, strict=True):
        for key, value in DEFAULTS.get(stem, {}).items():
            row[key] = value if row.get(key) is None else row[key]
        row["_lon"], row["_lat"] = round(float(x), 7), round(float(y), 7)
        key = _row_key(row)
        if key in seen:
            problems.append(
                Problem(
                    path.name, _row_number(row), None, f"{seen[key]}행과 똑같은 행이라 한 번만 넣습니다.", "warning"
                )
            )
            continue
        seen[key] = row["_row"]
        records.append(row | {"kit_key": key})
    frame = pd.DataFrame(records)
    geometry = gpd.points_from_xy(frame.pop("_lon"), frame.pop("_lat"), crs=WEB_CRS) if len(frame) else []
    table = gpd.GeoDataFrame(frame, geometry=geometry, crs=WEB_CRS)
    table.attrs["file"] = path.name
    return table


def _check_references(
    kit_tables: dict[str, gpd.GeoDataFrame], staff: pd.DataFrame, dong: gpd.GeoDataFrame, problems: list[Problem]
) -> None:
    names = set(staff["name"])
    reports = kit_tables.get("reports")
    if reports is not None and len(reports):
        for _, row in reports[~reports["finder"].isin(names) & reports["finder"].notna()].iterrows():
            problems.append(
                Problem(
                    reports.attrs.get("file", "reports"),
                    row["_row"],
                    "작성자",
                    f"작성자 {row['finder']!r}는 직원 명단(staff)에 없습니다.",
                )
            )
    if reports is not None and len(reports):
        unowned = reports[
            reports["status"].isin(["handed_over", "in_progress", "resident_notified"]) & reports["assignee"].isna()
        ]
        for _, row in unowned.iterrows():
            message = "인계·처리 중인 보고에 담당자가 없습니다: 보고함에서 담당자를 정하세요."
            problems.append(Problem(reports.attrs.get("file", "reports"), row["_row"], "담당자", message, "warning"))
        for _, row in reports[~reports["assignee"].isin(names) & reports["assignee"].notna()].iterrows():
            message = f"담당자 {row['assignee']!r}는 직원 명단(staff)에 없습니다."
            problems.append(Problem(reports.attrs.get("file", "reports"), row["_row"], "담당자", message))
    boundary = dong.geometry.iloc[0]
    for stem in ("reports", "households", "blind_spots"):
        table = kit_tables.get(stem)
        if table is None or not len(table):
            continue
        outside = table[~table.geometry.is_empty & ~table.geometry.within(boundary) & np.isfinite(table.geometry.x)]
        for _, row in outside.iterrows():
            problems.append(
                Problem(
                    table.attrs.get("file", stem),
                    row["_row"],
                    "경도",
                    "동 경계 밖의 점입니다. 좌표를 확인하세요.",
                    "warning",
                )
            )
