"""The map in a real browser: hostile text stays text; layers switch off and on."""

from __future__ import annotations

import geopandas as gpd
from playwright.sync_api import expect

from mapping import clock
from mapping.store import open_store
from tests.browser.test_report_flow import choose, map_frame
from tests.conftest import SAMPLE_CODE, SAMPLE_KIT
from tests.helpers import staff_user

HOSTILE = "<img src=x onerror=alert(1)>"


def test_a_hostile_memo_fires_no_script_and_shows_as_text(page, app_url, app_db):
    tong = gpd.read_file(SAMPLE_KIT / "tongs.geojson").set_index("tong").loc[2, "geometry"].representative_point()
    store = open_store(app_db)
    rid = store.file_report(
        SAMPLE_CODE, lonlat=(tong.x, tong.y), memo=HOSTILE, title="${alert(2)}`", user=staff_user("오민재")
    )
    owner = store.zones(SAMPLE_CODE).pipe(lambda z: z[[2 in t for t in z["tongs"]]])["officer"].iloc[0]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(app_url + "/")
    page.get_by_role("heading", name="내 구역").wait_for(timeout=30_000)
    choose(page, "주무관", owner)
    marker = map_frame(page).locator(f'.leaflet-marker-pane [title="보고 #{rid}"]')
    marker.wait_for(timeout=30_000)
    marker.dispatch_event("click")
    popup = map_frame(page).locator(".leaflet-popup-content")
    expect(popup).to_contain_text(HOSTILE)  # the tag is visible as text …
    expect(popup).to_contain_text("${alert(2)}`")
    assert popup.locator("img[src='x']").count() == 0  # … and no such element exists
    page.wait_for_timeout(500)
    assert dialogs == [] and page.blocked == []


def test_switching_a_layer_off_and_on_hides_and_restores_its_markers(page, app_url, sample_kit):
    page.goto(app_url + "/")
    frame = map_frame(page)
    resources = frame.locator(".leaflet-marker-pane .awesome-marker:not([title])")
    expect(resources).to_have_count(len(sample_kit.tables["resources"]), timeout=30_000)
    toggle = frame.locator(".leaflet-control-layers-overlays label", has_text="복지자원").locator("input")
    toggle.uncheck()
    expect(resources).to_have_count(0)
    toggle.check()
    expect(resources).to_have_count(len(sample_kit.tables["resources"]))
    assert page.blocked == []


def test_a_url_in_a_mission_title_stays_text_and_a_mission_without_description_shows_no_nan(page, app_url, app_db):
    store = open_store(app_db)
    title = "폭염 안내 https://evil.example/login 와 www.evil.example, 문의 help@evil.example"
    store.add_mission(SAMPLE_CODE, clock.today(), kind="mission", title=title, user=staff_user("한서윤"))
    store.add_mission(  # one with a description: the column is text, the other's missing one NaN
        SAMPLE_CODE, clock.today(), kind="issue", title="골목 조명", description="밤길 점검", user=staff_user("한서윤")
    )
    page.goto(app_url + "/")
    banner = page.get_by_test_id("stAlert").filter(has_text="동장 미션·현안")
    expect(banner).to_be_visible(timeout=30_000)
    shown = banner.inner_text().replace("\u2060", "")  # the word joiners that keep the addresses text are invisible
    assert title in shown and "골목 조명 — 밤길 점검" in shown
    assert "nan" not in shown  # no description: nothing after the title, not "— nan"
    assert banner.locator("a").count() == 0  # no link to follow
    assert page.blocked == []
