"""Where reports pile up: counts per zone or tong for a month, with filters, and map classes.

A report's tong and zone were attached when it was written, so counting a
month is a group-by, not a spatial join.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.crs import WEB_CRS, to_metric
from mapping.text import text_of

UNITS = {"zone": ("zone_id", "구역"), "tong": ("tong", "통")}
EXACT_UP_TO = 2_000  # distinct values classified exactly (above: pooled first; 6,800 values exactly take 0.7 s)
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")  # YlOrRd, light to dark
ZERO_COLOUR = "#eeeeee"  # a pale grey of its own: a unit with nothing counted is never painted like a busy one


SIMPLIFY_M = 4.0  # a map of zones loses nothing visible at this tolerance, and a city's map shrinks tenfold


def simplified_units(gdf: gpd.GeoDataFrame, *, tolerance_m: float = SIMPLIFY_M) -> gpd.GeoDataFrame:
    """Zones or tongs for drawing: simplified together so shared edges stay shared (no gap, no overlap).

    The units are simplified as one coverage (:func:`shapely.coverage_simplify`) in metres, then put in
    EPSG:4326 with coordinates rounded to 6 decimals (~0.1 m): a vertex shared by two units rounds the
    same way in both.
    """
    metric = to_metric(gdf, name="구역")
    geoms = metric.geometry.values
    if len(geoms) > 1:  # zones and tongs are validated as a coverage (no overlap, no gap)
        if not shapely.coverage_is_valid(geoms):
            # units of different dongs (or a file's hairlines) whose shared edges' vertices differ: snapped
            # together first (GEOS CoverageCleaner, a few centimetres), else simplifying opens slivers between them
            geoms = shapely.coverage_clean(geoms)
        # simplified as one coverage: edges that two units share are straightened once, for both
        geoms = shapely.coverage_simplify(geoms, tolerance_m)
    web = gpd.GeoSeries(geoms, index=gdf.index, crs=metric.crs).to_crs(WEB_CRS)
    rounded = shapely.transform(web.values, lambda xy: np.round(xy, 6))
    return gdf.set_geometry(gpd.GeoSeries(rounded, index=gdf.index, crs=WEB_CRS))


def tong_span(tongs: Iterable[int]) -> str:
    """Tong numbers as people write them: ``[1, 2, 3, 7]`` → ``"1–3, 7통"`` (empty: ``"통 없음"``)."""
    numbers = sorted({int(t) for t in tongs})
    if not numbers:
        return "통 없음"
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs) + "통"


def unit_labels(units: pd.DataFrame, *, by: str, zones: pd.DataFrame) -> pd.DataFrame:
    """``units`` with ``unit`` (the key as text, what a click on the map reports) and ``label`` (whose it is).

    A zone is called by its officer and tongs (``"한서윤 · 1, 7통"``), a tong by its number and its zone's
    officer (``"7통 · 한서윤"``): leaders think in officers, not zone codes.  ``zones`` gives the officers
    (columns ``zone_id``, ``officer``, ``tongs``).
    """
    if by not in UNITS:
        raise ValueError(f"by={by!r}: 'zone' 또는 'tong'이어야 합니다.")
    officer = {z: text_of(o) or "담당 없음" for z, o in zip(zones["zone_id"], zones["officer"], strict=True)}
    if by == "zone":
        tongs = dict(zip(zones["zone_id"], zones["tongs"], strict=True))
        labels = [f"{officer.get(z, '담당 없음')} · {tong_span(_listed(tongs.get(z)))}" for z in units["zone_id"]]
        return units.assign(unit=units["zone_id"].astype(str), label=labels)
    zone_of = {int(t): z for z, ts in zip(zones["zone_id"], zones["tongs"], strict=True) for t in _listed(ts)}
    labels = [f"{int(t)}통 · {officer.get(zone_of.get(int(t)), '담당 없음')}" for t in units["tong"]]
    return units.assign(unit=units["tong"].astype(int).astype(str), label=labels)


def _listed(tongs: Iterable[int] | float | None) -> list[int]:
    """A zone's tongs as a list (a zone without tongs may hold None or NaN)."""
    return [int(t) for t in tongs] if tongs is not None and not isinstance(tongs, float) else []


def previous_month(month: str) -> str:
    """``"2026-01"`` → ``"2025-12"``."""
    return (pd.Period(month, freq="M") - 1).strftime("%Y-%m")


def month_span(month: str, until: str | None = None) -> list[str]:
    """The months from ``month`` to ``until`` (inclusive): ``("2026-09", "2026-11")`` → 3 months."""
    start, end = pd.Period(month, freq="M"), pd.Period(until or month, freq="M")
    if end < start:
        raise ValueError(f"기간이 거꾸로입니다: {month} ~ {until}")
    return [p.strftime("%Y-%m") for p in pd.period_range(start, end, freq="M")]


def _filter(
    reports: pd.DataFrame,
    *,
    months: list[str],
    fields: Iterable[str] | None,
    activities: Iterable[str] | None,
    statuses: Iterable[str] | None,
) -> pd.DataFrame:
    keep = pd.to_datetime(reports["created_at"]).dt.strftime("%Y-%m").isin(months)
    for column, wanted in (("field", fields), ("activity", activities), ("status", statuses)):
        if wanted:
            keep &= reports[column].isin(list(wanted))
    return reports[keep]


def count_reports(
    reports: pd.DataFrame,
    units: pd.DataFrame,
    *,
    by: str = "zone",
    month: str,
    until: str | None = None,
    fields: Iterable[str] | None = None,
    activities: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Reports per zone or tong in ``month`` (or ``month``…``until``), with the change against
    the period of the same length just before.

    Parameters
    ----------
    reports : DataFrame
        With ``created_at``, ``zone_id``, ``tong``, ``field``, ``activity``, ``status``.
    units : GeoDataFrame
        The zones (``zone_id``) or tongs (``tong``) with polygons, any CRS.
    by : {"zone", "tong"}
        What to count per.
    month : str
        The (first) month, e.g. ``"2026-10"``.
    until : str, optional
        The last month of a range (inclusive).
    fields, activities, statuses : iterable of str, optional
        Keys to keep (all when not given).

    Returns
    -------
    DataFrame
        One row per unit, most reports first: the unit key, ``count``,
        ``area_km2``, ``per_km2``, ``previous`` (the month before) and ``change``.
    """
    if by not in UNITS:
        raise ValueError(f"by={by!r}: 'zone' 또는 'tong'이어야 합니다.")
    key = UNITS[by][0]
    area = to_metric(units, name="단위").geometry.area.to_numpy() / 1e6
    filters = {"fields": fields, "activities": activities, "statuses": statuses}
    months = month_span(month, until)
    shift = len(months)
    earlier = month_span(*((pd.Period(m, freq="M") - shift).strftime("%Y-%m") for m in (months[0], months[-1])))
    now = _filter(reports, months=months, **filters).groupby(key).size()
    before = _filter(reports, months=earlier, **filters).groupby(key).size()
    ids = units[key].to_numpy()
    table = pd.DataFrame({key: ids, "area_km2": area.round(4)})
    table["count"] = now.reindex(ids, fill_value=0).to_numpy().astype(int)
    table["previous"] = before.reindex(ids, fill_value=0).to_numpy().astype(int)
    table["change"] = table["count"] - table["previous"]
    table["per_km2"] = (table["count"] / table["area_km2"]).round(1)
    return table.sort_values(["count", key], ascending=[False, True], kind="stable").reset_index(drop=True)


def unit_reports(
    reports: pd.DataFrame,
    *,
    by: str = "zone",
    unit: object,
    month: str,
    until: str | None = None,
    fields: Iterable[str] | None = None,
    activities: Iterable[str] | None = None,
    statuses: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The reports :func:`count_reports` counts for one zone (``unit`` its ``zone_id``) or tong (its number).

    Same period and filters as the count, so a clicked zone lists exactly as many reports as the map shows.
    """
    if by not in UNITS:
        raise ValueError(f"by={by!r}: 'zone' 또는 'tong'이어야 합니다.")
    key = UNITS[by][0]
    wanted = str(unit) if by == "zone" else int(str(unit))
    months = month_span(month, until)
    kept = _filter(reports, months=months, fields=fields, activities=activities, statuses=statuses)
    return kept[kept[key] == wanted].sort_values("created_at", kind="stable")


@dataclass(frozen=True)
class Classes:
    """Map classes of a measure: upper bounds, a colour and a Korean label per class."""

    bounds: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]

    def colour_of(self, value: float) -> str:
        """The colour of the class holding ``value``."""
        index = int(np.searchsorted(np.asarray(self.bounds), value, side="left"))
        return self.colours[min(index, len(self.colours) - 1)]


def classify(values: Iterable[float], *, unit: str = "건", k: int = 5) -> Classes:
    """Map classes of ``values``, labelled for the legend: 0 a pale class of its own, the rest Fisher–Jenks.

    When any value is 0 (and none is negative) the first class is exactly 0, in :data:`ZERO_COLOUR`; the
    values above 0 get at most ``k`` classes of their own (:func:`jenks_bounds`, or one class per value
    when there are ``k`` or fewer), from the light to the dark end of :data:`PALETTE`.
    """
    data = np.asarray(list(values), dtype=float)
    zero = bool(len(data)) and data.min() == 0
    rest = data[data > 0] if zero else data
    distinct = np.unique(rest)
    if len(distinct) <= k:  # few values: one class each
        bounds = tuple(float(v) for v in distinct)
    else:
        bounds = jenks_bounds(rest, k=k)
    colours = PALETTE[len(PALETTE) - min(len(bounds), len(PALETTE)) :]
    if zero:
        bounds, colours = (0.0, *bounds), (ZERO_COLOUR, *colours)
    fmt = (lambda v: f"{v:g}") if all(float(b).is_integer() for b in bounds) else (lambda v: f"{v:.1f}")
    labels, low = [], float(data.min()) if len(data) else None
    for bound in bounds:
        labels.append(f"{fmt(bound)}{unit}" if low is None or low == bound else f"{fmt(low)}–{fmt(bound)}{unit}")
        low = _next_above(bound, data)
    return Classes(bounds, tuple(colours), tuple(labels))


def jenks_bounds(values: Iterable[float], *, k: int = 5, most: int = EXACT_UP_TO) -> tuple[float, ...]:
    """Upper bounds of the ``k`` Fisher–Jenks classes of ``values`` (least within-class squared deviation).

    A dynamic programme over the distinct values, each weighted by how often it occurs: exact and
    deterministic up to ``most`` distinct values, so a city's thousands of zones with a few dozen distinct
    counts take milliseconds (mapclassify's exact method is quadratic in the number of values without
    numba, and its sampled one is random).  Above ``most`` distinct values (densities per km²), runs of
    neighbouring values are first pooled into ``most`` groups of equal weight: near-optimal, not exact
    (on 6,800 random densities the bounds moved by under 0.5 %).

    Parameters
    ----------
    values : iterable of float
        The values to classify.
    k : int
        Number of classes (at least 1).
    most : int
        Largest number of distinct values worked on exactly (at least ``k``).

    Returns
    -------
    tuple of float
        ``k`` increasing upper bounds; the last is the largest value.

    Raises
    ------
    ValueError
        If there are fewer than ``k`` distinct values (give each value its own class instead), or ``most < k``.
    """
    distinct, weight = np.unique(np.asarray(list(values), dtype=float), return_counts=True)
    if k < 1 or most < k or len(distinct) < k:
        raise ValueError(
            f"Fisher–Jenks {k}개 구간에는 서로 다른 값이 {k}개 이상 필요합니다 (받은 값: {len(distinct)}개, most={most}). "
            "값이 적으면 값마다 한 구간으로 나누세요."
        )
    uppers = distinct  # the largest value of each group worked on
    if len(distinct) > most:  # pool runs of neighbouring values (by cumulative weight) into one weighted value
        group = np.minimum((np.cumsum(weight) - weight) * most // weight.sum(), most - 1).astype(np.int64)
        starts = np.r_[0, np.flatnonzero(np.diff(group)) + 1]
        if len(starts) >= k:  # a few very heavy values can leave fewer groups than classes: then stay exact
            uppers = np.maximum.reduceat(distinct, starts)
            pooled = np.add.reduceat(weight, starts).astype(float)
            distinct, weight = np.add.reduceat(weight * distinct, starts) / pooled, pooled
    m = len(distinct)
    w = np.r_[0.0, np.cumsum(weight)]
    s1 = np.r_[0.0, np.cumsum(weight * distinct)]
    s2 = np.r_[0.0, np.cumsum(weight * distinct**2)]

    def cost(starts: np.ndarray, end: int) -> np.ndarray:  # squared deviation of distinct[start:end]
        n = w[end] - w[starts]
        return s2[end] - s2[starts] - (s1[end] - s1[starts]) ** 2 / n

    best = np.array([0.0] + [cost(np.array([0]), e)[0] for e in range(1, m + 1)])  # one class: [0, e)
    cut = np.zeros((k, m + 1), dtype=np.int64)
    for c in range(1, k):
        new = np.full(m + 1, np.inf)
        for e in range(c + 1, m + 1):  # classes 0..c over [0, e): the last one is [s, e)
            starts = np.arange(c, e)
            total = best[starts] + cost(starts, e)
            i = int(np.argmin(total))
            new[e], cut[c, e] = total[i], starts[i]
        best = new
    ends, e = [], m
    for c in range(k - 1, 0, -1):
        ends.append(e)
        e = int(cut[c, e])
    ends.append(e)
    return tuple(float(uppers[end - 1]) for end in sorted(ends))


def _next_above(bound: float, data: np.ndarray) -> float | None:
    above = data[data > bound]
    return float(above.min()) if len(above) else None
