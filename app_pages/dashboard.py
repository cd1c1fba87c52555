"""현황 — the team leader's page: reports per zone and field, zone balance."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages.common import current_user, get_store, md, require_dong, show_map
from mapping.density import UNITS, classify, count_reports, month_span, unit_labels, unit_reports
from mapping.domain import ACTIVITIES, FIELDS, OPEN_STATUSES, REPORT_STATUSES
from mapping.layers import build_density_layer, build_dong_layer, build_heat_layer, build_map, density_legend_html
from mapping.zones import BALANCE_FACTOR, BALANCE_MEASURES, zone_balance

store = get_store()
code = require_dong()
counts_only = getattr(current_user(), "role", None) in ("gu", "city")  # the gu, the city: counts only, no report
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

st.subheader("보고 밀도")
st.caption("어디에 보고가 몰리는지: 제출 여부와 관계없이 그 기간의 모든 보고를 셉니다.")
if months:
    c0, c1, c2, c3 = st.columns(4)
    if month == "전체":  # the whole record, from the first month to the last: stated, never just the latest month
        density_month, until = months[-1], (months[0] if len(months) > 1 else None)
        c0.caption("기간: 전체 (위에서 월을 고르면 기간을 정할 수 있습니다)")
    else:
        later = [m for m in months if m > month]
        density_month = month
        until = c0.selectbox("까지 (기간)", ["-", *sorted(later)], key="density_until")
        until = None if until == "-" else until
    heat = False if counts_only else c3.checkbox("히트맵", key="density_heat")  # a heat map ships each report's place
    by = c1.radio("단위", ["zone", "tong"], format_func=lambda b: UNITS[b][1], horizontal=True, key="density_by")
    per_km2 = c2.radio("값", ["건수", "km²당"], horizontal=True, key="density_value") == "km²당"
    f1, f2, f3 = st.columns(3)
    fields = f1.multiselect(
        "분야", FIELDS.keys, format_func=FIELDS.label, key="density_fields", placeholder="전체", select_all=False
    )
    activities = f2.multiselect(
        "활동유형",
        ACTIVITIES.keys,
        format_func=ACTIVITIES.label,
        key="density_activities",
        placeholder="전체",
        select_all=False,
    )
    statuses = f3.multiselect(
        "상태",
        REPORT_STATUSES.keys,
        format_func=REPORT_STATUSES.label,
        key="density_statuses",
        placeholder="전체",
        select_all=False,
    )
    units = zones if by == "zone" else store.tongs(code)
    key, word = UNITS[by]
    filters = {"month": density_month, "until": until, "fields": fields, "activities": activities, "statuses": statuses}
    counted = count_reports(reports, units, by=by, **filters)
    value = "per_km2" if per_km2 else "count"
    shown_units = unit_labels(units.merge(counted, on=key), by=by, zones=zones)
    classes = classify(shown_units[value], unit="건/km²" if per_km2 else "건")
    period = month_span(density_month, until)
    span = f"{density_month}~{until}" if until else density_month
    what = f"{span} 보고 {'km²당' if per_km2 else '건수'} · {word}별"
    st.markdown(
        f"**지도 기간: {md(span)}** ({len(period)}개월{', 전체 기간' if month == '전체' else ''}) · "
        f"보고 {int(counted['count'].sum())}건 · {md(word)}을 누르면 그 보고가 아래에 나옵니다."
    )
    dong = store.dong(code)
    density_map = build_map(
        [build_dong_layer(dong), build_density_layer(shown_units, value=value, classes=classes, key="unit")]
        + ([build_heat_layer(reports[reports["created_at"].dt.strftime("%Y-%m").isin(period)])] if heat else []),
        bounds=dong,
        legend=density_legend_html(classes, what=what),
        sample=bool(st.session_state.get("dong_sample")),
    )
    names = dict(zip(shown_units["unit"], shown_units["label"], strict=True))
    left, right = st.columns([3, 2])
    with left:
        clicked = show_map(density_map, key="density_map", height=480, returned_objects=["last_active_drawing"])
    with right:
        compare = [] if month == "전체" else ["직전", "증감"]  # the whole record has no period before it
        st.dataframe(
            unit_labels(counted, by=by, zones=zones)
            .drop(columns=[key, "unit"])
            .rename(columns={"label": word, "count": "건수", "per_km2": "km²당", "previous": "직전", "change": "증감"})[
                [word, "건수", *compare, "km²당"]
            ],
            hide_index=True,
            width="stretch",
        )
    picked = ((clicked or {}).get("last_active_drawing") or {}).get("properties", {}).get("unit")
    if picked in names and not counts_only:  # 구 담당 sees counts, never the reports themselves
        listed = unit_reports(reports, by=by, unit=picked, **filters)
        st.markdown(f"**{md(names[picked])}: 보고 {len(listed)}건 ({md(what)})**")
        st.dataframe(
            listed.assign(
                분야=listed["field"].map(lambda f: FIELDS.label(f) if isinstance(f, str) else ""),
                상태=listed["status"].map(REPORT_STATUSES.label),
            )[["id", "created_at", "finder", "분야", "상태", "memo"]].rename(
                columns={"id": "번호", "created_at": "일시", "finder": "작성자", "memo": "내용"}
            ),
            hide_index=True,
            width="stretch",
            key="density_listed",
        )

st.subheader("구역 균형")
balance = zone_balance(
    zones, resources=store.resources(code), reports=reports, households=store.household_zones(code)
).reset_index()
flagged = balance[balance["flags"].str.len() > 0]
if len(flagged):
    st.warning(
        f"중앙값의 {BALANCE_FACTOR:g}배를 넘는 구역: "
        + "; ".join(md(f"{r.zone_id} {r.officer} ({', '.join(r.flags)})") for r in flagged.itertuples())
    )
st.dataframe(
    balance.assign(flags=[", ".join(f) for f in balance["flags"]]).rename(
        columns={"zone_id": "구역", "officer": "담당", **BALANCE_MEASURES, "flags": "불균형"}
    ),
    hide_index=True,
    width="stretch",
)
