"""A stranger at the door, in a real browser: addresses of staff pages say so in Korean, and show nothing else."""

from __future__ import annotations

from playwright.sync_api import expect


def test_a_visitor_typing_a_staff_address_gets_a_korean_refusal_and_no_data(page, staff_app_url):
    for path in ("/inbox", "/zones", "/accounts", "/access-log"):
        page.goto(staff_app_url + path)
        expect(page.get_by_role("heading", name="볼 수 없는 화면")).to_be_visible(timeout=30_000)
        expect(page.get_by_text("로그인한 직원만 봅니다")).to_be_visible()
        body = page.locator("body").inner_text()
        assert "Page not found" not in body and "가상주민" not in body and "010-0000" not in body
    assert page.blocked == []
