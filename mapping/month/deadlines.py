"""The month's calendar: the 5th / 7th / 10th deadlines, and who has gone out each week.

For the activities of month M: the 취합 and the sharing meeting are due on the
5th of M+1, the best case goes to the gu by the 7th and, if the gu chooses
it, to the city by the 10th.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from mapping.month.aggregation import parse_month

if TYPE_CHECKING:
    from mapping.store import Store

DONE, DUE, OVERDUE, LATE, NOT_APPLICABLE, UPCOMING = "완료", "예정", "기한 지남", "완료(지연)", "해당 없음", "-"
UNITS = {"outing": "회 순회", "report": "건 보고"}
STEPS = (
    ("aggregation", "활동실적 취합", 5),
    ("meeting", "공유회의 개최", 5),
    ("gu", "우수사례 구 제출", 7),
    ("city", "구 선정 사례 시 제출", 10),
)


@dataclass(frozen=True)
class OutingTarget:
    """How much going out a week is expected: ``count`` outings (days out) or reports."""

    count: int = 1
    unit: str = "outing"

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"목표 단위 {self.unit!r}는 알 수 없습니다. 가능한 값: {', '.join(UNITS)}")
        if not 1 <= int(self.count) <= 20:
            raise ValueError(f"주간 목표 {self.count}은(는) 1~20 사이여야 합니다.")

    @property
    def label(self) -> str:
        """E.g. "주 1회 순회" or "주 3건 보고"."""
        return f"주 {self.count}{UNITS[self.unit]}"


def due_dates(month: str) -> dict[str, dt.date]:
    """The deadlines for month ``month``'s activities, by step key."""
    after = parse_month(month) + 1
    return {key: dt.date(after.year, after.month, day) for key, _, day in STEPS}


def month_deadlines(
    month: str,
    *,
    done: dict[str, dt.date | None],
    not_applicable: frozenset[str] = frozenset(),
    today: dt.date,
) -> pd.DataFrame:
    """The month's steps with due date and state (완료 / 완료(지연) / 예정 / 기한 지남 / 해당 없음).

    Parameters
    ----------
    month : str
        ``YYYY-MM``: the month whose activities are reported.
    done : dict
        Step key (``aggregation, meeting, gu, city``) → the date it was done, or None.
    not_applicable : frozenset
        Steps that do not apply (the city step when the gu did not choose the case).
    today : datetime.date
        The day to judge by.

    Returns
    -------
    DataFrame
        ``step, 항목, 기한, 상태, 완료일, 남은 날`` in deadline order.
    """
    rows = []
    for key, label, _ in STEPS:
        due = due_dates(month)[key]
        finished = done.get(key)
        if key in not_applicable:
            state = NOT_APPLICABLE
        elif finished:
            state = DONE if finished <= due else LATE
        else:
            state = OVERDUE if today > due else DUE
        left = (due - today).days if state in (DUE, OVERDUE) else None
        rows.append({"step": key, "항목": label, "기한": due, "상태": state, "완료일": finished, "남은 날": left})
    frame = pd.DataFrame(rows)
    frame["남은 날"] = frame["남은 날"].astype("Int64")
    return frame


def month_weeks(month: str) -> list[tuple[dt.date, dt.date]]:
    """The month's weeks, Monday to Sunday: those whose Thursday falls in the month (as ISO weeks count).

    A week crossing the month's edge belongs to the month holding most of its days, so no week is a
    one-day stub and every week is judged whole.
    """
    period = parse_month(month)
    first = period.start_time.date()
    monday = first - dt.timedelta(days=first.weekday())
    if (monday + dt.timedelta(days=3)).month != first.month:
        monday += dt.timedelta(days=7)
    weeks = []
    while (monday + dt.timedelta(days=3)).month == first.month:
        weeks.append((monday, monday + dt.timedelta(days=6)))
        monday += dt.timedelta(days=7)
    return weeks


def weekly_outings(
    reports: pd.DataFrame,
    walks: pd.DataFrame,
    staff: pd.DataFrame,
    *,
    month: str,
    target: OutingTarget,
    today: dt.date,
) -> pd.DataFrame:
    """Each officer's outings (or reports) per week of the month against the target.

    An outing is a day on which the officer filed a report or recorded a walk
    visit.  Weeks are those of :func:`month_weeks`; a week is judged only once it has ended.

    Returns
    -------
    DataFrame
        ``팀명, 성명``, one column per week (``"1주 11.3~11.9"``: the count, None for a week
        not begun), ``미달`` (ended weeks below target) and ``상태`` (``미달 n주`` / ``달성`` / ``진행 중``).
    """
    weeks = month_weeks(month)
    days = _activity_days(reports, walks, unit=target.unit)
    rows = []
    for name, team in zip(staff["name"], staff["team"], strict=True):
        mine = days[days["officer"] == name]
        row: dict[str, object] = {"팀명": team, "성명": name}
        short = 0
        for i, (first, last) in enumerate(weeks, 1):
            label = f"{i}주 {first.month}.{first.day}~{last.month}.{last.day}"
            if first > today:
                row[label] = None
                continue
            in_week = mine[(mine["day"] >= first) & (mine["day"] <= last)]
            count = int(in_week["count"].sum())
            row[label] = count
            short += int(last < today and count < target.count)
        row["미달"] = short
        row["상태"] = f"미달 {short}주" if short else ("달성" if weeks[-1][1] < today else "진행 중")
        rows.append(row)
    return pd.DataFrame(rows)


def _activity_days(reports: pd.DataFrame, walks: pd.DataFrame, *, unit: str) -> pd.DataFrame:
    """(officer, day, count): distinct days out (``outing``) or reports filed (``report``)."""
    filed = pd.DataFrame(
        {"officer": reports["finder"], "day": pd.to_datetime(reports["created_at"]).dt.date} if len(reports) else {},
        columns=["officer", "day"],
    )
    if unit == "report":
        return filed.groupby(["officer", "day"]).size().rename("count").reset_index()
    visited = pd.DataFrame(
        {"officer": walks["officer"], "day": pd.to_datetime(walks["on_date"]).dt.date} if len(walks) else {},
        columns=["officer", "day"],
    )
    out = pd.concat([filed, visited]).drop_duplicates()
    out["count"] = 1
    return out


def deadlines_for(store: Store, code: str, *, month: str, today: dt.date) -> pd.DataFrame:
    """:func:`month_deadlines` of dong ``code`` from what the store recorded."""
    month = parse_month(month).strftime("%Y-%m")
    aggregation = store.aggregation(code, month)
    meeting = store.meeting(code, month)
    cases = store.best_cases(code)
    cases = cases[cases["month"] == month]
    done: dict[str, dt.date | None] = {
        "aggregation": aggregation["confirmed_at"].date() if aggregation else None,
        "meeting": meeting["held_at"].date()
        if meeting and meeting["held_at"] and meeting["held_at"].date() <= today
        else None,
        "gu": min(cases["gu_submitted_on"].dropna(), default=None),
        "city": min(cases["city_submitted_on"].dropna(), default=None),
    }
    declined = len(cases) and (cases["gu_result"] == "not_selected").all()  # no case can go to the city
    not_applicable = frozenset({"city"}) if declined else frozenset()
    return month_deadlines(month, done=done, not_applicable=not_applicable, today=today)
