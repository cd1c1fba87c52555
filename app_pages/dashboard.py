"""현황 — the team leader's page: reports per zone and field, zone balance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import get_store, require_dong
from mapping.domain import FIELDS, OPEN_STATUSES
from mapping.zones import BALANCE_FACTOR, BALANCE_MEASURES, zone_balance

store = get_store()
code = require_dong()
st.title("현황")
zones, reports = store.zones(code), store.reports(code)
months = sorted(reports["created_at"].dt.strftime("%Y-%m").unique(), reverse=True) if len(reports) else []
month = st.selectbox("월", ["전체", *months])
shown = reports if month == "전체" else reports[reports["created_at"].dt.strftime("%Y-%m") == month]
pending = int((~shown["reported"].astype(bool)).sum())
shown = shown[shown["reported"].astype(bool)]  # the month counts only reports whose 활동보고서 was submitted
st.caption(f"활동보고서로 제출된 보고만 셉니다 (아직 제출 전 {pending}건 제외).")

table = pd.crosstab(shown["zone_id"], shown["field"]).reindex(
    index=zones["zone_id"], columns=list(FIELDS.keys), fill_value=0
)
table.columns = list(FIELDS.labels)
table.insert(0, "계", table.sum(axis=1))
table.insert(0, "담당", list(zones["officer"]))
table.insert(1, "팀", list(zones["team"]))
table["처리중"] = (
    shown[shown["status"].isin(OPEN_STATUSES)]
    .groupby("zone_id")
    .size()
    .reindex(zones["zone_id"], fill_value=0)
    .to_numpy()
)
table["통"] = [", ".join(map(str, t)) for t in zones["tongs"]]
st.subheader("구역별 보고 건수")
st.dataframe(table.reset_index(names="구역"), hide_index=True, width="stretch")
c1, c2, c3 = st.columns(3)
c1.metric("보고", len(shown))
c2.metric("처리 중", int(shown["status"].isin(OPEN_STATUSES).sum()))
c3.metric("구역", len(zones))

st.subheader("구역 균형")
balance = zone_balance(
    zones, resources=store.resources(code), reports=reports, households=store.household_zones(code)
).reset_index()
flagged = balance[balance["flags"].str.len() > 0]
if len(flagged):
    st.warning(
        f"중앙값의 {BALANCE_FACTOR:g}배를 넘는 구역: "
        + "; ".join(f"{r.zone_id} {r.officer} ({', '.join(r.flags)})" for r in flagged.itertuples())
    )
st.dataframe(
    balance.assign(flags=[", ".join(f) for f in balance["flags"]]).rename(
        columns={"zone_id": "구역", "officer": "담당", **BALANCE_MEASURES, "flags": "불균형"}
    ),
    hide_index=True,
    width="stretch",
)
