"""Map layers: one builder per layer kind, all with the same signature, and the map around them.

``build_x_layer(gdf, *, name, show=True)`` returns a ``folium.FeatureGroup``
in the layer control; :func:`build_map` puts layers on a map with a Korean
legend, scale, full-screen button and the data credits.  Polygon and line
layers live here, marker layers in :mod:`mapping.marker_layers` (re-exported
here); colours, icons and escaping in :mod:`mapping.style`.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from typing import cast

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Figure
from jinja2 import Template

from mapping.assets import STREAMLIT_BASE, localize_assets
from mapping.crs import to_web
from mapping.density import Classes
from mapping.domain import RESOURCE_TYPES
from mapping.map_controls import MapControls, credits_html, layer_panel_collapsed
from mapping.marker_layers import (  # noqa: F401 - re-exported: every builder is importable from here
    _script_json,
    _ScriptAsIs,
    build_blind_spots_layer,
    build_households_layer,
    build_reports_layer,
    build_resources_layer,
    resource_title,
)
from mapping.outreach_layers import STALE_LABEL
from mapping.sample import SAMPLE_LABEL
from mapping.spread import spread_markers
from mapping.style import (  # noqa: F401 - STYLE tables re-exported for callers and tests
    BLIND_SPOT_ICONS,
    CLUSTER_ABOVE,
    CONTACT_COLOURS,
    CREDITS,
    CREDITS_SHORT,
    FIELD_ICONS,
    LEGEND_CSS,
    MARKER_HEX,
    NOTICE_COLOUR,
    RESOURCE_ICONS,
    STATUS_COLOURS,
    STYLE,
    ZONE_PALETTE,
)
from mapping.text import esc, filled


class _BrowserMadeLabels(_ScriptAsIs):
    """Text labels on the map (tong numbers, officers), made in the browser from ``[lat, lon, text]`` rows.

    One folium Marker per label cost two Jinja compilations per page run; the text is escaped here.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this.rows }}.forEach(function (row) {
            L.marker([row[0], row[1]], {
                icon: L.divIcon({html: '<div class="{{ this.css }}">' + row[2] + "</div>", iconSize: [0, 0], className: "map-label"}),
                interactive: false
            }).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}"""
    )

    def __init__(self, geoms: Iterable[shapely.Geometry], texts: Iterable[object], css: str) -> None:
        super().__init__()
        self._name = "BrowserMadeLabels"
        self.css = css
        points = [g.representative_point() for g in geoms]
        self.rows = _script_json([[round(p.y, 6), round(p.x, 6), esc(t)] for p, t in zip(points, texts, strict=True)])


def neighbour_colours(gdf: gpd.GeoDataFrame) -> list[int]:
    """Colour index per polygon so that touching polygons never share one.

    Greedy colouring in smallest-last order (at most 6 colours on a map).
    """
    geoms = gdf.geometry.values
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    neighbours: dict[int, set[int]] = {i: set() for i in range(len(geoms))}
    for i, j in zip(left, right, strict=True):
        if i != j:
            neighbours[i].add(j)
            neighbours[j].add(i)
    order, remaining = [], {i: set(n) for i, n in neighbours.items()}
    while remaining:
        node = min(remaining, key=lambda k: (len(remaining[k]), k))
        order.append(node)
        for other in remaining.pop(node):
            remaining[other].discard(node)
    colours: dict[int, int] = {}
    for node in reversed(order):
        used = {colours[n] for n in neighbours[node] if n in colours}
        colours[node] = next(c for c in range(len(geoms) + 1) if c not in used)
    return [colours[i] for i in range(len(geoms))]


def build_dong_layer(gdf: gpd.GeoDataFrame, *, name: str = "동 경계", show: bool = True) -> folium.FeatureGroup:
    """The dong boundary as a dashed outline."""
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="동 경계")[["geometry"]]
    folium.GeoJson(
        web.to_json(), style_function=lambda _f: STYLE["dong"], interactive=False, className="dong-boundary"
    ).add_to(group)
    return group


def build_tongs_layer(
    gdf: gpd.GeoDataFrame, *, name: str | None = None, show: bool = True, sample: bool = False
) -> folium.FeatureGroup:
    """Tong outlines with their numbers (labelled 샘플 when they are derived sample tongs)."""
    group = folium.FeatureGroup(name=name or ("통 (샘플)" if sample else "통"), show=show)
    web = to_web(gdf, name="통")
    suffix = f" ({SAMPLE_LABEL})" if sample else ""
    data = web.assign(label=[f"{int(t)}통{suffix}" for t in web["tong"]])[["label", "geometry"]]
    folium.GeoJson(
        data.to_json(),
        style_function=lambda _f: STYLE["tongs"],
        className="tong-polygon",
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(group)
    _BrowserMadeLabels(web.geometry, [f"{int(t)}" for t in web["tong"]], "tong-label").add_to(group)
    return group


def build_zones_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "구역", show: bool = True, highlight: str | None = None
) -> folium.FeatureGroup:
    """Zones in distinct colours (neighbours never share one), labelled with their officer.

    ``highlight`` names a zone id drawn with a thick outline (the viewer's own zone); the others are then dimmed.
    """
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="구역")
    colours = [ZONE_PALETTE[c % len(ZONE_PALETTE)] for c in neighbour_colours(web.to_crs("EPSG:5186"))]
    data = web.assign(
        colour=colours,
        label=[f"{esc(z)} · {esc(o)}" for z, o in zip(web["zone_id"], web["officer"], strict=True)],
        detail=[  # a public view of the zones has no 대직자
            f"팀 {esc(t)} · 통 {esc(', '.join(map(str, ts)))}" + (f" · 대직자 {esc(s)}" if "substitute" in web else "")
            for t, ts, s in zip(web["team"], web["tongs"], web.get("substitute", [None] * len(web)), strict=True)
        ],
    )[["zone_id", "colour", "label", "detail", "geometry"]]
    folium.GeoJson(
        data.to_json(),
        className="zone-polygon",
        style_function=lambda f: (
            STYLE["zones"]
            | {"color": f["properties"]["colour"], "fillColor": f["properties"]["colour"]}
            | _highlighted(f["properties"]["zone_id"], highlight)
        ),
        tooltip=folium.GeoJsonTooltip(fields=["label", "detail"], labels=False),
    ).add_to(group)
    _BrowserMadeLabels(web.geometry, web["officer"], "zone-label").add_to(group)
    return group


def _highlighted(zone_id: str, highlight: str | None) -> dict:
    """The style added to a zone's: the viewer's own zone stands out, the others step back (none: as they are)."""
    if highlight is None:
        return {}
    return STYLE["my_zone"] if zone_id == highlight else STYLE["other_zone"]


def legend_html(
    resource_types: list[str],
    *,
    zones: bool = True,
    sample: bool = False,
    contacts: bool = False,
    notice_posts: bool = False,
    own_zone: bool = False,
    tongs: bool = True,
    route: bool = False,
) -> str:
    """Korean legend: zone colours, one line per resource type shown, and the officer's own layers.

    Parameters
    ----------
    resource_types : list of str
        Resource type keys on the map; only their lines are drawn.
    zones : bool
        Whether zones and tongs are on the map.
    sample : bool
        Whether the tongs are the sample's made-up ones (said in their line).
    contacts : bool
        Whether the 구역 연락망 layer (personal data, officer page only) is on the map: markers in
        ``CONTACT_COLOURS["fresh"]``, ``["stale"]`` when untouched for :data:`mapping.contacts.STALE_DAYS` days.
    notice_posts : bool
        Whether the 게시 현황 layer (officer page only) is on the map: markers in ``NOTICE_COLOUR``.
    own_zone : bool
        Whether the zones layer highlights the viewer's own zone (``build_zones_layer(highlight=…)``): the
        others are dimmed.
    tongs : bool
        Whether the tong outlines are on the map (with ``zones``).
    route : bool
        Whether a walk (:func:`build_route_layer`) is on the map: its start and its stops.

    Returns
    -------
    str
        HTML for :func:`build_map`'s ``legend``.
    """
    rows = []
    if zones:
        if own_zone:
            rows.append('<i class="sq" style="background:#fff;border:2px solid #111"></i>내 구역 (굵은 테두리)')
            rows.append(f'<i class="sq" style="background:{STYLE["other_zone"]["fillColor"]}"></i>다른 구역 (흐리게)')
        else:
            rows.append('<i class="sq" style="background:#1b9e77"></i>구역 (이웃 구역은 다른 색)')
    if zones and tongs:
        rows.append(
            f'<i class="sq" style="border:1px solid #555;background:#fff"></i>통 경계{" (" + SAMPLE_LABEL + ")" if sample else ""}'
        )
    if route:
        rows.append(
            '<i class="sq" style="background:#c92a2a"></i>출발 (주민센터) · <i style="background:#3b5bdb"></i>들를 곳'
        )
    rows += _outreach_rows(contacts=contacts, notice_posts=notice_posts)
    types = [
        f'<i style="background:{RESOURCE_ICONS[key][2]}"></i>{esc(RESOURCE_TYPES.label(key))}'
        for key in RESOURCE_TYPES.keys
        if key in resource_types
    ]
    return "<br>".join(rows) + (f'<div class="types">{"<br>".join(types)}</div>' if types else "")


def _outreach_rows(*, contacts: bool, notice_posts: bool) -> list[str]:
    """Legend lines of the officer page's contact-book and notice-post layers, those asked for."""
    rows = []
    if contacts:
        fresh, stale = (MARKER_HEX[CONTACT_COLOURS[k]] for k in ("fresh", "stale"))
        rows.append(
            f'<i style="background:{fresh}"></i>구역 연락망 · <i style="background:{stale}"></i>{esc(STALE_LABEL)}'
        )
    if notice_posts:
        rows.append(f'<i style="background:{MARKER_HEX[NOTICE_COLOUR]}"></i>게시 현황')
    return rows


def _zoom_to_fit(minx: float, miny: float, maxx: float, maxy: float, *, width: int = 700, height: int = 600) -> float:
    """The web-map zoom (quarter steps) at which these lon/lat bounds fit a map of about ``width``×``height`` px."""
    lon_span = max(maxx - minx, 1e-9)
    mercator = [math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) for lat in (miny, maxy)]
    y_span = max(mercator[1] - mercator[0], 1e-9)  # radians
    fit = min(math.log2(width * 360 / (256 * lon_span)), math.log2(height * 2 * math.pi / (256 * y_span)))
    return max(0.0, min(18.0, math.floor(fit * 4) / 4))


def build_map(
    layers: list[folium.FeatureGroup],
    *,
    bounds: gpd.GeoDataFrame,
    legend: str = "",
    sample: bool = False,
    tiles: str | None = None,
    base_url: str = STREAMLIT_BASE,
) -> folium.Map:
    """Put layers on a map fitted to ``bounds``, with layer control, legend, scale and credits.

    The controls fit the screen the map opens on (:mod:`mapping.map_controls`): on a phone the layer
    panel is collapsed, the legend folded, the map shorter, and one finger scrolls the page.

    Parameters
    ----------
    layers : list of FeatureGroup
        From the ``build_*_layer`` functions, bottom first.
    bounds : GeoDataFrame
        What to fit the view to (usually the dong).
    legend : str
        Legend HTML from :func:`legend_html` (empty: none).
    sample : bool
        Whether the data shown is sample data (said in the credits).
    tiles : str, optional
        ``"osm"`` for OpenStreetMap base tiles from the web, ``"none"`` for no
        base map; default from ``MAPPING_TILES`` (else ``"osm"``).
    base_url : str
        Where the local Leaflet files are served (see :mod:`mapping.assets`).
    """
    tiles = (tiles or os.environ.get("MAPPING_TILES") or "osm").lower()
    web = to_web(bounds, name="지도 범위")
    minx, miny, maxx, maxy = web.total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=_zoom_to_fit(minx, miny, maxx, maxy),  # type: ignore[arg-type]  # folium's hint says int; Leaflet takes the fractional zoom
        tiles=None,
        max_zoom=19,
        maxZoom=19,  # for the map itself: without tiles, a clustered layer needs it (folium gives it only to tiles)
        zoomSnap=_ROUTE_ZOOM_STEP,
        zoomDelta=0.5,
    )
    if tiles == "osm":
        folium.TileLayer("OpenStreetMap", name="기본 지도 (OpenStreetMap)", max_zoom=19, control=False).add_to(m)
    for layer in layers:
        layer.add_to(m)
    cast(Figure, m.get_root()).header.add_child(folium.Element(LEGEND_CSS))
    credits = CREDITS + (f" | 통 경계·인물: {SAMPLE_LABEL}(가상)" if sample else "") + " | 지도: Leaflet"
    short = CREDITS_SHORT + (f" · {SAMPLE_LABEL}" if sample else "")
    m.add_child(MapControls(legend=legend, credits=credits_html(credits, short)))
    folium.plugins.Fullscreen(position="topleft", title="전체 화면", title_cancel="전체 화면 끝내기").add_to(m)
    folium.LayerControl(collapsed=layer_panel_collapsed()).add_to(m)  # type: ignore[arg-type]  # decided in the browser
    # room at the bottom for the scale, the folded legend and the credits line
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(12, 12), padding_bottom_right=(12, 36))
    return localize_assets(m, base_url=base_url)


def build_density_layer(
    gdf: gpd.GeoDataFrame,
    *,
    name: str = "보고 밀도",
    show: bool = True,
    value: str = "count",
    classes: Classes | None = None,
    key: str = "label",
) -> folium.FeatureGroup:
    """Zones or tongs coloured by a count (``classes`` from :func:`mapping.density.classify`).

    ``gdf`` has a ``label`` (what the unit is called) and the ``value`` column; a click on a unit reports its
    ``key`` column (default ``label``) to streamlit-folium as ``last_active_drawing.properties.unit``.
    """
    from mapping.density import classify, simplified_units

    classes = classes or classify(gdf[value])
    web = simplified_units(gdf)  # shared edges stay shared: a city of zones draws small, with no slivers
    colours = list(classes.colours)
    rows = [
        [f"{esc(label)}: {v:g}", colours.index(classes.colour_of(v)), _encoded_polygons(geom), str(unit)]
        for label, v, geom, unit in zip(web["label"], web[value], web.geometry, web[key], strict=True)
        if geom is not None and not geom.is_empty
    ]
    group = folium.FeatureGroup(name=name, show=show)
    _BrowserMadePolygons([colours, rows]).add_to(group)
    return group


def _encoded_polygons(geom: shapely.Geometry) -> list[list[list[int]]]:
    """Polygons → rings → flat ``[x0, y0, dx, dy, …]`` in millionths of a degree (a shared vertex stays shared)."""
    polygons = []
    for part in shapely.get_parts(geom):
        rings = []
        for ring in (part.exterior, *part.interiors):
            xy = np.round(np.asarray(ring.coords)[:-1] * 1e6).astype(np.int64)
            xy[1:] -= xy[:-1].copy()
            rings.append(xy.ravel().tolist())
        polygons.append(rings)
    return polygons


class _BrowserMadePolygons(_ScriptAsIs):
    """Density polygons made in the browser from delta-encoded rings: a city of zones in a third of the bytes.

    Each unit is ``[tooltip HTML (escaped), colour index, polygons, key]``; hovering outlines it; its GeoJSON
    properties carry the key, so a click tells the page which unit was picked.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var data = {{ this.data }};
            var decode = function (ring) {
                var x = 0, y = 0, out = [];
                for (var i = 0; i < ring.length; i += 2) { x += ring[i]; y += ring[i + 1]; out.push([y / 1e6, x / 1e6]); }
                return out;
            };
            data[1].forEach(function (unit) {
                var shape = L.polygon(unit[2].map(function (p) { return p.map(decode); }), {
                    className: "density-polygon", color: "#555", weight: 1, fillColor: data[0][unit[1]], fillOpacity: 0.75
                });
                shape.feature = {type: "Feature", properties: {unit: unit[3]}};  // what a click reports back
                shape.bindTooltip("<div>" + unit[0] + "</div>", {sticky: true});
                shape.on("mouseover", function () { shape.setStyle({weight: 3, color: "#000"}); });
                shape.on("mouseout", function () { shape.setStyle({weight: 1, color: "#555"}); });
                shape.addTo({{ this._parent.get_name() }});
            });
        })();
        {% endmacro %}"""
    )

    def __init__(self, data: list) -> None:  # arrays only: _script_json escapes braces
        super().__init__()
        self._name = "BrowserMadePolygons"
        self.data = _script_json(data)


def density_legend_html(classes: Classes, *, what: str) -> str:
    """Legend of a density map: what is counted, and one swatch per class."""
    rows = [f"<b>{esc(what)}</b>"]
    rows += [
        f'<i class="sq" style="background:{c}"></i>{esc(label)}'
        for c, label in zip(classes.colours, classes.labels, strict=True)
    ]
    return "<br>".join(rows)


def build_heat_layer(gdf: gpd.GeoDataFrame, *, name: str = "보고 히트맵", show: bool = True) -> folium.FeatureGroup:
    """Where report points crowd, as a heat map (positions only: no text reaches the page)."""
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="히트맵")
    points = [[round(g.y, 6), round(g.x, 6)] for g in web.geometry if g is not None and not g.is_empty]
    folium.plugins.HeatMap(points, radius=18, blur=14, min_opacity=0.3).add_to(group)
    return group


def build_route_layer(gdf: gpd.GeoDataFrame, *, name: str = "순회 경로", show: bool = True) -> folium.FeatureGroup:
    """A walk: numbered stops (column ``order``, optional ``label``, ``reason``, ``address``) joined in order.

    A row with ``order`` 0 is the start (the 주민센터): a square 출발 marker, where the walk begins and ends.
    A ``path`` LineString (one row with ``order`` = None) is drawn as the walking path
    when given; otherwise legs are straight lines between the stops.  Later stops are drawn above
    earlier ones, and markers that would cover each other at a zoom level are fanned out there.
    """
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="경로")
    stops = web[web["order"].notna()].sort_values("order")
    paths = web[web["order"].isna() & (web.geom_type == "LineString")]
    line = paths.geometry.iloc[0] if len(paths) else shapely.LineString(list(stops.geometry) + list(stops.geometry[:1]))
    folium.PolyLine(
        [(y, x) for x, y in line.coords], color="#3b5bdb", weight=4, opacity=0.8, class_name="route-line"
    ).add_to(group)
    markers = [_route_marker(row, geom) for row, geom in zip(stops.to_dict("records"), stops.geometry, strict=True)]
    for marker in markers:
        marker.add_to(group)
    if len(markers) > 1:
        _RouteSpread(markers, _route_offsets(list(stops.geometry))).add_to(group)
    return group


_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")  # folium names every element <kind>_<uuid4 hex>


def map_html(m: folium.Map) -> str:
    """The map as one HTML page whose element names do not change from one build to the next.

    folium names each element with a random id; here they are numbered in order of appearance, so the same
    map built again (a page's rerun) is the same text and the browser keeps the map as it is, where it was
    panned and zoomed, instead of loading it again.
    """
    numbers: dict[str, str] = {}
    return _FOLIUM_ID.sub(
        lambda found: numbers.setdefault(found.group(0), f"{len(numbers):032x}"), m.get_root().render()
    )


_ROUTE_MARK_PX = 30  # a stop's circle (24 px and its 2 px ring) or the 출발 square, with a little air
_ROUTE_ZOOM_STEP = 0.25  # the map's zoomSnap: the fan-out is worked out for every zoom the map can stand at
_ROUTE_ZOOMS = np.arange(10, 19 + _ROUTE_ZOOM_STEP / 2, _ROUTE_ZOOM_STEP)  # 10 to 19 (others use the nearest)


def _route_marker(row: dict, geom: shapely.Point) -> folium.Marker:
    """One stop's numbered circle, or the start's 출발 square; later stops lie above earlier ones."""
    number = int(row["order"])
    text = " · ".join(esc(row.get(k)) for k in ("label", "reason", "address") if filled(row.get(k)))
    if number == 0:
        html, css, size, tip = '<div class="route-start">출발</div>', "route-start-icon", (30, 22), f"출발·도착: {text}"
    else:
        html, css, size, tip = (
            f'<div class="route-stop">{number}</div>',
            "route-stop-icon",
            (24, 24),
            f"{number}. {text}",
        )
    icon = folium.DivIcon(html=html, icon_size=size, icon_anchor=(size[0] // 2, size[1] // 2), class_name=css)
    return folium.Marker([geom.y, geom.x], icon=icon, tooltip=tip if text else None, zIndexOffset=10_000 * number)


def _route_offsets(points: list[shapely.Point]) -> list[list[list[int]]]:
    """Per zoom level of :data:`_ROUTE_ZOOMS`, each marker's screen offset ``[dx, dy]`` (pixels, y down)."""
    lon = np.array([p.x for p in points])
    lat = np.radians([p.y for p in points])
    x = (lon + 180) / 360 * 256
    y = (1 - np.log(np.tan(lat) + 1 / np.cos(lat)) / math.pi) / 2 * 256  # Web Mercator pixels at zoom 0
    out = []
    for zoom in _ROUTE_ZOOMS:
        offsets = spread_markers(np.column_stack([x, -y]) * 2**zoom, size=_ROUTE_MARK_PX)
        out.append([[round(dx), round(-dy)] for dx, dy in offsets])
    return out


class _RouteSpread(_ScriptAsIs):
    """Moves each route marker's picture by its offset for the map's zoom (markers keep their true place)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var group = {{ this._parent.get_name() }}, markers = [{{ this.markers }}];
            var offsets = {{ this.offsets }}, first = {{ this.first }}, step = {{ this.step }}, hooked = null;
            var place = function () {
                var map = group._map;
                if (!map) { return; }
                var at = offsets[Math.max(0, Math.min(offsets.length - 1, Math.round((map.getZoom() - first) / step)))];
                markers.forEach(function (marker, i) {
                    var element = marker.getElement();
                    if (element && element.firstChild) {
                        element.firstChild.style.transform = "translate(" + at[i][0] + "px," + at[i][1] + "px)";
                    }
                });
            };
            var hook = function () {
                if (group._map && group._map !== hooked) { hooked = group._map; hooked.on("zoomend", place); }
                place();
            };
            group.on("add", hook);
            hook();
        })();
        {% endmacro %}"""
    )

    def __init__(self, markers: list[folium.Marker], offsets: list[list[list[int]]]) -> None:
        super().__init__()
        self._name = "RouteSpread"
        self.markers = ", ".join(m.get_name() for m in markers)
        self.offsets = _script_json(offsets)
        self.first = float(_ROUTE_ZOOMS[0])
        self.step = _ROUTE_ZOOM_STEP


def build_no_data_layer(gdf: gpd.GeoDataFrame, *, name: str = "자료 없는 곳", show: bool = True) -> folium.FeatureGroup:
    """Units without data as one grey, hatched-looking area (their edges merged: nothing to tell apart there)."""
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name=name)
    merged = gpd.GeoDataFrame(geometry=[shapely.simplify(web.union_all(), 0.0002)], crs=web.crs)
    folium.GeoJson(
        merged.to_json(), style_function=lambda _f: STYLE["no_data"], interactive=False, className="no-data"
    ).add_to(group)
    return group
