"""The dong data kit: one folder a team leader fills in with Excel.

See ``docs/data-kit.md`` for the files and an example row of each.
:func:`read_kit` reads and checks the whole kit and raises one
:class:`~mapping.errors.ValidationError` listing every problem.
This module finds the files and their formats, reads ``kit.json`` and the optional
contact book and walking network, and checks the kit as a whole; the columns and
readers of the core files are in :mod:`mapping.kit.files`.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.contacts import CONTACT_COLUMNS
from mapping.crs import WEB_CRS, parse_crs
from mapping.errors import CRSError, Problem, ValidationError
from mapping.kit.files import (
    POINT_TABLES,
    _check_references,
    _read_dong,
    _read_geo,
    _read_points_file,
    _read_staff,
    _read_tongs,
    _row_key,
    _row_number,
    _table_rows,
)
from mapping.kit.limits import (
    MAX_FILE_BYTES,
    MAX_MANIFEST_BYTES,
    MAX_UNPACKED_BYTES,
    MB,
    flat_member_name,
    geometry_file_problems,
    shown_bytes,
    size_problems,
    zip_problems,
)
from mapping.kit.tables import POINT_COLUMNS, match_columns, parse_points
from mapping.zones import validate_assignments

TABLE_SUFFIXES = (".csv", ".xlsx")
TONG_SUFFIXES = (".geojson", ".gpkg", ".zip", ".shp")
UPLOAD_SUFFIXES = (".csv", ".xlsx", ".geojson", ".gpkg", ".json", ".zip")  # what the 데이터 page takes


@dataclass
class Kit:
    """A checked dong kit, every frame in EPSG:4326 and every key English."""

    folder: Path
    dong: gpd.GeoDataFrame
    tongs: gpd.GeoDataFrame
    staff: pd.DataFrame
    tables: dict[str, gpd.GeoDataFrame]
    warnings: list[Problem] = field(default_factory=list)
    paths: gpd.GeoDataFrame | None = None  # walking network lines (EPSG:4326), if the kit has one
    contacts: pd.DataFrame | None = None  # the contact book (personal data): lon/lat NaN where no place was given

    @property
    def adm_cd2(self) -> str:
        return str(self.dong["adm_cd2"].iloc[0])

    @property
    def adm_nm(self) -> str:
        return str(self.dong["adm_nm"].iloc[0])


def _find(folder: Path, stem: str, suffixes: tuple[str, ...]) -> Path | None:
    for suffix in suffixes:
        path = folder / f"{stem}{suffix}"
        if path.exists():
            return path
    return None


def _read_manifest(folder: Path, problems: list[Problem]) -> dict[str, str]:
    """``kit.json`` may name a CRS for the whole kit or per file: {"crs": "EPSG:5174"}."""
    path = folder / "kit.json"
    if not path.exists():
        return {}
    refused = size_problems(path, limit=MAX_MANIFEST_BYTES)
    if refused:
        problems += refused
        return {}
    try:
        crs = json.loads(path.read_text(encoding="utf-8")).get("crs", {})
        if isinstance(crs, str):
            crs = {stem: crs for stem in (*POINT_TABLES, "contacts")}
        return {stem: parse_crs(value) for stem, value in crs.items()}
    except (ValueError, AttributeError, RecursionError, CRSError) as exc:
        problems.append(Problem("kit.json", None, "crs", f"읽을 수 없습니다: {exc}"))
        return {}


def _read_points(
    folder: Path, stem: str, crs_defaults: dict[str, str], problems: list[Problem]
) -> gpd.GeoDataFrame | None:
    path = _find(folder, stem, TABLE_SUFFIXES)
    if path is None:
        columns = POINT_TABLES[stem]
        return gpd.GeoDataFrame({c.key: [] for c in columns} | {"kit_key": []}, geometry=gpd.GeoSeries([], crs=WEB_CRS))
    return _read_points_file(path, stem, crs_defaults.get(stem), problems)


def _optional_points(
    frame: pd.DataFrame, *, file: str, default_crs: str | None, problems: list[Problem]
) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of the rows that give a place (NaN for the others), read like every kit point (any CRS)."""
    lon, lat = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    found, _ = match_columns(frame, POINT_COLUMNS, file=file)
    given = [found[c] for c in ("lon", "lat", "x", "y") if c in found]
    if not given:
        return lon, lat
    has = (frame[given] != "").any(axis=1).to_numpy()
    if has.any():
        part = frame[has].copy()
        part.attrs = dict(frame.attrs)  # keep the Excel row numbers
        lo, la, bad = parse_points(part, file=file, default_crs=default_crs)
        problems += bad
        lon[has], lat[has] = lo, la
    return lon, lat


def _read_contacts(
    folder: Path, default_crs: str | None, numbers: list[int] | None, problems: list[Problem]
) -> pd.DataFrame | None:
    """The optional contact book ``contacts.csv|xlsx``: 통 must be a tong of the kit; a place is optional."""
    columns = [c.key for c in CONTACT_COLUMNS] + ["lon", "lat", "_row", "kit_key"]
    path = _find(folder, "contacts", TABLE_SUFFIXES)
    if path is None:
        return pd.DataFrame({c: [] for c in columns})
    frame, rows = _table_rows(path, CONTACT_COLUMNS, problems)
    if frame is None or rows is None:
        return None
    lon, lat = _optional_points(frame, file=path.name, default_crs=default_crs, problems=problems)
    known = set(numbers or [])
    records: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    for row, x, y in zip(rows, lon, lat, strict=True):
        if numbers is not None and row["tong"] is not None and row["tong"] not in known:
            shown = f"{min(known)}–{max(known)}" if known else "없음"
            message = f"통 {row['tong']}은(는) 통 경계 파일에 없습니다 (있는 통: {shown}). 통 번호를 고치세요."
            problems.append(Problem(path.name, _row_number(row), "통", message))
        row["lon"], row["lat"] = (None, None) if np.isnan(x) else (round(float(x), 7), round(float(y), 7))
        key = _row_key(row)
        if key in seen:
            problems.append(
                Problem(
                    path.name, _row_number(row), None, f"{seen[key]}행과 똑같은 행이라 한 번만 넣습니다.", "warning"
                )
            )
            continue
        seen[key] = _row_number(row)
        records.append(row | {"kit_key": key})
    table = pd.DataFrame(records, columns=columns)
    table.attrs["file"] = path.name
    return table


def read_zone_inputs(
    tongs: str | Path, staff: str | Path, *, dong: str | Path | None = None
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame | None]:
    """Read a tongs file, a staff table and optionally a dong boundary, checking each.

    Returns
    -------
    (tongs, staff, dong)
        Tongs in EPSG:4326 (invalid polygons repaired), staff with English
        keys, and the dong (or ``None``).

    Raises
    ------
    ValidationError
        Every problem of the three files and of the assignments, if any is an error.
    """
    problems: list[Problem] = []
    boundary = _read_dong(Path(dong), problems) if dong else None
    tong_frame = _read_tongs(Path(tongs), boundary, problems)
    staff_frame = _read_staff(Path(staff), problems)
    if tong_frame is not None and staff_frame is not None:
        problems += validate_assignments(tong_frame.attrs["numbers"], staff_frame, file=Path(staff).name)
    if any(p.severity == "error" for p in problems) or tong_frame is None or staff_frame is None:
        raise ValidationError(problems, what="구역 입력")
    staff_frame.attrs["warnings"] = [p for p in problems if p.severity == "warning"]
    return tong_frame, staff_frame.drop(columns="file"), boundary


def unpack_uploads(files: Iterable[tuple[str, bytes]], folder: Path) -> list[Path]:
    """Write uploaded kit files into ``folder``, unpacking each ``.zip`` of kit files flat.

    A ``tongs*.zip`` (a zipped shapefile) is written as it is.  Every upload and every ZIP
    member is checked first (:func:`~mapping.kit.limits.zip_problems`: member count, each member's
    size, the ratio, the total of the whole upload); then members are copied a megabyte at a time,
    without their folders, skipping hidden files and macOS metadata (uploads too).

    Parameters
    ----------
    files : iterable of (name, bytes)
        Each uploaded file's name and content.
    folder : Path
        An empty folder to write into.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    ValidationError
        Every problem of every upload (too large, a bomb, two files of one name); nothing is written.
    """
    named = [(flat_member_name(name), data) for name, data in files]  # a bare file name, never a path
    uploads, problems = _checked_uploads([(name, data) for name, data in named if name])
    if problems:
        raise ValidationError(problems, what="올린 파일")
    written = []
    for upload in uploads:
        if upload.members is None:
            (folder / upload.name).write_bytes(upload.data)
            written.append(folder / upload.name)
            continue
        with zipfile.ZipFile(io.BytesIO(upload.data)) as archive:
            for member in upload.members:
                target = folder / str(flat_member_name(member.filename))
                with archive.open(member) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, MB)
                written.append(target)
    return written


class _Upload(NamedTuple):
    name: str
    data: bytes
    members: list[zipfile.ZipInfo] | None  # the ZIP members to unpack; None: the file is written as it is


def _checked_uploads(files: list[tuple[str, bytes]]) -> tuple[list[_Upload], list[Problem]]:
    """Each upload with the members to unpack, and every problem; no member is read."""
    uploads: list[_Upload] = []
    problems: list[Problem] = []
    for name, data in files:
        if not name.lower().endswith(UPLOAD_SUFFIXES):  # checked here, in Korean, not by the upload widget
            kind = Path(name).suffix or "확장자 없음"
            message = (
                f"키트 파일이 아니라 받지 않았습니다 ({kind}). CSV, XLSX, GeoJSON, GPKG, JSON 또는 .zip을 올리세요."
            )
            problems.append(Problem(name, None, None, message))
        elif len(data) > MAX_FILE_BYTES:
            message = f"파일이 {shown_bytes(len(data))}로 한도 {shown_bytes(MAX_FILE_BYTES)}를 넘어 받지 않았습니다."
            problems.append(Problem(name, None, None, message + " 이 동의 자료만 남겨 다시 올리세요."))
        elif not (name.lower().endswith(".zip") and not name.startswith("tongs")):  # tongs*.zip: a shapefile
            uploads.append(_Upload(name, data, None))
        elif refused := zip_problems(data, file=name):
            problems += refused
        else:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = [m for m in archive.infolist() if not m.is_dir() and flat_member_name(m.filename)]
            uploads.append(_Upload(name, data, members))
    total = sum(len(u.data) if u.members is None else sum(m.file_size for m in u.members) for u in uploads)
    if total > MAX_UNPACKED_BYTES:
        message = f"올린 파일을 모두 풀면 {shown_bytes(total)}로 한도 {shown_bytes(MAX_UNPACKED_BYTES)}를 넘습니다."
        problems.append(Problem("올린 파일", None, None, message + " 이 동의 자료 키트만 올리세요."))
    return uploads, problems + _same_names(uploads)


def _same_names(uploads: list[_Upload]) -> list[Problem]:
    """Two files that would land on one name in the flat kit folder."""
    where: dict[str, list[str]] = {}
    for upload in uploads:
        for member in upload.members if upload.members is not None else [None]:
            name = upload.name if member is None else str(flat_member_name(member.filename))
            where.setdefault(name, []).append(upload.name if member is None else f"{upload.name}:{member.filename}")
    message = "같은 이름의 파일이 {}개 있습니다 ({}). 하나만 남겨 다시 올리세요."
    return [Problem(n, None, None, message.format(len(f), ", ".join(f))) for n, f in where.items() if len(f) > 1]


PATH_SUFFIXES = (".geojson", ".gpkg", ".graphml")


def _graphml_lines(path: Path) -> gpd.GeoDataFrame:
    """Edges of an OSM GraphML (osmnx: nodes with x = lon, y = lat) as lines in EPSG:4326.

    Refused before parsing (:func:`~mapping.kit.limits.geometry_file_problems`) when too large or too many edges.
    """
    import networkx as nx

    refused = geometry_file_problems(path)
    if refused:
        raise ValidationError(refused, what=path.name)
    graph = nx.read_graphml(path)
    xy = {n: (float(d["x"]), float(d["y"])) for n, d in graph.nodes(data=True)}
    return gpd.GeoDataFrame(geometry=[shapely.LineString([xy[a], xy[b]]) for a, b in graph.edges()], crs=WEB_CRS)


def _read_paths(folder: Path, problems: list[Problem]) -> gpd.GeoDataFrame | None:
    """The optional walking network: ``paths.geojson`` / ``.gpkg`` lines or an OSM ``paths.graphml``."""
    path = _find(folder, "paths", PATH_SUFFIXES)
    if path is None:
        return None
    try:
        lines = _graphml_lines(path) if path.suffix == ".graphml" else _read_geo(path)
    except ValidationError as exc:
        problems += exc.problems
        return None
    except Exception as exc:
        problems.append(Problem(path.name, None, None, f"보행망을 읽을 수 없습니다: {exc}"))
        return None
    if lines.crs is None or not lines.geom_type.isin(["LineString", "MultiLineString"]).all():
        problems.append(Problem(path.name, None, None, "보행망은 좌표계가 있는 선(LineString) 자료여야 합니다."))
        return None
    return lines[["geometry"]].to_crs(WEB_CRS)


def read_reports_file(path: str | Path, *, staff_names: set[str]) -> gpd.GeoDataFrame:
    """Read reports to import from CSV, XLSX (the kit's columns, as our exports write them) or GeoJSON.

    A leading ``'`` that our exports put before ``= + - @`` to stop formulas is removed again.

    Raises
    ------
    ValidationError
        Every problem with file, row and column; or a 작성자 not in ``staff_names``.
    """
    path = Path(path)
    problems: list[Problem] = []
    table = _read_points_file(path, "reports", None, problems)
    if table is not None and len(table):
        for column, key in (("작성자", "finder"), ("담당자", "assignee")):
            unknown = table[~table[key].isin(staff_names) & table[key].notna()]
            for _, row in unknown.iterrows():
                problems.append(
                    Problem(path.name, row["_row"], column, f"{column} {row[key]!r}는 이 동의 직원 명단에 없습니다.")
                )
        for key in ("memo", "title", "action", "address"):
            table[key] = table[key].map(_unguard)
    if table is None or any(p.severity == "error" for p in problems):
        raise ValidationError(problems, what=f"보고 파일 {path.name}")
    return table


def _unguard(value: object) -> object:
    if isinstance(value, str) and len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def read_kit(folder: str | Path) -> Kit:
    """Read and check a whole dong kit.

    Parameters
    ----------
    folder : str or Path
        The kit folder (``dong.geojson``, ``tongs.*``, ``staff.*`` and the
        optional ``resources``, ``reports``, ``households``, ``blind_spots``, ``contacts``).

    Returns
    -------
    Kit
        Everything in EPSG:4326 with English keys; warnings in ``.warnings``.

    Raises
    ------
    ValidationError
        Listing every problem (file, row, column), if any is an error.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    if not folder.is_dir():
        raise ValidationError([Problem(str(folder), None, None, "폴더가 없습니다.")], what="자료 키트")
    crs_defaults = _read_manifest(folder, problems)
    dong = _read_dong(folder / "dong.geojson", problems)
    tongs = _read_tongs(_find(folder, "tongs", TONG_SUFFIXES), dong, problems)
    staff = _read_staff(_find(folder, "staff", TABLE_SUFFIXES), problems)
    tables = {stem: _read_points(folder, stem, crs_defaults, problems) for stem in POINT_TABLES}
    paths = _read_paths(folder, problems)
    numbers = tongs.attrs["numbers"] if tongs is not None else None
    contacts = _read_contacts(folder, crs_defaults.get("contacts"), numbers, problems)
    if staff is not None and tongs is not None:
        problems += validate_assignments(tongs.attrs["numbers"], staff, file=staff["file"].iloc[0])
    if staff is not None and dong is not None:
        _check_references(tables, staff, dong, problems)
    if any(p.severity == "error" for p in problems) or dong is None or tongs is None or staff is None:
        raise ValidationError(problems, what=f"자료 키트 {folder.name}")
    # a row without a usable point is always an error above, so every table here is complete
    kit = Kit(folder, dong, tongs, staff.drop(columns="file"), tables, [p for p in problems if p.severity == "warning"])
    kit.paths = paths
    kit.contacts = contacts
    return kit
