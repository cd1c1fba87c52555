"""Marker layers: welfare resources, field reports, safety blind spots, households.

Every builder has the signature ``build_x_layer(gdf, *, name, show=True)``
(households also need the acting ``user``); styles come from :mod:`mapping.style`.
"""

from __future__ import annotations

import datetime as dt

import folium
import folium.plugins
import geopandas as gpd
import pandas as pd
import shapely

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
    esc,
    json_safe,
    present,
)


def resource_title(row: dict) -> str:
    """What to call a resource: its name, or its type and address when it has none."""
    if present(row.get("name")):
        return str(row["name"])
    address = row.get("address") if present(row.get("address")) else "주소 없음"
    return f"{RESOURCE_TYPES.label(row['type'])} ({address})"


def build_resources_layer(gdf: gpd.GeoDataFrame, *, name: str = "복지자원", show: bool = True) -> folium.FeatureGroup:
    """Welfare resources with an icon per type; popup with name, address, phone, hours."""
    group = folium.FeatureGroup(name=name, show=show)
    web = to_web(gdf, name="복지자원")
    for row, geom in zip(web.to_dict("records"), web.geometry, strict=True):
        icon, colour, _ = RESOURCE_ICONS.get(row["type"], RESOURCE_ICONS["other"])
        lines = [f"<b>{esc(resource_title(row))}</b>", esc(RESOURCE_TYPES.label(row["type"]))]
        lines += [
            f"{label}: {esc(row.get(key))}"
            for key, label in (("address", "주소"), ("phone", "전화"), ("hours", "운영시간"))
            if present(row.get(key))
        ]
        folium.Marker(
            [geom.y, geom.x],
            icon=folium.Icon(icon=icon, prefix="fa", color=colour),
            popup=folium.Popup("<br>".join(lines), max_width=280),
            tooltip=esc(resource_title(row)),
        ).add_to(group)
    return group


def _report_popup(row: dict, *, now: dt.datetime) -> tuple[str, str]:
    """(popup HTML, headline) of a report; every user string escaped."""
    headline = row.get("title") if present(row.get("title")) else str(row.get("memo") or "")[:40]
    age = (now - pd.Timestamp(row["created_at"]).to_pydatetime()).days
    lines = [
        f"<b>#{int(row['id'])} {esc(headline)}</b>",
        f"{esc(FIELDS.label(row.get('field') or ''))} · {esc(REPORT_STATUSES.label(row['status']))} · {age}일 전",
    ]
    if present(row.get("memo")) and present(row.get("title")):
        lines.append(esc(row["memo"]))
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
    headline = row.get("title") if present(row.get("title")) else str(row.get("memo") or "")[:40]
    memo = esc(row["memo"]) if present(row.get("memo")) and present(row.get("title")) else ""
    field = row.get("field") if row.get("field") in _FAST_FIELDS else ""
    age = (now - pd.Timestamp(row["created_at"]).to_pydatetime()).days
    status = _FAST_STATUSES.index(row["status"]) if row["status"] in _FAST_STATUSES else 0
    return [
        round(geom.y, 6),
        round(geom.x, 6),
        int(row["id"]),
        esc(headline),
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
            tooltip=esc(headline),
            title=title,
        ).add_to(group)
    return group


def build_blind_spots_layer(
    gdf: gpd.GeoDataFrame, *, name: str = "안전 사각지대", show: bool = True
) -> folium.FeatureGroup:
    """Safety blind spots with an icon per type; popup with type, memo and date found."""
    group = folium.FeatureGroup(name=name, show=show)
    for row, geom in zip(to_web(gdf, name="안전 사각지대").to_dict("records"), to_web(gdf).geometry, strict=True):
        kind = BLIND_SPOT_TYPES.label(row["type"])
        lines = [f"<b>{esc(kind)}</b>", esc(row.get("memo"))]
        if present(row.get("found_on")):
            lines.append(f"발견 {esc(row['found_on'])}")
        icon = folium.Icon(icon=BLIND_SPOT_ICONS.get(row["type"], "circle-exclamation"), prefix="fa", color="black")
        folium.Marker(
            [geom.y, geom.x], icon=icon, popup=folium.Popup("<br>".join(lines), max_width=240), tooltip=esc(kind)
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
        lines = [f"<b>{esc(row.get('name'))}</b> ({esc(kind)})", esc(row.get("address"))]
        if present(row.get("last_visit")):
            lines.append(f"최근 방문 {esc(row['last_visit'])}")
        colour = "pink" if row["kind"] == "care_needed" else "lightblue"
        icon = folium.Icon(
            icon="house-user" if row["kind"] == "care_needed" else "truck-moving", prefix="fa", color=colour
        )
        folium.Marker([geom.y, geom.x], icon=icon, popup=folium.Popup("<br>".join(lines), max_width=240)).add_to(group)
    return group
