"""The published welfare-resource map, opened from file:// with no network: markers, filters, legend, lookup."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mapping.access import CLI_USER
from mapping.map_controls import TWO_FINGER_HINT
from mapping.publish.privacy import personal_values_of, public_view
from mapping.publish.public_site import export_public_site
from mapping.store import open_store
from tests.browser.conftest import screenshot
from tests.browser.test_phone import swipe_up, two_finger_drag
from tests.conftest import SAMPLE_CODE


@pytest.fixture(scope="module")
def site(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    db = tmp_path_factory.mktemp("site-db") / "store.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    view = public_view(store, SAMPLE_CODE, since=dt.date(2026, 1, 1))
    folder = tmp_path_factory.mktemp("site")
    page = export_public_site(view, folder, personal_values=personal_values_of(store, SAMPLE_CODE, user=CLI_USER))
    return page, view


def test_public_map_from_file_with_no_network(page, site, tmp_path):
    index, view = site
    page.goto(index.as_uri())
    expect(page.get_by_role("heading", name=re.compile("복지자원 지도"))).to_be_visible(timeout=15_000)
    markers = page.locator("path.resource")
    expect(markers).to_have_count(len(view.resources), timeout=15_000)  # vector layers, no tiles needed
    expect(page.locator("path.zone")).to_have_count(len(view.zones))
    legend = page.locator("#filters")
    expect(legend.get_by_text(re.compile(r"^약국 \(\d+\)$"))).to_be_visible()
    pharmacies = int((view.resources["type"] == "pharmacy").sum())
    legend.get_by_label(re.compile(r"^약국")).uncheck()
    expect(markers).to_have_count(len(view.resources) - pharmacies)
    legend.get_by_label(re.compile(r"^약국")).check()
    page.get_by_placeholder(re.compile("이름이나 주소")).fill("경로당")
    expect(markers).to_have_count(int((view.resources["type"] == "senior_centre").sum()))
    expect(page.locator("#results li")).to_have_count(int((view.resources["type"] == "senior_centre").sum()))
    page.get_by_placeholder(re.compile("이름이나 주소")).fill("")
    screenshot(page, "public-map.png", tmp_path)
    assert all("tile.openstreetmap.org" in url for url in page.blocked), page.blocked  # only the base tiles


def test_clicking_a_zone_shows_its_officer_card(page, site):
    index, view = site
    page.goto(index.as_uri())
    zones = view.zones.set_index("zone_id")
    consenting = zones[zones["officer"].notna()].index[0]
    declined = zones[zones["officer"].isna()].index[0]
    card = page.locator("#officer-card")
    for zone_id in (consenting, declined):
        page.locator("path.zone").nth(list(view.zones["zone_id"]).index(zone_id)).click(force=True)
        expect(card).to_contain_text(f"구역 {zone_id}")
        if zone_id == consenting:
            expect(card).to_contain_text(zones.loc[zone_id, "officer"])
            expect(card).to_contain_text(zones.loc[zone_id, "phone"])
        else:  # the officer did not agree: the centre's phone, no name
            expect(card).to_contain_text("우리동네주무관")
            expect(card).to_contain_text(view.centre["phone"])


def test_public_map_on_a_phone_screen(browser, site):
    index, view = site
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="ko-KR"
    )
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    phone = context.new_page()
    phone.goto(index.as_uri())
    expect(phone.locator("path.resource")).to_have_count(len(view.resources), timeout=15_000)
    map_box = phone.locator("#map").bounding_box()
    panel_box = phone.locator("#panel").bounding_box()
    assert map_box["width"] <= 390 and panel_box["y"] >= map_box["y"] + map_box["height"] - 1  # the list goes below
    phone.locator("path.zone").first.tap(force=True)
    expect(phone.locator("#officer-card")).to_contain_text("우리동네주무관")

    # no scroll trap: a one-finger swipe over the map scrolls the page, the map stays and says how to move it
    pane = phone.locator(".leaflet-map-pane")
    where = pane.evaluate("(e) => e.style.transform")
    x, y = map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] * 0.7
    swipe_up(phone, x, y, 220)
    expect(phone.locator("#map.two-finger-hint")).to_have_attribute("data-hint", TWO_FINGER_HINT)
    assert phone.evaluate("window.scrollY") > 100
    assert pane.evaluate("(e) => e.style.transform") == where
    phone.evaluate("window.scrollTo(0, 0)")
    two_finger_drag(phone, x - 60, y, 120)  # two fingers move it
    expect(pane).not_to_have_attribute("style", re.compile(re.escape(where) + "$"))
    context.close()
