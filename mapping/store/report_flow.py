"""Store methods for a filed report's way to closure (mixed into :class:`mapping.store.Store`).

Hand-over, status moves, progress notes, resident notification, co-approval, the activity-report
mark, and the reads of a report, its history and the officer's inbox.  Every change is one
transaction, checked against the version the editor saw (optimistic locking), and leaves a
history row (who, when, what).  Filing and editing are in :mod:`mapping.store.reports`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from mapping.access import User, can_read_personal, check_staff, may_see_contact
from mapping.domain import NOTIFY_CHANNELS, OPEN_STATUSES
from mapping.errors import Problem, TransitionError, ValidationError
from mapping.reports import check_transition, co_approver_for
from mapping.store.report_rows import REPORTS, ReportRows
from mapping.store.reports import client_key_problem, overdue_thresholds
from mapping.store.schema import PERSONAL, REPORT_HISTORY, REPORT_NOTIFICATIONS


class ReportFlowMixin(ReportRows):
    """Handing over, progressing and closing reports, and reading them back."""

    # ---- the lifecycle -----------------------------------------------------
    def hand_over(
        self,
        report_id: int,
        assignee: str,
        *,
        user: User,
        note: str | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Hand a report to the colleague responsible for its duty (status 인계).

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of the report's dong.
        TransitionError
            For an assignee not on the list, the finder themselves, or a move ``user`` may not make.
        """
        report = self._seen(report_id, expected_version)
        actor = self._actor_in(report["dong_code"], user, doing="보고 인계")
        staff = self.staff(report["dong_code"])
        if assignee not in set(staff["name"]):
            raise TransitionError(f"인계받을 {assignee!r}는 직원 명단에 없습니다.")
        if assignee == report["finder"]:
            raise TransitionError(
                f"보고 {report_id}: 작성자 본인에게는 인계할 수 없습니다. 직접 하려면 '직접 처리'를 고르세요."
            )
        check_transition(report, "handed_over", actor=actor, staff=staff)
        co = co_approver_for(assignee, staff)
        with self.writer.begin() as conn:
            values = {"status": "handed_over", "assignee": assignee, "co_approver": co, "co_approved_at": None}
            self._write_report(conn, report, values | {"updated_at": self.clock()})
            self._history(
                conn,
                report_id,
                actor=actor,
                action="hand_over",
                from_status=report["status"],
                to_status="handed_over",
                changes={"assignee": assignee},
                note=note,
            )

    def move_report(
        self,
        report_id: int,
        to: str,
        *,
        user: User,
        note: str | None = None,
        reason: str | None = None,
        duplicate_of: int | None = None,
        expected_version: int | None = None,
    ) -> None:
        """Move a report to status ``to`` (처리중, 종료, 반려, 중복 …), if the lifecycle allows it.

        Raises
        ------
        AccessError
            Unless ``user`` is on the staff of the report's dong.
        TransitionError
            Saying why the move is refused; nothing changes.
        ConflictError
            If someone else changed the report since ``expected_version``.
        """
        report = self._seen(report_id, expected_version)
        actor = self._actor_in(report["dong_code"], user, doing="보고 상태 바꾸기")
        with self.writer.begin() as conn:
            self._move(conn, report, to, actor=actor, note=note, reason=reason, duplicate_of=duplicate_of)

    def _move(
        self,
        conn: sa.Connection,
        report: dict,
        to: str,
        *,
        actor: str,
        note: str | None = None,
        reason: str | None = None,
        duplicate_of: int | None = None,
    ) -> None:
        staff = self.staff(report["dong_code"])
        notified = (
            conn.execute(
                sa.select(sa.func.count()).where(REPORT_NOTIFICATIONS.c.report_id == report["id"])
            ).scalar_one()
            > 0
        )
        if to == "in_progress" and report["status"] in ("received", "returned"):
            report = report | {"assignee": report["finder"]}  # the finder takes it on
        if to == "duplicate" and duplicate_of is not None:
            other = conn.execute(sa.select(REPORTS.c.dong_code).where(REPORTS.c.id == int(duplicate_of))).scalar()
            if other != report["dong_code"]:
                raise TransitionError(f"원래 보고 {duplicate_of}이(가) 이 동에 없습니다.")
        if to == "closed" and not report.get("co_approver"):  # e.g. a welfare-team finder closing their own report
            report = report | {"co_approver": co_approver_for(report.get("assignee") or report["finder"], staff)}
        check_transition(
            report,
            to,
            actor=actor,
            staff=staff,
            notified=notified,
            reason=reason,
            duplicate_of=duplicate_of,
        )
        values: dict[str, object] = {"status": to, "updated_at": self.clock(), "co_approver": report.get("co_approver")}
        if to == "in_progress":
            values |= {
                "assignee": report["assignee"],
                "co_approver": report.get("co_approver") or co_approver_for(report["assignee"], staff),
            }
        if to == "returned":
            values |= {"assignee": None, "return_reason": reason, "co_approver": None}
        if to == "duplicate" and duplicate_of is not None:  # check_transition refused a duplicate of nothing
            values["duplicate_of"] = int(duplicate_of)
        self._write_report(conn, report, values)
        note = reason or note
        self._history(
            conn,
            report["id"],
            actor=actor,
            action="status",
            from_status=report["status"],
            to_status=to,
            note=note,
            changes={k: v for k, v in values.items() if k in ("assignee", "duplicate_of")},
        )

    def add_progress(self, report_id: int, note: str, *, user: User, client_key: str | None = None) -> None:
        """Record progress the finder will see in their inbox before closure.

        ``client_key`` is the sender's idempotency key (as for :meth:`file_report`): a note already recorded under
        it is not recorded again, however often (and however concurrently) it is sent.

        Raises
        ------
        ValidationError
            For an empty note or a malformed key.
        TransitionError
            Unless ``user`` may edit the report.
        """
        report = self._report_row(report_id)
        _check_key(client_key, what="진행 기록")
        if not note.strip():
            raise ValidationError([Problem("보고", None, "진행", "진행 내용을 적으세요.")], what="진행 기록")
        actor = self._check_editor(report, user)
        if self._recorded(REPORT_HISTORY, report_id, client_key):
            return
        try:
            with self.writer.begin() as conn:
                self._history(conn, report_id, actor=actor, action="progress", note=note.strip(), client_key=client_key)
        except sa.exc.IntegrityError:  # the same key, sent at the same time, was recorded by the other request
            if not self._recorded(REPORT_HISTORY, report_id, client_key):
                raise

    def _recorded(self, table: sa.Table, report_id: int, key: str | None) -> bool:
        """Whether ``table`` (a report's history or notifications) already has the row sent under ``key``."""
        if key is None:
            return False
        query = sa.select(sa.func.count()).where(table.c.report_id == int(report_id), table.c.client_key == key)
        with self.engine.connect() as conn:
            return bool(conn.execute(query).scalar_one())

    def notify_resident(
        self,
        report_id: int,
        *,
        channel: str,
        on_date: dt.date,
        user: User,
        by_whom: str | None = None,
        note: str | None = None,
        client_key: str | None = None,
    ) -> None:
        """Record that the resident was told (전화/문자/방문/우편) and move the report to 주민통보.

        ``by_whom``: the staff member who told them (``user`` when not given).  ``client_key`` is the sender's
        idempotency key (as for :meth:`file_report`): a notice already recorded under it is not recorded again
        (and the report, already moved, is not moved twice).

        Raises
        ------
        ValidationError
            For an unknown channel, a stranger as ``by_whom``, a date outside the report's life or a malformed key.
        TransitionError
            If the report cannot move to 주민통보.
        """
        key = next((k for k, v in NOTIFY_CHANNELS.items() if channel in (k, v)), None)
        if key is None:
            raise ValidationError(
                [
                    Problem(
                        "주민통보", None, "방법", f"통보 방법은 {', '.join(NOTIFY_CHANNELS.values())} 중 하나입니다."
                    )
                ],
                what="주민통보",
            )
        report = self._report_row(report_id)
        _check_key(client_key, what="주민통보")
        actor = self._actor_in(report["dong_code"], user, doing="주민통보 기록")
        if self._recorded(REPORT_NOTIFICATIONS, report_id, client_key):
            return
        by_whom = by_whom or actor
        self._check_notification(report, by_whom=by_whom, on_date=on_date)
        with self.writer.begin() as conn:  # a concurrent twin fails in _move (the report moved): nothing doubles
            conn.execute(
                REPORT_NOTIFICATIONS.insert().values(
                    report_id=report_id, channel=key, on_date=on_date, by_whom=by_whom, note=note, client_key=client_key
                )
            )
            self._move(
                conn, report, "resident_notified", actor=actor, note=f"{NOTIFY_CHANNELS[key]} {on_date} {by_whom}"
            )

    def _check_notification(self, report: dict, *, by_whom: str, on_date: dt.date) -> None:
        problems = []
        if by_whom not in set(self.staff(report["dong_code"])["name"]):
            problems.append(Problem("주민통보", None, "통보자", f"통보자 {by_whom!r}는 직원 명단에 없습니다."))
        if not report["created_at"].date() <= on_date <= self.clock().date():
            when = f"{report['created_at']:%Y-%m-%d}"
            problems.append(
                Problem("주민통보", None, "통보일", f"통보일 {on_date}은(는) 보고일({when})과 오늘 사이여야 합니다.")
            )
        if problems:
            raise ValidationError(problems, what="주민통보")

    def co_approve(self, report_id: int, *, user: User) -> None:
        """Record the administrative team leader's co-approval (협조결재)."""
        report = self._report_row(report_id)
        actor = self._actor_in(report["dong_code"], user, doing="협조결재")
        staff = self.staff(report["dong_code"])
        expected = report.get("co_approver") or co_approver_for(report.get("assignee") or report["finder"], staff)
        if expected != actor:
            raise TransitionError(f"보고 {report_id}의 협조결재자는 {expected or '없음'}입니다.")
        with self.writer.begin() as conn:
            self._write_report(
                conn, report, {"co_approver": expected, "co_approved_at": self.clock(), "updated_at": self.clock()}
            )
            self._history(conn, report_id, actor=actor, action="co_approve", note="협조결재")

    def mark_reported(self, report_ids: Iterable[int], *, user: User) -> int:
        """Mark reports as covered by ``user``'s submitted activity report (counted in the month).

        Raises
        ------
        AccessError
            For a report of a dong ``user`` is not staff of.
        TransitionError
            For a report ``user`` did not find (an activity report covers one's own reports).
        """
        ids = [int(i) for i in report_ids]
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.select(REPORTS.c.id, REPORTS.c.dong_code, REPORTS.c.finder).where(REPORTS.c.id.in_(ids))
            )
            rows = found.all()
        actor = ""
        for code in sorted({r.dong_code for r in rows}):
            actor = self._actor_in(code, user, doing="활동보고서 제출")
        others = [r.id for r in rows if r.finder != actor]
        if others and user.role != "owner":
            raise TransitionError(
                f"보고 {', '.join(map(str, others))}은(는) {actor}이(가) 찾은 보고가 아니라 활동보고서에 넣을 수 없습니다."
            )
        with self.writer.begin() as conn:
            pending = REPORTS.c.id.in_(ids) & sa.or_(REPORTS.c.reported.is_(False), REPORTS.c.reported.is_(None))
            ids = [int(i) for (i,) in conn.execute(sa.select(REPORTS.c.id).where(pending))]
            done = conn.execute(REPORTS.update().where(REPORTS.c.id.in_(ids)).values(reported=True)).rowcount
            for report_id in ids:
                self._history(conn, report_id, actor=actor, action="reported", note="활동보고서 제출")
        return int(done)

    # ---- reading -----------------------------------------------------------
    def report(self, report_id: int, *, user: User) -> dict:
        """One report; the resident's contact only for a user allowed to see it (logged).

        Raises
        ------
        AccessError
            Unless ``user`` may read the reports of the report's dong (its staff; never a 구 담당 or the public).
        """
        row = self._report_row(report_id)
        self._check_reports_reader(row["dong_code"], user)
        if row.get("resident_name") or row.get("resident_phone"):
            if self._may_see_contact(user, row):
                with self.writer.begin() as conn:
                    self._log(conn, user, "조회", f"reports:{report_id}", "resident contact")
            else:
                row |= {k: None for k in PERSONAL}
        return row

    def resident_contacts(self, code: str, *, user: User) -> pd.DataFrame:
        """``id, resident_name, resident_phone`` of the dong's reports that have them (personal; logged).

        Raises
        ------
        PermissionError
            If ``user`` may not read personal data.
        """
        if not can_read_personal(user):
            raise PermissionError(f"{user.name}({user.role_label})은(는) 주민 연락처를 볼 수 없습니다.")
        self._check_reports_reader(code, user)  # another dong's staff: not even an empty list
        has = sa.or_(REPORTS.c.resident_name.is_not(None), REPORTS.c.resident_phone.is_not(None))
        columns = (REPORTS.c.id, REPORTS.c.zone_id, REPORTS.c.finder, REPORTS.c.assignee)
        query = sa.select(*columns, REPORTS.c.resident_name, REPORTS.c.resident_phone)
        reach = self.personal_zones(code, user=user)
        with self.writer.begin() as conn:
            rows = conn.execute(query.where(REPORTS.c.dong_code == code, has)).mappings().all()
            rows = [r for r in rows if may_see_contact(user, dict(r) | {"dong_code": code}, reach)]
            self._log(conn, user, "조회", f"reports:{code}", f"resident contacts={len(rows)}")
        return pd.DataFrame(rows, columns=["id", "resident_name", "resident_phone"])

    def report_notifications(self, report_id: int) -> pd.DataFrame:
        """Resident-notification records of a report."""
        query = sa.select(REPORT_NOTIFICATIONS).where(REPORT_NOTIFICATIONS.c.report_id == report_id)
        with self.engine.connect() as conn:
            return pd.DataFrame(
                conn.execute(query).mappings().all(), columns=[c.name for c in REPORT_NOTIFICATIONS.columns]
            )

    def inbox(
        self,
        code: str,
        *,
        user: User,
        now: dt.datetime | None = None,
        overdue_days: tuple[int, int] | None = None,
        reports: pd.DataFrame | None = None,
    ) -> dict[str, pd.DataFrame]:
        """``user``'s two lists (a staff member of dong ``code``; sample browsing as its chosen staff member), the most overdue first.

        ``found``: reports they found (with the last progress note);
        ``assigned``: open reports handed to them, and reports awaiting their co-approval.
        Each row has ``age_days`` and ``lateness`` (0 on time, 1 late, 2 overdue).
        ``reports``: the dong's :meth:`reports` when the caller has just read them (one read of the dong's
        reports instead of two); the access check is the same either way.
        """
        if user.role != "sample" or not self.is_sample(code):
            check_staff(user, code, doing="보고함 보기")
        officer = user.staff_name
        now = now or self.clock()
        overdue_days = overdue_days or overdue_thresholds()
        reports = self.reports(code) if reports is None else reports
        mine = reports["status"].isin(OPEN_STATUSES)
        assigned = reports[mine & (reports["assignee"] == officer)]
        approving = reports[
            (reports["co_approver"] == officer)
            & reports["co_approved_at"].isna()
            & reports["status"].isin(OPEN_STATUSES)
        ]
        found = reports[reports["finder"] == officer]
        last_notes = self._last_progress([int(i) for i in found["id"]])
        out = {}
        for name, frame in (("found", found), ("assigned", pd.concat([assigned, approving]).drop_duplicates("id"))):
            age = (now - pd.to_datetime(frame["created_at"])).dt.days if len(frame) else pd.Series(dtype=int)
            late = [
                0 if s not in OPEN_STATUSES else (2 if a >= overdue_days[1] else 1 if a >= overdue_days[0] else 0)
                for s, a in zip(frame["status"], age, strict=True)
            ]
            frame = frame.assign(age_days=age, lateness=late, progress=[last_notes.get(int(i)) for i in frame["id"]])
            frame = frame.assign(_open=frame["status"].isin(OPEN_STATUSES))
            ordered = frame.sort_values(["_open", "lateness", "age_days"], ascending=False, kind="stable")
            out[name] = ordered.drop(columns="_open")  # open first, the most overdue on top
        return out

    def _last_progress(self, ids: list[int]) -> dict[int, str]:
        if not ids:
            return {}
        query = (
            sa.select(REPORT_HISTORY.c.report_id, REPORT_HISTORY.c.note, REPORT_HISTORY.c.actor)
            .where(
                REPORT_HISTORY.c.report_id.in_(ids), REPORT_HISTORY.c.action.in_(["progress", "status", "hand_over"])
            )
            .order_by(REPORT_HISTORY.c.id)
        )
        with self.engine.connect() as conn:
            return {int(r.report_id): f"{r.actor}: {r.note}" for r in conn.execute(query) if r.note}


def _check_key(client_key: str | None, *, what: str) -> None:
    """Refuse a malformed idempotency key (:func:`~mapping.store.reports.client_key_problem`)."""
    if client_key is not None and (problem := client_key_problem(client_key)):
        raise ValidationError([problem], what=what)
