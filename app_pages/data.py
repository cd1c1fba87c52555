"""데이터 — upload a dong kit, see every problem, load it in one transaction."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from app_pages.common import act, current_user, get_store, md, show_kept
from mapping.access import PUBLIC_USER, User, openable_dongs
from mapping.errors import ValidationError
from mapping.kit.reader import read_kit, unpack_uploads
from mapping.organisation import gu_label, gu_names, gu_of

BOX = "data"  # where a load keeps its message across the rerun (app_pages.common.act)

store = get_store()
st.title("데이터")
show_kept(BOX)
st.markdown(
    "동 자료 키트(동 경계, 통 경계, 직원, 복지자원, 보고, 세대, 안전 사각지대)를 올려 검사하고 저장소에 넣습니다. 파일 형식은 `docs/data-kit.md`를 보세요."
)
st.subheader("저장된 동")
st.dataframe(
    openable_dongs(current_user(), store.dongs()).rename(
        columns={"dong_code": "행정동코드", "name": "동", "sample": "샘플", "loaded_at": "불러온 시각"}
    ),
    hide_index=True,
)


def _state(row: pd.Series) -> str:
    """One word for where a dong stands, read first in the gu's list."""
    if not row["loaded"]:
        return "키트 없음"
    if row["zones"] == 0 or row["unowned_tongs"] > 0:
        return "구역 점검"
    if row["accounts"] == 0:
        return "계정 없음"
    return "운영 중"


def _show_gu_dongs(user: User) -> None:
    """Every dong of the administrator's gu with its state (kit, zones, accounts, last report, last 취합)."""
    if user.gu_code:
        gu = user.gu_code
    else:  # an administrator of the whole store picks the gu
        loaded = sorted({gu_of(c) for c in store.dongs()["dong_code"]})
        names = gu_names()
        choices = loaded + [g for g in names if g not in loaded]
        gu = st.selectbox("구", choices, format_func=gu_label, key="data_gu")
    st.subheader(f"{gu_label(gu)}의 동")
    states = store.dong_states(gu, user=user)
    states.insert(2, "state", states.apply(_state, axis=1))
    ready = int((states["state"] == "운영 중").sum())
    st.caption(
        f"{len(states)}개 동 중 키트 {int(states['loaded'].sum())}개, 운영 중 {ready}개. "
        "구역 점검: 구역이 없거나 어느 구역에도 들지 않은 통이 있습니다."
    )
    st.dataframe(
        states.drop(columns=["loaded"]).rename(
            columns={
                "dong_code": "행정동코드",
                "name": "동",
                "state": "상태",
                "sample": "샘플",
                "loaded_at": "키트 불러온 시각",
                "staff": "직원",
                "tongs": "통",
                "zones": "구역",
                "unowned_tongs": "구역 밖 통",
                "accounts": "계정",
                "last_report": "최근 보고",
                "last_aggregation": "최근 취합",
            }
        ),
        hide_index=True,
        width="stretch",
    )


me = current_user()
if me is not None and me.admin and not me.dong_code:
    _show_gu_dongs(me)

files = st.file_uploader(  # any type: unpack_uploads refuses what is not a kit file, in Korean and by name
    "키트 파일들 또는 키트 폴더를 압축한 .zip (CSV, XLSX, GeoJSON, GPKG, JSON · 파일당 50 MB 이하)",
    accept_multiple_files=True,
)
if files:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        try:
            unpack_uploads(((f.name, f.getvalue()) for f in files), folder)  # limits checked before unpacking
            kit = read_kit(folder)
        except ValidationError as exc:
            st.error(f"오류가 있어 저장하지 않았습니다. 아래 {len(exc.problems)}건을 고친 뒤 다시 올리세요.")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "구분": "오류" if p.severity == "error" else "경고",
                            "파일": p.file,
                            "행": p.row,
                            "열": p.column,
                            "내용": p.message,
                        }
                        for p in exc.problems
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
            st.stop()
        st.success(
            f"검사 통과: {kit.adm_nm} — 통 {len(kit.tongs)}개, 직원 {len(kit.staff)}명, "
            + ", ".join(f"{k} {len(v)}건" for k, v in kit.tables.items())
        )
        for p in kit.warnings:
            st.warning(str(p))
        if st.button("저장소에 넣기", type="primary"):
            act(
                BOX,
                lambda loaded: (
                    f"{md(loaded.dong_name)}을(를) 불러왔습니다: "
                    + ", ".join(f"{md(k)} {v}" for k, v in loaded.counts.items())
                ),
                lambda: store.load_kit(kit, user=current_user() or PUBLIC_USER),
            )
