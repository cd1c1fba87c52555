"""구역 편집 — the team leader's zone editor: tongs per officer, substitutes, hand-over, zone profile sheets."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app_pages.common import act, file_bytes, get_store, md, require_dong, require_user, show_kept, show_map
from app_pages.zones_layout import EDITABLE, EDITOR_WIDTHS
from mapping.access import may_act
from mapping.domain import LEADER_ROLES, ROLES
from mapping.errors import Problem, ValidationError
from mapping.kit.tables import FIRST_DATA_ROW, parse_tong_list
from mapping.layers import build_dong_layer, build_map, build_tongs_layer, build_zones_layer, legend_html
from mapping.zone_profile.facts import MARK, handover_message
from mapping.zone_profile.files import write_zone_profiles
from mapping.zones import zones_from_tongs

BOX, HANDOVER_BOX = "zones", "handover"  # where a save and a hand-over keep their message across the rerun


def _profile_button(where: DeltaGenerator, label: str, zone_ids: list[str] | None, suffix: str, *, key: str) -> None:
    """A download of the zone profile sheet, made (and logged as 출력/다운로드) only when clicked."""
    name = "_".join(zone_ids) if zone_ids else "전체"
    where.download_button(
        label,
        file_bytes(lambda p: write_zone_profiles(store, code, p, user=user, zone_ids=zone_ids), suffix),
        file_name=f"구역현황_{name}{suffix}",
        mime="application/pdf"
        if suffix == ".pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=key,
    )


store = get_store()
code = require_dong()
user = require_user()
editor = may_act(
    user, code, roles=LEADER_ROLES
)  # saves and hand-overs: the dong's team leaders and 동장 (the store checks again)
st.title("구역 편집")
st.caption(
    "담당통과 대직자를 고치면 바로 검사하고 지도에 미리 보여 줍니다. 문제가 없을 때만 저장할 수 있고, 저장은 한 번에 이루어집니다."
)
if not editor:
    st.info("고친 결과를 미리 볼 수 있습니다. 저장과 구역 인계는 이 동의 팀장·행정팀장·동장이 로그인해서 합니다.")
staff, tongs, dong = store.staff(code), store.tongs(code), store.dong(code)
table = pd.DataFrame(
    {
        "성명": staff["name"],
        "팀명": staff["team"],
        "역할": staff["role"].map(ROLES.label),
        "담당통": [", ".join(map(str, t or [])) for t in staff["tongs"]],
        "대직자": staff["substitute"].fillna(""),
    }
)

edited = st.data_editor(
    table,
    key="zone_editor",
    disabled=[c for c in EDITOR_WIDTHS if c not in EDITABLE],
    hide_index=True,
    column_order=list(EDITOR_WIDTHS),  # the editable columns first: on a phone they fit without scrolling
    column_config={
        name: st.column_config.TextColumn(name, width=w, pinned=name == "성명") for name, w in EDITOR_WIDTHS.items()
    },
)

candidate, problems = staff.copy(), []
candidate["tongs"] = candidate["tongs"].astype(object)
for i, (text, sub) in enumerate(zip(edited["담당통"], edited["대직자"], strict=True)):
    try:
        candidate.at[i, "tongs"] = parse_tong_list(str(text or ""))
    except ValueError as exc:
        problems.append(Problem("구역 편집", i + FIRST_DATA_ROW, "담당통", str(exc)))
    candidate.at[i, "substitute"] = str(sub).strip() or None
candidate["_row"] = range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(candidate))
zones: gpd.GeoDataFrame | None = None
if not problems:
    try:
        zones = zones_from_tongs(tongs, candidate, dong=dong)
    except ValidationError as exc:
        problems = exc.problems
errors = [p for p in problems if p.severity == "error"]
show_kept(BOX)
if errors or zones is None:
    lines = "\n".join(  # what was typed comes back in the messages: Markdown-escaped
        "- " + md(f"{p.row}행 [{p.column}] {p.message}" if p.row else f"[{p.column}] {p.message}") for p in errors
    )
    st.error(f"저장할 수 없습니다: 문제 {len(errors)}건을 고치세요.\n\n{lines}")
else:
    for p in zones.attrs["warnings"]:
        st.warning(md(p.message))
    sample = bool(st.session_state.get("dong_sample"))
    layers = [build_dong_layer(dong), build_zones_layer(zones), build_tongs_layer(tongs, sample=sample)]
    show_map(
        build_map(layers, bounds=dong, legend=legend_html([], sample=sample), sample=sample),
        key="zone_preview",
        height=480,
    )
    if st.button("저장", type="primary", key="save_zones", disabled=not editor):
        act(
            BOX,
            lambda stored: f"저장했습니다: 구역 {len(stored)}개.",
            lambda: store.save_assignments(code, candidate.drop(columns="_row"), user=user),
        )

st.subheader("구역 인계 (전보·휴직)")
current = store.zones(code)
free = [n for n, t in zip(staff["name"], staff["tongs"], strict=True) if not t]
col1, col2, col3 = st.columns([1, 1, 1])
officers = dict(zip(current["zone_id"], current["officer"], strict=True))
# keyed: a hand-over changes the options' labels, and an unkeyed select would then fall back to its first option
zone_id = col1.selectbox("구역", list(officers), format_func=lambda z: f"{z} · {officers[z]}", key="handover_zone")
successor = col2.selectbox("후임자 (구역 없는 직원)", free or ["-"], key="handover_successor")


def _hand_over() -> dict:
    """Hand the zone over; keep what was handed for the profile button below (the rerun redraws who is free)."""
    handed = store.reassign(code, zone_id, successor, user=user) | {"dong_code": code}
    st.session_state["handed_over"] = handed
    return handed


if col3.button("인계", disabled=not (free and editor), key="reassign"):
    act(HANDOVER_BOX, lambda handed: md(handover_message(handed)), _hand_over)
show_kept(HANDOVER_BOX)
reach = sorted(store.personal_zones(code, user=user))  # the profiles hold contacts: only zones this user may see
done = st.session_state.get("handed_over")
if done and done["dong_code"] == code:
    if done["zone_id"] in reach:
        _profile_button(
            st.container(),
            f"후임자 {md(done['successor'])}에게 줄 {md(done['zone_id'])} 구역 현황 PDF",
            [done["zone_id"]],
            ".pdf",
            key="handover_profile",
        )
    else:
        st.caption(
            f"{md(done['zone_id'])} 구역 현황은 이 계정이 볼 수 없는 구역이라 여기서 만들지 않습니다: "
            f"후임자 {md(done['successor'])}의 '내 구역' 화면이나 그 팀의 팀장이 만듭니다."
        )

st.subheader("구역 현황 (인계·신임 주무관용)")
st.caption(
    f"구역마다 A4 한 쪽: 통, 주요 시설, 연락처, 돌봄이웃 수, 취약지점, 평소 순회 경로. {MARK}: "
    "내려받기는 접근 기록에 남고, 돌봄이웃은 세대 수만 들어갑니다."
)
if reach:
    p1, p2, p3, p4 = st.columns([1, 1, 1, 1])
    chosen = p1.selectbox("현황 구역", reach, key="profile_zone")
    _profile_button(p2, f"{md(chosen)} PDF", [chosen], ".pdf", key="profile_pdf")
    _profile_button(p3, f"{md(chosen)} XLSX", [chosen], ".xlsx", key="profile_xlsx")
    _profile_button(p4, f"볼 수 있는 구역 전체 PDF ({len(reach)}쪽)", reach, ".pdf", key="profile_all")
else:
    st.info("이 계정은 이 동의 연락처를 볼 수 없어 구역 현황을 만들 수 없습니다.")
with st.expander("통 담당 이력"):
    st.dataframe(
        store.ownership(code).rename(columns={"tong": "통", "officer": "담당", "since": "부터", "until": "까지"}),
        hide_index=True,
    )
