"""The one privacy filter that every public output goes through.

:data:`PERSONAL_FIELDS` names the personal columns of each table the filter
knows.  :func:`strip_personal` returns a copy of a frame without them, drops
resources that are not public, and refuses the households table outright:
it is personal as a whole and may never reach a public output.  A table the
filter does not know is refused too (fail closed).

Staff and zone phones are *office* phones; an officer's name and phone reach a
public output only when the officer agreed (``public_card``).  :func:`public_view`
is what every public output (the public map, the tour map, public exports) is
made from; reports reach it only as suppressed counts per zone and field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping import clock
from mapping.access import User, check_staff, output_check_user
from mapping.domain import FIELDS, LEADER_ROLES
from mapping.errors import PrivacyError
from mapping.publish.disclosure import DEFAULT_K, SuppressedTable, check_k, suppress_small_counts
from mapping.store.schema import POINT_TABLES

if TYPE_CHECKING:
    from mapping.store import Store

Frame = TypeVar("Frame", bound=pd.DataFrame)


_HOUSEHOLD_COLUMNS = frozenset(c.name for c in POINT_TABLES["households"].columns) | {"geometry"}

PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "reports": frozenset({"resident_name", "resident_phone"}),
    "households": _HOUSEHOLD_COLUMNS,  # the whole table is personal: refused, never filtered
    "resources": frozenset(),  # no personal column, but rows with public == False are dropped
    "staff": frozenset(),  # office phones are public
    "zones": frozenset(),  # officer names and office phones are public
    "tongs": frozenset(),
    "dongs": frozenset(),
    "blind_spots": frozenset(),
}
"""Personal columns of each table the filter knows."""

REFUSED_TABLES = frozenset({"households"})
"""Tables that are personal as a whole: no public output may include them."""

_MIN_LENGTH = 2
_MIN_MEMO = 8  # shorter memos ("쓰레기") are words any text may hold
_PHONE_RE = re.compile(r"^[\d\s().+-]+$")


def strip_personal(frame: Frame, *, table: str) -> Frame:
    """Return a copy of ``frame`` fit for a public output.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Rows of one store table; never modified.
    table : str
        The table the rows come from (a key of :data:`PERSONAL_FIELDS`).

    Returns
    -------
    DataFrame or GeoDataFrame
        Same type as ``frame``, without the table's personal columns and,
        for ``resources``, without the rows whose ``public`` is not ``True``.

    Raises
    ------
    PrivacyError
        For ``households`` (personal as a whole), for a table the filter does
        not know, and for resources without a ``public`` column.
    """
    _check_table(table)
    personal = [c for c in frame.columns if c in PERSONAL_FIELDS[table]]
    public = frame.drop(columns=personal)
    if table == "resources":
        public = public.loc[_public_rows(frame)]
    return public.copy(deep=True)


# reports whose place may be the home of a vulnerable resident (a 돌봄이웃 found, a welfare case)
SENSITIVE_ACTIVITIES = frozenset({"care_found"})
SENSITIVE_FIELDS = frozenset({"welfare"})


def sensitive_reports(frame: pd.DataFrame) -> pd.Series:
    """Which reports' place could point at a vulnerable resident's home: a 돌봄이웃 found or a 복지 report
    (:data:`SENSITIVE_ACTIVITIES`, :data:`SENSITIVE_FIELDS`; a frame without those columns has none)."""
    none = pd.Series(index=frame.index, dtype=object)
    return frame.get("activity", none).isin(SENSITIVE_ACTIVITIES) | frame.get("field", none).isin(SENSITIVE_FIELDS)


def public_reports(frame: Frame) -> Frame:
    """Reports fit for a public output: no personal field, and none whose place could point
    at a vulnerable resident's home (돌봄이웃발견 or 복지 reports are left out entirely)."""
    stripped = strip_personal(frame, table="reports")
    return stripped[~sensitive_reports(stripped)]


# a public machine-readable feed (Open311) carries only these columns of a report: no free text (memos, titles,
# addresses and actions may name a resident), no staff name (officers agree to publish theirs only on the map's card)
FEED_COLUMNS = ("id", "dong_code", "created_at", "updated_at", "status", "field", "activity", "duty", "tong", "zone_id")
PUBLIC_PLACE_DECIMALS = 3
"""A public feed's places are rounded to this many decimals of a degree: about 110 m north–south, 90 m east–west
in Seoul — the street, not the door."""
PUBLIC_FIELDS = frozenset({"environment", "safety", "petition"})
"""Fields about a public place (rubbish, a broken pavement, a street lamp, a complaint about a public facility):
their reports reach a public feed even when a resident is to hear back.  Reports of the other public fields
(홍보, 일반) reach it only when no resident is involved (``has_resident`` false)."""


def feed_publishable(frame: pd.DataFrame) -> pd.Series:
    """Mask of the reports a public feed may carry: only those positively known to be public.

    A report is publishable when its 분야 is set and is not 복지, its 활동유형 is not 돌봄이웃발견, it is not a
    중복, and either no resident is involved (``has_resident`` is false) or its field is one of
    :data:`PUBLIC_FIELDS`.  A report filed without a field (the field page's "(나중에)", a quick welfare visit)
    is withheld until someone classifies it; an unknown ``has_resident`` counts as a resident involved.
    """
    empty = pd.Series(index=frame.index, dtype=object)
    fields = frame.get("field", empty)
    activity = frame.get("activity", empty)
    resident = frame.get("has_resident", empty).map(lambda v: not (isinstance(v, bool | np.bool_) and not v))
    known = fields.isin(FIELDS.keys) & ~fields.isin(SENSITIVE_FIELDS)
    ok = known & ~activity.isin(SENSITIVE_ACTIVITIES) & frame.get("status", empty).ne("duplicate")
    return (ok & (~resident.astype(bool) | fields.isin(PUBLIC_FIELDS))).astype(bool)


def public_feed(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reports fit for a public machine-readable feed (Open311): :func:`feed_publishable` ones, then an allow-list.

    Only positively public reports (see :func:`feed_publishable`: a field set, not 복지 or 돌봄이웃발견, no
    중복, no resident involved unless the field is about a public place); only :data:`FEED_COLUMNS` (no
    personal field, free text or staff name); each place rounded to :data:`PUBLIC_PLACE_DECIMALS` decimals.

    Parameters
    ----------
    frame : GeoDataFrame
        Reports as :meth:`mapping.store.Store.reports` returns them (EPSG:4326); never modified.

    Returns
    -------
    GeoDataFrame
    """
    public = public_reports(frame[feed_publishable(frame)])
    kept = [c for c in FEED_COLUMNS if c in public.columns]
    rounded = shapely.transform(public.geometry.values, lambda xy: np.round(xy, PUBLIC_PLACE_DECIMALS))
    return gpd.GeoDataFrame(pd.DataFrame(public[kept]), geometry=list(rounded), crs=public.crs)


def _check_table(table: str) -> None:
    if table in REFUSED_TABLES:
        raise PrivacyError(
            f"'{table}' 표는 전체가 개인정보라 공개 출력에 넣을 수 없습니다. "
            "개인정보 없이 집계만 필요하면 Store.household_zones()를 쓰세요."
        )
    if table not in PERSONAL_FIELDS:
        known = ", ".join(sorted(PERSONAL_FIELDS))
        raise PrivacyError(
            f"'{table}' 표는 개인정보 필터가 모르는 표라 공개할 수 없습니다. "
            f"아는 표: {known}. 새 표라면 mapping/privacy.py의 PERSONAL_FIELDS에 먼저 추가하세요."
        )


def _public_rows(frame: pd.DataFrame) -> pd.Series:
    """Mask of rows whose ``public`` is ``True``; missing or unclear values count as private."""
    if "public" not in frame.columns:
        raise PrivacyError(
            "resources 표에 'public' 열이 없어 공개 여부를 알 수 없습니다. "
            "Store.resources()가 돌려준 표를 그대로 넘기세요."
        )
    return frame["public"].map(_is_true).astype(bool)


def _is_true(value: object) -> bool:
    """``True`` for a true boolean or the integer 1; anything else (None, NaN, text) is not."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return isinstance(value, int | np.integer) and value == 1


def personal_values(frame: pd.DataFrame, *, table: str) -> set[str]:
    """Every non-blank value of ``frame``'s personal columns, as text.

    Meant for tests: feed the result to :func:`assert_no_personal_values`.
    For ``households`` every cell counts, except the location columns.
    """
    columns = [c for c in frame.columns if c in PERSONAL_FIELDS.get(table, frozenset())]
    if table == "households":
        columns = [
            c
            for c in columns
            if c not in {"geometry", "lon", "lat", "tong", "zone_id", "dong_code", "id", "kit_key", "origin", "kind"}
        ]
    values = (v for c in columns for v in frame[c].tolist())
    return {str(v).strip() for v in values if isinstance(v, str) and len(v.strip()) >= _MIN_LENGTH}


def assert_no_personal_values(text: str, values: Iterable[str]) -> None:
    """Raise :class:`AssertionError` if any personal value occurs in ``text``.

    Parameters
    ----------
    text : str
        The whole output (a file's decoded text, a rendered page).
    values : iterable of str
        Personal values that must not appear.  Values shorter than two
        characters (after stripping) and non-strings are skipped.  A
        phone-like value is also looked for with its digits only
        (``010-1234-5678`` and ``01012345678``).

    Raises
    ------
    AssertionError
        Listing every personal value found.
    """
    found = sorted({value for value in _needles(values) if value in text})
    if found:
        raise AssertionError(f"개인정보가 출력에 들어 있습니다 (personal values in output): {found}")


def _needles(values: Iterable[str]) -> list[str]:
    needles = []
    for value in values:
        if not isinstance(value, str) or len(value.strip()) < _MIN_LENGTH:
            continue
        needles.append(value.strip())
        digits = re.sub(r"\D", "", value)
        if _PHONE_RE.match(value) and len(digits) >= 7 and digits != value.strip():
            needles.append(digits)
    return needles


# --- the public view: everything any public output may draw from -------------------------------------------------

PUBLIC_TITLE = "우리동네주무관"  # what a card says in place of a name the officer did not agree to publish


@dataclass(frozen=True, eq=False)
class PublicView:
    """What residents may see of a dong; every public output is made from this and nothing else.

    ``zones`` carry the officer's public card (``officer``, ``team``, ``phone``; name and phone
    are None unless the officer agreed, ``public_card``); ``resources`` are those marked 공개;
    reports appear only as ``report_counts``: per zone by field, small counts suppressed.
    """

    dong_code: str
    dong_name: str
    dong: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    resources: gpd.GeoDataFrame
    report_counts: SuppressedTable
    centre: dict[str, str | None]
    sample: bool
    period: str


def public_cards(zones: gpd.GeoDataFrame, staff: pd.DataFrame) -> gpd.GeoDataFrame:
    """Zones with only what their officer agreed to publish: name and office phone, or neither."""
    consent = dict(zip(staff["name"], staff.get("public_card", pd.Series(False, index=staff.index)), strict=True))
    agreed = zones["officer"].map(lambda n: consent.get(n) is True or consent.get(n) == 1)
    out = zones[["zone_id", "tongs", "team", "geometry"]].copy()
    out.insert(1, "officer", zones["officer"].where(agreed, None))
    out.insert(3, "phone", zones["phone"].where(agreed, None))
    out["title"] = PUBLIC_TITLE
    return out


def public_view(store: Store, code: str, *, k: int = DEFAULT_K, since: dt.date | None = None) -> PublicView:
    """Everything a public output of dong ``code`` may show, through the one filter.

    Parameters
    ----------
    store : Store
        The store.
    code : str
        The dong.
    k : int
        Report counts below ``k`` are suppressed (default 5, never below 3).
    since : datetime.date, optional
        First day of the reports counted (default: one year back).

    Returns
    -------
    PublicView
    """
    from mapping.text import text_of

    check_k(k)
    since = since or (clock.today() - dt.timedelta(days=365))
    dongs = store.dongs().set_index("dong_code")
    zones = store.zones(code)
    resources = strip_personal(store.resources(code), table="resources")
    centre = resources[resources["type"] == "community_centre"].head(1)
    return PublicView(
        dong_code=code,
        dong_name=str(dongs.loc[code, "name"]),
        dong=store.dong(code)[["geometry"]],
        zones=public_cards(zones, store.staff(code)),
        resources=resources[["type", "name", "address", "phone", "hours", "tong", "zone_id", "geometry"]],
        report_counts=zone_field_counts(store.reports(code), zones, since=since, k=k),
        centre={
            c: (None if centre.empty else text_of(centre.iloc[0][c]) or None) for c in ("name", "address", "phone")
        },
        sample=bool(dongs.loc[code, "sample"]),
        period=f"{since:%Y.%m.%d}~",
    )


def zone_field_counts(reports: pd.DataFrame, zones: pd.DataFrame, *, since: dt.date, k: int) -> SuppressedTable:
    """Reports since ``since`` per zone and field (not 중복), suppressed for publication."""
    recent = reports[(pd.to_datetime(reports["created_at"]).dt.date >= since) & (reports["status"] != "duplicate")]
    fields = recent["field"].where(recent["field"].isin(FIELDS.keys), "general")
    table = pd.crosstab(recent["zone_id"], fields) if len(recent) else pd.DataFrame()
    table = table.reindex(index=list(zones["zone_id"]), columns=list(FIELDS.keys), fill_value=0)
    table.columns = list(FIELDS.labels)
    return suppress_small_counts(table, k=k)


def personal_values_of(store: Store, code: str, *, user: User) -> set[str]:
    """Every value in the store that no public output of dong ``code`` may contain (the read is logged).

    Household names, phones and addresses; residents' names and phones on reports; report memos;
    the names and phones of officers who did not agree to a public card; resources marked 공개=N;
    the zone contact book's names, phones and notes; contact-log and referral notes.

    Only someone who may publish the dong's public outputs asks (a team leader, the administrative team
    leader or the dong head of ``code``, or the command line); the tool then reads the whole dong as the
    output check, logged as ``system:<their account>`` (:func:`mapping.access.output_check_user`).

    Raises
    ------
    AccessError
        For anyone else (sample browsing, the public, another dong's staff, a 구 담당).
    """
    check_staff(user, code, doing="공개 출력 만들기", roles=LEADER_ROLES)
    user = output_check_user(user)
    values = personal_values(store.households(code, user=user), table="households")
    contacts = store.resident_contacts(code, user=user)
    values |= personal_values(contacts, table="reports")
    memos = store.reports(code)["memo"].dropna().astype(str)
    values |= {m.strip() for m in memos if len(m.strip()) >= _MIN_MEMO}
    staff = store.staff(code)
    agreed = staff.get("public_card", pd.Series(False, index=staff.index)).fillna(False).astype(bool)
    values |= _texts(staff[~agreed], ("name", "phone")) - _texts(staff[agreed], ("name", "phone"))
    resources = store.resources(code)
    public = _public_rows(resources)
    columns = ("name", "address", "phone")
    values |= _texts(resources[~public], columns) - _texts(resources[public], columns)  # a shared value is public
    book = store.contacts(code, user=user)  # the zone contact book
    shown = _texts(staff[agreed], ("name", "phone")) | _texts(resources[public], columns)  # public anyway
    values |= _texts(book, ("name", "phone", "note")) - shown
    notes = store.outreach_notes(code, user=user, contact_ids=book["id"])
    values |= {n for n in notes if len(n) >= _MIN_MEMO}
    return values


def _texts(frame: pd.DataFrame, columns: Iterable[str]) -> set[str]:
    return {v.strip() for c in columns for v in frame[c] if isinstance(v, str) and len(v.strip()) >= _MIN_LENGTH}


def guard_public_text(text: str, values: Iterable[str], *, what: str) -> None:
    """Refuse to publish ``text`` if it holds any personal value (fail closed).

    Raises
    ------
    PrivacyError
        Naming the output and how many values leaked (not the values themselves).
    """
    try:
        assert_no_personal_values(text, values)
    except AssertionError as err:
        count = str(err).count(",") + 1
        raise PrivacyError(
            f"{what}에 개인정보로 보이는 값 {count}개가 들어 있어 내보내지 않았습니다. "
            "자원의 공개 여부와 직원의 공개동의를 확인하세요."
        ) from None
