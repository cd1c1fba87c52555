"""로그아웃 in a real browser on the pinned Streamlit: with a password, and through single sign-on (st.login).

Without ``[auth]`` Streamlit 1.67's ``st.user`` has no ``is_logged_in``: logging out must not touch it. With
single sign-on the app is given an ``[auth]`` pointing at a fake OpenID Connect provider on 127.0.0.1
(tests/browser/oidc.py) through ``--secrets.files``; the repository's .streamlit/ is not touched.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from mapping.access import owner_user
from mapping.store import open_store
from tests.browser.conftest import free_port, serve_app
from tests.browser.oidc import CLIENT_ID, CLIENT_SECRET, FakeOIDC
from tests.conftest import SAMPLE_CODE

PASSWORD = "성산2동-walk-2026"
SSO_EMAIL = "seoyun.han@example.go.kr"
OFFICER_PAGES = ("내 구역", "보고 접수", "보고함", "주간 순회")
# what Streamlit's own error pages and dialogs say (in English), and the 1.67 failure this guards against
ENGLISH_ERRORS = re.compile(r"Error|Traceback|exception|has no attribute|not found|st\.user|Authentication", re.I)
USER_COOKIE = "_streamlit_user"


@pytest.fixture(scope="module")
def accounts_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample store with two officers' accounts: 노아린 logs in with a password, 한서윤 through SSO."""
    db = tmp_path_factory.mktemp("logout") / "app.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    admin = owner_user()
    store.create_account(
        "noarin",
        name="노아린",
        password=PASSWORD,
        role="officer",
        staff_name="노아린",
        dong_code=SAMPLE_CODE,
        user=admin,
    )
    store.create_account(
        "seoyun",
        name="한서윤",
        password=None,  # single sign-on only
        email=SSO_EMAIL,
        role="officer",
        staff_name="한서윤",
        dong_code=SAMPLE_CODE,
        user=admin,
    )
    store.close()
    return db


@pytest.fixture(scope="module")
def plain_app(accounts_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app without single sign-on (an empty secrets file: no [auth] whatever the machine has)."""
    folder = tmp_path_factory.mktemp("plain")
    (folder / "secrets.toml").write_text("")
    with serve_app(accounts_db, folder, args=["--secrets.files", str(folder / "secrets.toml")]) as url:
        yield url


@pytest.fixture(scope="module")
def sso_app(accounts_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, FakeOIDC]]:
    """The app with ``[auth]`` pointing at a fake OpenID Connect provider on 127.0.0.1, and that provider."""
    folder = tmp_path_factory.mktemp("sso")
    port = free_port()
    provider = FakeOIDC(email=SSO_EMAIL, name="한서윤", redirect_uri=f"http://127.0.0.1:{port}/oauth2callback")
    (folder / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{provider.redirect_uri}"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        f'client_id = "{CLIENT_ID}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n'
    )
    env = {"NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}  # the app's token requests stay local
    args = ["--secrets.files", str(folder / "secrets.toml")]
    try:
        with serve_app(accounts_db, folder, env=env, args=args, port=port) as url:
            yield url, provider
    finally:
        provider.stop()


def no_english_error(page) -> None:
    expect(page.get_by_test_id("stException")).to_have_count(0)
    text = page.locator("body").inner_text()
    assert not ENGLISH_ERRORS.search(text), text


def logged_in_as(page, name: str) -> None:
    expect(page.get_by_role("heading", name="내 구역", exact=True)).to_be_visible(timeout=30_000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_text(re.compile(rf"로그인: {name}"))).to_be_visible(timeout=30_000)
    for title in OFFICER_PAGES:
        expect(page.get_by_role("link", name=title)).to_have_count(1)
    no_english_error(page)


def logged_out(page) -> None:
    """The login page in Korean, only the public pages in the menu, nobody named in the sidebar."""
    expect(page.get_by_role("heading", name="로그인", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_label("계정", exact=True)).to_be_visible()
    expect(page.get_by_test_id("stStatusWidget")).to_be_hidden(timeout=30_000)  # no run in progress
    expect(page.get_by_role("link", name="공개 지도")).to_have_count(1)
    for title in OFFICER_PAGES:
        expect(page.get_by_role("link", name=title)).to_have_count(0)
    expect(page.get_by_role("button", name="로그아웃")).to_have_count(0)
    expect(page.get_by_test_id("stSidebar").get_by_text("로그인:")).to_have_count(0)
    no_english_error(page)


def log_out(page) -> None:
    page.get_by_role("button", name="로그아웃").click()
    logged_out(page)


def password_login(page, account: str, password: str) -> None:
    page.get_by_label("계정", exact=True).fill(account)
    page.get_by_label("비밀번호", exact=True).fill(password)
    page.get_by_role("button", name="로그인", exact=True).click()


def user_cookie(page) -> bool:
    return any(c["name"].startswith(USER_COOKIE) for c in page.context.cookies())


def test_password_logout_without_single_sign_on(page, plain_app):
    page.goto(plain_app)
    logged_out(page)
    expect(page.get_by_role("button", name="통합 로그인 (SSO)")).to_have_count(0)  # no [auth]: no SSO
    password_login(page, "noarin", PASSWORD)
    logged_in_as(page, "노아린")
    page.get_by_role("link", name="보고함").click()  # log out from another page than the first
    page.get_by_role("heading", name="보고함").wait_for(timeout=30_000)

    log_out(page)
    expect(page).to_have_url(plain_app + "/")  # the login page is the app's first page again
    page.reload()
    logged_out(page)  # a reload stays logged out
    assert page.blocked == []


def test_password_logout_with_single_sign_on_configured(page, sso_app):
    url, provider = sso_app
    before = list(provider.events)
    page.goto(url)
    expect(page.get_by_role("button", name="통합 로그인 (SSO)")).to_be_visible(timeout=30_000)
    password_login(page, "noarin", PASSWORD)
    logged_in_as(page, "노아린")
    log_out(page)
    page.reload()
    logged_out(page)
    assert provider.events == before  # never sent to the provider: st.logout only for an SSO login
    assert not user_cookie(page)
    assert page.blocked == []


def test_single_sign_on_login_logout_and_login_again(page, sso_app):
    url, provider = sso_app
    page.goto(url)
    logged_out(page)
    page.get_by_role("button", name="통합 로그인 (SSO)").click()
    logged_in_as(page, "한서윤")  # the provider's e-mail is 한서윤's account
    assert user_cookie(page)
    assert provider.events[-2:] == ["token", "jwks"] and "authorize" in provider.events

    with page.expect_event("load", timeout=30_000):  # the browser goes to /auth/logout, the provider, the app
        page.get_by_role("button", name="로그아웃").click()
    logged_out(page)
    assert provider.events[-1] == "logout"  # RP-initiated logout at the provider, then back to the app
    assert not user_cookie(page)  # st.user's identity cookie is gone, not only the app's session
    page.reload()
    logged_out(page)

    page.get_by_role("button", name="통합 로그인 (SSO)").click()
    logged_in_as(page, "한서윤")
    assert provider.errors == []
    assert page.blocked == []
