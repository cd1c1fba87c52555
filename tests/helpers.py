"""Reusable builders and invariants for the tests (no fixtures here).

Geometry invariants measure in EPSG:5186 (metres), whatever the CRS of the
frames given, with the same 1 m² tolerance as :mod:`mapping.zones`.
"""

from __future__ import annotations

import contextlib
import functools
import io
import itertools
import json
import re
import struct
import tracemalloc
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator

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


def page_maps(at: object) -> list[str]:
    """The HTML of every map of an AppTest page (streamlit-folium's script or a plain frame's page), unescaped."""
    scripts = [json.loads(c.proto.json_args).get("script", "") for c in at.get("component_instance")]  # type: ignore[attr-defined]
    frames = [f.proto.srcdoc for f in at.get("iframe")]  # type: ignore[attr-defined]
    return [unescape_js(html) for html in scripts + frames]


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


# ---- hostile files ------------------------------------------------------------
# Built small in memory: the refusals under test must come before any of them is unpacked or parsed.

MB = 1024 * 1024


@contextlib.contextmanager
def peak_memory_mb() -> Iterator[list[float]]:
    """Measure the peak of Python allocations (numpy's too) inside the block: ``with peak_memory_mb() as peak:``.

    After the block, ``peak[0]`` is the peak in MB.  Import what the block needs before it: first
    imports count.
    """
    peak: list[float] = []
    tracemalloc.start()
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1] / MB)
        tracemalloc.stop()


def deflated(data: bytes) -> tuple[bytes, int, int]:
    """``(raw deflate stream, size, crc32)`` of ``data``, a member for :func:`zip_bytes`."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush(), len(data), zlib.crc32(data)


@functools.cache
def deflated_repeat(head: bytes, block: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """``head + block * times + tail`` deflated without ever holding it: a real zip bomb in a few KB per GB.

    Each part is compressed once, ending in a full flush (no reference to what came before), so the
    block's compressed bytes can be repeated; the CRC is computed over the whole unpacked stream.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    middle = packer.compress(block) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return first + middle * times + last, len(head) + len(block) * times + len(tail), zlib.crc32(tail, crc)


def zip_bytes(members: dict[str, tuple[bytes, int, int]]) -> bytes:
    """A ZIP archive written by hand from already deflated members ``{name: (stream, size, crc32)}``."""
    out, directory = io.BytesIO(), []
    for name, (stream, size, crc) in members.items():
        encoded, offset = name.encode(), out.tell()
        out.write(
            struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21, crc, len(stream), size, len(encoded), 0)
        )
        out.write(encoded + stream)
        entry = struct.pack(
            "<4s6H3L5HL", b"PK\x01\x02", 20, 20, 0x800, 8, 0, 0x21, crc, len(stream), size, len(encoded), 0, 0, 0, 0, 0
        )
        directory.append(entry + struct.pack("<L", offset) + encoded)
    start = out.tell()
    central = b"".join(directory)
    out.write(central)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), start, 0))
    return out.getvalue()


XLSX_PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/></Relationships>',
    "xl/workbook.xml": '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/></Relationships>',
}
SHEET_HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>'
SHEET_TAIL = "</sheetData></worksheet>"


def sheet_xml(rows: dict[int, dict[str, object]], *, dimension: str | None) -> str:
    """A worksheet's XML: ``{row number: {cell ref: value}}`` (text as inline strings), with ``<dimension ref>``."""
    cells = []
    for number, row in rows.items():
        items = "".join(
            f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
            if isinstance(value, str)
            else f'<c r="{ref}"><v>{value}</v></c>'
            for ref, value in row.items()
        )
        cells.append(f'<row r="{number}">{items}</row>')
    head = SHEET_HEAD.format(dimension=f'<dimension ref="{dimension}"/>' if dimension else "")
    return head + "".join(cells) + SHEET_TAIL


def xlsx_bytes(sheet: str | tuple[bytes, int, int]) -> bytes:
    """A minimal workbook whose only sheet is ``sheet`` (XML text, or an already deflated member)."""
    parts = {name: deflated(text.encode()) for name, text in XLSX_PARTS.items()}
    parts["xl/worksheets/sheet1.xml"] = deflated(sheet.encode()) if isinstance(sheet, str) else sheet
    return zip_bytes(parts)
