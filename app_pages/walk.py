"""주간 순회 — plan the week's walk: which stops, in which order, within the time the officer has."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import shapely
import streamlit as st

from app_pages.common import (
    act,
    get_store,
    md,
    pick_officer,
    require_dong,
    require_user,
    show_kept,
    show_map,
    submission_key,
)
from mapping import clock
from mapping.crs import WEB_CRS, to_web
from mapping.layers import build_dong_layer, build_map, build_route_layer, build_zones_layer, legend_html
from mapping.route_sheet import route_sheet_pdf, sheet_area
from mapping.routes import (
    DETOUR,
    WALK_BUDGET_MIN,
    WALK_KMH,
    RouteError,
    Stop,
    network_from_lines,
    plan_route,
    propose_stops,
    route_gpx,
    route_with_addresses,
    start_of_walk,
    stop_address,
)

BOX = "walk"  # where recorded visits keep their message across the rerun (app_pages.common.act)

store = get_store()
code = require_dong()
st.title("주간 순회")
zones = store.zones(code)
me = pick_officer(list(zones["officer"]))
user = require_user()
zone = zones[zones["officer"] == me].iloc[0]
today = clock.today()
c1, c2 = st.columns(2)
picked_day = c1.date_input(
    "주 (그 주의 아무 날)", value=today + dt.timedelta(days=7 - today.weekday()), key="walk_week"
)
monday = picked_day - dt.timedelta(days=picked_day.weekday())
budget = c2.number_input(
    "쓸 수 있는 시간 (분, 0 = 제한 없음)", min_value=0, value=WALK_BUDGET_MIN, step=15, key="walk_budget"
)
week = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
st.caption(
    f"{week} ({monday:%m월 %d일}부터) · 거리는 직선거리 × {DETOUR:g}, 걸음 시속 {WALK_KMH:g} km, 곳마다 방문 시간을 더합니다."
)

proposed = propose_stops(
    zone_tongs=list(zone["tongs"]),
    tongs=store.tongs(code),
    households=store.households(code, user=user),
    reports=store.reports(code),
    blind_spots=store.blind_spots(code),
    officer=me,
    week_start=monday,
    walks=store.walks(code),
)
extra: list[Stop] = st.session_state.setdefault(f"extra_stops_{me}", [])
stops = proposed + extra
table = pd.DataFrame(
    {
        "포함": True,
        "장소": [s.label for s in stops],
        "이유": [s.reason for s in stops],
        "중요도": [s.priority for s in stops],
    }
)
chosen = st.data_editor(
    table, key=f"walk_stops_{me}_{week}", disabled=["장소", "이유", "중요도"], hide_index=True, width="stretch"
)
selected = [s for s, keep in zip(stops, chosen["포함"], strict=True) if keep]

start = start_of_walk(store, code)
paths = store.paths(code)
network = network_from_lines(paths) if len(paths) else None  # the kit's walking network, when it has one
dong = store.dong(code)
route = None
if selected:
    try:
        route = plan_route(selected, start=start, budget_min=budget or None, network=network)
    except RouteError as exc:
        st.warning(str(exc))
else:
    st.info("들를 곳을 하나 이상 고르세요 (지도를 누르면 그곳을 더합니다).")
layers = [build_dong_layer(dong), build_zones_layer(zones, highlight=zone["zone_id"])]
if route:
    frame = pd.DataFrame(
        [
            {"order": i, "label": s.label, "reason": s.reason, "address": s.address, "lon": s.lon, "lat": s.lat}
            for i, s in enumerate([route.start, *route.stops])  # 0: the 주민센터, where the walk starts and ends
        ]
    )
    walk = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WEB_CRS)
    layers.append(build_route_layer(walk))
    # opens on the officer's zone and every stop of the walk (the 주민센터 may lie outside the zone)
    view = pd.concat(
        [to_web(zones[zones["zone_id"] == zone["zone_id"]], name="구역")[["geometry"]], walk[["geometry"]]]
    )
else:
    view = zones[zones["zone_id"] == zone["zone_id"]]
clicked = show_map(
    build_map(layers, bounds=view, legend=legend_html([], own_zone=True, tongs=False, route=route is not None)),
    key="walk_map",
    height=480,
    returned_objects=["last_clicked"],
)
point = (clicked or {}).get("last_clicked")
if point and (point["lng"], point["lat"]) not in {(s.lon, s.lat) for s in extra}:
    extra.append(
        Stop(f"own:{len(extra) + 1}", f"직접 고른 곳 {len(extra) + 1}", "지도에서 더함", 3, point["lng"], point["lat"])
    )
    st.rerun()

show_kept(BOX)
outside = [s for s in selected if not zone.geometry.covers(shapely.Point(s.lon, s.lat))]
if outside:
    st.warning(
        "내 구역 밖의 곳: " + ", ".join(md(s.label) for s in outside) + " — 해당 구역 주무관과 나눠 맡을 수 있습니다."
    )
if route:
    st.success(
        f"{len(route.stops)}곳 · {route.total_m / 1000:.1f} km · 걷기 {route.walk_min:.0f}분 + 방문 = {route.total_min:.0f}분"
    )
    for warning in route.warnings:
        st.warning(warning)
    if route.left_out:
        st.warning("시간이 모자라 빠진 곳: " + ", ".join(md(s.label) for s in route.left_out))
    addressed = route_with_addresses(route, store)  # the same addresses as the A4 sheet
    st.table(  # plain rows, readable on a phone and by a screen reader
        pd.DataFrame(
            {
                "순서": range(1, len(addressed.stops) + 1),
                "장소": [s.label for s in addressed.stops],
                "이유": [s.reason for s in addressed.stops],
                "주소": [stop_address(s) for s in addressed.stops],
            }
        ),
        hide_index=True,
    )
    d1, d2 = st.columns(2)
    d1.download_button(
        "GPX 받기 (휴대폰)", route_gpx(route, name=f"{me} {week}"), file_name=f"순회_{me}_{week}.gpx", key="walk_gpx"
    )

    def route_sheet() -> bytes:  # made when the button is pressed: the addresses and the map of this very route
        return route_sheet_pdf(addressed, officer=me, week=week, area=sheet_area(store, code, officer=me))

    d2.download_button(
        "A4 경로표 받기 (PDF: 지도·주소)",
        route_sheet,
        file_name=f"순회_{me}_{week}.pdf",
        mime="application/pdf",
        key="walk_pdf",
    )

    st.subheader("다녀온 뒤")
    visited = st.multiselect(
        "들른 곳", [s.label for s in route.stops], key="walk_visited", placeholder="들른 곳을 고르세요"
    )
    on_date = st.date_input("다녀온 날", value=today, key="walk_on")
    # keyed by the submission: a new button once the visits are stored, so a second tap records nothing more
    if st.button("방문 기록", key=f"walk_record_{submission_key('walk_submission')}", disabled=not visited):
        visited_stops = [s for s in route.stops if s.label in visited]
        act(
            BOX,
            lambda done: (
                f"{done}곳을 기록했습니다: 최근 방문일과 통 순회가 바뀌었습니다. "
                f"활동보고서는 보고함에서 {md(on_date)}로 만드세요."
            ),
            lambda: store.record_visits(code, stops=visited_stops, on_date=on_date, user=user),
            forget=["walk_visited", "walk_submission"],
        )
    st.page_link("app_pages/inbox.py", label="보고함에서 활동보고서 만들기", icon=":material/description:")
