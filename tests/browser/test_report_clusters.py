"""A large report layer in a real browser: the clustered markers the browser unpacks, offline.

Above :data:`mapping.style.CLUSTER_ABOVE` reports the layer's markers and popups are made in
the browser from a packed base-64 string and a JSON array of texts.  Here 450 reports with
hostile titles and memos are put on a map saved beside its local assets and opened from
``file://``: every unpacked marker must carry its own report's position, number and text, the
clusters must add up to every report, and a popup must show the hostile text as text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect

from mapping.domain import FIELDS, REPORT_STATUSES
from mapping.layers import CLUSTER_ABOVE, build_map, build_reports_layer
from tests.conftest import ROOT, SAMPLE_KIT

COUNT = 450
NOW = dt.datetime(2026, 12, 1, 9, 30)
HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "{{ 7*7 }}",
    "</script><script>alert(3)</script>",
    "\"'; alert(4); //",
    "${alert(2)}` \\",
    "&lt;b&gt;굵게&lt;/b&gt;",  # an entity as typed: must show as typed, not as <b>
    "줄\u2028바꿈\u2029끝",  # line and paragraph separators (once fatal inside a JS string)
]

# Every report's marker as the browser made it: title, position, popup lines (the text between
# <br>s) and the tags of the popup HTML, parsed inertly (DOMParser runs no script, loads no image).
_UNPACKED = """() => {
    const cluster = window[Object.keys(window).find((k) => k.startsWith("browser_made_reports_"))];
    return cluster.getLayers().map((marker) => {
        const body = new DOMParser().parseFromString(marker.getPopup().getContent(), "text/html").body;
        const lines = [""], tags = [...body.querySelectorAll("*")].map((e) => e.tagName);
        body.childNodes.forEach((n) => { if (n.nodeName === "BR") lines.push(""); else lines[lines.length - 1] += n.textContent; });
        const at = marker.getLatLng();
        return [marker.options.title, at.lat, at.lng, lines, tags];
    });
}"""
# Whether the map has stopped moving: no zoom or cluster animation under way.
_SETTLED = """() => !document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim")"""
_SHOW = """(title) => new Promise((done) => {
    const cluster = window[Object.keys(window).find((k) => k.startsWith("browser_made_reports_"))];
    const marker = cluster.getLayers().find((m) => m.options.title === title);
    cluster.zoomToShowLayer(marker, () => done(true));
})"""


def _reports() -> gpd.GeoDataFrame:
    """450 reports inside the sample dong: scattered ids, every field and status, distinct hostile texts."""
    rng = np.random.default_rng(20261201)
    minx, miny, maxx, maxy = gpd.read_file(SAMPLE_KIT / "tongs.geojson").to_crs("EPSG:4326").total_bounds
    ids = rng.choice(np.arange(1, 20_000), size=COUNT, replace=False)  # any gaps, any order: the layer sorts
    titles = [f"{i}번 보고 — 가로등이 꺼졌어요 {HOSTILE[i % len(HOSTILE)]}" for i in range(COUNT)]
    memos = [f'메모 {i}: 주민 "김민수" 님 요청 {HOSTILE[(i + 3) % len(HOSTILE)]}' for i in range(COUNT)]
    return gpd.GeoDataFrame(
        {
            "id": ids,
            "title": titles,
            "memo": memos,
            "field": rng.choice([*FIELDS.keys, None], size=COUNT),
            "status": rng.choice(list(REPORT_STATUSES.keys), size=COUNT),
            "created_at": [NOW - dt.timedelta(hours=int(h)) for h in rng.integers(0, 24 * 400, size=COUNT)],
        },
        geometry=gpd.points_from_xy(
            rng.uniform(minx + 0.1 * (maxx - minx), maxx - 0.1 * (maxx - minx), COUNT),
            rng.uniform(miny + 0.1 * (maxy - miny), maxy - 0.1 * (maxy - miny), COUNT),
        ),
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def clustered(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, gpd.GeoDataFrame]:
    """The map saved as ``map.html`` beside ``vendor/`` (the app's local assets), and its reports."""
    vendor = ROOT / "static" / "vendor"
    if not (vendor / "markercluster" / "leaflet.markercluster.js").exists():
        pytest.fail("static/vendor is missing: run `make assets` (make test does it).")
    reports = _reports()
    assert len(reports) > CLUSTER_ABOVE
    folder = tmp_path_factory.mktemp("clusters")
    (folder / "vendor").symlink_to(vendor, target_is_directory=True)
    bounds = gpd.read_file(SAMPLE_KIT / "tongs.geojson")
    m = build_map([build_reports_layer(reports, now=NOW)], bounds=bounds, tiles="none", base_url="vendor/")
    m.save(str(folder / "map.html"))
    return folder / "map.html", reports


def _expected_lines(report: pd.Series) -> list[str]:
    field = "" if pd.isna(report["field"]) else FIELDS.label(report["field"])
    age = (NOW - report["created_at"]).days
    return [
        f"#{report['id']} {report['title']}",
        f"{field} · {REPORT_STATUSES.label(report['status'])} · {age}일 전",
        report["memo"],
    ]


def _open(page, path: Path) -> tuple[list[str], list[str]]:
    """Go to the map, listening for script errors and dialogs; return both lists (filled as they come)."""
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.locator(".leaflet-marker-pane .marker-cluster").first.wait_for(timeout=10_000)
    return errors, dialogs


def test_every_unpacked_marker_is_its_own_report_with_its_text_as_text(page, clustered):
    path, reports = clustered
    errors, dialogs = _open(page, path)
    made = page.evaluate(_UNPACKED)
    assert len(made) == COUNT
    want = reports.set_index("id", drop=False)
    assert sorted(int(title.removeprefix("보고 #")) for title, *_ in made) == sorted(reports["id"])
    for title, lat, lon, lines, tags in made:
        report = want.loc[int(title.removeprefix("보고 #"))]
        assert (lat, lon) == pytest.approx((report.geometry.y, report.geometry.x), abs=1e-6), title
        assert lines == _expected_lines(report), title
        assert tags == ["B", "BR", "BR"], (title, tags)  # no element came from user text
    assert errors == [] and dialogs == [] and page.blocked == []


def test_clusters_add_up_and_open_onto_markers_whose_popups_show_hostile_text(page, clustered):
    path, reports = clustered
    errors, dialogs = _open(page, path)
    pane = page.locator(".leaflet-marker-pane")
    page.wait_for_function(_SETTLED)  # the map opens at folium's zoom, then fits the dong (animated)
    counts = [int(t) for t in pane.locator(".marker-cluster span").all_inner_texts()]
    singles = pane.locator(".awesome-marker").count()
    assert len(counts) > 1 and sum(counts) + singles == COUNT, (counts, singles)

    before = pane.locator(".awesome-marker").count()
    pane.locator(".marker-cluster").first.click()  # zooms in (or spiderfies at the last zoom)
    page.wait_for_function(
        "n => document.querySelectorAll('.leaflet-marker-pane .awesome-marker').length > n", arg=before
    )
    page.wait_for_function(_SETTLED)
    assert pane.locator('.awesome-marker[title^="보고 #"]').count() > before

    popup = page.locator(".leaflet-popup-content")
    for hostile in HOSTILE:
        report = reports[reports["title"].str.endswith(hostile)].iloc[0]
        title = f"보고 #{report['id']}"
        assert page.evaluate(_SHOW, title)  # the cluster plugin's own way to a marker: zoom in / spiderfy
        page.wait_for_function(_SETTLED)
        pane.locator(f'[title="{title}"]').dispatch_event("click")
        expect(popup).to_contain_text(f"#{report['id']} {report['title']}")
        expect(popup).to_contain_text(report["memo"])
        expect(popup.locator("b")).to_have_count(1)
        assert popup.locator("img, script").count() == 0
        page.locator(".leaflet-popup-close-button").click()
        expect(popup).to_have_count(0)  # gone (it fades out) before the next one opens
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(300)  # an onerror alert would have fired by now
    assert errors == [] and dialogs == [] and page.blocked == []


def test_a_layer_opening_unticked_gets_every_report_when_ticked(page, tmp_path):
    """The officer page's other zones open unticked: unpacked only when shown, then every report is there."""
    (tmp_path / "vendor").symlink_to(ROOT / "static" / "vendor", target_is_directory=True)
    bounds = gpd.read_file(SAMPLE_KIT / "tongs.geojson")
    layer = build_reports_layer(_reports(), name="다른 구역 보고", show=False, now=NOW)
    build_map([layer], bounds=bounds, tiles="none", base_url="vendor/").save(str(tmp_path / "map.html"))
    page.goto((tmp_path / "map.html").as_uri())
    page.locator(".leaflet-control-layers").wait_for(timeout=10_000)
    count = (
        """() => window[Object.keys(window).find((k) => k.startsWith("browser_made_reports_"))].getLayers().length"""
    )
    assert page.evaluate(count) == 0
    assert page.locator(".leaflet-marker-pane > *").count() == 0
    page.get_by_text("다른 구역 보고").click()  # the layer panel is open on a wide map
    page.locator(".leaflet-marker-pane .marker-cluster").first.wait_for(timeout=10_000)
    assert page.evaluate(count) == COUNT
