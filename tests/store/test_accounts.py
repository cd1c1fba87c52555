"""Accounts: argon2 hashes only, lock-out for a period counted inside the write, one refusal message, every write
scoped to the acting administrator, grants and logins logged (both backends)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

import mapping.store.accounts as accounts_module
from mapping.access import CLI_USER, User, sample_user
from mapping.errors import AccessError, AuthError, StoreError, ValidationError
from mapping.store import Store, open_store
from mapping.store.schema import ACCOUNTS
from tests.conftest import SAMPLE_CODE

GOOD = "성산2동-walk-2026"
WRONG = "wrong-password-1"
T0 = dt.datetime(2026, 11, 2, 9, 0)
BOSS = User("boss", "관리자", None, admin=True)  # an unscoped administrator
OTHER_DONG = "1111053000"  # 종로구 사직동: in Seoul's boundaries, not loaded


@pytest.fixture
def store(backend_store: Store) -> Store:
    backend_store.create_account(
        "noarin",
        name="노아린",
        password=GOOD,
        role="officer",
        staff_name="노아린",
        dong_code=SAMPLE_CODE,
        user=CLI_USER,
    )
    backend_store.clock = lambda: T0
    return backend_store


class Verifications:
    """Counts argon2 verifications against a real hash (not the dummy every refusal is verified against).

    ``hold`` makes a real verification wait (up to 20 s) until that many dummy ones were made: the attempts
    refused while one is being checked are all in before it can succeed (a success rightly starts the count
    afresh, so a later attempt would be checked again).
    """

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, hold: int = 0) -> None:
        self.real = self.dummy = 0
        done = threading.Condition()
        real_verify = accounts_module._verify

        def counting(hashed: str, password: str) -> bool:
            with done:
                if hashed == accounts_module._DUMMY:
                    self.dummy += 1
                    done.notify_all()
                else:
                    self.real += 1
                    done.wait_for(lambda: self.dummy >= hold, timeout=20)
            return real_verify(hashed, password)

        monkeypatch.setattr(accounts_module, "_verify", counting)


def _refused(store: Store, account: str, password: str, client: str | None = None) -> str:
    with pytest.raises(AuthError) as info:
        store.authenticate(account, password, client=client)
    return str(info.value)


# ---- passwords and logins -----------------------------------------------------------------------------------------


def test_password_is_kept_only_as_an_argon2_hash(store: Store) -> None:
    with store.engine.connect() as conn:
        stored = conn.execute(sa.select(ACCOUNTS.c.password_hash).where(ACCOUNTS.c.account == "noarin")).scalar_one()
    assert stored.startswith("$argon2id$") and GOOD not in stored
    assert "password_hash" not in store.accounts().columns
    assert not store.access_log()["detail"].str.contains(GOOD, regex=False).any()


def test_login_gives_the_persons_user(store: Store) -> None:
    user = store.authenticate("noarin", GOOD, client="10.0.0.7")
    assert (user.role, user.staff_name, user.dong_code, user.client) == ("officer", "노아린", SAMPLE_CODE, "10.0.0.7")
    assert store.personal_zones(SAMPLE_CODE, user=user) == {"Z28", "Z27"}
    last = store.access_log().iloc[-1]
    assert (last["action"], last["subject"], last["client"]) == ("로그인", "accounts:noarin", "10.0.0.7")
    assert last["dong_code"] == SAMPLE_CODE  # the account's dong: its 동장 reviews it
    store.create_account("mapo", name="마포구청", password=GOOD, role="gu", gu_code="11440", user=CLI_USER)
    gu = store.authenticate("mapo", GOOD)
    assert (gu.role, gu.gu_code, gu.dong_code) == ("gu", "11440", None)


def test_five_failures_lock_for_a_period_not_forever(store: Store) -> None:
    for _ in range(5):
        _refused(store, "noarin", WRONG)
    _refused(store, "noarin", GOOD)  # even the right password, while locked
    row = store.accounts().set_index("account").loc["noarin"]
    assert bool(row["locked"]) and row["locked_until"] == T0 + dt.timedelta(minutes=15)
    store.clock = lambda: T0 + dt.timedelta(minutes=14, seconds=59)
    _refused(store, "noarin", GOOD)
    store.clock = lambda: T0 + dt.timedelta(minutes=15)
    assert store.authenticate("noarin", GOOD).staff_name == "노아린"  # the period passed: no administrator needed
    assert not bool(store.accounts().set_index("account").loc["noarin", "locked"])
    failures = store.access_log().query("action == '로그인 실패'")
    assert list(failures["detail"]) == ["wrong password"] * 5 + ["locked"] * 2


def test_an_administrator_still_unlocks_at_once_and_a_success_resets_the_count(store: Store) -> None:
    for _ in range(5):
        _refused(store, "noarin", WRONG)
    store.update_account("noarin", locked=False, user=BOSS)
    assert store.authenticate("noarin", GOOD).account == "noarin"
    for _ in range(4):
        _refused(store, "noarin", WRONG)
    store.authenticate("noarin", GOOD)  # four failures, then a success: the count starts again
    for _ in range(4):
        _refused(store, "noarin", WRONG)
    assert store.authenticate("noarin", GOOD).account == "noarin"
    with pytest.raises(ValidationError, match="사용 중지"):
        store.update_account("noarin", locked=True, user=BOSS)  # locks come only from failures


def test_the_lock_period_comes_from_the_environment(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPPING_LOCK_MINUTES", "2")
    for _ in range(5):
        _refused(store, "noarin", WRONG)
    assert "2분 동안" in _refused(store, "noarin", GOOD)
    store.clock = lambda: T0 + dt.timedelta(minutes=2)
    assert store.authenticate("noarin", GOOD).account == "noarin"
    monkeypatch.setenv("MAPPING_LOCK_MINUTES", "soon")
    with pytest.raises(StoreError, match="MAPPING_LOCK_MINUTES='soon'"):
        store.authenticate("noarin", GOOD)


def test_one_message_and_one_verification_whatever_the_reason(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unknown account, wrong password, locked, disabled, no password, blocked address: nothing tells them apart."""
    store.create_account(
        "lockme", name="x", password=GOOD, role="officer", staff_name="강도윤", dong_code=SAMPLE_CODE, user=CLI_USER
    )
    store.create_account(
        "stopped", name="x", password=GOOD, role="officer", staff_name="윤지호", dong_code=SAMPLE_CODE, user=CLI_USER
    )
    store.create_account("ssoonly", name="x", password=None, email="s@mapo.go.kr", role="officer", staff_name="장하은",
                         dong_code=SAMPLE_CODE, user=CLI_USER)  # fmt: skip
    store.update_account("stopped", disabled=True, user=BOSS)
    for _ in range(5):
        _refused(store, "lockme", WRONG)
    for i in range(20):
        _refused(store, f"ghost{i}", WRONG, client="10.9.9.9")
    counted = Verifications(monkeypatch)
    messages = {
        "unknown account": _refused(store, "nobody", GOOD),
        "wrong password": _refused(store, "noarin", WRONG),
        "locked": _refused(store, "lockme", GOOD),
        "disabled": _refused(store, "stopped", GOOD),
        "no password (single sign-on only)": _refused(store, "ssoonly", GOOD),
        "client blocked": _refused(store, "noarin", GOOD, client="10.9.9.9"),
    }
    assert len(set(messages.values())) == 1, messages
    assert "잠시 잠겨 있습니다" in messages["locked"] and "lockme" not in messages["locked"]
    assert counted.real + counted.dummy == len(messages)  # one argon2 verification each: the same time
    assert counted.real == 1  # only the wrong password was checked against a real hash
    details = list(store.access_log().query("action == '로그인 실패'")["detail"].iloc[-len(messages) :])
    assert details == list(messages)  # the log still says which it was, for the monthly review


@pytest.mark.parametrize("client", [None, "10.0.0.5"])
def test_the_last_try_is_verified_once_among_twelve_at_once(
    store: Store, client: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one try left, 12 simultaneous logins (8 wrong, 4 right): exactly one is verified at all."""
    for _ in range(4):
        _refused(store, "noarin", WRONG, client=client)
    passwords = [WRONG] * 8 + [GOOD] * 4
    counted = Verifications(monkeypatch, hold=len(passwords) - 1)
    start = threading.Barrier(len(passwords))
    outcomes: list[str] = []

    def attempt(password: str) -> None:
        mine = open_store(store.url)  # its own connections, as another app server's
        mine.clock = lambda: T0
        start.wait()
        try:
            mine.authenticate("noarin", password, client=client)
            outcomes.append("in")
        except AuthError:
            outcomes.append("refused")
        finally:
            mine.close()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 12 and counted.real == 1 and counted.dummy == 11
    attempts = store.access_log().query("subject == 'accounts:noarin' and action in ['로그인', '로그인 실패']")
    assert len(attempts) == 4 + 12  # every attempt is on record
    row = store.accounts().set_index("account").loc["noarin"]
    if outcomes.count("in") == 1:  # the one verified was a right password: the count starts again
        assert int(row["failed"]) == 0 and not bool(row["locked"])
    else:  # it was a wrong one: the fifth failure locks, and nobody got in
        assert outcomes.count("in") == 0 and bool(row["locked"])
        _refused(store, "noarin", GOOD, client=client)
        store.clock = lambda: T0 + dt.timedelta(minutes=15)
        assert store.authenticate("noarin", GOOD, client=client).account == "noarin"


def test_twenty_failures_from_one_address_block_it_for_every_account(store: Store) -> None:
    for i in range(19):
        _refused(store, f"guess{i}", WRONG, client="203.0.113.9")
    assert store.authenticate("noarin", GOOD, client="203.0.113.9").account == "noarin"  # a success is no failure
    _refused(store, "guess19", WRONG, client="203.0.113.9")  # the twentieth failure
    _refused(store, "noarin", GOOD, client="203.0.113.9")  # the address is blocked, whatever account
    assert store.authenticate("noarin", GOOD, client="203.0.113.10").account == "noarin"  # another address is not
    assert not bool(store.accounts().set_index("account").loc["noarin", "locked"])  # nor is the account
    store.clock = lambda: T0 + dt.timedelta(minutes=15)
    assert store.authenticate("noarin", GOOD, client="203.0.113.9").account == "noarin"


def test_single_sign_on_maps_an_email_to_its_account(store: Store) -> None:
    store.create_account("yujm", name="유정민", password=None, email="Yu@Mapo.go.kr", role="team_leader",
                         staff_name="유정민", dong_code=SAMPLE_CODE, user=CLI_USER)  # fmt: skip
    assert store.user_for_email("yu@mapo.go.kr").role == "team_leader"
    with pytest.raises(AuthError, match="계정이 없습니다"):
        store.user_for_email("stranger@example.org")
    _refused(store, "yujm", "")  # an SSO-only account has no password to guess
    for _ in range(5):
        _refused(store, "yujm", WRONG)
    assert store.user_for_email("yu@mapo.go.kr").account == "yujm"  # a stranger's guesses do not keep them out


# ---- creating and changing accounts ---------------------------------------------------------------------------


def test_weak_password_taken_name_and_bad_role_are_refused_together(store: Store) -> None:
    with pytest.raises(ValidationError) as info:
        store.create_account("noarin", name="x", password="short", role="boss", user=CLI_USER)
    text = str(info.value)
    assert "이미 있습니다" in text and "10자 이상" in text and "'boss'" in text


def test_a_role_needs_a_dong_and_staff_member_or_a_gu_that_exist(store: Store) -> None:
    with pytest.raises(ValidationError) as info:
        store.create_account(
            "kim1", name="김", password=GOOD, role="officer", staff_name="홍길동", dong_code=OTHER_DONG, user=CLI_USER
        )
    assert f"[동]: {OTHER_DONG!r}: 저장소에 불러온 동이 아닙니다" in str(info.value)
    with pytest.raises(ValidationError) as info:
        store.create_account(
            "kim1",
            name="김",
            password=GOOD,
            role="team_leader",
            staff_name="홍길동",
            dong_code=SAMPLE_CODE,
            user=CLI_USER,
        )
    assert f"[직원]: '홍길동': 동 {SAMPLE_CODE}의 직원 명단에 없습니다" in str(info.value)
    with pytest.raises(ValidationError) as info:
        store.create_account("kim1", name="김", password="short", role="dong_head", user=CLI_USER)
    text = str(info.value)
    assert "[동]: 동장 계정은 동에 묶입니다" in text and "[직원]" in text and "[비밀번호]" in text  # all at once
    with pytest.raises(ValidationError, match=r"\[구\]: '99999': 알려진 구 코드가 아닙니다"):
        store.create_account("gu1", name="구", password=GOOD, role="gu", gu_code="99999", user=CLI_USER)
    with pytest.raises(ValidationError, match=r"\[구\]: 구 담당 계정은 구에 묶입니다"):
        store.create_account("gu1", name="구", password=GOOD, role="gu", user=CLI_USER)
    store.create_account(
        "gu1", name="종로구청", password=GOOD, role="gu", gu_code="11110", user=CLI_USER
    )  # boundaries know it
    with pytest.raises(ValidationError, match="권한이 없으면 관리자여야"):
        store.create_account("nobody1", name="x", password=GOOD, role=None, user=CLI_USER)
    assert set(store.accounts()["account"]) == {"noarin", "gu1"}


def test_only_an_admin_manages_accounts_and_every_grant_is_logged(store: Store) -> None:
    officer = store.authenticate("noarin", GOOD)
    with pytest.raises(AccessError, match="관리자만"):
        store.create_account("x-user", name="x", password=GOOD, role="officer", user=officer)
    with pytest.raises(AccessError):
        store.update_account("noarin", role="dong_head", user=officer)  # no raising oneself
    with pytest.raises(AccessError, match="읽기 전용"):
        store.create_account(
            "x-user", name="x", password=GOOD, role=None, admin=True, user=sample_user(SAMPLE_CODE, "한서윤")
        )
    store.update_account("noarin", role="team_leader", user=BOSS)
    store.update_account("noarin", disabled=True, user=BOSS)
    _refused(store, "noarin", GOOD)
    grants = store.access_log().query("action == '권한'")
    assert list(grants["subject"]) == ["accounts:noarin"] * 3  # created, role changed, disabled
    assert "team_leader" in grants.iloc[1]["detail"] and grants.iloc[1]["account"] == "boss"
    assert set(grants["dong_code"]) == {SAMPLE_CODE}  # the account's dong, for its 동장's review
    assert store.verify_access_log().intact


def test_a_scoped_administrator_manages_only_its_scope(store: Store) -> None:
    dong_admin = User("dadmin", "동 관리자", None, admin=True, dong_code=SAMPLE_CODE)
    gu_admin = User("gadmin", "마포구 관리자", None, admin=True, gu_code="11440")
    other_gu_admin = User("jadmin", "종로구 관리자", None, admin=True, gu_code="11110")
    store.create_account(
        "kang",
        name="강도윤",
        password=GOOD,
        role="officer",
        staff_name="강도윤",
        dong_code=SAMPLE_CODE,
        user=dong_admin,
    )
    with pytest.raises(AccessError, match=f"동 {SAMPLE_CODE}의 관리자라"):
        store.create_account("mapo", name="마포구청", password=GOOD, role="gu", gu_code="11440", user=dong_admin)
    with pytest.raises(AccessError, match="저장소 전체"):
        store.create_account("admin2", name="관리자2", password=GOOD, role=None, admin=True, user=dong_admin)
    with pytest.raises(AccessError, match="구 11110의 관리자라"):
        store.update_account("kang", disabled=True, user=other_gu_admin)
    store.create_account("mapo", name="마포구청", password=GOOD, role="gu", gu_code="11440", user=gu_admin)
    store.update_account("kang", disabled=True, user=gu_admin)  # a dong of its gu
    with pytest.raises(AccessError):  # moving an account out of one's scope
        store.update_account("kang", role="gu", gu_code="11440", staff_name=None, dong_code=None, user=dong_admin)
    store.create_account(
        "admin2", name="관리자2", password=GOOD, role=None, admin=True, user=BOSS
    )  # unscoped: only the
    store.create_account(
        "admin3", name="관리자3", password=GOOD, role=None, admin=True, user=CLI_USER
    )  # unscoped or owner
    assert set(store.accounts(user=dong_admin)["account"]) == {"noarin", "kang"}
    assert set(store.accounts(user=gu_admin)["account"]) == {"noarin", "kang", "mapo"}
    assert set(store.accounts(user=other_gu_admin)["account"]) == set()
    assert set(store.accounts(user=BOSS)["account"]) == {"noarin", "kang", "mapo", "admin2", "admin3"}
    with pytest.raises(AccessError):
        store.accounts(user=store.authenticate("noarin", GOOD))


def test_an_administrator_may_not_change_its_own_role_or_binding(store: Store) -> None:
    store.create_account("boss", name="관리자", password=GOOD, role=None, admin=True, user=CLI_USER)
    store.create_account("second", name="둘째 관리자", password=GOOD, role=None, admin=True, user=CLI_USER)
    boss = store.authenticate("boss", GOOD)
    for change in ({"role": "dong_head", "staff_name": "한서윤", "dong_code": SAMPLE_CODE}, {"admin": False},
                   {"gu_code": "11440"}, {"dong_code": SAMPLE_CODE}):  # fmt: skip
        with pytest.raises(AccessError, match="자기 계정의"):
            store.update_account("boss", user=boss, **change)
    store.update_account("boss", password="boss-new-pass-2026", user=boss)  # a password is one's own
    second = store.authenticate("second", GOOD)
    store.update_account("boss", role="dong_head", staff_name="한서윤", dong_code=SAMPLE_CODE, user=second)
    assert store.accounts().set_index("account").loc["boss", "role"] == "dong_head"
    store.update_account("boss", admin=False, user=CLI_USER)
    assert not bool(store.accounts().set_index("account").loc["boss", "admin"])
