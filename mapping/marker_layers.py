"""Marker layers: welfare resources, field reports, safety blind spots, households.

Every builder has the signature ``build_x_layer(gdf, *, name, show=True)``
(households also need the acting ``user``); styles come from :mod:`mapping.style`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import cast

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, Figure
from folium.template import Template

from mapping import clock
from mapping.access import User, can_read_personal
from mapping.crs import to_web
from mapping.domain import BLIND_SPOT_TYPES, FIELDS, HOUSEHOLD_KINDS, REPORT_STATUSES, RESOURCE_TYPES
from mapping.errors import PrivacyError
from mapping.style import (
    BLIND_SPOT_ICONS,
    CLUSTER_ABOVE,
    FIELD_ICONS,
    RESOURCE_ICONS,
    STATUS_COLOURS,
)
from mapping.text import esc, filled, text_of


def resource_title(row: dict) -> str:
    """What to call a resource: its name, or its type and address when it has none."""
    if filled(row.get("name")):
        return str(row["name"])
    address = row.get("address") if filled(row.get("address")) else "주소 없음"
    return f"{RESOURCE_TYPES.label(row['type'])} ({address})"


class _Text(Element):
    """Text put into the page as it is."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: object) -> str:
        return self.text


class _ScriptAsIs(folium.MacroElement):
    """An element whose rendered script goes into the page as it is.

    folium would compile it once more as a Jinja template: slow for a large layer (its data
    become a string constant of generated Python), and never needed for ours.
    """

    def render(self, **kwargs: object) -> str:
        script = self._template.module.__dict__["script"](self, kwargs)
        cast(Figure, self.get_root()).script.add_child(_Text(script), name=self.get_name())
        for child in self._children.values():
            child.render(**kwargs)
        return ""  # a MacroElement adds itself to the page; its caller ignores what render returns


# Marker layers are made in the browser from one JSON array of rows
# [lat, lon, icon, colour, popup HTML, popup width, tooltip HTML, title] by one maker function:
# a folium Marker (with its icon, popup and tooltip) costs a Jinja template compilation per
# element each time the map is rendered, which made the officer page slow to re-run.  Popup and
# tooltip HTML are built here exactly as for a folium popup (every user string through ``esc``).
_MARKER = """function (row) {
    var icon = L.AwesomeMarkers.icon({icon: row[2], prefix: "fa", markerColor: row[3], iconColor: "white"});
    var marker = row[7] ? L.marker(new L.LatLng(row[0], row[1]), {icon: icon, title: row[7]})
                        : L.marker(new L.LatLng(row[0], row[1]), {icon: icon});
    marker.bindPopup(row[4], {maxWidth: row[5]});
    if (row[6]) { marker.bindTooltip("<div>" + row[6] + "</div>", {sticky: true}); }
    return marker;
}"""


class BrowserMadeMarkers(_ScriptAsIs):
    """Markers the browser makes from rows (see :data:`_MARKER`), added to the parent layer.

    Parameters
    ----------
    rows : list of list
        One row per marker, as :func:`marker` makes them.

    Examples
    --------
    >>> group = folium.FeatureGroup(name="복지자원")
    >>> rows = [marker(shapely.Point(126.9, 37.57), "book", "cadetblue", "<b>도서관</b>", 240)]
    >>> _ = BrowserMadeMarkers(rows).add_to(group)
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            {{ this.rows }}.map({{ this.maker }}).forEach(function (marker) {
                marker.addTo({{ this._parent.get_name() }});
            });
        {% endmacro %}"""
    )

    def __init__(self, rows: list[list]) -> None:
        super().__init__()
        self._name = "BrowserMadeMarkers"
        self.rows = _script_json(rows)
        self.maker = _MARKER


def marker(
    geom: shapely.Point, icon: str, colour: str, popup: str, width: int, *, tooltip: str = "", title: str = ""
) -> list:
    """One row of :class:`BrowserMadeMarkers`.

    Parameters
    ----------
    geom : shapely.Point
        Where, in web coordinates (:data:`mapping.crs.WEB_CRS`: x longitude, y latitude).
    icon : str
        A Font Awesome 6 icon name (``"book"``).
    colour : str
        An awesome-markers colour (``"cadetblue"``; :data:`mapping.style.MARKER_HEX` lists them).
    popup : str
        Popup HTML, every user string already through :func:`mapping.style.esc`.
    width : int
        The popup's greatest width in pixels.
    tooltip : str
        Tooltip HTML, escaped likewise (empty: none).
    title : str
        The marker's plain-text title (empty: none).

    Returns
    -------
    list
        ``[lat, lon, icon, colour, popup, width, tooltip, title]``.
    """
    return [round(geom.y, 7), round(geom.x, 7), icon, colour, popup, width, tooltip, title]


def build_resources_layer(gdf: gpd.GeoDataFrame, *, name: str = "복지자원", show: bool = True) -> folium.FeatureGroup:
    """Welfare resources with an icon per type; popup with name, address, phone, hours."""
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="복지자원")
    markers = []
    for row, geom in zip(web.to_dict("records"), web.geometry, strict=True):
        icon, colour, _ = RESOURCE_ICONS.get(row["type"], RESOURCE_ICONS["other"])
        lines = [f"<b>{esc(resource_title(row))}</b>", esc(RESOURCE_TYPES.label(row["type"]))]
        lines += [
            f"{label}: {esc(row.get(key))}"
            for key, label in (("address", "주소"), ("phone", "전화"), ("hours", "운영시간"))
            if filled(row.get(key))
        ]
        markers.append(marker(geom, icon, colour, "<br>".join(lines), 280, tooltip=esc(resource_title(row))))
    BrowserMadeMarkers(markers).add_to(group)
    return group


def _report_popup(row: dict, *, now: dt.datetime) -> tuple[str, str]:
    """(popup HTML, headline) of a report; every user string escaped."""
    headline = str(row["title"]) if filled(row.get("title")) else text_of(row.get("memo"))[:40]
    age = (now - pd.Timestamp(row["created_at"]).to_pydatetime()).days
    lines = [
        f"<b>#{int(row['id'])} {esc(headline)}</b>",
        f"{esc(FIELDS.label(row.get('field') or ''))} · {esc(REPORT_STATUSES.label(row['status']))} · {age}일 전",
    ]
    if filled(row.get("memo")) and filled(row.get("title")):
        lines.append(esc(row["memo"]))
    uri = row.get("thumb_uri")
    if isinstance(uri, str) and uri.startswith("data:image/jpeg;base64,"):
        lines.append(f'<img src="{uri}" alt="사진" style="max-width:200px;max-height:150px">')
    return "<br>".join(lines), headline


# Markers of a large layer are made in the browser from compact rows, so that 10,000 reports stay
# under 1 MB of HTML.  The numbers of each report (latitude and longitude in millionths of a degree,
# the step from the previous report's id, field × status, age in days) are written, less each
# column's minimum, as fixed-width base-64 digits in one string; the texts (headline and memo, both
# escaped here in Python exactly as for a folium popup) follow as one flat JSON array.  The browser
# unpacks each row to [lat, lon, id, headline, memo, field index, status index, age in days] and
# makes its marker; labels, colours and icons come from the tables in the script.
_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_FAST_MARKER = """function (row) {
    var f = fields[row[5]], st = statuses[row[6]];
    var icon = L.AwesomeMarkers.icon({icon: f[1], prefix: "fa", markerColor: st[1], iconColor: "white"});
    var marker = L.marker(new L.LatLng(row[0], row[1]), {icon: icon, title: "보고 #" + row[2]});
    var text = "<b>#" + row[2] + " " + row[3] + "</b><br>" + f[0] + " · " + st[0] + " · " + row[7] + "일 전";
    marker.bindPopup(row[4] ? text + "<br>" + row[4] : text, {maxWidth: 260});
    return marker;
}"""
_UNPACK = """function (packed) {
    var numbers = packed[0], bases = packed[1], widths = packed[2], texts = packed[3], id = packed[4];
    var digit = {}, rows = [], width = 0, at = 0;
    for (var i = 0; i < %(digits)s.length; i++) { digit[%(digits)s.charAt(i)] = i; }
    for (var c = 0; c < widths.length; c++) { width += widths[c]; }
    for (var r = 0; r * width < numbers.length; r++) {
        var v = [];
        for (c = 0; c < widths.length; c++) {
            var x = 0;
            for (var k = 0; k < widths[c]; k++) { x = x * 64 + digit[numbers.charAt(at++)]; }
            v.push(x + bases[c]);
        }
        id += v[2];
        rows.push([v[0] / 1e6, v[1] / 1e6, id, texts[2 * r], texts[2 * r + 1], Math.floor(v[3] / %(kinds)d), v[3] %% %(kinds)d, v[4]]);
    }
    return rows;
}"""
_FAST_FIELDS = [*FIELDS.keys, ""]
_FAST_STATUSES = list(REPORT_STATUSES.keys)


class _BrowserMadeReports(folium.plugins.MarkerCluster, _ScriptAsIs):
    """A clustered layer whose markers the browser makes from packed rows (one maker function).

    A layer that opens unticked (``show=False``: the officer page's other zones) is unpacked only when it
    is first shown, so it costs the page nothing until then.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var fields = {{ this.fields }}, statuses = {{ this.statuses }};
                var callback = {{ this.maker }};
                var unpack = {{ this.unpack }};
                var cluster = L.markerClusterGroup({{ this.options|tojavascript }});
                var packed = {{ this.packed }};
                var fill = function () {  // a layer shown later (unticked at first) is unpacked when it is shown
                    if (packed !== null) { cluster.addLayers(unpack(packed).map(callback)); packed = null; }
                };
                cluster.addTo({{ this._parent.get_name() }});
                if (cluster._map) { fill(); } else { cluster.once("add", fill); }
                return cluster;
            })();
        {% endmacro %}"""
    )

    def __init__(self, packed: str, **options: object) -> None:
        super().__init__(**options)
        self._name = "BrowserMadeReports"
        self.packed = packed
        self.maker = _FAST_MARKER
        self.unpack = _UNPACK % {"digits": json.dumps(_DIGITS), "kinds": len(_FAST_STATUSES)}
        self.fields = _script_json(
            [[FIELDS.label(k) if k else "", FIELD_ICONS.get(k, "circle-info")] for k in _FAST_FIELDS]
        )
        self.statuses = _script_json(
            [[REPORT_STATUSES.label(k), STATUS_COLOURS.get(k, "gray")] for k in _FAST_STATUSES]
        )


def _script_json(obj: list) -> str:
    """JSON for a page's script with no ``<``, ``{`` or ``}`` left as such in it.

    ``<`` could end the script (``</script>``); braces could start a Jinja expression when folium
    compiles the rendered script as a template.  Only strings hold these characters here (the
    structure is arrays), and a JSON escape reads back as the same character.
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in _SCRIPT_SAFE:  # str.replace: translate() is ten times slower on Korean text
        if char in text:
            text = text.replace(char, escaped)
    return text


_SCRIPT_SAFE = (("<", "\\u003c"), ("{", "\\u007b"), ("}", "\\u007d"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


def _base64_columns(columns: list[np.ndarray]) -> tuple[str, list[int], list[int]]:
    """Integer columns as one string of fixed-width base-64 digits per row; each column's minimum and width."""
    bases, widths, digits = [], [], []
    for column in columns:
        base = int(column.min()) if len(column) else 0
        span = column.astype(np.int64) - base
        width = 1
        while len(span) and 64**width <= int(span.max()):
            width += 1
        bases.append(base)
        widths.append(width)
        digits.append((span[:, None] // (64 ** np.arange(width - 1, -1, -1, dtype=np.int64))) % 64)
    table = np.frombuffer(_DIGITS.encode("ascii"), dtype=np.uint8)
    packed = table[np.hstack(digits).astype(np.intp)] if digits else np.empty(0, np.uint8)
    return packed.tobytes().decode("ascii"), bases, widths


def _packed_reports(web: gpd.GeoDataFrame, *, now: dt.datetime) -> str:
    """The reports of a large layer as the packed rows the browser unpacks (see :data:`_UNPACK`)."""
    web = web.iloc[np.argsort(web["id"].to_numpy(dtype=np.int64), kind="stable")]
    ids = web["id"].to_numpy(dtype=np.int64)
    titles, memos = web["title"].tolist(), web["memo"].tolist()
    texts: list[str] = []
    for title, memo in zip(titles, memos, strict=True):
        titled = filled(title)
        texts.append(esc(title if titled else text_of(memo)[:40]))
        texts.append(esc(memo) if titled and filled(memo) else "")
    field_of = {key: i for i, key in enumerate(_FAST_FIELDS)}
    status_of = {key: i for i, key in enumerate(_FAST_STATUSES)}
    fields = np.array([field_of.get(f, field_of[""]) for f in web["field"].tolist()], dtype=np.int64)
    statuses = np.array([status_of.get(s, 0) for s in web["status"].tolist()], dtype=np.int64)
    ages = (pd.Timestamp(now) - pd.to_datetime(web["created_at"])).dt.days.to_numpy(dtype=np.int64)
    numbers, bases, widths = _base64_columns(
        [
            np.round(web.geometry.y.to_numpy() * 1e6).astype(np.int64),
            np.round(web.geometry.x.to_numpy() * 1e6).astype(np.int64),
            np.diff(ids, prepend=ids[:1]),
            fields * len(_FAST_STATUSES) + statuses,
            ages,
        ]
    )
    first = int(ids[0]) if len(ids) else 0
    return _script_json([numbers, bases, widths, texts, first])


def build_reports_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "보고", show: bool = True, now: dt.datetime | None = None
) -> folium.FeatureGroup:
    """Field reports: colour by status, icon by field; popup with title, field, status, age, thumbnail.

    A ``thumb_uri`` column (``data:image/jpeg;base64,…`` of our own thumbnail)
    adds the photo to the popup; full-size photos never go into the map.  Over
    :data:`CLUSTER_ABOVE` reports the layer is clustered and its markers are
    made in the browser from packed rows (10,000 reports: under 1 MB of HTML).
    """
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="보고")
    now = now or clock.now()
    if len(web) > CLUSTER_ABOVE:
        _BrowserMadeReports(_packed_reports(web, now=now), disableClusteringAtZoom=18).add_to(group)
        return group
    markers = []
    for row, geom in zip(web.to_dict("records"), web.geometry, strict=True):
        popup, headline = _report_popup(row, now=now)
        colour, icon = STATUS_COLOURS.get(row["status"], "gray"), FIELD_ICONS.get(row.get("field"), "circle-info")
        title = f"보고 #{int(row['id'])}"  # a DOM property, never parsed as HTML
        markers.append(marker(geom, icon, colour, popup, 260, tooltip=esc(headline), title=title))
    BrowserMadeMarkers(markers).add_to(group)
    return group


def build_blind_spots_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "안전 사각지대", show: bool = True
) -> folium.FeatureGroup:
    """Safety blind spots with an icon per type; popup with type, memo and date found."""
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="안전 사각지대")
    markers = []
    for row, geom in zip(web.to_dict("records"), web.geometry, strict=True):
        kind = BLIND_SPOT_TYPES.label(row["type"])
        lines = [f"<b>{esc(kind)}</b>", esc(row.get("memo"))]
        if filled(row.get("found_on")):
            lines.append(f"발견 {esc(row['found_on'])}")
        icon = BLIND_SPOT_ICONS.get(row["type"], "circle-exclamation")
        markers.append(marker(geom, icon, "black", "<br>".join(lines), 240, tooltip=esc(kind)))
    BrowserMadeMarkers(markers).add_to(group)
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
    markers = []
    for row, geom in zip(web.to_dict("records"), web.geometry, strict=True):
        kind = HOUSEHOLD_KINDS.label(row["kind"])
        lines = [f"<b>{esc(row.get('name'))}</b> ({esc(kind)})", esc(row.get("address"))]
        if filled(row.get("last_visit")):
            lines.append(f"최근 방문 {esc(row['last_visit'])}")
        care = row["kind"] == "care_needed"
        icon, colour = ("house-user", "pink") if care else ("truck-moving", "lightblue")
        markers.append(marker(geom, icon, colour, "<br>".join(lines), 240))
    BrowserMadeMarkers(markers).add_to(group)
    return group
