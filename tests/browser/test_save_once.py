"""On an officer's phone: a report tapped twice is stored once, and every change is confirmed where the eye is.

Streamlit stops a running script when a new event arrives, so a second tap on 저장 lands in the middle of the first
one's run.  The page sends one submission key with both (the store files the report once) and the memo, sent by
the tap itself (a text area sends what was typed when it loses focus), is never swallowed.
"""

from __future__ import annotations

import re
import time

import pandas as pd
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from mapping.store import open_store
from tests.browser.conftest import guarded_page, log_in, screenshot
from tests.browser.test_report_flow import choose
from tests.conftest import SAMPLE_CODE

ADDRESS = "마포구 성산동 200-22"  # an address of the sample kit
TAP_GAP_MS = 100  # two quick taps, as a thumb does


def open_page(page, title: str) -> None:
    """Navigate with the sidebar, which a phone shows folded (the session is kept, unlike page.goto)."""
    page.get_by_test_id("stExpandSidebarButton").click()
    page.get_by_role("link", name=title).click()
    page.get_by_role("heading", name=title).wait_for(timeout=30_000)
    if page.get_by_test_id("stSidebarCollapseButton").is_visible():
        page.get_by_test_id("stSidebarCollapseButton").click()


def reports_with(db, memo: str) -> pd.DataFrame:
    store = open_store(db)
    try:
        reports = store.reports(SAMPLE_CODE)
    finally:
        store.close()
    return reports[reports["memo"] == memo]


def settles_to(field, value: str, *, timeout_s: float = 60) -> None:
    """Wait until ``field`` is one widget holding ``value``.

    While a run redraws the page, Streamlit shows the old (stale) widget beside the new one, and a locator
    matching two elements fails at once (strict mode) instead of waiting: poll until the run is over.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if field.count() == 1 and field.input_value(timeout=1_000) == value:
                return
        except PlaywrightError:
            pass  # replaced while read
        if time.monotonic() > deadline:
            raise AssertionError(f"{field} did not settle to {value!r}: {field.count()} widgets")
        time.sleep(0.2)


def expect_no_error(page) -> None:
    errors = page.get_by_test_id("stAlertContentError")
    assert errors.count() == 0, errors.all_inner_texts()
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentWarning")).to_have_count(0)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def test_two_taps_on_save_store_one_report_and_a_toast_confirms_it_in_view(browser, staff_app_url, app_db, tmp_path):
    page = guarded_page(browser, phone=True)
    try:
        log_in(page, staff_app_url, "kangdy")  # 강도윤
        open_page(page, "보고 접수")
        for n in (1, 2):  # the second report checks the form came back empty, under a new key
            page.get_by_test_id("stRadioGroup").get_by_text("주소", exact=True).click()
            address = page.get_by_role("textbox", name="주소", exact=True)
            address.fill(ADDRESS)
            address.press("Enter")
            expect(page.get_by_text(re.compile("찾은 주소"))).to_be_visible(timeout=30_000)
            memo_text = f"두 번 누른 저장 {n} (브라우저 시험)"
            memo = page.get_by_label("내용 (메모)")
            expect(memo).to_have_value("")
            memo.fill(memo_text)  # not sent yet: the tap on 저장 sends it (the text area loses focus)
            save = page.get_by_role("button", name="저장", exact=True)
            save.click()
            page.wait_for_timeout(TAP_GAP_MS)
            save.click()
            # a lost report keeps its memo on the page (the failure the issue saw): the fresh, empty form is the
            # page's word that this submission was stored
            settles_to(page.get_by_label("내용 (메모)"), "")
            deadline = time.monotonic() + 30
            while (stored := reports_with(app_db, memo_text)).empty and time.monotonic() < deadline:
                time.sleep(0.2)
            assert len(stored) == 1, f"tap pair {n}: {len(stored)} reports stored"
            rid = int(stored["id"].iloc[0])
            toast = page.get_by_test_id("stToast").filter(has_text=f"보고 #{rid}을(를) 저장했습니다")
            expect(toast).to_be_visible(timeout=30_000)
            expect(toast).to_be_in_viewport()  # where the eye is, not above the fold
            expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)  # both taps handled
            page.wait_for_timeout(1_000)  # a late second run would have stored it again by now
            expect_no_error(page)
            assert len(reports_with(app_db, memo_text)) == 1, f"tap pair {n}: stored twice"
        screenshot(page, "phone-saved-once.png", tmp_path)
        assert page.blocked == []
    finally:
        page.context.close()


def test_after_a_hand_over_the_inbox_stays_on_the_report(browser, staff_app_url, app_db, tmp_path):
    from tests.helpers import staff_user

    store = open_store(app_db)
    place = store.tongs(SAMPLE_CODE).set_index("tong").loc[3, "geometry"].representative_point()
    rid = store.file_report(
        SAMPLE_CODE, lonlat=(place.x, place.y), memo="인계 시험 보고", field="환경", user=staff_user("오민재")
    )
    store.close()
    page = guarded_page(browser, phone=True)
    try:
        log_in(page, staff_app_url, "ohmj")  # 오민재 found it
        open_page(page, "보고함")
        mine_tab = page.get_by_role("tab", name="내가 찾은 보고")
        mine_tab.click()
        expect(mine_tab).to_have_attribute("aria-selected", "true")
        panel = page.get_by_role("tabpanel", name="내가 찾은 보고")
        report = panel.get_by_test_id("stExpander").filter(has_text=re.compile(rf"#{rid} 인계 시험"))
        report.get_by_text(re.compile(rf"#{rid} 인계 시험")).first.click()
        hand = report.get_by_role("button", name="인계", exact=True)
        expect(hand).to_be_visible(timeout=30_000)
        page.wait_for_load_state("networkidle")
        choose(page, "인계할 직원", "노아린", within=report)
        hand.click()
        toast = page.get_by_test_id("stToast").filter(has_text=f"보고 #{rid}을(를) 노아린에게 인계했습니다")
        expect(toast).to_be_visible(timeout=30_000)
        expect(toast).to_be_in_viewport()
        expect(mine_tab).to_have_attribute("aria-selected", "true")  # not back on the empty 나에게 온 보고
        changed = panel.get_by_test_id("stExpander").filter(has_text=re.compile(rf"#{rid} 인계 시험.*인계"))
        expect(changed.get_by_text("인계 시험 보고", exact=True)).to_be_visible(timeout=30_000)  # open: its memo shows
        expect(changed).to_be_in_viewport()  # and where the thumb left it, not scrolled away
        expect_no_error(page)
        screenshot(page, "phone-inbox-after-hand-over.png", tmp_path)
        assert page.blocked == []
    finally:
        page.context.close()


def test_two_taps_on_a_progress_note_record_it_once(browser, staff_app_url, app_db, tmp_path):
    from tests.helpers import staff_user

    store = open_store(app_db)
    place = store.tongs(SAMPLE_CODE).set_index("tong").loc[5, "geometry"].representative_point()
    officer = staff_user("노아린")
    rid = store.file_report(SAMPLE_CODE, lonlat=(place.x, place.y), memo="진행 시험 보고", user=officer)
    store.move_report(rid, "in_progress", user=officer)  # 직접 처리: hers, in 나에게 온 보고
    store.close()
    page = guarded_page(browser, phone=True)
    try:
        log_in(page, staff_app_url, "noar")
        open_page(page, "보고함")
        panel = page.get_by_role("tabpanel", name="나에게 온 보고")
        report = panel.get_by_test_id("stExpander").filter(has_text=re.compile(rf"#{rid} 진행 시험"))
        report.get_by_text(re.compile(rf"#{rid} 진행 시험")).first.click()
        note = report.get_by_label("진행 내용 (작성자에게 보입니다)")
        note.fill("구청 도로과에 전달함")  # sent by the tap on the button (the field loses focus)
        record = report.get_by_role("button", name="진행 기록", exact=True)
        record.click()
        page.wait_for_timeout(TAP_GAP_MS)
        record.click()
        toast = page.get_by_test_id("stToast").filter(has_text="진행 기록: 저장했습니다.")
        expect(toast).to_be_visible(timeout=30_000)
        expect(toast).to_be_in_viewport()
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)
        expect_no_error(page)
        store = open_store(app_db)
        try:
            history = store.report_history(rid)
        finally:
            store.close()
        assert list(history.loc[history["action"] == "progress", "note"]) == ["구청 도로과에 전달함"]
        settles_to(report.get_by_label("진행 내용 (작성자에게 보입니다)"), "")  # stored: a fresh field
        assert page.blocked == []
    finally:
        page.context.close()
