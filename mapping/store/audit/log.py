"""The store's access log: appending (keyed), reading by who may review it, checking, anchoring, the monthly review.

Every entry carries the dong it concerns (``dong_code``: the acting account's dong, else the subject's,
else the account's gu as a 5-digit code), so that a 행정팀장 or 동장 reviews their dong's entries, a
scoped administrator their scope and an unscoped administrator everything.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import sqlalchemy as sa

from mapping import clock
from mapping.access import OWNER, SAMPLE, SYSTEM, User, check_writer
from mapping.domain import HEADS
from mapping.errors import AccessError, Problem, StoreError, ValidationError
from mapping.store.audit.chain import (
    NO_KEY,
    Boundary,
    Finding,
    LogCheck,
    anchor_findings,
    chain_findings,
    entry_mac,
    legacy_hash,
    purge_findings,
    walk,
)
from mapping.store.audit.keys import (
    KEY_HINT,
    Anchor,
    LogKeys,
    append_anchor,
    create_key,
    find_keys,
    now_text,
    read_anchors,
)
from mapping.store.schema import ACCESS_LOG, meta

BOUNDARY_KEY = "access_log_anchor"  # where retention purges have cut the log (mapping.store.retention)
KEYED_KEY = "access_log_keyed"  # set once the log is keyed (schema 7)
UNKEYED_UNTIL_KEY = "access_log_unkeyed_until"  # an unkeyed chain already broken before schema 7 ends here
_DONG_IN_SUBJECT = re.compile(r"(?:^|:)(\d{10})(?::|$)")
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
UPGRADER = User("store-upgrade", "저장소 판올림", SYSTEM)


def read_boundary(conn: sa.Connection) -> Boundary:
    """Where purges have cut the log (a store of before schema 7 kept only the hash)."""
    t = meta.tables["meta"]
    value = conn.execute(sa.select(t.c.value).where(t.c.key == BOUNDARY_KEY)).scalar()
    if not value:
        return Boundary()
    if not value.startswith("{"):
        return Boundary(hash=value)
    data = json.loads(value)
    return Boundary(hash=data.get("hash"), last_id=data.get("last_id"), removed=int(data.get("removed") or 0))


def write_boundary(conn: sa.Connection, boundary: Boundary, *, on: dt.date) -> None:
    """Record a purge's cut in meta (inside the purge's transaction)."""
    t = meta.tables["meta"]
    value = json.dumps(
        {"hash": boundary.hash, "last_id": boundary.last_id, "removed": boundary.removed, "on": on.isoformat()}
    )
    conn.execute(t.delete().where(t.c.key == BOUNDARY_KEY))
    conn.execute(t.insert().values(key=BOUNDARY_KEY, value=value))


def _meta_value(conn: sa.Connection, key: str) -> str | None:
    t = meta.tables["meta"]
    return conn.execute(sa.select(t.c.value).where(t.c.key == key)).scalar()


def _set_meta(conn: sa.Connection, key: str, value: str) -> None:
    t = meta.tables["meta"]
    if conn.execute(t.update().where(t.c.key == key).values(value=value)).rowcount == 0:
        conn.execute(t.insert().values(key=key, value=value))


def entry_dong(user: User, subject: str, dong_code: str | None = None) -> str | None:
    """The dong an entry concerns: given, else the acting account's, else the subject's, else the account's gu."""
    if dong_code:
        return dong_code
    if user.dong_code:
        return user.dong_code
    found = _DONG_IN_SUBJECT.search(subject or "")
    return found.group(1) if found else user.gu_code


class AccessLogMixin:
    """Methods of :class:`mapping.store.Store` for the access log."""

    engine: sa.Engine
    writer: sa.Engine
    url: str
    log_keys: LogKeys

    # ---- opening: the key, and re-keying a log of before schema 7 ----------------------------------------------
    def _open_log(self) -> None:
        """Find (or create) the log key and key a log written before schema version 7, once."""
        keys = find_keys(self.url)
        with self.writer.begin() as conn:
            if self.engine.dialect.name == "postgresql":  # one process at a time creates the key and re-keys
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7436002)"))
            keyed = conn.execute(sa.select(ACCESS_LOG.c.id).where(ACCESS_LOG.c.key_id.is_not(None)).limit(1)).first()
            if not keys.keys and keyed is None:  # a new log (or one of before v7): a new key
                keys = create_key(keys)
            self.log_keys = keys
            rekeyed = 0
            if _meta_value(conn, KEYED_KEY) is None:
                conn.execute(sa.text("CREATE INDEX IF NOT EXISTS ix_access_log_dong_code ON access_log (dong_code)"))
                rekeyed = self._adopt_unkeyed(conn)
        if rekeyed:
            self.anchor_access_log("rekey")

    def _adopt_unkeyed(self, conn: sa.Connection) -> int:
        """Key an unkeyed log (before schema 7) if its chain verifies, else mark where it ends; returns entries keyed.

        Only a log with no keyed entry at all is adopted: unkeyed entries after keying are tampering.
        """
        if _meta_value(conn, KEYED_KEY) is not None or self.log_keys.signing is None:
            return 0
        if conn.execute(sa.select(ACCESS_LOG.c.id).where(ACCESS_LOG.c.key_id.is_not(None)).limit(1)).first():
            _set_meta(conn, KEYED_KEY, "hmac-sha256")
            return 0
        rows = [dict(r) for r in conn.execute(sa.select(ACCESS_LOG).order_by(ACCESS_LOG.c.id)).mappings()]
        start = read_boundary(conn).hash
        prev, whole = start, True
        for row in rows:
            if row["prev_hash"] != prev or row["hash"] != legacy_hash(prev, row["at"], row):
                whole = False
                break
            prev = row["hash"]
        _set_meta(conn, KEYED_KEY, "hmac-sha256")
        if not rows:
            return 0
        if not whole:  # keep the old chain as it is, and let verify-log say where it breaks
            _set_meta(conn, UNKEYED_UNTIL_KEY, str(rows[-1]["id"]))
            self._log(conn, UPGRADER, "변경", "access_log", f"unkeyed chain kept (broken) up to {rows[-1]['id']}")
            return 0
        key, kid, prev, updates = self.log_keys.signing, self.log_keys.signing_id, start, []
        for row in rows:  # the dong, where the subject names one, so that its reviewers see the old entries too
            found = _DONG_IN_SUBJECT.search(row["subject"] or "")
            dong = found.group(1) if found else None
            digest = entry_mac(key, prev, row["at"], {**row, "dong_code": dong})
            updates.append({"_id": row["id"], "_prev": prev, "_hash": digest, "_kid": kid, "_dong": dong})
            prev = digest
        conn.execute(
            ACCESS_LOG.update()
            .where(ACCESS_LOG.c.id == sa.bindparam("_id"))
            .values(
                prev_hash=sa.bindparam("_prev"),
                hash=sa.bindparam("_hash"),
                key_id=sa.bindparam("_kid"),
                dong_code=sa.bindparam("_dong"),
            ),
            updates,
        )
        self._log(conn, UPGRADER, "변경", "access_log", f"keyed {len(rows)} entries (key {kid})")
        return len(rows)

    # ---- appending -----------------------------------------------------------------------------------------------
    def log_event(
        self, user: User, action: str, subject: str, detail: str = "", *, dong_code: str | None = None
    ) -> None:
        """Append one entry to the access log on its own (a download with its reason, a printed sheet)."""
        with self.writer.begin() as conn:
            self._log(conn, user, action, subject, detail, dong_code=dong_code)

    def _log(
        self,
        conn: sa.Connection,
        user: User,
        action: str,
        subject: str,
        detail: str = "",
        *,
        dong_code: str | None = None,
    ) -> None:
        """Append to the access log inside ``conn``'s transaction: an HMAC of the previous hash and this entry.

        Writers are serialised on the log (PostgreSQL: a table lock; SQLite: the write lock every write
        transaction holds), so two entries never name the same previous one.

        Raises
        ------
        StoreError
            If the log's key is missing (nothing may be done that would go unlogged).
        """
        key = self.log_keys.signing
        if key is None:
            raise StoreError(
                f"접근 기록 열쇠가 없습니다 ({self.log_keys.source}): 이 저장소의 기록은 열쇠로 서명되어 있어 "
                f"열쇠 없이는 새 기록을 남길 수 없습니다. 열쇠 파일을 되찾아 두거나 {KEY_HINT}"
            )
        if self.engine.dialect.name == "postgresql":
            conn.execute(sa.text("LOCK TABLE access_log IN SHARE ROW EXCLUSIVE MODE"))
        prev = conn.execute(sa.select(ACCESS_LOG.c.hash).order_by(ACCESS_LOG.c.id.desc()).limit(1)).scalar()
        at = clock.now()  # wall time, whatever the store's clock says: the log records when things happened
        entry = {
            "account": user.account,
            "client": user.client,
            "action": action,
            "subject": subject,
            "detail": detail,
            "dong_code": entry_dong(user, subject, dong_code),
        }
        digest = entry_mac(key, prev, at, entry)
        conn.execute(
            ACCESS_LOG.insert().values(at=at, prev_hash=prev, hash=digest, key_id=self.log_keys.signing_id, **entry)
        )

    # ---- reading -------------------------------------------------------------------------------------------------
    def _log_scope(self, user: User | None) -> sa.ColumnElement[bool] | None:
        """Which entries ``user`` may review (None: all).

        Raises
        ------
        AccessError
            For anyone but a dong's 행정팀장 or 동장, an administrator, sample browsing or the owner.
        """
        dong = ACCESS_LOG.c.dong_code
        if user is None or user.role == OWNER:
            return None
        if user.role == SAMPLE:  # sample dongs' entries only
            t = meta.tables["dongs"]
            return dong.in_(sa.select(t.c.dong_code).where(t.c.sample.is_(True)))
        if user.admin:
            if user.dong_code:
                return dong == user.dong_code
            if user.gu_code:
                return sa.func.substr(dong, 1, 5) == user.gu_code
            return None
        if user.role in HEADS and user.dong_code and user.staff_name:
            return dong == user.dong_code
        raise AccessError(
            f"{user.name}({user.role_label})은(는) 접근 기록을 볼 수 없습니다: 행정팀장·동장은 자기 동의 기록을, "
            "관리자는 관리하는 범위의 기록을 봅니다."
        )

    def access_log(self, *, user: User | None = None) -> pd.DataFrame:
        """The access log, oldest first: the entries ``user`` may review, or every entry (``user=None``: the owner).

        Raises
        ------
        AccessError
            If ``user`` may not review the log at all.
        """
        query = sa.select(ACCESS_LOG).order_by(ACCESS_LOG.c.id)
        scope = self._log_scope(user)
        if scope is not None:
            query = query.where(scope)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in ACCESS_LOG.columns])

    # ---- checking and anchoring ----------------------------------------------------------------------------------
    def verify_access_log(self) -> LogCheck:
        """Check the whole log against its key and against every anchor recorded outside the database.

        Finds an entry changed in place, one removed or inserted inside, a chain recomputed without the
        key (or with another), entries cut off the end (an anchored entry gone, or fewer entries than an
        anchor counted, purges aside), a purge boundary no logged purge backs, and a missing or other key.
        """
        keys = self.log_keys
        anchors, bad_lines = read_anchors(keys.anchors)
        with self.engine.connect() as conn, conn.begin():  # one snapshot
            boundary = read_boundary(conn)
            until = _meta_value(conn, UNKEYED_UNTIL_KEY)
            unkeyed_until = int(until) if until else None
            found = walk(
                conn.execute(sa.select(ACCESS_LOG).order_by(ACCESS_LOG.c.id)).mappings(),
                start=boundary.hash,
                keys=keys.by_id(),
                unkeyed_until=unkeyed_until,
                watch=[a.last_id for a in anchors if a.last_id is not None],
            )
        findings: list[Finding] = []
        if not keys.keys and found.other:
            findings.append(Finding(NO_KEY, None, (
                f"접근 기록 열쇠가 없습니다 ({keys.source}): 열쇠로 만든 기록 {len(found.other)}건을 검사할 수 없습니다. "
                f"열쇠 파일을 되찾아 두거나 {KEY_HINT}"
            )))  # fmt: skip
            found.other = []
        findings += chain_findings(found, unkeyed_until=unkeyed_until)
        findings += anchor_findings(found, anchors, boundary)
        findings += purge_findings(found, boundary)
        if bad_lines:
            findings.append(
                Finding("anchor_file", None, f"앵커 파일 {keys.anchors}의 {bad_lines}번째 줄을 읽을 수 없습니다.")
            )
        head = Anchor(now_text(), found.entries, boundary.removed, found.last_id, found.last_hash, "check")
        return LogCheck(tuple(findings), head, len(anchors), keys.source)

    def access_log_head(self, *, why: str = "head") -> Anchor:
        """The log's head now: entries, purged so far, the last id and its hash."""
        with self.engine.connect() as conn, conn.begin():
            count = conn.execute(sa.select(sa.func.count()).select_from(ACCESS_LOG)).scalar_one()
            last = conn.execute(
                sa.select(ACCESS_LOG.c.id, ACCESS_LOG.c.hash).order_by(ACCESS_LOG.c.id.desc()).limit(1)
            ).first()
            removed = read_boundary(conn).removed
        return Anchor(now_text(), int(count), removed, int(last[0]) if last else None, last[1] if last else None, why)

    def anchor_access_log(self, why: str, *, reset: bool = False) -> Anchor:
        """Append the log's head to the anchor file (outside the database) and return it.

        ``reset`` marks a restore: the log was replaced, anchors before this one no longer apply.
        """
        head = self.access_log_head(why=why)
        if reset:
            head = Anchor(head.at, head.entries, head.removed, head.last_id, head.head, why, reset=True)
        append_anchor(self.log_keys.anchors, head)
        return head

    # ---- the monthly review --------------------------------------------------------------------------------------
    def _month_entries(self, month: str, scope: sa.ColumnElement[bool] | None) -> int:
        if not _MONTH.match(month or ""):
            raise ValidationError([Problem("접근 기록", None, "달", f"{month!r}: YYYY-MM으로 적으세요 (예: 2026-10).")])
        first = dt.datetime.strptime(month, "%Y-%m")
        after = (first + dt.timedelta(days=32)).replace(day=1)
        query = (
            sa.select(sa.func.count()).select_from(ACCESS_LOG).where(ACCESS_LOG.c.at >= first, ACCESS_LOG.c.at < after)
        )
        if scope is not None:
            query = query.where(scope)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def record_log_review(self, month: str, *, user: User) -> Anchor:
        """Record that ``user`` reviewed ``month``'s entries (those they may see), and anchor the log's head.

        The returned anchor is what the review page prints: keep it (a printout, the minutes), it is
        what later shows whether entries were cut off.

        Raises
        ------
        AccessError
            For anyone who may not review the log, and sample browsing (which writes nothing).
        ValidationError
            For a month not written YYYY-MM.
        """
        check_writer(user, doing="접근 기록 검토")
        scope = self._log_scope(user)
        entries = self._month_entries(month, scope)
        self.log_event(user, "검토", f"access_log:{month}", f"entries={entries}")
        return self.anchor_access_log(f"review {month} by {user.account}")

    def record_log_download(self, month: str, reason: str, *, user: User) -> Anchor:
        """Log a download of ``month``'s entries with its reason, and anchor the head (printed in the CSV).

        Raises
        ------
        AccessError
            For anyone who may not review the log.
        ValidationError
            For a month not written YYYY-MM, or no reason.
        """
        scope = self._log_scope(user)
        self._month_entries(month, scope)
        if not (reason or "").strip():
            raise ValidationError([Problem("접근 기록", None, "까닭", "내려받는 까닭을 적으세요.")])
        self.log_event(user, "다운로드", f"access_log:{month}", f"reason={reason.strip()}")
        return self.anchor_access_log(f"download {month} by {user.account}")
