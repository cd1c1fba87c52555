"""The team leader's month in a real browser: the 취합 table, the month's density map, the XLSX download."""

from __future__ import annotations

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_report_flow import choose, map_frame


def test_month_sheet_with_density_map_and_xlsx_download(page, app_url, app_db, tmp_path):
    page.goto(app_url + "/month")
    page.get_by_role("heading", name="월간 취합").wait_for(timeout=30_000)
    choose(page, "활동 월", "2026-10")
    expect(page.get_by_role("heading", name="10월 구역별 활동 밀도")).to_be_visible(timeout=30_000)
    total = page.get_by_test_id("stMetricValue").first
    expect(total).to_have_text("32", timeout=30_000)
    polygons = map_frame(page).locator("path.density-polygon")
    expect(polygons).to_have_count(18, timeout=30_000)  # every zone of the sample dong, coloured
    page.get_by_role("heading", name="분야별").scroll_into_view_if_needed()
    screenshot(page, "month-sheet.png", tmp_path)
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="취합 서식 XLSX 내려받기").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "활동실적취합_2026-10.xlsx"
    ws = load_workbook(path)["분야별"]
    grand = next(r for r in ws.iter_rows(values_only=True) if r[0] == "합계")
    assert grand[2] == 32
    assert page.blocked == []
