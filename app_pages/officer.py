"""내 구역 — the officer's page: the dong map with zones, tongs and resources."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import acting_user, get_store, pick_officer, require_dong, show_map, thumb_uris
from mapping.domain import FIELDS, HOUSEHOLD_KINDS, OPEN_STATUSES
from mapping.layers import (
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

store = get_store()
code = require_dong()
st.title("내 구역")
zones, staff = store.zones(code), store.staff(code)
officers = list(zones["officer"])
me = pick_officer(officers)
zone = zones[zones["officer"] == me].iloc[0]

left, right = st.columns([3, 1])
user = acting_user(me)
households = store.households(code, user=user)  # personal data: this read is logged under the officer
reports = store.reports(code)
reports = reports.assign(thumb_uri=reports["id"].map(thumb_uris(store, code)))
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
            build_households_layer(households[households["zone_id"] == zone["zone_id"]], user=user, show=False),
        ],
        bounds=dong,
        legend=legend_html(list(resources["type"]), sample=sample),
        sample=sample,
    )
    show_map(m, key="officer_map")
with right:
    st.subheader(f"{zone['zone_id']} 구역")
    st.markdown(
        f"**담당** {me} ({zone['team']})  \n**대직자** {zone['substitute'] or '-'}  \n"
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
