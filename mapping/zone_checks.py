"""The checks of a zone's inputs: tong polygons (and their dong) and who owns which tong.

:func:`validate_tongs` and :func:`validate_assignments` collect every problem before anything is
built; :mod:`mapping.zones` runs them (for one dong, or many at once through :func:`_validate`
and :func:`_assignment_problems`) before it builds any zone.  Overlaps, gaps and overhangs are
measured in :data:`mapping.crs.METRIC_CRS`; the tolerances are :data:`MIN_AREA_M2`,
:data:`SLIVER_M` and :data:`NOISE_M`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from mapping.crs import METRIC_CRS, require_crs
from mapping.errors import Problem
from mapping.kit.tables import parse_tong_list

MIN_AREA_M2 = 1.0  # overlaps, gaps and overhangs smaller than this are ignored
# ... and so are slivers thinner than this: reprojecting a file (e.g. from EPSG:5174) moves
# vertices by millimetres, which along a long edge adds up to square metres of sliver.
SLIVER_M = 0.05
# Tongs cut from their dong carry floating-point noise along its edge: a tong within this distance of its
# dong has no overhang worth reporting (far below SLIVER_M), and only skips the exact clip and difference.
NOISE_M = 1e-6
POLYGONAL = ("Polygon", "MultiPolygon")


def _where(geom: BaseGeometry, crs: object) -> str:
    point = gpd.GeoSeries([geom.representative_point()], crs=crs).to_crs("EPSG:4326").iloc[0]
    return f"({point.x:.5f}, {point.y:.5f})"


def _significant(geom: BaseGeometry) -> bool:
    """Larger than :data:`MIN_AREA_M2` and wider than :data:`SLIVER_M` somewhere."""
    return geom.area > MIN_AREA_M2 and not geom.buffer(-SLIVER_M / 2).is_empty


def _parts(geom: BaseGeometry) -> list[BaseGeometry]:
    geom = shapely.get_parts(geom)
    return [g for g in geom if g.geom_type in POLYGONAL and _significant(g)]


def validate_tongs(
    tongs: gpd.GeoDataFrame, *, dong: gpd.GeoDataFrame | None = None, file: str = "tongs"
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Check tong polygons and return them repaired, with every problem found.

    Parameters
    ----------
    tongs : GeoDataFrame
        Column ``tong`` (int) and polygon geometry, any CRS.
    dong : GeoDataFrame, optional
        The dong boundary; when given, overhangs and gaps are checked.
    file : str
        File name used in the problems.

    Returns
    -------
    (GeoDataFrame, list of Problem)
        Tongs in their input CRS with invalid polygons repaired by
        ``make_valid`` (each repair listed as a warning), and the problems.
    """
    fixed, problems, _, _ = _validate_one_dong(tongs, dong, file=file)
    return fixed, problems


def _validate_one_dong(
    tongs: gpd.GeoDataFrame, dong: gpd.GeoDataFrame | None, *, file: str
) -> tuple[gpd.GeoDataFrame, list[Problem], np.ndarray, gpd.GeoDataFrame]:
    require_crs(tongs, name=file)
    boundaries = None
    if dong is not None:
        require_crs(dong, name="dong")
        boundaries = [shapely.union_all(_metric(dong).geometry.values)]
    return _validate(tongs, np.zeros(len(tongs), dtype=np.int64), boundaries, labels=[""], file=file)


def _metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame if frame.crs == METRIC_CRS else frame.to_crs(METRIC_CRS)


def _validate(
    tongs: gpd.GeoDataFrame,
    group: np.ndarray,
    boundaries: list[BaseGeometry] | None,
    *,
    labels: list[str],
    file: str,
) -> tuple[gpd.GeoDataFrame, list[Problem], np.ndarray, gpd.GeoDataFrame]:
    """The checks of :func:`validate_tongs` for tongs of one or many dongs (``group``: the dong of each).

    Returns the kept tongs, the problems, which kept tongs are coverage suspects (see
    :func:`_coverage_suspects`) and the kept tongs in :data:`METRIC_CRS`.
    """
    found: list[tuple[int, Problem]] = []  # (row, problem): reported in row order
    geoms = np.asarray(tongs.geometry.values, dtype=object)
    numbers = tongs["tong"].to_numpy()

    def label(i: int) -> str:
        return f"{labels[group[i]]}통 {numbers[i]}"

    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon
    valid = shapely.is_valid(geoms)
    out = tongs.copy()
    for i in map(int, np.flatnonzero(missing)):
        found.append((i, Problem(file, None, label(i), "도형이 비어 있습니다.")))
    for i in map(int, np.flatnonzero(~missing & ~polygonal)):
        found.append((i, Problem(file, None, label(i), f"폴리곤이어야 하는데 {geoms[i].geom_type}입니다.")))
    for i in map(int, np.flatnonzero(~missing & polygonal & ~valid)):
        reason = shapely.is_valid_reason(geoms[i])
        fixed = shapely.union_all(
            [g for g in shapely.get_parts(shapely.make_valid(geoms[i])) if g.geom_type in POLYGONAL]
        )
        if fixed.is_empty or fixed.area == 0:
            found.append((i, Problem(file, None, label(i), f"유효하지 않은 폴리곤이고 고칠 수 없습니다 ({reason}).")))
            missing[i] = True  # dropped like an empty one
            continue
        out.iloc[i, out.columns.get_loc(out.geometry.name)] = fixed
        note = f"유효하지 않은 폴리곤을 자동으로 고쳤습니다 ({reason}). 확인하세요."
        found.append((i, Problem(file, None, label(i), note, "warning")))
    problems = [p for _, p in sorted(found, key=lambda f: f[0])]
    keys = pd.Series(list(zip(group, numbers, strict=True)))
    dupes = keys[keys.duplicated(keep=False)]
    for g, number in sorted(set(dupes)):
        times = int((dupes == (g, number)).sum())
        problems.append(
            Problem(
                file, None, f"{labels[g]}통 {number}", f"통 번호 {number}이(가) {times}번 나옵니다. 하나만 남기세요."
            )
        )
    keep = ~missing & polygonal
    out = out.iloc[np.flatnonzero(keep)]
    group = group[keep]
    metric = _metric(out)
    suspect = _coverage_suspects(np.asarray(metric.geometry.values, dtype=object), group)
    problems += _overlap_problems(metric, group, suspect, labels, file=file)
    if boundaries is not None:
        problems += _coverage_problems(metric, group, suspect, boundaries, labels, file=file)
    return out, problems, suspect, metric


def _coverage_suspects(geoms: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Tongs whose edges do not match their dong neighbours' (GEOS CoverageValidator, per dong).

    Only these can overlap another tong of their dong; a dong without any is a valid coverage.
    """
    suspect = np.zeros(len(geoms), dtype=bool)
    order = np.argsort(group, kind="stable")
    if not len(order):
        return suspect
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    for start, stop in zip(starts, [*starts[1:], len(order)], strict=True):
        members = order[start:stop]
        if len(members) > 1:
            suspect[members] = ~shapely.is_empty(shapely.coverage_invalid_edges(geoms[members]))
    return suspect


def _overlap_problems(
    metric: gpd.GeoDataFrame, group: np.ndarray, suspect: np.ndarray, labels: list[str], *, file: str
) -> list[Problem]:
    """Overlaps between tongs of the same dong (across dongs, an overlap is an overhang of one of them)."""
    if not suspect.any():
        return []
    geoms = np.asarray(metric.geometry.values, dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms[suspect], predicate="intersects")
    left = np.flatnonzero(suspect)[left]
    same = (group[left] == group[right]) & (left != right)
    pairs = sorted({(min(i, j), max(i, j)) for i, j in zip(left[same], right[same], strict=True)})
    numbers = metric["tong"].to_numpy()
    problems = []
    for i, j in pairs:
        overlap = geoms[i].intersection(geoms[j])
        if _significant(overlap):
            message = f"통 {numbers[i]}와(과) 통 {numbers[j]}이(가) {overlap.area:,.1f} m² 겹칩니다."
            problems.append(Problem(file, None, f"{labels[group[i]]}통 {numbers[i]}", message))
    return problems


def _coverage_problems(
    metric: gpd.GeoDataFrame,
    group: np.ndarray,
    suspect: np.ndarray,
    boundaries: list[BaseGeometry],
    labels: list[str],
    *,
    file: str,
) -> list[Problem]:
    """Tongs reaching out of their dong, and parts of a dong in no tong.

    Exact, but cheap when the tongs fit: a tong covered by its dong cannot overhang, and a dong whose
    tongs form a valid coverage (no suspects: no overlap) and whose areas add up to its own (within
    :data:`MIN_AREA_M2`) cannot hide a gap.
    """
    geoms = np.asarray(metric.geometry.values, dtype=object)
    numbers = metric["tong"].to_numpy()
    dongs = np.asarray(boundaries, dtype=object)
    shapely.prepare(dongs)
    covered = shapely.covers(dongs[group], geoms) if len(geoms) else np.zeros(0, bool)
    noisy = np.flatnonzero(~covered)
    if len(noisy):
        grown = shapely.buffer(dongs, NOISE_M, quad_segs=1)  # inscribed arcs: inside the true NOISE_M band
        shapely.prepare(grown)
        covered[noisy] = shapely.covers(grown[group[noisy]], geoms[noisy])
    # what such a tong has outside lies in the band along its dong's edge: bound it for the gap test below
    slack = NOISE_M * shapely.length(dongs) * np.bincount(group[noisy[covered[noisy]]], minlength=len(dongs)).clip(0, 1)
    inside_area = shapely.area(geoms)
    problems = []
    out_idx = np.flatnonzero(~covered)
    boxes = shapely.bounds(geoms[out_idx])
    near = [  # the dong around the tong is all that matters, and clipping is far cheaper than an overlay
        shapely.clip_by_rect(dongs[group[i]], x0 - 1, y0 - 1, x1 + 1, y1 + 1)
        for i, (x0, y0, x1, y1) in zip(out_idx, boxes, strict=True)
    ]
    outsides = shapely.difference(geoms[out_idx], np.asarray(near, dtype=object)) if len(out_idx) else []
    for i, outside in zip(out_idx, outsides, strict=True):
        inside_area[i] -= outside.area
        for part in _parts(outside):
            problems.append(
                Problem(
                    file,
                    None,
                    f"{labels[group[i]]}통 {numbers[i]}",
                    f"동 경계 밖으로 {part.area:,.1f} m² 나가 있습니다 {_where(part, METRIC_CRS)}.",
                )
            )
    filled = np.bincount(group, weights=inside_area, minlength=len(dongs))
    overlapping = np.bincount(group, weights=suspect, minlength=len(dongs)) > 0  # areas could hide a gap
    for g in np.flatnonzero((shapely.area(dongs) - filled + 2 * slack > MIN_AREA_M2 / 2) | overlapping):  # look
        union = shapely.union_all(geoms[group == g])
        for part in _parts(dongs[g].difference(union)):
            problems.append(
                Problem(
                    file,
                    None,
                    labels[g].strip() or None,
                    f"어느 통에도 속하지 않는 빈 곳 {part.area:,.1f} m²가 있습니다 {_where(part, METRIC_CRS)}.",
                )
            )
    return problems


def _tong_list(value: object) -> list[int]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return parse_tong_list(value)
    return [int(v) for v in cast(Iterable[int], value)]  # a list (or array) of tong numbers


def validate_assignments(tongs: Iterable[int], staff: pd.DataFrame, *, file: str = "staff") -> list[Problem]:
    """Check who owns which tong and who substitutes for whom.

    Parameters
    ----------
    tongs : iterable of int
        Tong numbers that exist.
    staff : DataFrame
        Columns ``name``, ``tongs`` (list of int or text like ``"11,21"``),
        ``substitute``; optional ``_row`` (Excel row number for messages).
    file : str
        File name used in the problems.
    """
    return _assignment_problems(set(int(t) for t in tongs), staff.to_dict("records"), file=file)


def _assignment_problems(existing: set[int], people: list[dict], *, file: str) -> list[Problem]:
    problems: list[Problem] = []
    names = {person["name"] for person in people}
    owner: dict[int, list[str]] = {}
    for person in people:
        row = person.get("_row")
        row = int(row) if row is not None and not pd.isna(row) else None
        for number in _tong_list(person.get("tongs")):
            owner.setdefault(number, []).append(person["name"])
            if number not in existing:
                problems.append(
                    Problem(file, row, "담당통", f"{person['name']}의 담당통 {number}은(는) 통 경계 파일에 없습니다.")
                )
        sub = person.get("substitute")
        if sub and not pd.isna(sub):
            if sub == person["name"]:
                problems.append(
                    Problem(file, row, "대직자", f"{person['name']}의 대직자가 본인입니다. 다른 직원을 적으세요.")
                )
            elif sub not in names:
                problems.append(Problem(file, row, "대직자", f"대직자 {sub!r}는 직원 명단에 없습니다."))
    for number, who in sorted(owner.items()):
        if len(who) > 1:
            problems.append(
                Problem(
                    file,
                    None,
                    "담당통",
                    f"통 {number}이(가) 여러 명에게 배정되었습니다: {', '.join(_who(w) for w in who)}.",
                )
            )
    for number in sorted(existing - set(owner)):
        problems.append(Problem(file, None, "담당통", f"통 {number}을(를) 담당하는 직원이 없습니다.", "warning"))
    return problems


def _who(name: object) -> str:
    """A staff member's name for a message (a row whose 성명 is empty is reported on its own)."""
    return name if isinstance(name, str) and name else "(성명 없음)"
