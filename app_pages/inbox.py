"""보고함 — an officer's inbox: reports handed to them and reports they found, overdue first.

A report's detail also carries its 미션·현안 tag and its referrals to community bodies (연계 의뢰:
의뢰 → 협의중 → 연계완료 / 연계불가, drawn by :mod:`app_pages.referrals_ui`), so the finder sees where the
report went.
"""

from __future__ import annotations

import tempfile
from functools import partial
from pathlib import Path

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
    scroll_to,
    show_kept,
    submission_key,
)
from app_pages.missions_ui import mission_choices
from app_pages.referrals_ui import referral_badge, render_refer_form, render_referrals
from mapping import clock
from mapping.domain import ACTIVITIES, DUTIES, FIELDS, NOTIFY_CHANNELS, REPORT_STATUSES, TRANSITIONS, Vocabulary
from mapping.errors import NotFoundError
from mapping.month.activity import activity_report_for, export_activity_pdf, export_activity_xlsx
from mapping.photos import read_photo
from mapping.reports import history_table, propose_assignee
from mapping.store.reports import overdue_thresholds

LATENESS = {0: "", 1: "[지연] ", 2: "[기한 초과] "}
BOX = "inbox"  # where a report's change keeps its message across the rerun (app_pages.common.act)
ACTIVITY_BOX = "inbox_activity"  # the 활동보고서 section's
FOCUS = "inbox_focus"  # the report a change was just made to (set by act): its tab is shown and it stays open
OPEN = "inbox_open"  # the report kept open across reruns
TAB = "inbox_tab"  # the tab shown (its label; stable labels keep it across reruns)
TAB_IN, TAB_MINE = "나에게 온 보고", "내가 찾은 보고"

store = get_store()
code = require_dong()
st.title("보고함")
staff = store.staff(code)
me = pick_officer(list(staff["name"]))
user = require_user()
late, overdue = overdue_thresholds()
boxes = store.inbox(code, user=user, overdue_days=(late, overdue))
all_missions = store.missions(code)
st.caption(
    f"처리 중인 보고는 {late}일이 지나면 [지연], {overdue}일이 지나면 [기한 초과]로 맨 위에 옵니다 (MAPPING_OVERDUE_DAYS)."
)


def version_of(row: pd.Series) -> int:
    value = row.get("version")
    return 1 if value is None or pd.isna(value) else int(value)  # rows from a kit or an old store: 1


def seen(row: pd.Series) -> int:
    """The version of the report this officer had on screen (the run before the click), not the one just read."""
    return int(st.session_state.get(f"seen{int(row['id'])}", version_of(row)))


def here(rid: int) -> dict[str, int]:
    """What :func:`act` keeps after a change of report ``rid``: that report, in its tab, open."""
    return {FOCUS: rid}


def label_of(value: object, vocab: Vocabulary) -> str:
    return vocab.label(value) if isinstance(value, str) and value else "미정"


def mission_of(row: pd.Series) -> int | None:
    value = row.get("mission_id")
    return None if value is None or pd.isna(value) else int(value)


def show_report(row: pd.Series, referrals: pd.DataFrame) -> None:
    """One report: its text as plain text, history, photos, contact on request, and what I may do."""
    rid = int(row["id"])
    st.text(row["memo"] or "")
    st.text(
        f"작성 {row['finder']} · {row['created_at']:%Y-%m-%d %H:%M} · {row['tong'] if pd.notna(row['tong']) else '-'}통 · "
        f"분야 {label_of(row['field'], FIELDS)} · 활동 {label_of(row['activity'], ACTIVITIES)} · "
        f"업무 {label_of(row['duty'], DUTIES)} · 담당 {row['assignee'] or '-'}"
    )
    if isinstance(row.get("action"), str) and row["action"]:
        st.text(f"조치사항: {row['action']}")
    photos = store.report_photos(rid)
    if len(photos):
        st.image([str(p) for p in photos["thumb_path"] if p.exists()], width=120)
    if st.button("주민 연락처 보기 (개인정보, 조회 기록됨)", key=f"contact{rid}"):
        report = store.report(rid, user=user)
        st.text(f"{report.get('resident_name') or '성명 없음'} {report.get('resident_phone') or '연락처 없음'}")
    st.dataframe(history_table(store.report_history(rid)), hide_index=True, width="stretch")  # in Korean
    mission_tag(row)
    referral_section(row, referrals)
    if row["status"] not in ("closed", "duplicate") and me in (row["finder"], row["assignee"]):
        edit_form(row)
    actions(row)


def mission_tag(row: pd.Series) -> None:
    """The report's 미션·현안 and, for its finder or assignee, a select to change it."""
    rid, current = int(row["id"]), mission_of(row)
    known = dict(zip(all_missions["id"].astype(int), all_missions["title"], strict=True))
    if current is not None:
        st.text(f"미션·현안: {known.get(current, current)}")
    if row["status"] == "duplicate" or me not in (row["finder"], row["assignee"]):
        return
    months = {f"{row['created_at']:%Y-%m}", f"{clock.today():%Y-%m}"}  # the report's month and this month
    near = all_missions[all_missions["month"].isin(months) | (all_missions["id"] == current)]
    choices = mission_choices(near)
    if len(choices) == 1:
        return
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    keys = list(choices)
    pick = c1.selectbox(
        "미션·현안",
        keys,
        index=keys.index(current) if current in keys else 0,
        format_func=choices.__getitem__,
        key=f"mission{rid}",
    )
    if c2.button("태그 저장", key=f"tag{rid}_{version_of(row)}", disabled=pick == current):
        tag = partial(store.tag_report, rid, pick, user=user, expected_version=seen(row))
        act(BOX, saved("미션·현안 태그"), tag, keep=here(rid))


def referral_section(row: pd.Series, referrals: pd.DataFrame) -> None:
    """Referrals of the report to community bodies: where each went, its state and notes, and what I may do."""
    rid = int(row["id"])
    editor = me in (row["finder"], row["assignee"])
    st.markdown("**연계 의뢰** (동 지역사회보장협의체·마을계획단·주민자치회·복지관)")
    render_referrals(store, referrals, user=user, box=BOX, editable=editor)
    if editor and row["status"] != "duplicate":
        render_refer_form(str(rid), refer=partial(store.refer_report, rid, user=user), box=BOX)


def edit_form(row: pd.Series) -> None:
    """Complete a report later: details, 조치사항, whether a resident is involved, more photos."""
    rid = int(row["id"])
    with st.expander("자세히 채우기·고치기"), st.form(f"edit{rid}_{version_of(row)}"):  # a new form once saved
        title = st.text_input("제목", value=row["title"] or "")
        options = {"activity": ACTIVITIES, "field": FIELDS, "duty": DUTIES}
        chosen = {}
        for key, vocab in options.items():
            labels = ["", *vocab.labels]
            current = vocab.label(row[key]) if isinstance(row[key], str) and row[key] else ""
            chosen[key] = st.selectbox(vocab.name, labels, index=labels.index(current))
        action = st.text_area("조치사항", value=row["action"] or "")
        resident = st.checkbox(
            "주민에게 알려야 하는 보고 (끝내기 전에 주민통보 기록)", value=row["has_resident"] is not False
        )
        files = st.file_uploader("사진 더하기 (JPEG·PNG·WebP, 장당 20 MB 이하)", accept_multiple_files=True)
        if st.form_submit_button("저장"):

            def save() -> None:
                photos = [read_photo(f.getvalue(), name=f.name) for f in files or []]  # PhotoError: shown, kept
                changes = {"title": title or None, "action": action or None, "has_resident": resident}
                changes |= {k: v or None for k, v in chosen.items()}
                store.update_report(rid, changes, user=user, expected_version=seen(row))
                if photos:
                    store.add_photos(rid, photos, user=user)

            act(BOX, saved("보고 내용"), save, keep=here(rid))


def actions(row: pd.Series) -> None:
    """The buttons this report's status allows (the store refuses anyone not entitled).

    Every button's key carries the report's version (or the form's submission key): once a change is stored
    the buttons are new ones, so a second tap on the old one does nothing, and the typed fields stay until then.
    """
    rid, status, v = int(row["id"]), row["status"], version_of(row)
    nexts = TRANSITIONS[status]
    awaiting = row.get("co_approver") == me and pd.isna(row.get("co_approved_at"))
    if awaiting and status not in ("closed", "duplicate") and st.button("협조결재", key=f"approve{rid}_{v}"):
        act(BOX, saved("협조결재"), lambda: store.co_approve(rid, user=user), keep=here(rid))
    if "handed_over" in nexts:
        hand_over_form(row)
    if "in_progress" in nexts and st.button(
        "처리 시작" if status == "handed_over" else "직접 처리", key=f"start{rid}_{v}"
    ):
        start = partial(store.move_report, rid, "in_progress", user=user, expected_version=seen(row))
        act(BOX, saved("처리 시작"), start, keep=here(rid))
    if status in ("in_progress", "handed_over", "resident_notified"):
        form = submission_key(f"progress{rid}")
        note = st.text_input("진행 내용 (작성자에게 보입니다)", key=f"note{rid}_{form}")
        if st.button("진행 기록", key=f"progress{rid}_{form}"):
            if not note.strip():  # e.g. a late second tap, landing on the fresh field of a note just stored
                st.info("진행 내용을 적은 뒤 누르세요.")
            else:
                record = partial(store.add_progress, rid, note, user=user, client_key=form)
                act(BOX, saved("진행 기록"), record, forget=[f"progress{rid}"], keep=here(rid))
    if "resident_notified" in nexts:
        c1, c2 = st.columns(2)
        channel = c1.selectbox("주민통보 방법", list(NOTIFY_CHANNELS.values()), key=f"ch{rid}")
        on = c2.date_input("통보일", value=clock.today(), key=f"on{rid}")
        form = submission_key(f"notify{rid}")
        if st.button("주민통보 기록", key=f"notify{rid}_{v}"):
            notify = partial(store.notify_resident, rid, channel=channel, on_date=on, user=user, client_key=form)
            act(BOX, saved("주민통보"), notify, forget=[f"notify{rid}"], keep=here(rid))
    if "closed" in nexts and st.button("종료", key=f"close{rid}_{v}"):
        close = partial(store.move_report, rid, "closed", user=user, expected_version=seen(row))
        act(BOX, saved("종료"), close, keep=here(rid))
    if "returned" in nexts:
        reason = st.text_input("반려 사유", key=f"reason{rid}")
        if st.button("반려", key=f"return{rid}_{v}"):
            back = partial(store.move_report, rid, "returned", user=user, reason=reason, expected_version=seen(row))
            act(BOX, saved("반려"), back, keep=here(rid))
    if "duplicate" in nexts:
        other = st.number_input("중복인 원래 보고 번호", min_value=1, step=1, value=None, key=f"dup{rid}")
        if st.button("중복 처리", key=f"duplicate{rid}_{v}"):
            dup = partial(
                store.move_report, rid, "duplicate", user=user, duplicate_of=other, expected_version=seen(row)
            )
            act(BOX, saved("중복"), dup, keep=here(rid))


def hand_over_form(row: pd.Series) -> None:
    """인계: the colleague whose duty the report needs is proposed; with nobody to propose, nobody is preselected."""
    rid = int(row["id"])
    proposal = propose_assignee(row.get("duty"), staff, finder=row["finder"], field=row.get("field"))
    names = [n for n in staff["name"] if n != row["finder"]]
    st.caption(md(proposal.text))
    to = st.selectbox(
        "인계할 직원",
        names,
        index=names.index(proposal.person) if proposal.person in names else None,
        placeholder="인계할 직원을 고르세요",
        key=f"to{rid}",
    )
    if st.button("인계", key=f"hand{rid}_{version_of(row)}", disabled=to is None):
        hand = partial(store.hand_over, rid, str(to), user=user, expected_version=seen(row))
        act(BOX, lambda _: f"보고 #{rid}을(를) {md(to)}에게 인계했습니다.", hand, keep=here(rid))


show_kept(BOX)
assigned, found = boxes["assigned"], boxes["found"]
referred = store.referrals_of_reports({*assigned["id"], *found["id"]})  # one read for every report listed
mine_too = set(assigned["id"])
just_changed = st.session_state.pop(FOCUS, None)
if just_changed is not None:  # after a change: the report open, in the tab shown if it is still there, else in its tab
    st.session_state[OPEN] = just_changed
    listed = {TAB_IN: mine_too, TAB_MINE: set(found["id"])}
    if just_changed not in listed[st.session_state.get(TAB, TAB_IN)]:
        st.session_state[TAB] = next((t for t, ids in listed.items() if just_changed in ids), TAB_IN)
in_view: str | None = None  # the report just changed, brought into view at the end of the page
st.caption(f"나에게 온 보고 {len(assigned)}건 · 내가 찾은 보고 {len(found)}건")
# labels without counts: the same tabs every run, so the one chosen stays chosen when a count changes
tab_in, tab_mine = st.tabs([TAB_IN, TAB_MINE], key=TAB, on_change="rerun")
for tab, frame, empty in (
    (tab_in, assigned, "나에게 온 보고가 없습니다."),
    (tab_mine, found, "아직 찾은 보고가 없습니다."),
):
    with tab:
        if frame.empty:
            st.info(empty)
        for _, row in frame.iterrows():
            headline = row["title"] if isinstance(row["title"], str) and row["title"] else str(row["memo"] or "")[:30]
            status = REPORT_STATUSES.label(row["status"])
            referrals = referred[referred["report_id"] == row["id"]].reset_index(drop=True)
            label = f"{LATENESS[int(row['lateness'])]}#{int(row['id'])} {md(headline)} · {status} · {int(row['age_days'])}일"
            rid = int(row["id"])
            # keyed: the same expander when its label (the status) changes, so a report just changed stays open
            # where it was instead of closing and opening again below a page that shrank meanwhile
            expander_key = f"report{rid}_{'in' if tab is tab_in else 'mine'}"
            if rid == just_changed and (tab is tab_in) == (st.session_state.get(TAB, TAB_IN) == TAB_IN):
                in_view = expander_key  # the copy in the tab shown
            with st.expander(
                label + referral_badge(referrals), expanded=rid == st.session_state.get(OPEN), key=expander_key
            ):
                if isinstance(row.get("progress"), str):
                    st.text(f"최근 진행: {row['progress']}")
                if tab is tab_mine and int(row["id"]) in mine_too:  # its widgets are in the other tab
                    st.text(row["memo"] or "")
                    st.caption("내가 맡은 보고이기도 합니다: 처리·연계는 '나에게 온 보고'에서 합니다.")
                    continue
                show_report(row, referrals)
            st.session_state[f"seen{int(row['id'])}"] = version_of(row)  # what is on screen now

st.divider()
st.subheader("활동보고서")
show_kept(ACTIVITY_BOX)
day = st.date_input("활동일", value=clock.today(), key="activity_day")
try:
    activity = activity_report_for(store, code, officer=me, day=day)
except NotFoundError as exc:
    st.info(md(exc))
else:
    st.text(f"일시 {activity.when}\n장소 {activity.place}\n내용 {activity.summary}")
    st.dataframe(activity.counts, width="stretch")
    name = f"활동보고서_{me}_{day:%Y%m%d}"
    c1, c2 = st.columns(2)
    if c1.button("보고서 파일 만들기 (XLSX·PDF)", key="make_activity"):
        with tempfile.TemporaryDirectory() as tmp:
            st.session_state["activity_files"] = (
                name,
                export_activity_xlsx(activity, Path(tmp) / "a.xlsx").read_bytes(),
                export_activity_pdf(activity, Path(tmp) / "a.pdf").read_bytes(),
            )
    files = st.session_state.get("activity_files")
    if files and files[0] == name:
        st.download_button("XLSX 받기", files[1], file_name=f"{name}.xlsx", key="dl_xlsx")
        st.download_button("PDF 받기", files[2], file_name=f"{name}.pdf", mime="application/pdf", key="dl_pdf")
    if c2.button("제출 (보고완료 표시)", key="submit_activity"):
        act(
            ACTIVITY_BOX,
            lambda done: f"보고 {done}건을 보고완료로 표시했습니다: 월 집계에 들어갑니다.",
            lambda: store.mark_reported(activity.report_ids, user=user),
        )
if in_view is not None:
    scroll_to(in_view)  # last: nothing after it moves
