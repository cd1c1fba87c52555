"""Store methods for relationships and outreach (mixed into :class:`mapping.store.Store`).

- the zone's **contact book** is in :mod:`mapping.store_contacts` (it uses the reach helpers here);
- **이달의 미션 / 동 현안사항** per dong and month (set by the 동장 or a 팀장) and reports tagged with them;
- **referrals** of a report or a household's need to a community body, with their dated history
  (a household's referral is personal data);
- the **notice-post log** (게시 현황).

Pure rules live in :mod:`mapping.contacts` and :mod:`mapping.outreach`.
"""

from __future__ import annotations

import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from mapping.access import ACCOUNT_ROLES, STAFF_ROLES, WHOLE_DONG, User
from mapping.crs import WEB_CRS, plausible_lonlat
from mapping.errors import ConflictError, NotFoundError, Problem, ValidationError
from mapping.monthly import parse_month
from mapping.outreach import (
    MISSION_KINDS,
    MISSION_ROLES,
    NOTICE_PLACES,
    REFERRAL_STATUSES,
    check_referral_transition,
    mission_progress,
    parse_body,
)
from mapping.printing import text_of
from mapping.schema import (
    CONTACT_LOG,
    MISSIONS,
    NOTICE_POSTS,
    POINT_TABLES,
    REFERRAL_HISTORY,
    REFERRALS,
)
from mapping.zones import zone_of_tong

_TEXT_MAX = 2_000


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _text(value: object) -> str | None:
    return " ".join(text_of(value).split()) or None


def _too_long(what: str, field: str, value: str | None) -> list[Problem]:
    if value and len(value) > _TEXT_MAX:
        return [Problem(what, None, field, f"{len(value)}자로 너무 깁니다(최대 {_TEXT_MAX}자). 줄이세요.")]
    return []


def _raise(problems: list[Problem], what: str) -> None:
    if problems:
        raise ValidationError(problems, what=what)


def _actor(user: User) -> str:
    return user.staff_name or user.name


class OutreachMixin:
    """Contacts, missions, referrals and notice posts."""

    engine: sa.Engine
    writer: sa.Engine

    @staticmethod
    def _drop_household_referrals(conn: sa.Connection, households: object) -> None:
        """Delete the referrals (and their history) of ``households`` (ids, or a select of ids)."""
        referrals = REFERRALS.c.household_id.in_(households)
        steps = REFERRAL_HISTORY.c.referral_id.in_(sa.select(REFERRALS.c.id).where(referrals))
        conn.execute(REFERRAL_HISTORY.delete().where(steps))
        conn.execute(REFERRALS.delete().where(referrals))

    # ---- reach (contacts and households' referrals are personal data) ----------------------------------------
    def _zone_of_tong(self, code: str) -> dict[int, str]:
        zones = self.zones(code)  # type: ignore[attr-defined]
        return zone_of_tong(zones)

    def _reach(self, code: str, user: User, what: str) -> frozenset[str]:
        reach = self.personal_zones(code, user=user)  # type: ignore[attr-defined]
        if not reach:
            raise PermissionError(f"{user.name}({user.role})은(는) 이 동의 개인정보({what})를 볼 수 없습니다.")
        return reach

    @staticmethod
    def _in_reach(user: User, reach: frozenset[str], zone: object) -> bool:
        return user.role in WHOLE_DONG or zone in reach

    def _reach_mask(self, user: User, reach: frozenset[str], zones: pd.Series) -> np.ndarray:
        return np.array([self._in_reach(user, reach, z) for z in zones], dtype=bool)

    # ---- 이달의 미션 / 동 현안사항 ---------------------------------------------------------------------------------
    @staticmethod
    def _check_actor(user: User, actor: str) -> None:
        """A logged-in person records under their own staff name only (the sample and command-line users may name anyone)."""
        if user.role in {"sample", "system"} or (user.staff_name is not None and actor == user.staff_name):
            return
        raise PermissionError(
            f"{user.name}은(는) {actor!r}의 이름으로 기록할 수 없습니다: 직원 명단의 자기 이름"
            f"({user.staff_name or '연결된 직원 없음'})으로만 기록합니다."
        )

    def _check_mission_setter(self, code: str, user: User) -> None:
        if user.role == "sample" or (user.role in MISSION_ROLES and user.dong_code == code):
            return
        role = ACCOUNT_ROLES.label(user.role or "") if user.role else "권한 없음"
        raise PermissionError(
            f"{user.name}({role})은(는) 이달의 미션·동 현안사항을 정할 수 없습니다: 이 동의 동장이나 팀장만 정합니다."
        )

    def _mission_values(self, kind: object, title: object, description: object) -> dict[str, object]:
        problems, values = [], {"title": _text(title), "description": (str(description or "").strip() or None)}
        try:
            values["kind"] = MISSION_KINDS.parse(kind)
        except ValueError as err:
            problems.append(Problem("미션", None, "구분", str(err)))
        if not values["title"]:
            problems.append(Problem("미션", None, "제목", "제목을 적으세요."))
        problems += _too_long("미션", "제목", values["title"]) + _too_long("미션", "설명", values["description"])  # type: ignore[arg-type]
        _raise(problems, "이달의 미션")
        return values

    def add_mission(self, code: str, month: object, *, kind: str, title: str, user: User, description: str = "") -> int:
        """Add a mission (``mission``, 이달의 미션) or a dong issue (``issue``, 동 현안사항) to a month; returns its id.

        Raises
        ------
        PermissionError
            Unless ``user`` is the dong head or a team leader of this dong.
        ValidationError
            For an unknown kind or an empty title.
        """
        self._check_mission_setter(code, user)
        values = self._mission_values(kind, title, description)
        month_key = parse_month(month).strftime("%Y-%m")
        row = values | {"dong_code": code, "month": month_key, "set_by": _actor(user), "set_at": _now()}
        with self.writer.begin() as conn:
            mission_id = int(conn.execute(MISSIONS.insert().values(**row)).inserted_primary_key[0])
            self._log(conn, user, "입력", f"missions:{code}:{month_key}", f"id={mission_id} {values['kind']}")  # type: ignore[attr-defined]
        return mission_id

    def mission(self, mission_id: int) -> dict:
        """One mission or issue. Raises :class:`NotFoundError` if there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(MISSIONS).where(MISSIONS.c.id == int(mission_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"미션·현안 {mission_id}이(가) 없습니다.")
        return dict(row)

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
            conn.execute(MISSIONS.update().where(MISSIONS.c.id == int(mission_id)).values(**values, set_at=_now()))
            self._log(conn, user, "변경", f"missions:{old['dong_code']}:{old['month']}", f"id={mission_id}")  # type: ignore[attr-defined]

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
            )  # type: ignore[attr-defined]
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
        self, report_id: int, mission_id: int | None, *, actor: str, user: User, expected_version: int | None = None
    ) -> None:
        """Tag a report with one mission or issue of its dong (``None`` removes the tag); in the report's history.

        Raises
        ------
        TransitionError
            If ``actor`` is not the report's finder, assignee or a supervisor.
        ValidationError
            If the mission is of another dong.
        ConflictError
            If the report changed since ``expected_version``.
        """
        self._check_actor(user, actor)
        report = self._seen(report_id, expected_version)  # type: ignore[attr-defined]
        self._check_editor(report, actor)  # type: ignore[attr-defined]
        if mission_id is not None:
            _raise(self._mission_problems(mission_id, report["dong_code"]), "미션 태그")
        with self.writer.begin() as conn:
            if mission_id is not None:
                self._hold_mission(conn, int(mission_id), report["dong_code"])
            values = {"mission_id": None if mission_id is None else int(mission_id), "updated_at": _now()}
            self._write_report(conn, report, values)  # type: ignore[attr-defined]
            changes = {"mission_id": [report.get("mission_id"), values["mission_id"]]}
            self._history(conn, report_id, actor=actor, action="mission", changes=changes)  # type: ignore[attr-defined]
            self._log(conn, user, "변경", f"reports:{report_id}", f"mission={mission_id}")  # type: ignore[attr-defined]

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

    def mission_progress(self, code: str, month: object) -> pd.DataFrame:
        """Per mission or issue of the month, its tagged reports by status (see :func:`mapping.outreach.mission_progress`)."""
        return mission_progress(self.missions(code, month), self.reports(code))  # type: ignore[attr-defined]

    # ---- referrals -------------------------------------------------------------------------------------------------
    def _referral_values(self, body: object, body_name: object, note: object) -> tuple[dict[str, object], str | None]:
        problems, values = [], {"body_name": _text(body_name)}
        try:
            values["body"] = parse_body(body)
        except ValueError as err:
            problems.append(Problem("연계", None, "기관", str(err)))
        if values.get("body") == "other" and not values["body_name"]:
            problems.append(Problem("연계", None, "기관명", "'기타' 기관은 기관명을 적으세요."))
        problems += _too_long("연계", "기관명", values["body_name"]) + _too_long("연계", "메모", _text(note))  # type: ignore[arg-type]
        _raise(problems, "연계 의뢰")
        return values, _text(note)

    def _new_referral(
        self, conn: sa.Connection, code: str, target: dict[str, int], values: dict, note: str | None, actor: str
    ) -> int:
        now = _now()
        row = values | target | {"dong_code": code, "status": "referred", "created_at": now, "created_by": actor}
        referral_id = int(
            conn.execute(REFERRALS.insert().values(**row, updated_at=now, version=1)).inserted_primary_key[0]
        )
        conn.execute(
            REFERRAL_HISTORY.insert().values(
                referral_id=referral_id, at=now, actor=actor, to_status="referred", note=note
            )
        )
        return referral_id

    def refer_report(
        self,
        report_id: int,
        *,
        body: str,
        actor: str,
        user: User,
        body_name: str | None = None,
        note: str | None = None,
    ) -> int:
        """Refer a report to a community body (status 의뢰); returns the referral's id.

        ``body``: 동 지역사회보장협의체, 마을계획단, 주민자치회 (주민자치위원회), 복지관 or 기타 (with ``body_name``).

        Raises
        ------
        TransitionError
            If ``actor`` is not the report's finder, assignee or a supervisor.
        ValidationError
            For an unknown body, 기타 without a name, or a note too long.
        """
        self._check_actor(user, actor)
        report = self._report_row(report_id)  # type: ignore[attr-defined]
        self._check_editor(report, actor)  # type: ignore[attr-defined]
        values, note = self._referral_values(body, body_name, note)
        with self.writer.begin() as conn:
            referral_id = self._new_referral(
                conn, report["dong_code"], {"report_id": int(report_id)}, values, note, actor
            )
            self._history(
                conn,
                report_id,
                actor=actor,
                action="referral",
                note=f"연계 의뢰: {values['body_name'] or values['body']}",
            )  # type: ignore[attr-defined]
            self._log(conn, user, "입력", f"referrals:{referral_id}", f"report={report_id}")  # type: ignore[attr-defined]
        return referral_id

    def _household(self, household_id: int) -> dict:
        households = POINT_TABLES["households"]
        query = sa.select(households.c.id, households.c.dong_code, households.c.zone_id)
        with self.engine.connect() as conn:
            row = conn.execute(query.where(households.c.id == int(household_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"세대 {household_id}이(가) 없습니다.")
        return dict(row)

    def _check_household_reach(self, household: dict, user: User) -> None:
        if not self._in_reach(user, self._reach(household["dong_code"], user, "세대"), household["zone_id"]):
            raise PermissionError(
                f"{user.name}은(는) 세대 {household['id']}(구역 {household['zone_id'] or '없음'})를 볼 수 없습니다."
            )

    def refer_household(
        self,
        household_id: int,
        *,
        body: str,
        actor: str,
        user: User,
        body_name: str | None = None,
        note: str | None = None,
    ) -> int:
        """Refer a household's need to a community body (personal data: only staff who may see the household; logged).

        Raises
        ------
        PermissionError
            If the household's zone is not in ``user``'s reach.
        ValidationError
            As for :meth:`refer_report`, or ``actor`` not on the staff list.
        """
        self._check_actor(user, actor)
        household = self._household(household_id)
        self._check_household_reach(household, user)
        values, note = self._referral_values(body, body_name, note)
        if actor not in set(self.staff(household["dong_code"])["name"]):  # type: ignore[attr-defined]
            _raise([Problem("연계", None, "담당", f"{actor!r}는 직원 명단에 없습니다.")], "연계 의뢰")
        with self.writer.begin() as conn:
            target = {"household_id": int(household_id)}
            referral_id = self._new_referral(conn, household["dong_code"], target, values, note, actor)
            self._log(conn, user, "입력", f"referrals:{referral_id}", f"household={household_id}")  # type: ignore[attr-defined]
        return referral_id

    def _referral_row(self, referral_id: int, user: User) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(REFERRALS).where(REFERRALS.c.id == int(referral_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"연계 {referral_id}이(가) 없습니다.")
        if row["household_id"] is not None:
            self._check_household_reach(self._household(row["household_id"]), user)
        return dict(row)

    def move_referral(
        self,
        referral_id: int,
        to: str,
        *,
        actor: str,
        user: User,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Move a referral on (의뢰 → 협의중 → 연계완료 / 연계불가) with a note; in its dated history.

        Raises
        ------
        TransitionError
            For a move the lifecycle does not allow (e.g. 의뢰 → 연계완료, or anything after 연계완료), or by
            someone who is not the report's finder, assignee or a supervisor.
        ValidationError
            For a household's referral moved by someone not on the staff list.
        ConflictError
            If it changed since ``expected_version``.
        PermissionError
            For a household's referral out of ``user``'s reach.
        """
        self._check_actor(user, actor)
        referral = self._referral_row(referral_id, user)
        if referral["report_id"] is not None:  # the report's finder, assignee or a supervisor
            self._check_editor(self._report_row(referral["report_id"]), actor)  # type: ignore[attr-defined]
        elif actor not in set(self.staff(referral["dong_code"])["name"]):  # type: ignore[attr-defined]
            _raise([Problem("연계", None, "담당", f"{actor!r}는 직원 명단에 없습니다.")], "연계 진행")
        target = REFERRAL_STATUSES.parse(to) if to in (*REFERRAL_STATUSES.labels, *REFERRAL_STATUSES.keys) else to
        check_referral_transition(referral["status"], target)
        _raise(_too_long("연계", "메모", _text(note)), "연계 진행")
        seen = int(expected_version) if expected_version is not None else int(referral["version"])
        now = _now()
        with self.writer.begin() as conn:
            done = conn.execute(
                REFERRALS.update()
                .where(REFERRALS.c.id == int(referral_id), REFERRALS.c.version == seen)
                .values(status=target, updated_at=now, version=seen + 1)
            ).rowcount
            if done != 1:
                raise ConflictError(
                    f"연계 {referral_id}을(를) 그 사이에 다른 사람이 먼저 바꿨습니다. 덮어쓰지 않았습니다: 새로 불러와 다시 하세요."
                )
            conn.execute(
                REFERRAL_HISTORY.insert().values(
                    referral_id=int(referral_id),
                    at=now,
                    actor=actor,
                    from_status=referral["status"],
                    to_status=target,
                    note=_text(note),
                )
            )
            self._log(conn, user, "변경", f"referrals:{referral_id}", f"{referral['status']} -> {target}")  # type: ignore[attr-defined]

    def report_referrals(self, report_id: int) -> pd.DataFrame:
        """Where a report was referred (for its finder's inbox): every referral, oldest first, with its last note."""
        query = sa.select(REFERRALS).where(REFERRALS.c.report_id == int(report_id)).order_by(REFERRALS.c.id)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in REFERRALS.columns])
        return self._with_last_note(frame)

    def household_referrals(self, code: str, *, user: User, household_id: int | None = None) -> pd.DataFrame:
        """Referrals of households in ``user``'s reach (personal data; the read is logged)."""
        reach = self._reach(code, user, "세대")
        households = POINT_TABLES["households"]
        query = (
            sa.select(REFERRALS, households.c.zone_id)
            .join(households, households.c.id == REFERRALS.c.household_id)
            .where(REFERRALS.c.dong_code == code)
        )
        if household_id is not None:
            query = query.where(REFERRALS.c.household_id == int(household_id))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(REFERRALS.c.id)).mappings().all()
        frame = pd.DataFrame(rows, columns=[*(c.name for c in REFERRALS.columns), "zone_id"])
        frame = frame[self._reach_mask(user, reach, frame["zone_id"])].reset_index(drop=True)
        self.log_event(user, "조회", f"referrals:{code}", f"households rows={len(frame)}")  # type: ignore[attr-defined]
        return self._with_last_note(frame)

    def outreach_notes(self, code: str, *, user: User) -> set[str]:
        """Free-text notes of the contact log and of referrals, for the public-output scan (personal; logged).

        Contacts and household referrals only within ``user``'s reach (their reads are logged as such).
        """
        contacts = [int(i) for i in self.contacts(code, user=user)["id"]]
        households = [int(i) for i in self.household_referrals(code, user=user)["id"]]
        about_reports = sa.select(REFERRALS.c.id).where(
            REFERRALS.c.dong_code == code, REFERRALS.c.report_id.is_not(None)
        )
        steps = REFERRAL_HISTORY.c.referral_id.in_(about_reports) | REFERRAL_HISTORY.c.referral_id.in_(households)
        with self.engine.connect() as conn:
            notes = conn.execute(sa.select(CONTACT_LOG.c.note).where(CONTACT_LOG.c.contact_id.in_(contacts))).scalars()
            notes = [*notes, *conn.execute(sa.select(REFERRAL_HISTORY.c.note).where(steps)).scalars()]
        return {n.strip() for n in notes if n and n.strip()}

    def _with_last_note(self, frame: pd.DataFrame) -> pd.DataFrame:
        ids = [int(i) for i in frame["id"]]
        query = sa.select(REFERRAL_HISTORY.c.referral_id, REFERRAL_HISTORY.c.note).where(
            REFERRAL_HISTORY.c.referral_id.in_(ids), REFERRAL_HISTORY.c.note.is_not(None)
        )
        with self.engine.connect() as conn:
            last = {int(r): n for r, n in conn.execute(query.order_by(REFERRAL_HISTORY.c.id))}
        return frame.assign(last_note=[last.get(i) for i in ids])

    def referral_history(self, referral_id: int, *, user: User) -> pd.DataFrame:
        """The dated steps of a referral (who, from, to, note), oldest first; a household's is logged."""
        referral = self._referral_row(referral_id, user)
        query = sa.select(REFERRAL_HISTORY).where(REFERRAL_HISTORY.c.referral_id == int(referral_id))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(REFERRAL_HISTORY.c.id)).mappings().all()
        if referral["household_id"] is not None:
            self.log_event(user, "조회", f"referrals:{referral_id}", "history")  # type: ignore[attr-defined]
        return pd.DataFrame(rows, columns=[c.name for c in REFERRAL_HISTORY.columns])

    # ---- 게시 현황 -------------------------------------------------------------------------------------------------
    def add_notice_post(
        self,
        code: str,
        *,
        kind: str,
        place_name: str,
        posted_on: dt.date,
        posted_by: str,
        user: User,
        lonlat: tuple[float, float] | None = None,
        tong: int | None = None,
        note: str | None = None,
    ) -> int:
        """Record where the officer's notice is posted; the zone is attached from the point (or the tong).

        Raises
        ------
        PermissionError
            Unless ``user`` works in this dong.
        ValidationError
            For an unknown kind, an empty place name, neither a place nor a known tong, a point outside
            Seoul, a date in the future, or ``posted_by`` not on the staff list.
        """
        self._check_notice_keeper(code, user)
        problems, values = [], {"place_name": _text(place_name), "note": _text(note)}
        try:
            values["kind"] = NOTICE_PLACES.parse(kind)
        except ValueError as err:
            problems.append(Problem("게시", None, "장소 유형", str(err)))
        if not values["place_name"]:
            problems.append(Problem("게시", None, "장소명", "장소 이름을 적으세요 (예: 성산샘플아파트 101동 게시판)."))
        if posted_by not in set(self.staff(code)["name"]):  # type: ignore[attr-defined]
            problems.append(Problem("게시", None, "게시자", f"{posted_by!r}는 직원 명단에 없습니다."))
        if posted_on > dt.date.today():
            problems.append(Problem("게시", None, "게시일", f"{posted_on}은(는) 아직 오지 않은 날입니다."))
        problems += self._notice_place(code, lonlat, tong, values) + _too_long("게시", "비고", values["note"])  # type: ignore[arg-type]
        _raise(problems, "게시 현황")
        row = values | {"dong_code": code, "posted_on": posted_on, "posted_by": posted_by, "created_at": _now()}
        with self.writer.begin() as conn:
            post_id = int(conn.execute(NOTICE_POSTS.insert().values(**row)).inserted_primary_key[0])
            self._log(conn, user, "입력", f"notice_posts:{post_id}", f"zone={values['zone_id']}")  # type: ignore[attr-defined]
        return post_id

    @staticmethod
    def _check_notice_keeper(code: str, user: User) -> None:
        """Only this dong's staff (or the sample/command-line user) keep its notice-post log."""
        if user.role in {"sample", "system"} or (user.dong_code == code and user.role in STAFF_ROLES):
            return
        raise PermissionError(f"{user.name}은(는) 동 {code}의 게시 현황을 적을 수 없습니다: 이 동 직원만 적습니다.")

    def _notice_place(
        self, code: str, lonlat: tuple[float, float] | None, tong: int | None, values: dict
    ) -> list[Problem]:
        """Fill ``lon, lat, tong, zone_id`` from the point (or the tong); the problems if neither is usable."""
        values |= {"lon": None, "lat": None, "tong": None, "zone_id": None}
        if lonlat is not None:
            lon, lat = (float(v) for v in lonlat)
            if not (math.isfinite(lon) and math.isfinite(lat) and plausible_lonlat(lon, lat)):
                return [
                    Problem("게시", None, "위치", f"위치 ({lon}, {lat})가 서울이 아닙니다. 지도에서 다시 고르세요.")
                ]
            from mapping.store import attach_tong_zone

            point = gpd.GeoSeries([shapely.Point(lon, lat)], crs=WEB_CRS)
            where = attach_tong_zone(point, self.tongs(code), self.zones(code)).iloc[0]  # type: ignore[attr-defined]
            tong_at = None if where["tong"] is None else int(where["tong"])
            values |= {"lon": lon, "lat": lat, "tong": tong_at, "zone_id": where["zone_id"]}
            return []
        tongs = {int(t) for t in self.tongs(code)["tong"]}  # type: ignore[attr-defined]
        if tong is None or int(tong) not in tongs:
            return [
                Problem(
                    "게시", None, "위치", f"지도에서 위치를 고르거나 이 동의 통 번호를 적으세요 (받은 값: {tong!r})."
                )
            ]
        values |= {"tong": int(tong), "zone_id": self._zone_of_tong(code).get(int(tong))}
        return []

    def end_notice_post(self, post_id: int, *, removed_on: dt.date, user: User) -> None:
        """Record the day a notice was taken down.

        Raises
        ------
        PermissionError
            Unless ``user`` works in the post's dong.
        ValidationError
            If ``removed_on`` is before it was posted or in the future.
        """
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(NOTICE_POSTS).where(NOTICE_POSTS.c.id == int(post_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"게시 기록 {post_id}이(가) 없습니다.")
        self._check_notice_keeper(row["dong_code"], user)
        if not row["posted_on"] <= removed_on <= dt.date.today():
            message = f"철거일 {removed_on}은(는) 게시일({row['posted_on']})과 오늘 사이여야 합니다."
            raise ValidationError([Problem("게시", None, "철거일", message)], what="게시 현황")
        with self.writer.begin() as conn:
            conn.execute(NOTICE_POSTS.update().where(NOTICE_POSTS.c.id == int(post_id)).values(removed_on=removed_on))
            self._log(conn, user, "변경", f"notice_posts:{post_id}", f"removed {removed_on}")  # type: ignore[attr-defined]

    def notice_posts(self, code: str, *, zone_id: str | None = None, on: dt.date | None = None) -> pd.DataFrame:
        """The dong's notice posts (of one zone), newest first; ``on`` keeps those up on that day."""
        query = sa.select(NOTICE_POSTS).where(NOTICE_POSTS.c.dong_code == code)
        if zone_id is not None:
            query = query.where(NOTICE_POSTS.c.zone_id == zone_id)
        if on is not None:
            up = sa.or_(NOTICE_POSTS.c.removed_on.is_(None), NOTICE_POSTS.c.removed_on > on)
            query = query.where(NOTICE_POSTS.c.posted_on <= on, up)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(NOTICE_POSTS.c.posted_on.desc(), NOTICE_POSTS.c.id.desc())).mappings()
            return pd.DataFrame(rows.all(), columns=[c.name for c in NOTICE_POSTS.columns])
