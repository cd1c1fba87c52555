"""The month's calendar: the 5th / 7th / 10th deadlines, the month's weeks and who went out each week."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from mapping.access import CLI_USER
from mapping.month.aggregation import monthly_sheet_for
from mapping.month.deadlines import (
    DONE,
    DUE,
    LATE,
    NOT_APPLICABLE,
    OVERDUE,
    OutingTarget,
    deadlines_for,
    due_dates,
    month_deadlines,
    month_weeks,
    weekly_outings,
)
from mapping.store import Store
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user

D = dt.date
STEPS = ["aggregation", "meeting", "gu", "city"]
KIM, LEE, PARK = "김하늘", "이도현", "박서연"
# The four weeks of 2026-11 (11-30 is a Monday whose Thursday falls in December).
NOVEMBER = ["1주 11.2~11.8", "2주 11.9~11.15", "3주 11.16~11.22", "4주 11.23~11.29"]


def _reports(*rows: tuple[str, str]) -> pd.DataFrame:
    """Reports frame from ``(finder, "YYYY-MM-DD HH:MM")`` pairs."""
    return pd.DataFrame(
        {"finder": [r[0] for r in rows], "created_at": pd.to_datetime([r[1] for r in rows])},
        columns=["finder", "created_at"],
    )


def _walks(*rows: tuple[str, dt.date]) -> pd.DataFrame:
    """Walk stops from ``(officer, on_date)`` pairs."""
    return pd.DataFrame(
        {"officer": [r[0] for r in rows], "on_date": [r[1] for r in rows]}, columns=["officer", "on_date"]
    )


STAFF = pd.DataFrame({"name": [KIM, LEE, PARK], "team": ["행정민원팀", "복지팀", "복지팀"]})
# KIM: two reports on one day in week 1, three days of reports in week 2 (and none counted outside November).
# LEE: no report at all, a walk visit in weeks 1 and 2.
# PARK: a report and two walk stops on one day of week 1, nothing in week 2.
REPORTS = _reports(
    (KIM, "2026-11-01 10:00"),  # a Sunday: October's last week
    (KIM, "2026-11-03 10:00"),
    (KIM, "2026-11-03 15:00"),
    (KIM, "2026-11-10 09:00"),
    (KIM, "2026-11-11 09:00"),
    (KIM, "2026-11-12 09:00"),
    (PARK, "2026-11-04 11:00"),
    (KIM, "2026-11-30 09:00"),  # December's first week
)
WALKS = _walks((LEE, D(2026, 11, 5)), (LEE, D(2026, 11, 9)), (PARK, D(2026, 11, 4)), (PARK, D(2026, 11, 4)))
WEDNESDAY_OF_WEEK_3 = D(2026, 11, 18)


def _outings(target: OutingTarget, *, today: dt.date = WEDNESDAY_OF_WEEK_3, **frames: pd.DataFrame) -> pd.DataFrame:
    return weekly_outings(
        frames.get("reports", REPORTS),
        frames.get("walks", WALKS),
        STAFF,
        month="2026-11",
        target=target,
        today=today,
    ).set_index("성명")


# --- due dates and states ----------------------------------------------------------------------------------------


def test_due_dates_fall_in_the_next_month() -> None:
    assert due_dates("2026-10") == {
        "aggregation": D(2026, 11, 5),
        "meeting": D(2026, 11, 5),
        "gu": D(2026, 11, 7),
        "city": D(2026, 11, 10),
    }


def test_december_is_due_in_january_of_the_next_year() -> None:
    assert due_dates("2026-12") == {
        "aggregation": D(2027, 1, 5),
        "meeting": D(2027, 1, 5),
        "gu": D(2027, 1, 7),
        "city": D(2027, 1, 10),
    }
    assert due_dates("2026.12") == due_dates("2026-12")


def test_states_done_late_overdue_due_and_not_applicable() -> None:
    done = {"aggregation": D(2027, 1, 5), "meeting": D(2027, 1, 6), "gu": None, "city": None}
    frame = month_deadlines("2026-12", done=done, today=D(2027, 1, 8))
    assert list(frame.columns) == ["step", "항목", "기한", "상태", "완료일", "남은 날"]
    assert frame["step"].tolist() == STEPS
    assert frame["상태"].tolist() == [DONE, LATE, OVERDUE, DUE]
    assert (DONE, LATE, OVERDUE, DUE) == ("완료", "완료(지연)", "기한 지남", "예정")
    # days left only for what is still to do: -1 (a day overdue) and 2 (two days to go)
    assert frame["남은 날"].tolist() == [pd.NA, pd.NA, -1, 2]
    assert frame["완료일"].tolist()[:2] == [D(2027, 1, 5), D(2027, 1, 6)]

    skipped = month_deadlines("2026-12", done=done, not_applicable=frozenset({"city"}), today=D(2027, 1, 8))
    assert skipped.set_index("step").loc["city", "상태"] == NOT_APPLICABLE == "해당 없음"
    assert pd.isna(skipped.set_index("step").loc["city", "남은 날"])


def test_on_the_due_day_a_step_is_still_due_not_overdue() -> None:
    frame = month_deadlines("2026-10", done={}, today=D(2026, 11, 5)).set_index("step")
    assert frame.loc["aggregation", "상태"] == DUE
    assert frame.loc["aggregation", "남은 날"] == 0
    frame = month_deadlines("2026-10", done={}, today=D(2026, 11, 6)).set_index("step")
    assert frame.loc["aggregation", "상태"] == OVERDUE


# --- weeks -------------------------------------------------------------------------------------------------------


def test_month_weeks_are_monday_to_sunday_with_thursday_in_the_month() -> None:
    november = month_weeks("2026-11")
    assert november[0] == (D(2026, 11, 2), D(2026, 11, 8))  # 11-01 is a Sunday: October's week
    assert november[-1] == (D(2026, 11, 23), D(2026, 11, 29))  # 11-30's week has its Thursday in December
    assert len(november) == 4
    october = month_weeks("2026-10")
    assert october[0] == (D(2026, 9, 28), D(2026, 10, 4))  # 10-01 is a Thursday: the week starts in September
    assert october[-1] == (D(2026, 10, 26), D(2026, 11, 1))
    assert month_weeks("2026-12")[-1] == (D(2026, 12, 28), D(2027, 1, 3))


def test_the_months_weeks_of_a_year_are_its_iso_weeks_each_once() -> None:
    weeks = [week for m in range(1, 13) for week in month_weeks(f"2026-{m:02d}")]
    assert all(first.weekday() == 0 and last - first == dt.timedelta(days=6) for first, last in weeks)
    assert [first for first, _ in weeks] == [D.fromisocalendar(2026, w, 1) for w in range(1, 54)]


# --- weekly outings ----------------------------------------------------------------------------------------------


def test_one_outing_a_week_meets_the_default_target() -> None:
    table = _outings(OutingTarget())
    assert list(table.columns) == ["팀명", *NOVEMBER, "미달", "상태"]
    # KIM's two reports on 11-03 are one outing; the 11-01 and 11-30 reports belong to other months
    assert table.loc[KIM, NOVEMBER[:3]].tolist() == [1, 3, 0]
    assert table.loc[KIM, "미달"] == 0
    assert table.loc[KIM, "상태"] == "진행 중"


def test_a_walk_visit_counts_as_an_outing_and_a_day_counts_once() -> None:
    table = _outings(OutingTarget())
    assert table.loc[LEE, NOVEMBER[:2]].tolist() == [1, 1]  # walks only, no report
    assert table.loc[LEE, "상태"] == "진행 중"
    # PARK's report and two walk stops on 11-04 are one day out; week 2 had none
    assert table.loc[PARK, NOVEMBER[:2]].tolist() == [1, 0]
    assert (table.loc[PARK, "미달"], table.loc[PARK, "상태"]) == (1, "미달 1주")


def test_a_report_target_counts_reports_and_not_walks() -> None:
    table = _outings(OutingTarget(3, "report"))
    # two reports in week 1 miss "주 3건 보고"; three in week 2 meet it
    assert table.loc[KIM, NOVEMBER[:2]].tolist() == [2, 3]
    assert (table.loc[KIM, "미달"], table.loc[KIM, "상태"]) == (1, "미달 1주")
    assert table.loc[LEE, NOVEMBER[:2]].tolist() == [0, 0]
    assert table.loc[LEE, "미달"] == 2


def test_a_week_not_begun_is_empty_and_a_running_week_is_not_judged() -> None:
    table = _outings(OutingTarget())
    assert table[NOVEMBER[3]].isna().all()  # 11-23 is after 11-18
    assert (table[NOVEMBER[2]] == 0).all()  # the running week: nobody out yet, nobody flagged for it
    # on Sunday 11-08 week 1 is still running; on Monday 11-09 it is judged
    sunday = _outings(OutingTarget(), today=D(2026, 11, 8), reports=_reports(), walks=_walks())
    assert (sunday["미달"] == 0).all() and (sunday["상태"] == "진행 중").all()
    assert sunday[NOVEMBER[1:]].isna().all().all()
    monday = _outings(OutingTarget(), today=D(2026, 11, 9), reports=_reports(), walks=_walks())
    assert (monday["미달"] == 1).all()


def test_after_the_month_an_officer_out_every_week_has_achieved() -> None:
    reports = _reports(*[(KIM, f"2026-11-{day:02d} 10:00") for day in (2, 10, 18, 26)])
    table = _outings(OutingTarget(), today=D(2026, 12, 1), reports=reports, walks=_walks())
    assert table.loc[KIM, NOVEMBER].tolist() == [1, 1, 1, 1]
    assert table.loc[KIM, "상태"] == "달성"
    assert table.loc[LEE, "상태"] == "미달 4주"


def test_weekly_outings_leaves_its_inputs_alone() -> None:
    reports, walks = REPORTS.copy(), WALKS.copy()
    _outings(OutingTarget(2, "report"), reports=reports, walks=walks)
    pd.testing.assert_frame_equal(reports, REPORTS)
    pd.testing.assert_frame_equal(walks, WALKS)


def test_outing_target_labels_and_bad_values() -> None:
    assert OutingTarget().label == "주 1회 순회"
    assert OutingTarget(3, "report").label == "주 3건 보고"
    with pytest.raises(ValueError, match=r"'day'.*outing, report"):
        OutingTarget(1, "day")
    for count in (0, 21, -1):
        with pytest.raises(ValueError, match="1~20"):
            OutingTarget(count)


# --- from the store ----------------------------------------------------------------------------------------------


@pytest.fixture
def frozen_now(sample_store: Store) -> dt.datetime:
    """The store records its confirmations on 2026-11-04 09:00."""
    now = dt.datetime(2026, 11, 4, 9, 0)
    sample_store.clock = lambda: now  # the store's one clock
    return now


def _states(store: Store, *, today: dt.date) -> dict[str, str]:
    return dict(deadlines_for(store, SAMPLE_CODE, month="2026-10", today=today)[["step", "상태"]].to_numpy())


def _case(store: Store) -> int:
    reports = store.reports(SAMPLE_CODE)
    october = reports[reports["created_at"].dt.strftime("%Y-%m") == "2026-10"]
    return store.choose_best_case(
        SAMPLE_CODE,
        "2026-10",
        title="골목 안부 살피기",
        field="welfare",
        report_ids=october["id"].head(2),
        user=staff_user("오민재"),
    )


def test_deadlines_of_a_fresh_store(sample_store: Store) -> None:
    assert _states(sample_store, today=D(2026, 11, 6)) == {
        "aggregation": OVERDUE,
        "meeting": OVERDUE,
        "gu": DUE,
        "city": DUE,
    }


def test_deadlines_reflect_what_the_store_recorded(sample_store: Store, frozen_now: dt.datetime) -> None:
    store = sample_store
    store.confirm_aggregation(
        SAMPLE_CODE, monthly_sheet_for(store, SAMPLE_CODE, month="2026-10"), user=staff_user("오민재")
    )
    store.save_meeting(SAMPLE_CODE, "2026-10", held_at=dt.datetime(2026, 11, 5, 16, 0), user=staff_user("오민재"))
    # on the 4th the meeting is planned, not held
    assert _states(store, today=D(2026, 11, 4)) == {"aggregation": DONE, "meeting": DUE, "gu": DUE, "city": DUE}
    case = _case(store)
    store.record_best_case_step(case, "gu_submitted", on=D(2026, 11, 9), user=CLI_USER)
    store.record_best_case_step(case, "selected", on=D(2026, 11, 10), user=CLI_USER)
    store.record_best_case_step(case, "city_submitted", on=D(2026, 11, 10), user=CLI_USER)
    frame = deadlines_for(store, SAMPLE_CODE, month="2026-10", today=D(2026, 11, 12)).set_index("step")
    assert frame["상태"].to_dict() == {"aggregation": DONE, "meeting": DONE, "gu": LATE, "city": DONE}
    assert frame["완료일"].to_dict() == {
        "aggregation": frozen_now.date(),
        "meeting": D(2026, 11, 5),
        "gu": D(2026, 11, 9),
        "city": D(2026, 11, 10),
    }
    # another month's calendar is untouched by October's records
    assert set(deadlines_for(store, SAMPLE_CODE, month="2026-11", today=D(2026, 11, 12))["상태"]) == {DUE}


def test_a_meeting_without_a_date_is_not_done(sample_store: Store) -> None:
    sample_store.save_meeting(SAMPLE_CODE, "2026-10", held_at=None, place="2층 회의실", user=staff_user("오민재"))
    assert _states(sample_store, today=D(2026, 11, 6))["meeting"] == OVERDUE


def test_a_case_the_gu_did_not_choose_makes_the_city_step_not_applicable(sample_store: Store) -> None:
    case = _case(sample_store)
    sample_store.record_best_case_step(case, "gu_submitted", on=D(2026, 11, 6), user=CLI_USER)
    assert _states(sample_store, today=D(2026, 11, 12))["city"] == OVERDUE
    sample_store.record_best_case_step(case, "not_selected", on=D(2026, 11, 8), user=CLI_USER)
    assert _states(sample_store, today=D(2026, 11, 12)) == {
        "aggregation": OVERDUE,
        "meeting": OVERDUE,
        "gu": DONE,
        "city": NOT_APPLICABLE,
    }


def test_the_city_step_applies_while_another_case_awaits_the_gu(sample_store: Store) -> None:
    turned_down, waiting = _case(sample_store), _case(sample_store)
    for case in (turned_down, waiting):
        sample_store.record_best_case_step(case, "gu_submitted", on=D(2026, 11, 6), user=CLI_USER)
    sample_store.record_best_case_step(turned_down, "not_selected", on=D(2026, 11, 8), user=CLI_USER)
    assert _states(sample_store, today=D(2026, 11, 9))["city"] == DUE
