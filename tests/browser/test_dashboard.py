"""현황 in a real browser: a click on a zone of the density map lists that zone's reports."""

from __future__ import annotations

from playwright.sync_api import expect

from mapping.crs import WEB_CRS
from mapping.density import unit_labels
from mapping.store import open_store
from tests.browser.conftest import log_in, screenshot
from tests.browser.test_report_flow import MAP_FRAME, go, map_frame
from tests.conftest import SAMPLE_CODE

# where a zone's inside point lands on the page, and whether a density polygon is what is there
WHERE = """(body, [lat, lon]) => {
    const p = window.map.latLngToContainerPoint([lat, lon]);
    const box = window.map.getContainer().getBoundingClientRect();
    const x = box.left + p.x, y = box.top + p.y;
    const hit = document.elementFromPoint(x, y);
    return {x: x, y: y, polygon: !!hit && hit.classList.contains("density-polygon")};
}"""


def test_a_click_on_a_zone_lists_its_reports(page, staff_app_url, app_db, tmp_path):
    store = open_store(app_db)
    zones = unit_labels(store.zones(SAMPLE_CODE), by="zone", zones=store.zones(SAMPLE_CODE)).to_crs(WEB_CRS)
    reports = store.reports(SAMPLE_CODE)
    store.close()
    log_in(page, staff_app_url, "ohmj")  # 오민재, 팀장
    go(page, "현황")
    months = reports["created_at"].dt.strftime("%Y-%m")  # 월 = 전체: all of it (other tests may have filed today)
    expect(page.get_by_text(f"지도 기간: {months.min()}~{months.max()}")).to_be_visible(timeout=30_000)
    live = page.locator(MAP_FRAME).filter(visible=True).first
    live.scroll_into_view_if_needed()  # the mouse clicks where the person would, in view
    frame = map_frame(page)
    expect(frame.locator("path.density-polygon")).to_have_count(len(zones), timeout=30_000)
    for zone in zones.itertuples():  # a zone whose inside point is not under the legend or a control
        inside = zone.geometry.representative_point()
        spot = frame.locator("body").evaluate(WHERE, [inside.y, inside.x])
        if spot["polygon"]:
            break
    else:
        raise AssertionError("no zone of the density map can be clicked")
    box = live.bounding_box()
    page.mouse.move(box["x"] + spot["x"], box["y"] + spot["y"])
    expect(frame.locator(".leaflet-tooltip")).to_contain_text(zone.label)  # whose zone: officer and tongs
    page.mouse.click(box["x"] + spot["x"], box["y"] + spot["y"])
    count = int((reports["zone_id"] == zone.zone_id).sum())
    assert count > 0
    expect(page.get_by_text(f"{zone.label}: 보고 {count}건")).to_be_visible(timeout=30_000)
    listed = page.get_by_test_id("stDataFrame").last
    expect(listed).to_be_visible()
    screenshot(page, "dashboard-zone-click.png", tmp_path)
    assert page.blocked == []
