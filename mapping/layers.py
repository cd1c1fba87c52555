"""Map layers: one builder per layer kind, all with the same signature.

``build_x_layer(gdf, *, name, show=True)`` returns a ``folium.FeatureGroup``
in the layer control; :func:`build_map` puts layers on a map with a Korean
legend, scale, full-screen button and the data credits.  Colours, icons and
popup fields live in :data:`STYLE` and :data:`RESOURCE_ICONS`.  Every string
that came from a user is HTML-escaped before it reaches the map.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement
from jinja2 import Template

from mapping.access import User, can_read_personal
from mapping.assets import STREAMLIT_BASE, localize_assets
from mapping.crs import to_web
from mapping.domain import BLIND_SPOT_TYPES, FIELDS, HOUSEHOLD_KINDS, REPORT_STATUSES, RESOURCE_TYPES
from mapping.errors import PrivacyError
from mapping.sample import SAMPLE_LABEL

ZONE_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4")
STYLE = {
    "dong": {"color": "#222222", "weight": 3, "fill": False, "dashArray": "6 4"},
    "tongs": {"color": "#555555", "weight": 1, "fillOpacity": 0.0},
    "zones": {"weight": 2, "fillOpacity": 0.35},
    "my_zone": {"weight": 5, "color": "#111111", "fillOpacity": 0.5},
}
# resource type → (Font Awesome 6 icon, awesome-markers colour, legend hex)
RESOURCE_ICONS = {
    "community_centre": ("building-flag", "darkblue", "#0067a3"),
    "hospital": ("hospital", "red", "#d63e2a"),
    "clinic": ("stethoscope", "lightred", "#ff8e7f"),
    "pharmacy": ("prescription-bottle-medical", "orange", "#f69730"),
    "school": ("school", "blue", "#38aadd"),
    "daycare": ("baby", "pink", "#ff91ea"),
    "senior_centre": ("person-cane", "purple", "#d252b9"),
    "welfare_centre": ("hand-holding-heart", "darkpurple", "#5b396b"),
    "library": ("book", "cadetblue", "#436978"),
    "sharing_neighbour": ("handshake", "green", "#72b026"),
    "sharing_shop": ("store", "darkgreen", "#728224"),
    "other": ("circle-info", "gray", "#575757"),
}
# report status → marker colour; field → Font Awesome icon
STATUS_COLOURS = {
    "received": "orange",
    "handed_over": "red",
    "in_progress": "blue",
    "resident_notified": "cadetblue",
    "closed": "green",
    "returned": "purple",
    "duplicate": "gray",
}
FIELD_ICONS = {
    "welfare": "hand-holding-heart",
    "environment": "leaf",
    "safety": "triangle-exclamation",
    "petition": "comments",
    "promotion": "bullhorn",
    "general": "circle-info",
}
CLUSTER_ABOVE = 200  # reports in one layer beyond which markers are clustered
CREDITS = (
    "행정동 경계: 통계청 SGIS 행정동 경계, 공공누리 제1유형; 가공: vuski/admdongkor (CC BY 4.0)"
    " | 의료기관: 행정안전부 LOCALDATA"
)


def _present(value: object) -> bool:
    """Whether a cell holds something to show (not None, NaN or blank)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return False
    return bool(str(value).strip())


# folium puts popup and tooltip HTML inside JavaScript template literals (`…`): besides HTML,
# a backtick would end the literal and ${…} would run code, so those are escaped as entities too.
_JS_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def _esc(value: object) -> str:
    """User text made safe for a folium popup or tooltip (HTML and JS template literal)."""
    return html.escape(str(value), quote=True).translate(_JS_LITERAL) if _present(value) else ""


def _label_marker(point: shapely.Point, text: str, css: str) -> folium.Marker:
    icon = folium.DivIcon(html=f'<div class="{css}">{_esc(text)}</div>', icon_size=(0, 0), class_name="map-label")
    return folium.Marker([point.y, point.x], icon=icon, interactive=False)


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
    for tong, geom in zip(web["tong"], web.geometry, strict=True):
        _label_marker(geom.representative_point(), f"{int(tong)}", "tong-label").add_to(group)
    return group


def build_zones_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "구역", show: bool = True, highlight: str | None = None
) -> folium.FeatureGroup:
    """Zones in distinct colours (neighbours never share one), labelled with their officer.

    ``highlight`` names a zone id drawn with a thick outline (the viewer's own zone).
    """
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="구역")
    colours = [ZONE_PALETTE[c % len(ZONE_PALETTE)] for c in neighbour_colours(web.to_crs("EPSG:5186"))]
    data = web.assign(
        colour=colours,
        label=[f"{_esc(z)} · {_esc(o)}" for z, o in zip(web["zone_id"], web["officer"], strict=True)],
        detail=[
            f"팀 {_esc(t)} · 통 {_esc(', '.join(map(str, ts)))} · 대직자 {_esc(s)}"
            for t, ts, s in zip(web["team"], web["tongs"], web["substitute"], strict=True)
        ],
    )[["zone_id", "colour", "label", "detail", "geometry"]]
    folium.GeoJson(
        data.to_json(),
        className="zone-polygon",
        style_function=lambda f: (
            STYLE["zones"]
            | {"color": f["properties"]["colour"], "fillColor": f["properties"]["colour"]}
            | (STYLE["my_zone"] if f["properties"]["zone_id"] == highlight else {})
        ),
        tooltip=folium.GeoJsonTooltip(fields=["label", "detail"], labels=False),
    ).add_to(group)
    for officer, geom in zip(web["officer"], web.geometry, strict=True):
        _label_marker(geom.representative_point(), officer, "zone-label").add_to(group)
    return group


def resource_title(row: dict) -> str:
    """What to call a resource: its name, or its type and address when it has none."""
    if _present(row.get("name")):
        return str(row["name"])
    address = row.get("address") if _present(row.get("address")) else "주소 없음"
    return f"{RESOURCE_TYPES.label(row['type'])} ({address})"


def build_resources_layer(gdf: gpd.GeoDataFrame, *, name: str = "복지자원", show: bool = True) -> folium.FeatureGroup:
    """Welfare resources with an icon per type; popup with name, address, phone, hours."""
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="복지자원")
    for row, geom in zip(web.to_dict("records"), web.geometry, strict=True):
        icon, colour, _ = RESOURCE_ICONS.get(row["type"], RESOURCE_ICONS["other"])
        lines = [f"<b>{_esc(resource_title(row))}</b>", _esc(RESOURCE_TYPES.label(row["type"]))]
        lines += [
            f"{label}: {_esc(row.get(key))}"
            for key, label in (("address", "주소"), ("phone", "전화"), ("hours", "운영시간"))
            if _present(row.get(key))
        ]
        folium.Marker(
            [geom.y, geom.x],
            icon=folium.Icon(icon=icon, prefix="fa", color=colour),
            popup=folium.Popup("<br>".join(lines), max_width=280),
            tooltip=_esc(resource_title(row)),
        ).add_to(group)
    return group


def _report_popup(row: dict, *, now: dt.datetime) -> tuple[str, str]:
    """(popup HTML, headline) of a report; every user string escaped."""
    headline = row.get("title") if _present(row.get("title")) else str(row.get("memo") or "")[:40]
    age = (now - pd.Timestamp(row["created_at"]).to_pydatetime()).days
    lines = [
        f"<b>#{int(row['id'])} {_esc(headline)}</b>",
        f"{_esc(FIELDS.label(row.get('field') or ''))} · {_esc(REPORT_STATUSES.label(row['status']))} · {age}일 전",
    ]
    if _present(row.get("memo")) and _present(row.get("title")):
        lines.append(_esc(row["memo"]))
    uri = row.get("thumb_uri")
    if isinstance(uri, str) and uri.startswith("data:image/jpeg;base64,"):
        lines.append(f'<img src="{uri}" alt="사진" style="max-width:200px;max-height:150px">')
    return "<br>".join(lines), headline


# Markers of a large layer are made in the browser from compact rows:
# [lat, lon, id, headline, memo, field index, status index, age in days]. Headline and memo were
# escaped in Python and travel as JSON; labels, colours and icons come from the tables below.
_FAST_MARKER = """function (row) {
    var fields = %(fields)s, statuses = %(statuses)s;
    var f = fields[row[5]], st = statuses[row[6]];
    var icon = L.AwesomeMarkers.icon({icon: f[1], prefix: "fa", markerColor: st[1], iconColor: "white"});
    var marker = L.marker(new L.LatLng(row[0], row[1]), {icon: icon, title: "보고 #" + row[2]});
    var text = "<b>#" + row[2] + " " + row[3] + "</b><br>" + f[0] + " · " + st[0] + " · " + row[7] + "일 전";
    marker.bindPopup(row[4] ? text + "<br>" + row[4] : text, {maxWidth: 260});
    return marker;
}"""
_FAST_FIELDS = [*FIELDS.keys, ""]
_FAST_STATUSES = list(REPORT_STATUSES.keys)


def _fast_callback() -> str:
    fields = [[FIELDS.label(k) if k else "", FIELD_ICONS.get(k, "circle-info")] for k in _FAST_FIELDS]
    statuses = [[REPORT_STATUSES.label(k), STATUS_COLOURS.get(k, "gray")] for k in _FAST_STATUSES]
    return _FAST_MARKER % {"fields": json_safe(fields), "statuses": json_safe(statuses)}


def _fast_row(row: dict, geom: shapely.Point, *, now: dt.datetime) -> list:
    headline = row.get("title") if _present(row.get("title")) else str(row.get("memo") or "")[:40]
    memo = _esc(row["memo"]) if _present(row.get("memo")) and _present(row.get("title")) else ""
    field = row.get("field") if row.get("field") in _FAST_FIELDS else ""
    age = (now - pd.Timestamp(row["created_at"]).to_pydatetime()).days
    status = _FAST_STATUSES.index(row["status"]) if row["status"] in _FAST_STATUSES else 0
    return [
        round(geom.y, 6),
        round(geom.x, 6),
        int(row["id"]),
        _esc(headline),
        memo,
        _FAST_FIELDS.index(field),
        status,
        age,
    ]


def build_reports_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "보고", show: bool = True, now: dt.datetime | None = None
) -> folium.FeatureGroup:
    """Field reports: colour by status, icon by field; popup with title, field, status, age, thumbnail.

    A ``thumb_uri`` column (``data:image/jpeg;base64,…`` of our own thumbnail)
    adds the photo to the popup; full-size photos never go into the map.  Over
    :data:`CLUSTER_ABOVE` reports the layer is clustered and its markers are
    made in the browser from compact rows (10,000 reports: under 3 MB of HTML).
    """
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="보고")
    now = now or dt.datetime.now()
    if len(web) > CLUSTER_ABOVE:
        rows = [_fast_row(row, geom, now=now) for row, geom in zip(web.to_dict("records"), web.geometry, strict=True)]
        folium.plugins.FastMarkerCluster(rows, callback=_fast_callback(), disableClusteringAtZoom=18).add_to(group)
        return group
    for row, geom in zip(web.to_dict("records"), web.geometry, strict=True):
        popup, headline = _report_popup(row, now=now)
        colour, icon = STATUS_COLOURS.get(row["status"], "gray"), FIELD_ICONS.get(row.get("field"), "circle-info")
        title = f"보고 #{int(row['id'])}"  # a DOM property, never parsed as HTML
        folium.Marker(
            [geom.y, geom.x],
            icon=folium.Icon(icon=icon, prefix="fa", color=colour),
            popup=folium.Popup(popup, max_width=260),
            tooltip=_esc(headline),
            title=title,
        ).add_to(group)
    return group


class _Legend(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
        (function () {
          var legend = L.control({position: "bottomleft"});
          legend.onAdd = function () {
            var div = L.DomUtil.create("div", "map-legend");
            div.innerHTML = {{ this.html|tojson }};
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
          {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.credits|tojson }});
        })();
        {% endmacro %}"""
    )

    def __init__(self, html_text: str, credits: str) -> None:
        super().__init__()
        self.html, self.credits = html_text, credits


LEGEND_CSS = """<style>
.map-legend{background:rgba(255,255,255,.92);padding:5px 8px;border-radius:6px;font:11px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:260px}
.map-legend .types{column-count:2;column-gap:10px}
.map-legend i{display:inline-block;width:12px;height:12px;margin-right:5px;border-radius:50%;vertical-align:-1px}
.map-legend .sq{border-radius:2px}
.tong-label{font:11px sans-serif;color:#333;transform:translate(-50%,-50%);white-space:nowrap;text-shadow:0 0 2px #fff}
.route-stop{width:24px;height:24px;border-radius:50%;background:#3b5bdb;color:#fff;font:bold 12px/24px sans-serif;text-align:center;box-shadow:0 0 0 2px #fff}
.zone-label{font:bold 12px sans-serif;color:#111;transform:translate(-50%,-150%);white-space:nowrap;
  background:rgba(255,255,255,.75);padding:0 3px;border-radius:3px}
</style>"""


def legend_html(resource_types: list[str], *, zones: bool = True, sample: bool = False) -> str:
    """Korean legend: zone colours and one line per resource type shown."""
    rows = ["<b>범례</b>"]
    if zones:
        rows.append('<i class="sq" style="background:#1b9e77"></i>구역 (이웃 구역은 다른 색)')
        rows.append(
            f'<i class="sq" style="border:1px solid #555;background:#fff"></i>통 경계{" (" + SAMPLE_LABEL + ")" if sample else ""}'
        )
    types = [
        f'<i style="background:{RESOURCE_ICONS[key][2]}"></i>{_esc(RESOURCE_TYPES.label(key))}'
        for key in RESOURCE_TYPES.keys
        if key in resource_types
    ]
    return "<br>".join(rows) + (f'<div class="types">{"<br>".join(types)}</div>' if types else "")


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
        tiles=None,
        max_zoom=19,
        control_scale=True,
        zoomSnap=0.25,
        zoomDelta=0.5,
    )
    if tiles == "osm":
        folium.TileLayer("OpenStreetMap", name="기본 지도 (OpenStreetMap)", max_zoom=19, control=False).add_to(m)
    for layer in layers:
        layer.add_to(m)
    m.get_root().header.add_child(folium.Element(LEGEND_CSS))
    credits = CREDITS + (f" | 통 경계·인물: {SAMPLE_LABEL}(가상)" if sample else "")
    m.add_child(_Legend(legend, credits))
    folium.plugins.Fullscreen(position="topleft", title="전체 화면", title_cancel="전체 화면 끝내기").add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    return localize_assets(m, base_url=base_url)


def json_safe(obj: object) -> str:
    """JSON for embedding in a page's script (``</`` escaped)."""
    return json.dumps(obj, ensure_ascii=False).replace("</", "<\\/")


def build_density_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "보고 밀도", show: bool = True, value: str = "count", classes: object = None
) -> folium.FeatureGroup:
    """Zones or tongs coloured by a count (``classes`` from :func:`mapping.density.classify`).

    ``gdf`` has a ``label`` (what the unit is called) and the ``value`` column.
    """
    from mapping.density import classify

    classes = classes or classify(gdf[value])
    web = to_web(gdf, name="밀도")
    data = web.assign(
        colour=[classes.colour_of(v) for v in web[value]],  # type: ignore[attr-defined]
        tip=[f"{_esc(label)}: {v:g}" for label, v in zip(web["label"], web[value], strict=True)],
        unit=web["label"].astype(str),
    )[["unit", "tip", "colour", "geometry"]]
    folium.GeoJson(
        data.to_json(),
        className="density-polygon",
        style_function=lambda f: {
            "color": "#555",
            "weight": 1,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.75,
        },
        highlight_function=lambda _f: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
    ).add_to(group := folium.FeatureGroup(name=name, show=show))
    return group


def density_legend_html(classes: object, *, what: str) -> str:
    """Legend of a density map: what is counted, and one swatch per class."""
    rows = [f"<b>{_esc(what)}</b>"]
    rows += [
        f'<i class="sq" style="background:{c}"></i>{_esc(label)}'
        for c, label in zip(classes.colours, classes.labels, strict=True)
    ]  # type: ignore[attr-defined]
    return "<br>".join(rows)


# blind-spot type → Font Awesome icon
BLIND_SPOT_ICONS = {
    "road_surface": "road",
    "street_tree": "tree",
    "crosswalk": "person-walking",
    "median": "grip-lines-vertical",
    "signboard": "sign-hanging",
    "school_route": "children",
    "old_building": "house-crack",
    "illegal_dumping": "trash-can",
    "bus_stop": "bus",
    "flood_snow": "cloud-showers-heavy",
    "other": "circle-exclamation",
}


def build_blind_spots_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "안전 사각지대", show: bool = True
) -> folium.FeatureGroup:
    """Safety blind spots with an icon per type; popup with type, memo and date found."""
    group = folium.FeatureGroup(name=name, show=show)
    for row, geom in zip(to_web(gdf, name="안전 사각지대").to_dict("records"), to_web(gdf).geometry, strict=True):
        kind = BLIND_SPOT_TYPES.label(row["type"])
        lines = [f"<b>{_esc(kind)}</b>", _esc(row.get("memo"))]
        if _present(row.get("found_on")):
            lines.append(f"발견 {_esc(row['found_on'])}")
        icon = folium.Icon(icon=BLIND_SPOT_ICONS.get(row["type"], "circle-exclamation"), prefix="fa", color="black")
        folium.Marker(
            [geom.y, geom.x], icon=icon, popup=folium.Popup("<br>".join(lines), max_width=240), tooltip=_esc(kind)
        ).add_to(group)
    return group


def build_households_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "방문 세대 (개인정보)", show: bool = True, user: User
) -> folium.FeatureGroup:
    """Move-in households and care-needed neighbours: personal data, only for a user allowed to see it.

    Raises
    ------
    PrivacyError
        For a user who may not read personal data (the layer is never built for them).
    """
    if not can_read_personal(user):
        raise PrivacyError(f"{user.name}({user.role})에게는 세대 지도를 만들 수 없습니다: 개인정보입니다.")
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="세대")
    for row, geom in zip(web.to_dict("records"), web.geometry, strict=True):
        kind = HOUSEHOLD_KINDS.label(row["kind"])
        lines = [f"<b>{_esc(row.get('name'))}</b> ({_esc(kind)})", _esc(row.get("address"))]
        if _present(row.get("last_visit")):
            lines.append(f"최근 방문 {_esc(row['last_visit'])}")
        colour = "pink" if row["kind"] == "care_needed" else "lightblue"
        icon = folium.Icon(
            icon="house-user" if row["kind"] == "care_needed" else "truck-moving", prefix="fa", color=colour
        )
        folium.Marker([geom.y, geom.x], icon=icon, popup=folium.Popup("<br>".join(lines), max_width=240)).add_to(group)
    return group


def build_heat_layer(gdf: gpd.GeoDataFrame, *, name: str = "보고 히트맵", show: bool = True) -> folium.FeatureGroup:
    """Where report points crowd, as a heat map (positions only: no text reaches the page)."""
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="히트맵")
    points = [[round(g.y, 6), round(g.x, 6)] for g in web.geometry if g is not None and not g.is_empty]
    folium.plugins.HeatMap(points, radius=18, blur=14, min_opacity=0.3).add_to(group)
    return group


def build_route_layer(gdf: gpd.GeoDataFrame, *, name: str = "순회 경로", show: bool = True) -> folium.FeatureGroup:
    """A walk: numbered stops (column ``order``, optional ``label`` and ``reason``) joined in order.

    A ``path`` LineString (one row with ``order`` = None) is drawn as the walking path
    when given; otherwise legs are straight lines between the stops.
    """
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="경로")
    stops = web[web["order"].notna()].sort_values("order")
    paths = web[web["order"].isna() & (web.geom_type == "LineString")]
    line = paths.geometry.iloc[0] if len(paths) else shapely.LineString(list(stops.geometry) + list(stops.geometry[:1]))
    folium.PolyLine(
        [(y, x) for x, y in line.coords], color="#3b5bdb", weight=4, opacity=0.8, class_name="route-line"
    ).add_to(group)
    for row, geom in zip(stops.to_dict("records"), stops.geometry, strict=True):
        number = int(row["order"])
        text = " · ".join(_esc(row.get(k)) for k in ("label", "reason") if _present(row.get(k)))
        icon = folium.DivIcon(
            html=f'<div class="route-stop">{number}</div>',
            icon_size=(24, 24),
            icon_anchor=(12, 12),
            class_name="route-stop-icon",
        )
        folium.Marker([geom.y, geom.x], icon=icon, tooltip=f"{number}. {text}" if text else str(number)).add_to(group)
    return group
