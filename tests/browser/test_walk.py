"""The weekly walk in a real browser: the route's numbered stops are on the map, in order."""

from __future__ import annotations

import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_report_flow import choose, map_frame


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
    screenshot(page, "walk-route.png", tmp_path)
    assert page.blocked == []
