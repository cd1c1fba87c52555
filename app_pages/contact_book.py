"""구역 연락망 · 게시 현황 — the zone's contact book (personal data) and where the officer's notices hang.

Panels of the officer page.  The store decides who sees which contacts and logs every read; these
functions only show what it returns and pass on what the user typed, with the version they saw.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from app_pages.common import act, md, show_kept, show_refusal, submission_key
from mapping import clock
from mapping.access import User
from mapping.contacts import STALE_DAYS
from mapping.domain import CONTACT_EVENTS, CONTACT_KINDS, NOTICE_PLACES
from mapping.errors import MappingError
from mapping.outreach_layers import STALE_LABEL, day_text, tong_label
from mapping.store import Store

BOOK_KEY = "contact_book_open"  # the 구역 연락망 expander's state: contacts are read only while it is open
POSTS_KEY = "notice_posts_open"  # the 게시 현황 expander's state
BOOK_BOX, POSTS_BOX = "contact_book", "notice_posts"  # where each panel keeps its last message
_ADD_FIELDS = ("kind", "name", "organisation", "phone", "tong", "note", "lon", "lat")
_POST_FIELDS = ("kind", "place", "on", "tong", "lon", "lat", "note")


def zone_contacts(store: Store, code: str, user: User, zone_id: str) -> pd.DataFrame:
    """The contacts of ``zone_id`` that ``user`` may see (the read is logged), stale first.

    Returns
    -------
    DataFrame
        The store's contact columns (with ``last_contacted``, ``days_since``, ``stale``).

    Raises
    ------
    PermissionError
        If the store lets ``user`` see no personal data of the dong.
    """
    book = store.contacts(code, user=user)
    book = book[book["zone_id"] == zone_id]
    return book.sort_values(["stale", "days_since"], ascending=False, kind="stable").reset_index(drop=True)


def _zone_tongs(store: Store, code: str, zone_id: str) -> list[int]:
    zones = store.zones(code)
    return [int(t) for t in zones.loc[zones["zone_id"] == zone_id, "tongs"].iloc[0]]


def _lonlat(lon: float | None, lat: float | None) -> tuple[float, float] | None:
    """Both numbers, or None when neither is given; one without the other is a mistake to say."""
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise ValueError("경도와 위도를 함께 적거나 둘 다 비워 두세요.")
    return (float(lon), float(lat))


def contact_table(book: pd.DataFrame) -> pd.DataFrame:
    """The contact book as the officer reads it: Korean headers, last contact and the stale flag."""
    return pd.DataFrame(
        {
            "구분": book["kind"].map(CONTACT_KINDS.label),
            "성명": book["name"],
            "소속": book["organisation"].fillna(""),
            "연락처": book["phone"].fillna(""),
            "통": book["tong"].astype(int),
            "연락 방법": book["note"].fillna(""),
            "마지막 연락": [day_text(d) or "기록 없음" for d in book["last_contacted"]],
            f"{STALE_DAYS}일": [
                f"{STALE_LABEL} ({d}일)" if s else "" for s, d in zip(book["stale"], book["days_since"], strict=True)
            ],
        }
    )


def render_contact_book(
    store: Store, code: str, user: User, zone_id: str, *, contacts: pd.DataFrame | None = None
) -> None:
    """The zone's contact book: table (stale first), add, edit, delete, log a contact and show its log.

    Parameters
    ----------
    store, code, user, zone_id
        The store, the dong, the acting user and the zone shown.
    contacts : DataFrame, optional
        The zone's contacts already read this run (:func:`zone_contacts`); read here when not given.
    """
    st.caption(":material/lock: 개인정보: 연락망을 열 때마다 접근 기록이 남습니다. 닫아 두면 읽지 않습니다.")
    show_kept(BOOK_BOX)
    try:
        book = contacts if contacts is not None else zone_contacts(store, code, user, zone_id)
    except PermissionError as err:
        st.info(md(err))
        return
    stale = int(book["stale"].sum())
    st.markdown(f"**{md(zone_id)} 구역 연락망 {len(book)}명** · {STALE_LABEL} {stale}명")
    if book.empty:
        st.info("이 구역 연락망에 아직 아무도 없습니다. 아래에서 더하세요.")
    else:
        st.dataframe(contact_table(book), hide_index=True, width="stretch")
        _one_contact(store, user, book)
    _add_contact_form(store, code, user, zone_id)


def _one_contact(store: Store, user: User, book: pd.DataFrame) -> None:
    """Pick a contact: log a contact with them, show their log, edit or delete them."""
    rows = {int(r["id"]): r for r in book.to_dict("records")}

    def label(cid: int) -> str:  # a select's option: plain text, not Markdown
        r = rows[cid]
        flag = f" {STALE_LABEL}" if r["stale"] else ""
        return f"{r['name']} ({CONTACT_KINDS.label(r['kind'])}, {tong_label(r['tong'])}){flag}"

    cid = st.selectbox("연락처 고르기", list(rows), format_func=label, key="contact_pick")
    row = rows[cid]
    seen_key = f"contact_seen_{cid}"
    seen = int(st.session_state.get(seen_key, row["version"]))  # the version on screen the run before
    for key in [k for k in st.session_state if str(k).startswith("contact_seen_") and k != seen_key]:
        del st.session_state[key]  # another contact's: seen again from scratch when picked again
    tab_log, tab_edit, tab_delete = st.tabs(["연락 기록", "고치기", "삭제"])
    with tab_log:
        _log_form(store, user, cid)
        if st.toggle("연락 기록 보기 (접근 기록에 남습니다)", key=f"contact_log_show_{cid}"):
            _show_log(store, user, cid)
    with tab_edit:
        _edit_form(store, user, row, seen, seen_key)
    with tab_delete:
        sure = st.checkbox(
            f"{md(row['name'])} 연락처를 지웁니다 (연락 기록도 함께 지워집니다)", key=f"contact_del_sure_{cid}"
        )
        if st.button("연락처 삭제", key=f"contact_del_{cid}", disabled=not sure):
            act(
                BOOK_BOX,
                f"{md(row['name'])} 연락처를 지웠습니다.",
                lambda: store.delete_contact(cid, user=user, expected_version=seen),
                forget=(seen_key, "contact_pick"),
            )
    st.session_state[seen_key] = int(row["version"])  # what is on screen now


def _log_form(store: Store, user: User, cid: int) -> None:
    today = clock.today()
    submission = f"contact_log_submission_{cid}"  # a new form (and submit button) once a record is stored
    with st.form(f"contact_log_form_{cid}_{submission_key(submission)}"):
        st.markdown("**연락 기록 남기기**")
        c1, c2 = st.columns(2)
        on = c1.date_input("날짜", value=today, max_value=today, key=f"contact_log_on_{cid}")
        kind = c2.selectbox(CONTACT_EVENTS.name, list(CONTACT_EVENTS.labels), key=f"contact_log_kind_{cid}")
        note = st.text_input("비고", key=f"contact_log_note_{cid}")
        if st.form_submit_button("기록"):
            act(
                BOOK_BOX,
                f"{md(on)} {md(kind)}: 연락 기록을 남겼습니다.",
                lambda: store.log_contact(cid, kind=kind, on_date=on, user=user, note=note),
                forget=(f"contact_log_note_{cid}", submission),
            )


def _show_log(store: Store, user: User, cid: int) -> None:
    try:
        log = store.contact_log(cid, user=user)
    except (MappingError, PermissionError) as err:
        show_refusal(err)
        return
    if log.empty:
        st.caption("아직 연락 기록이 없습니다.")
        return
    table = pd.DataFrame(
        {
            "날짜": [day_text(d) for d in log["on_date"]],
            "방법": log["kind"].map(CONTACT_EVENTS.label),
            "담당": log["by_whom"],
            "비고": log["note"].fillna(""),
        }
    )
    st.dataframe(table.iloc[::-1], hide_index=True, width="stretch")


def _edit_form(store: Store, user: User, row: dict, seen: int, seen_key: str) -> None:
    """Change a contact; passes the version the user saw, so a change by someone else is not overwritten."""
    cid = int(row["id"])
    key = f"contact_edit_{cid}_{seen}"  # new fields once the contact changed
    kinds = list(CONTACT_KINDS.labels)
    with st.form(key):
        kind = st.selectbox("구분", kinds, index=kinds.index(CONTACT_KINDS.label(row["kind"])), key=f"{key}_kind")
        name = st.text_input("성명", value=row["name"] or "", key=f"{key}_name")
        organisation = st.text_input("소속", value=row["organisation"] or "", key=f"{key}_organisation")
        phone = st.text_input("연락처", value=row["phone"] or "", key=f"{key}_phone")
        note = st.text_input("연락 방법 (상시 연락체계)", value=row["note"] or "", key=f"{key}_note")
        c1, c2 = st.columns(2)
        lon = c1.number_input("경도", value=_number(row.get("lon")), format="%.6f", key=f"{key}_lon")
        lat = c2.number_input("위도", value=_number(row.get("lat")), format="%.6f", key=f"{key}_lat")
        if st.form_submit_button("저장"):
            try:
                changes = {"kind": kind, "name": name, "organisation": organisation, "phone": phone, "note": note}
                changes["lonlat"] = _lonlat(lon, lat)
            except ValueError as err:
                show_refusal(err)
                return
            act(
                BOOK_BOX,
                f"{md(name)} 연락처를 고쳤습니다.",
                lambda: store.update_contact(cid, changes, user=user, expected_version=seen),
                forget=(seen_key,),
            )


def _number(value: object) -> float | None:
    """A stored coordinate as a number input's value: None when missing (None or NaN)."""
    return float(value) if isinstance(value, int | float) and not math.isnan(value) else None


def _add_contact_form(store: Store, code: str, user: User, zone_id: str) -> None:
    """A new contact in one of the zone's tongs; the fields clear once it is stored."""
    tongs = _zone_tongs(store, code, zone_id)
    with st.form(f"contact_add_{submission_key('contact_add_submission')}"):  # a new one once stored
        st.markdown("**연락처 더하기**")
        c1, c2 = st.columns(2)
        kind = c1.selectbox("구분", list(CONTACT_KINDS.labels), key="contact_add_kind")
        tong = c2.selectbox("통", tongs, format_func=tong_label, key="contact_add_tong")
        name = st.text_input("성명", key="contact_add_name")
        organisation = st.text_input("소속", key="contact_add_organisation")
        phone = st.text_input("연락처", placeholder="010-1234-5678", key="contact_add_phone")
        note = st.text_input("연락 방법 (상시 연락체계)", key="contact_add_note")
        c3, c4 = st.columns(2)
        lon = c3.number_input("경도 (선택)", value=None, format="%.6f", key="contact_add_lon")
        lat = c4.number_input("위도 (선택)", value=None, format="%.6f", key="contact_add_lat")
        if st.form_submit_button("더하기"):
            try:
                lonlat = _lonlat(lon, lat)
            except ValueError as err:
                show_refusal(err)
                return
            given = {"kind": kind, "name": name, "organisation": organisation, "phone": phone, "note": note}
            act(
                BOOK_BOX,
                f"{md(name)} 연락처를 더했습니다.",
                lambda: store.add_contact(code, tong=int(tong), user=user, lonlat=lonlat, **given),
                forget=[*(f"contact_add_{f}" for f in _ADD_FIELDS), "contact_add_submission"],
            )


def post_table(posts: pd.DataFrame) -> pd.DataFrame:
    """Notice posts as the officer reads them (Korean headers)."""
    placed = posts["lon"].notna() & posts["lat"].notna()
    return pd.DataFrame(
        {
            "장소 유형": posts["kind"].map(NOTICE_PLACES.label),
            "장소명": posts["place_name"],
            "게시일": [day_text(d) for d in posts["posted_on"]],
            "게시자": posts["posted_by"],
            "통": [tong_label(t) for t in posts["tong"]],
            "지도": ["있음" if p else "위치 없음" for p in placed],
            "비고": posts["note"].fillna(""),
        }
    )


def render_notice_posts(
    store: Store, code: str, user: User, zone_id: str, *, posts: pd.DataFrame | None = None
) -> None:
    """The zone's current notice posts; record a new one or the day one was taken down.

    Parameters
    ----------
    store, code, user, zone_id
        The store, the dong, the acting user and the zone shown.
    posts : DataFrame, optional
        The dong's notice posts up today, already read this run; read here when not given.
    """
    show_kept(POSTS_BOX)
    today = clock.today()
    posts = posts if posts is not None else store.notice_posts(code, on=today)
    mine = posts[posts["zone_id"] == zone_id]
    st.markdown(
        f"**{md(zone_id)} 구역에 지금 붙어 있는 게시물 {len(mine)}곳** (동 전체 {len(posts)}곳은 지도의 '게시 현황')"
    )
    if mine.empty:
        st.info("이 구역에 기록된 게시물이 없습니다. 붙인 곳을 아래에서 기록하세요.")
    else:
        st.dataframe(post_table(mine), hide_index=True, width="stretch")
        _end_post_form(store, user, mine)
    _add_post_form(store, code, user, zone_id)


def _end_post_form(store: Store, user: User, mine: pd.DataFrame) -> None:
    today = clock.today()
    names = {
        int(i): f"{p} ({NOTICE_PLACES.label(k)})"
        for i, p, k in zip(mine["id"], mine["place_name"], mine["kind"], strict=True)
    }
    with st.form("notice_end"):
        st.markdown("**철거 기록**")
        c1, c2 = st.columns(2)
        post = c1.selectbox("게시물", list(names), format_func=names.__getitem__, key="notice_end_post")
        on = c2.date_input("철거일", value=today, max_value=today, key="notice_end_on")
        if st.form_submit_button("철거 기록"):
            act(
                POSTS_BOX,
                f"{md(names[post])}: {md(on)} 철거를 기록했습니다.",
                lambda: store.end_notice_post(post, removed_on=on, user=user),
            )


def _add_post_form(store: Store, code: str, user: User, zone_id: str) -> None:
    """Record a new notice post: at a point (경도·위도) or, without one, in a tong of the zone."""
    today = clock.today()
    tongs = _zone_tongs(store, code, zone_id)
    with st.form(f"notice_add_{submission_key('notice_add_submission')}"):  # a new one once stored
        st.markdown("**게시 기록**")
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(NOTICE_PLACES.name, list(NOTICE_PLACES.labels), key="notice_add_kind")
        on = c2.date_input("게시일", value=today, max_value=today, key="notice_add_on")
        tong = c3.selectbox("통", tongs, format_func=tong_label, key="notice_add_tong")
        place = st.text_input("장소명", placeholder="예: 성산샘플아파트 101동 게시판", key="notice_add_place")
        c4, c5 = st.columns(2)
        lon = c4.number_input("경도 (선택: 지도에 표시)", value=None, format="%.6f", key="notice_add_lon")
        lat = c5.number_input("위도 (선택)", value=None, format="%.6f", key="notice_add_lat")
        note = st.text_input("비고", key="notice_add_note")
        if st.form_submit_button("게시 기록"):
            try:
                lonlat = _lonlat(lon, lat)
            except ValueError as err:
                show_refusal(err)
                return
            act(
                POSTS_BOX,
                f"{md(place)}: 게시를 기록했습니다.",
                lambda: store.add_notice_post(
                    code, kind=kind, place_name=place, posted_on=on, note=note, user=user, lonlat=lonlat, tong=int(tong)
                ),
                forget=[*(f"notice_add_{f}" for f in _POST_FIELDS), "notice_add_submission"],
            )
