"""The administrator's pages headless (AppTest): 계정 within the admin's scope, 접근 기록 reviewed and anchored, and the
login page's one refusal message."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mapping.access import CLI_USER, User
from mapping.store import open_store
from tests.conftest import APP_TIMEOUT, ROOT, SAMPLE_CODE, app_store, log_in

PASSWORD = "mapo-walk-2026"


def _accounts(db: Path, *rows: dict) -> None:
    store = open_store(db)
    for row in rows:
        store.create_account(password=PASSWORD, user=CLI_USER, **row)
    store.close()


def _as(user: User, page: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app with ``user`` logged in (as the login page leaves it), on ``page``."""
    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.session_state["user"] = user
    at.run()
    at.switch_page(page).run()
    assert not at.exception
    return at


def test_accounts_page_creates_and_changes_within_scope(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _accounts(app_env, {"account": "boss", "name": "관리자", "role": None, "admin": True})
    boss = app_store().authenticate("boss", PASSWORD)
    at = _as(boss, "app_pages/accounts.py", monkeypatch)
    assert at.title[0].value == "계정" and any("저장소 전체" in c.value for c in at.caption)
    at.text_input(key="new_account_id").input("kangdy")
    at.text_input(key="new_account_name").input("강도윤")
    at.selectbox(key="new_account_role").set_value("officer")
    at.selectbox(key="new_account_dong").set_value(SAMPLE_CODE)
    at.text_input(key="new_account_staff").input("강도윤")
    at.text_input(key="new_account_password").input("short")
    next(b for b in at.button if b.label == "만들기").click().run()
    assert any("10자 이상" in e.value for e in at.error)  # nothing made
    assert list(app_store().accounts()["account"]) == ["boss"]
    at.text_input(key="new_account_password").input(PASSWORD)
    next(b for b in at.button if b.label == "만들기").click().run()
    assert app_store().accounts().set_index("account").loc["kangdy", "role"] == "officer"
    at.text_input(key="new_account_id").input("mapo")
    at.text_input(key="new_account_name").input("마포구청")
    at.selectbox(key="new_account_role").set_value("gu")
    at.selectbox(key="new_account_dong").set_value(None)
    at.text_input(key="new_account_staff").input("")
    at.selectbox(key="new_account_gu").set_value("11440")
    next(b for b in at.button if b.label == "만들기").click().run()
    assert app_store().accounts().set_index("account").loc["mapo", "gu_code"] == "11440"
    at.selectbox(key="edit_account").set_value("kangdy").run()
    at.selectbox(key="edit_role").set_value("team_leader")
    at.button(key="change_role").click().run()
    assert app_store().accounts().set_index("account").loc["kangdy", "role"] == "team_leader"
    grants = app_store().access_log().query("action == '권한' and subject == 'accounts:kangdy'")
    assert len(grants) == 2 and set(grants["account"]) == {"boss"}
    at.selectbox(key="edit_account").set_value("boss").run()
    assert not [s for s in at.selectbox if s.key == "edit_role"]  # one's own role is not offered
    assert any("자기 계정입니다" in c.value for c in at.caption)


def test_a_dong_administrator_sees_only_its_dongs_accounts(app_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _accounts(
        app_env,
        {"account": "dadmin", "name": "동 관리자", "role": None, "admin": True, "dong_code": SAMPLE_CODE},
        {"account": "noarin", "name": "노아린", "role": "officer", "staff_name": "노아린", "dong_code": SAMPLE_CODE},
        {"account": "mapo", "name": "마포구청", "role": "gu", "gu_code": "11440"},
        {"account": "boss", "name": "관리자", "role": None, "admin": True},
    )
    at = _as(app_store().authenticate("dadmin", PASSWORD), "app_pages/accounts.py", monkeypatch)
    assert set(at.dataframe[0].value["계정"]) == {"dadmin", "noarin"}
    assert at.selectbox(key="new_account_gu").options == ["(없음)"]  # no gu within a dong's scope
    assert any(f"동 {SAMPLE_CODE}" in c.value for c in at.caption)


def test_a_dong_head_reviews_its_dong_downloads_with_a_reason_and_gets_the_anchor(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _accounts(
        app_env,
        {"account": "hansy", "name": "한서윤", "role": "dong_head", "staff_name": "한서윤", "dong_code": SAMPLE_CODE},
    )
    app_store().log_event(CLI_USER, "조회", "households:1111053000")  # another dong's entry: not this reviewer's
    at = log_in("hansy", PASSWORD, monkeypatch=monkeypatch)
    at.switch_page("app_pages/access_log.py").run()
    assert not at.exception and at.title[0].value == "접근 기록"
    assert any("온전합니다" in s.value for s in at.success)
    assert set(at.dataframe[1].value["동"]) <= {SAMPLE_CODE}
    assert not [b for b in at.button if b.key == "log_prepare"]  # no reason, no download
    at.text_input(key="log_reason").input("11월 정기 점검").run()
    at.button(key="log_prepare").click().run()
    last = app_store().access_log().iloc[-1]
    assert (last["account"], last["action"], last["detail"]) == ("hansy", "다운로드", "reason=11월 정기 점검")
    csv = at.session_state["log_csv"].decode("utf-8-sig")
    assert "접근 기록 앵커" in csv.splitlines()[-1] and last["hash"] in csv
    at.button(key="log_reviewed").click().run()
    review = app_store().access_log().iloc[-1]
    assert (review["action"], review["dong_code"]) == ("검토", SAMPLE_CODE)
    shown = at.code[0].value
    assert f"마지막 {review['id']}번" in shown and review["hash"] in shown
    assert review["hash"] in app_store().log_keys.anchors.read_text()


def test_sample_browsing_reads_the_log_but_records_no_review(sample_app) -> None:
    sample_app.switch_page("app_pages/access_log.py").run()
    assert not sample_app.exception and any("샘플 동의 기록만" in c.value for c in sample_app.caption)
    before = len(app_store().access_log())
    sample_app.button(key="log_reviewed").click().run()
    assert any("읽기 전용" in e.value for e in sample_app.error) and len(app_store().access_log()) == before


def test_the_login_page_says_the_same_for_an_unknown_and_a_locked_account(
    app_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _accounts(
        app_env,
        {"account": "noarin", "name": "노아린", "role": "officer", "staff_name": "노아린", "dong_code": SAMPLE_CODE},
    )
    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT).run()

    def attempt(account: str, password: str) -> str:
        at.text_input(key="login_account").input(account)
        at.text_input(key="login_password").input(password)
        next(b for b in at.button if b.label == "로그인").click().run()
        return at.error[0].value

    for _ in range(5):
        attempt("noarin", "wrong-password-1")
    assert attempt("noarin", PASSWORD) == attempt("nobody", PASSWORD)  # locked, and unknown: one message
    assert "잠시 잠겨 있습니다" in at.error[0].value and at.title[0].value == "로그인"
