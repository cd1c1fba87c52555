"""What the store's report parts share: a report's row, its version check, history, editors, and missions it may cite.

:class:`ReportRows` is inherited by :mod:`mapping.store.reports` (filing, editing), :mod:`mapping.store.report_flow`
(hand-over, statuses), :mod:`mapping.store.missions` (tags) and :mod:`mapping.store.referrals`.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa

from mapping.access import User, check_counts, may_see_contact
from mapping.errors import AccessError, ConflictError, NotFoundError, Problem, TransitionError, ValidationError
from mapping.reports import supervises
from mapping.store.base import StoreBase
from mapping.store.schema import MISSIONS, POINT_TABLES, REPORT_HISTORY

REPORTS = POINT_TABLES["reports"]


class ReportRows(StoreBase):
    """A report's row and history, who may edit it, and the missions a report may be tagged with."""

    def _check_editor(self, report: dict, user: User) -> str:
        """The name ``user`` edits ``report`` under: its finder, its assignee or a supervisor of it, on its own dong.

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of the report's dong.
        TransitionError
            For anyone else on that staff (a team leader supervises only the reports of their team).
        """
        actor = self._actor_in(report["dong_code"], user, doing="보고 고치기·기록")
        staff = self.staff(report["dong_code"])
        if actor not in {report["finder"], report.get("assignee")} and not supervises(actor, report, staff):
            raise TransitionError(
                f"{actor}은(는) 보고 {report['id']}을(를) 고치거나 기록할 수 없습니다 "
                "(작성자·담당자, 그 팀의 팀장, 행정팀장·동장만)."
            )
        return actor

    def _seen(self, report_id: int, expected_version: int | None) -> dict:
        """The report as the editor saw it: the stored row, checked against the version they had on screen."""
        report = self._report_row(report_id)
        if expected_version is not None:
            self._check_version(report, int(expected_version))
        return report

    def _check_version(self, report: dict, expected: int) -> None:
        if (report.get("version") or 1) != expected:
            raise ConflictError(self._conflict_message(report))

    def _conflict_message(self, report: dict) -> str:
        last = self.report_history(int(report["id"])).tail(1)
        who = f"{last['actor'].iloc[0]}({last['at'].iloc[0]:%H:%M})" if len(last) else "다른 사람"
        return (
            f"보고 {report['id']}을(를) 그 사이에 {who}이(가) 먼저 고쳤습니다. "
            "덮어쓰지 않았습니다: 보고를 새로 불러와 바뀐 내용을 확인하고 다시 하세요."
        )

    def _write_report(self, conn: sa.Connection, report: dict, values: Mapping[str, object]) -> None:
        """Update the report only if it is still the version read (optimistic locking); bump the version."""
        seen = report.get("version") or 1
        version = sa.func.coalesce(REPORTS.c.version, 1)
        done = conn.execute(
            REPORTS.update().where(REPORTS.c.id == report["id"], version == seen).values(**values, version=version + 1)
        ).rowcount
        if done != 1:
            raise ConflictError(self._conflict_message(report))

    def _report_row(self, report_id: int) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(REPORTS).where(REPORTS.c.id == int(report_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"보고 {report_id}이(가) 없습니다.")
        return dict(row)

    def _may_see_contact(self, user: User, report: dict) -> bool:
        return may_see_contact(user, report, self.personal_zones(report["dong_code"], user=user))

    def _check_reports_reader(self, code: str, user: User) -> None:
        """Refuse a read of dong ``code``'s reports (memos, places) to anyone but its staff, the owner and sample browsing."""
        if user.role == "gu":
            raise AccessError(f"{user.name}(구 담당)은(는) 보고 내용을 볼 수 없습니다: 구 담당은 건수만 봅니다.")
        check_counts(user, code, sample=self.is_sample(code))

    def report_history(self, report_id: int) -> pd.DataFrame:
        """Every change of a report, oldest first."""
        query = sa.select(REPORT_HISTORY).where(REPORT_HISTORY.c.report_id == report_id).order_by(REPORT_HISTORY.c.id)
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in REPORT_HISTORY.columns])

    def _history(self, conn: sa.Connection, report_id: int, *, actor: str, action: str, **kw: object) -> None:
        conn.execute(
            REPORT_HISTORY.insert(),
            {"report_id": int(report_id), "at": self.clock(), "actor": actor, "action": action} | kw,
        )

    def mission(self, mission_id: int) -> dict:
        """One mission or issue. Raises :class:`NotFoundError` if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(MISSIONS).where(MISSIONS.c.id == int(mission_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"미션·현안 {mission_id}이(가) 없습니다.")
        return dict(row)

    def _mission_problems(self, mission_id: int, code: str) -> list[Problem]:
        """Nothing if ``mission_id`` is one of dong ``code``'s missions or issues, else the problem."""
        try:
            found = self.mission(mission_id)
        except NotFoundError as err:
            return [Problem("보고", None, "미션", str(err))]
        if found["dong_code"] != code:
            return [Problem("보고", None, "미션", f"미션 {mission_id}은(는) 이 보고의 동({code}) 것이 아닙니다.")]
        return []

    @staticmethod
    def _hold_mission(conn: sa.Connection, mission_id: int, code: str) -> None:
        """Inside a write: keep the mission from being deleted until this commits (PostgreSQL: FOR SHARE).

        :meth:`delete_mission` locks the row before it untags reports, so a tag written here is either
        seen and removed by it or refused here because the mission is gone.
        """
        query = sa.select(MISSIONS.c.id).where(MISSIONS.c.id == int(mission_id), MISSIONS.c.dong_code == code)
        if conn.execute(query.with_for_update(read=True)).first() is None:
            problem = Problem(
                "보고", None, "미션", f"미션·현안 {mission_id}이(가) 그 사이에 지워졌습니다. 다시 고르세요."
            )
            raise ValidationError([problem], what="미션 태그")
