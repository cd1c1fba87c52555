"""Open311 GeoReport v2, read side: the services and the public reports, for a gu's or the city's systems.

Anyone may read it (no login), so reports reach it only through the one privacy filter
(:func:`mapping.publish.privacy.public_feed`): only reports positively public (a field set, not 복지 or
돌봄이웃발견, no resident involved unless the field is about a public place — an unclassified report waits until
it is classified), no personal field, no free text, no staff name, places rounded to about 100 m, times to the
hour.  A request's id is not the report's number but :func:`public_id`, a keyed hash: the feed does not reveal
how many reports there are or which were withheld.  The request records are made by the same code as the
``open311`` export (:func:`mapping.exports.open311_requests`); the address is the dong and tong, the agency
the dong's community centre.  Nothing here knows about HTTP (:mod:`mapping.api.web` does).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

import geopandas as gpd
import pandas as pd

from mapping import clock
from mapping.domain import FIELDS
from mapping.errors import NotFoundError, Problem, ValidationError
from mapping.exports import KST, open311_requests
from mapping.publish.privacy import SENSITIVE_FIELDS, public_feed
from mapping.store import Store

DEFAULT_DAYS = 90  # GeoReport v2: without dates, the last 90 days
MAX_SPAN_DAYS = 90
MAX_REQUESTS = 1000
STATUSES = ("open", "closed")


def services() -> list[dict[str, object]]:
    """The service list (``services.json``): one service per report field a resident may see (no 복지)."""
    return [
        {
            "service_code": key,
            "service_name": label,
            "description": f"우리동네주무관 현장 보고: {label}",
            "metadata": False,
            "type": "realtime",
            "keywords": label,
            "group": "우리동네주무관",
        }
        for key, label in zip(FIELDS.keys, FIELDS.labels, strict=True)
        if key not in SENSITIVE_FIELDS
    ]


def service_requests(
    store: Store,
    *,
    service_codes: Iterable[str] = (),
    status: str | None = None,
    start: str | None = None,
    end: str | None = None,
    ids: Iterable[str] = (),
) -> list[dict[str, object]]:
    """Public service requests (``requests.json``) of every loaded dong, newest first, at most 1000.

    Parameters follow GeoReport v2: ``service_code`` (several, comma-separated), ``status`` (open/closed),
    ``start_date``/``end_date`` (ISO 8601, at most 90 days apart; default the last 90 days),
    ``service_request_id`` (several, :func:`public_id` values; overrides the rest).  ``requested_datetime`` and
    ``updated_datetime`` are given to the hour (KST): the minute a visit was filed is not public.

    Raises
    ------
    ValidationError
        For an unknown service code or status, a date that is not ISO 8601, or a span over 90 days.
    """
    wanted = [str(i).strip() for i in ids if str(i).strip()]
    codes = [c.strip() for c in service_codes if c.strip()]
    since, until = _period(start, end, problems := _filter_problems(codes, status))
    if problems:
        raise ValidationError(problems, what="Open311 요청")
    feed = _feed(store)
    if wanted:
        feed = feed[feed["public_id"].isin(wanted)]
    else:
        created = pd.to_datetime(feed["created_at"])
        feed = feed[(created >= since) & (created <= until)]
        if codes:
            feed = feed[feed["field"].isin(codes)]
    requests = open311_requests(feed.sort_values("created_at", ascending=False, kind="stable"))
    if status and not wanted:
        requests = [r for r in requests if r["status"] == status]
    return requests[:MAX_REQUESTS]


def service_request(store: Store, request_id: str) -> list[dict[str, object]]:
    """One public service request (``requests/{id}.json``), as a list of one, as GeoReport v2 answers.

    Raises
    ------
    NotFoundError
        For an id that is not a public report (unknown, or left out by the privacy filter: the same answer).
    """
    found = service_requests(store, ids=[request_id])
    if not found:
        raise NotFoundError(f"공개된 보고 {request_id[:20]!r}이(가) 없습니다.")
    return found


def public_id(salt: bytes, dong_code: str, report_id: int) -> str:
    """A report's public id in Open311: a keyed hash (HMAC-SHA256, 20 hex digits) of its dong and number.

    ``salt`` is the store's :meth:`mapping.store.Store.feed_salt`, so nobody outside can count or guess ids.
    """
    return hmac.new(salt, f"{dong_code}:{int(report_id)}".encode(), hashlib.sha256).hexdigest()[:20]


def _feed(store: Store) -> gpd.GeoDataFrame:
    """Every real dong's public reports (through the privacy filter), with the dong and tong as the address.

    Each carries its :func:`public_id`; times are cut to the hour.  Sample dongs (invented people) are left
    out once a real dong is loaded; a store of sample dongs only shows them.
    """
    parts = []
    dongs = store.dongs()
    if not dongs["sample"].all():  # invented reports never mix with real ones in what other systems read
        dongs = dongs[~dongs["sample"].astype(bool)]
    salt = store.feed_salt()
    for code, name in zip(dongs["dong_code"], dongs["name"], strict=True):
        feed = public_feed(store.reports(code))
        tongs = [f" {int(t)}통" if pd.notna(t) else "" for t in feed["tong"]]
        hour = {c: _kst_hours(feed[c]) for c in ("created_at", "updated_at") if c in feed}
        ids = [public_id(salt, code, i) for i in feed["id"]]
        parts.append(
            feed.assign(address=[f"{name}{t}" for t in tongs], agency=f"{name} 주민센터", public_id=ids, **hour)
        )
    if not parts:
        never = _kst_hours(pd.Series([], dtype=object))
        empty: dict[str, object] = {"id": [], "public_id": [], "created_at": never, "status": [], "field": []}
        return gpd.GeoDataFrame(empty, geometry=[], crs="EPSG:4326")
    return pd.concat(parts, ignore_index=True)


def _kst_hours(times: pd.Series) -> pd.Series:
    """Store times (naive, this process's local time, as :mod:`mapping.clock` keeps them) as aware KST, to the hour.

    The offset is the machine's actual one at each time, so a server run with ``TZ=UTC`` is labelled right too.
    """
    stamps = pd.to_datetime(times)
    aware = [t.to_pydatetime().astimezone().astimezone(KST) if pd.notna(t) else None for t in stamps]
    return pd.Series(pd.to_datetime(aware, utc=True), index=times.index).dt.tz_convert(KST).dt.floor("h")


def _filter_problems(codes: list[str], status: str | None) -> list[Problem]:
    problems = []
    public = {str(s["service_code"]) for s in services()}
    for code in codes:
        if code not in public:
            problems.append(
                Problem("Open311", None, "service_code", f"{code[:30]!r}: 가능한 값 {', '.join(sorted(public))}")
            )
    if status is not None and status not in STATUSES:
        problems.append(Problem("Open311", None, "status", f"{status[:20]!r}: open 또는 closed"))
    return problems


def _period(start: str | None, end: str | None, problems: list[Problem]) -> tuple[dt.datetime, dt.datetime]:
    """The requested period as aware times (GeoReport v2: the last 90 days by default, at most 90 days)."""
    until = _stamp(end, "end_date", problems) or clock.now()
    since = _stamp(start, "start_date", problems) or until - dt.timedelta(days=DEFAULT_DAYS)
    if until - since > dt.timedelta(days=MAX_SPAN_DAYS):
        problems.append(Problem("Open311", None, "start_date", f"기간은 {MAX_SPAN_DAYS}일까지입니다."))
    return since.astimezone(KST), until.astimezone(KST)  # naive: this process's local time


def _stamp(text: str | None, name: str, problems: list[Problem]) -> dt.datetime | None:
    if not text:
        return None
    try:
        stamp = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        problems.append(
            Problem("Open311", None, name, f"{text[:40]!r}: ISO 8601 시각이 아닙니다 (예: 2026-10-01T00:00:00+09:00).")
        )
        return None
    return stamp.astimezone().replace(tzinfo=None) if stamp.tzinfo else stamp
