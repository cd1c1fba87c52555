"""이달의 미션 · 동 현안사항 — what the dong head set for this month, shown on every officer's page."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from app_pages.common import md
from mapping.store import Store


def render_mission_banner(store: Store, code: str, *, today: dt.date | None = None) -> None:
    """Show this month's missions and dong issues of ``code`` (nothing when none is set)."""
    month = (today or dt.date.today()).replace(day=1)
    missions = store.missions(code, month)
    if missions.empty:
        return
    lines = []
    for kind, label in (("mission", "이달의 미션"), ("issue", "동 현안사항")):
        for _, row in missions[missions["kind"] == kind].iterrows():
            detail = f" — {md(row['description'])}" if row["description"] else ""
            lines.append(f"- **{label}** {md(row['title'])}{detail}")
    st.info(f"**{month.month}월 동장 미션·현안**\n\n" + "\n".join(lines), icon=":material/flag:")
