"""The life of a field report: statuses, who may move it where, and to whom it goes.

Lifecycle: 접수 → 인계 → 처리중 → 주민통보 → 종료, plus 반려 (returned to the
finder, with a reason) and 중복 (a duplicate of another report).  A report
whose duty is the finder's own goes straight from 접수 to 처리중.  Closing
needs a resident-notification record unless the report has no resident, and
a welfare-team report needs the administrative team leader's co-approval
(협조결재) first.

The statuses and the moves between them (:data:`mapping.domain.REPORT_STATUSES`,
:data:`mapping.domain.TRANSITIONS`) are defined in :mod:`mapping.domain`; this module checks them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from mapping.access import account_role_of
from mapping.domain import (
    ADMIN_TEAM_WORD,
    DUTIES,
    HEADS,
    HISTORY_ACTIONS,
    REPORT_STATUSES,
    TRANSITIONS,
    WELFARE_TEAM_WORD,
)
from mapping.errors import TransitionError
from mapping.text import text_of

# the duty a report of a field usually needs, when the finder does not say
DUTY_FOR_FIELD = {
    "welfare": "welfare",
    "environment": "cleaning",
    "safety": "safety",
    "petition": "petition",
    "promotion": "village",
    "general": None,
}


@dataclass(frozen=True)
class Proposal:
    """Whom a report should go to: ``kind`` is own, person, team or nobody; ``duty`` the duty it was routed by."""

    kind: str
    person: str | None = None
    team: str | None = None
    candidates: tuple[str, ...] = field(default_factory=tuple)
    duty: str | None = None

    @property
    def text(self) -> str:
        """The proposal in Korean, for the finder to confirm."""
        if self.kind == "own":
            return "본인 업무입니다: 직접 처리하세요."
        if self.kind == "person":
            return f"{self.person} ({self.team})에게 인계를 제안합니다."
        if self.kind == "team":
            return f"{self.team} ({', '.join(self.candidates)})에 인계를 제안합니다: 담당자 {self.person}."
        if self.duty is None:
            return "분야·담당업무가 정해지지 않아 제안할 직원이 없습니다: 보고를 채우거나 인계할 직원을 직접 고르세요."
        return f"담당업무 '{DUTIES.label(self.duty)}'을(를) 맡은 직원이 없습니다: 팀장과 상의해 담당자를 고르세요."


def propose_assignee(duty: object, staff: pd.DataFrame, *, finder: str, field: object = None) -> Proposal:
    """Propose whom to hand a report over to, by duty (담당업무), else by the field's usual duty.

    Parameters
    ----------
    duty : str or None
        The duty key the report needs (see :data:`mapping.domain.DUTIES`); None, NaN or "" when not said.
    staff : DataFrame
        ``name``, ``team``, ``role``, ``duties`` (list of keys).
    finder : str
        Who found it.
    field : str or None
        The report's field key (:data:`mapping.domain.FIELDS`): routes a report without a duty by the duty
        its field usually needs (:data:`DUTY_FOR_FIELD`).

    Returns
    -------
    Proposal
        ``own`` when the finder has the duty; ``person`` when one colleague has
        it; ``team`` when several do (the team leader among them, else the
        first, is proposed); ``nobody`` otherwise (no duty known, or nobody holds it): never a default person.
    """
    wanted = text_of(duty) or DUTY_FOR_FIELD.get(text_of(field))
    if not wanted:
        return Proposal("nobody")
    people = staff.set_index("name")
    if finder in people.index and wanted in _duties(people.loc[finder, "duties"]):
        return Proposal("own", finder, people.loc[finder, "team"], duty=wanted)
    having = [n for n, d in zip(staff["name"], staff["duties"], strict=True) if n != finder and wanted in _duties(d)]
    if not having:
        return Proposal("nobody", duty=wanted)
    if len(having) == 1:
        return Proposal("person", having[0], people.loc[having[0], "team"], tuple(having), duty=wanted)
    by_team = pd.Series([people.loc[n, "team"] for n in having]).value_counts()
    finder_team = people.loc[finder, "team"] if finder in people.index else None
    # the finder's own team if it has the duty, else the team with the most holders (then by name)
    team = finder_team if finder_team in by_team.index else sorted(by_team.index, key=lambda t: (-by_team[t], t))[0]
    in_team = [n for n in having if people.loc[n, "team"] == team]
    leader = next((n for n in in_team if people.loc[n, "role"] == "team_leader"), in_team[0])
    return Proposal("team", leader, team, tuple(in_team), duty=wanted)


def _duties(value: object) -> list:
    """A staff member's duty keys (a list cell that may be None or NaN)."""
    return list(value) if isinstance(value, list | tuple) else []


def co_approver_for(owner: str | None, staff: pd.DataFrame) -> str | None:
    """The administrative team leader, when ``owner`` is in a welfare team (협조결재)."""
    if not owner:
        return None
    team_of = dict(zip(staff["name"], staff["team"], strict=True))  # plain Python: this runs on every report filed
    if owner not in team_of or WELFARE_TEAM_WORD not in str(team_of[owner]):
        return None
    leaders = (
        str(name)
        for name, team, role in zip(staff["name"], staff["team"], staff["role"], strict=True)
        if role == "team_leader" and ADMIN_TEAM_WORD in str(team)
    )
    return next(leaders, None)


def check_transition(
    report: dict,
    to: str,
    *,
    actor: str,
    staff: pd.DataFrame,
    notified: bool = False,
    reason: str | None = None,
    duplicate_of: int | None = None,
) -> None:
    """Refuse an illegal move of ``report`` to status ``to`` by ``actor``.

    Raises
    ------
    TransitionError
        Naming the current and asked-for statuses and what is missing.
    """
    here, there = report["status"], to
    label = REPORT_STATUSES.label
    if there not in TRANSITIONS.get(here, frozenset()):
        allowed = ", ".join(label(s) for s in sorted(TRANSITIONS.get(here, ()))) or "없음 (끝난 보고)"
        raise TransitionError(
            f"보고 {report['id']}: '{label(here)}'에서 '{label(there)}'(으)로 바꿀 수 없습니다. 가능한 다음 상태: {allowed}."
        )
    _check_actor(report, there, actor=actor, staff=staff)
    if there == "returned" and not (reason and reason.strip()):
        raise TransitionError(f"보고 {report['id']}: 반려하려면 사유를 적으세요.")
    if there == "duplicate" and (duplicate_of is None or int(duplicate_of) == int(report["id"])):
        raise TransitionError(f"보고 {report['id']}: 중복이면 원래 보고 번호(자기 자신이 아닌)를 적으세요.")
    if there == "resident_notified" and not notified:
        raise TransitionError(f"보고 {report['id']}: 주민통보 기록(방법·날짜·통보자)을 먼저 남기세요.")
    if there == "closed":
        # unknown (None, e.g. an imported report) counts as having a resident: tell them first
        if report.get("has_resident") is not False and here != "resident_notified" and not notified:
            raise TransitionError(
                f"보고 {report['id']}: 주민이 있는 보고는 주민에게 알린 뒤에만 종료할 수 있습니다 (주민통보 기록)."
            )
        if report.get("co_approver") and not report.get("co_approved_at"):
            raise TransitionError(
                f"보고 {report['id']}: {report['co_approver']}의 협조결재가 있어야 종료할 수 있습니다."
            )


def supervises(actor: str, report: dict, staff: pd.DataFrame) -> bool:
    """Whether ``actor`` supervises ``report``: the dong head and the administrative team leader every report,
    any other team leader the reports their team found or holds.

    Parameters
    ----------
    actor : str
        A staff name.
    report : dict
        The report (``finder``, ``assignee``).
    staff : DataFrame
        The dong's staff (``name``, ``team``, ``role``).
    """
    roles = dict(zip(staff["name"], staff["role"], strict=True))
    teams = dict(zip(staff["name"], staff["team"], strict=True))
    role = account_role_of(str(roles.get(actor)), str(teams.get(actor)))
    if role in HEADS:  # 동장, 행정팀장: the whole dong (co-approval, the month's 취합)
        return True
    if role != "team_leader":
        return False
    return teams.get(actor) in {teams.get(report.get("finder")), teams.get(report.get("assignee"))}


def _check_actor(report: dict, to: str, *, actor: str, staff: pd.DataFrame) -> None:
    if actor not in set(staff["name"]):
        raise TransitionError(f"{actor!r}는 직원 명단에 없습니다.")
    if supervises(actor, report, staff):
        return
    owner = report.get("assignee") or report["finder"]
    may = {report["finder"], owner} if to in ("handed_over", "duplicate") or report["status"] == "returned" else {owner}
    if actor not in may:
        raise TransitionError(
            f"보고 {report['id']}: {actor}은(는) 이 보고를 '{REPORT_STATUSES.label(to)}'(으)로 바꿀 수 없습니다 (담당: {owner})."
        )


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """A report's history as people read it: 일시, 누가, 무엇 (in Korean; a hand-over names to whom), 상태, 메모.

    ``history`` is :meth:`mapping.store.Store.report_history`; missing statuses and notes are blank, never "None".
    """

    def what(action: str, changes: object) -> str:
        to = changes.get("assignee") if isinstance(changes, dict) else None
        return HISTORY_ACTIONS.label(action) + (f" → {to}" if action == "hand_over" and to else "")

    return pd.DataFrame(
        {
            "일시": history["at"],
            "누가": history["actor"],
            "무엇": [what(a, c) for a, c in zip(history["action"], history["changes"], strict=True)],
            "상태": [REPORT_STATUSES.label(s) if text_of(s) else "" for s in history["to_status"]],
            "메모": [text_of(n) for n in history["note"]],
        }
    )
