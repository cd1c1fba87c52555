"""The store's part of the team leader's month: 취합 confirmations, meetings, best cases and the outing target."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from mapping.access import CLI_USER
from mapping.errors import NotFoundError, ValidationError
from mapping.month.aggregation import monthly_sheet_for
from mapping.month.deadlines import OutingTarget
from mapping.store import Store, open_store
from mapping.store.schema import MEETINGS, POINT_TABLES
from tests.conftest import SAMPLE_CODE
from tests.helpers import problem_texts, staff_user


@pytest.fixture
def sample_store(backend_store: Store) -> Store:
    """The store's own tests run on both backends: the embedded SQLite file and PostgreSQL + PostGIS."""
    return backend_store


LEADER = "오민재"
OTHER_DONG = "1144074000"


def _october_ids(store: Store, n: int = 2) -> list[int]:
    reports = store.reports(SAMPLE_CODE)
    return [int(i) for i in reports[reports["created_at"].dt.strftime("%Y-%m") == "2026-10"]["id"].head(n)]


def _choose(store: Store, **changes: object) -> int:
    values = {"title": "골목 안부 살피기", "field": "welfare", "report_ids": _october_ids(store)} | changes
    return store.choose_best_case(SAMPLE_CODE, "2026-10", user=staff_user(LEADER), **values)  # type: ignore[arg-type]


def _report_of_another_dong(store: Store) -> int:
    with store.engine.begin() as conn:
        result = conn.execute(
            POINT_TABLES["reports"]
            .insert()
            .values(
                dong_code=OTHER_DONG,
                origin="app",
                lon=126.91,
                lat=37.56,
                created_at=dt.datetime(2026, 10, 8, 10, 0),
                finder="다른동 주무관",
                memo="다른 동의 보고",
                status="received",
                reported=True,
            )
        )
        return int(result.inserted_primary_key[0])


# --- 취합 ----------------------------------------------------------------------------------------------------------


def test_confirmed_aggregation_keeps_the_totals_and_a_second_replaces_it(sample_store: Store) -> None:
    sheet = monthly_sheet_for(sample_store, SAMPLE_CODE, month="2026-10")
    assert sample_store.aggregation(SAMPLE_CODE, "2026-10") is None
    first = sample_store.confirm_aggregation(SAMPLE_CODE, sheet, user=staff_user(LEADER))
    sample_store.confirm_aggregation(SAMPLE_CODE, sheet, user=staff_user("유정민"))
    saved = sample_store.aggregation(SAMPLE_CODE, "2026.10")
    assert saved["confirmed_by"] == "유정민"
    assert saved["confirmed_at"] >= first
    assert saved["totals"]["계"] == sheet.total == 32
    assert sum(saved["totals"][f] for f in ("복지", "환경", "안전", "민원", "홍보", "일반")) == 32
    assert sample_store.aggregation(SAMPLE_CODE, "2026-09") is None


# --- 공유회의 -------------------------------------------------------------------------------------------------------


def test_a_meeting_saved_twice_is_replaced(sample_store: Store) -> None:
    held = dt.datetime(2026, 11, 4, 16, 0)
    sample_store.save_meeting(
        SAMPLE_CODE,
        "2026-10",
        held_at=held,
        place=" 2층 회의실 ",
        attendees=[" 오민재 ", "", "강도윤"],
        discussion="하수구 냄새 민원 대책",
        user=staff_user(LEADER),
    )
    first = sample_store.meeting(SAMPLE_CODE, "2026-10")
    assert (first["held_at"], first["place"], first["attendees"]) == (held, "2층 회의실", ["오민재", "강도윤"])
    sample_store.save_meeting(
        SAMPLE_CODE,
        "2026.10",
        held_at=None,
        place="동 주민센터 3층",
        requests="폭염 취약가구 방문",
        user=staff_user("유정민"),
    )
    second = sample_store.meeting(SAMPLE_CODE, "2026-10")
    assert second["held_at"] is None
    assert (second["place"], second["attendees"], second["discussion"]) == ("동 주민센터 3층", [], "")
    assert (second["requests"], second["updated_by"]) == ("폭염 취약가구 방문", "유정민")
    with sample_store.engine.connect() as conn:
        rows = conn.execute(sa.select(sa.func.count()).select_from(MEETINGS)).scalar_one()
    assert rows == 1
    assert sample_store.meeting(SAMPLE_CODE, "2026-11") is None


def test_a_meeting_with_overlong_texts_is_refused_whole(sample_store: Store) -> None:
    log = len(sample_store.access_log())
    with pytest.raises(ValidationError) as info:
        sample_store.save_meeting(
            SAMPLE_CODE,
            "2026-10",
            held_at=None,
            discussion="가" * 5001,
            requests="나" * 6000,
            user=staff_user(LEADER),
        )
    texts = problem_texts(info.value)
    assert len(texts) == 2
    assert "[중점 토의사항]" in texts[0] and "5001자" in texts[0]
    assert "[당부사항]" in texts[1] and "6000자" in texts[1]
    assert sample_store.meeting(SAMPLE_CODE, "2026-10") is None
    assert len(sample_store.access_log()) == log


# --- 실천사례 -------------------------------------------------------------------------------------------------------


def test_a_best_case_is_stored_as_chosen(sample_store: Store) -> None:
    ids = _october_ids(sample_store, 3)
    case_id = _choose(
        sample_store, title="  골목   안부\n살피기 ", field="복지", report_ids=[ids[2], ids[0], ids[2], ids[1]]
    )
    case = sample_store.best_case(case_id)
    assert case["title"] == "골목 안부 살피기"
    assert case["field"] == "welfare"
    assert case["report_ids"] == sorted(ids)
    assert (case["month"], case["chosen_by"]) == ("2026-10", LEADER)
    assert (case["gu_submitted_on"], case["gu_result"], case["city_submitted_on"]) == (None, None, None)
    assert sample_store.best_cases(SAMPLE_CODE)["id"].tolist() == [case_id]


def test_best_case_validation_collects_every_problem_and_stores_nothing(sample_store: Store) -> None:
    other = _report_of_another_dong(sample_store)
    log = len(sample_store.access_log())
    with pytest.raises(ValidationError) as info:
        _choose(sample_store, title="   ", field="날씨", report_ids=[_october_ids(sample_store)[0], other, 99999])
    texts = problem_texts(info.value)
    assert len(texts) == 3
    assert "[제목]" in texts[0] and "비어 있습니다" in texts[0]
    assert "[분야]" in texts[1] and "'날씨'" in texts[1] and "복지" in texts[1]
    assert "[보고]" in texts[2] and f"{other}, 99999" in texts[2]
    assert "오류 3건" in str(info.value)
    assert sample_store.best_cases(SAMPLE_CODE).empty
    assert len(sample_store.access_log()) == log


def test_a_best_case_needs_a_report_and_a_short_title(sample_store: Store) -> None:
    with pytest.raises(ValidationError) as info:
        _choose(sample_store, title="가" * 201, report_ids=[])
    texts = problem_texts(info.value)
    assert len(texts) == 2
    assert "201자" in texts[0] and "하나 이상" in texts[1]
    assert sample_store.best_cases(SAMPLE_CODE).empty


def test_an_unknown_best_case_is_not_found(sample_store: Store) -> None:
    with pytest.raises(NotFoundError, match="실천사례 404"):
        sample_store.best_case(404)
    with pytest.raises(NotFoundError):
        sample_store.record_best_case_step(404, "gu_submitted", on=dt.date(2026, 11, 6), user=CLI_USER)


def test_best_case_steps_go_in_order(sample_store: Store) -> None:
    store, case_id = sample_store, _choose(sample_store)
    on = dt.date(2026, 11, 6)
    for step in ("selected", "not_selected"):
        with pytest.raises(ValidationError, match="구에 제출한 뒤에"):
            store.record_best_case_step(case_id, step, on=on, user=CLI_USER)
    with pytest.raises(ValidationError, match="구가 선정한 사례만"):
        store.record_best_case_step(case_id, "city_submitted", on=on, user=CLI_USER)
    with pytest.raises(ValidationError, match="'approved'는 단계가 아닙니다"):
        store.record_best_case_step(case_id, "approved", on=on, user=CLI_USER)
    assert store.best_case(case_id)["gu_submitted_on"] is None

    store.record_best_case_step(case_id, "gu_submitted", on=on, user=CLI_USER)
    with pytest.raises(ValidationError, match="구가 선정한 사례만"):  # submitted, but the gu has not chosen yet
        store.record_best_case_step(case_id, "city_submitted", on=on, user=CLI_USER)
    store.record_best_case_step(case_id, "selected", on=dt.date(2026, 11, 8), user=CLI_USER)
    store.record_best_case_step(case_id, "city_submitted", on=dt.date(2026, 11, 9), user=CLI_USER)
    case = store.best_case(case_id)
    assert (case["gu_submitted_on"], case["gu_result"], case["gu_result_on"], case["city_submitted_on"]) == (
        on,
        "selected",
        dt.date(2026, 11, 8),
        dt.date(2026, 11, 9),
    )


def test_a_case_the_gu_did_not_choose_cannot_go_to_the_city(sample_store: Store) -> None:
    store, case_id = sample_store, _choose(sample_store)
    store.record_best_case_step(case_id, "gu_submitted", on=dt.date(2026, 11, 6), user=CLI_USER)
    store.record_best_case_step(case_id, "not_selected", on=dt.date(2026, 11, 8), user=CLI_USER)
    with pytest.raises(ValidationError, match="구가 선정한 사례만"):
        store.record_best_case_step(case_id, "city_submitted", on=dt.date(2026, 11, 9), user=CLI_USER)
    case = store.best_case(case_id)
    assert (case["gu_result"], case["city_submitted_on"]) == ("not_selected", None)


def test_best_cases_newest_month_first(sample_store: Store) -> None:
    reports = sample_store.reports(SAMPLE_CODE)
    september = int(reports[reports["created_at"].dt.month == 9]["id"].iloc[0])
    october = _choose(sample_store)
    earlier = sample_store.choose_best_case(
        SAMPLE_CODE, "2026-09", title="9월 사례", field="환경", report_ids=[september], user=staff_user(LEADER)
    )
    assert sample_store.best_cases(SAMPLE_CODE)["id"].tolist() == [october, earlier]
    assert sample_store.best_cases(OTHER_DONG).empty


# --- settings ------------------------------------------------------------------------------------------------------


def test_outing_target_defaults_and_persists_across_opening(sample_store: Store) -> None:
    assert sample_store.outing_target(SAMPLE_CODE) == OutingTarget(1, "outing")
    sample_store.set_outing_target(SAMPLE_CODE, OutingTarget(2, "outing"), user=staff_user(LEADER))
    sample_store.set_outing_target(SAMPLE_CODE, OutingTarget(3, "report"), user=staff_user(LEADER))
    url = sample_store.url
    sample_store.close()
    again = open_store(url)
    try:
        assert again.outing_target(SAMPLE_CODE) == OutingTarget(3, "report")
        assert again.outing_target(OTHER_DONG) == OutingTarget()
    finally:
        again.close()


# --- the access log ------------------------------------------------------------------------------------------------


def test_every_write_appends_to_the_access_log(sample_store: Store) -> None:
    store = sample_store
    before = len(store.access_log())
    sheet = monthly_sheet_for(store, SAMPLE_CODE, month="2026-10")
    store.confirm_aggregation(SAMPLE_CODE, sheet, user=staff_user(LEADER))
    store.save_meeting(SAMPLE_CODE, "2026-10", held_at=None, user=staff_user(LEADER))
    case_id = _choose(store)
    store.record_best_case_step(case_id, "gu_submitted", on=dt.date(2026, 11, 6), user=staff_user(LEADER))
    store.set_outing_target(SAMPLE_CODE, OutingTarget(2), user=staff_user(LEADER))
    log = store.access_log()
    new = log.iloc[before:]
    assert new["subject"].tolist() == [
        f"aggregation:{SAMPLE_CODE}:2026-10",
        f"meeting:{SAMPLE_CODE}:2026-10",
        f"best_case:{case_id}",
        f"best_case:{case_id}",
        f"settings:{SAMPLE_CODE}",
    ]
    assert set(new["account"]) == {staff_user(LEADER).account}  # every entry names who did it
    assert "total=32" in new["detail"].iloc[0]
    assert "gu_submitted 2026-11-06" in new["detail"].iloc[3]
    # the chain holds: each entry names the one before
    assert new["prev_hash"].tolist() == log["hash"].iloc[before - 1 : -1].tolist()
