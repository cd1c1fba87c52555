"""Printed outputs from the pages, in a real browser: the tour map (public page) and the welcome CSV (officer page)."""

from __future__ import annotations

import os
import subprocess

import pandas as pd
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from mapping.store import open_store
from tests.browser.test_report_flow import choose
from tests.conftest import ROOT, SAMPLE_CODE
from tests.helpers import staff_user


def _download(page, button: str, tmp_path):
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)  # the rerun after a choice is over
    target = page.get_by_role("button", name=button)
    expect(target).to_be_enabled(timeout=30_000)
    for attempt in range(3):  # a click that lands while a rerun swaps the button is lost: click again
        try:
            with page.expect_download(timeout=20_000) as info:
                target.click()
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_tour_map_downloads_from_the_public_page(page, app_url, app_db, tmp_path):
    store = open_store(app_db)
    store.set_public_url(SAMPLE_CODE, "https://example.org/udongju/", user=staff_user("오민재"))
    store.close()
    page.goto(app_url + "/public")
    page.get_by_role("heading", name="공개 지도").wait_for(timeout=30_000)
    page.get_by_text("전입 안내도·게시판 포스터").click()
    choose(page, "구역", "Z09")
    expect(page.get_by_text("전입 안내도: 구역 Z09 · A4 세로")).to_be_visible(timeout=30_000)  # the rerun is done
    pdf = _download(page, "전입 안내도 PDF", tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.28 x 841.89 pts" in info  # A4 portrait
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "우리동네주무관" in text and "Z09" in text
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":  # the README shows this page
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-singlefile", str(pdf), str(ROOT / "docs" / "tour-map")], check=True
        )
    assert page.blocked == []


def test_welcome_csv_downloads_from_the_officer_page_and_is_logged(page, app_url, app_db, tmp_path):
    page.goto(app_url)
    page.get_by_role("heading", name="내 구역").wait_for(timeout=30_000)
    zone = open_store(app_db).zones(SAMPLE_CODE).set_index("officer").loc["오민재", "zone_id"]
    choose(page, "주무관", "오민재")  # three move-in households in the sample
    expect(page.get_by_role("heading", name=f"{zone} 구역")).to_be_visible(timeout=30_000)
    page.get_by_text("전입세대 환영 문자·안내도").click()
    before = len(open_store(app_db).access_log())
    csv = _download(page, "환영 문자 CSV", tmp_path)
    messages = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(messages) >= 1 and messages["메시지"].str.contains("오민재").all()
    assert all(len(m.encode("cp949")) <= 90 for m in messages["메시지"])
    log = open_store(app_db).access_log()
    assert len(log) > before and (log["subject"].str.startswith("households:")).iloc[before:].any()
    assert page.blocked == []
