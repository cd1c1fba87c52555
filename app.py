"""우동주 지도 — the Streamlit app: router and the frame shared by all pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app_pages.common import dong_picker, get_store

st.set_page_config(
    page_title="우동주 지도", page_icon=str(Path(__file__).parent / "static" / "favicon.png"), layout="wide"
)

pages = {
    "주무관": [
        st.Page("app_pages/officer.py", title="내 구역", icon=":material/directions_walk:", default=True),
        st.Page("app_pages/intake.py", title="보고 접수", icon=":material/add_a_photo:", url_path="intake"),
        st.Page("app_pages/inbox.py", title="보고함", icon=":material/inbox:", url_path="inbox"),
        st.Page("app_pages/walk.py", title="주간 순회", icon=":material/route:", url_path="walk"),
    ],
    "팀장": [
        st.Page("app_pages/dashboard.py", title="현황", icon=":material/bar_chart:", url_path="dashboard"),
        st.Page("app_pages/month.py", title="월간 취합", icon=":material/event_note:", url_path="month"),
        st.Page("app_pages/zones.py", title="구역 편집", icon=":material/edit_location_alt:", url_path="zones"),
    ],
    "주민": [st.Page("app_pages/public.py", title="공개 지도", icon=":material/public:", url_path="public")],
    "관리": [st.Page("app_pages/data.py", title="데이터", icon=":material/folder_open:", url_path="data")],
}
page = st.navigation(pages)
st.sidebar.title("우동주 지도")
st.sidebar.caption("우리동네주무관 활동 지도")
dong_picker(get_store())
page.run()
