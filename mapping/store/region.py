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
from mapping.month.deadlines import month_weeks
from mapping.organisation import gu_of
from mapping.store.base import StoreBase
from mapping.store.schema import AGGREGATIONS, BEST_CASES, DONG_SETTINGS, MEETINGS, POINT_TABLES, WALKS, meta

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

    def region_counts(self, codes: Iterable[str], *, month: str, user: User) -> dict[str, pd.DataFrame]:
        """The counts a gu's or the city's month needs, added up in the database (never one row per report).

        Counted, as in every dong's own 취합 (:func:`mapping.month.aggregation.build_monthly_sheet`): reports
        written in the month whose 활동보고서 was submitted, except those marked 중복.

        Returns
        -------
        dict of DataFrame
            ``month`` (dong_code, zone_id, field, activity, n: counted reports of ``month``), ``previous``
            (the same for the month before), ``days`` (dong_code, finder, day, n: every report per officer and
            day over the weeks :func:`mapping.month.deadlines.month_weeks` judges, for the outings).

        Raises
        ------
        AccessError
            Unless ``user`` may read the counts of every gu the dongs are in.
        """
        codes = self._check_region_codes(codes, user, doing="보고 건수")
        t = POINT_TABLES["reports"]
        period = pd.Period(month, freq="M")
        weeks = month_weeks(month)
        n = sa.func.count().label("n")
        keys = (t.c.dong_code, t.c.zone_id, t.c.field, t.c.activity)

        def counted(of: pd.Period) -> sa.Select:
            start, end = of.start_time.to_pydatetime(), (of + 1).start_time.to_pydatetime()
            return (
                sa.select(*keys, n)
                .where(t.c.created_at >= start, t.c.created_at < end, t.c.status != "duplicate", t.c.reported)
                .group_by(*keys)
            )

        day = sa.func.date(t.c.created_at).label("day")
        since = dt.datetime.combine(weeks[0][0], dt.time())
        until = dt.datetime.combine(weeks[-1][1] + dt.timedelta(days=1), dt.time())
        queries = {
            "month": counted(period),
            "previous": counted(period - 1),
            "days": sa.select(t.c.dong_code, t.c.finder, day, n)
            .where(t.c.created_at >= since, t.c.created_at < until)
            .group_by(t.c.dong_code, t.c.finder, day),
        }
        out = {}
        with self.engine.connect() as conn:
            for name, query in queries.items():
                rows: list[tuple] = []
                for part in _chunks(codes):
                    rows += [tuple(r) for r in conn.execute(query.where(t.c.dong_code.in_(part)))]
                out[name] = pd.DataFrame(rows, columns=[c.name for c in query.selected_columns])
        out["days"]["day"] = pd.to_datetime(out["days"]["day"])
        return out

    def region_progress(self, codes: Iterable[str], month: str, *, user: User) -> dict[str, pd.DataFrame]:
        """The month's steps of dongs ``codes``, one frame each (one query per table, whatever the number of dongs).

        Returns
        -------
        dict of DataFrame
            ``staff`` (dong_code, name, team, role), ``aggregations`` (dong_code, confirmed_at, totals),
            ``meetings`` (dong_code, held_at), ``best_cases`` (id, dong_code, month, title, field, summary,
            gu_submitted_on, gu_result, gu_result_on, city_submitted_on), ``walks`` (dong_code, officer,
            on_date, over the weeks the month judges), ``targets`` (dong_code, value: the weekly outing target).

        Raises
        ------
        AccessError
            Unless ``user`` may read the counts of every gu the dongs are in.
        """
        codes = self._check_region_codes(codes, user, doing="월간 진행 상황")
        weeks = month_weeks(month)
        start, end = weeks[0][0], weeks[-1][1] + dt.timedelta(days=1)
        staff = meta.tables["staff"]
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
        }
        out: dict[str, pd.DataFrame] = {}
        with self.engine.connect() as conn:
            for name, query in queries.items():
                columns = [c.name for c in query.selected_columns]
                table = query.get_final_froms()[0]
                rows: list[tuple] = []
                for part in _chunks(codes):
                    rows += [tuple(r) for r in conn.execute(query.where(table.c.dong_code.in_(part)))]
                out[name] = pd.DataFrame(rows, columns=columns)
        return out

    def dong_states(self, gu_code: str | None, *, user: User) -> pd.DataFrame:
        """Every dong of gu ``gu_code`` (None: of the city) and where it stands: for the gu's administrator.

        Returns
        -------
        DataFrame
            One row per dong the boundaries or the store know: ``dong_code, name, loaded, sample, loaded_at,
            staff, tongs, zones, unowned_tongs`` (tongs no zone holds: the zones are not valid), ``accounts``,
            ``last_report``, ``last_aggregation`` (the newest confirmed 취합's month) — counts, nothing personal.

        Raises
        ------
        AccessError
            Unless ``user`` administers the gu (or the whole store), or may read its counts.
        """
        from mapping.access import in_admin_scope, may_read_region
        from mapping.errors import AccessError
        from mapping.organisation import dongs_of_region
        from mapping.store.schema import ACCOUNTS

        dongs = dongs_of_region(gu_code, self.dongs())
        sample_code = gu_code + "00000" if gu_code else None
        if not (may_read_region(user, gu_code) or (user.admin and in_admin_scope(user, sample_code))):
            raise AccessError(
                f"{user.name}은(는) {'구 ' + gu_code if gu_code else '서울시 전체'}의 동 현황을 볼 수 없습니다: "
                "그 구의 관리자·구 담당만 봅니다."
            )
        codes = dongs.loc[dongs["loaded"], "dong_code"].tolist()
        dongs_table, staff, tongs, zones = (meta.tables[n] for n in ("dongs", "staff", "tongs", "zones"))
        reports = POINT_TABLES["reports"]
        queries = {
            "loaded_at": sa.select(dongs_table.c.dong_code, dongs_table.c.loaded_at),
            "staff": sa.select(staff.c.dong_code, sa.func.count().label("n")).group_by(staff.c.dong_code),
            "tongs": sa.select(tongs.c.dong_code, sa.func.count().label("n")).group_by(tongs.c.dong_code),
            "accounts": sa.select(ACCOUNTS.c.dong_code, sa.func.count().label("n")).group_by(ACCOUNTS.c.dong_code),
            "last_report": sa.select(reports.c.dong_code, sa.func.max(reports.c.created_at).label("n")).group_by(
                reports.c.dong_code
            ),
            "last_aggregation": sa.select(
                AGGREGATIONS.c.dong_code, sa.func.max(AGGREGATIONS.c.month).label("n")
            ).group_by(AGGREGATIONS.c.dong_code),
        }
        found: dict[str, dict[str, object]] = {}
        held: dict[str, set[int]] = {}
        zone_count: dict[str, int] = {}
        with self.engine.connect() as conn:
            for name, query in queries.items():
                table = query.get_final_froms()[0]
                for part in _chunks(codes):
                    for code, value in conn.execute(query.where(table.c.dong_code.in_(part))).all():
                        found.setdefault(name, {})[code] = value
            for part in _chunks(codes):
                for code, numbers in conn.execute(
                    sa.select(zones.c.dong_code, zones.c.tongs).where(zones.c.dong_code.in_(part))
                ).all():
                    held.setdefault(code, set()).update(int(t) for t in numbers or [])
                    zone_count[code] = zone_count.get(code, 0) + 1
        out = dongs[["dong_code", "name", "loaded", "sample"]].copy()
        for name in queries:
            out[name] = out["dong_code"].map(found.get(name, {}))
        for name in ("staff", "tongs", "accounts"):
            out[name] = out[name].fillna(0).astype(int)
        out["zones"] = out["dong_code"].map(zone_count).fillna(0).astype(int)
        out["unowned_tongs"] = (out["tongs"] - out["dong_code"].map(lambda c: len(held.get(c, ()))).astype(int)).clip(
            lower=0
        )
        return out
