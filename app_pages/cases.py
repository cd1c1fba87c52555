"""실천사례 모음 — every case a gu selected, for every logged-in staff member: search, read, print the year's book.

What is shown is the copy the dong shared (checked like a public output when it was submitted), with only
the photos marked shareable: no report, memo or resident travels with a case.
"""

from __future__ import annotations

import base64

import pandas as pd
import streamlit as st

from app_pages.common import current_user, file_bytes, get_store, md
from mapping.access import check_library_reader
from mapping.errors import AccessError, NotFoundError
from mapping.month.best_cases import DETAIL_COLUMNS
from mapping.month.casebook import export_casebook_pdf, library_frame, search_library

store = get_store()
me = current_user()
if me is None:
    st.stop()
user = me
try:
    check_library_reader(user)
except AccessError as err:
    st.error(md(err))
    st.stop()
st.title("실천사례 모음")
st.caption("구가 선정한 실천사례입니다. 동이 공유하기로 한 내용과 사진만 보입니다 (개인정보 없음).")
library = library_frame(store.case_library(user=user))
if library.empty:
    st.info(
        "아직 구가 선정한 사례가 없습니다. 동의 팀장이 '월간 취합'에서 사례를 구에 제출하면, 구가 선정한 사례가 여기에 모입니다."
    )
    st.stop()
c1, c2, c3, c4 = st.columns(4)
fields = c1.multiselect(
    "분야", sorted(library["분야"].unique()), key="library_fields", placeholder="전체", select_all=False
)
gus = c2.multiselect("구", sorted(library["구"].unique()), key="library_gus", placeholder="전체", select_all=False)
dongs = c3.multiselect("동", sorted(library["동"].unique()), key="library_dongs", placeholder="전체", select_all=False)
months = c4.multiselect(
    "활동 월",
    sorted(library["연월"].unique(), reverse=True),
    key="library_months",
    placeholder="전체",
    select_all=False,
)
words = st.text_input("검색어 (제목·내용·결과·활동)", key="library_text", placeholder="예: 무단투기 경로당")
found = search_library(library, fields=fields, gus=gus, dongs=dongs, months=months, text=words)
st.caption(f"{len(found)}건 / 전체 {len(library)}건")
st.dataframe(found[["연월", "구", "동", "분야", "제목", "상태"]], hide_index=True, width="stretch")
for row in found.to_dict("records"):
    shared = row["shared"]
    with st.expander(f"{row['연월']} · {row['구']} {row['동']} · [{row['분야']}] {row['제목']} ({row['상태']})"):
        if shared.get("sample"):
            st.caption("샘플 데이터입니다 (가상의 직원·보고).")
        st.markdown(
            f"**팀**: {md(', '.join(shared.get('teams', [])) or '-')} · **기간**: {md(shared.get('period', '-'))}"
        )
        st.markdown("**추진 내용**")
        st.text(shared.get("summary") or "(적지 않음)")  # st.text: the dong's words stay text
        st.markdown("**추진 결과**")
        st.text(shared.get("result") or "(적지 않음)")
        if shared.get("details"):
            st.dataframe(pd.DataFrame(shared["details"], columns=DETAIL_COLUMNS), hide_index=True, width="stretch")
        images = []
        for photo_id in shared.get("photo_ids", []):
            try:
                images.append(store.case_photo(int(row["id"]), int(photo_id), user=user))
            except NotFoundError:
                continue
        if images:
            st.image(["data:image/jpeg;base64," + base64.b64encode(b).decode() for b in images], width=220)

st.subheader("실천사례집")
years = sorted({int(m[:4]) for m in library["연월"]}, reverse=True)
y1, y2 = st.columns(2)
year = y1.selectbox("연도", years, key="casebook_year")
only_shared = y2.checkbox("시가 공유한 사례만 (공모전 후보)", key="casebook_shared")
st.download_button(
    f"{year}년 실천사례집 PDF (차례 포함)",
    file_bytes(lambda p: export_casebook_pdf(store, int(year), p, user=user, only_shared=only_shared), ".pdf"),
    file_name=f"{year}_실천사례집.pdf",
    mime="application/pdf",
)
