"""내 구역 — the officer's page: the dong map with zones, tongs and resources; the zone's contact book and notices.

Also the zone's households (personal data, every read logged), referrals of a household's need to a community
body (세대 연계 의뢰, read only while its panel is open) and the zone profile for a hand-over (made on click).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from app_pages.common import file_bytes, get_store, md, pick_officer, require_dong, require_user, show_map, thumb_uris
from app_pages.contact_book import BOOK_KEY, POSTS_KEY, render_contact_book, render_notice_posts, zone_contacts
from app_pages.missions_ui import render_mission_banner
from app_pages.referrals_ui import HOUSEHOLD_REFERRALS_KEY, render_household_referrals
from mapping import clock
from mapping.access import User
from mapping.domain import FIELDS, HOUSEHOLD_KINDS, OPEN_STATUSES
from mapping.layers import (
    CLUSTER_ABOVE,
    build_blind_spots_layer,
    build_dong_layer,
    build_households_layer,
    build_map,
    build_reports_layer,
    build_resources_layer,
    build_tongs_layer,
    build_zones_layer,
    legend_html,
)
from mapping.outreach_layers import build_contacts_layer, build_notice_posts_layer
from mapping.publish.privacy import public_view
from mapping.publish.tour_map import export_tour_pdf
from mapping.publish.welcome import export_welcome_csv, export_welcome_letters, welcome_messages_of
from mapping.zone_profile.files import write_zone_profiles

if TYPE_CHECKING:
    from mapping.store import Store


def _welcome(store: Store, code: str, user: User, zone_id: str, path: Path) -> None:
    """The zone's welcome messages (CSV) or letters (PDF): personal data, read and logged when clicked."""
    messages = welcome_messages_of(store, code, user=user)
    messages = messages[messages["구역"] == zone_id]
    kind = "다운로드" if path.suffix == ".csv" else "출력"
    store.log_event(user, kind, f"households:{code}:{zone_id}", f"welcome {path.suffix[1:]} rows={len(messages)}")
    if path.suffix == ".csv":
        export_welcome_csv(messages, path)
    else:
        export_welcome_letters(messages, path, dong_name=str(store.dongs().set_index("dong_code").loc[code, "name"]))


store = get_store()
code = require_dong()
st.title("내 구역")
render_mission_banner(store, code)
zones, staff = store.zones(code), store.staff(code)
officers = list(zones["officer"])
me = pick_officer(officers)
zone = zones[zones["officer"] == me].iloc[0]

left, right = st.columns([3, 1])
user = require_user()
households = store.households(code, user=user)  # personal data: this read is logged under the officer
reports = store.reports(code)
posts = store.notice_posts(code, on=clock.today())  # the whole dong's: the team sees every zone's notices
contacts = None
if st.session_state.get(BOOK_KEY):  # the 구역 연락망 panel below the map is open: personal data, read and logged
    try:
        contacts = zone_contacts(store, code, user, zone["zone_id"])
    except PermissionError:
        contacts = None  # no layer; the panel says why
if len(reports) <= CLUSTER_ABOVE:  # a clustered layer shows no thumbnails: don't read them
    reports = reports.assign(thumb_uri=reports["id"].map(thumb_uris(store, code)))
with_contacts = contacts is not None and not contacts.empty
with left:
    resources = store.resources(code)
    dong = store.dong(code)
    sample = bool(st.session_state.get("dong_sample"))
    m = build_map(
        [
            build_dong_layer(dong),
            build_zones_layer(zones, highlight=zone["zone_id"]),
            build_tongs_layer(store.tongs(code), sample=sample),
            build_resources_layer(resources),
            build_reports_layer(reports[reports["zone_id"] == zone["zone_id"]], name="내 구역 보고"),
            build_reports_layer(reports[reports["zone_id"] != zone["zone_id"]], name="다른 구역 보고", show=False),
            build_blind_spots_layer(store.blind_spots(code), show=False),
            build_notice_posts_layer(posts),
            build_households_layer(households[households["zone_id"] == zone["zone_id"]], user=user, show=False),
            *([build_contacts_layer(contacts)] if with_contacts else []),
        ],
        bounds=zones[zones["zone_id"] == zone["zone_id"]],  # opens on the officer's own zone; the others are dimmed
        legend=legend_html(
            list(resources["type"]), sample=sample, contacts=with_contacts, notice_posts=True, own_zone=True
        ),
        sample=sample,
    )
    show_map(m, key="officer_map")
with right:
    st.subheader(f"{md(zone['zone_id'])} 구역")
    st.markdown(  # names and the team come from the kit: Markdown-escaped
        f"**담당** {md(me)} ({md(zone['team'])})  \n**대직자** {md(zone['substitute'] or '-')}  \n"
        f"**담당통** {', '.join(f'{t}통' for t in zone['tongs'])}  \n**면적** {zone['area_m2'] / 1e6:.3f} km²"
    )
    mine = reports[reports["zone_id"] == zone["zone_id"]]
    st.metric("구역 보고 (전체)", len(mine))
    st.metric("처리 중인 보고", int(mine["status"].isin(OPEN_STATUSES).sum()))
    by_field = mine["field"].map(FIELDS.label).value_counts().reindex(list(FIELDS.labels), fill_value=0)
    st.dataframe(pd.DataFrame({"분야": by_field.index, "건수": by_field.values}), hide_index=True, width="stretch")
    here = households[households["zone_id"] == zone["zone_id"]]
    st.caption(":material/lock: 개인정보: 이 목록을 볼 때마다 접근 기록이 남습니다.")
    st.dataframe(
        pd.DataFrame({"구분": here["kind"].map(HOUSEHOLD_KINDS.label), "성명": here["name"], "통": here["tong"]}),
        hide_index=True,
        width="stretch",
    )
    st.link_button(  # relative: the field page sits beside the pages, under any base path of the server
        "현장 앱 열기 (휴대폰)",
        "field/",
        icon=":material/smartphone:",
        help=(
            "휴대폰에서 1초 안에 열리는 내 구역 지도와 보고 적기: 구역의 보고가 모두 점으로 보이고, 신호가 "
            "없어도 열리고 적은 보고는 연결되면 한 번만 보냅니다. 홈 화면에 추가해 앱처럼 쓰세요."
        ),
        width="stretch",
    )
    st.download_button(
        "구역 현황 (인수인계용)",
        file_bytes(lambda p: write_zone_profiles(store, code, p, user=user, zone_ids=[zone["zone_id"]]), ".pdf"),
        file_name=f"구역현황_{zone['zone_id']}.pdf",
        mime="application/pdf",
        key=f"profile_pdf_{zone['zone_id']}",
        icon=":material/download:",
        help=(
            "새 담당자에게 넘길 내 구역 한 장 (PDF): 담당통, 주요 장소, 연락망, 돌봄·전입 세대 수, 취약 지점, "
            "처리 중인 보고, 순회 경로. 연락망(개인정보)이 들어 있어 출력이 접근 기록에 남습니다."
        ),
        width="stretch",
    )

referrals = st.expander("세대 연계 의뢰", key=HOUSEHOLD_REFERRALS_KEY, on_change="rerun", icon=":material/lock:")
if referrals.open:  # closed: the households' referrals are not read at all
    with referrals:
        render_household_referrals(store, code, here, user=user)
book = st.expander("구역 연락망", key=BOOK_KEY, on_change="rerun", icon=":material/lock:")
if book.open:  # closed: the contacts are not read at all
    with book:
        render_contact_book(store, code, user, zone["zone_id"], contacts=contacts)
board = st.expander("게시 현황", key=POSTS_KEY, on_change="rerun", icon=":material/push_pin:")
if board.open:
    with board:
        render_notice_posts(store, code, user, zone["zone_id"], posts=posts)

with st.expander("전입세대 환영 문자·안내도"):
    st.caption(
        "내 구역 전입세대에게 보낼 환영 문자(동 문자 시스템에 올릴 CSV)와 안내 편지, 전입 안내도를 만듭니다. "
        "이 도구는 문자를 보내지 않습니다. 내려받기는 접근 기록에 남습니다."
    )
    movers = here[here["kind"] == "move_in"]
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        f"환영 문자 CSV ({len(movers)}세대)",
        file_bytes(lambda p: _welcome(store, code, user, zone["zone_id"], p), ".csv"),
        file_name=f"전입환영문자_{zone['zone_id']}.csv",
        mime="text/csv",
        key=f"welcome_csv_{zone['zone_id']}",
        disabled=movers.empty,
    )
    c2.download_button(
        "안내 편지 PDF",
        file_bytes(lambda p: _welcome(store, code, user, zone["zone_id"], p), ".pdf"),
        file_name=f"전입환영편지_{zone['zone_id']}.pdf",
        mime="application/pdf",
        key=f"welcome_pdf_{zone['zone_id']}",
        disabled=movers.empty,
    )
    url = store.public_url(code) or ""
    if url:
        c3.download_button(
            "전입 안내도 PDF (A4)",
            file_bytes(
                lambda p: export_tour_pdf(public_view(store, code), p, zone_id=zone["zone_id"], public_url=url), ".pdf"
            ),
            file_name=f"전입안내도_{zone['zone_id']}.pdf",
            mime="application/pdf",
            key=f"tour_pdf_{zone['zone_id']}",
        )
    else:
        c3.caption("안내도의 QR에 넣을 공개 지도 주소가 아직 없습니다: '공개 지도'에서 팀장이 정합니다.")
