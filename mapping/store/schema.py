"""The store's tables (SQLAlchemy Core), shared by SQLite and, later, PostgreSQL + PostGIS.

Geometry is WKB in EPSG:4326; points are ``lon``/``lat`` columns.  Bump
:data:`SCHEMA_VERSION` with every change of these tables.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa

SCHEMA_VERSION = 10  # 1 → 2: report life (duty, title, resident, co-approval, photos, history); 2 → 3: walks;
# 3 → 4: the team leader's month (aggregations, meetings, best cases, dong settings), staff.public_card, reports.version, accounts;
# 4 → 5: relationships and outreach (contacts and their log, missions, referrals, notice posts), reports.mission_id;
# 5 → 6: no new table; every write to dongs, tongs, zones or staff also writes meta.reference_revision (a program
# of version 5 would not, and would leave other processes' cached reference data stale: it must refuse this store);
# 6 → 7: accounts.gu_code and locked_until (a lock for a period), login_clients (failures per client address),
# access_log.dong_code and key_id (entries are HMACs keyed outside the database: mapping.store.audit);
# 7 → 8: best_cases.result, shared, submitted_by, gu_reason, gu_decided_by, city_sent_by, city_shared_on/by (the case
# travels dong → gu → city in the app), the index reports(dong_code, created_at);
# 8 → 9: reports.client_key (a report sent again with the same client-made key is stored once: unique per dong),
# api_tokens (the field API's short-lived bearer tokens, kept only as SHA-256 hashes);
# 9 → 10: report_history.client_key and report_notifications.client_key (a progress note or a resident notice sent
# again under its key — a second tap, a retried request — is recorded once: unique per report)

CLIENT_KEY_LENGTH = 64  # a sender's idempotency key (mapping.store.reports.client_key_problem): a UUID fits


def _dong() -> sa.Column:
    return sa.Column("dong_code", sa.String(10), nullable=False, index=True)


meta = sa.MetaData()


sa.Table("meta", meta, sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text))
# The reference tables (a dong's boundary, tongs, zones, staff) change only on a kit load, a zone save, a
# hand-over or a restore; each of those writes a new token under this key in the same transaction, and a
# Store keeps what it read per (table, dong) until the token, read first, differs.
REVISION_KEY = "reference_revision"
sa.Table(
    "dongs",
    meta,
    sa.Column("dong_code", sa.String(10), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("geom", sa.LargeBinary, nullable=False),
    sa.Column("sample", sa.Boolean, nullable=False),
    sa.Column("loaded_at", sa.DateTime, nullable=False),
)
sa.Table(
    "tongs",
    meta,
    _dong(),
    sa.Column("tong", sa.Integer, nullable=False),
    sa.Column("geom", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("dong_code", "tong"),
)
sa.Table(
    "staff",
    meta,
    _dong(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("team", sa.Text),
    sa.Column("role", sa.String(16)),
    sa.Column("duties", sa.JSON),
    sa.Column("phone", sa.Text),
    sa.Column("substitute", sa.Text),
    sa.Column("tongs", sa.JSON),
    sa.Column("sort_order", sa.Integer),
    sa.Column("public_card", sa.Boolean),  # consented to name + office phone on public outputs (v4)
    sa.PrimaryKeyConstraint("dong_code", "name"),
)
sa.Table(
    "tong_owners",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("tong", sa.Integer, nullable=False),
    sa.Column("officer", sa.Text, nullable=False),
    sa.Column("since", sa.DateTime, nullable=False),
    sa.Column("until", sa.DateTime),
)
sa.Table(
    "zones",
    meta,
    _dong(),
    sa.Column("zone_id", sa.String(8), nullable=False),
    sa.Column("officer", sa.Text),
    sa.Column("team", sa.Text),
    sa.Column("substitute", sa.Text),
    sa.Column("phone", sa.Text),
    sa.Column("tongs", sa.JSON),
    sa.Column("area_m2", sa.Float),
    sa.Column("contiguous", sa.Boolean),
    sa.Column("geom", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("dong_code", "zone_id"),
)


def _point_table(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(
        name,
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _dong(),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("kit_key", sa.String(16)),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("tong", sa.Integer),
        sa.Column("zone_id", sa.String(8)),
        *columns,
        sa.UniqueConstraint("dong_code", "kit_key"),
    )


POINT_TABLES = {
    "resources": _point_table(
        "resources",
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("hours", sa.Text),
        sa.Column("public", sa.Boolean, nullable=False),
    ),
    "reports": _point_table(
        "reports",
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finder", sa.Text, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("activity", sa.String(24)),
        sa.Column("field", sa.String(16)),
        sa.Column("memo", sa.Text),
        sa.Column("action", sa.Text),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("assignee", sa.Text),
        sa.Column("reported", sa.Boolean, nullable=False),
        # added in schema version 2
        sa.Column("duty", sa.String(24)),
        sa.Column("title", sa.Text),
        sa.Column("resident_name", sa.Text),  # personal data
        sa.Column("resident_phone", sa.Text),  # personal data
        sa.Column("has_resident", sa.Boolean),
        sa.Column("co_approver", sa.Text),
        sa.Column("co_approved_at", sa.DateTime),
        sa.Column("duplicate_of", sa.Integer),
        sa.Column("return_reason", sa.Text),
        sa.Column("updated_at", sa.DateTime),
        sa.Column("version", sa.Integer),  # v4: bumped by every change; a stale edit is refused (None = 1)
        sa.Column("mission_id", sa.Integer),  # v5: the month's mission or dong issue it serves (missions.id)
        sa.Column("client_key", sa.String(CLIENT_KEY_LENGTH)),  # v9: the sender's idempotency key (None: none given)
    ),
    "households": _point_table(
        "households",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("moved_in", sa.Date),
        sa.Column("traits", sa.JSON),
        sa.Column("visit_every_days", sa.Integer),
        sa.Column("last_visit", sa.Date),
    ),
    "blind_spots": _point_table(
        "blind_spots",
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("memo", sa.Text),
        sa.Column("found_on", sa.Date),
    ),
}
# v8: a month of many dongs is one range per dong (the gu's and the city's month), not a scan of every report
sa.Index("ix_reports_dong_created", POINT_TABLES["reports"].c.dong_code, POINT_TABLES["reports"].c.created_at)
# v9: one report per (dong, client key); reports without a key (NULL) are not constrained
sa.Index(
    "ux_reports_dong_client_key",
    POINT_TABLES["reports"].c.dong_code,
    POINT_TABLES["reports"].c.client_key,
    unique=True,
)
ACCESS_LOG = sa.Table(
    "access_log",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("account", sa.Text, nullable=False),
    sa.Column("client", sa.Text),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("prev_hash", sa.String(64)),
    sa.Column("hash", sa.String(64), nullable=False),
    # v7: the dong of the acting account or of the subject (a gu's account: its 5-digit gu code), for scoped review
    sa.Column("dong_code", sa.String(10), index=True),
    sa.Column(
        "key_id", sa.String(16)
    ),  # v7: which key made ``hash`` (mapping.store.audit.key_id); None: unkeyed (before v7)
)


ADDRESSES = sa.Table(
    "addresses",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("address", sa.Text, nullable=False),
    sa.Column("norm", sa.Text, nullable=False, index=True),
    sa.Column("adm_cd2", sa.String(10)),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
)

REPORT_PHOTOS = sa.Table(
    "report_photos",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, nullable=False, index=True),
    sa.Column("file", sa.Text, nullable=False),  # under the photo folder, content-addressed
    sa.Column("thumb", sa.Text, nullable=False),
    sa.Column("width", sa.Integer),
    sa.Column("height", sa.Integer),
    sa.Column("original_name", sa.Text),
    sa.Column("added_at", sa.DateTime, nullable=False),
)
REPORT_HISTORY = sa.Table(
    "report_history",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("action", sa.String(24), nullable=False),
    sa.Column("from_status", sa.String(24)),
    sa.Column("to_status", sa.String(24)),
    sa.Column("changes", sa.JSON),
    sa.Column("note", sa.Text),
    sa.Column("client_key", sa.String(CLIENT_KEY_LENGTH)),  # v10: a progress note's idempotency key
    sa.Index("ux_report_history_client_key", "report_id", "client_key", unique=True),
)
REPORT_NOTIFICATIONS = sa.Table(
    "report_notifications",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, nullable=False, index=True),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("by_whom", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("client_key", sa.String(CLIENT_KEY_LENGTH)),  # v10: the notification's idempotency key
    sa.Index("ux_report_notifications_client_key", "report_id", "client_key", unique=True),
)

WALKS = sa.Table(
    "walks",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("officer", sa.Text, nullable=False),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("stop_key", sa.Text, nullable=False),  # household:12, report:5, blind_spot:3, tong:7, own:…
    sa.Column("tong", sa.Integer),
)

PATHS = sa.Table(  # the dong's walking network, from the kit (optional)
    "paths",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("geom", sa.LargeBinary, nullable=False),
)


# --- the team leader's month (schema version 4) ---------------------------------------------------------------

AGGREGATIONS = sa.Table(  # the month's 취합, confirmed (the 5th's deadline)
    "aggregations",
    meta,
    _dong(),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("confirmed_at", sa.DateTime, nullable=False),
    sa.Column("confirmed_by", sa.Text, nullable=False),
    sa.Column("totals", sa.JSON),  # {"계": n, "복지": n, ...} as confirmed
    sa.PrimaryKeyConstraint("dong_code", "month"),
)
MEETINGS = sa.Table(  # the monthly sharing meeting
    "meetings",
    meta,
    _dong(),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("held_at", sa.DateTime),
    sa.Column("place", sa.Text),
    sa.Column("attendees", sa.JSON),
    sa.Column("discussion", sa.Text),  # 중점 토의사항
    sa.Column("requests", sa.Text),  # 당부사항
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("dong_code", "month"),
)
BEST_CASES = sa.Table(  # 실천사례: the month's best case, to the gu (7th) and, if chosen, the city (10th)
    "best_cases",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("field", sa.String(16), nullable=False),
    sa.Column("summary", sa.Text),
    sa.Column("report_ids", sa.JSON, nullable=False),
    sa.Column("chosen_by", sa.Text, nullable=False),
    sa.Column("chosen_at", sa.DateTime, nullable=False),
    sa.Column("gu_submitted_on", sa.Date),
    sa.Column("gu_result", sa.String(16)),  # selected / not_selected; null while the gu decides
    sa.Column("gu_result_on", sa.Date),
    sa.Column("city_submitted_on", sa.Date),
    # v8: the case travels in the app — what the dong shares (checked like a public output), the gu's
    # decision and its reason, the city's sharing
    sa.Column("result", sa.Text),  # 추진 결과
    sa.Column("shared", sa.JSON),  # the vetted copy the gu, the city and the library read
    sa.Column("submitted_by", sa.Text),
    sa.Column("gu_reason", sa.Text),
    sa.Column("gu_decided_by", sa.Text),
    sa.Column("city_sent_by", sa.Text),
    sa.Column("city_shared_on", sa.Date),
    sa.Column("city_shared_by", sa.Text),
)
DONG_SETTINGS = sa.Table(
    "dong_settings",
    meta,
    _dong(),
    sa.Column("key", sa.String(32), nullable=False),
    sa.Column("value", sa.JSON),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.Text, nullable=False),
    sa.PrimaryKeyConstraint("dong_code", "key"),
)

ACCOUNTS = sa.Table(  # one per person (v4); passwords only as argon2 hashes
    "accounts",
    meta,
    sa.Column("account", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("role", sa.String(24)),  # mapping.access.ACCOUNT_ROLES, or None (an admin without a role)
    sa.Column("admin", sa.Boolean, nullable=False),
    sa.Column("staff_name", sa.Text),
    sa.Column("dong_code", sa.String(10)),
    sa.Column("email", sa.Text, unique=True),  # for single sign-on (OIDC)
    sa.Column("password_hash", sa.Text),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("locked", sa.Boolean, nullable=False),
    sa.Column("disabled", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_login", sa.DateTime),
    sa.Column("gu_code", sa.String(5)),  # v7: a 구 담당 or a gu's administrator is bound to one gu
    sa.Column("locked_until", sa.DateTime),  # v7: the lock after repeated failures ends then (None: not locked)
)
API_TOKENS = sa.Table(  # v9: the field API's bearer tokens; only their SHA-256 is kept (mapping.store.tokens)
    "api_tokens",
    meta,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account", sa.String(64), nullable=False, index=True),
    sa.Column("issued_at", sa.DateTime, nullable=False),
    sa.Column("expires_at", sa.DateTime, nullable=False),
    sa.Column("client", sa.Text),
    sa.Column("revoked_at", sa.DateTime),
)
LOGIN_CLIENTS = sa.Table(  # v7: failed logins per client address, so that one address cannot try every account
    "login_clients",
    meta,
    sa.Column("client", sa.String(64), primary_key=True),
    sa.Column("failed", sa.Integer, nullable=False),
    sa.Column("since", sa.DateTime, nullable=False),  # the window's start
    sa.Column("blocked_until", sa.DateTime),
)


# --- relationships and outreach (schema version 5) ----------------------------------------------------------------

CONTACTS = sa.Table(  # the zone's contact book: personal data, seen zone by zone (mapping.contacts)
    "contacts",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("origin", sa.String(8), nullable=False),  # kit / app
    sa.Column("kit_key", sa.String(16)),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("organisation", sa.Text),
    sa.Column("phone", sa.Text),
    sa.Column("tong", sa.Integer, nullable=False),  # its zone is the tong's current zone
    sa.Column("lon", sa.Float),
    sa.Column("lat", sa.Float),
    sa.Column("note", sa.Text),  # 비고: how to reach them (상시 연락체계)
    sa.Column("added_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime),
    sa.Column("updated_by", sa.Text),
    sa.Column("version", sa.Integer, nullable=False),
    sa.UniqueConstraint("dong_code", "kit_key"),
)
CONTACT_LOG = sa.Table(  # 만남 / 통화 / 동장 동행 소개
    "contact_log",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("contact_id", sa.Integer, nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("on_date", sa.Date, nullable=False),
    sa.Column("by_whom", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
)
MISSIONS = sa.Table(  # 이달의 미션 and 동 현안사항, per dong and month
    "missions",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("month", sa.String(7), nullable=False),
    sa.Column("kind", sa.String(8), nullable=False),  # mission / issue
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("set_by", sa.Text, nullable=False),
    sa.Column("set_at", sa.DateTime, nullable=False),
)
REFERRALS = sa.Table(  # a report or a household's need referred to a community body
    "referrals",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("report_id", sa.Integer, index=True),
    sa.Column("household_id", sa.Integer, index=True),  # personal data: seen like the household
    sa.Column("body", sa.String(32), nullable=False),
    sa.Column("body_name", sa.Text),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.Text, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)
REFERRAL_HISTORY = sa.Table(
    "referral_history",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("referral_id", sa.Integer, nullable=False, index=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("from_status", sa.String(16)),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("note", sa.Text),
)
NOTICE_POSTS = sa.Table(  # 게시 현황: where the officer's notice is posted (places, officer-internal)
    "notice_posts",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("place_name", sa.Text, nullable=False),
    sa.Column("lon", sa.Float),
    sa.Column("lat", sa.Float),
    sa.Column("tong", sa.Integer),
    sa.Column("zone_id", sa.String(8)),  # attached when written, like a report's
    sa.Column("posted_on", sa.Date, nullable=False),
    sa.Column("removed_on", sa.Date),
    sa.Column("posted_by", sa.Text, nullable=False),
    sa.Column("note", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False),
)


def bump_reference_revision(conn: sa.Connection) -> None:
    """Mark the reference tables changed (call inside the transaction that changes them)."""
    t = meta.tables["meta"]
    token = uuid.uuid4().hex
    if conn.execute(t.update().where(t.c.key == REVISION_KEY).values(value=token)).rowcount == 0:
        conn.execute(t.insert().values(key=REVISION_KEY, value=token))


PERSONAL = ("resident_name", "resident_phone")  # a report's resident contact: personal data, read per report
