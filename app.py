"""우동주 지도 — the Streamlit app: router by role, and the frame shared by all pages.

A visitor sees only the public map and the login page; a logged-in person sees the pages of their
role (the store enforces what each may read; the menu only follows it).
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from app_pages.common import current_user, dong_picker, frame_css, get_store, md, sign_in_from_sso
from mapping.access import SAMPLE, sample_browsing_allowed, sample_user
from mapping.domain import HEADS, LEADER_ROLES, REGION_ROLES, STAFF_ROLES

st.set_page_config(
    page_title="우동주 지도", page_icon=str(Path(__file__).parent / "static" / "favicon.png"), layout="wide"
)
frame_css()  # the file uploader's English words said in Korean; a map's height on a phone
store = get_store()
sign_in_from_sso(store)
dongs = store.dongs()
if current_user() is None and os.environ.get("MAPPING_SAMPLE_AUTOLOGIN") == "1" and sample_browsing_allowed(dongs):
    first = str(dongs["dong_code"].iloc[0])  # sample data only: tests and demos skip the login page
    st.session_state["user"] = sample_user(first, str(store.staff(first)["name"].iloc[0]))
if getattr(current_user(), "role", None) == SAMPLE and not sample_browsing_allowed(dongs):
    st.session_state.clear()  # a real dong was loaded meanwhile: sample browsing ends at once
    st.session_state["login_notice"] = "실제 동 자료가 들어와 샘플 둘러보기를 끝냈습니다. 직원 계정으로 로그인하세요."
user = current_user()

PUBLIC = st.Page("app_pages/public.py", title="공개 지도", icon=":material/public:", url_path="public")
FIELD = STAFF_ROLES | {SAMPLE}
LEADERS = LEADER_ROLES | REGION_ROLES | {SAMPLE}
pages: dict[str, list] = {}
if user is None:
    pages = {
        "주민": [PUBLIC],
        "직원": [st.Page("app_pages/login.py", title="로그인", icon=":material/login:", default=True)],
    }
else:
    if user.role in FIELD:
        pages["주무관"] = [
            st.Page("app_pages/officer.py", title="내 구역", icon=":material/directions_walk:", default=True),
            st.Page("app_pages/intake.py", title="보고 접수", icon=":material/add_a_photo:", url_path="intake"),
            st.Page("app_pages/inbox.py", title="보고함", icon=":material/inbox:", url_path="inbox"),
            st.Page("app_pages/walk.py", title="주간 순회", icon=":material/route:", url_path="walk"),
        ]
    if user.role in LEADERS:  # 구 담당: the counts only
        pages["팀장"] = [
            st.Page("app_pages/dashboard.py", title="현황", icon=":material/bar_chart:", url_path="dashboard")
        ]
        if user.role not in REGION_ROLES:
            pages["팀장"] += [
                st.Page("app_pages/month.py", title="월간 취합", icon=":material/event_note:", url_path="month"),
                st.Page("app_pages/missions_ui.py", title="이달의 미션", icon=":material/flag:", url_path="missions"),
                st.Page("app_pages/zones.py", title="구역 편집", icon=":material/edit_location_alt:", url_path="zones"),
            ]
    if user.role in REGION_ROLES:  # the gu's and the city's month: counts of many dongs
        title = "구 현황" if user.role == "gu" else "시 현황"
        pages.setdefault("팀장", []).insert(
            0, st.Page("app_pages/region.py", title=title, icon=":material/account_tree:", url_path="region")
        )
    if user.role in FIELD | REGION_ROLES:  # every logged-in staff member reads the cases the gus selected
        pages["실천사례"] = [
            st.Page("app_pages/cases.py", title="실천사례 모음", icon=":material/menu_book:", url_path="cases")
        ]
    pages["주민"] = [PUBLIC]
    review = st.Page("app_pages/access_log.py", title="접근 기록", icon=":material/policy:", url_path="access-log")
    if user.admin:  # sample browsing is read-only: no accounts, no loads
        pages["관리"] = [
            st.Page("app_pages/data.py", title="데이터", icon=":material/folder_open:", url_path="data"),
            st.Page("app_pages/accounts.py", title="계정", icon=":material/manage_accounts:", url_path="accounts"),
            review,
        ]
    elif user.role in HEADS | {SAMPLE}:  # sample browsing reads the sample dongs' log, records no review
        pages["관리"] = [review]
STAFF_PATHS = (
    "intake",
    "inbox",
    "walk",
    "dashboard",
    "region",
    "month",
    "missions",
    "zones",
    "data",
    "accounts",
    "access-log",
)


def _not_for_you() -> None:
    """An address of a page this person does not have: said in Korean, instead of Streamlit's English 'not found'."""
    if st.session_state.pop("logged_out", False):  # logged out on a staff page: back to the first page
        st.switch_page(pages["직원"][0] if "직원" in pages else PUBLIC)
    st.title("볼 수 없는 화면")
    if current_user() is None:
        st.warning("이 화면은 로그인한 직원만 봅니다. 주민은 '공개 지도'를 보세요.")
    else:
        st.warning("이 계정의 권한으로는 이 화면을 볼 수 없습니다. 왼쪽 메뉴의 화면을 쓰세요.")


have = {p.url_path for group in pages.values() for p in group}
pages.setdefault("주민", [PUBLIC])
pages["주민"] += [  # hidden from the menu; the store refuses these people anyway
    st.Page(_not_for_you, title="볼 수 없는 화면", url_path=path, visibility="hidden")
    for path in STAFF_PATHS
    if path not in have
]
page = st.navigation(pages)
if page.url_path not in STAFF_PATHS:
    st.session_state.pop("logged_out", None)  # only a logout on a staff page's address needs it
st.sidebar.title("우동주 지도")
st.sidebar.caption("우리동네주무관 활동 지도")
if user is not None:
    st.sidebar.caption(f"로그인: **{md(user.name)}** ({md(user.role_label)})")
    if st.sidebar.button("로그아웃", key="logout"):
        from app_pages.common import sso_configured

        # Signed in through SSO: Streamlit's identity cookie must go too, or sign_in_from_sso signs the person
        # straight back in. (st.user.is_logged_in exists only while [auth] is configured: read with get.)
        through_sso = sso_configured() and bool(st.user.get("is_logged_in"))
        st.session_state.clear()
        if through_sso:
            st.logout()  # forgets st.user and its cookie; the browser goes to /auth/logout, then to the login page
            st.stop()  # not st.rerun(): a rerun would drop the redirect st.logout() queued for the browser
        st.session_state["logged_out"] = True
        st.rerun()  # without SSO: straight to the login page
dong_picker(store)
page.run()
