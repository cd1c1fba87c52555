"""Sample browsing: read-only, no accounts, settings or loads, and only while every dong is a sample dong."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from mapping.access import CLI_USER, sample_user
from mapping.kit.reader import read_kit
from tests.conftest import APP_TIMEOUT, INTAKE_FORM, ROOT, SAMPLE_CODE, app_store, as_sample_viewer, form_key
from tests.kits import write_banghak3


def _sample_session(app_env) -> AppTest:
    """The app as a newcomer meets it after ``make run``: the login page, then 샘플 사용자로 둘러보기."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT).run()
    assert at.title[0].value == "로그인" and any("읽기 전용" in c.value for c in at.caption)
    at.button(key="sample_login").click().run()
    assert not at.exception and at.title[0].value == "내 구역"
    return at


def test_sample_browsing_opens_the_field_and_leader_pages_but_no_administration(app_env) -> None:
    at = _sample_session(app_env)
    for page in ("app_pages/inbox.py", "app_pages/walk.py", "app_pages/dashboard.py", "app_pages/month.py"):
        at.switch_page(page).run()
        assert not at.exception
    for page in ("app_pages/accounts.py", "app_pages/data.py"):
        with pytest.raises(ValueError):  # no accounts and no kit loads in sample browsing
            at.switch_page(page)


def test_a_report_saved_in_sample_browsing_is_refused_in_korean_and_nothing_is_stored(app_env) -> None:
    at = _sample_session(app_env)
    before = len(app_store().reports(SAMPLE_CODE))
    at.switch_page("app_pages/intake.py").run()
    as_sample_viewer(at, "강도윤")
    at.radio(key="place_how").set_value("주소").run()
    at.text_input(key=form_key(at, INTAKE_FORM, "intake_address")).input("마포구 성산동 200-22").run()
    at.text_area(key=form_key(at, INTAKE_FORM, "memo")).input("샘플로 저장해 보기").run()
    at.button(key=form_key(at, INTAKE_FORM, "save")).click().run()
    assert not at.exception
    assert any("읽기 전용" in e.value for e in at.error)
    assert len(app_store().reports(SAMPLE_CODE)) == before
    log = app_store().access_log()
    assert not {"입력", "변경", "삭제"} & set(log.loc[log["account"] == "sample", "action"])  # it read, wrote nothing


def test_settings_and_publishing_are_not_offered_and_refused_by_the_store(app_env) -> None:
    at = _sample_session(app_env)
    at.switch_page("app_pages/public.py").run()
    assert not [b for b in at.button if b.key == "publish"]
    viewer = sample_user(SAMPLE_CODE, "오민재")
    for change in (
        lambda: app_store().set_public_url(SAMPLE_CODE, "https://evil.example/", user=viewer),
        lambda: app_store().load_kit(read_kit(ROOT / "data" / "sample_kit"), user=viewer),
        lambda: app_store().create_account(
            "x-sample", name="x", password="abc-12345678", role=None, user=viewer, admin=True
        ),
    ):
        with pytest.raises(PermissionError):
            change()
    assert app_store().public_url(SAMPLE_CODE) is None and app_store().accounts().empty


def test_sample_browsing_ends_once_a_real_dong_is_loaded(app_env, tmp_path) -> None:
    at = _sample_session(app_env)
    households = app_store().households(SAMPLE_CODE, user=sample_user(SAMPLE_CODE, "한서윤"))
    assert len(households)  # sample people, invented: readable while only sample dongs are in the store
    app_store().load_kit(read_kit(write_banghak3(tmp_path / "banghak3")), user=CLI_USER)
    at.run()  # the same open session, next interaction
    assert not at.exception and at.title[0].value == "로그인"
    assert any("샘플 둘러보기를 끝냈습니다" in w.value for w in at.warning)
    assert not [b for b in at.button if b.key == "sample_login"]  # and it cannot be started again
    with pytest.raises(PermissionError, match="개인정보"):  # the store agrees, whatever a page would do
        app_store().households(SAMPLE_CODE, user=sample_user(SAMPLE_CODE, "한서윤"))
