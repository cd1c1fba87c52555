"""로그인 — password login, single sign-on (OIDC via st.login) when configured, and sample mode on sample data."""

from __future__ import annotations

import streamlit as st

from app_pages.common import client_address, get_store, md, sso_configured
from mapping.access import sample_browsing_allowed, sample_user
from mapping.errors import AuthError, StoreError

store = get_store()
st.title("로그인")
if notice := st.session_state.pop("login_notice", None):
    st.warning(md(notice))
st.caption(
    "직원만 로그인합니다. 주민은 로그인 없이 '공개 지도'를 봅니다. 비밀번호를 5번 틀리면 잠시 로그인할 수 없습니다."
)
with st.form("login_form"):
    account = st.text_input("계정", key="login_account")
    password = st.text_input("비밀번호", type="password", key="login_password")
    if st.form_submit_button("로그인"):
        try:
            st.session_state["user"] = store.authenticate(account.strip(), password, client=client_address())
        except (AuthError, StoreError) as err:  # one message for every refusal (mapping.store.accounts)
            st.error(md(err))
        else:
            st.rerun()
if sso_configured():  # single sign-on configured in .streamlit/secrets.toml ([auth])
    st.button("통합 로그인 (SSO)", on_click=st.login, key="sso_login")
dongs = store.dongs()
if sample_browsing_allowed(dongs):  # only while every dong is a sample dong: its people are invented
    st.divider()
    st.caption(
        "저장소에 샘플 동만 있습니다: 가상의 직원·주민 자료라 로그인 없이 둘러볼 수 있습니다. "
        "둘러보기는 읽기 전용입니다 (보고 저장·계정·설정·자료 불러오기는 하지 않습니다)."
    )
    if st.button("샘플 사용자로 둘러보기", key="sample_login"):
        first = str(dongs["dong_code"].iloc[0])
        st.session_state["user"] = sample_user(first, str(store.staff(first)["name"].iloc[0]))
        st.rerun()
