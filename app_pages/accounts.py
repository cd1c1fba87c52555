"""계정 — the administrator's page: one account per person, roles, lock-out, disabling (every change logged)."""

from __future__ import annotations

import streamlit as st

from app_pages.common import current_user, get_store, md
from mapping.access import ACCOUNT_ROLES
from mapping.errors import MappingError

store = get_store()
st.title("계정")
user = current_user()
if user is None or not user.admin:
    st.error("관리자만 계정을 관리합니다.")
    st.stop()
me = user
if done := st.session_state.pop("accounts_done", None):
    st.success(md(done))
st.caption("한 사람에 한 계정. 권한을 주거나 바꾸거나 거두면 모두 접근 기록에 남고 3년 이상 보관됩니다.")
accounts = store.accounts()
shown = accounts.assign(
    role=accounts["role"].map(lambda r: ACCOUNT_ROLES.label(r) if isinstance(r, str) else "-"),
)
st.dataframe(
    shown.rename(
        columns={"account": "계정", "name": "이름", "role": "권한", "admin": "관리자", "staff_name": "직원", "dong_code": "동",
                 "email": "통합로그인 이메일", "failed": "실패", "locked": "잠김", "disabled": "중지", "last_login": "최근 로그인"}
    ).drop(columns=["created_at"]),
    hide_index=True,
    width="stretch",
)  # fmt: skip

roles = [None, *ACCOUNT_ROLES.keys]
label = {None: "(권한 없음)", **dict(ACCOUNT_ROLES.items)}.get
dongs = list(store.dongs()["dong_code"])
with st.expander("새 계정", expanded=accounts.empty), st.form("new_account"):
    c1, c2 = st.columns(2)
    account = c1.text_input("계정 (영문 소문자·숫자)", key="new_account_id")
    name = c2.text_input("이름", key="new_account_name")
    role = c1.selectbox("권한", roles, format_func=label, key="new_account_role")
    dong = c2.selectbox("동", [None, *dongs], key="new_account_dong")
    staff = c1.text_input("직원 명단의 성명 (주무관·팀장)", key="new_account_staff")
    email = c2.text_input("통합로그인 이메일 (선택)", key="new_account_email")
    password = c1.text_input("처음 비밀번호 (10자 이상, 두 종류 이상)", type="password", key="new_account_password")
    admin = c2.checkbox("관리자 (계정·자료 관리)", key="new_account_admin")
    if st.form_submit_button("만들기"):
        try:
            store.create_account(
                account.strip(), name=name, password=password or None, role=role, by=me,
                staff_name=staff.strip() or None, dong_code=dong, admin=admin, email=email or None,
            )  # fmt: skip
            st.session_state["accounts_done"] = f"계정 {account}을(를) 만들었습니다."
            st.rerun()
        except (MappingError, PermissionError) as err:
            st.error(md(err))

if len(accounts):
    st.subheader("계정 바꾸기")
    target = st.selectbox("계정", list(accounts["account"]), key="edit_account")
    row = accounts.set_index("account").loc[target]
    c1, c2, c3 = st.columns(3)
    new_role = c1.selectbox("권한", roles, index=roles.index(row["role"] if isinstance(row["role"], str) else None),
                            format_func=label, key="edit_role")  # fmt: skip
    changes = {}
    if c1.button("권한 바꾸기", key="change_role"):
        changes = {"role": new_role}
    if bool(row["locked"]) and c2.button("잠금 풀기", key="unlock"):
        changes = {"locked": False}
    if c2.button("사용 중지" if not row["disabled"] else "다시 사용", key="toggle_disabled"):
        changes = {"disabled": not bool(row["disabled"])}
    new_password = c3.text_input("새 비밀번호", type="password", key="reset_password")
    if c3.button("비밀번호 바꾸기", key="change_password") and new_password:
        changes = {"password": new_password}
    if changes:
        try:
            store.update_account(target, by=me, **changes)
            st.session_state["accounts_done"] = f"{target}: 바꿨습니다 (접근 기록에 남음)."
            st.rerun()
        except (MappingError, PermissionError) as err:
            st.error(md(err))
