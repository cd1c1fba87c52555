"""공개 지도 — what residents may see: zones, officers' office contacts, public resources."""

from __future__ import annotations

import streamlit as st

from app_pages.common import get_store, require_dong, show_map
from mapping.layers import build_dong_layer, build_map, build_resources_layer, build_zones_layer, legend_html

store = get_store()
code = require_dong()
st.title("공개 지도")
st.caption(
    "주민에게 공개되는 지도입니다: 구역과 담당 주무관(사무실 전화), 공개에 동의한 복지자원만 보입니다. 세대·돌봄이웃·보고 내용은 나오지 않습니다."
)
dong, zones = store.dong(code), store.zones(code)
resources = store.resources(code, public_only=True)
m = build_map(
    [build_dong_layer(dong), build_zones_layer(zones), build_resources_layer(resources)],
    bounds=dong,
    legend=legend_html(list(resources["type"])),
    sample=bool(st.session_state.get("dong_sample")),
)
show_map(m, key="public_map")
st.dataframe(
    zones[["zone_id", "officer", "team", "phone"]]
    .assign(tongs=[", ".join(f"{t}통" for t in ts) for ts in zones["tongs"]])
    .rename(
        columns={"zone_id": "구역", "officer": "담당 주무관", "team": "팀", "phone": "사무실 전화", "tongs": "담당통"}
    ),
    hide_index=True,
    width="stretch",
)
