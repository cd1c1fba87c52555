"""The store's part for the gu and the city: many dongs' counts and month steps read at once, never personal data.

Each read takes the dongs' codes and checks the reader against every gu they fall in
(:func:`mapping.access.check_region`); what comes back is what the dongs' own month pages show
(reports' field, activity, status and finder; the 취합's confirmation; meetings; best cases) — no
resident, no contact, no position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa

from mapping.access import User, check_region
from mapping.organisation import gu_of
from mapping.store.base import StoreBase
from mapping.store.schema import AGGREGATIONS, BEST_CASES, DONG_SETTINGS, MEETINGS, POINT_TABLES, WALKS, meta

REGION_REPORT_COLUMNS = ("dong_code", "zone_id", "created_at", "finder", "field", "activity", "status", "reported")
"""What a gu or the city reads of each report: enough to count, nothing about the resident."""
_CHUNK = 500  # dong codes per IN (…): well under every backend's limit on bound parameters


def _chunks(codes: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(codes), _CHUNK):
        yield codes[start : start + _CHUNK]


class RegionMixin(StoreBase):
    """Reads of :class:`mapping.store.Store` across dongs, for the gu's and the city's month."""

    def _check_region_codes(self, codes: Iterable[str], user: User, *, doing: str) -> list[str]:
        codes = sorted({str(c) for c in codes})
        for gu in sorted({gu_of(c) for c in codes}):
            check_region(user, gu, doing=doing)
        return codes

    def region_reports(
        self, codes: Iterable[str], *, since: dt.datetime, until: dt.datetime, user: User
    ) -> pd.DataFrame:
        """The reports of dongs ``codes`` written in ``[since, until)``: :data:`REGION_REPORT_COLUMNS` only.

        Raises
        ------
        AccessError
            Unless ``user`` may read the counts of every gu the dongs are in.
        """
        codes = self._check_region_codes(codes, user, doing="보고 건수")
        t = POINT_TABLES["reports"]
        frames = []
        with self.engine.connect() as conn:
            for part in _chunks(codes):
                query = sa.select(*(t.c[c] for c in REGION_REPORT_COLUMNS)).where(
                    t.c.dong_code.in_(part), t.c.created_at >= since, t.c.created_at < until
                )
                frames.append(pd.DataFrame(conn.execute(query).all(), columns=list(REGION_REPORT_COLUMNS)))
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(REGION_REPORT_COLUMNS))
        out["created_at"] = pd.to_datetime(out["created_at"])
        return out

    def region_progress(self, codes: Iterable[str], month: str, *, user: User) -> dict[str, pd.DataFrame]:
        """The month's steps of dongs ``codes``, one frame each (one query per table, whatever the number of dongs).

        Returns
        -------
        dict of DataFrame
            ``staff`` (dong_code, name, team, role), ``aggregations`` (dong_code, confirmed_at, totals),
            ``meetings`` (dong_code, held_at), ``best_cases`` (id, dong_code, month, title, field, summary,
            gu_submitted_on, gu_result, gu_result_on, city_submitted_on), ``walks`` (dong_code, officer,
            on_date, in the month), ``targets`` (dong_code, value: the weekly outing target as set),
            ``last_reports`` (dong_code, last: the newest report of any month).

        Raises
        ------
        AccessError
            Unless ``user`` may read the counts of every gu the dongs are in.
        """
        codes = self._check_region_codes(codes, user, doing="월간 진행 상황")
        period = pd.Period(month, freq="M")
        start, end = period.start_time.date(), (period + 1).start_time.date()
        staff = meta.tables["staff"]
        reports = POINT_TABLES["reports"]
        queries = {
            "staff": sa.select(staff.c.dong_code, staff.c.name, staff.c.team, staff.c.role),
            "aggregations": sa.select(
                AGGREGATIONS.c.dong_code, AGGREGATIONS.c.confirmed_at, AGGREGATIONS.c.totals
            ).where(AGGREGATIONS.c.month == month),
            "meetings": sa.select(MEETINGS.c.dong_code, MEETINGS.c.held_at).where(MEETINGS.c.month == month),
            "best_cases": sa.select(
                BEST_CASES.c.id,
                BEST_CASES.c.dong_code,
                BEST_CASES.c.month,
                BEST_CASES.c.title,
                BEST_CASES.c.field,
                BEST_CASES.c.summary,
                BEST_CASES.c.gu_submitted_on,
                BEST_CASES.c.gu_result,
                BEST_CASES.c.gu_result_on,
                BEST_CASES.c.city_submitted_on,
            ).where(BEST_CASES.c.month == month),
            "walks": sa.select(WALKS.c.dong_code, WALKS.c.officer, WALKS.c.on_date)
            .where(WALKS.c.on_date >= start, WALKS.c.on_date < end)
            .distinct(),
            "targets": sa.select(DONG_SETTINGS.c.dong_code, DONG_SETTINGS.c.value).where(
                DONG_SETTINGS.c.key == "outing_target"
            ),
            "last_reports": sa.select(reports.c.dong_code, sa.func.max(reports.c.created_at).label("last")).group_by(
                reports.c.dong_code
            ),
        }
        out: dict[str, pd.DataFrame] = {}
        with self.engine.connect() as conn:
            for name, query in queries.items():
                columns = [c.name for c in query.selected_columns]
                table = query.get_final_froms()[0]
                rows: list[sa.Row] = []
                for part in _chunks(codes):
                    rows += conn.execute(query.where(table.c.dong_code.in_(part))).all()
                out[name] = pd.DataFrame(rows, columns=columns)
        return out
