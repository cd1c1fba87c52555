"""공개 지도 — what residents may see (the public view only), and the team leader's publishing of it."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from functools import partial
from pathlib import Path

import streamlit as st

from app_pages.common import act, current_user, file_bytes, get_store, md, require_dong, show_kept, show_map
from mapping.access import User, may_act
from mapping.domain import LEADER_ROLES
from mapping.errors import NotFoundError
from mapping.layers import build_dong_layer, build_map, build_resources_layer, build_zones_layer, legend_html
from mapping.lookup import officer_for
from mapping.publish.disclosure import DEFAULT_K, MIN_K
from mapping.publish.privacy import PUBLIC_TITLE, personal_values_of, public_view
from mapping.publish.public_site import export_public_site
from mapping.publish.tour_map import export_poster_pdf, export_tour_pdf

BOX = "publish"  # where the publishing keeps a conflict's message across the rerun (app_pages.common.act)
EXPORTS = Path(os.environ.get("MAPPING_EXPORTS") or Path(__file__).resolve().parent.parent / "exports") / "public"

store = get_store()
code = require_dong(public=True)
st.title("공개 지도")
st.caption(
    "주민에게 공개되는 지도입니다: 구역과 공개에 동의한 주무관의 이름·사무실 전화, 공개로 표시된 복지자원, "
    f"구역별 활동 건수({DEFAULT_K}건 미만은 가림)만 보입니다. 세대·돌봄이웃·보고 내용은 나오지 않습니다."
)
view = public_view(store, code)
sample = view.sample

st.subheader("우리 동네 주무관 찾기")
address = st.text_input("주소", placeholder="예: 마포구 성산동 200-22 또는 도로명주소", key="lookup_address")
m = build_map(
    [
        build_dong_layer(view.dong),
        build_zones_layer(view.zones.assign(officer=view.zones["officer"].fillna(PUBLIC_TITLE))),
        build_resources_layer(view.resources),
    ],
    bounds=view.dong,
    legend=legend_html(list(view.resources["type"]), zones=True, sample=sample),
    sample=sample,
)
clicked = show_map(m, key="public_map", returned_objects=["last_clicked"])
st.caption("주소를 적거나 지도를 누르면 그곳 담당 주무관을 알려 드립니다.")
lonlat: tuple[float, float] | None = None
if clicked and clicked.get("last_clicked"):
    point = clicked["last_clicked"]
    lonlat = (point["lng"], point["lat"])
if address or lonlat:
    try:  # a typed address wins over a click
        found = officer_for(store, address=address) if address else officer_for(store, lonlat=lonlat)
    except NotFoundError as exc:
        st.warning(str(exc))
    else:
        card = view.zones.set_index("zone_id").loc[found["zone_id"]] if found.get("zone_id") else None
        with st.container(border=True):
            tong = f"{found['tong']}통" + (" (샘플)" if sample else "")
            if found.get("matched_address"):
                st.caption(f"찾은 주소: {md(found['matched_address'])}")
            if card is not None:
                name = card["officer"] if isinstance(card["officer"], str) else PUBLIC_TITLE
                phone = card["phone"] if isinstance(card["phone"], str) else view.centre["phone"] or "-"
                st.markdown(
                    f"**{md(tong)} · 구역 {md(found['zone_id'])}**  \n우리동네주무관 **{md(name)}** ({md(card['team'])})  \n"
                    f"☎ {md(phone)}"
                )
            else:
                st.markdown(f"**{md(tong)}**: 담당 주무관이 아직 정해지지 않았습니다. 동주민센터로 문의하세요.")

st.dataframe(
    view.zones.assign(
        officer=view.zones["officer"].fillna(PUBLIC_TITLE),
        phone=view.zones["phone"].fillna(view.centre["phone"] or "-"),
        tongs=[", ".join(f"{t}통" for t in ts) for ts in view.zones["tongs"]],
    )[["zone_id", "officer", "team", "phone", "tongs"]].rename(
        columns={"zone_id": "구역", "officer": "담당 주무관", "team": "팀", "phone": "전화", "tongs": "담당통"}
    ),
    hide_index=True,
    width="stretch",
)
st.subheader("구역별 활동 (분야별 건수)")
st.dataframe(view.report_counts.published().map(lambda v: "*" if v is None else str(v)), width="stretch")
st.caption(f"{view.period} 보고. {view.report_counts.note}")


def _publish(publisher: User, url: str, k: int) -> None:
    """Check the publisher (the personal-value read refuses anyone else) before anything is written."""
    personal = personal_values_of(store, code, user=publisher)
    if url:
        store.set_public_url(code, url, user=publisher)
    folder = EXPORTS / code
    shutil.rmtree(folder, ignore_errors=True)
    export_public_site(public_view(store, code, k=k), folder, personal_values=personal)


publisher = current_user()
if publisher is not None and may_act(publisher, code, roles=LEADER_ROLES):
    show_kept(BOX)
    with st.expander("공개 지도 내보내기 (팀장)", expanded=False):
        st.caption(
            "주민에게 올릴 정적 웹사이트(index.html과 자원 파일)를 만듭니다. 어떤 웹 서버에 올려도, 파일로 열어도 됩니다. "
            "개인정보가 하나라도 섞이면 만들지 않습니다."
        )
        c1, c2 = st.columns([1, 3])
        k = c1.number_input("가릴 기준 k", min_value=MIN_K, max_value=20, value=DEFAULT_K, key="publish_k")
        url = c2.text_input("올릴 주소 (QR 코드에 들어감)", value=store.public_url(code) or "", key="publish_url")
        if st.button("공개 지도 만들기", key="publish") and act(BOX, None, partial(_publish, publisher, url, int(k))):
            buffer = io.BytesIO()  # made now, no rerun: the download is offered in this run
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted((EXPORTS / code).rglob("*")):
                    if path.is_file():
                        archive.write(path, path.relative_to(EXPORTS / code))
            st.success(f"만들었습니다: {md(EXPORTS / code / 'index.html')}")
            st.download_button(
                "공개 지도 내려받기 (ZIP)",
                buffer.getvalue(),
                file_name=f"공개지도_{code}.zip",
                mime="application/zip",
            )
else:  # visitors, sample browsing and other staff are not offered it (the store refuses them anyway)
    st.caption("공개 지도를 웹사이트로 내보내는 일은 이 동의 팀장·행정팀장·동장이 로그인해서 합니다.")

with st.expander("전입 안내도·게시판 포스터 (인쇄용)", expanded=False):
    site = store.public_url(code) or ""
    if not site:
        st.info("QR 코드에 넣을 공개 지도 주소를 먼저 위 '공개 지도 내보내기'에서 정하세요.")
    else:
        c1, c2, c3 = st.columns(3)
        zone_id = c1.selectbox("구역", list(view.zones["zone_id"]), key="tour_zone")
        size = c2.radio("크기", ["A4", "A3"], horizontal=True, key="tour_size")
        orientation = c3.radio(
            "방향",
            ["portrait", "landscape"],
            format_func={"portrait": "세로", "landscape": "가로"}.get,
            key="tour_orient",
        )
        st.caption(f"전입 안내도: 구역 {zone_id} · {size} {'세로' if orientation == 'portrait' else '가로'}")
        d1, d2 = st.columns(2)
        d1.download_button(
            "전입 안내도 PDF",
            file_bytes(
                lambda p: export_tour_pdf(
                    view, p, zone_id=zone_id, public_url=site, size=size, orientation=orientation
                ),
                ".pdf",
            ),
            file_name=f"전입안내도_{zone_id}_{size}.pdf",
            mime="application/pdf",
            key=f"tour_download_{zone_id}_{size}_{orientation}",
        )
        d2.download_button(
            "동 전체 A3 포스터 PDF",
            file_bytes(lambda p: export_poster_pdf(view, p, public_url=site), ".pdf"),
            file_name=f"우리동네주무관_포스터_{code}.pdf",
            mime="application/pdf",
            key="poster_download",
        )
