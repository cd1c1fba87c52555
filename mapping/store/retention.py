"""Retention: personal data past its period is removed; the counts the programme reports stay.

What goes (defaults, each configurable, never below the legal minimum for the log):

- closed or duplicate reports untouched for ``closed_days`` (3 years): the resident's name and phone,
  the memo, title and action text, their photos and the notes of their referrals to community bodies
  (the referral and its dated states stay) — the report row stays (date, zone, tong, field,
  activity, finder, status, reported), so every monthly count and density map is unchanged;
- move-in households ``move_in_days`` (1 year) after moving in; care-needed neighbours not visited for
  ``care_days`` (3 years): the whole row, with the referrals of their needs to community bodies;
- entries of the contact book's log (만남·통화·소개) older than ``contact_log_days`` (3 years); the
  contacts themselves stay until someone deletes them;
- access-log entries older than ``log_days`` (at least 2 years), except that grants and changes of
  permissions (``권한``) are kept 3 years: only a contiguous oldest part is removed; the boundary (the
  last removed entry's id and hash, how many removed in all) is kept in meta ``access_log_anchor`` and the
  purge's own log entry names it (``log_upto=N``), so :meth:`verify_access_log` still checks everything
  that remains and tells a purge from entries cut off (:mod:`mapping.store.audit`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from mapping import clock
from mapping.access import User
from mapping.store.audit import BOUNDARY_KEY
from mapping.store.audit.chain import Boundary
from mapping.store.audit.log import read_boundary, write_boundary
from mapping.store.schema import ACCESS_LOG, CONTACT_LOG, POINT_TABLES, REFERRAL_HISTORY, REFERRALS, REPORT_PHOTOS

if TYPE_CHECKING:
    from mapping.store import Store

MIN_LOG_DAYS = 730  # 안전성 확보조치 기준 제8조: 2 years where sensitive data is held
GRANT_DAYS = 1095  # 제5조: records of grants and changes, 3 years
CLEARED = "(보존기간 경과로 삭제)"
ANCHOR_KEY = BOUNDARY_KEY  # meta key of the purge boundary


@dataclass(frozen=True)
class RetentionPolicy:
    """How long each kind of personal data is kept, in days."""

    closed_days: int = 1095
    move_in_days: int = 365
    care_days: int = 1095
    log_days: int = MIN_LOG_DAYS
    contact_log_days: int = 1095

    def __post_init__(self) -> None:
        if self.log_days < MIN_LOG_DAYS:
            raise ValueError(f"접근 기록은 {MIN_LOG_DAYS}일(2년) 이상 보관해야 합니다: log_days={self.log_days}")
        for name in ("closed_days", "move_in_days", "care_days", "contact_log_days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name}={getattr(self, name)}: 1일 이상이어야 합니다.")


@dataclass
class PurgeReport:
    """What a purge removed (or, for a dry run, would remove)."""

    reports_cleared: int = 0
    photos_removed: int = 0
    move_ins_removed: int = 0
    care_removed: int = 0
    log_entries_removed: int = 0
    contact_log_removed: int = 0
    referrals_removed: int = 0
    files: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report in Korean, one line per kind."""
        return [
            f"종료된 보고의 개인정보(주민 연락처·내용·사진) 지움: {self.reports_cleared}건 (사진 {self.photos_removed}장)",
            f"전입세대 삭제: {self.move_ins_removed}곳",
            f"돌봄이웃 삭제: {self.care_removed}곳 (그 세대의 연계 의뢰 {self.referrals_removed}건)",
            f"연락처 연락 기록 삭제: {self.contact_log_removed}건",
            f"접근 기록 삭제: {self.log_entries_removed}건",
        ]


def purge_expired(
    store: Store, *, policy: RetentionPolicy, user: User, today: dt.date | None = None, dry_run: bool = False
) -> PurgeReport:
    """Remove personal data past its retention period, in one transaction; returns what was removed.

    Parameters
    ----------
    store : Store
        The store.
    policy : RetentionPolicy
        The periods.
    user : User
        Who purges (logged).
    today : datetime.date, optional
        The day to count from (default: today).
    dry_run : bool
        Only count; change nothing.
    """
    today = today or clock.today()
    now = dt.datetime.combine(today, dt.time())
    reports, households = POINT_TABLES["reports"], POINT_TABLES["households"]
    out = PurgeReport()
    with store.writer.begin() as conn:
        stale = reports.c.status.in_(["closed", "duplicate"]) & (
            sa.func.coalesce(reports.c.updated_at, reports.c.created_at) < now - dt.timedelta(days=policy.closed_days)
        )
        not_cleared = sa.or_(reports.c.memo.is_(None), reports.c.memo != CLEARED)
        ids = [i for (i,) in conn.execute(sa.select(reports.c.id).where(stale, not_cleared))]
        photos = conn.execute(
            sa.select(REPORT_PHOTOS.c.file, REPORT_PHOTOS.c.thumb).where(REPORT_PHOTOS.c.report_id.in_(ids))
        ).all()
        move_ins = (households.c.kind == "move_in") & (
            households.c.moved_in < today - dt.timedelta(days=policy.move_in_days)
        )
        care = (households.c.kind == "care_needed") & (
            sa.func.coalesce(households.c.last_visit, households.c.moved_in)
            < today - dt.timedelta(days=policy.care_days)
        )
        out.reports_cleared, out.photos_removed = len(ids), len(photos)
        out.move_ins_removed = conn.execute(sa.select(sa.func.count()).where(move_ins)).scalar_one()
        out.care_removed = conn.execute(sa.select(sa.func.count()).where(care)).scalar_one()
        gone = sa.select(households.c.id).where(move_ins | care)
        referrals = REFERRALS.c.household_id.in_(gone)
        out.referrals_removed = conn.execute(sa.select(sa.func.count()).where(referrals)).scalar_one()
        old_contacts = CONTACT_LOG.c.on_date < today - dt.timedelta(days=policy.contact_log_days)
        out.contact_log_removed = conn.execute(sa.select(sa.func.count()).where(old_contacts)).scalar_one()
        cut = _log_cut(conn, now, policy)
        out.log_entries_removed = (
            conn.execute(sa.select(sa.func.count()).where(ACCESS_LOG.c.id < cut)).scalar_one() if cut else 0
        )
        out.files = [f for pair in photos for f in pair]
        if dry_run:
            return out
        cleared = {"resident_name": None, "resident_phone": None, "memo": CLEARED, "title": None, "action": None}
        conn.execute(reports.update().where(reports.c.id.in_(ids)).values(**cleared))
        conn.execute(REPORT_PHOTOS.delete().where(REPORT_PHOTOS.c.report_id.in_(ids)))
        of_reports = sa.select(REFERRALS.c.id).where(REFERRALS.c.report_id.in_(ids))
        conn.execute(REFERRAL_HISTORY.update().where(REFERRAL_HISTORY.c.referral_id.in_(of_reports)).values(note=None))
        store._drop_household_referrals(conn, gone)
        conn.execute(households.delete().where(move_ins | care))
        conn.execute(CONTACT_LOG.delete().where(old_contacts))
        detail = "; ".join(out.lines())
        if cut:
            boundary = _cut_log(conn, cut, on=today)
            detail += f"; log_upto={boundary.last_id} removed_total={boundary.removed}"
        store._log(conn, user, "삭제", "retention", detail)
    if cut:  # the head after the purge, outside the database
        store.anchor_access_log("purge")
    for name in out.files:  # after the commit: a crash leaves at most unreferenced files, swept at the next start
        (store.photo_dir / name).unlink(missing_ok=True)
    return out


def _log_cut(conn: sa.Connection, now: dt.datetime, policy: RetentionPolicy) -> int | None:
    """The id of the oldest log entry to keep: everything older than the period, but no grant under 3 years."""
    old = ACCESS_LOG.c.at < now - dt.timedelta(days=policy.log_days)
    keep_from = conn.execute(sa.select(sa.func.min(ACCESS_LOG.c.id)).where(~old)).scalar()
    young_grant = (ACCESS_LOG.c.action == "권한") & (ACCESS_LOG.c.at >= now - dt.timedelta(days=GRANT_DAYS))
    first_grant = conn.execute(sa.select(sa.func.min(ACCESS_LOG.c.id)).where(young_grant)).scalar()
    candidates = [i for i in (keep_from, first_grant) if i is not None]
    cut = min(candidates) if candidates else None
    if cut is None:  # everything is old: keep the newest entry as the chain's end
        cut = conn.execute(sa.select(sa.func.max(ACCESS_LOG.c.id))).scalar()
    lowest = conn.execute(sa.select(sa.func.min(ACCESS_LOG.c.id))).scalar()
    return cut if cut is not None and lowest is not None and cut > lowest else None


def _cut_log(conn: sa.Connection, cut: int, *, on: dt.date) -> Boundary:
    """Remove the entries before ``cut``; record the boundary (last removed id and hash, removed in all) in meta."""
    last = conn.execute(
        sa.select(ACCESS_LOG.c.id, ACCESS_LOG.c.hash)
        .where(ACCESS_LOG.c.id < cut)
        .order_by(ACCESS_LOG.c.id.desc())
        .limit(1)
    ).one()
    removed = conn.execute(sa.select(sa.func.count()).where(ACCESS_LOG.c.id < cut)).scalar_one()
    boundary = Boundary(hash=last.hash, last_id=int(last.id), removed=read_boundary(conn).removed + int(removed))
    conn.execute(ACCESS_LOG.delete().where(ACCESS_LOG.c.id < cut))
    write_boundary(conn, boundary, on=on)
    return boundary
