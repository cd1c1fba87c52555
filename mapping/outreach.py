"""Relationships and outreach, the pure part: 이달의 미션, 동 현안사항, referrals to community bodies, notice posts.

- **Missions and issues** (이달의 미션 / 동 현안사항) are set per dong and month by the 동장 or a 팀장;
  a report may be tagged with one, and :func:`mission_progress` counts the tagged reports by status.
- **Referrals** (의뢰) hand a report or a household's need to a body outside the staff list
  (동 지역사회보장협의체, 마을계획단, 주민자치회, 복지관 …): 의뢰 → 협의중 → 연계완료 / 연계불가.
- **Notice posts** (게시 현황) record where the officer's notice hangs and since when.

The vocabularies and the referrals' state machine are in :mod:`mapping.domain`.
The store's part is :mod:`mapping.store.missions`, :mod:`mapping.store.referrals` and
:mod:`mapping.store.outreach` (notice posts).
"""

from __future__ import annotations

import pandas as pd

from mapping.domain import (
    BODY_ALIASES,
    OPEN_STATUSES,
    REFERRAL_BODIES,
    REFERRAL_STATUSES,
    REFERRAL_TRANSITIONS,
    REPORT_STATUSES,
)
from mapping.errors import TransitionError

# columns of :func:`mission_progress` and their Korean headers (for the meeting pack); "open" is not 처리중,
# which is the label of the status in_progress: two columns must not share a header
PROGRESS_LABELS = {"total": "계", "done": "처리완료", "open": "미완료"} | dict(REPORT_STATUSES.items)


def parse_body(value: object) -> str:
    """A community body's key from its label, key or a common alias (``주민자치위원회`` → ``self_governance``).

    Raises
    ------
    ValueError
        Listing the accepted bodies.
    """
    text = str(value).strip().replace(" ", "")
    if text in BODY_ALIASES:
        return BODY_ALIASES[text]
    for key, label in REFERRAL_BODIES.items:
        if text in (key, label.replace(" ", "")):
            return key
    return REFERRAL_BODIES.parse(value)


def check_referral_transition(status: str, to: str) -> None:
    """Refuse a referral move the lifecycle does not allow (의뢰 → 협의중 → 연계완료 / 연계불가).

    Raises
    ------
    TransitionError
        Naming the current and the asked-for state, and what is possible from here.
    """
    if to not in REFERRAL_TRANSITIONS:
        raise TransitionError(f"{to!r}는 연계 상태가 아닙니다. 가능한 값: {', '.join(REFERRAL_STATUSES.labels)}")
    allowed = REFERRAL_TRANSITIONS.get(status, frozenset())
    if to not in allowed:
        here, there = REFERRAL_STATUSES.label(status), REFERRAL_STATUSES.label(to)
        nexts = ", ".join(REFERRAL_STATUSES.label(s) for s in REFERRAL_STATUSES.keys if s in allowed)
        why = f"여기서 갈 수 있는 상태: {nexts}" if nexts else "이미 끝난 연계입니다: 새로 의뢰하세요"
        raise TransitionError(f"연계 상태를 '{here}'에서 '{there}'(으)로 바꿀 수 없습니다. {why}.")


def mission_progress(missions: pd.DataFrame, reports: pd.DataFrame) -> pd.DataFrame:
    """Per mission or issue, how many reports are tagged with it, by status.

    Parameters
    ----------
    missions : DataFrame
        The month's missions (``id``, ``kind``, ``title``), as :meth:`Store.missions` gives them.
    reports : DataFrame
        Reports with ``mission_id`` and ``status``.

    Returns
    -------
    DataFrame
        One row per mission, in the missions' order: ``mission_id``, ``kind``, ``title``, ``total``,
        ``done`` (종료), ``open`` (still open, :data:`mapping.domain.OPEN_STATUSES`) and one column per
        report status key.
        :data:`PROGRESS_LABELS` gives the Korean headers.
    """
    statuses = list(REPORT_STATUSES.keys)
    tagged = reports[reports["mission_id"].notna()] if len(reports) else reports
    rows = []
    for mission in missions.itertuples():
        mine = tagged[tagged["mission_id"].astype("int64") == int(mission.id)] if len(tagged) else tagged
        counts = mine["status"].value_counts() if len(mine) else pd.Series(dtype="int64")
        row = {"mission_id": int(mission.id), "kind": mission.kind, "title": mission.title, "total": len(mine)}
        row |= {"done": int(counts.get("closed", 0)), "open": int(sum(counts.get(s, 0) for s in OPEN_STATUSES))}
        rows.append(row | {s: int(counts.get(s, 0)) for s in statuses})
    columns = ["mission_id", "kind", "title", "total", "done", "open", *statuses]
    return pd.DataFrame(rows, columns=columns)
