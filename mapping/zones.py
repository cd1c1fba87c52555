"""Zones (구역): a few tongs owned by one officer, with a substitute.

The public entry points are :func:`zones_from_tongs` (one dong) and :func:`zones_for_dongs`
(many at once); both run every check of :mod:`mapping.zone_checks` (:func:`validate_tongs`,
:func:`validate_assignments`, re-exported here) before anything is built.
:func:`zone_balance` compares the zones' workloads.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.crs import METRIC_CRS, require_crs
from mapping.errors import Problem, ValidationError
from mapping.zone_checks import (
    MIN_AREA_M2,
    NOISE_M,
    POLYGONAL,
    SLIVER_M,
    _assignment_problems,
    _metric,
    _tong_list,
    _validate,
    _validate_one_dong,
    validate_assignments,
    validate_tongs,
)

__all__ = [
    "BALANCE_FACTOR",
    "BALANCE_MEASURES",
    "MIN_AREA_M2",
    "NOISE_M",
    "POLYGONAL",
    "SLIVER_M",
    "validate_assignments",
    "validate_tongs",
    "zone_balance",
    "zone_id_for",
    "zone_of_tong",
    "zones_for_dongs",
    "zones_from_tongs",
]


def zone_id_for(tongs: Iterable[int]) -> str:
    """Zone id from the zone's lowest tong: tongs 3 and 4 → ``"Z03"``.

    Stable when staff are reordered, added or removed, and when a zone passes
    to a successor; it changes only when the zone's lowest tong does.
    """
    return f"Z{min(int(t) for t in tongs):02d}"


def zone_of_tong(zones: pd.DataFrame) -> dict[int, str]:
    """Tong number → zone id, from zones with ``zone_id`` and ``tongs`` (a list per zone)."""
    return {int(t): str(z) for z, ts in zip(zones["zone_id"], zones["tongs"], strict=True) for t in ts}


def zones_from_tongs(
    tongs: gpd.GeoDataFrame, staff: pd.DataFrame, *, dong: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Build one zone per officer who has tongs.

    Parameters
    ----------
    tongs : GeoDataFrame
        Column ``tong`` and polygons, in any CRS.
    staff : DataFrame
        Columns ``name``, ``team``, ``tongs``, ``substitute`` (and optionally
        ``phone``, ``_row``), in the order zones are numbered.
    dong : GeoDataFrame, optional
        Dong boundary for the overhang and gap checks.

    Returns
    -------
    GeoDataFrame
        In the tongs' CRS: ``zone_id``, ``officer``, ``team``, ``substitute``,
        ``phone``, ``tongs`` (list), ``area_m2`` (EPSG:5186), ``contiguous``.
        Warnings found are in ``.attrs["warnings"]``; staff without tongs in
        ``.attrs["without_tongs"]``.

    Raises
    ------
    ValidationError
        With every problem, if any is an error.
    """
    fixed, problems, suspect, metric = _validate_one_dong(tongs, dong, file="tongs")
    problems += validate_assignments(fixed["tong"], staff)
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems, what="구역 입력")
    people = staff.to_dict("records")
    zones = _assemble_zones(metric, [None] * len(fixed), people, [None] * len(staff), suspect)
    return _finish(zones.drop(columns="dong_code"), tongs.crs, problems)


def _merge(geoms: np.ndarray, members: list[list[int]], suspect: np.ndarray) -> np.ndarray:
    """Each zone's tongs merged: tongs of a valid coverage edge by edge, in one vectorised call per round."""
    out = np.empty(len(members), dtype=object)
    if not members:
        return out
    clean = np.array([not suspect[m].any() for m in members], dtype=bool)
    for k in np.flatnonzero(~clean):
        out[k] = geoms[members[k][0]] if len(members[k]) == 1 else shapely.union_all(geoms[members[k]])
    todo = np.flatnonzero(clean)
    if len(todo):
        table = np.full((len(todo), max(len(members[k]) for k in todo)), None, dtype=object)
        for row, k in enumerate(todo):
            table[row, : len(members[k])] = geoms[members[k]]
        out[todo] = shapely.coverage_union_all(table, axis=1)  # None cells are ignored
    return out


def _finish(zones: gpd.GeoDataFrame, crs: object, problems: list[Problem]) -> gpd.GeoDataFrame:
    """Zones in ``crs`` with the warnings found and the staff without tongs in ``.attrs``."""
    without = zones.attrs.pop("without_tongs")
    out = zones if zones.crs == crs else zones.to_crs(crs)
    for person, numbers in zip(out["officer"][~out["contiguous"]], out["tongs"][~out["contiguous"]], strict=True):
        problems.append(
            Problem(
                "staff",
                None,
                "담당통",
                f"{person}의 구역(통 {', '.join(map(str, numbers))})이 서로 떨어져 있습니다.",
                "warning",
            )
        )
    out.attrs["warnings"] = problems  # set last: pandas deep-copies attrs on every operation
    out.attrs["without_tongs"] = without
    return out


def zones_for_dongs(tongs: gpd.GeoDataFrame, staff: pd.DataFrame, dongs: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Build the zones of many dongs at once (a gu, or all of Seoul), with every check of :func:`zones_from_tongs`.

    Parameters
    ----------
    tongs : GeoDataFrame
        Columns ``dong_code``, ``tong`` and polygons, any CRS.
    staff : DataFrame
        Columns ``dong_code``, ``name``, ``team``, ``tongs``, ``substitute`` (optionally ``phone``, ``_row``).
    dongs : GeoDataFrame
        Columns ``dong_code`` and the dong boundaries (for the overhang and gap checks).

    Returns
    -------
    GeoDataFrame
        As :func:`zones_from_tongs`, with ``dong_code`` first; zone ids are per dong.

    Raises
    ------
    ValidationError
        With every problem of every dong (each labelled ``[dong_code]``), if any is an error.
    """
    require_crs(tongs, name="tongs")
    require_crs(dongs, name="dong")
    codes = sorted(set(tongs["dong_code"].astype(str)) | set(staff["dong_code"].astype(str)))
    index = {c: i for i, c in enumerate(codes)}
    labels = [f"[{c}] " for c in codes]
    boundary_of = dict(zip(dongs["dong_code"].astype(str), _metric(dongs).geometry.values, strict=True))
    unknown = [c for c in codes if c not in boundary_of]
    if unknown:
        raise ValidationError(
            [
                Problem(
                    "dongs", None, "dong_code", f"동 경계가 없는 동 코드: {', '.join(unknown[:10])}. 경계를 넣으세요."
                )
            ],
            what="구역 입력",
        )
    group = tongs["dong_code"].astype(str).map(index).to_numpy()
    fixed, problems, suspect, metric = _validate(
        tongs, group, [boundary_of[c] for c in codes], labels=labels, file="tongs"
    )
    fixed_codes = fixed["dong_code"].astype(str)
    staff_codes = staff["dong_code"].astype(str)
    existing: dict[str, set[int]] = {}
    for code, number in zip(fixed_codes, fixed["tong"], strict=True):
        existing.setdefault(code, set()).add(int(number))
    records = staff.astype(object).to_dict("records")
    people: dict[str, list[dict]] = {}
    for code, person in zip(staff_codes, records, strict=True):
        people.setdefault(code, []).append(person)
    for code in sorted(people):
        for p in _assignment_problems(existing.get(code, set()), people[code], file="staff"):
            problems.append(Problem(p.file, p.row, p.column, f"[{code}] {p.message}", p.severity))
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems, what="구역 입력")
    zones = _assemble_zones(metric, list(fixed_codes), records, list(staff_codes), suspect)
    return _finish(zones, tongs.crs, problems)


def _assemble_zones(
    metric: gpd.GeoDataFrame, tong_dongs: list, people: list[dict], staff_dongs: list, suspect: np.ndarray
) -> gpd.GeoDataFrame:
    """One zone per officer with tongs (``people``: staff records), in :data:`METRIC_CRS`, by dong and zone."""
    position = {(d, int(t)): i for i, (d, t) in enumerate(zip(tong_dongs, metric["tong"], strict=True))}
    geoms = np.asarray(metric.geometry.values, dtype=object)
    rows, member_lists, without = [], [], []
    for code, person in zip(staff_dongs, people, strict=True):
        numbers = sorted(_tong_list(person.get("tongs")))
        if not numbers:
            without.append(person["name"])
            continue
        member_lists.append([position[(code, n)] for n in numbers])
        sub = person.get("substitute")
        rows.append(
            {
                "dong_code": code,
                "zone_id": zone_id_for(numbers),
                "officer": person["name"],
                "team": person.get("team"),
                "substitute": sub if sub and not pd.isna(sub) else None,
                "phone": person.get("phone"),
                "tongs": numbers,
            }
        )
    columns = ["dong_code", "zone_id", "officer", "team", "substitute", "phone", "tongs"]
    zones = pd.DataFrame(rows, columns=columns)
    shape_array = _merge(geoms, member_lists, suspect)
    zones["area_m2"] = np.round(shapely.area(shape_array), 1) if len(shape_array) else []
    zones["contiguous"] = shapely.get_type_id(shape_array) == 3 if len(shape_array) else []
    zones = gpd.GeoDataFrame(zones, geometry=list(shape_array), crs=METRIC_CRS)
    number = zones["zone_id"].str[1:].astype(int)
    order = np.lexsort((number.to_numpy(), zones["dong_code"].astype(str).to_numpy()))
    zones = zones.iloc[order].reset_index(drop=True)
    zones.attrs["without_tongs"] = without
    return zones


BALANCE_MEASURES = {
    "tongs": "통 수",
    "area_km2": "면적(km²)",
    "households": "방문 세대",
    "resources": "복지자원",
    "open_reports": "처리 중 보고",
}
BALANCE_FACTOR = 2.0


def zone_balance(
    zones: pd.DataFrame, *, resources: pd.DataFrame, reports: pd.DataFrame, households: pd.DataFrame
) -> pd.DataFrame:
    """Per zone: tongs, area, households, resources and open reports, with imbalance flags.

    A measure is flagged for a zone when it is over :data:`BALANCE_FACTOR` times
    the median of all zones (and the median is above zero).

    Parameters
    ----------
    zones : DataFrame
        ``zone_id``, ``officer``, ``tongs``, ``area_m2``.
    resources, reports, households : DataFrame
        Each with ``zone_id``; ``reports`` also ``status``.

    Returns
    -------
    DataFrame
        Indexed by ``zone_id``: ``officer``, the measures of
        :data:`BALANCE_MEASURES` and ``flags`` (Korean labels of flagged measures).
    """
    from mapping.domain import OPEN_STATUSES

    ids = list(zones["zone_id"])

    def count(frame: pd.DataFrame) -> list[int]:
        return (
            frame.groupby("zone_id").size().reindex(ids, fill_value=0).astype(int).tolist()
            if len(frame)
            else [0] * len(ids)
        )

    table = pd.DataFrame(
        {
            "officer": list(zones["officer"]),
            "tongs": [len(t) for t in zones["tongs"]],
            "area_km2": (zones["area_m2"].astype(float) / 1e6).round(3).tolist(),
            "households": count(households),
            "resources": count(resources),
            "open_reports": count(reports[reports["status"].isin(OPEN_STATUSES)]) if len(reports) else [0] * len(ids),
        },
        index=pd.Index(ids, name="zone_id"),
    )
    medians = table[list(BALANCE_MEASURES)].median()
    table["flags"] = [
        [
            label
            for key, label in BALANCE_MEASURES.items()
            if medians[key] > 0 and row[key] > BALANCE_FACTOR * medians[key]
        ]
        for _, row in table.iterrows()
    ]
    return table
