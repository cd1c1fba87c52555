"""Zones (구역): a few tongs owned by one officer, with a substitute.

The public entry point is :func:`zones_from_tongs`; the checks it runs are
:func:`validate_tongs` and :func:`validate_assignments`, which collect every
problem before anything is built.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from mapping.crs import METRIC_CRS, require_crs
from mapping.errors import Problem, ValidationError
from mapping.tables import parse_tong_list

MIN_AREA_M2 = 1.0  # overlaps, gaps and overhangs smaller than this are ignored
# ... and so are slivers thinner than this: reprojecting a file (e.g. from EPSG:5174) moves
# vertices by millimetres, which along a long edge adds up to square metres of sliver.
SLIVER_M = 0.05
POLYGONAL = ("Polygon", "MultiPolygon")


def zone_id_for(tongs: Iterable[int]) -> str:
    """Zone id from the zone's lowest tong: tongs 3 and 4 → ``"Z03"``.

    Stable when staff are reordered, added or removed, and when a zone passes
    to a successor; it changes only when the zone's lowest tong does.
    """
    return f"Z{min(int(t) for t in tongs):02d}"


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
    require_crs(tongs, name=file)
    problems: list[Problem] = []
    out = tongs.copy()
    keep = []
    for idx, row in out.iterrows():
        label = f"통 {row['tong']}"
        geom = row.geometry
        if geom is None or geom.is_empty:
            problems.append(Problem(file, None, label, "도형이 비어 있습니다."))
            continue
        if geom.geom_type not in POLYGONAL:
            problems.append(Problem(file, None, label, f"폴리곤이어야 하는데 {geom.geom_type}입니다."))
            continue
        if not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            fixed = shapely.union_all(
                [g for g in shapely.get_parts(shapely.make_valid(geom)) if g.geom_type in POLYGONAL]
            )
            if fixed.is_empty or fixed.area == 0:
                problems.append(Problem(file, None, label, f"유효하지 않은 폴리곤이고 고칠 수 없습니다 ({reason})."))
                continue
            out.loc[idx, "geometry"] = fixed
            problems.append(
                Problem(
                    file, None, label, f"유효하지 않은 폴리곤을 자동으로 고쳤습니다 ({reason}). 확인하세요.", "warning"
                )
            )
        keep.append(idx)
    dupes = out["tong"][out["tong"].duplicated(keep=False)]
    for number in sorted(set(dupes)):
        problems.append(
            Problem(
                file,
                None,
                f"통 {number}",
                f"통 번호 {number}이(가) {int((dupes == number).sum())}번 나옵니다. 하나만 남기세요.",
            )
        )
    out = out.loc[keep]
    metric = out.to_crs(METRIC_CRS)
    problems += _overlap_problems(metric, file=file)
    if dong is not None:
        problems += _coverage_problems(metric, dong, file=file)
    return out, problems


def _overlap_problems(metric: gpd.GeoDataFrame, *, file: str) -> list[Problem]:
    geoms = metric.geometry.values
    left, right = metric.sindex.query(geoms, predicate="intersects")
    problems = []
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        overlap = geoms[i].intersection(geoms[j])
        area = overlap.area
        if _significant(overlap):
            a, b = metric["tong"].iloc[i], metric["tong"].iloc[j]
            problems.append(Problem(file, None, f"통 {a}", f"통 {a}와(과) 통 {b}이(가) {area:,.1f} m² 겹칩니다."))
    return problems


def _coverage_problems(metric: gpd.GeoDataFrame, dong: gpd.GeoDataFrame, *, file: str) -> list[Problem]:
    require_crs(dong, name="dong")
    boundary = shapely.union_all(dong.to_crs(METRIC_CRS).geometry.values)
    union = shapely.union_all(metric.geometry.values)
    problems = []
    for number, geom in zip(metric["tong"], metric.geometry, strict=True):
        for part in _parts(geom.difference(boundary)):
            problems.append(
                Problem(
                    file,
                    None,
                    f"통 {number}",
                    f"동 경계 밖으로 {part.area:,.1f} m² 나가 있습니다 {_where(part, METRIC_CRS)}.",
                )
            )
    for part in _parts(boundary.difference(union)):
        problems.append(
            Problem(
                file,
                None,
                None,
                f"어느 통에도 속하지 않는 빈 곳 {part.area:,.1f} m²가 있습니다 {_where(part, METRIC_CRS)}.",
            )
        )
    return problems


def _tong_list(value: object) -> list[int]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return parse_tong_list(value)
    return [int(v) for v in value]  # type: ignore[union-attr]


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
    existing = set(int(t) for t in tongs)
    problems: list[Problem] = []
    names = list(staff["name"])
    owner: dict[int, list[str]] = {}
    for _, person in staff.iterrows():
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
                Problem(file, None, "담당통", f"통 {number}이(가) 여러 명에게 배정되었습니다: {', '.join(_who(w) for w in who)}.")
            )
    for number in sorted(existing - set(owner)):
        problems.append(Problem(file, None, "담당통", f"통 {number}을(를) 담당하는 직원이 없습니다.", "warning"))
    return problems


def _who(name: object) -> str:
    """A staff member's name for a message (a row whose 성명 is empty is reported on its own)."""
    return name if isinstance(name, str) and name else "(성명 없음)"


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
    fixed, problems = validate_tongs(tongs, dong=dong)
    problems += validate_assignments(fixed["tong"], staff)
    if any(p.severity == "error" for p in problems):
        raise ValidationError(problems, what="구역 입력")
    return _assemble_zones(fixed, staff, problems)


def _assemble_zones(tongs: gpd.GeoDataFrame, staff: pd.DataFrame, warnings: list[Problem]) -> gpd.GeoDataFrame:
    metric = tongs.to_crs(METRIC_CRS).set_index("tong")
    rows, without = [], []
    for _, person in staff.iterrows():
        numbers = sorted(_tong_list(person.get("tongs")))
        if not numbers:
            without.append(person["name"])
            continue
        geom = shapely.union_all(metric.loc[numbers].geometry.values)
        sub = person.get("substitute")
        rows.append(
            {
                "zone_id": zone_id_for(numbers),
                "officer": person["name"],
                "team": person.get("team"),
                "substitute": sub if sub and not pd.isna(sub) else None,
                "phone": person.get("phone"),
                "tongs": numbers,
                "area_m2": round(geom.area, 1),
                "contiguous": geom.geom_type == "Polygon",
                "geometry": geom,
            }
        )
        if geom.geom_type != "Polygon":
            warnings.append(
                Problem(
                    "staff",
                    None,
                    "담당통",
                    f"{person['name']}의 구역(통 {', '.join(map(str, numbers))})이 서로 떨어져 있습니다.",
                    "warning",
                )
            )
    columns = ["zone_id", "officer", "team", "substitute", "phone", "tongs", "area_m2", "contiguous", "geometry"]
    zones = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns), geometry="geometry", crs=METRIC_CRS)
    zones = zones.sort_values("zone_id", key=lambda z: z.str[1:].astype(int)).reset_index(drop=True).to_crs(tongs.crs)
    zones.attrs["warnings"] = warnings
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
