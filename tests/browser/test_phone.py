"""An officer's day on a phone (390×844, touch): 내 구역, 보고 접수, 보고함 and 주간 순회 as a phone shows them.

Issue 20: a map opens on the officer's own zone with the others dimmed, the layer panel is a button, the
legend is folded (a tap opens it), the credits are one line (a tap shows every source), the map leaves page
around it, and a one-finger swipe over the map scrolls the page instead of moving the map; two fingers
move it.  The swipe is a
real touch sequence sent through Chromium's input pipeline (DevTools ``Input.dispatchTouchEvent``), so the
browser decides, as on a phone, whether the page or the map takes it.  Screenshots: ``docs/screenshots/``
with ``UPDATE_SCREENSHOTS=1``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import urljoin

import pytest
from playwright.sync_api import expect

from mapping.map_controls import MAP_FRAMES, PHONE_MAP_VH, TWO_FINGER_HINT
from mapping.style import STYLE
from tests.browser.conftest import PHONE, guarded_page, log_in, screenshot

WIDTH, HEIGHT = PHONE["viewport"]["width"], PHONE["viewport"]["height"]
ACCOUNT, OWN_ZONE = "noar", "Z28"  # 노아린, an officer of the sample dong, and her zone
MAP_FRAME = MAP_FRAMES  # streamlit-folium's, or a plain frame's
SCROLLER = '[data-testid="stMain"]'  # what scrolls in a Streamlit page (the window does not)

# What a phone user sees of the map: the own zone in view, the others dimmed, the controls' state.
_MAP_STATE = """(body, zone) => {
    // streamlit-folium's frame names the map window.map; a plain frame has folium's own map_<id>
    const name = Object.keys(window).find((k) => k.startsWith("map_") && window[k] && window[k].setZoom);
    const map = window.map || window[name], view = map.getBounds();
    let own = null;
    const others = [];
    map.eachLayer((layer) => {
        const p = layer.feature && layer.feature.properties;
        if (p && p.zone_id !== undefined && layer.getBounds) {
            if (p.zone_id === zone) { own = layer; } else { others.push(layer.options); }
        }
    });
    const centre = map.getCenter();
    const credits = document.querySelector(".leaflet-control-attribution");
    const legend = document.querySelector("details.map-legend");
    return {
        ownInView: own !== null && view.contains(own.getBounds()),
        ownShare: own === null ? 0 : (() => {
            const b = own.getBounds(), a = map.latLngToContainerPoint(b.getNorthWest()),
                  c = map.latLngToContainerPoint(b.getSouthEast()), size = map.getSize();
            return ((c.x - a.x) * (c.y - a.y)) / (size.x * size.y);
        })(),
        ownWeight: own === null ? 0 : own.options.weight,
        others: others.map((o) => [o.fillColor, o.fillOpacity]),
        layersExpanded: document.querySelector(".leaflet-control-layers-expanded") !== null,
        legend: legend === null ? null : {open: legend.open, text: legend.textContent},
        creditsHeight: credits.getBoundingClientRect().height,
        creditsText: credits.textContent,
        centre: [centre.lat, centre.lng, map.getZoom()],
        hint: map.getContainer().getAttribute("data-hint"),
        hinting: map.getContainer().classList.contains("two-finger-hint"),
    };
}"""


@pytest.fixture(scope="module")
def phone(browser, staff_app_url) -> Iterator[object]:
    """One phone (390×844, touch) with 노아린 logged in, for the whole day."""
    page = guarded_page(browser, phone=True)
    log_in(page, staff_app_url, ACCOUNT)
    yield page
    assert page.blocked == []
    page.context.close()


def go(page, title: str) -> None:
    """Open a page from the menu, as on a phone: the sidebar is folded behind its button."""
    page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).wait_for(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")  # folded away again
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)


def map_frame(page):
    """The map's iframe element and its live frame, once Leaflet has drawn its controls and stopped moving."""
    iframe = page.locator(MAP_FRAME).filter(visible=True).first
    iframe.wait_for(timeout=30_000)
    frame = iframe.content_frame
    frame.locator(".leaflet-control-attribution").wait_for(timeout=30_000)
    frame.locator("body").evaluate("() => !document.querySelector('.leaflet-zoom-anim')")
    time.sleep(0.5)  # let the frame settle at its final height
    return iframe, frame


def state(frame) -> dict:
    return frame.locator("body").evaluate(_MAP_STATE, OWN_ZONE)


def scrolled(page) -> float:
    return page.locator(SCROLLER).evaluate("(e) => e.scrollTop")


def swipe_up(page, x: float, y: float, distance: float) -> None:
    """One finger from (x, y) up by ``distance`` px, as a phone's touch screen sends it."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 13):
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y - distance * step / 12}]}
        )
        time.sleep(0.016)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def two_finger_drag(page, x: float, y: float, dx: float) -> None:
    """Two fingers side by side at (x, y), moved together sideways by ``dx`` px."""
    cdp = page.context.new_cdp_session(page)

    def fingers(shift: float) -> list[dict]:
        return [{"x": x - 40 + shift, "y": y, "id": 0}, {"x": x + 40 + shift, "y": y, "id": 1}]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": fingers(0)})
    for step in range(1, 13):
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": fingers(dx * step / 12)})
        time.sleep(0.016)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def check_phone_map(page, name: str, tmp_path, *, has_legend: bool = True) -> dict:
    """Everything a phone user notices on a map, asserted; the screenshot taken with the map in view."""
    iframe, frame = map_frame(page)
    iframe.scroll_into_view_if_needed()
    time.sleep(0.3)
    box = iframe.bounding_box()
    assert box["width"] <= WIDTH and box["height"] <= HEIGHT * PHONE_MAP_VH / 100 + 1  # page left to swipe on
    seen = state(frame)
    # the officer's own zone, whole, filling a good part of the map; the other zones dimmed and grey
    assert seen["ownInView"] and seen["ownShare"] > 0.2, seen
    assert seen["ownWeight"] == STYLE["my_zone"]["weight"]
    dimmed = [STYLE["other_zone"]["fillColor"], STYLE["other_zone"]["fillOpacity"]]
    assert seen["others"] and all(other == dimmed for other in seen["others"])
    # the layer panel is its button; the legend folded; the credits one line
    assert not seen["layersExpanded"]
    expect(frame.locator(".leaflet-control-layers-list")).to_be_hidden()
    assert seen["creditsHeight"] < 26 and "공공누리" not in frame.locator(".leaflet-control-attribution").inner_text()
    if has_legend:
        assert seen["legend"] is not None and seen["legend"]["open"] is False
    scale = frame.locator(".leaflet-control-scale").bounding_box()
    credits = frame.locator(".leaflet-control-attribution").bounding_box()
    assert scale["x"] + scale["width"] <= credits["x"]  # the credits leave the scale bar in sight
    if has_legend:  # and so does the folded legend
        legend = frame.locator("details.map-legend").bounding_box()
        assert legend["y"] + legend["height"] <= scale["y"] + 1
    page.mouse.move(0, 0)  # no tooltip left open by where the last click was
    screenshot(page, f"screenshots/phone-{name}.png", tmp_path, small=True)

    # a one-finger swipe over the map scrolls the page; the map stays where it was and says how to move it
    before = scrolled(page)
    top = max(box["y"], 0)
    bottom = min(box["y"] + box["height"], HEIGHT)
    swipe_up(page, box["x"] + box["width"] / 2, (top + bottom) / 2 + 60, 220)
    hinted = state(frame)
    time.sleep(0.6)
    after = state(frame)
    assert scrolled(page) > before + 100, (before, scrolled(page))
    assert after["centre"] == seen["centre"]
    assert hinted["hinting"] and after["hint"] == TWO_FINGER_HINT

    # two fingers move the map
    box = iframe.bounding_box()
    middle = (max(box["y"], 0) + min(box["y"] + box["height"], HEIGHT)) / 2  # of the map's part on the screen
    two_finger_drag(page, box["x"] + box["width"] / 2 - 60, middle, 120)
    time.sleep(0.6)
    assert state(frame)["centre"][1] < after["centre"][1]  # dragged east: the view moved west

    # a tap unfolds the legend and shows every source of the credits
    if has_legend:
        frame.locator("details.map-legend summary").tap()
        assert state(frame)["legend"]["open"] is True
        expect(frame.locator("details.map-legend .legend-body")).to_be_visible()
    frame.locator(".leaflet-control-attribution").tap()
    full = frame.locator(".leaflet-control-attribution")
    expect(full).to_contain_text("통계청 SGIS 행정동 경계, 공공누리 제1유형")
    expect(full).to_contain_text("행정안전부 LOCALDATA")
    assert state(frame)["creditsHeight"] > seen["creditsHeight"] * 1.5  # the full text takes more lines
    return seen


def fits_the_phone(page) -> None:
    """Nothing wider than the screen: no sideways scrolling."""
    widths = page.locator(SCROLLER).evaluate("(e) => [e.scrollWidth, e.clientWidth]")
    assert widths[0] <= widths[1], widths


def test_my_zone_opens_on_my_zone_and_a_swipe_scrolls_the_page(phone, tmp_path) -> None:
    expect(phone.get_by_role("heading", name="내 구역")).to_be_visible()  # the page an officer opens on
    iframe = phone.locator(MAP_FRAME).filter(visible=True).first
    iframe.wait_for(timeout=30_000)
    assert iframe.bounding_box()["y"] < HEIGHT - 200  # the map is on the first screen
    seen = check_phone_map(phone, "officer", tmp_path)
    assert "내 구역" in seen["legend"]["text"] and "다른 구역" in seen["legend"]["text"]
    fits_the_phone(phone)
    href = phone.get_by_role("link", name="현장 앱 열기").get_attribute("href")  # the quick map on a phone
    field = phone.context.new_page()
    try:
        field.goto(urljoin(phone.url, href))
        expect(field.get_by_role("heading", name="우동주 현장")).to_be_visible()
        expect(field.get_by_role("heading", name="내 구역")).to_be_visible()
    finally:
        field.close()


def test_intake_map_opens_on_my_zone(phone, tmp_path) -> None:
    go(phone, "보고 접수")
    expect(phone.get_by_label("내용 (메모)")).to_be_visible()
    check_phone_map(phone, "intake", tmp_path)
    fits_the_phone(phone)


def test_inbox_fits_the_phone(phone, tmp_path) -> None:
    go(phone, "보고함")
    expect(phone.get_by_text("처리 중인 보고는")).to_be_visible()
    expect(phone.get_by_role("tab", name="내가 찾은 보고")).to_be_visible()  # both boxes' tabs on the screen
    expect(phone.get_by_role("heading", name="활동보고서")).to_be_visible(timeout=30_000)  # the day's report below
    fits_the_phone(phone)
    screenshot(phone, "screenshots/phone-inbox.png", tmp_path, small=True)


def test_walk_map_opens_on_my_zone_and_the_walk(phone, tmp_path) -> None:
    go(phone, "주간 순회")
    check_phone_map(phone, "walk", tmp_path)
    fits_the_phone(phone)
