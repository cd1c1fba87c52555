"""The zone editor in a real browser refuses a tong given to two officers."""

from __future__ import annotations

from playwright.sync_api import expect

from app_pages.zones_layout import EDITABLE, EDITOR_WIDTHS
from tests.browser.conftest import PHONE, guarded_page, screenshot

HEADER_PX = ROW_PX = 35


def edit_cell(page, row: int, column: str, text: str) -> None:
    """Double-click a data-editor cell (widths are fixed by the page) and type a new value."""
    names = list(EDITOR_WIDTHS)
    grid = page.locator('[data-testid="stDataFrame"] canvas').first
    grid.wait_for(timeout=30_000)
    box = grid.bounding_box()
    x = box["x"] + sum(EDITOR_WIDTHS[n] for n in names[: names.index(column)]) + EDITOR_WIDTHS[column] / 2
    y = box["y"] + HEADER_PX + ROW_PX * row + ROW_PX / 2
    page.mouse.dblclick(x, y)
    editor = page.locator("textarea.gdg-input")
    editor.fill(text)
    editor.press("Enter")


def test_editor_rejects_a_double_assignment_and_offers_no_save(page, app_url, tmp_path):
    reject_a_double_assignment(page, app_url, tmp_path, "zone-editor-rejects.png")


def test_on_a_phone_the_editable_columns_are_on_screen_and_edit(browser, app_url, tmp_path):
    """390 px wide: 담당통 and 대직자 are edited where they are, without scrolling the table sideways."""
    page = guarded_page(browser, phone=True)
    try:
        page.goto(app_url + "/zones")
        grid = page.locator('[data-testid="stDataFrame"] canvas').first
        grid.wait_for(timeout=30_000)
        box = grid.bounding_box()
        names = list(EDITOR_WIDTHS)
        right_edge = box["x"] + sum(EDITOR_WIDTHS[n] for n in names[: max(names.index(c) for c in EDITABLE) + 1])
        assert right_edge <= PHONE["viewport"]["width"], f"the editable columns end at {right_edge} px"
        reject_a_double_assignment(page, app_url, tmp_path, "zone-editor-phone.png")
    finally:
        page.context.close()


def reject_a_double_assignment(page, app_url: str, tmp_path, shot: str) -> None:
    page.goto(app_url + "/zones")
    page.get_by_role("button", name="저장").wait_for(timeout=30_000)  # valid as loaded
    edit_cell(page, 0, "담당통", "1, 7, 2")  # 한서윤 takes tong 2, which 오민재 owns
    page.get_by_text("저장할 수 없습니다").wait_for(timeout=30_000)
    expect(page.get_by_text("통 2이(가) 여러 명에게 배정되었습니다: 한서윤, 오민재")).to_have_count(1)
    expect(page.get_by_role("button", name="저장")).to_have_count(0)  # waits out the rerun's stale elements
    screenshot(page, shot, tmp_path)
    assert page.blocked == []
