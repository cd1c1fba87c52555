"""Outreach layers of the officer's map: the zone's contact book and where the officer's notices hang.

Both take the store's frames as they are (``lon``/``lat`` columns in degrees, :data:`mapping.crs.WEB_CRS`;
a row without them has no place and is only counted) and make their markers with the machinery of
:mod:`mapping.marker_layers` (one JSON array, every user string through :func:`mapping.style.esc`); their icons
and colours are in the style table, :mod:`mapping.style`.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

import folium
import pandas as pd
import shapely

from mapping import clock
from mapping.contacts import STALE_DAYS
from mapping.domain import CONTACT_KINDS, NOTICE_PLACES
from mapping.marker_layers import BrowserMadeMarkers, marker
from mapping.style import CONTACT_COLOURS, CONTACT_ICONS, NOTICE_COLOUR, NOTICE_ICONS
from mapping.text import esc, filled

STALE_LABEL = f"⚠ {STALE_DAYS}일 넘음"


def _point(row: dict) -> shapely.Point | None:
    """The row's place, or None when it has none."""
    if filled(row.get("lon")) and filled(row.get("lat")):
        return shapely.Point(float(row["lon"]), float(row["lat"]))
    return None


def _missing(value: object) -> bool:
    """Whether a cell holds nothing: None, NaN, NaT, NA or blank text."""
    if not filled(value):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a container is something
        return False


def day_text(value: object) -> str:
    """A date cell as ``2026-11-26``; empty when there is none (None, NaN, NaT).

    The one date format of the officer's outreach lists and popups (the contact book's page uses it too).

    Parameters
    ----------
    value : object
        A date, datetime, Timestamp or ISO text.

    Returns
    -------
    str
        The day, or ``""``.
    """
    return "" if _missing(value) else str(pd.Timestamp(value).date())


def tong_label(value: object) -> str:
    """A tong number as ``28통`` (a float column's ``28.0`` too); empty when there is none.

    Parameters
    ----------
    value : object
        The tong: a number, or text as it was stored.

    Returns
    -------
    str
        Plain text: escape it where it goes (HTML popups, Markdown labels).
    """
    if _missing(value):
        return ""
    try:
        return f"{int(float(cast(float, value)))}통"  # a number, or text that reads as one (else below)
    except (TypeError, ValueError):
        return f"{value}통"


def _contact_popup(row: dict) -> str:
    """Popup HTML of one contact; every user string escaped."""
    kind = CONTACT_KINDS.label(str(row.get("kind") or "other"))
    lines = [f"<b>{esc(row.get('name'))}</b> ({esc(kind)})"]
    lines += [
        f"{label}: {esc(row.get(key))}"
        for key, label in (("organisation", "소속"), ("phone", "연락처"), ("note", "연락 방법"))
        if filled(row.get(key))
    ]
    if filled(row.get("tong")):
        lines.append(esc(tong_label(row["tong"])))
    last = day_text(row.get("last_contacted"))
    lines.append(f"마지막 연락: {esc(last) if last else '기록 없음'}")
    if bool(row.get("stale")):
        days = f" ({int(row['days_since'])}일)" if filled(row.get("days_since")) else ""
        lines.append(f'<b style="color:#c0392b">{STALE_LABEL}{days}</b>')
    return "<br>".join(lines)


def build_contacts_layer(
    contacts: pd.DataFrame, *, name: str = "구역 연락망 (개인정보)", show: bool = False
) -> folium.FeatureGroup:
    """The contact book as markers: icon by kind, red when untouched :data:`~mapping.contacts.STALE_DAYS` days.

    Personal data: pass only what :meth:`mapping.store.Store.contacts` gave the acting user (the store
    decides who may see which zone and logs the read).  Contacts without a place are not on the map;
    the layer's name says how many.

    Parameters
    ----------
    contacts : DataFrame
        The store's contacts: ``kind, name, organisation, phone, tong, note, lon, lat,
        last_contacted, days_since, stale``.
    name : str
        The layer's name in the layer control.
    show : bool
        Whether the layer is on when the map opens (off by default: personal data).

    Returns
    -------
    folium.FeatureGroup
        One marker per placed contact; popup with 구분, 성명, 소속, 연락처, 연락 방법, 통, 마지막 연락
        and the stale flag.
    """
    markers, unplaced = [], 0
    for row in contacts.to_dict("records"):
        point = _point(row)
        if point is None:
            unplaced += 1
            continue
        icon = CONTACT_ICONS.get(row.get("kind"), CONTACT_ICONS["other"])
        colour = CONTACT_COLOURS["stale" if bool(row.get("stale")) else "fresh"]
        markers.append(marker(point, icon, colour, _contact_popup(row), 260))
    label = f"{name} · 위치 없는 {unplaced}명은 목록에만" if unplaced else name
    group = folium.FeatureGroup(name=label, show=show)
    BrowserMadeMarkers(markers).add_to(group)
    return group


def _notice_popup(row: dict) -> str:
    """Popup HTML of one notice post; every user string escaped."""
    kind = NOTICE_PLACES.label(str(row.get("kind") or "other"))
    lines = [f"<b>{esc(row.get('place_name'))}</b>", esc(kind), f"게시 {esc(day_text(row.get('posted_on')))}부터"]
    lines.append(f"게시자 {esc(row.get('posted_by'))}")
    where = []
    if filled(row.get("zone_id")):
        where.append(f"구역 {esc(row['zone_id'])}")
    if filled(row.get("tong")):
        where.append(esc(tong_label(row["tong"])))
    if where:
        lines.append(" · ".join(where))
    if filled(row.get("note")):
        lines.append(esc(row["note"]))
    return "<br>".join(lines)


def build_notice_posts_layer(
    posts: pd.DataFrame, *, name: str = "게시 현황", show: bool = True, today: dt.date | None = None
) -> folium.FeatureGroup:
    """Where the officer's notice hangs now: one marker per placed post, icon by kind of place.

    Parameters
    ----------
    posts : DataFrame
        The store's notice posts (:meth:`mapping.store.Store.notice_posts`): ``kind, place_name, lon, lat,
        tong, zone_id, posted_on, removed_on, posted_by, note``.
    name : str
        The layer's name in the layer control.
    show : bool
        Whether the layer is on when the map opens.
    today : datetime.date, optional
        Posts taken down on or before this day (default today) are left out.

    Returns
    -------
    folium.FeatureGroup
        Popup with the place's name, its kind, since when, who posted it, zone and tong, and the note.
    """
    today = today or clock.today()
    markers, unplaced = [], 0
    for row in posts.to_dict("records"):
        if filled(row.get("removed_on")) and pd.Timestamp(row["removed_on"]).date() <= today:
            continue
        point = _point(row)
        if point is None:
            unplaced += 1
            continue
        icon = NOTICE_ICONS.get(row.get("kind"), NOTICE_ICONS["other"])
        markers.append(marker(point, icon, NOTICE_COLOUR, _notice_popup(row), 240, tooltip=esc(row.get("place_name"))))
    label = f"{name} · 위치 없는 {unplaced}곳은 목록에만" if unplaced else name
    group = folium.FeatureGroup(name=label, show=show)
    BrowserMadeMarkers(markers).add_to(group)
    return group
