"""Store methods for referrals to community bodies (mixed into :class:`mapping.store.Store`).

A report's or a household's need referred to a community body, with its dated history; a household's
referral is personal data (seen within the reach of :mod:`mapping.store.outreach`, every read logged).
Pure rules live in :mod:`mapping.outreach`.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from mapping.access import User
from mapping.domain import REFERRAL_STATUSES
from mapping.errors import ConflictError, NotFoundError, Problem
from mapping.outreach import check_referral_transition, parse_body
from mapping.store.engine import _new_id
from mapping.store.outreach import _raise, _text, _too_long
from mapping.store.report_rows import ReportRows
from mapping.store.schema import CONTACT_LOG, POINT_TABLES, REFERRAL_HISTORY, REFERRALS


class ReferralsMixin(ReportRows):
    """Referrals of reports and households: opening, moving on, reading (a household's is logged)."""

    @staticmethod
    def _drop_household_referrals(conn: sa.Connection, households: Iterable[int] | sa.Select[tuple[int]]) -> None:
        """Delete the referrals (and their history) of ``households`` (ids, or a select of ids)."""
        referrals = REFERRALS.c.household_id.in_(households)
        steps = REFERRAL_HISTORY.c.referral_id.in_(sa.select(REFERRALS.c.id).where(referrals))
        conn.execute(REFERRAL_HISTORY.delete().where(steps))
        conn.execute(REFERRALS.delete().where(referrals))

    # ---- referrals -------------------------------------------------------------------------------------------------
    def _referral_values(self, body: object, body_name: object, note: object) -> tuple[dict[str, object], str | None]:
        name = _text(body_name)
        problems: list[Problem] = []
        values: dict[str, object] = {"body_name": name}
        try:
            values["body"] = parse_body(body)
        except ValueError as err:
            problems.append(Problem("연계", None, "기관", str(err)))
        if values.get("body") == "other" and not name:
            problems.append(Problem("연계", None, "기관명", "'기타' 기관은 기관명을 적으세요."))
        problems += _too_long("연계", "기관명", name) + _too_long("연계", "메모", _text(note))
        _raise(problems, "연계 의뢰")
        return values, _text(note)

    def _new_referral(
        self, conn: sa.Connection, code: str, target: dict[str, int], values: dict, note: str | None, actor: str
    ) -> int:
        now = self.clock()
        row = values | target | {"dong_code": code, "status": "referred", "created_at": now, "created_by": actor}
        referral_id = _new_id(conn.execute(REFERRALS.insert().values(**row, updated_at=now, version=1)))
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
        user: User,
        body_name: str | None = None,
        note: str | None = None,
    ) -> int:
        """Refer a report to a community body (status 의뢰); returns the referral's id.

        ``body``: 동 지역사회보장협의체, 마을계획단, 주민자치회 (주민자치위원회), 복지관 or 기타 (with ``body_name``).

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of the report's dong.
        TransitionError
            If ``user`` is not the report's finder, assignee or a supervisor.
        ValidationError
            For an unknown body, 기타 without a name, or a note too long.
        """
        report = self._report_row(report_id)
        actor = self._check_editor(report, user)
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
            )
            self._log(conn, user, "입력", f"referrals:{referral_id}", f"report={report_id}")
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
        if not self._in_reach(self._reach(household["dong_code"], user, "세대"), household["zone_id"]):
            raise PermissionError(
                f"{user.name}은(는) 세대 {household['id']}(구역 {household['zone_id'] or '없음'})를 볼 수 없습니다."
            )

    def refer_household(
        self,
        household_id: int,
        *,
        body: str,
        user: User,
        body_name: str | None = None,
        note: str | None = None,
    ) -> int:
        """Refer a household's need to a community body (personal data: only staff who may see the household; logged).

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of the household's dong.
        PermissionError
            If the household's zone is not in ``user``'s reach.
        ValidationError
            As for :meth:`refer_report`.
        """
        household = self._household(household_id)
        actor = self._actor_in(household["dong_code"], user, doing="세대 연계 의뢰")
        self._check_household_reach(household, user)
        values, note = self._referral_values(body, body_name, note)
        with self.writer.begin() as conn:
            target = {"household_id": int(household_id)}
            referral_id = self._new_referral(conn, household["dong_code"], target, values, note, actor)
            self._log(conn, user, "입력", f"referrals:{referral_id}", f"household={household_id}")
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
        AccessError
            Unless ``user`` is on the staff of the referral's dong.
        ConflictError
            If it changed since ``expected_version``.
        PermissionError
            For a household's referral out of ``user``'s reach.
        """
        referral = self._referral_row(referral_id, user)
        if referral["report_id"] is not None:  # the report's finder, assignee or a supervisor
            actor = self._check_editor(self._report_row(referral["report_id"]), user)
        else:  # a household's: its staff within reach (checked reading it)
            actor = self._actor_in(referral["dong_code"], user, doing="연계 진행")
        target = REFERRAL_STATUSES.parse(to) if to in (*REFERRAL_STATUSES.labels, *REFERRAL_STATUSES.keys) else to
        check_referral_transition(referral["status"], target)
        _raise(_too_long("연계", "메모", _text(note)), "연계 진행")
        seen = int(expected_version) if expected_version is not None else int(referral["version"])
        now = self.clock()
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
            self._log(conn, user, "변경", f"referrals:{referral_id}", f"{referral['status']} -> {target}")

    def report_referrals(self, report_id: int) -> pd.DataFrame:
        """Where a report was referred (for its finder's inbox): every referral, oldest first, with its last note."""
        return self.referrals_of_reports([report_id])

    def referrals_of_reports(self, report_ids: Iterable[int]) -> pd.DataFrame:
        """:meth:`report_referrals` of many reports in two queries (an inbox lists dozens), by report then id."""
        ids = [int(i) for i in report_ids]
        query = (
            sa.select(REFERRALS).where(REFERRALS.c.report_id.in_(ids)).order_by(REFERRALS.c.report_id, REFERRALS.c.id)
        )
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
        frame = frame[self._reach_mask(reach, frame["zone_id"])].reset_index(drop=True)
        self.log_event(user, "조회", f"referrals:{code}", f"households rows={len(frame)}")
        return self._with_last_note(frame)

    def outreach_notes(self, code: str, *, user: User, contact_ids: Iterable[int] | None = None) -> set[str]:
        """Free-text notes of the contact log and of referrals, for the public-output scan (personal; logged).

        Contacts and household referrals only within ``user``'s reach (their reads are logged as such);
        ``contact_ids``: the contacts the caller already read for ``user``, so the book is not read twice.
        """
        if contact_ids is None:
            contact_ids = self.contacts(code, user=user)["id"]
        contacts = [int(i) for i in contact_ids]
        households = [int(i) for i in self.household_referrals(code, user=user)["id"]]
        about_reports = sa.select(REFERRALS.c.id).where(
            REFERRALS.c.dong_code == code, REFERRALS.c.report_id.is_not(None)
        )
        steps = REFERRAL_HISTORY.c.referral_id.in_(about_reports) | REFERRAL_HISTORY.c.referral_id.in_(households)
        with self.engine.connect() as conn:
            notes = [
                *conn.execute(sa.select(CONTACT_LOG.c.note).where(CONTACT_LOG.c.contact_id.in_(contacts))).scalars(),
                *conn.execute(sa.select(REFERRAL_HISTORY.c.note).where(steps)).scalars(),
            ]
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
            self.log_event(user, "조회", f"referrals:{referral_id}", "history")
        return pd.DataFrame(rows, columns=[c.name for c in REFERRAL_HISTORY.columns])
