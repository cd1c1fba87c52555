"""공개 지도 — what residents may see: zones, officers' office contacts, public resources."""

from __future__ import annotations

import streamlit as st

from app_pages.common import get_store, require_dong, show_map
from mapping.errors import NotFoundError
from mapping.layers import build_dong_layer, build_map, build_resources_layer, build_zones_layer, legend_html
from mapping.lookup import officer_for

store = get_store()
code = require_dong()
st.title("공개 지도")
st.caption(
    "주민에게 공개되는 지도입니다: 구역과 담당 주무관(사무실 전화), 공개에 동의한 복지자원만 보입니다. "
    "세대·돌봄이웃·보고 내용은 나오지 않습니다."
)
dong, zones = store.dong(code), store.zones(code)
resources = store.resources(code, public_only=True)
sample = bool(st.session_state.get("dong_sample"))

st.subheader("우리 동네 주무관 찾기")
address = st.text_input("주소", placeholder="예: 마포구 성산동 200-22 또는 도로명주소", key="lookup_address")
m = build_map(
    [build_dong_layer(dong), build_zones_layer(zones), build_resources_layer(resources)],
    bounds=dong,
    legend=legend_html(list(resources["type"]), zones=True, sample=sample),
    sample=sample,
)
clicked = show_map(m, key="public_map", returned_objects=["last_clicked"])
st.caption("주소를 적거나 지도를 누르면 그곳 담당 주무관을 알려 드립니다.")
where = None
if clicked and clicked.get("last_clicked"):
    point = clicked["last_clicked"]
    where = {"lonlat": (point["lng"], point["lat"])}
if address:
    where = {"address": address}
if where:
    try:
        found = officer_for(store, **where)
    except NotFoundError as exc:
        st.warning(str(exc))
    else:
        with st.container(border=True):
            tong = f"{found['tong']}통" + (" (샘플)" if sample else "")
            if found.get("matched_address"):
                st.caption(f"찾은 주소: {found['matched_address']}")
            if found["officer"]:
                st.markdown(
                    f"**{tong} · 구역 {found['zone_id']}**  \n우리동네주무관 **{found['officer']}** ({found['team']})  \n"
                    f"☎ {found['phone'] or '-'}"
                )
            else:
                st.markdown(f"**{tong}**: 담당 주무관이 아직 정해지지 않았습니다. 동주민센터로 문의하세요.")

st.dataframe(
    zones[["zone_id", "officer", "team", "phone"]]
    .assign(tongs=[", ".join(f"{t}통" for t in ts) for ts in zones["tongs"]])
    .rename(
        columns={"zone_id": "구역", "officer": "담당 주무관", "team": "팀", "phone": "사무실 전화", "tongs": "담당통"}
    ),
    hide_index=True,
    width="stretch",
)
