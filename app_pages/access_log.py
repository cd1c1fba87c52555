"""접근 기록 — the monthly review of who saw, changed, printed or downloaded personal data (기준 제8조)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages.common import current_user, get_store, md
from mapping.exports import safe_cell

REVIEWERS = {"admin_team_leader", "dong_head"}
MIN_REASON = 5

store = get_store()
st.title("접근 기록")
user = current_user()
if user is None or not (user.admin or user.role in REVIEWERS):
    st.error("행정팀장·동장·관리자만 접근 기록을 검토합니다.")
    st.stop()
me = user
broken = store.verify_access_log()
if broken is None:
    st.success("해시 사슬이 온전합니다: 고치거나 지우거나 끼워 넣은 기록이 없습니다.")
else:
    st.error(f"{broken}번 기록부터 사슬이 끊겼습니다: 누군가 기록을 고치거나 지웠습니다. 즉시 보고하세요.")
log = store.access_log()
log["at"] = pd.to_datetime(log["at"])
today = dt.date.today()
months = sorted({f"{d:%Y-%m}" for d in log["at"]} | {f"{today:%Y-%m}"}, reverse=True)
month = st.selectbox("검토할 달", months, index=min(1, len(months) - 1), key="log_month")
shown = log[log["at"].dt.strftime("%Y-%m") == month]
c1, c2 = st.columns(2)
actions = c1.multiselect("행위", sorted(shown["action"].unique()), key="log_actions")
accounts = c2.multiselect("계정", sorted(shown["account"].unique()), key="log_accounts")
if actions:
    shown = shown[shown["action"].isin(actions)]
if accounts:
    shown = shown[shown["account"].isin(accounts)]
st.subheader(f"{month}: {len(shown)}건")
st.dataframe(
    shown.pivot_table(index="account", columns="action", values="id", aggfunc="count", fill_value=0),
    width="stretch",
)
st.dataframe(
    shown[["id", "at", "account", "client", "action", "subject", "detail"]].rename(
        columns={"id": "번호", "at": "일시", "account": "계정", "client": "접속 주소", "action": "행위", "subject": "대상", "detail": "내용"}
    ),
    hide_index=True,
    width="stretch",
)  # fmt: skip
reason = st.text_input(
    "내려받는 까닭 (기록에 남습니다)", key="log_reason", placeholder="예: 11월 정기 점검 보고서 첨부"
)
if len(reason.strip()) >= MIN_REASON:
    if st.button("이 달 기록 CSV 준비", key="log_prepare"):
        store.log_event(me, "다운로드", f"access_log:{month}", f"reason={reason.strip()}")
        cells = shown.map(safe_cell)  # a typed reason or name never becomes a spreadsheet formula
        st.session_state["log_csv"] = cells.to_csv(index=False).encode("utf-8-sig")
    if "log_csv" in st.session_state:
        st.download_button(
            "CSV 내려받기", st.session_state["log_csv"], file_name=f"접근기록_{month}.csv", key="log_download"
        )
else:
    st.caption(f"내려받으려면 까닭을 {MIN_REASON}자 이상 적으세요.")
if st.button(f"{month} 검토 완료", key="log_reviewed"):
    with store.writer.begin() as conn:
        store._log(
            conn, me, "검토", f"access_log:{month}", f"entries={len(log[log['at'].dt.strftime('%Y-%m') == month])}"
        )
    st.success(f"{md(month)} 검토를 기록했습니다.")
