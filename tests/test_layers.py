"""mapping.layers: what a person sees on the rendered map."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mapping.domain import RESOURCE_TYPES
from mapping.errors import CRSError
from mapping.layers import (
    ZONE_PALETTE,
    build_dong_layer,
    build_map,
    build_resources_layer,
    build_tongs_layer,
    build_zones_layer,
    legend_html,
    map_html,
    neighbour_colours,
)
from mapping.map_controls import credits_html
from mapping.outreach_layers import STALE_LABEL
from mapping.store import open_store
from mapping.style import (
    CONTACT_COLOURS,
    CREDITS_SHORT,
    MARKER_HEX,
    NOTICE_COLOUR,
    RESOURCE_ICONS,
    STATUS_COLOURS,
    STYLE,
)
from tests.conftest import SAMPLE_CODE
from tests.helpers import (
    asset_urls,
    features_with,
    js_string_after,
    overlay_names,
    square,
    tong_frame,
    touching_pairs,
    unescape_js,
    without_crs,
)

BASE = "/local/vendor/"
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


@dataclass
class Data:
    dong: gpd.GeoDataFrame
    tongs: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    resources: gpd.GeoDataFrame


@pytest.fixture(scope="module")
def data(sample_db, tmp_path_factory) -> Data:
    path = tmp_path_factory.mktemp("layers") / "store.sqlite"
    shutil.copy(sample_db, path)
    store = open_store(path)
    try:
        return Data(
            store.dong(SAMPLE_CODE), store.tongs(SAMPLE_CODE), store.zones(SAMPLE_CODE), store.resources(SAMPLE_CODE)
        )
    finally:
        store.close()


def render(layers: list, bounds: gpd.GeoDataFrame, **kwargs) -> str:
    m = build_map(layers, bounds=bounds, **{"tiles": "none", "base_url": BASE} | kwargs)
    return m.get_root().render()


def browser_markers(html: str) -> list[list]:
    """Rows of the browser-made markers: [lat, lon, icon, colour, popup HTML, width, tooltip HTML, title]."""
    found = re.finditer(r"^\s*(\[.*\])\.map\(function \(row\)", html, re.M)
    return [row for match in found for row in json.loads(match.group(1))]


def resources_html(data: Data, resources: gpd.GeoDataFrame) -> str:
    return render([build_resources_layer(resources)], data.dong)


@pytest.fixture(scope="module")
def full_html(data: Data) -> str:
    layers = [
        build_dong_layer(data.dong),
        build_tongs_layer(data.tongs, sample=True),
        build_zones_layer(data.zones),
        build_resources_layer(data.resources),
    ]
    legend = legend_html(list(data.resources["type"]), sample=True)
    return render(layers, data.dong, legend=legend, sample=True, tiles="osm")


def test_layer_names_are_in_the_layer_control(full_html: str) -> None:
    assert overlay_names(full_html) == ["동 경계", "통 (샘플)", "구역", "복지자원"]


def test_one_zone_feature_per_zone(full_html: str, data: Data) -> None:
    features = features_with(full_html, "zone_id")
    assert len(features) == len(data.zones)
    assert sorted(f["zone_id"] for f in features) == sorted(data.zones["zone_id"])
    officer_of = dict(zip(data.zones["zone_id"], data.zones["officer"], strict=True))
    assert all(f["label"] == f"{f['zone_id']} · {officer_of[f['zone_id']]}" for f in features)


def test_one_tong_outline_per_tong(full_html: str, data: Data) -> None:
    labels = [f["label"] for f in features_with(full_html, "label") if "통" in f["label"] and "·" not in f["label"]]
    assert labels == [f"{t}통 (샘플)" for t in data.tongs["tong"]]


def test_every_resource_has_a_popup_with_its_title(full_html: str, data: Data) -> None:
    assert full_html.count(".bindPopup(") == 1  # one maker function, not a script line per resource
    popups = [row[4] for row in browser_markers(full_html)]
    assert len(popups) == len(data.resources)
    named = data.resources["name"].dropna()
    assert len(named) > 0
    for name in named:
        assert any(f"<b>{name}</b>" in p for p in popups), name
    # Resources without a name are called by type and address.
    assert any(re.search(r"<b>병원 \(서울특별시 마포구 성산동 200번지 22호", p) for p in popups)


def test_legend_lists_the_korean_labels_of_types_shown(full_html: str, data: Data) -> None:
    legend = js_string_after(full_html, "div.innerHTML =")
    shown = set(data.resources["type"])
    assert {"약국", "의원", "병원"} <= {RESOURCE_TYPES.label(t) for t in shown}
    for key, label in RESOURCE_TYPES.items:
        assert (label in legend) == (key in shown), label
    assert "구역" in legend and "통 경계" in legend and "내 구역" not in legend


def test_legend_of_an_officer_map_says_own_zone_and_dimmed_others() -> None:
    own = legend_html([], own_zone=True)
    assert "내 구역" in own and "다른 구역 (흐리게)" in own and STYLE["other_zone"]["fillColor"] in own
    walk = legend_html([], own_zone=True, tongs=False, route=True)
    assert "통 경계" not in walk and "출발 (주민센터)" in walk


def test_credits_are_one_short_line_that_opens_to_every_source(full_html: str) -> None:
    credits = js_string_after(full_html, "attributionControl.addAttribution(")
    short = re.search(r'<span class="credits-short">(.*?)</span>', credits).group(1)
    full = re.search(r'<span class="credits-full">(.*?)</span>', credits).group(1)
    assert CREDITS_SHORT in short and len(short) < 50  # one line on a phone
    assert "통계청 SGIS 행정동 경계, 공공누리 제1유형" in full and "LOCALDATA" in full and "Leaflet" in full


def test_credits_escape_what_they_are_given() -> None:
    html = credits_html("<b>전체</b>", "<i>짧게</i>")
    assert "<b>" not in html and "<i>" not in html and "&lt;b&gt;전체" in html


def test_layer_panel_is_collapsed_on_a_narrow_map(full_html: str) -> None:
    control = re.search(r"L\.control\.layers\((.*?)\)\.addTo", full_html, re.S).group(1)
    assert re.search(r'"collapsed": \(window\.innerWidth < 600\)', control)


def test_legend_has_the_contact_book_and_notice_posts_only_when_asked(full_html: str) -> None:
    public = js_string_after(full_html, "div.innerHTML =")
    assert "연락망" not in public and "게시 현황" not in public and STALE_LABEL not in public
    contacts = legend_html([], contacts=True)
    assert "구역 연락망" in contacts and STALE_LABEL in contacts and "게시 현황" not in contacts
    fresh, stale = (MARKER_HEX[CONTACT_COLOURS[k]] for k in ("fresh", "stale"))  # the markers' own colours
    assert f"background:{fresh}" in contacts and f"background:{stale}" in contacts
    # a legend dot must not look like a resource's, a report status's or a blind spot's (black)
    taken = {hex_ for _, _, hex_ in RESOURCE_ICONS.values()} | {MARKER_HEX[c] for c in STATUS_COLOURS.values()}
    taken.add(MARKER_HEX["black"])
    assert not {fresh, stale, MARKER_HEX[NOTICE_COLOUR]} & taken and fresh != stale
    posts = legend_html([], notice_posts=True)
    assert "게시 현황" in posts and "연락망" not in posts
    assert f"background:{MARKER_HEX[NOTICE_COLOUR]}" in posts
    both = legend_html(["library"], contacts=True, notice_posts=True)
    assert both.index("구역 연락망") < both.index("게시 현황") < both.index("도서관")


def test_credits_name_the_data_sources(full_html: str) -> None:
    credits = js_string_after(full_html, "attributionControl.addAttribution(")
    assert "공공누리 제1유형" in credits
    assert "LOCALDATA" in credits
    assert "샘플(가상)" in credits


def test_credits_do_not_say_sample_for_real_data(data: Data) -> None:
    credits = js_string_after(render([build_dong_layer(data.dong)], data.dong), "addAttribution(")
    assert "공공누리 제1유형" in credits and "샘플" not in credits


def test_scripts_and_styles_are_served_locally(full_html: str) -> None:
    urls = asset_urls(full_html)
    assert any(u.endswith("leaflet/leaflet.js") for u in urls)
    assert [u for u in urls if not u.startswith(BASE)] == []
    assert not [u for u in urls if "http" in u]
    scripts = [u.removeprefix(BASE) for u in re.findall(r"<script[^>]*\ssrc=\"([^\"]*)\"", full_html)]
    assert scripts.index("leaflet-imagepath.js") == scripts.index("leaflet/leaflet.js") + 1


def test_touching_zones_get_different_colours(data: Data) -> None:
    metric = data.zones.to_crs("EPSG:5186")
    colours = neighbour_colours(metric)
    pairs = touching_pairs(metric)
    assert len(pairs) >= len(metric) - 1  # the sample's zones do touch
    clashes = [(data.zones["zone_id"][i], data.zones["zone_id"][j]) for i, j in pairs if colours[i] == colours[j]]
    assert clashes == []
    assert max(colours) < len(ZONE_PALETTE)


def test_touching_zones_are_drawn_in_different_colours(full_html: str, data: Data) -> None:
    colour_of = {f["zone_id"]: f["colour"] for f in features_with(full_html, "zone_id")}
    ids = list(data.zones["zone_id"])
    pairs = touching_pairs(data.zones)
    assert [(ids[i], ids[j]) for i, j in pairs if colour_of[ids[i]] == colour_of[ids[j]]] == []


def test_four_squares_meeting_at_a_corner_need_four_colours() -> None:
    grid = tong_frame({1: square(0, 1), 2: square(1, 1), 3: square(0, 0), 4: square(1, 0)})
    assert sorted(neighbour_colours(grid)) == [0, 1, 2, 3]


@pytest.mark.parametrize("payload", XSS)
def test_resource_names_are_escaped(data: Data, payload: str) -> None:
    resources = data.resources.copy()
    resources.loc[resources.index[0], "name"] = payload
    html = resources_html(data, resources)
    escaped = payload.replace("<", "&lt;").replace(">", "&gt;")
    assert escaped in html
    assert payload not in html
    assert payload not in unescape_js(html)


@pytest.mark.parametrize("payload", XSS)
def test_officer_names_are_escaped(data: Data, payload: str) -> None:
    zones = data.zones.copy()
    zones.loc[zones.index[0], "officer"] = payload
    html = render([build_zones_layer(zones)], data.dong)
    assert payload not in html
    assert payload not in unescape_js(html)


BUILDERS = [
    pytest.param(build_dong_layer, "dong", id="dong"),
    pytest.param(build_tongs_layer, "tongs", id="tongs"),
    pytest.param(build_zones_layer, "zones", id="zones"),
    pytest.param(build_resources_layer, "resources", id="resources"),
]


@pytest.mark.parametrize(("builder", "attr"), BUILDERS)
def test_builders_refuse_a_frame_without_crs(data: Data, builder, attr: str) -> None:
    with pytest.raises(CRSError, match=r"좌표계\(CRS\)가 없습니다"):
        builder(without_crs(getattr(data, attr)))


def test_map_refuses_bounds_without_crs(data: Data) -> None:
    with pytest.raises(CRSError, match=r"지도 범위에 좌표계\(CRS\)가 없습니다"):
        build_map([], bounds=without_crs(data.dong))


def test_layers_accept_any_crs(data: Data) -> None:
    html = render([build_zones_layer(data.zones.to_crs("EPSG:5186"))], data.dong.to_crs("EPSG:5179"))
    assert len(features_with(html, "zone_id")) == len(data.zones)
    lon, lat = re.search(r"\"coordinates\": \[\[\[([\d.]+), ([\d.]+)\]", html).groups()
    assert 126.7 < float(lon) < 127.3 and 37.4 < float(lat) < 37.8


@pytest.mark.parametrize("sample", [True, False])
def test_tong_labels_say_sample_only_for_sample_tongs(data: Data, sample: bool) -> None:
    html = render([build_tongs_layer(data.tongs, name="통", sample=sample)], data.dong)
    labels = [f["label"] for f in features_with(html, "label")]
    assert len(labels) == len(data.tongs)
    assert all(("샘플" in label) == sample for label in labels)
    assert labels[0] == ("1통 (샘플)" if sample else "1통")


def test_real_tongs_layer_is_not_named_sample(data: Data) -> None:
    html = render([build_tongs_layer(data.tongs, sample=False)], data.dong)
    assert not [n for n in overlay_names(html) if "샘플" in n]


def test_popup_leaves_out_missing_phone_and_hours(data: Data) -> None:
    no_phone = data.resources[data.resources["phone"].isna()]
    assert len(no_phone) > 0
    html = resources_html(data, no_phone.head(1))
    assert "전화:" not in html
    assert "운영시간:" not in html


def test_highlighted_zone_gets_the_thick_outline(data: Data) -> None:
    from mapping.layers import STYLE

    own = data.zones["zone_id"].iloc[2]
    html = render([build_zones_layer(data.zones, highlight=own)], data.dong)
    plain = render([build_zones_layer(data.zones)], data.dong)
    weight = f'"weight": {STYLE["my_zone"]["weight"]}'
    assert weight not in plain and weight in html
    dimmed = f'"fillColor": "{STYLE["other_zone"]["fillColor"]}"'  # every other zone steps back, grey
    assert dimmed not in plain and dimmed in html


def test_user_text_cannot_break_out_of_folium_js_template_literals(data: Data, sample_store) -> None:
    from mapping.layers import build_reports_layer

    reports = sample_store.reports("1144073000").head(2).copy()
    reports["title"] = ["${window.PWN1=1}", "`+(window.PWN2=1)+`"]
    reports["memo"] = ["back\\slash", "plain"]
    html = render([build_reports_layer(reports)], data.dong)
    assert "${window" not in html and "`+(window" not in html
    decoded = unescape_js(html)
    assert "&#36;&#123;window.PWN1=1&#125;" in decoded and "&#96;+(window.PWN2=1)+&#96;" in decoded


def test_blind_spots_layer_has_one_marker_per_spot_with_the_korean_type(data: Data, sample_store) -> None:
    from mapping.layers import build_blind_spots_layer

    spots = sample_store.blind_spots("1144073000")
    html = render([build_blind_spots_layer(spots)], data.dong)
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda x: chr(int(x.group(1), 16)), html)
    assert len(browser_markers(html)) == len(spots) > 0
    assert "건널목" in decoded and "안전 사각지대" in decoded


def test_households_layer_is_never_built_for_the_public(data: Data, sample_store) -> None:
    from mapping.access import CLI_USER, PUBLIC_USER
    from mapping.errors import PrivacyError
    from mapping.layers import build_households_layer

    households = sample_store.households("1144073000", user=CLI_USER)
    with pytest.raises(PrivacyError, match="개인정보"):
        build_households_layer(households, user=PUBLIC_USER)
    html = render([build_households_layer(households, user=CLI_USER)], data.dong)
    assert len(browser_markers(html)) == len(households) == 24


def test_many_reports_are_clustered_a_few_are_not(data: Data, sample_store) -> None:
    from mapping.layers import CLUSTER_ABOVE, build_reports_layer

    reports = sample_store.reports("1144073000")
    assert "markerClusterGroup" not in render([build_reports_layer(reports)], data.dong)
    many = pd.concat([reports] * (CLUSTER_ABOVE // len(reports) + 1), ignore_index=True)
    assert "markerClusterGroup" in render([build_reports_layer(many)], data.dong)


def test_fast_clustered_reports_keep_user_text_escaped(data: Data, sample_store) -> None:
    from mapping.layers import CLUSTER_ABOVE, build_reports_layer

    reports = sample_store.reports("1144073000")
    many = pd.concat([reports] * (CLUSTER_ABOVE // len(reports) + 1), ignore_index=True)
    many.loc[0, "title"] = "<img src=x onerror=alert(1)>"
    html = render([build_reports_layer(many)], data.dong)
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda x: chr(int(x.group(1), 16)), html)  # the rows are JSON
    assert "<img src=x onerror" not in decoded and "&lt;img src=x onerror=alert(1)&gt;" in decoded
    assert html.count("L.marker(") == 1  # one maker function in the browser, not a script line per report


def test_route_layer_numbers_stops_in_order_and_joins_them(data: Data) -> None:
    import geopandas as gpd
    import shapely

    from mapping.layers import build_route_layer

    stops = gpd.GeoDataFrame(
        {"order": [2, 1, 3], "label": ["경로당", "주민센터", "<b>맨홀</b>"], "reason": ["안부", "출발", "재확인"]},
        geometry=[shapely.Point(126.9010, 37.5670), shapely.Point(126.9000, 37.5660), shapely.Point(126.9020, 37.5680)],
        crs="EPSG:4326",
    )
    html = render([build_route_layer(stops)], data.dong)
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda x: chr(int(x.group(1), 16)), html)
    numbers = re.findall(r'class=\\?"route-stop\\?">(\d+)<', decoded)
    assert numbers == ["1", "2", "3"]
    assert "1. 주민센터 · 출발" in decoded and "&lt;b&gt;맨홀&lt;/b&gt;" in decoded and "<b>맨홀</b>" not in decoded
    line = re.search(r"L\.polyline\(\s*(\[\[.*?\]\])", html, re.S).group(1)
    assert len(json.loads(line)) == 4  # 1 → 2 → 3 → back to 1


def test_route_layer_marks_the_start_and_keeps_stops_at_one_door_apart_and_later_ones_on_top(data: Data) -> None:
    import geopandas as gpd
    import shapely

    from mapping.layers import build_route_layer

    at_door, far = shapely.Point(126.9010, 37.5670), shapely.Point(126.9100, 37.5600)
    stops = gpd.GeoDataFrame(
        {
            "order": [0, 1, 2, 3],
            "label": ["성산2동 주민센터", "보고 #1", "보고 #2", "사각지대 #3"],
            "address": ["서울특별시 마포구 월드컵로 190", None, None, None],
        },
        geometry=[shapely.Point(126.9050, 37.5678), at_door, at_door, far],
        crs="EPSG:4326",
    )
    html = render([build_route_layer(stops)], data.dong)
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda x: chr(int(x.group(1), 16)), html)
    assert re.findall(r'class=\\?"route-start\\?">([^<]+)<', decoded) == ["출발"]
    assert "출발·도착: 성산2동 주민센터 · 서울특별시 마포구 월드컵로 190" in decoded
    line = json.loads(re.search(r"L\.polyline\(\s*(\[\[.*?\]\])", html, re.S).group(1))
    assert line[0] == line[-1] == [37.5678, 126.905]  # the walk leaves from the 주민센터 and comes back to it
    assert [int(z) for z in re.findall(r'"zIndexOffset": (\d+)', html)] == [0, 10_000, 20_000, 30_000]
    offsets = json.loads(re.search(r"var offsets = (\[.*?\]\]\]), first = ", html).group(1))
    assert len(offsets) == 37  # zoom 10 to 19 in the map's quarter steps
    for zoom in offsets:  # the two stops at one door are a marker's width apart at every zoom
        (x1, y1), (x2, y2) = zoom[1], zoom[2]
        assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= 30
    assert offsets[-1][3] == [0, 0] and offsets[-1][0] == [0, 0]  # close in, the far stop and the start stay put


def _unpacked_reports(html: str) -> list[list]:
    """The browser's rows of a clustered report layer, unpacked as its script does."""
    from mapping.marker_layers import _DIGITS, _FAST_STATUSES

    numbers, bases, widths, texts, report_id = json.loads(re.search(r"var packed = (\[.*?\]);\n", html).group(1))
    digit = {c: i for i, c in enumerate(_DIGITS)}
    rows, at, kinds = [], 0, len(_FAST_STATUSES)
    for r in range(len(numbers) // sum(widths)):
        values = []
        for base, width in zip(bases, widths, strict=True):
            x = 0
            for c in numbers[at : at + width]:
                x = x * 64 + digit[c]
            at += width
            values.append(x + base)
        report_id += values[2]
        rows.append(
            [
                values[0] / 1e6,
                values[1] / 1e6,
                report_id,
                *texts[2 * r : 2 * r + 2],
                *divmod(values[3], kinds),
                values[4],
            ]
        )
    return rows


def test_packed_report_rows_give_back_every_report(data: Data, sample_store) -> None:
    import datetime as dt

    from mapping.layers import CLUSTER_ABOVE, build_reports_layer
    from mapping.marker_layers import _FAST_FIELDS, _FAST_STATUSES

    reports = sample_store.reports("1144073000")
    many = pd.concat([reports] * (CLUSTER_ABOVE // len(reports) + 1), ignore_index=True)
    many["id"] = range(len(many), 0, -1)  # any order: the layer sorts by id
    many.loc[3, ["title", "memo", "field"]] = ["제목", "메모 & 내용", None]
    now = dt.datetime(2026, 12, 1, 9)
    rows = _unpacked_reports(render([build_reports_layer(many, now=now)], data.dong))
    assert [row[2] for row in rows] == sorted(many["id"])
    want = many.set_index("id")
    for lat, lon, rid, _headline, _memo, field, status, age in rows:
        report = want.loc[rid]
        assert (lat, lon) == (round(report.geometry.y, 6), round(report.geometry.x, 6))
        assert _FAST_STATUSES[status] == report["status"] and age == (now - report["created_at"]).days
        assert _FAST_FIELDS[field] == ("" if pd.isna(report["field"]) else report["field"])
    row = next(r for r in rows if r[2] == many.loc[3, "id"])
    assert row[3:6] == ["제목", "메모 &amp; 내용", _FAST_FIELDS.index("")]


@pytest.mark.parametrize("many", [False, True], ids=["markers", "clustered"])
def test_report_text_is_never_run_as_a_template(data: Data, sample_store, many: bool) -> None:
    from mapping.layers import CLUSTER_ABOVE, build_reports_layer

    reports = sample_store.reports("1144073000")
    if many:
        reports = pd.concat([reports] * (CLUSTER_ABOVE // len(reports) + 1), ignore_index=True)
    reports.loc[0, ["title", "memo"]] = ["{{ 7*7 }}", "{{ 'PWN' * 3 }}"]
    decoded = unescape_js(render([build_reports_layer(reports)], data.dong))
    assert "&#123;&#123; 7*7 &#125;&#125;" in decoded  # text, not Jinja
    assert "&#123;&#123; &#x27;PWN&#x27; * 3 &#125;&#125;" in decoded
    assert "PWNPWNPWN" not in decoded


def test_template_syntax_in_user_text_is_never_evaluated(data: Data) -> None:
    """folium compiles rendered popups/tooltips as Jinja once more: ``{{ 7*7 }}`` must stay text."""
    zones = data.zones.copy()
    zones.loc[zones.index[0], "officer"] = "{{ 7*7 }}김{% if true %}X{% endif %}"
    resources = data.resources.copy()
    resources.loc[resources.index[0], "name"] = "{{ 6*7 }}약국"
    html = render([build_zones_layer(zones), build_resources_layer(resources)], data.dong)
    assert "49김" not in html and "42약국" not in html
    assert "&#123;&#123; 7*7 &#125;&#125;김" in unescape_js(html)
    assert "&#123;&#123; 6*7 &#125;&#125;약국" in unescape_js(html)


def test_a_map_without_tiles_still_has_a_max_zoom_for_clusters(data: Data) -> None:
    html = render([build_zones_layer(data.zones)], data.dong)
    assert '"maxZoom": 19' in html


def test_a_map_opens_near_the_zoom_that_fits_its_bounds() -> None:
    """Opening at folium's default zoom 10 and jumping to the dong flashed one cluster of every report."""
    from mapping.layers import _zoom_to_fit

    span_at_15 = 0.99 * 700 * 360 / (256 * 2**15)  # lon degrees that (just) fit 700 px at zoom 15
    assert _zoom_to_fit(126.9, 37.56, 126.9 + span_at_15, 37.561) == 15.0
    assert _zoom_to_fit(126.76, 37.41, 127.19, 37.70) == 11.0  # all of Seoul
    dong = gpd.GeoDataFrame(geometry=[shapely.box(126.891, 37.560, 126.918, 37.575)], crs="EPSG:4326")
    html = build_map([], bounds=dong, tiles="none").get_root().render()
    assert re.search(r'"zoom": 15\.0', html)


def test_the_same_map_built_twice_is_the_same_page_so_a_rerun_keeps_it(data: Data) -> None:
    def built(highlight: str) -> str:
        layers = [build_dong_layer(data.dong), build_zones_layer(data.zones, highlight=highlight)]
        return map_html(build_map([*layers, build_resources_layer(data.resources)], bounds=data.dong, tiles="none"))

    first, again = built("Z01"), built("Z01")
    assert first == again  # folium's random element ids numbered in order: the browser keeps the frame as it is
    assert re.search(r"\bmap_0{32}\b", first)  # the map is the first element named
    assert built("Z02") != first  # another zone highlighted: another page, loaded
