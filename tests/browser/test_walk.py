"""The weekly walk in a real browser: the route's numbered stops are on the map, in order, none covering another,
with the 주민센터 start marked; the A4 sheet downloads with the map and every stop."""

from __future__ import annotations

import re
import subprocess
import time

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_report_flow import MAP_FRAME, choose, map_frame

ZOOM_BY = """(body, levels) => {
    const name = Object.keys(window).find((k) => k.startsWith("map_") && window[k] && window[k].setZoom);
    const map = window[name];
    map.setZoom(map.getZoom() + levels, {animate: false});
    return map.getZoom();
}"""


def overlapping(frame) -> list[tuple[str, str]]:
    """Pairs of route markers (numbers, 출발) whose pictures cover each other on the screen."""
    boxes = [(el.inner_text(), el.bounding_box()) for el in frame.locator(".route-stop, .route-start").all()]
    return [
        (a, b)
        for i, (a, p) in enumerate(boxes)
        for b, q in boxes[i + 1 :]
        if p["x"] + p["width"] - 1 > q["x"]
        and q["x"] + q["width"] - 1 > p["x"]
        and p["y"] + p["height"] - 1 > q["y"]
        and q["y"] + q["height"] - 1 > p["y"]
    ]


def settled_overlaps(page, frame) -> list[tuple[str, str]]:
    """:func:`overlapping` once the map has settled (a zoom may still be animating on a loaded machine)."""
    deadline = time.monotonic() + 10
    while overlapping(frame) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    return overlapping(frame)


def test_plan_a_walk_and_see_the_numbered_stops(page, app_url, tmp_path):
    page.goto(app_url + "/walk")
    page.get_by_role("heading", name="주간 순회").wait_for(timeout=30_000)
    choose(page, "주무관", "노아린")
    summary = page.get_by_text(re.compile(r"\d+곳 · [\d.]+ km · 걷기 \d+분"))
    expect(summary).to_be_visible(timeout=30_000)
    deadline = time.monotonic() + 30
    while True:  # a rerun may still show the last officer's summary or map for a moment
        count = int(re.match(r"(\d+)곳", summary.first.inner_text()).group(1))
        numbers = map_frame(page).locator(".route-stop")
        if numbers.count() == count or time.monotonic() > deadline:
            break
        page.wait_for_timeout(300)
    assert numbers.count() == count > 0
    assert numbers.all_inner_texts() == [str(i) for i in range(1, count + 1)]
    assert map_frame(page).locator("path.route-line").count() == 1
    frame = map_frame(page)
    expect(frame.locator(".route-start")).to_have_text("출발")  # the 주민센터, where the walk starts and ends
    assert settled_overlaps(page, frame) == []
    page.locator(MAP_FRAME).filter(visible=True).first.scroll_into_view_if_needed()
    screenshot(page, "walk-route.png", tmp_path)

    frame.locator("body").evaluate(
        ZOOM_BY, -3
    )  # zoomed out, the stops crowd together: they fan out instead of piling up
    assert settled_overlaps(page, frame) == []
    screenshot(page, "walk-route-zoomed-out.png", tmp_path)
    assert page.blocked == []


def test_the_walks_a4_sheet_downloads_with_the_map_and_every_stop(page, app_url, tmp_path):
    page.goto(app_url + "/walk")  # the first officer's walk: one run, so the plan read is the one the button prints
    page.get_by_role("heading", name="주간 순회").wait_for(timeout=30_000)
    expect(page.get_by_text(re.compile(r"\d+곳 · [\d.]+ km · 걷기 \d+분"))).to_be_visible(timeout=30_000)
    map_frame(page)  # no run in progress
    rows = page.get_by_test_id("stTable").first.locator("tbody tr")
    plan = [[c.inner_text().strip() for c in r.locator("th, td").all()] for r in rows.all()]
    assert plan and all(len(r) == 4 for r in plan)  # 순서, 장소, 이유, 주소 on the page as on the sheet
    with page.expect_download(timeout=60_000) as info:
        page.get_by_role("button", name=re.compile("A4 경로표 받기")).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    officer = re.fullmatch(r"순회_(.+)_\d{4}-W\d{2}\.pdf", path.name).group(1)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    for number, label, reason, address in plan:  # every stop's row has its number, place, the page's address, reason
        label, reason, address = (re.sub(r"\s+", "", part) for part in (label, reason, address))
        row = re.search(re.escape(number + label) + "(.+?)" + re.escape(reason), flat)
        assert row and row.group(1) == address, (number, label)
        assert "서울" in address or re.match(r"주소없음\(좌표37\.\d+,126\.\d+\)$", address), address
    assert "출발·도착" in flat and f"{officer}·" in flat  # whose walk, in the heading
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(images.splitlines()) == 3  # one picture on the page: the map
    assert page.blocked == []
