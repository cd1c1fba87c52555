"""보고 접수 — file a field report from a phone: place, memo, photos; details can wait."""

from __future__ import annotations

from functools import partial

import folium
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
from app_pages.missions_ui import mission_choices
from mapping import clock
from mapping.addresses import address_hint, match_address, normalize_address
from mapping.domain import ACTIVITIES, DUTIES, FIELDS
from mapping.errors import NotFoundError
from mapping.layers import build_dong_layer, build_map, build_zones_layer, legend_html
from mapping.photos import PhotoError, read_photo
from mapping.reports import propose_assignee

BOX = "intake"  # where a saved report keeps its message across the rerun (app_pages.common.act)
FORM = "intake_submission"  # this report's submission key: the store files it once, however often 저장 is tapped

store = get_store()
code = require_dong()
st.title("보고 접수")
show_kept(BOX)
st.caption("장소와 메모만 있으면 저장됩니다. 나머지는 나중에 보고함에서 채워도 됩니다.")
staff, zones, dong = store.staff(code), store.zones(code), store.dong(code)
me = pick_officer(list(staff["name"]))
user = require_user()
my_zone = zones[zones["officer"] == me]

form = submission_key(FORM)  # in every widget key: kept until the report is stored, then fresh, empty widgets
files = st.file_uploader(
    "사진 (JPEG·PNG·WebP, 여러 장 가능, 장당 20 MB 이하)",  # any type: read_photo refuses others in Korean
    accept_multiple_files=True,
    key=f"photos_{form}",
)
photos = []
cache = st.session_state.setdefault("photo_cache", {})  # decoding a phone photo takes time: once per upload
for f in files or []:
    if f.file_id not in cache:
        try:
            cache[f.file_id] = read_photo(f.getvalue(), name=f.name)
        except PhotoError as exc:
            cache[f.file_id] = exc
    if isinstance(cache[f.file_id], PhotoError):
        st.error(str(cache[f.file_id]))
    else:
        photos.append(cache[f.file_id])
how = st.radio("위치", ["지도에서 누르기", "사진의 GPS", "주소"], horizontal=True, key="place_how")
lonlat: tuple[float, float] | None = None
if how == "사진의 GPS":
    located = [p for p in photos if p.gps]
    for p in photos:
        st.caption(f"{md(p.name)}: {p.gps_note}")
    lonlat = located[0].gps if located else None
elif how == "주소":
    kit = store.resources(code)  # the example is an address of this dong, not always 마포구's
    note, example = address_hint(
        store.address_files(code), kit.loc[kit["tong"].notna(), "address"], dong=str(dong["name"].iloc[0])
    )
    text = st.text_input("주소", key=f"intake_address_{form}", placeholder=f"예: {example or '○○구 ○○로 12'}")
    st.caption(md(note))
    if text:
        try:
            found = match_address(text, store.address_candidates(normalize_address(text)))
            lonlat = (found["lon"], found["lat"])
            st.caption(f"찾은 주소: {md(found['address'])}")
        except NotFoundError as exc:
            st.warning(str(exc))
m = build_map(  # opens on the officer's own zone (the others dimmed), else on the dong
    [build_dong_layer(dong), build_zones_layer(zones, highlight=None if my_zone.empty else my_zone["zone_id"].iloc[0])],
    bounds=dong if my_zone.empty else my_zone,
    legend=legend_html([], own_zone=not my_zone.empty, tongs=False),
)
if st.session_state.get("picked") and how == "지도에서 누르기":
    lonlat = st.session_state["picked"]
if lonlat:
    folium.Marker([lonlat[1], lonlat[0]], tooltip="보고 위치").add_to(m)
clicked = show_map(m, key="intake_map", height=380, returned_objects=["last_clicked"])
if how == "지도에서 누르기" and clicked and clicked.get("last_clicked"):
    point = clicked["last_clicked"]
    if st.session_state.get("picked") != (point["lng"], point["lat"]):
        st.session_state["picked"] = (point["lng"], point["lat"])
        st.rerun()

confirm_outside = True
if lonlat:
    inside_dong = dong.geometry.iloc[0].covers(shapely.Point(*lonlat))
    st.caption(f"위치: {lonlat[0]:.6f}, {lonlat[1]:.6f}")
    if not inside_dong:
        st.warning("이 위치는 동 경계 밖입니다.")
        confirm_outside = st.checkbox("동 밖이지만 이 위치로 저장합니다", key=f"confirm_outside_{form}")
    elif not my_zone.empty and not my_zone.geometry.iloc[0].covers(shapely.Point(*lonlat)):
        st.warning("내 구역 밖입니다: 해당 구역 주무관에게 인계가 필요할 수 있습니다.")
memo = st.text_area("내용 (메모)", key=f"memo_{form}", placeholder="본 것, 들은 것")
missions = mission_choices(store.missions(code, clock.today().replace(day=1)))
mission_id = None
if len(missions) > 1:  # only when the dong head set this month's missions or issues
    mission_id = st.selectbox(
        "미션·현안 (선택)",
        list(missions),
        format_func=missions.__getitem__,
        key=f"mission_{form}",
        help="동장이 정한 이달의 미션·동 현안사항",
    )
with st.expander("자세히 (나중에 채워도 됩니다)"):
    title = st.text_input("제목", key=f"title_{form}")
    activity = st.selectbox("활동유형", ["", *ACTIVITIES.labels], key=f"activity_{form}")
    field = st.selectbox("분야", ["", *FIELDS.labels], key=f"field_{form}")
    duty = st.selectbox("담당업무", ["", *DUTIES.labels], key=f"duty_{form}")
    no_resident = st.checkbox(
        "주민 없음 (예: 길에서 본 맨홀): 주민통보 없이 끝낼 수 있습니다", key=f"no_resident_{form}"
    )
    st.caption(":material/lock: 주민 연락처는 개인정보입니다: 필요한 직원만 보고, 볼 때마다 기록됩니다.")
    resident_name = st.text_input("주민 성명", key=f"resident_name_{form}")
    resident_phone = st.text_input("주민 연락처", key=f"resident_phone_{form}")
if duty or field:  # whom it would go to: the inbox proposes the same at 인계
    wanted, area = DUTIES.parse(duty) if duty else None, FIELDS.parse(field) if field else None
    st.info(md(propose_assignee(wanted, staff, finder=me, field=area).text))


def _file(place: tuple[float, float]) -> int:
    """File the report under this form's submission key: a second call (a second tap) returns the same report."""
    return store.file_report(
        code,
        lonlat=place,
        memo=memo,
        photos=photos,
        user=user,
        title=title or None,
        activity=activity or None,
        field=field or None,
        duty=duty or None,
        has_resident=not no_resident,
        resident_name=resident_name or None,
        resident_phone=resident_phone or None,
        mission_id=mission_id,
        client_key=form,
    )


def _saved(rid: int) -> str:
    st.session_state["intake_last"] = rid  # a tap on 저장 of the fresh form right after says it is stored
    text = f"보고 #{rid}을(를) 저장했습니다 (사진 {len(photos)}장). 인계·진행은 '보고함'에서 합니다."
    return text if mission_id is None else f"{text} 미션·현안: {md(missions[mission_id])}"


# Always enabled: on a phone the memo is sent when the text area loses focus, i.e. by the tap on 저장 itself; a
# button disabled until then would swallow that tap (and a quick second one while the page catches up)
if st.button("저장", type="primary", key=f"save_{form}", width="stretch"):
    if lonlat and memo.strip() and confirm_outside:
        act(BOX, _saved, partial(_file, lonlat), forget=["picked", FORM])
    elif not (lonlat or memo.strip() or photos) and st.session_state.get("intake_last"):
        st.info(
            f"보고 #{st.session_state['intake_last']}은(는) 저장되어 있습니다. 새 보고는 위치와 내용을 채워 저장하세요."
        )
    else:
        needs = (("위치 (지도·사진·주소)", lonlat), ("내용 (메모)", memo.strip()), ("동 밖 저장 확인", confirm_outside))
        st.warning(f"아직 저장하지 않았습니다. 먼저 채우세요: {', '.join(w for w, ok in needs if not ok)}")
elif not lonlat or not memo.strip():
    st.caption("저장하려면 위치와 내용이 필요합니다.")
