"""The store's part for the team leader's month: confirmed 취합, sharing meetings, best cases, settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, cast

import pandas as pd
import sqlalchemy as sa

from mapping.access import User, check_gu_officer
from mapping.domain import FIELDS, LEADER_ROLES
from mapping.errors import NotFoundError, Problem, ValidationError
from mapping.month.aggregation import MonthlySheet, parse_month
from mapping.month.deadlines import OutingTarget
from mapping.organisation import gu_of
from mapping.store.base import StoreBase
from mapping.store.engine import _new_id
from mapping.store.schema import AGGREGATIONS, BEST_CASES, DONG_SETTINGS, MEETINGS, POINT_TABLES

_TITLE_MAX = 200
_TEXT_MAX = 5_000


def _month_key(month: object) -> str:
    return parse_month(month).strftime("%Y-%m")


def _text_problem(text: str, *, what: str, field: str, limit: int) -> Problem | None:
    if not text:
        return Problem(what, None, field, f"비어 있습니다. {field}을(를) 적으세요.")
    if len(text) > limit:
        return Problem(what, None, field, f"{len(text)}자로 너무 깁니다(최대 {limit}자). 줄이세요.")
    return None


class MonthMixin(StoreBase):
    """Methods of :class:`mapping.store.Store` for the monthly cycle (5th, 7th, 10th)."""

    # ---- 취합 ---------------------------------------------------------------
    def confirm_aggregation(self, code: str, sheet: MonthlySheet, *, user: User) -> dt.datetime:
        """Record that ``user`` (a team leader or the dong head) confirmed the month's 취합 (and its totals); again replaces it.

        Raises
        ------
        AccessError
            Unless ``user`` is a team leader, the administrative team leader or the dong head of dong ``code``.
        """
        by = self._actor_in(code, user, doing="취합 확정", roles=LEADER_ROLES)
        totals = {c: int(sheet.by_field[c].iloc[-1]) for c in ("계", *FIELDS.labels)}
        at = self.clock()
        with self.writer.begin() as conn:
            conn.execute(
                AGGREGATIONS.delete().where(AGGREGATIONS.c.dong_code == code, AGGREGATIONS.c.month == sheet.month)
            )
            conn.execute(
                AGGREGATIONS.insert().values(
                    dong_code=code, month=sheet.month, confirmed_at=at, confirmed_by=by, totals=totals
                )
            )
            self._log(conn, user, "변경", f"aggregation:{code}:{sheet.month}", f"total={totals['계']}")
        return at

    def aggregation(self, code: str, month: str) -> dict | None:
        """The confirmation of the month's 취합 (``confirmed_at``, ``confirmed_by``, ``totals``), or None."""
        query = sa.select(AGGREGATIONS).where(
            AGGREGATIONS.c.dong_code == code, AGGREGATIONS.c.month == _month_key(month)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    # ---- 공유회의 -------------------------------------------------------------
    def save_meeting(
        self,
        code: str,
        month: str,
        *,
        held_at: dt.datetime | None,
        place: str = "",
        attendees: Iterable[str] = (),
        discussion: str = "",
        requests: str = "",
        user: User,
    ) -> None:
        """Save the month's sharing meeting (date, place, attendees, 중점 토의사항, 당부사항); again replaces it.

        Raises
        ------
        AccessError
            Unless ``user`` is a team leader or the dong head of dong ``code``.
        """
        by = self._actor_in(code, user, doing="공유회의 저장", roles=LEADER_ROLES)
        month = _month_key(month)
        texts = (("중점 토의사항", discussion), ("당부사항", requests), ("장소", place))
        problems = [  # every text is optional; only its length is limited
            Problem("공유회의", None, label, f"{len(t)}자로 너무 깁니다(최대 {_TEXT_MAX}자). 줄이세요.")
            for label, t in texts
            if len(t or "") > _TEXT_MAX
        ]
        if problems:
            raise ValidationError(problems, what="공유회의")
        values = {
            "held_at": held_at,
            "place": (place or "").strip(),
            "attendees": [
                a.strip()
                for a in (attendees.split(",") if isinstance(attendees, str) else attendees)
                if a and a.strip()
            ],
            "discussion": (discussion or "").strip(),
            "requests": (requests or "").strip(),
            "updated_at": self.clock(),
            "updated_by": by,
        }
        with self.writer.begin() as conn:
            conn.execute(MEETINGS.delete().where(MEETINGS.c.dong_code == code, MEETINGS.c.month == month))
            conn.execute(MEETINGS.insert().values(dong_code=code, month=month, **values))
            self._log(conn, user, "변경", f"meeting:{code}:{month}")

    def meeting(self, code: str, month: str) -> dict | None:
        """The month's sharing meeting as saved, or None."""
        query = sa.select(MEETINGS).where(MEETINGS.c.dong_code == code, MEETINGS.c.month == _month_key(month))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    # ---- 실천사례 -------------------------------------------------------------
    def choose_best_case(
        self,
        code: str,
        month: str,
        *,
        title: str,
        field: str,
        report_ids: Iterable[int],
        summary: str = "",
        user: User,
    ) -> int:
        """Record one report or a group of them as the month's best case; returns its id.

        Raises
        ------
        AccessError
            Unless ``user`` is a team leader or the dong head of dong ``code``.
        ValidationError
            For an empty title, an unknown field, no reports, or a report not of this dong.
        """
        by = self._actor_in(code, user, doing="실천사례 정하기", roles=LEADER_ROLES)
        month = _month_key(month)
        title = " ".join(str(title or "").split())
        problems = [p for p in [_text_problem(title, what="실천사례", field="제목", limit=_TITLE_MAX)] if p]
        try:
            field = FIELDS.parse(field)
        except ValueError as err:
            problems.append(Problem("실천사례", None, "분야", str(err)))
        ids = sorted({int(i) for i in report_ids})
        reports = POINT_TABLES["reports"]
        with self.engine.connect() as conn:
            found = set(
                conn.execute(
                    sa.select(reports.c.id).where(reports.c.dong_code == code, reports.c.id.in_(ids))
                ).scalars()
            )
        if not ids:
            problems.append(Problem("실천사례", None, "보고", "보고를 하나 이상 고르세요."))
        elif set(ids) - found:
            missing = ", ".join(str(i) for i in sorted(set(ids) - found))
            problems.append(Problem("실천사례", None, "보고", f"보고 {missing}은(는) 이 동의 보고가 아닙니다."))
        if problems:
            raise ValidationError(problems, what="실천사례")
        values = {
            "dong_code": code,
            "month": month,
            "title": title,
            "field": field,
            "summary": (summary or "").strip()[:_TEXT_MAX],
            "report_ids": ids,
            "chosen_by": by,
            "chosen_at": self.clock(),
        }
        with self.writer.begin() as conn:
            case_id = _new_id(conn.execute(BEST_CASES.insert().values(**values)))
            self._log(conn, user, "입력", f"best_case:{case_id}", f"{month} reports={ids}")
        return case_id

    def best_case(self, case_id: int) -> dict:
        """One best case.

        Raises
        ------
        NotFoundError
            If there is none with that id.
        """
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(BEST_CASES).where(BEST_CASES.c.id == int(case_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"실천사례 {case_id}이(가) 없습니다.")
        return dict(row)

    def best_cases(self, code: str) -> pd.DataFrame:
        """Every best case of the dong, newest month first."""
        query = sa.select(BEST_CASES).where(BEST_CASES.c.dong_code == code)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(BEST_CASES.c.month.desc(), BEST_CASES.c.id)).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in BEST_CASES.columns])

    def check_best_case_step(self, case_id: int, step: str) -> None:
        """Refuse a step out of order, before anything is written (see :meth:`record_best_case_step`).

        Raises
        ------
        NotFoundError
            If there is no such case.
        ValidationError
            For an unknown step or one out of order.
        """
        case = self.best_case(case_id)
        not_submitted = None if case["gu_submitted_on"] else "구에 제출한 뒤에 구의 선정 결과를 적을 수 있습니다."
        order_problem = {
            "gu_submitted": None,
            "selected": not_submitted,
            "not_selected": not_submitted,
            "city_submitted": None if case["gu_result"] == "selected" else "구가 선정한 사례만 시에 제출합니다.",
        }
        if step not in order_problem:
            message = f"{step!r}는 단계가 아닙니다. 가능한 값: {', '.join(order_problem)}"
            raise ValidationError([Problem("실천사례", None, "단계", message)], what="실천사례")
        problem = order_problem[step]
        if problem:
            raise ValidationError([Problem("실천사례", None, "단계", problem)], what="실천사례")

    def record_best_case_step(self, case_id: int, step: str, *, on: dt.date, user: User) -> None:
        """Record a step of the case's way up: ``gu_submitted``, ``selected``, ``not_selected``, ``city_submitted``.

        Raises
        ------
        AccessError
            ``gu_submitted``: unless ``user`` is a team leader or the dong head of the case's dong; the gu's
            steps (``selected``, ``not_selected``, ``city_submitted``): unless ``user`` is the gu's 구 담당.
        ValidationError
            For a step out of order (a city submission before the gu chose it, a result before submission).
        """
        case = self.best_case(case_id)
        if step == "gu_submitted":
            self._actor_in(case["dong_code"], user, doing="실천사례 제출 기록", roles=LEADER_ROLES)
        else:  # the gu decides and sends: a dong does not type in the gu's decision (구 현황, decide_case)
            check_gu_officer(user, gu_of(case["dong_code"]), doing="실천사례 선정·시 제출 기록")
        self.check_best_case_step(case_id, step)
        steps: dict[str, dict[str, object]] = {
            "gu_submitted": {"gu_submitted_on": on},
            "selected": {"gu_result": "selected", "gu_result_on": on},
            "not_selected": {"gu_result": "not_selected", "gu_result_on": on, "city_submitted_on": None},
            "city_submitted": {"city_submitted_on": on},
        }
        values = steps[step]
        with self.writer.begin() as conn:
            conn.execute(BEST_CASES.update().where(BEST_CASES.c.id == int(case_id)).values(**values))
            self._log(conn, user, "변경", f"best_case:{case_id}", f"{step} {on:%Y-%m-%d}")

    # ---- settings -------------------------------------------------------------
    def _setting(self, code: str, key: str) -> object:
        query = sa.select(DONG_SETTINGS.c.value).where(DONG_SETTINGS.c.dong_code == code, DONG_SETTINGS.c.key == key)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar()

    def _set_setting(self, code: str, key: str, value: object, *, user: User) -> None:
        by = self._actor_in(code, user, doing="동 설정 바꾸기", roles=LEADER_ROLES)
        where = (DONG_SETTINGS.c.dong_code == code) & (DONG_SETTINGS.c.key == key)
        row = {"dong_code": code, "key": key, "value": value, "updated_at": self.clock(), "updated_by": by}
        with self.writer.begin() as conn:
            conn.execute(DONG_SETTINGS.delete().where(where))
            conn.execute(DONG_SETTINGS.insert().values(**row))
            self._log(conn, user, "변경", f"settings:{code}", f"{key}={value}")

    def outing_target(self, code: str) -> OutingTarget:
        """The dong's weekly outing target (주 1회 unless set)."""
        value = self._setting(code, "outing_target")  # a JSON object, as set_outing_target wrote it
        return OutingTarget(**cast("dict[str, Any]", value)) if value else OutingTarget()

    def set_outing_target(self, code: str, target: OutingTarget, *, user: User) -> None:
        """Set the dong's weekly outing target (a team leader or the dong head; see :meth:`set_public_url`)."""
        self._set_setting(code, "outing_target", {"count": target.count, "unit": target.unit}, user=user)

    def public_url(self, code: str) -> str | None:
        """Where the dong's public map is published (for QR codes), if set."""
        value = self._setting(code, "public_url")
        return str(value) if value else None

    def set_public_url(self, code: str, url: str, *, user: User) -> None:
        """Record where the dong's public map is published (it goes into every printed QR code).

        Raises
        ------
        AccessError
            Unless ``user`` is a team leader, the administrative team leader or the dong head of dong ``code``.
        ValidationError
            Unless ``url`` is an http(s) address.
        """
        self._actor_in(code, user, doing="공개 지도 주소 정하기", roles=LEADER_ROLES)
        url = (url or "").strip()
        if not url.startswith(("https://", "http://")) or len(url) > 500 or any(c.isspace() for c in url):
            problem = Problem("공개 지도 주소", None, "주소", f"{url!r}: https://로 시작하는 인터넷 주소를 적으세요.")
            raise ValidationError([problem], what="공개 지도 주소")
        self._set_setting(code, "public_url", url, user=user)
