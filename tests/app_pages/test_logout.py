"""로그아웃 as AppTest sees it (the real browser, with a fake OIDC provider, is tests/browser/test_logout.py).

On the pinned Streamlit (1.67) ``st.user`` has no ``is_logged_in`` unless ``[auth]`` is configured: logging
out of a password login must not read it; logging out of a single-sign-on login must call ``st.logout()``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from mapping.access import owner_user
from mapping.store import open_store
from tests.conftest import APP_TIMEOUT, ROOT, SAMPLE_CODE, log_in

PASSWORD = "성산2동-walk-2026"
AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "x" * 32,
    "client_id": "udongju",
    "client_secret": "s",
    "server_metadata_url": "https://sso.example.org/.well-known/openid-configuration",
}


@pytest.fixture
def accounts(app_env: Path) -> Path:
    store = open_store(app_env)
    store.create_account(
        "noarin", name="노아린", password=PASSWORD, role="officer", staff_name="노아린", dong_code=SAMPLE_CODE,
        user=owner_user(),
    )  # fmt: skip
    store.create_account(
        "yujm", name="유정민", password=None, email="yu@mapo.go.kr", role="team_leader", staff_name="유정민",
        dong_code=SAMPLE_CODE, user=owner_user(),
    )  # fmt: skip
    store.close()
    return app_env


def _spy_on_st_logout(monkeypatch) -> list[str]:
    """Record each call of ``st.logout`` (which still runs)."""
    calls: list[str] = []
    real = st.logout

    def logout() -> None:
        calls.append("logout")
        real()

    monkeypatch.setattr(st, "logout", logout)
    return calls


def _logged_out(at: AppTest) -> None:
    assert not at.exception
    assert at.title[0].value == "로그인"
    assert not [b for b in at.sidebar.button if b.label == "로그아웃"]
    assert not any(c.value.startswith("로그인:") for c in at.sidebar.caption)


def test_password_logout_without_sso_lands_on_the_login_page(accounts, monkeypatch):
    at = log_in("noarin", PASSWORD, monkeypatch=monkeypatch)
    at.sidebar.button(key="logout").click().run()
    _logged_out(at)
    assert "user" not in at.session_state
    assert not [b for b in at.button if b.label == "통합 로그인 (SSO)"]


def test_password_logout_with_sso_configured_does_not_call_st_logout(accounts, monkeypatch):
    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.secrets["auth"] = AUTH
    at.run()
    at.text_input(key="login_account").input("noarin")
    at.text_input(key="login_password").input(PASSWORD)
    next(b for b in at.button if b.label == "로그인").click().run()
    assert at.title[0].value == "내 구역"
    calls = _spy_on_st_logout(monkeypatch)
    at.sidebar.button(key="logout").click().run()
    _logged_out(at)
    assert calls == []


def test_sso_logout_calls_st_logout_and_signs_the_person_out(accounts, monkeypatch):
    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.secrets["auth"] = AUTH
    at.user = {"is_logged_in": True, "email": "yu@mapo.go.kr", "name": "유정민"}
    at.run()
    assert not at.exception and at.title[0].value == "내 구역"
    calls = _spy_on_st_logout(monkeypatch)
    at.sidebar.button(key="logout").click().run()
    assert calls == ["logout"] and not at.exception
    assert "user" not in at.session_state
    at.run()  # the browser's next visit (after /auth/logout): st.user is empty, nobody is signed back in
    _logged_out(at)
