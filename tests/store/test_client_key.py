"""Store.file_report(client_key=…) and the API's tokens, on both backends: a report stored once per key."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest

from mapping.access import CLI_USER
from mapping.errors import AuthError, ConflictError, ValidationError
from mapping.store import Store
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user

PLACE = (126.8985, 37.5676)


def test_a_report_filed_again_under_its_key_is_the_same_report(backend_store: Store) -> None:
    officer = staff_user("강도윤")
    key = str(uuid.uuid4())
    before = len(backend_store.reports(SAMPLE_CODE))
    first = backend_store.file_report(SAMPLE_CODE, lonlat=PLACE, memo="한 번만", user=officer, client_key=key)
    again = backend_store.file_report(SAMPLE_CODE, lonlat=PLACE, memo="한 번만", user=officer, client_key=key)
    assert first == again and len(backend_store.reports(SAMPLE_CODE)) == before + 1
    assert backend_store.filed_under(SAMPLE_CODE, key, user=officer) == first
    assert backend_store.filed_under(SAMPLE_CODE, str(uuid.uuid4()), user=officer) is None
    assert len(backend_store.report_history(first)) == 1  # no second "create"
    with pytest.raises(ConflictError, match="다른 직원의 보고"):
        backend_store.file_report(SAMPLE_CODE, lonlat=PLACE, memo="남의 키", user=staff_user("노아린"), client_key=key)
    with pytest.raises(ValidationError, match="요청 키"):
        backend_store.file_report(SAMPLE_CODE, lonlat=PLACE, memo="짧은 키", user=officer, client_key="abc")


def test_the_same_key_sent_by_many_requests_at_once_is_one_report(backend_store: Store) -> None:
    officer = staff_user("강도윤")
    key, ids, errors = str(uuid.uuid4()), [], []
    before = len(backend_store.reports(SAMPLE_CODE))

    def send() -> None:
        try:
            ids.append(backend_store.file_report(SAMPLE_CODE, lonlat=PLACE, memo="동시", user=officer, client_key=key))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(set(ids)) == 1 and len(ids) == 5
    assert len(backend_store.reports(SAMPLE_CODE)) == before + 1


def test_a_token_stands_for_its_account_until_it_expires(backend_store: Store) -> None:
    backend_store.create_account(
        "noar", name="노아린", password="성산2동-walk-2026", role="officer", staff_name="노아린",
        dong_code=SAMPLE_CODE, user=CLI_USER,
    )  # fmt: skip
    user = backend_store.authenticate("noar", "성산2동-walk-2026", client="10.0.0.7")
    token, until = backend_store.issue_token(user)
    seen = backend_store.user_for_token(token, client="10.0.0.8")
    assert (seen.account, seen.staff_name, seen.dong_code, seen.client) == ("noar", "노아린", SAMPLE_CODE, "10.0.0.8")
    now = backend_store.clock()
    backend_store.clock = lambda: until + dt.timedelta(seconds=1)  # type: ignore[method-assign]
    with pytest.raises(AuthError, match="다시 로그인"):
        backend_store.user_for_token(token)
    backend_store.clock = lambda: now  # type: ignore[method-assign]
    assert backend_store.revoke_token(token) and not backend_store.revoke_token(token)
    with pytest.raises(AuthError, match="다시 로그인"):
        backend_store.user_for_token(token)


@pytest.mark.parametrize(
    "change", [{"password": "새비밀번호-성산2동-2026"}, {"role": "team_leader"}], ids=["password", "role"]
)
def test_a_reset_password_or_a_new_role_logs_the_field_app_out(backend_store: Store, change: dict) -> None:
    backend_store.create_account(
        "noar", name="노아린", password="성산2동-walk-2026", role="officer", staff_name="노아린",
        dong_code=SAMPLE_CODE, user=CLI_USER,
    )  # fmt: skip
    token, _ = backend_store.issue_token(backend_store.authenticate("noar", "성산2동-walk-2026"))
    backend_store.update_account("noar", name="노아린", user=CLI_USER)  # a name alone keeps the phone logged in
    assert backend_store.user_for_token(token).account == "noar"
    backend_store.update_account("noar", user=CLI_USER, **change)
    with pytest.raises(AuthError, match="다시 로그인"):
        backend_store.user_for_token(token)
