"""이달의 미션 · 동 현안사항 — what the dong head set for this month, shown on every officer's page.

Imported, it gives :func:`render_mission_banner` (the officer page's banner) and :func:`mission_choices`
(the select of the report forms). Run as a page (``st.Page("app_pages/missions_ui.py")``, the 팀장 menu),
it is where the 동장 or a 팀장 adds, edits and deletes a month's missions and issues, with their progress.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from app_pages.common import (
    act,
    get_store,
    md,
    pick_officer,
    require_dong,
    require_user,
    saved,
    show_kept,
    submission_key,
)
from mapping import clock
from mapping.access import User
from mapping.domain import MISSION_KINDS
from mapping.month.meeting import mission_table
from mapping.store import Store
from mapping.text import filled, text_of

BOX = "missions"  # where the page keeps its last message across the rerun (app_pages.common.act)


def _month_of(today: dt.date | None) -> dt.date:
    return (today or clock.today()).replace(day=1)


def render_mission_banner(store: Store, code: str, *, today: dt.date | None = None) -> None:
    """Show this month's missions and dong issues of ``code``, each with its tagged reports (nothing when none is set)."""
    month = _month_of(today)
    missions = store.missions(code, month)
    if missions.empty:
        return
    progress = store.mission_progress(code, month).set_index("mission_id")
    lines = []
    for kind, label in MISSION_KINDS.items:
        for _, row in missions[missions["kind"] == kind].iterrows():
            detail = f" — {md(row['description'])}" if filled(row["description"]) else ""  # None or NaN: none
            count = progress.loc[int(row["id"])] if int(row["id"]) in progress.index else None
            tally = f" (보고 {int(count['total'])}건 · 처리완료 {int(count['done'])}건)" if count is not None else ""
            lines.append(f"- **{label}** {md(row['title'])}{detail}{tally}")
    st.info(f"**{month.month}월 동장 미션·현안**\n\n" + "\n".join(lines), icon=":material/flag:")


def mission_choices(missions: pd.DataFrame) -> dict[int | None, str]:
    """Options of a "미션·현안" select: ``None`` (none) first, then each mission's id with its label."""
    choices: dict[int | None, str] = {None: "(없음)"}
    for row in missions.itertuples():
        choices[int(row.id)] = f"[{MISSION_KINDS.label(row.kind)}] {row.title}"
    return choices


# ---- the page: set the month's missions and issues ---------------------------------------------------------------


def _months(store: Store, code: str, today: dt.date) -> list[str]:
    """Months to choose: last, this and next month, and every month that has missions; newest first."""
    this = pd.Period(today, freq="M")
    months = {str(this - 1), str(this), str(this + 1)} | set(store.missions(code)["month"])
    return sorted(months, reverse=True)


def _add_form(store: Store, code: str, month: str, user: User) -> None:
    with st.form(f"mission_add_{submission_key('mission_add_submission')}", clear_on_submit=True):  # new once stored
        st.markdown(f"**{int(month[5:])}월 미션·현안 더하기**")
        kind = st.radio(
            "구분", MISSION_KINDS.keys, format_func=MISSION_KINDS.label, horizontal=True, key="mission_kind"
        )
        title = st.text_input("제목", key="mission_title", placeholder="예: 홀몸 어르신 폭염 안부 살피기")
        description = st.text_area("설명 (선택)", key="mission_description")
        if st.form_submit_button("더하기"):
            act(
                BOX,
                saved("미션·현안 추가"),
                lambda: store.add_mission(code, month, kind=kind, title=title, description=description, user=user),
                forget=["mission_add_submission"],
            )


def _edit(store: Store, row: pd.Series, user: User) -> None:
    mid = int(row["id"])
    with st.form(f"mission_edit{mid}"):
        kind = st.radio(
            "구분",
            MISSION_KINDS.keys,
            index=MISSION_KINDS.keys.index(row["kind"]),
            format_func=MISSION_KINDS.label,
            horizontal=True,
            key=f"mission_kind{mid}",
        )
        title = st.text_input("제목", value=row["title"], key=f"mission_title{mid}")
        description = st.text_area("설명", value=text_of(row["description"]), key=f"mission_description{mid}")
        if st.form_submit_button("고치기"):
            act(
                BOX,
                saved("미션·현안 수정"),
                lambda: store.update_mission(mid, kind=kind, title=title, description=description, user=user),
            )
    sure = st.checkbox("지우기 (태그된 보고는 태그만 풀립니다)", key=f"mission_sure{mid}")
    if st.button("지우기", key=f"mission_delete{mid}", disabled=not sure):
        act(BOX, saved("미션·현안 삭제"), lambda: store.delete_mission(mid, user=user))


def render_missions_page(*, today: dt.date | None = None) -> None:
    """The page: the month's missions and issues, their progress, and the forms to set them."""
    store = get_store()
    code = require_dong()
    st.title("이달의 미션·동 현안")
    st.caption(
        "동장이나 팀장이 정합니다. 모든 주무관의 '내 구역' 화면 위에 보이고, 보고를 미션·현안에 태그할 수 있습니다."
    )
    show_kept(BOX)
    staff = store.staff(code)
    rank = staff["role"].map({"dong_head": 0, "team_leader": 1}).fillna(2)
    names = list(staff.assign(rank=rank).sort_values("rank", kind="stable")["name"])  # 동장, 팀장 first
    pick_officer(names, label="정하는 사람 (동장·팀장)")  # the store refuses anyone else
    user = require_user()
    day = today or clock.today()
    months = _months(store, code, day)
    month = st.selectbox(
        "월", months, index=months.index(pd.Period(day, freq="M").strftime("%Y-%m")), key="mission_month"
    )
    missions = store.missions(code, month)
    st.subheader(f"{int(month[5:])}월 진행")
    if missions.empty:
        st.info("이 달에 정한 미션·현안이 없습니다.")
    else:
        st.dataframe(
            mission_table(store.mission_progress(code, month)), hide_index=True, width="stretch", key="mission_progress"
        )
        for _, row in missions.iterrows():
            with st.expander(
                f"{MISSION_KINDS.label(row['kind'])} · {md(row['title'])} (정한 사람 {md(row['set_by'])})"
            ):
                _edit(store, row, user)
    _add_form(store, code, month, user)


if __name__ == "__main__":  # run as a page by st.navigation; imported by the officer and report pages
    render_missions_page()
