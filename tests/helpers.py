"""Reusable builders and invariants for the tests (no fixtures here).

Geometry invariants measure in EPSG:5186 (metres), whatever the CRS of the
frames given, with the same 1 m² tolerance as :mod:`mapping.zones`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import box

from mapping.access import User, account_role_of
from mapping.crs import METRIC_CRS
from mapping.domain import ROLES

TOLERANCE_M2 = 1.0

# ---- building inputs -------------------------------------------------------

# Lower-left corner of hand-drawn fixtures, in EPSG:5186 (in Seoul, near Mapo).
X0, Y0 = 195_000.0, 551_000.0
CELL = 100.0


def square(col: float, row: float, *, size: float = CELL, grow_right: float = 0.0) -> shapely.Polygon:
    """A ``size`` m square at grid cell (col, row) of the fixture grid, in EPSG:5186."""
    x, y = X0 + col * size, Y0 + row * size
    return box(x, y, x + size + grow_right, y + size)


def tong_frame(
    tongs: dict[int, object] | Iterable[tuple[int, object]], *, crs: object = METRIC_CRS
) -> gpd.GeoDataFrame:
    """A tongs frame (``tong``, geometry) from ``{number: geom}`` or ``[(number, geom), ...]``."""
    pairs = list(tongs.items()) if isinstance(tongs, dict) else list(tongs)
    return gpd.GeoDataFrame({"tong": [n for n, _ in pairs]}, geometry=[g for _, g in pairs], crs=crs)


def area_frame(geom: shapely.Geometry, *, crs: object = METRIC_CRS) -> gpd.GeoDataFrame:
    """A one-row frame (e.g. a dong boundary)."""
    return gpd.GeoDataFrame({"adm_nm": ["테스트동"]}, geometry=[geom], crs=crs)


def staff_frame(*people: tuple[str, list[int], str | None]) -> pd.DataFrame:
    """Staff table from ``(name, tongs, substitute)`` triples, in the given order."""
    return pd.DataFrame(
        {
            "name": [p[0] for p in people],
            "team": ["복지팀"] * len(people),
            "tongs": [list(p[1]) for p in people],
            "substitute": [p[2] for p in people],
            "phone": [f"02-0000-{1000 + i}" for i in range(len(people))],
        }
    )


def without_crs(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same rows and shapes with no CRS at all."""
    return gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=list(gdf.geometry), crs=None)


# ---- measuring -------------------------------------------------------------

_TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance in metres between two lon/lat points, measured in EPSG:5186."""
    (ax, bx), (ay, by) = _TO_METRIC.transform([a[0], b[0]], [a[1], b[1]])
    return float(((ax - bx) ** 2 + (ay - by) ** 2) ** 0.5)


def metric_geoms(gdf: gpd.GeoDataFrame) -> list[shapely.Geometry]:
    return list(gdf.to_crs(METRIC_CRS).geometry)


def problem_texts(err: BaseException) -> list[str]:
    """``str`` of every problem carried by a ValidationError."""
    return [str(p) for p in err.problems]  # type: ignore[attr-defined]


# ---- zone invariants -------------------------------------------------------


def assert_each_tong_in_one_zone(zones: gpd.GeoDataFrame, tong_numbers: Iterable[int]) -> None:
    """Every tong number appears in exactly one zone's ``tongs`` list, and no other number does."""
    counts = Counter(int(t) for ts in zones["tongs"] for t in ts)
    wanted = sorted(int(t) for t in tong_numbers)
    assert sorted(counts) == wanted, f"zones hold tongs {sorted(counts)}, expected {wanted}"
    twice = {t: c for t, c in counts.items() if c != 1}
    assert not twice, f"tongs in more than one zone: {twice}"


def assert_zones_are_their_tongs(zones: gpd.GeoDataFrame, tongs: gpd.GeoDataFrame) -> None:
    """Each zone is the union of its tongs, and all zones together the union of assigned tongs."""
    by_number = dict(zip(tongs["tong"].astype(int), metric_geoms(tongs), strict=True))
    zone_geoms = metric_geoms(zones)
    for zone_id, numbers, geom in zip(zones["zone_id"], zones["tongs"], zone_geoms, strict=True):
        expected = shapely.union_all([by_number[int(n)] for n in numbers])
        diff = geom.symmetric_difference(expected).area
        assert diff < TOLERANCE_M2, f"{zone_id} differs from its tongs {list(numbers)} by {diff:.2f} m²"
    assigned = [by_number[int(n)] for ns in zones["tongs"] for n in ns]
    diff = shapely.union_all(zone_geoms).symmetric_difference(shapely.union_all(assigned)).area
    assert diff < TOLERANCE_M2, f"union of zones differs from union of assigned tongs by {diff:.2f} m²"


def assert_no_overlaps(gdf: gpd.GeoDataFrame, *, label: str = "zone_id") -> None:
    """No two polygons share more than 1 m²."""
    geoms = metric_geoms(gdf)
    names = list(gdf[label])
    for (i, a), (j, b) in itertools.combinations(enumerate(geoms), 2):
        shared = a.intersection(b).area
        assert shared < TOLERANCE_M2, f"{names[i]} and {names[j]} overlap by {shared:.2f} m²"


def assert_zone_invariants(zones: gpd.GeoDataFrame, tongs: gpd.GeoDataFrame) -> None:
    """All zone invariants, for zones built from every tong of ``tongs``."""
    assert_each_tong_in_one_zone(zones, tongs["tong"])
    assert_zones_are_their_tongs(zones, tongs)
    assert_no_overlaps(zones)


def assert_covers_exactly(parts: gpd.GeoDataFrame, whole: gpd.GeoDataFrame) -> None:
    """``parts`` tile ``whole``: no gap, overhang or overlap above 1 m²."""
    union = shapely.union_all(metric_geoms(parts))
    boundary = shapely.union_all(metric_geoms(whole))
    diff = union.symmetric_difference(boundary).area
    assert diff < TOLERANCE_M2, f"parts differ from the whole by {diff:.2f} m²"


def touching_pairs(gdf: gpd.GeoDataFrame) -> list[tuple[int, int]]:
    """Index pairs (i < j) of polygons that touch or share area (EPSG:5186)."""
    geoms = metric_geoms(gdf)
    return [(i, j) for (i, a), (j, b) in itertools.combinations(enumerate(geoms), 2) if a.intersects(b)]


# ---- rendered folium HTML ---------------------------------------------------

_JS_STRING = r'"(?:[^"\\]|\\.)*"'


def js_string_after(html: str, prefix: str) -> str:
    """The decoded JavaScript string literal that follows ``prefix`` (e.g. ``"addAttribution("``)."""
    match = re.search(re.escape(prefix) + r"\s*(" + _JS_STRING + ")", html)
    assert match, f"{prefix!r} not found in the map HTML"
    return json.loads(match.group(1))


def overlay_names(html: str) -> list[str]:
    """Names of the overlay layers in the layer control, as the user reads them."""
    match = re.search(r"overlays\s*:\s*\{(.*?)\}", html, re.S)
    assert match, "no layer control in the map HTML"
    return [json.loads(key) for key in re.findall(r"(" + _JS_STRING + r")\s*:", match.group(1))]


def geojson_collections(html: str) -> list[dict]:
    """Every GeoJSON FeatureCollection embedded in the map."""
    return [json.loads(m.group(1)) for m in re.finditer(r"geo_json_\w+_add\((\{.*\})\);\s*$", html, re.M)]


def features_with(html: str, prop: str) -> list[dict]:
    """Properties of every embedded feature that has ``prop``."""
    return [
        f["properties"] for fc in geojson_collections(html) for f in fc["features"] if prop in f.get("properties", {})
    ]


def unescape_js(html: str) -> str:
    r"""The page with JavaScript ``\uXXXX`` escapes decoded (what ends up in the DOM)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)


def asset_urls(html: str) -> list[str]:
    """Every ``<script src>`` and ``<link href>`` of the page."""
    return re.findall(r"<script[^>]*\ssrc=\"([^\"]*)\"", html) + re.findall(r"<link[^>]*\shref=\"([^\"]*)\"", html)


# ---- who acts -----------------------------------------------------------------

SAMPLE_DONG = "1144073000"  # 마포구 성산2동, the shipped sample
_SAMPLE_STAFF = pd.read_csv(
    __import__("pathlib").Path(__file__).resolve().parent.parent / "data" / "sample_kit" / "staff.csv",
    encoding="utf-8-sig",
)
SAMPLE_ROLES = {
    name: account_role_of(ROLES.parse(role), team)
    for name, role, team in zip(_SAMPLE_STAFF["성명"], _SAMPLE_STAFF["역할"], _SAMPLE_STAFF["팀명"], strict=True)
}


def staff_user(name: str, *, code: str = SAMPLE_DONG, role: str | None = None) -> User:
    """The logged-in account of staff member ``name`` of dong ``code`` (role: from the sample staff list).

    Its account is ``acct-<code>-<name>``, as a real account bound to (dong, staff member) would be.
    """
    role = role or SAMPLE_ROLES[name]
    return User(f"acct-{code}-{name}", name, role, staff_name=name, dong_code=code)
