"""The store's part for a best case's way up, in the app: dong → gu (7th) → city (10th) → every gu.

The dong's team leader submits a case with the copy others may read (``shared``: checked against the dong's
personal values by :func:`mapping.month.best_cases.submit_best_case` before it gets here); the gu's 구 담당
selects or declines it with a reason the dong sees, and sends what it selected to the city; the city marks
cases shared.  The 실천사례 library reads only the shared copies: never a report, a memo or a resident.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from mapping.access import (
    User,
    check_city_officer,
    check_gu_officer,
    check_library_reader,
    check_region,
    may_read_region,
)
from mapping.domain import LEADER_ROLES
from mapping.errors import NotFoundError, Problem, ValidationError
from mapping.organisation import gu_of
from mapping.store.reports import ReportsMixin
from mapping.store.schema import BEST_CASES, POINT_TABLES, REPORT_PHOTOS

_REASON_MAX = 1_000
CASE_COLUMNS = (
    "id",
    "dong_code",
    "month",
    "title",
    "field",
    "gu_submitted_on",
    "submitted_by",
    "gu_result",
    "gu_result_on",
    "gu_reason",
    "city_submitted_on",
    "city_shared_on",
    "shared",
)
"""What the gu's and the city's inboxes and the library read of a case (``shared``: the vetted copy)."""


def _refuse(message: str) -> ValidationError:
    return ValidationError([Problem("실천사례", None, "단계", message)], what="실천사례")


class CasesMixin(ReportsMixin):  # a case is made of reports and their photos
    """Methods of :class:`mapping.store.Store` for the best case's way up and the library."""

    def _case_row(self, case_id: int) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(BEST_CASES).where(BEST_CASES.c.id == int(case_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"실천사례 {case_id}이(가) 없습니다.")
        return dict(row)

    def _update_case(self, case_id: int, values: dict, *, user: User, detail: str) -> None:
        with self.writer.begin() as conn:
            conn.execute(BEST_CASES.update().where(BEST_CASES.c.id == int(case_id)).values(**values))
            self._log(conn, user, "변경", f"best_case:{case_id}", detail)

    # ---- the dong -------------------------------------------------------------
    def case_photos(self, case_id: int) -> pd.DataFrame:
        """The photos of the case's reports (``id, report_id, path, thumb_path``), for the dong to mark shareable."""
        case = self._case_row(case_id)
        ids = [int(i) for i in case["report_ids"]]
        photos = self.report_photos(code=case["dong_code"])
        return photos[photos["report_id"].isin(ids)].reset_index(drop=True)

    def submit_case(self, case_id: int, *, shared: dict, result: str, photo_ids: Iterable[int], user: User) -> dt.date:
        """Submit the case to the gu with its shareable copy (see :func:`mapping.month.best_cases.submit_best_case`).

        A case the gu has not decided yet may be submitted again (the copy is replaced); the first
        submission's date stands for the 7th's deadline.

        Raises
        ------
        AccessError
            Unless ``user`` is a team leader or the dong head of the case's dong.
        ValidationError
            After the gu's decision, or for a photo not of the case's reports.
        """
        case = self._case_row(case_id)
        by = self._actor_in(case["dong_code"], user, doing="실천사례 구 제출", roles=LEADER_ROLES)
        if case["gu_result"]:
            raise _refuse("구가 이미 결정한 사례는 다시 제출할 수 없습니다. 새 사례로 정하세요.")
        photo_ids = sorted({int(p) for p in photo_ids})
        allowed = set(self.case_photos(case_id)["id"].astype(int))
        if set(photo_ids) - allowed:
            stray = ", ".join(str(p) for p in sorted(set(photo_ids) - allowed))
            raise _refuse(f"사진 {stray}은(는) 이 사례의 보고 사진이 아닙니다.")
        submitted: dt.date = case["gu_submitted_on"] or self.clock().date()
        values = {
            "shared": shared | {"photo_ids": photo_ids},
            "result": result.strip(),
            "submitted_by": by,
            "gu_submitted_on": submitted,
        }
        self._update_case(case_id, values, user=user, detail=f"submitted photos={photo_ids}")
        return submitted

    # ---- the gu ---------------------------------------------------------------
    def decide_case(self, case_id: int, *, selected: bool, reason: str = "", user: User) -> None:
        """The gu selects the case (for the city) or declines it, with a reason the dong sees.

        Raises
        ------
        AccessError
            Unless ``user`` is the 구 담당 of the case's gu.
        ValidationError
            Before the dong submitted it, after it went to the city, or declining without a reason.
        """
        case = self._case_row(case_id)
        check_gu_officer(user, gu_of(case["dong_code"]), doing="실천사례 선정")
        reason = " ".join(str(reason or "").split())
        if not case["gu_submitted_on"]:
            raise _refuse("동이 구에 제출한 사례만 선정할 수 있습니다.")
        if case["city_submitted_on"]:
            raise _refuse("이미 시에 보낸 사례입니다: 결정을 바꿀 수 없습니다.")
        if not selected and not reason:
            raise ValidationError(
                [Problem("실천사례", None, "사유", "미선정 사유를 적으세요: 동에 그대로 전해집니다.")], what="실천사례"
            )
        if len(reason) > _REASON_MAX:
            raise ValidationError(
                [Problem("실천사례", None, "사유", f"{len(reason)}자로 너무 깁니다(최대 {_REASON_MAX}자).")],
                what="실천사례",
            )
        decision = "selected" if selected else "not_selected"
        values = {
            "gu_result": decision,
            "gu_result_on": self.clock().date(),
            "gu_reason": reason or None,
            "gu_decided_by": user.name,
        }
        self._update_case(case_id, values, user=user, detail=decision)

    def send_case_to_city(self, case_id: int, *, user: User) -> dt.date:
        """The gu sends a case it selected to the city (the 10th's deadline); returns the day it was sent.

        Raises
        ------
        AccessError
            Unless ``user`` is the 구 담당 of the case's gu.
        ValidationError
            For a case the gu has not selected, or one already sent.
        """
        case = self._case_row(case_id)
        check_gu_officer(user, gu_of(case["dong_code"]), doing="실천사례 시 제출")
        if case["gu_result"] != "selected":
            raise _refuse("구가 선정한 사례만 시에 보냅니다.")
        if case["city_submitted_on"]:
            raise _refuse(f"이미 {case['city_submitted_on']}에 시에 보냈습니다.")
        today = self.clock().date()
        self._update_case(
            case_id, {"city_submitted_on": today, "city_sent_by": user.name}, user=user, detail="sent to the city"
        )
        return today

    # ---- the city -------------------------------------------------------------
    def mark_case_shared(self, case_id: int, *, user: User) -> dt.date:
        """The city marks a case it received as shared with every gu; returns the day.

        Raises
        ------
        AccessError
            Unless ``user`` is the city's.
        ValidationError
            For a case the gu has not sent to the city.
        """
        case = self._case_row(case_id)
        check_city_officer(user, doing="실천사례 공유")
        if not case["city_submitted_on"]:
            raise _refuse("구가 시에 보낸 사례만 공유합니다.")
        today = case["city_shared_on"] or self.clock().date()
        self._update_case(case_id, {"city_shared_on": today, "city_shared_by": user.name}, user=user, detail="shared")
        return today

    # ---- reading ----------------------------------------------------------------
    def _cases(self, where: sa.ColumnElement[bool]) -> pd.DataFrame:
        query = sa.select(*(BEST_CASES.c[c] for c in CASE_COLUMNS)).where(where)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(BEST_CASES.c.month.desc(), BEST_CASES.c.id)).all()
        frame = pd.DataFrame(rows, columns=list(CASE_COLUMNS))
        return frame.assign(gu_code=frame["dong_code"].map(gu_of))

    def gu_case_inbox(self, gu_code: str, *, user: User) -> pd.DataFrame:
        """Every case the gu's dongs submitted, newest month first (:data:`CASE_COLUMNS` and ``gu_code``).

        Raises
        ------
        AccessError
            Unless ``user`` may read the gu's counts (its 구 담당, the city, the owner).
        """
        check_region(user, gu_code, doing="실천사례 접수함")
        return self._cases(BEST_CASES.c.dong_code.startswith(gu_code) & BEST_CASES.c.gu_submitted_on.is_not(None))

    def city_case_inbox(self, *, user: User) -> pd.DataFrame:
        """Every case a gu sent to the city, newest month first.

        Raises
        ------
        AccessError
            Unless ``user`` is the city's (or the owner).
        """
        check_region(user, None, doing="실천사례 접수함")
        return self._cases(BEST_CASES.c.city_submitted_on.is_not(None))

    def case_library(self, *, user: User) -> pd.DataFrame:
        """The 실천사례 library: every case a gu selected, with its shared copy only.

        Raises
        ------
        AccessError
            For the public (:func:`mapping.access.check_library_reader`).
        """
        check_library_reader(user)
        return self._cases((BEST_CASES.c.gu_result == "selected") & BEST_CASES.c.shared.is_not(None))

    def case_photo(self, case_id: int, photo_id: int, *, user: User, thumb: bool = True) -> bytes:
        """One photo the dong marked shareable on a case in the library or in the reader's gu inbox (thumbnail unless ``thumb`` is False).

        Raises
        ------
        AccessError
            For the public.
        NotFoundError
            For a photo not marked shareable on a case in the library (or a lost file).
        """
        check_library_reader(user)
        case = self._case_row(case_id)
        shared = case["shared"] or {}
        reviewing = bool(case["gu_submitted_on"]) and may_read_region(user, gu_of(case["dong_code"]))  # its gu decides
        in_reach = case["gu_result"] == "selected" or reviewing
        if not in_reach or int(photo_id) not in {int(p) for p in shared.get("photo_ids", [])}:
            raise NotFoundError(f"실천사례 {case_id}에 공유된 사진 {photo_id}이(가) 없습니다.")
        query = sa.select(REPORT_PHOTOS.c.file, REPORT_PHOTOS.c.thumb).where(REPORT_PHOTOS.c.id == int(photo_id))
        reports = POINT_TABLES["reports"]
        query = query.join(reports, reports.c.id == REPORT_PHOTOS.c.report_id).where(
            reports.c.dong_code == case["dong_code"]
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        path = None if row is None else self.photo_dir / (row.thumb if thumb else row.file)
        if path is None or not path.exists():
            raise NotFoundError(f"실천사례 {case_id}의 사진 {photo_id} 파일이 없습니다.")
        return path.read_bytes()
