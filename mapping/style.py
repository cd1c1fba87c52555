"""The one style table of the maps: colours, icons and credits (user text is made safe by :mod:`mapping.text`)."""

from __future__ import annotations

ZONE_PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4")
STYLE: dict[str, dict[str, object]] = {
    "dong": {"color": "#222222", "weight": 3, "fill": False, "dashArray": "6 4"},
    "no_data": {"color": "#9e9e9e", "weight": 1, "fillColor": "#d9d9d9", "fillOpacity": 0.5, "dashArray": "3 3"},
    "tongs": {"color": "#555555", "weight": 1, "fillOpacity": 0.0},
    "zones": {"weight": 2, "fillOpacity": 0.35},
    "my_zone": {"weight": 5, "color": "#111111", "fillOpacity": 0.5},
    "other_zone": {
        "weight": 1,
        "color": "#868e96",
        "fillColor": "#adb5bd",
        "opacity": 0.7,
        "fillOpacity": 0.15,
    },  # dimmed
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
CREDITS_SHORT = "출처: 통계청 SGIS · vuski · LOCALDATA"  # the one line a map shows; a tap shows CREDITS


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


# contact kind → Font Awesome 6 icon; colour by whether the contact is stale (untouched STALE_DAYS days)
CONTACT_ICONS = {
    "tong_leader": "user-tie",
    "ban_leader": "user",
    "association": "people-group",
    "apartment_office": "building",
    "residents_rep": "building-user",
    "senior_centre_rep": "person-cane",
    "gas_reader": "fire-flame-simple",
    "yogurt_delivery": "cart-shopping",
    "sharing_neighbour": "handshake",
    "other": "address-book",
}
CONTACT_COLOURS = {"fresh": "lightblue", "stale": "darkred"}  # no resource, report or blind spot uses these
# notice place kind → Font Awesome 6 icon; one colour for all notices
NOTICE_ICONS = {
    "apartment_board": "building",
    "supermarket": "store",
    "hair_salon": "scissors",
    "senior_centre": "person-cane",
    "other": "thumbtack",
}
NOTICE_COLOUR = "lightgreen"  # nor this
# awesome-markers colour → the hex the legend draws it with (the marker images' own colours)
MARKER_HEX = {
    "red": "#d63e2a",
    "darkred": "#a23336",
    "lightred": "#ff8e7f",
    "orange": "#f69730",
    "beige": "#ffcb92",
    "green": "#72b026",
    "darkgreen": "#728224",
    "lightgreen": "#bbf970",
    "blue": "#38aadd",
    "darkblue": "#0067a3",
    "lightblue": "#8adaff",
    "purple": "#d252b9",
    "darkpurple": "#5b396b",
    "pink": "#ff91ea",
    "cadetblue": "#436978",
    "white": "#fbfbfb",
    "gray": "#575757",
    "lightgray": "#a3a3a3",
    "black": "#303030",
}

# a map on a touch screen that a finger tried to move alone: "두 손가락으로 지도를 움직이세요" over it
# (mapping.map_controls; the published site, mapping.publish.public_site, uses the same rule)
TOUCH_HINT_CSS = """.two-finger-hint::after{content:attr(data-hint);position:absolute;inset:0;display:flex;align-items:center;
  justify-content:center;background:rgba(0,0,0,.45);color:#fff;font:bold 17px sans-serif;z-index:1000;pointer-events:none}
"""

LEGEND_CSS = (
    """<style>
html,body{overflow:hidden}
.map-legend{background:rgba(255,255,255,.92);padding:5px 8px;border-radius:6px;font:11px/1.4 sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3);max-width:260px}
.map-legend .types{column-count:2;column-gap:10px}
.map-legend i{display:inline-block;width:12px;height:12px;margin-right:5px;border-radius:50%;vertical-align:-1px}
.map-legend .sq{border-radius:2px}
.tong-label{font:11px sans-serif;color:#333;transform:translate(-50%,-50%);white-space:nowrap;text-shadow:0 0 2px #fff}
.route-stop{width:24px;height:24px;border-radius:50%;background:#3b5bdb;color:#fff;font:bold 12px/24px sans-serif;text-align:center;box-shadow:0 0 0 2px #fff}
.route-start{width:30px;height:22px;border-radius:3px;background:#c92a2a;color:#fff;font:bold 11px/22px sans-serif;text-align:center;box-shadow:0 0 0 2px #fff}
.zone-label{font:bold 12px sans-serif;color:#111;transform:translate(-50%,-150%);white-space:nowrap;
  background:rgba(255,255,255,.75);padding:0 3px;border-radius:3px}
.map-legend summary{font:bold 11px sans-serif;cursor:pointer;color:#1c5fbd;list-style-position:inside}
.map-legend:not([open]){padding:3px 8px}
.map-legend[open] summary{color:#111;margin-bottom:2px}
.leaflet-control-attribution{white-space:nowrap;max-width:calc(100vw - 130px);overflow:hidden;text-overflow:ellipsis;cursor:pointer}
.leaflet-control-attribution .credits-toggle{color:inherit}
.leaflet-control-attribution .credits-full{display:none}
.leaflet-control-attribution.open{white-space:normal;max-width:min(420px,calc(100vw - 20px))}
.leaflet-control-attribution.open .credits-full{display:inline}
.leaflet-control-attribution.open .credits-short{display:none}
"""
    + TOUCH_HINT_CSS
    + "</style>"
)
