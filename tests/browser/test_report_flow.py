"""A report filed in the browser with a photo: placed by the photo's GPS, handed over,
seen in the assignee's inbox and on the map with its thumbnail — all without network."""

from __future__ import annotations

import re

import geopandas as gpd
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from mapping.map_controls import MAP_FRAMES
from tests.browser.conftest import guarded_page, log_in, screenshot
from tests.conftest import SAMPLE_KIT
from tests.test_photos import jpeg_with_gps

MAP_FRAME = MAP_FRAMES  # streamlit-folium's, or a plain frame's


def choose(page, label: str, option: str, *, within=None, tries: int = 5) -> None:
    """Pick ``option`` in the Streamlit selectbox labelled ``label`` (inside ``within`` if given).

    A rerun that lands while the list is open closes it again, so a few tries are allowed.
    """
    box = (within or page).get_by_label(label, exact=True)
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(tries):
        box.click()
        box.press_sequentially(option)  # filters the list down to the option
        try:
            expect(choice).to_have_count(1, timeout=3_000)
            choice.click(timeout=3_000)
            expect(box).to_have_value(option, timeout=3_000)
            expect(box).to_have_attribute("aria-expanded", "false", timeout=3_000)
            return
        except AssertionError:
            page.keyboard.press("Escape")
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError(f"could not choose {option!r} in {label!r}")


def map_frame(page):
    """The folium map's live frame: a rerun can leave a stale, zero-size copy for a moment."""
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)  # no run in progress
    live = page.locator(MAP_FRAME).filter(visible=True).first
    live.wait_for(timeout=30_000)
    return live.content_frame


def go(page, title: str) -> None:
    """Navigate with the sidebar (keeps the session, unlike page.goto)."""
    page.get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).wait_for(timeout=30_000)


def test_file_report_with_photo_hand_over_and_see_it(page, browser, staff_app_url, tmp_path):
    tong1 = gpd.read_file(SAMPLE_KIT / "tongs.geojson").set_index("tong").loc[1, "geometry"].representative_point()
    photo = tmp_path / "manhole.jpg"
    photo.write_bytes(jpeg_with_gps(tong1.x, tong1.y))

    log_in(page, staff_app_url, "hansy")  # 한서윤, the dong head
    go(page, "보고 접수")
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(photo))
    page.get_by_text("사진의 GPS").click()
    expect(page.get_by_text("사진의 GPS 위치를 썼습니다")).to_be_visible(timeout=30_000)
    memo = page.get_by_label("내용 (메모)")
    memo.fill("맨홀 뚜껑이 흔들립니다 (브라우저 시험)")
    memo.press("Control+Enter")
    save = page.get_by_role("button", name="저장")
    expect(save).to_be_enabled(timeout=30_000)
    save.click()
    saved = page.get_by_test_id("stToast").filter(has_text=re.compile(r"보고 #\d+을\(를\) 저장했습니다 \(사진 1장\)"))
    expect(saved).to_be_visible(timeout=30_000)
    rid = re.search(r"#(\d+)", saved.inner_text()).group(1)

    go(page, "보고함")
    page.get_by_role("tab", name=re.compile("내가 찾은 보고")).click()
    mine = page.locator('[data-testid="stExpander"]').filter(has_text=re.compile(rf"#{rid} 맨홀"))
    mine.get_by_text(re.compile(rf"#{rid} 맨홀")).first.click()
    expect(mine.get_by_role("button", name="인계", exact=True)).to_be_visible(timeout=30_000)
    page.wait_for_load_state("networkidle")
    choose(page, "인계할 직원", "강도윤", within=mine)
    mine.get_by_role("button", name="인계", exact=True).click()
    expect(page.get_by_test_id("stToast").filter(has_text="강도윤에게 인계했습니다")).to_be_visible(timeout=30_000)

    colleague = guarded_page(browser)  # 강도윤 on his own phone: his own session
    try:
        log_in(colleague, staff_app_url, "kangdy")
        go(colleague, "보고함")
        expect(colleague.get_by_text(re.compile(r"나에게 온 보고 [1-9]\d*건"))).to_be_visible(timeout=30_000)
        tab = colleague.get_by_role("tab", name="나에게 온 보고")
        expect(tab).to_be_visible(timeout=30_000)
        tab.click()
        to_me = colleague.get_by_role("tabpanel", name=re.compile("나에게 온 보고"))
        expect(to_me.get_by_text(re.compile(rf"#{rid} 맨홀.*인계"))).to_be_visible(timeout=30_000)
        assert colleague.blocked == []
    finally:
        colleague.context.close()

    go(page, "내 구역")  # tong 1 is in 한서윤's zone
    marker = map_frame(page).locator(f'.leaflet-marker-pane [title="보고 #{rid}"]')
    marker.wait_for(timeout=30_000)
    marker.dispatch_event("click")  # other markers may overlap it on screen
    popup = map_frame(page).locator(".leaflet-popup-content")
    expect(popup).to_contain_text("맨홀 뚜껑이 흔들립니다")
    expect(popup.locator('img[src^="data:image/jpeg;base64,"]')).to_have_count(1)
    screenshot(page, "report-on-map.png", tmp_path)
    assert page.blocked == []
