"""Accounts: argon2 hashes only, lock-out after five failures, grants and logins logged (both backends)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from mapping.access import CLI_USER, User
from mapping.errors import AuthError, ValidationError
from mapping.schema import ACCOUNTS
from mapping.store import Store
from tests.conftest import SAMPLE_CODE

GOOD = "성산2동-walk-2026"


@pytest.fixture
def store(backend_store: Store) -> Store:
    backend_store.create_account(
        "noarin", name="노아린", password=GOOD, role="officer", staff_name="노아린", dong_code=SAMPLE_CODE, by=CLI_USER
    )
    return backend_store


def test_password_is_kept_only_as_an_argon2_hash(store: Store) -> None:
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(ACCOUNTS.c.password_hash).where(ACCOUNTS.c.account == "noarin")).scalar_one()
    assert stored.startswith("$argon2id$") and GOOD not in stored
    assert "password_hash" not in store.accounts().columns


def test_login_gives_the_persons_user(store: Store) -> None:
    user = store.authenticate("noarin", GOOD, client="10.0.0.7")
    assert (user.role, user.staff_name, user.dong_code, user.client) == ("officer", "노아린", SAMPLE_CODE, "10.0.0.7")
    assert store.personal_zones(SAMPLE_CODE, user=user) == {"Z28", "Z27"}
    last = store.access_log().iloc[-1]
    assert (last["action"], last["subject"], last["client"]) == ("로그인", "accounts:noarin", "10.0.0.7")


def test_five_failures_lock_the_account_until_an_admin_unlocks_it(store: Store) -> None:
    for _ in range(5):
        with pytest.raises(AuthError, match="맞지 않습니다"):
            store.authenticate("noarin", "wrong-password-1")
    with pytest.raises(AuthError, match="잠겨"):
        store.authenticate("noarin", GOOD)  # even the right password now
    assert bool(store.accounts().set_index("account").loc["noarin", "locked"])
    admin = User("boss", "관리자", None, admin=True)
    store.update_account("noarin", locked=False, by=admin)
    assert store.authenticate("noarin", GOOD).staff_name == "노아린"
    failures = store.access_log().query("action == '로그인 실패'")
    assert len(failures) == 6


def test_unknown_account_and_wrong_password_say_the_same(store: Store) -> None:
    with pytest.raises(AuthError) as unknown:
        store.authenticate("nobody", GOOD)
    with pytest.raises(AuthError) as wrong:
        store.authenticate("noarin", "wrong-password-1")
    assert str(unknown.value) == str(wrong.value)


def test_weak_password_taken_name_and_bad_role_are_refused_together(store: Store) -> None:
    with pytest.raises(ValidationError) as info:
        store.create_account("noarin", name="x", password="short", role="boss", by=CLI_USER)
    text = str(info.value)
    assert "이미 있습니다" in text and "10자 이상" in text and "'boss'" in text


def test_only_an_admin_manages_accounts_and_every_grant_is_logged(store: Store) -> None:
    officer = store.authenticate("noarin", GOOD)
    with pytest.raises(PermissionError, match="관리자만"):
        store.create_account("x-user", name="x", password=GOOD, role="officer", by=officer)
    with pytest.raises(PermissionError):
        store.update_account("noarin", role="dong_head", by=officer)  # no raising oneself
    admin = User("boss", "관리자", None, admin=True)
    store.update_account("noarin", role="team_leader", by=admin)
    store.update_account("noarin", disabled=True, by=admin)
    with pytest.raises(AuthError, match="중지"):
        store.authenticate("noarin", GOOD)
    grants = store.access_log().query("action == '권한'")
    assert list(grants["subject"]) == ["accounts:noarin"] * 3  # created, role changed, disabled
    assert "team_leader" in grants.iloc[1]["detail"] and grants.iloc[1]["account"] == "boss"
    assert store.verify_access_log().intact


def test_single_sign_on_maps_an_email_to_its_account(store: Store) -> None:
    store.create_account("yujm", name="유정민", password=None, email="Yu@Mapo.go.kr", role="team_leader",
                         staff_name="유정민", dong_code=SAMPLE_CODE, by=CLI_USER)  # fmt: skip
    assert store.user_for_email("yu@mapo.go.kr").role == "team_leader"
    with pytest.raises(AuthError, match="계정이 없습니다"):
        store.user_for_email("stranger@example.org")
    with pytest.raises(AuthError):
        store.authenticate("yujm", "")  # an SSO-only account has no password to guess
