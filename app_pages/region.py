"""구·시 현황 — the gu's and the city's month: every dong (or gu) by field and type, the 5th/7th/10th, a map.

Counts only: the store refuses anyone but the gu's 구 담당, the city and the owner
(:func:`mapping.access.check_region`), and nothing here reads a resident, a contact or a position.
"""

from __future__ import annotations

import base64
from functools import partial

import pandas as pd
import streamlit as st

from app_pages.common import act, current_user, file_bytes, get_store, md, saved, show_kept, show_map
from mapping.access import check_region
from mapping.errors import AccessError, NotFoundError
from mapping.month.best_cases import DETAIL_COLUMNS
from mapping.month.deadlines import DONE, LATE, OVERDUE, due_dates
from mapping.month.region import (
    MEASURES,
    SUBTOTAL,
    build_region_map,
    export_region_xlsx,
    region_month_for,
    state_of,
    zone_counts,
)
from mapping.organisation import gu_label, gu_names

BOX = "region"  # where a case step keeps its message across the rerun (app_pages.common.act)
store = get_store()
user = current_user()
if user is None:
    st.stop()
today = store.clock().date()
city = user.role != "gu"
choices: list[str | None] = [None, *gu_names()] if city else [user.gu_code]
gu = (
    st.selectbox("범위", choices, format_func=lambda g: "서울특별시 전체 (25개 구)" if g is None else gu_label(g))
    if city
    else user.gu_code
)
try:
    check_region(user, gu, doing="월간 현황")
except AccessError as err:
    st.error(md(err))
    st.stop()
this = pd.Period(today, freq="M")
months = [str(this - i) for i in range(0, 13)]
month = st.selectbox(
    "활동 월",
    months,
    index=1,  # last month: its 취합 is due on the 5th of this one
    format_func=lambda m: f"{m[:4]}년 {int(m[5:])}월" + (" (이번 달, 진행 중)" if m == str(this) else ""),
)
region = region_month_for(store, gu, month=month, user=user, today=today)
unit_word = "동" if region.level == "gu" else "구"
st.title(f"{region.name} 현황")
st.caption(
    f"{md(region.month)} 활동 · 기준일 {today:%Y-%m-%d} · 활동보고서로 제출된 보고(중복 제외)를 동의 취합과 같은 규칙으로 셉니다."
    + (" 샘플 동(가상의 직원·보고)이 들어 있습니다." if region.sample else "")
)

units = region.by_field[region.by_field["kind"] == "unit"]
previous = int(region.previous[SUBTOTAL].iloc[-1])
if region.level == "gu":
    progress = region.progress[region.progress["자료"] != "미등록"]
    loaded, total_units = len(progress), len(region.progress)
    on_time = int((progress["취합"] == DONE).sum())
    cases = int(progress["사례 구 제출일"].notna().sum()) if len(progress) else 0
else:
    progress = region.progress
    loaded, total_units = int(progress["불러온 동"].sum()), int(progress["동"].sum())
    on_time = int(progress["취합 기한 내"].sum())
    cases = int(progress["사례 구 제출"].sum())
c1, c2, c3, c4 = st.columns(4)
c1.metric("활동 합계", f"{region.total:,}건", delta=f"{region.total - previous:+,} (전월 대비)", delta_color="off")
c2.metric("자료를 불러온 동", f"{loaded} / {total_units}")
c3.metric("취합 기한 내 확정 (5일)", f"{on_time} / {loaded}")
c4.metric("실천사례 구 제출 (7일)", f"{cases}곳")
if region.level == "city":
    sent = progress[progress["시 제출"].isin([DONE, LATE])]
    late = progress[(progress["시 제출"] == OVERDUE) & (progress["불러온 동"] > 0)]
    st.markdown(
        f"**10일까지 시에 사례를 보낸 구** {len(sent[sent['시 제출'] == DONE])}곳"
        + (f" · 늦게 보낸 구 {len(sent) - len(sent[sent['시 제출'] == DONE])}곳" if len(sent) else "")
        + (f" · **기한 지남**: {md(', '.join(late['구']))}" if len(late) else "")
    )

tab_field, tab_activity, tab_steps, tab_map = st.tabs(["분야별", "활동유형별", "기한별 진행", "지도"])
with tab_field:
    shown = region.by_field.drop(columns="kind").assign(전월=region.previous[SUBTOTAL].to_numpy())
    shown["증감"] = shown[SUBTOTAL] - shown["전월"]
    st.dataframe(shown.rename(columns={"이름": unit_word}), hide_index=True, width="stretch")
with tab_activity:
    st.dataframe(
        region.by_activity.drop(columns="kind").rename(columns={"이름": unit_word}), hide_index=True, width="stretch"
    )
with tab_steps:
    st.caption("취합·공유회의는 다음 달 5일, 실천사례 구 제출은 7일, 구가 고른 사례의 시 제출은 10일까지입니다.")
    st.dataframe(region.progress, hide_index=True, width="stretch")
    if len(region.cases):
        st.markdown(f"**{md(region.month)} 실천사례 {len(region.cases)}건**")
        st.dataframe(
            region.cases[["name", "title", "field", "gu_submitted_on", "gu_result", "city_submitted_on"]].rename(
                columns={
                    "name": "동",
                    "title": "사례",
                    "field": "분야",
                    "gu_submitted_on": "구 제출",
                    "gu_result": "구 선정",
                    "city_submitted_on": "시 제출",
                }
            ),
            hide_index=True,
            width="stretch",
        )
with tab_map:
    m1, m2 = st.columns(2)
    measures: list[str] = list(MEASURES)
    measure = str(m1.selectbox("값", measures, format_func=lambda k: MEASURES[k], key="region_measure"))
    by = (
        str(
            m2.radio(
                "단위",
                ["gu", "dong"],
                format_func=lambda b: {"gu": "구", "dong": "동"}[b],
                horizontal=True,
                key="region_by",
            )
        )
        if region.level == "city"
        else "dong"
    )
    clicked = show_map(
        build_region_map(region, by=by, measure=measure),
        key=f"region_map_{by}",
        height=520,
        returned_objects=["last_active_drawing"],
    )
    st.caption(
        "회색은 자료 키트를 불러오지 않은 곳입니다 (0건과 다릅니다). 동을 누르면 아래에 그 동의 구역별 건수가 나옵니다."
    )
    unit = ((clicked or {}).get("last_active_drawing") or {}).get("properties", {}).get("unit")
    if by == "dong" and unit and unit != st.session_state.get("region_clicked"):  # a new click, not the last one again
        st.session_state["region_clicked"] = unit
        if unit in region.by_dong.index and bool(region.by_dong.loc[unit, "loaded"]):
            st.session_state["region_dong"] = unit

st.subheader("동 자세히")
loaded_dongs = region.by_dong[region.by_dong["loaded"]]
if loaded_dongs.empty:
    st.info("자료를 불러온 동이 없습니다. 구의 관리자가 '데이터' 페이지에서 동의 자료 키트를 올립니다.")
else:
    picked = st.selectbox(
        "동",
        list(loaded_dongs.index),
        format_func=lambda c: f"{loaded_dongs.loc[c, 'name']} ({int(loaded_dongs.loc[c, SUBTOTAL])}건)",
        key="region_dong",
    )
    st.caption(
        f"{md(loaded_dongs.loc[picked, 'name'])}의 구역별 {md(region.month)} 활동 "
        "(건수만: 보고 내용과 위치는 그 동 직원만 봅니다)."
    )
    st.dataframe(zone_counts(region, picked, store.zones(picked)), hide_index=True, width="stretch")


def _case_body(case: dict) -> None:
    """The copy the dong shared: story, result, activities, the photos marked shareable."""
    shared = case["shared"] or {}
    st.markdown(f"**팀**: {md(', '.join(shared.get('teams', [])) or '-')} · **기간**: {md(shared.get('period', '-'))}")
    st.markdown("**추진 내용**")
    st.text(shared.get("summary") or "(적지 않음)")
    st.markdown("**추진 결과**")
    st.text(shared.get("result") or "(적지 않음)")
    if shared.get("details"):
        st.dataframe(pd.DataFrame(shared["details"], columns=DETAIL_COLUMNS), hide_index=True, width="stretch")
    images = []
    for photo_id in shared.get("photo_ids", []):
        try:
            images.append(store.case_photo(int(case["id"]), int(photo_id), user=me))
        except NotFoundError:
            continue
    if images:
        st.image(["data:image/jpeg;base64," + base64.b64encode(b).decode() for b in images], width=200)


def _deadline(case: dict, key: str, column: str) -> str:
    due = due_dates(str(case["month"]))[key]
    done = case[column] if pd.notna(case[column]) else None
    return f"{state_of(done, due, today)} (기한 {due.month}. {due.day}.)"


me = user
st.subheader("실천사례 접수함")
show_kept(BOX)
if region.level == "gu":
    inbox = store.gu_case_inbox(region.code, user=me)
    st.caption(
        "동이 제출한 사례입니다 (7일까지). 선정하거나 사유를 적어 미선정하면 동에 그대로 보입니다. 선정한 사례는 10일까지 시에 보냅니다."
    )
else:
    inbox = store.city_case_inbox(user=me)
    if gu:
        inbox = inbox[inbox["gu_code"] == gu]
    st.caption("구가 선정해 보낸 사례입니다 (10일까지). 공유하면 모든 구의 '실천사례 모음'에 '시 공유'로 표시됩니다.")
if inbox.empty:
    st.info("접수된 사례가 없습니다.")
names = region.by_dong["name"].to_dict() if region.level == "gu" else {}
for case in inbox.to_dict("records"):
    shared = case["shared"] or {}
    where = shared.get("dong") or names.get(case["dong_code"], case["dong_code"])
    result = {"selected": "선정", "not_selected": "미선정"}.get(case["gu_result"] or "", "검토 중")
    label = f"{case['month']} · {shared.get('gu', '')} {where} · {shared.get('title', case['title'])} — {result}"
    with st.expander(label, expanded=case["gu_result"] is None and region.level == "gu"):
        st.caption(
            f"구 제출 {case['gu_submitted_on']} · {_deadline(case, 'gu', 'gu_submitted_on')}"
            + (f" · 시 제출 {_deadline(case, 'city', 'city_submitted_on')}" if case["gu_result"] == "selected" else "")
            + (f" · 시 공유 {case['city_shared_on']}" if pd.notna(case["city_shared_on"]) else "")
        )
        _case_body(case)
        cid = int(case["id"])
        if region.level == "gu" and pd.isna(case["city_submitted_on"]):
            with st.form(f"decide{cid}"):
                choice = st.radio(
                    "결정",
                    ["selected", "not_selected"],
                    horizontal=True,
                    format_func=lambda r: {"selected": "선정", "not_selected": "미선정"}[r],
                    key=f"decision{cid}",
                )
                reason = st.text_area(
                    "사유 (미선정이면 필수, 동에 그대로 보입니다)", value=case["gu_reason"] or "", key=f"reason{cid}"
                )
                decided = st.form_submit_button("결정 저장")
            if decided:
                act(
                    BOX,
                    saved("결정"),
                    partial(store.decide_case, cid, selected=choice == "selected", reason=reason, user=me),
                )
            if case["gu_result"] == "selected" and st.button("시에 보내기", key=f"to_city{cid}"):
                act(BOX, saved("시에 보내기"), partial(store.send_case_to_city, cid, user=me))
        elif case["gu_result"]:
            st.markdown(f"**구 결정**: {md(result)}" + (f" — {md(case['gu_reason'])}" if case["gu_reason"] else ""))
        if (
            region.level == "city"
            and pd.isna(case["city_shared_on"])
            and st.button("모든 구에 공유", key=f"share{cid}")
        ):
            act(BOX, saved("모든 구에 공유"), partial(store.mark_case_shared, cid, user=me))

st.download_button(
    f"{region.name} {region.month} 취합 XLSX (A4 가로)",
    file_bytes(lambda p: export_region_xlsx(region, p), ".xlsx"),
    file_name=f"{region.name}_{region.month}_취합.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
