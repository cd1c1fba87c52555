"""The field API's work: my zone, a report filed once, my reports' status — plain JSON-ready values.

Each function takes the store and the acting :class:`mapping.access.User` (from a token) and does what the
pages do, through the same store methods: the store checks role and dong itself and logs every read of
personal data (households on the week's stops, residents' contacts on my open reports).  Nothing here knows
about HTTP (:mod:`mapping.api.web` does) and nothing imports streamlit.

:func:`file_once` is the one place the API's idempotency lives: a report sent again under the same client
key (``Idempotency-Key``) is found and returned, never filed twice (the store's ``client_key`` holds it).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping import clock
from mapping.access import User, check_staff
from mapping.crs import to_web
from mapping.domain import DUTIES, FIELDS, OPEN_STATUSES, REPORT_STATUSES, Vocabulary
from mapping.errors import ConflictError, Problem, TransitionError, ValidationError
from mapping.photos import Photo, PhotoError, check_size, read_photo
from mapping.publish.privacy import PUBLIC_PLACE_DECIMALS, sensitive_reports, strip_personal
from mapping.reports import propose_assignee
from mapping.routes import WALK_BUDGET_MIN, propose_stops
from mapping.store import Store

MAX_PHOTOS = 10  # per report
OFFLINE_DAYS = 14  # a report captured without a signal may be sent this many days later
CLOCK_SKEW = dt.timedelta(minutes=5)  # a phone's clock a little ahead is not a report from the future
TEXT_LIMITS = {"memo": 4000, "title": 200, "address": 200, "resident_name": 100, "resident_phone": 40}
CHOICES = ("activity", "field", "duty")
FORM_FIELDS = frozenset({"lon", "lat", "memo", "has_resident", "mission_id", "created_at", "outside_dong", "hand_to"})
FORM_FIELDS |= {*TEXT_LIMITS, *CHOICES}
HAND_TO_PROPOSED = "auto"  # hand_to: the colleague whose duty the report's field needs (as /me/zone proposes)


@dataclass(frozen=True)
class Upload:
    """One file of a multipart request: its name as sent, its size and its bytes (empty when it was too large to read)."""

    name: str
    size: int
    data: bytes


# ---- my zone ---------------------------------------------------------------------------------------------------


def my_zone(store: Store, user: User, *, today: dt.date | None = None) -> dict[str, object]:
    """What an officer takes into the field: their zones and tongs, public resources, this week's stops,
    their open reports (residents' contacts only where they may see them; each personal read logged) and every
    report of their zones, owned or covered, as the map's dots (``zone_reports``: :func:`zone_report_rows`).

    Raises
    ------
    AccessError
        Unless ``user`` is on a dong's staff (a 구 담당, the city, an administrator without a staff role: no).
    """
    code = _own_dong(user, doing="내 구역 보기")
    me = str(user.staff_name)
    zones = store.zones(code)
    mine = zones[(zones["officer"] == me) | (zones["substitute"] == me)]
    tongs = store.tongs(code)
    my_tongs = tongs[tongs["tong"].isin({int(t) for ts in mine["tongs"] for t in ts})]
    resources = strip_personal(store.resources(code), table="resources")
    reports = store.reports(code)
    today = today or clock.today()
    monday = today - dt.timedelta(days=today.weekday())
    week = monday.isocalendar()
    return {
        "dong": {"code": code, "name": str(store.dongs().set_index("dong_code").loc[code, "name"])},
        "week": f"{week.year}-W{week.week:02d}",
        "zones": _collection(mine, ["zone_id", "officer", "substitute", "team", "tongs"]),
        "tongs": _collection(my_tongs, ["tong"]),
        "resources": _collection(resources, ["id", "type", "name", "address", "phone", "hours", "tong", "zone_id"]),
        **_stops(store, code, user, zones[zones["officer"] == me], tongs, monday, reports),
        "reports": _open_reports(store, code, user, reports),
        "zone_reports": zone_report_rows(reports, set(mine["zone_id"]), me=me, today=today),
        "handover": _handover(store.staff(code), me),
    }


def _handover(staff: pd.DataFrame, me: str) -> dict[str, object]:
    """Whom the officer may hand a report to, and the colleague proposed for each 분야 (as the inbox proposes):
    the field page shows the proposal with no signal and sends ``hand_to``."""
    proposals = {}
    for key in FIELDS.keys:
        proposal = propose_assignee(None, staff, finder=me, field=key)
        to = proposal.person if proposal.kind in ("person", "team") else None
        proposals[key] = {"to": to, "text": proposal.text}
    colleagues = [
        {"name": str(r["name"]), "team": _plain(r["team"])} for r in staff.to_dict("records") if r["name"] != me
    ]
    return {"colleagues": colleagues, "proposals": proposals}


def _own_dong(user: User, *, doing: str) -> str:
    """The dong of ``user``'s account, after checking they are on its staff."""
    check_staff(user, user.dong_code or "", doing=doing)
    return str(user.dong_code)


def _stops(
    store: Store,
    code: str,
    user: User,
    own: pd.DataFrame,
    tongs: gpd.GeoDataFrame,
    monday: dt.date,
    reports: gpd.GeoDataFrame,
) -> dict[str, object]:
    """The week's stops of the officer's own zone (reads households: logged): ``stops``, the most important of the
    walk page's proposals, taken in order of priority while their visits fit a walk's default time
    (``walk_minutes``: :data:`~mapping.routes.WALK_BUDGET_MIN`; at least one) — visit minutes only: the walk page's
    planner also counts the walking between them, so its route keeps fewer — and ``stops_total``, how many were
    proposed: a zone with hundreds of open reports gets a walk's worth on the map, not hundreds of circles."""
    if own.empty:
        return {"stops": [], "stops_total": 0, "walk_minutes": WALK_BUDGET_MIN}
    stops = propose_stops(
        zone_tongs=[int(t) for t in own["tongs"].iloc[0]],
        tongs=tongs,
        households=store.households(code, user=user),
        reports=reports,
        blind_spots=store.blind_spots(code),
        officer=str(user.staff_name),
        week_start=monday,
        walks=store.walks(code),
    )
    keys = ("key", "label", "reason", "priority", "lon", "lat", "minutes", "address")
    kept: list[dict[str, object]] = []
    minutes = 0.0
    for stop in sorted(stops, key=lambda s: -s.priority):
        if kept and minutes + stop.minutes > WALK_BUDGET_MIN:
            continue  # as the walk planner does: a stop that does not fit is left out, a shorter one may still fit
        kept.append({k: _plain(getattr(stop, k)) for k in keys})
        minutes += stop.minutes
    return {"stops": kept, "stops_total": len(stops), "walk_minutes": WALK_BUDGET_MIN}


ZONE_REPORT_COLUMNS = ("id", "lat", "lon", "open", "status", "field", "day", "approx")
FINISHED_DAYS = 90  # finished reports stay on the field map this long after they were found


def zone_report_rows(reports: pd.DataFrame, zone_ids: set[str], *, me: str, today: dt.date) -> dict[str, object]:
    """The reports of ``zone_ids`` for the field map's dots, packed: ``{"columns", "rows"}``.

    Open reports, and finished ones found in the last :data:`FINISHED_DAYS` days (no duplicates). A row is
    ``[id, lat, lon, open, status label, field label or "", day found (YYYY-MM-DD), approx]`` (EPSG:4326): where
    and in what state, never a title, memo, finder or resident — the phone keeps it after the sync. A report that
    may mark a vulnerable resident's home (복지, 돌봄이웃 발견: :func:`~mapping.publish.privacy.sensitive_reports`)
    that ``me`` neither found nor handles comes with its place rounded as on the public map
    (:data:`~mapping.publish.privacy.PUBLIC_PLACE_DECIMALS`, ≈ 100 m), no 분야, and ``approx`` true.
    """
    placed = reports["zone_id"].isin(zone_ids) & reports["lon"].notna() & reports["lat"].notna()
    open_ = reports["status"].isin(OPEN_STATUSES)
    since = pd.Timestamp(today - dt.timedelta(days=FINISHED_DAYS))
    recent = pd.to_datetime(reports["created_at"]) >= since
    here = reports[placed & (open_ | (recent & reports["status"].ne("duplicate")))]
    here = here.assign(_sensitive=sensitive_reports(here))
    rows = []
    for r in here[["id", "lat", "lon", "status", "field", "_sensitive", "finder", "assignee", "created_at"]].to_dict(
        "records"
    ):
        approx = bool(r["_sensitive"]) and me not in (r["finder"], r["assignee"])
        decimals = PUBLIC_PLACE_DECIMALS if approx else 6
        field = FIELDS.label(str(r["field"])) if r["field"] in FIELDS.keys and not approx else ""
        rows.append(
            [
                int(r["id"]),
                round(float(r["lat"]), decimals),
                round(float(r["lon"]), decimals),
                str(r["status"]) in OPEN_STATUSES,
                REPORT_STATUSES.label(str(r["status"])),
                field,
                str(r["created_at"])[:10],
                approx,
            ]
        )
    return {"columns": list(ZONE_REPORT_COLUMNS), "rows": rows}


def _open_reports(store: Store, code: str, user: User, reports: pd.DataFrame) -> list[dict[str, object]]:
    """The open reports the officer found or handles, with the resident's contact where they may see it (logged)."""
    rows = [r for r in _my_rows(store, code, user, reports) if r["open"]]
    if any(r["has_resident"] for r in rows):
        contacts = store.resident_contacts(code, user=user).set_index("id")
        for row in rows:
            if row["id"] in contacts.index:
                row |= {k: _plain(contacts.loc[row["id"], k]) for k in ("resident_name", "resident_phone")}
    return rows


# ---- my reports ------------------------------------------------------------------------------------------------

_REPORT_KEYS: tuple[str, ...] = ("id", "status", "created_at", "updated_at", "title", "field", "activity", "zone_id")
_REPORT_KEYS += ("tong", "finder", "assignee", "has_resident", "lon", "lat", "client_key", "age_days", "lateness")
_REPORT_KEYS += ("progress",)


def my_reports(store: Store, user: User) -> list[dict[str, object]]:
    """The status of every report ``user`` found or handles (no resident's contact), open and most overdue first.

    Raises
    ------
    AccessError
        Unless ``user`` is on a dong's staff.
    """
    return _my_rows(store, _own_dong(user, doing="내 보고 보기"), user)


def _my_rows(store: Store, code: str, user: User, reports: pd.DataFrame | None = None) -> list[dict[str, object]]:
    box = store.inbox(code, user=user, reports=reports)
    rows: dict[int, dict[str, object]] = {}
    for role in ("assigned", "found"):
        for record in box[role].to_dict("records"):
            row = {k: _plain(record.get(k)) for k in _REPORT_KEYS}
            status = str(record["status"])
            row |= {"mine_as": role, "open": status in OPEN_STATUSES, "status_label": REPORT_STATUSES.label(status)}
            row["field_label"] = FIELDS.label(str(record["field"])) if record.get("field") in FIELDS.keys else None
            rows.setdefault(int(record["id"]), row)
    return sorted(rows.values(), key=_urgency)


def _urgency(row: dict[str, Any]) -> tuple[bool, int, int]:
    """Open first, the most overdue, then the oldest (the inbox's order)."""
    return (not row["open"], -int(row["lateness"] or 0), -int(row["age_days"] or 0))


# ---- filing a report once --------------------------------------------------------------------------------------


def file_once(
    store: Store,
    user: User,
    fields: Mapping[str, str],
    uploads: Sequence[Upload],
    *,
    client_key: str,
    now: dt.datetime | None = None,
) -> tuple[int, bool]:
    """File a report sent from the field, once per ``client_key``: its id, and whether it was filed now.

    The same checks as the intake page: a place (``lon``/``lat``, or the first photo's GPS; outside the dong
    only with ``outside_dong=true``) and a memo are needed; every photo goes through :func:`mapping.photos.read_photo` (20 MB, JPEG/PNG/WebP, downscaled,
    metadata dropped); the report and its photos are written in one transaction.  ``created_at`` (ISO 8601)
    is when it was captured, up to :data:`OFFLINE_DAYS` back and not in a month whose 취합 is confirmed.  A key already filed returns that report and
    writes nothing, before any photo is read.  ``hand_to`` hands the report over on arrival, into a colleague's
    보고함: a name on the staff list, or ``auto`` for the colleague proposed by its 분야/담당업무
    (:func:`mapping.reports.propose_assignee`; nobody for the officer's own duty).  A resend of a report whose
    hand-over did not happen (the first send was cut after filing) hands it over; one already moved on is left.

    Raises
    ------
    AccessError
        Unless ``user`` is on a dong's staff.
    ValidationError
        With every problem of the fields and photos at once; nothing is stored.
    ConflictError
        If another staff member's report was filed under ``client_key``.
    """
    code = _own_dong(user, doing="보고 접수")
    hand_to, problems = _hand_to(store, code, user, fields)
    known = store.filed_under(code, client_key, user=user)
    if known is not None:
        if hand_to and not problems:  # the first send was stored but cut off before its hand-over
            _hand_over(store, known, hand_to, user=user, replayed=True)
        return known, False
    problems += [Problem("보고", None, k, "받지 않는 항목입니다.") for k in sorted(set(fields) - FORM_FIELDS)]
    photos, photo_problems = _photos(uploads)
    form, form_problems = _form(fields, photos, now=now or store.clock())
    problems += form_problems + photo_problems
    captured = form.get("created_at")
    if isinstance(captured, dt.datetime) and store.aggregation(code, f"{captured:%Y-%m}") is not None:
        problems.append(  # the month's 취합 went to the gu: a late report would change confirmed totals unseen
            Problem(
                "보고",
                None,
                "created_at",
                f"{captured:%Y년 %m월}의 취합이 이미 확정되었습니다: 현장 앱으로는 받지 않습니다. "
                f"팀장에게 알리고 사무실의 '보고 접수'에서 쓴 날짜({captured:%m월 %d일})를 적어 접수하세요.",
            )
        )
    outside = "lonlat" in form and not store.dong(code).geometry.iloc[0].covers(shapely.Point(*form["lonlat"]))
    if outside and not _yes(fields.get("outside_dong", "false")):  # the intake page asks the same
        problems.append(
            Problem("보고", None, "위치", "이 위치는 동 경계 밖입니다: 그래도 저장하려면 outside_dong=true로 보내세요.")
        )
    if problems:
        raise ValidationError(problems, what="보고")
    # two sends of one key at once: both pass the check above, one stores it, the other is told it was a replay
    report_id, created = store.file_report_once(code, user=user, photos=photos, client_key=client_key, **form)
    if hand_to:
        _hand_over(store, report_id, hand_to, user=user, replayed=not created)
    return report_id, created


def _hand_to(store: Store, code: str, user: User, fields: Mapping[str, str]) -> tuple[str | None, list[Problem]]:
    """The colleague ``hand_to`` names (a name on the staff list, or ``auto``: the one proposed for the report's
    분야/담당업무; None when nobody is proposed or it is the officer's own duty), and the problem with it."""
    wanted = str(fields.get("hand_to", "")).strip()
    if not wanted:
        return None, []
    staff, me = store.staff(code), str(user.staff_name)
    if wanted == HAND_TO_PROPOSED:
        duty, area = _key_of(fields, "duty", DUTIES), _key_of(fields, "field", FIELDS)
        proposal = propose_assignee(duty, staff, finder=me, field=area)
        return (proposal.person if proposal.kind in ("person", "team") else None), []
    if wanted == me:
        return None, [Problem("보고", None, "hand_to", "본인에게는 인계하지 않습니다: 비워 두면 직접 처리합니다.")]
    if wanted not in set(staff["name"]):
        return None, [Problem("보고", None, "hand_to", f"{wanted[:40]!r}은(는) 이 동의 직원 명단에 없습니다.")]
    return wanted, []


def _key_of(fields: Mapping[str, str], name: str, vocabulary: Vocabulary) -> str | None:
    """The sent ``name`` (a key or a Korean label) as a key; None when not said or not known."""
    value = str(fields.get(name, "")).strip()
    try:
        return vocabulary.parse(value) if value else None
    except ValueError:
        return None  # the store refuses it with its own words


def _hand_over(store: Store, report_id: int, to: str, *, user: User, replayed: bool) -> None:
    """Hand the report just filed to ``to``, straight away (into their 보고함).  A resend of a report already
    handed over (or moved on by someone since) leaves it as it is."""
    try:
        store.hand_over(report_id, to, user=user, note="현장 앱에서 접수하며 인계")
    except (ConflictError, TransitionError):
        if not replayed:  # a concurrent resend did it first: the report is where it should be
            raise


def _photos(uploads: Sequence[Upload]) -> tuple[list[Photo], list[Problem]]:
    if len(uploads) > MAX_PHOTOS:
        return [], [Problem("보고", None, "사진", f"사진 {len(uploads)}장: 한 보고에 {MAX_PHOTOS}장까지 받습니다.")]
    photos, problems = [], []
    for upload in uploads:
        try:
            check_size(upload.size, name=upload.name)
            photos.append(read_photo(upload.data, name=upload.name))
        except PhotoError as exc:
            problems.append(Problem("보고", None, "사진", str(exc)))
    return photos, problems


def _form(fields: Mapping[str, str], photos: list[Photo], *, now: dt.datetime) -> tuple[dict, list[Problem]]:
    """The keyword arguments of :meth:`mapping.store.Store.file_report` from the sent fields, and every problem."""
    problems: list[Problem] = []
    form: dict[str, object] = {}
    lonlat = _lonlat(fields, photos, problems)
    if lonlat is not None:
        form["lonlat"] = lonlat
    form["memo"] = str(fields.get("memo", ""))  # an empty one is refused by the store, with the intake's words
    for key, limit in TEXT_LIMITS.items():
        value = str(fields.get(key, "")).strip()
        if len(value) > limit:
            problems.append(Problem("보고", None, key, f"{len(value)}자: {limit}자까지 받습니다."))
        elif value and key != "memo":
            form[key] = value
    form |= {k: fields[k] for k in CHOICES if str(fields.get(k, "")).strip()}  # parsed (key or label) by the store
    form["has_resident"] = _yes(fields.get("has_resident", "true"))
    if str(fields.get("mission_id", "")).strip():
        try:
            form["mission_id"] = int(fields["mission_id"])
        except ValueError:
            problems.append(Problem("보고", None, "mission_id", f"{fields['mission_id']!r}: 번호가 아닙니다."))
    if str(fields.get("created_at", "")).strip():
        form["created_at"] = _captured_at(str(fields["created_at"]), now, problems)
    return form, problems


def _yes(value: object) -> bool:
    """A form's yes/no: anything but false, 0, no, n (any case) is yes."""
    return str(value).strip().lower() not in ("false", "0", "no", "n")


def _lonlat(fields: Mapping[str, str], photos: list[Photo], problems: list[Problem]) -> tuple[float, float] | None:
    if not str(fields.get("lon", "")).strip() and not str(fields.get("lat", "")).strip():
        located = [p.gps for p in photos if p.gps]
        if located:
            return located[0]
        problems.append(Problem("보고", None, "위치", "위치(lon, lat)를 보내거나 GPS가 있는 사진을 붙이세요."))
        return None
    try:
        lon, lat = float(fields.get("lon", "")), float(fields.get("lat", ""))
    except ValueError:
        problems.append(
            Problem("보고", None, "위치", f"({fields.get('lon')!r}, {fields.get('lat')!r}): 숫자가 아닙니다.")
        )
        return None
    if not (math.isfinite(lon) and math.isfinite(lat)):
        problems.append(Problem("보고", None, "위치", "위치는 유한한 경도·위도여야 합니다."))
        return None
    return lon, lat  # whether it is in Seoul, the store says


def _captured_at(text: str, now: dt.datetime, problems: list[Problem]) -> dt.datetime | None:
    """When the report was captured, in the store's time (local, without a zone), within the offline window."""
    try:
        stamp = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        problems.append(Problem("보고", None, "created_at", f"{text[:40]!r}: ISO 8601 시각이 아닙니다."))
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone().replace(tzinfo=None)  # the store keeps local time (mapping.clock)
    if stamp > now + CLOCK_SKEW or stamp < now - dt.timedelta(days=OFFLINE_DAYS):
        problems.append(
            Problem("보고", None, "created_at", f"{stamp:%Y-%m-%d %H:%M}: 지금부터 {OFFLINE_DAYS}일 전까지만 받습니다.")
        )
        return None
    return stamp


# ---- JSON-ready values -----------------------------------------------------------------------------------------


def _collection(frame: gpd.GeoDataFrame, columns: list[str]) -> dict[str, object]:
    """A GeoJSON FeatureCollection (EPSG:4326, coordinates to 6 decimals) of ``columns``."""
    web = to_web(frame, name="지도 자료")
    shapes = shapely.transform(web.geometry.values, lambda xy: np.round(xy, 6))
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(shape),
            "properties": {k: _plain(record.get(k)) for k in columns},
        }
        for record, shape in zip(pd.DataFrame(web).to_dict("records"), shapes, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _plain(value: object) -> object:
    """A JSON-ready value: None for every kind of missing, Python numbers, ISO 8601 times, lists of plain values."""
    if isinstance(value, list | tuple | np.ndarray):
        return [_plain(v) for v in value]
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date):
        return value.isoformat()
    return value
