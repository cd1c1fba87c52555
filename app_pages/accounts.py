"""계정 — the administrator's page: one account per person, roles and bindings, lock-out, disabling (every change logged).

An administrator sees and manages only the accounts of their scope (their dong, their gu, or the whole store);
the store checks it again on every write (mapping.store.accounts).
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import act, client_address, current_user, get_store, md, show_kept
from mapping.access import in_admin_scope
from mapping.domain import ACCOUNT_ROLES

BOX = "accounts"  # where a change keeps its message across the rerun (app_pages.common.act)

store = get_store()
st.title("계정")
user = current_user()
if user is None or not user.admin or user.role == "sample":
    st.error("관리자만 계정을 관리합니다 (샘플 둘러보기는 읽기 전용입니다).")
    st.stop()
me = user.at(client_address())
show_kept(BOX)
scope = f"동 {me.dong_code}" if me.dong_code else (f"구 {me.gu_code}" if me.gu_code else "저장소 전체")
st.caption(
    f"관리 범위: **{md(scope)}**. 한 사람에 한 계정. 권한을 주거나 바꾸거나 거두면 모두 접근 기록에 남고 3년 이상 "
    "보관됩니다. 자기 계정의 권한·관리자·소속은 다른 관리자나 명령줄이 바꿉니다."
)
accounts = store.accounts(user=me)
shown = accounts.assign(role=accounts["role"].map(lambda r: ACCOUNT_ROLES.label(r) if isinstance(r, str) else "-"))
st.dataframe(
    shown.rename(
        columns={"account": "계정", "name": "이름", "role": "권한", "admin": "관리자", "staff_name": "직원", "dong_code": "동",
                 "gu_code": "구", "email": "통합로그인 이메일", "failed": "실패", "locked": "잠김", "locked_until": "잠금 끝",
                 "disabled": "중지", "last_login": "최근 로그인"}
    ).drop(columns=["created_at"]),
    hide_index=True,
    width="stretch",
)  # fmt: skip

roles: list[str | None] = [None, *ACCOUNT_ROLES.keys]
role_labels: dict[str | None, str] = {None: "(권한 없음)", **dict(ACCOUNT_ROLES.items)}
label = role_labels.__getitem__
dongs = [str(c) for c in store.dongs()["dong_code"] if in_admin_scope(me, str(c))]
known_gus = store.known_gus()
gus = [g for g in sorted(known_gus) if in_admin_scope(me, g)]
gu_names: dict[str | None, str] = {None: "(없음)", **{g: f"{g} {known_gus[g]}".strip() for g in gus}}


def gu_label(gu: str | None) -> str:
    """A gu as offered: its code and name; one outside this administrator's scope by its code."""
    return gu_names.get(gu) or str(gu)


with st.expander("새 계정", expanded=accounts.empty), st.form("new_account"):
    c1, c2 = st.columns(2)
    account = c1.text_input("계정 (영문 소문자·숫자)", key="new_account_id")
    name = c2.text_input("이름", key="new_account_name")
    role = c1.selectbox("권한", roles, format_func=label, key="new_account_role")
    dong_choices: list[str | None] = [None, *dongs]
    dong = c2.selectbox("동 (직원 권한)", dong_choices, key="new_account_dong")
    staff = c1.text_input("직원 명단의 성명 (직원 권한)", key="new_account_staff")
    gu_choices: list[str | None] = [None, *gus]
    gu = c2.selectbox("구 (구 담당, 구의 관리자)", gu_choices, format_func=gu_label, key="new_account_gu")
    email = c1.text_input("통합로그인 이메일 (선택)", key="new_account_email")
    password = c2.text_input("처음 비밀번호 (10자 이상, 두 종류 이상)", type="password", key="new_account_password")
    admin = c1.checkbox("관리자 (계정·자료 관리)", key="new_account_admin")
    if st.form_submit_button("만들기"):
        act(
            BOX,
            f"계정 {md(account)}을(를) 만들었습니다.",
            lambda: store.create_account(
                account.strip(), name=name, password=password or None, role=role, user=me, staff_name=staff.strip() or None,
                dong_code=dong, gu_code=gu, admin=admin, email=email or None,
            ),
        )  # fmt: skip

if len(accounts):
    st.subheader("계정 바꾸기")
    target = st.selectbox("계정", list(accounts["account"]), key="edit_account")
    row = accounts.set_index("account").loc[target]
    changes: dict = {}
    c1, c2, c3 = st.columns(3)
    if target == me.account:
        c1.caption("자기 계정입니다: 권한·관리자·동·구·직원 연결은 다른 관리자나 명령줄이 바꿉니다.")
    else:
        current = {
            k: (row[k] if isinstance(row[k], str) else None) for k in ("role", "dong_code", "gu_code", "staff_name")
        }
        new_role = c1.selectbox("권한", roles, index=roles.index(current["role"]), format_func=label, key="edit_role")
        dong_options: list[str | None] = [
            None,
            *dict.fromkeys([*dongs, *([current["dong_code"]] if current["dong_code"] else [])]),
        ]
        new_dong = c1.selectbox("동", dong_options, index=dong_options.index(current["dong_code"]), key="edit_dong")
        gu_options: list[str | None] = [
            None,
            *dict.fromkeys([*gus, *([current["gu_code"]] if current["gu_code"] else [])]),
        ]
        new_gu = c1.selectbox(
            "구", gu_options, index=gu_options.index(current["gu_code"]), format_func=gu_label, key="edit_gu"
        )
        new_staff = c1.text_input("직원 명단의 성명", value=current["staff_name"] or "", key="edit_staff")
        c1.caption("직원 권한은 동과 그 동 직원 명단의 성명에, 구 담당은 구에 묶입니다.")
        if c1.button("권한·소속 바꾸기", key="change_role"):
            wanted = {
                "role": new_role,
                "dong_code": new_dong,
                "gu_code": new_gu,
                "staff_name": new_staff.strip() or None,
            }
            changes = {k: v for k, v in wanted.items() if v != current[k]}
        if c2.button("관리자 해제" if bool(row["admin"]) else "관리자로", key="toggle_admin"):
            changes = {"admin": not bool(row["admin"])}
    if bool(row["locked"]) and c2.button("잠금 풀기", key="unlock"):
        changes = {"locked": False}
    if target != me.account and c2.button("사용 중지" if not row["disabled"] else "다시 사용", key="toggle_disabled"):
        changes = {"disabled": not bool(row["disabled"])}
    new_password = c3.text_input("새 비밀번호", type="password", key="reset_password")
    if c3.button("비밀번호 바꾸기", key="change_password") and new_password:
        changes = {"password": new_password}
    if changes:
        act(
            BOX,
            f"{md(target)}: 바꿨습니다 (접근 기록에 남음).",
            lambda: store.update_account(target, user=me, **changes),
        )
