"""Store methods for 이달의 미션 / 동 현안사항 (mixed into :class:`mapping.store.Store`).

Missions and dong issues per dong and month, set by the 동장 or a 팀장; reports tagged with them and the
month's progress.  Pure rules live in :mod:`mapping.outreach`.
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from mapping.access import User
from mapping.domain import MISSION_KINDS, MISSION_ROLES
from mapping.errors import Problem
from mapping.month.aggregation import parse_month
from mapping.outreach import mission_progress
from mapping.store.engine import _new_id
from mapping.store.outreach import _raise, _text, _too_long
from mapping.store.report_rows import ReportRows
from mapping.store.schema import MISSIONS, POINT_TABLES


class MissionsMixin(ReportRows):
    """Missions and dong issues: setting them, tagging reports, progress per month."""

    # ---- 이달의 미션 / 동 현안사항 ---------------------------------------------------------------------------------
    def _check_mission_setter(self, code: str, user: User) -> str:
        """The name the setter acts under: only the dong head or a team leader of dong ``code`` (or the owner)."""
        return self._actor_in(code, user, doing="이달의 미션·동 현안사항 정하기", roles=MISSION_ROLES)

    def _mission_values(self, kind: object, title: object, description: object) -> dict[str, object]:
        heading, text = _text(title), (str(description or "").strip() or None)
        problems: list[Problem] = []
        values: dict[str, object] = {"title": heading, "description": text}
        try:
            values["kind"] = MISSION_KINDS.parse(kind)
        except ValueError as err:
            problems.append(Problem("미션", None, "구분", str(err)))
        if not heading:
            problems.append(Problem("미션", None, "제목", "제목을 적으세요."))
        problems += _too_long("미션", "제목", heading) + _too_long("미션", "설명", text)
        _raise(problems, "이달의 미션")
        return values

    def add_mission(self, code: str, month: object, *, kind: str, title: str, user: User, description: str = "") -> int:
        """Add a mission (``mission``, 이달의 미션) or a dong issue (``issue``, 동 현안사항) to a month; returns its id.

        Raises
        ------
        AccessError
            Unless ``user`` is the dong head or a team leader of this dong.
        ValidationError
            For an unknown kind or an empty title.
        """
        setter = self._check_mission_setter(code, user)
        values = self._mission_values(kind, title, description)
        month_key = parse_month(month).strftime("%Y-%m")
        row = values | {"dong_code": code, "month": month_key, "set_by": setter, "set_at": self.clock()}
        with self.writer.begin() as conn:
            mission_id = _new_id(conn.execute(MISSIONS.insert().values(**row)))
            self._log(conn, user, "입력", f"missions:{code}:{month_key}", f"id={mission_id} {values['kind']}")
        return mission_id

    def update_mission(
        self,
        mission_id: int,
        *,
        user: User,
        kind: str | None = None,
        title: str | None = None,
        description: str | None = None,
    ) -> None:
        """Change a mission's kind, title or description (only the dong head or a team leader)."""
        old = self.mission(mission_id)
        self._check_mission_setter(old["dong_code"], user)
        values = self._mission_values(
            kind or old["kind"],
            title if title is not None else old["title"],
            description if description is not None else old["description"],
        )
        with self.writer.begin() as conn:
            conn.execute(
                MISSIONS.update().where(MISSIONS.c.id == int(mission_id)).values(**values, set_at=self.clock())
            )
            self._log(conn, user, "변경", f"missions:{old['dong_code']}:{old['month']}", f"id={mission_id}")

    def delete_mission(self, mission_id: int, *, user: User) -> int:
        """Delete a mission; the reports tagged with it lose the tag. Returns how many were untagged."""
        old = self.mission(mission_id)
        self._check_mission_setter(old["dong_code"], user)
        reports = POINT_TABLES["reports"]
        with self.writer.begin() as conn:  # the row first: a report being tagged with it waits, then is untagged
            conn.execute(sa.select(MISSIONS.c.id).where(MISSIONS.c.id == int(mission_id)).with_for_update())
            untagged = conn.execute(
                reports.update().where(reports.c.mission_id == int(mission_id)).values(mission_id=None)
            ).rowcount
            conn.execute(MISSIONS.delete().where(MISSIONS.c.id == int(mission_id)))
            self._log(
                conn,
                user,
                "삭제",
                f"missions:{old['dong_code']}:{old['month']}",
                f"id={mission_id} untagged={untagged}",
            )
        return int(untagged)

    def missions(self, code: str, month: object | None = None) -> pd.DataFrame:
        """The dong's missions and issues (of one month, or all), missions before issues, in order set."""
        query = sa.select(MISSIONS).where(MISSIONS.c.dong_code == code)
        if month is not None:
            query = query.where(MISSIONS.c.month == parse_month(month).strftime("%Y-%m"))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(MISSIONS.c.month, MISSIONS.c.kind.desc(), MISSIONS.c.id)).mappings()
            return pd.DataFrame(rows.all(), columns=[c.name for c in MISSIONS.columns])

    def tag_report(
        self, report_id: int, mission_id: int | None, *, user: User, expected_version: int | None = None
    ) -> None:
        """Tag a report with one mission or issue of its dong (``None`` removes the tag); in the report's history.

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of the report's dong.
        TransitionError
            If ``user`` is not the report's finder, assignee or a supervisor.
        ValidationError
            If the mission is of another dong.
        ConflictError
            If the report changed since ``expected_version``.
        """
        report = self._seen(report_id, expected_version)
        actor = self._check_editor(report, user)
        if mission_id is not None:
            _raise(self._mission_problems(mission_id, report["dong_code"]), "미션 태그")
        with self.writer.begin() as conn:
            if mission_id is not None:
                self._hold_mission(conn, int(mission_id), report["dong_code"])
            values = {"mission_id": None if mission_id is None else int(mission_id), "updated_at": self.clock()}
            self._write_report(conn, report, values)
            changes = {"mission_id": [report.get("mission_id"), values["mission_id"]]}
            self._history(conn, report_id, actor=actor, action="mission", changes=changes)
            self._log(conn, user, "변경", f"reports:{report_id}", f"mission={mission_id}")

    def mission_progress(self, code: str, month: object) -> pd.DataFrame:
        """Per mission or issue of the month, its tagged reports by status (see :func:`mapping.outreach.mission_progress`)."""
        missions = self.missions(code, month)
        reports = POINT_TABLES["reports"]
        query = sa.select(reports.c.mission_id, reports.c.status).where(  # only the tagged ones, not the dong's all
            reports.c.dong_code == code, reports.c.mission_id.in_([int(i) for i in missions["id"]])
        )
        with self.engine.connect() as conn:
            tagged = pd.DataFrame(conn.execute(query).fetchall(), columns=["mission_id", "status"])
        return mission_progress(missions, tagged)
