"""The officer page in a real browser: the map shows one polygon per zone, offline."""

from __future__ import annotations

from tests.browser.conftest import screenshot
from tests.browser.test_report_flow import map_frame


def test_officer_map_shows_one_polygon_per_zone_without_network(page, app_url, sample_kit, tmp_path):
    page.goto(app_url + "/")
    frame = map_frame(page)
    zones = frame.locator("path.zone-polygon")
    zones.first.wait_for(timeout=30_000)
    expected = len([s for s in sample_kit.staff["tongs"] if s])
    assert zones.count() == expected == 18
    assert frame.locator("path.tong-polygon").count() == len(sample_kit.tongs)
    markers = frame.locator(".leaflet-marker-pane .awesome-marker")
    assert markers.and_(frame.locator(":not([title])")).count() == len(sample_kit.tables["resources"])
    reports = sample_kit.tables["reports"]
    first_zone = sample_kit.staff["tongs"].iloc[0]  # the first officer's tongs: their reports show
    in_zone = reports.geometry.within(sample_kit.tongs.set_index("tong").loc[first_zone].union_all())
    assert frame.locator('.leaflet-marker-pane [title^="보고 #"]').count() >= int(in_zone.sum()) > 0
    legend = frame.locator(".map-legend")
    assert "약국" in legend.inner_text() and "구역" in legend.inner_text()
    credits = frame.locator(".leaflet-control-attribution")
    assert "공공누리 제1유형" not in credits.inner_text()  # one short line until clicked
    credits.click()
    assert "공공누리 제1유형" in credits.inner_text()
    credits.click()  # and folded again
    assert page.blocked == [], f"the page tried to reach the network: {page.blocked[:5]}"
    page.wait_for_timeout(500)
    screenshot(page, "officer-map.png", tmp_path)
