"""연계 의뢰 — referrals of a report or of a household's need to a body outside the staff list.

동 지역사회보장협의체, 마을계획단, 주민자치회 (주민자치위원회), 복지관 or another named body; each referral
goes 의뢰 → 협의중 → 연계완료 / 연계불가 with a dated note.  Used by the inbox (a report's referrals) and by
the officer page (a household's, personal data).  The store decides who may refer, see and move what, and
logs every read of a household's referral; these functions only show what it returns and pass on what the
user typed, with the version they saw.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from app_pages.common import act, md, saved, show_kept, submission_key
from mapping.access import User
from mapping.domain import HOUSEHOLD_KINDS, REFERRAL_BODIES, REFERRAL_STATUSES, REFERRAL_TRANSITIONS
from mapping.outreach_layers import tong_label
from mapping.store import Store

HOUSEHOLD_REFERRALS_KEY = "household_referrals_open"  # the 세대 연계 의뢰 expander: read only while it is open
HOUSEHOLD_BOX = "household_referrals"  # where the household panel keeps its last message
HOUSEHOLD_PICK = "household_ref_pick"  # the chosen household's id


def body_of(referral: pd.Series) -> str:
    """Where a referral went: the body's kind, and its name when one was given (plain text)."""
    kind = REFERRAL_BODIES.label(referral["body"])
    name = referral["body_name"] if isinstance(referral["body_name"], str) and referral["body_name"] else None
    return name if name and referral["body"] == "other" else f"{kind}({name})" if name else kind


def referral_badge(referrals: pd.DataFrame) -> str:
    """For a list's label: the latest referral (e.g. ``" · 연계: 복지관 · 협의중"``) and how many more.

    Parameters
    ----------
    referrals : DataFrame
        The store's referrals of one report or household, oldest first.

    Returns
    -------
    str
        Markdown-safe text; empty when there is no referral.
    """
    if referrals.empty:
        return ""
    last = referrals.iloc[-1]
    more = f" 외 {len(referrals) - 1}건" if len(referrals) > 1 else ""
    return f" · 연계: {md(body_of(last))} · {REFERRAL_STATUSES.label(last['status'])}{more}"


def render_referrals(store: Store, referrals: pd.DataFrame, *, user: User, box: str, editable: bool = True) -> None:
    """List referrals: body, state, date, who referred and the last note; history on request; state moves.

    Parameters
    ----------
    store : Store
        Where the history is read (a household's read is logged) and moves are saved.
    referrals : DataFrame
        As :meth:`Store.report_referrals` or :meth:`Store.household_referrals` give them (with ``last_note``).
    user : User
        Who acts (named in the referral's history), for the store's permission check and access log.
    box : str
        Where the page keeps the message of a change (:func:`app_pages.common.act`; shown by its ``show_kept``).
    editable : bool
        Whether to offer the move-state control under each referral.
    """
    if referrals.empty:
        st.caption("아직 연계 의뢰가 없습니다.")
    for _, referral in referrals.iterrows():
        ref_id = int(referral["id"])
        note = f"\n최근 메모: {referral['last_note']}" if isinstance(referral["last_note"], str) else ""
        st.text(
            f"연계 #{ref_id} {body_of(referral)} · {REFERRAL_STATUSES.label(referral['status'])} · "
            f"{referral['created_at']:%Y-%m-%d} {referral['created_by']} 의뢰{note}"
        )
        if st.checkbox("이력 보기", key=f"ref_history{ref_id}"):
            _history_table(store.referral_history(ref_id, user=user))
        if editable:
            render_move(store, referral, user=user, box=box)


def _history_table(history: pd.DataFrame) -> None:
    """A referral's dated steps with Korean headers and state labels."""
    labels = history[["from_status", "to_status"]].map(
        lambda s: REFERRAL_STATUSES.label(s) if isinstance(s, str) else ""
    )
    st.dataframe(
        history.assign(from_status=labels["from_status"], to_status=labels["to_status"])[
            ["at", "actor", "from_status", "to_status", "note"]
        ].rename(columns={"at": "일시", "actor": "누가", "from_status": "전", "to_status": "후", "note": "메모"}),
        hide_index=True,
        width="stretch",
    )


def render_move(store: Store, referral: pd.Series, *, user: User, box: str) -> None:
    """Move a referral on: every later state is offered, and the store explains a step that is not allowed.

    Parameters
    ----------
    store : Store
        Where the move is saved (:meth:`Store.move_referral`, with the version on screen).
    referral : Series
        One referral row (``id``, ``status``, ``version``).
    user : User
        Who acts (named in the history), for the store's permission check and access log.
    box : str
        Where the page keeps the change's message; the store's refusal (e.g. 의뢰 → 연계완료) shows at once.
    """
    ref_id, status = int(referral["id"]), referral["status"]
    if not REFERRAL_TRANSITIONS[status]:
        st.caption("끝난 연계입니다. 다시 필요하면 새로 의뢰하세요.")
        return
    later = list(REFERRAL_STATUSES.keys)[list(REFERRAL_STATUSES.keys).index(status) + 1 :]
    c1, c2, c3 = st.columns([1, 2, 1], vertical_alignment="bottom")
    to = c1.selectbox("바꿀 상태", later, format_func=REFERRAL_STATUSES.label, key=f"ref_to{ref_id}")
    note = c2.text_input("메모 (협의 내용·결과)", key=f"ref_note{ref_id}")
    if c3.button("연계 상태 바꾸기", key=f"ref_move{ref_id}"):
        seen = int(st.session_state.get(f"ref_seen{ref_id}", referral["version"]))
        move = partial(store.move_referral, ref_id, to, user=user, note=note or None, expected_version=seen)
        act(box, saved("연계 상태"), move)
    st.session_state[f"ref_seen{ref_id}"] = int(referral["version"])  # what is on screen now


def render_refer_form(key: str, *, refer: Callable[..., object], box: str, clear: bool = False) -> None:
    """Refer to a body outside the staff list (의뢰): body, its name and what is asked.

    Parameters
    ----------
    key : str
        Suffix of the widgets' keys (``ref_body{key}``, ``ref_name{key}``, ``ref_new_note{key}``); the button's is
        ``refer{key}_`` and the form's submission key (session ``refer_submission{key}``), new once a referral is
        stored, so a second tap on it refers nothing more.
    refer : callable
        The store call with its target bound, taking ``body``, ``body_name`` and ``note``
        (e.g. ``partial(store.refer_report, report_id, user=…)``).
    box : str
        Where the page keeps the change's message.
    clear : bool
        Whether to empty the form after a referral is saved (a refusal keeps what was typed).
    """
    c1, c2 = st.columns(2)
    body = c1.selectbox("연계 기관", REFERRAL_BODIES.keys, format_func=REFERRAL_BODIES.label, key=f"ref_body{key}")
    name = c2.text_input("기관명 ('기타'는 꼭 적기)", key=f"ref_name{key}", placeholder="예: 성산종합사회복지관")
    note = st.text_input("의뢰 내용", key=f"ref_new_note{key}", help="주민 성명·연락처는 적지 마세요.")
    submission = f"refer_submission{key}"
    if st.button("연계 의뢰", key=f"refer{key}_{submission_key(submission)}"):
        fields = [f"{field}{key}" for field in ("ref_body", "ref_name", "ref_new_note")] if clear else []
        fields.append(submission)
        act(box, saved("연계 의뢰"), lambda: refer(body=body, body_name=name or None, note=note or None), forget=fields)


def household_label(row: pd.Series) -> str:
    """How a household is picked: ``구분 · 성명 · 통`` (e.g. ``돌봄이웃 · 가상주민01 · 28통``; plain text, a select's option)."""
    return f"{HOUSEHOLD_KINDS.label(row['kind'])} · {row['name']} · {tong_label(row['tong']) or '통 없음'}"


def render_household_referrals(store: Store, code: str, households: pd.DataFrame, *, user: User) -> None:
    """The 세대 연계 의뢰 panel: pick one of the zone's households, refer its need, follow its referrals.

    Personal data: call it only while the panel is open, since the chosen household's referrals are read
    (and the read logged) on every run.

    Parameters
    ----------
    store : Store
        The store.
    code : str
        The dong's code.
    households : DataFrame
        The zone's households as the store gave them to ``user`` (``id``, ``kind``, ``name``, ``tong``).
    user : User
        Who acts (named as the one who referred or moved), for the store's permission check and access log.
    """
    st.caption(
        ":material/lock: 개인정보: 세대의 필요를 동 지역사회보장협의체·마을계획단·주민자치회·복지관에 의뢰하고 "
        "진행을 기록합니다. 이 목록을 볼 때마다 접근 기록이 남습니다."
    )
    show_kept(HOUSEHOLD_BOX)
    if households.empty:
        st.info("이 구역에 등록된 세대가 없습니다.")
        return
    labels = {int(row["id"]): household_label(row) for _, row in households.iterrows()}
    household_id = st.selectbox("세대", list(labels), format_func=labels.__getitem__, key=HOUSEHOLD_PICK)
    try:
        referrals = store.household_referrals(code, user=user, household_id=household_id)
    except PermissionError as err:
        st.error(md(err))
        return
    render_referrals(store, referrals, user=user, box=HOUSEHOLD_BOX)
    st.markdown("**새로 의뢰**")
    refer = partial(store.refer_household, household_id, user=user)
    render_refer_form(f"h{household_id}", refer=refer, box=HOUSEHOLD_BOX, clear=True)
