"""Streamlit's own widget words in a real browser: the file uploader and the multiselects speak Korean."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tests.browser.test_report_flow import go

# (case matters: the material icon of the upload button is the ligature "upload", drawn as an arrow)
ENGLISH = re.compile(r"Upload|per file|Drag and drop|Browse|not allowed|Choose|Select")
AFTER = "e => getComputedStyle(e, '::after').content"  # what CSS writes in place of the hidden English


def test_the_photo_uploader_speaks_korean_and_refuses_a_pdf_in_korean_by_name(page, staff_app_url, tmp_path):
    log_in(page, staff_app_url, "kangdy")
    go(page, "보고 접수")
    uploader = page.get_by_test_id("stFileUploader").first
    expect(uploader).to_contain_text("장당 20 MB 이하")  # our limit, in the label
    assert not ENGLISH.search(uploader.inner_text()), uploader.inner_text()  # no "Upload", no "50MB per file"
    button = uploader.get_by_role("button").get_by_test_id("stMarkdownContainer")
    assert button.evaluate(AFTER) == '"파일 고르기"'
    instructions = uploader.get_by_test_id("stFileUploaderDropzoneInstructions").locator("div").first
    assert instructions.evaluate(AFTER) == '"또는 여기로 끌어다 놓기"'

    pdf = tmp_path / "공문.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%%EOF\n")
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(pdf)
    refusal = page.get_by_test_id("stAlert").filter(has_text="공문.pdf")
    expect(refusal).to_contain_text("공문.pdf: 사진 파일이 아닙니다. JPEG, PNG, WebP 사진을 올리세요.", timeout=30_000)
    assert not ENGLISH.search(page.get_by_test_id("stMain").inner_text())
    assert page.blocked == []


def test_the_density_filters_say_what_an_empty_choice_means_in_korean(page, staff_app_url):
    log_in(page, staff_app_url, "ohmj")  # 오민재, 팀장
    go(page, "현황")
    fields = page.get_by_test_id("stMultiSelect").filter(has_text="분야").first
    expect(fields.get_by_role("combobox")).to_have_attribute("placeholder", "전체")  # nothing chosen: all count
    option = page.get_by_role("option", name="환경")
    for _ in range(3):  # a rerun that lands while the list is open closes it again
        expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)
        fields.get_by_role("combobox").click()
        try:
            expect(option).to_be_visible(timeout=3_000)  # the list, without "Select all"
            break
        except AssertionError:
            page.keyboard.press("Escape")
    expect(option).to_be_visible()
    assert page.get_by_role("option", name=re.compile("Select")).count() == 0
    page.keyboard.press("Escape")
    assert not ENGLISH.search(page.get_by_test_id("stMain").inner_text())
    assert page.blocked == []
