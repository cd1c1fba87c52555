"""접근 기록 — the monthly review of who saw, changed, printed or downloaded personal data (기준 제8조).

A 행정팀장 or 동장 reviews their dong's entries, a scoped administrator their scope, an unscoped one every
entry (the store decides: ``Store.access_log(user=…)``).  Recording the review anchors the log's head outside
the database; the anchor is shown here and printed in the CSV: keep it with the review.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import act, current_user, get_store, md, show_kept
from mapping import clock
from mapping.errors import MappingError
from mapping.store.audit import Anchor
from mapping.text import safe_cell

MIN_REASON = 5
BOX = "access_log"  # where a conflict's message would be kept across the rerun (app_pages.common.act)

store = get_store()
st.title("접근 기록")
user = current_user()
if user is None:
    st.error("행정팀장·동장·관리자만 접근 기록을 검토합니다.")
    st.stop()
me = user
show_kept(BOX)
try:
    log = store.access_log(user=me)
except (MappingError, PermissionError) as err:
    st.error(md(err))
    st.stop()
if me.role == "sample":
    st.caption("샘플 동의 기록만 보입니다 (샘플 둘러보기는 검토를 기록하지 않습니다).")
elif me.dong_code or me.gu_code:
    st.caption(f"{md(f'동 {me.dong_code}' if me.dong_code else f'구 {me.gu_code}')}의 기록만 보입니다.")
else:
    st.caption("모든 기록이 보입니다.")
check = store.verify_access_log()
if check.intact:
    st.success(" ".join(check.lines()))
else:
    st.error(
        "\n\n".join(md(line.strip()) for line in check.lines())
        + "\n\n누군가 기록을 고치거나 지웠을 수 있습니다: 즉시 보고하세요."
    )
log["at"] = pd.to_datetime(log["at"])
today = clock.today()
months = sorted({f"{d:%Y-%m}" for d in log["at"]} | {f"{today:%Y-%m}"}, reverse=True)
month = st.selectbox("검토할 달", months, index=min(1, len(months) - 1), key="log_month")
shown = log[log["at"].dt.strftime("%Y-%m") == month]
c1, c2 = st.columns(2)
actions = c1.multiselect(
    "행위", sorted(shown["action"].unique()), key="log_actions", placeholder="전체", select_all=False
)
accounts = c2.multiselect(
    "계정", sorted(shown["account"].unique()), key="log_accounts", placeholder="전체", select_all=False
)
if actions:
    shown = shown[shown["action"].isin(actions)]
if accounts:
    shown = shown[shown["account"].isin(accounts)]
st.subheader(f"{month}: {len(shown)}건")
st.dataframe(
    shown.pivot_table(index="account", columns="action", values="id", aggfunc="count", fill_value=0),
    width="stretch",
)
columns = {"id": "번호", "at": "일시", "account": "계정", "client": "접속 주소", "action": "행위", "subject": "대상",
           "detail": "내용", "dong_code": "동"}  # fmt: skip
st.dataframe(shown[list(columns)].rename(columns=columns), hide_index=True, width="stretch")
reason = st.text_input(
    "내려받는 까닭 (기록에 남습니다)", key="log_reason", placeholder="예: 11월 정기 점검 보고서 첨부"
)
if len(reason.strip()) >= MIN_REASON:

    def _prepare() -> None:
        """Log the download with its reason, then keep the CSV (ending with the anchor) for the button below."""
        anchor = store.record_log_download(month, reason.strip(), user=me)
        cells = shown[list(columns)].rename(columns=columns).map(safe_cell)  # a typed reason never becomes a formula
        text = (
            cells.to_csv(index=False)
            + "\n"
            + pd.DataFrame([[safe_cell(anchor.line())]]).to_csv(index=False, header=False)
        )
        st.session_state["log_csv"] = text.encode("utf-8-sig")

    if st.button("이 달 기록 CSV 준비", key="log_prepare"):
        act(BOX, None, _prepare)  # no rerun: the download button below offers it in this run
    if "log_csv" in st.session_state:
        st.download_button(
            "CSV 내려받기", st.session_state["log_csv"], file_name=f"접근기록_{month}.csv", key="log_download"
        )
else:
    st.caption(f"내려받으려면 까닭을 {MIN_REASON}자 이상 적으세요.")
reviewed: list[Anchor] = []
if st.button(f"{month} 검토 완료", key="log_reviewed") and act(
    BOX, None, lambda: reviewed.append(store.record_log_review(month, user=me))
):  # no rerun: the anchor is shown in this run
    st.success(f"{md(month)} 검토를 기록했습니다. 아래 앵커를 검토 기록(회의록·출력물)에 남기세요.")
    st.code(reviewed[0].line(), language=None)
