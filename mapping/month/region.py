"""The gu's and the city's month: every dong (or gu) with its counted activities and the month's steps.

The counts are the dongs' own 취합 added up: the same rule as :func:`mapping.month.aggregation.build_monthly_sheet`
(reports of the month whose 활동보고서 was submitted, except those marked 중복), so a gu's sheet equals the sum
of its dongs' sheets, field by field.  The steps are judged against the programme's calendar
(:mod:`mapping.month.deadlines`): 취합 and 공유회의 by the 5th, the best case to the gu by the 7th, the gu's
choice to the city by the 10th.  Nothing here reads or shows personal data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from mapping import clock
from mapping.domain import FIELDS
from mapping.month.activity import COUNT_ROWS, activity_group
from mapping.month.aggregation import parse_month
from mapping.month.deadlines import DONE, DUE, LATE, OVERDUE, OutingTarget, due_dates, month_weeks
from mapping.organisation import CITY_CODE, CITY_NAME, dongs_of_region, gu_names, gu_of, seoul_dongs, seoul_gus
from mapping.printing import CENTRE, TOTAL_FILL, XLSX_FONT, xlsx_cell, xlsx_page_setup, xlsx_section, xlsx_title

if TYPE_CHECKING:
    import folium
    from openpyxl.worksheet.worksheet import Worksheet

    from mapping.access import User
    from mapping.store import Store

TITLE = "우리동네주무관 활동실적 취합"
SUBTOTAL, GRAND = "소계", "합계"
FIELD_COLUMNS = FIELDS.labels
ACTIVITY_COLUMNS = tuple(label for label, _ in COUNT_ROWS)
NOT_LOADED = "미등록"
LEVELS = {"gu": "구", "city": "시"}
_GENERAL = FIELDS.label("general")
_FIELD_LABELS = {key: FIELDS.label(key) for key in FIELDS.keys}


def state_of(done: dt.date | None, due: dt.date, today: dt.date) -> str:
    """완료 / 완료(지연) / 예정 / 기한 지남, as the dong's own month page says it."""
    if done is not None:
        return DONE if done <= due else LATE
    return OVERDUE if today > due else DUE


def count_region(counts: pd.DataFrame, *, unit_of: pd.Series, units: list[str]) -> dict[str, pd.DataFrame]:
    """Counted activities per unit (a dong, or a gu), by field and by activity type.

    Parameters
    ----------
    counts : DataFrame
        ``dong_code, field, activity, n``: the month's counted reports grouped (as
        :meth:`mapping.store.Store.region_counts` gives them); an unknown field counts as 일반.
    unit_of : Series
        Dong code → the unit it is counted in (itself for a gu's sheet, its gu for the city's).
    units : list of str
        The units, in the order the tables list them (units without reports get zeros).

    Returns
    -------
    dict of DataFrame
        ``field`` (index: units; columns: 복지 … 일반) and ``activity`` (주민소통창구 … 기타), integer counts.
    """
    unit = counts["dong_code"].map(unit_of)
    field = counts["field"].map(_FIELD_LABELS).fillna(_GENERAL)
    codes, uniques = pd.factorize(counts["activity"], use_na_sentinel=False)
    activity = pd.Series(
        np.array([activity_group(u) for u in uniques] or [""], dtype=object)[codes], index=counts.index
    )
    out = {}
    for name, labels, columns in (("field", field, FIELD_COLUMNS), ("activity", activity, ACTIVITY_COLUMNS)):
        table = counts["n"].groupby([unit, labels]).sum().unstack(fill_value=0) if len(counts) else pd.DataFrame()
        out[name] = table.reindex(index=units, columns=list(columns), fill_value=0).fillna(0).astype(int)
    return out


def _with_totals(counts: pd.DataFrame, names: pd.Series) -> pd.DataFrame:
    """``코드, 이름, 소계, …columns, kind``: one row per unit, then the 합계 row."""
    table = counts.copy()
    table.insert(0, SUBTOTAL, table.sum(axis=1).astype(int))
    table.insert(0, "이름", names.reindex(table.index).fillna("").to_numpy())
    table = table.reset_index(names="코드").assign(kind="unit")
    total = {"코드": "", "이름": GRAND, **table.drop(columns=["코드", "이름", "kind"]).sum().to_dict(), "kind": "total"}
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def outing_rates(
    days: pd.DataFrame,
    walks: pd.DataFrame,
    staff: pd.DataFrame,
    targets: dict[str, OutingTarget],
    *,
    month: str,
    today: dt.date,
) -> pd.DataFrame:
    """Per dong: how many of its staff met the weekly outing target in every ended week of the month.

    The same rule as :func:`mapping.month.deadlines.weekly_outings` (an outing is a day with a report filed
    or a walk visit recorded; a week counts once it has ended), for many dongs at once.

    Parameters
    ----------
    days : DataFrame
        ``dong_code, finder, day, n``: reports filed per officer and day.
    walks : DataFrame
        ``dong_code, officer, on_date``: walk visits recorded.
    staff : DataFrame
        ``dong_code, name``: who is expected out.
    targets : dict
        Dong code → its :class:`~mapping.month.deadlines.OutingTarget` (default: once a week).

    Returns
    -------
    DataFrame
        Index: dong codes of ``staff``; ``officers``, ``met`` (officers short in no ended week), ``weeks``
        (ended weeks), ``rate`` (officer-weeks on target ÷ all officer-weeks; NaN before the first week ends).
    """
    weeks = [(first, last) for first, last in month_weeks(month) if last < today]
    officers = staff.groupby("dong_code")["name"].nunique().rename("officers")
    out = pd.DataFrame({"officers": officers})
    out["weeks"] = len(weeks)
    if not weeks or out.empty:
        return out.assign(met=0, rate=np.nan)
    starts = np.array([np.datetime64(first) for first, _ in weeks])
    end = np.datetime64(weeks[-1][1] + dt.timedelta(days=1))

    def week_of(values: pd.Series) -> np.ndarray:
        when = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
        index = np.searchsorted(starts, when, side="right") - 1
        return np.where((index >= 0) & (when < end), index, -1)

    filed = pd.DataFrame(
        {
            "dong_code": days["dong_code"].to_numpy(),
            "officer": days["finder"].to_numpy(),
            "day": pd.to_datetime(days["day"]).to_numpy(dtype="datetime64[D]"),
            "report": days["n"].to_numpy(),
        }
    )
    visited = pd.DataFrame(
        {
            "dong_code": walks["dong_code"].to_numpy(),
            "officer": walks["officer"].to_numpy(),
            "day": pd.to_datetime(walks["on_date"]).to_numpy(dtype="datetime64[D]"),
            "report": 0,
        }
    )
    events = pd.concat([filed, visited], ignore_index=True)
    events["week"] = week_of(events["day"])
    events = events[events["week"] >= 0]
    per_day = events.groupby(["dong_code", "officer", "week", "day"])["report"].sum().reset_index()
    grouped = per_day.groupby(["dong_code", "officer", "week"])
    counts = pd.DataFrame({"outing": grouped.size(), "report": grouped["report"].sum()}).reset_index()
    unit_of = counts["dong_code"].map(lambda c: targets.get(c, OutingTarget()).unit)
    need = counts["dong_code"].map(lambda c: targets.get(c, OutingTarget()).count)
    counts["ok"] = np.where(unit_of == "report", counts["report"], counts["outing"]) >= need
    on_staff = counts.merge(
        staff[["dong_code", "name"]], left_on=["dong_code", "officer"], right_on=["dong_code", "name"]
    )
    weeks_ok = on_staff[on_staff["ok"]].groupby(["dong_code", "officer"]).size()
    out["met"] = (weeks_ok == len(weeks)).groupby(level=0).sum().reindex(out.index, fill_value=0).astype(int)
    ok_weeks = weeks_ok.groupby(level=0).sum().reindex(out.index, fill_value=0)
    out["rate"] = ok_weeks / (out["officers"] * len(weeks))
    return out


@dataclass(frozen=True, eq=False)  # eq=False: frames have no truth value to compare by
class RegionMonth:
    """One month of a gu (its dongs) or of the city (its gus), ready for the page, the sheet and the map.

    ``by_field`` has ``코드, 이름, 소계, 복지 … 일반, kind`` and ``by_activity`` ``코드, 이름, 소계,
    주민소통창구 … 기타, kind``: one row per unit (``kind`` ``unit``), then the 합계 row (``total``);
    ``previous`` is ``by_field`` of the month before.  ``progress`` has one row per unit with its staff,
    outings and the month's steps; ``cases`` are the month's best cases of the region's dongs.
    ``by_dong`` has every dong of the region (index: dong code; ``gu_code, name, loaded, staff, 소계, 복지 … 일반``)
    whatever the level, for maps by dong; ``counted`` are the month's counted reports grouped (``dong_code,
    zone_id, field, activity, n``), for a dong's zones.
    """

    level: str
    code: str
    name: str
    month: str
    today: dt.date
    by_field: pd.DataFrame
    by_activity: pd.DataFrame
    previous: pd.DataFrame
    progress: pd.DataFrame
    cases: pd.DataFrame
    by_dong: pd.DataFrame
    counted: pd.DataFrame
    sample: bool = False

    @property
    def total(self) -> int:
        """All counted activities of the month in the region."""
        return int(self.by_field[SUBTOTAL].iloc[-1])

    @property
    def title(self) -> str:
        """E.g. ``2026년 10월 우리동네주무관 활동실적 취합 (도봉구)``."""
        period = parse_month(self.month)
        return f"{period.year}년 {period.month}월 {TITLE} ({self.name})"


def _first(values: pd.Series) -> dt.date | None:
    values = values.dropna()
    return min(pd.Timestamp(v).date() for v in values) if len(values) else None


def _firsts(frame: pd.DataFrame, column: str) -> dict[str, dt.date]:
    """Per dong, the earliest date in ``column`` (datetimes read as their day)."""
    values = frame[["dong_code", column]].dropna()
    if values.empty:
        return {}
    days = pd.to_datetime(values[column]).dt.date
    return days.groupby(values["dong_code"]).min().to_dict()


def _dong_progress(
    dongs: pd.DataFrame,
    progress: dict[str, pd.DataFrame],
    rates: pd.DataFrame,
    last_days: dict[str, dt.date],
    *,
    month: str,
    today: dt.date,
) -> pd.DataFrame:
    """One row per dong: staff, outings on target, and the month's four steps with their state."""
    due = due_dates(month)
    confirmed = _firsts(progress["aggregations"], "confirmed_at")
    meetings = progress["meetings"]
    held_by = _firsts(meetings[pd.to_datetime(meetings["held_at"]).dt.date <= today], "held_at")  # planned: not held
    cases = progress["best_cases"]
    to_gu, to_city = _firsts(cases, "gu_submitted_on"), _firsts(cases, "city_submitted_on")
    results = cases.groupby("dong_code")["gu_result"]
    selected = results.agg(lambda r: int((r == "selected").sum())).to_dict()
    declined = results.agg(lambda r: bool(len(r)) and bool((r == "not_selected").all())).to_dict()
    officers, met, rate_of = rates["officers"].to_dict(), rates["met"].to_dict(), rates["rate"].to_dict()
    rows = []
    for code, name, gu_name, loaded, sample in zip(
        dongs["dong_code"], dongs["name"], dongs["gu_name"], dongs["loaded"], dongs["sample"], strict=True
    ):
        row: dict[str, object] = {"코드": code, "동": name, "구": gu_name}
        if not loaded:
            rows.append(row | {"자료": NOT_LOADED})
            continue
        rate = rate_of.get(code, np.nan)
        held, done, sent_gu, sent_city = held_by.get(code), confirmed.get(code), to_gu.get(code), to_city.get(code)
        row |= {
            "자료": "샘플" if sample else "불러옴",
            "직원": int(officers.get(code, 0)),
            "순회 달성": int(met.get(code, 0)),
            "순회 달성률": None if pd.isna(rate) else round(float(rate) * 100),
            "취합 확정일": done,
            "취합": state_of(done, due["aggregation"], today),
            "공유회의": held,
            "회의": state_of(held, due["meeting"], today),
            "사례 구 제출일": sent_gu,
            "사례": state_of(sent_gu, due["gu"], today),
            "구 선정": int(selected.get(code, 0)),
            "시 제출일": sent_city,
            "시 제출": "해당 없음" if declined.get(code) else state_of(sent_city, due["city"], today),
            "마지막 보고": last_days.get(code),
        }
        rows.append(row)
    return pd.DataFrame(rows)


def _gu_progress(dongs: pd.DataFrame, per_dong: pd.DataFrame, *, month: str, today: dt.date) -> pd.DataFrame:
    """One row per gu: dongs loaded, steps on time (by the 5th, the 7th), and its cases to the city by the 10th."""
    due = due_dates(month)
    rows = []
    for gu, names in dongs.groupby("gu_code", sort=True):
        mine = per_dong[(per_dong["코드"].isin(names["dong_code"])) & (per_dong["자료"] != NOT_LOADED)]
        to_city = _first(mine["시 제출일"]) if len(mine) else None
        rows.append(
            {
                "코드": gu,
                "구": str(names["gu_name"].iloc[0]),
                "동": len(names),
                "불러온 동": len(mine),
                "직원": int(mine["직원"].sum()) if len(mine) else 0,
                "순회 달성": int(mine["순회 달성"].sum()) if len(mine) else 0,
                "취합 기한 내": int((mine["취합"] == DONE).sum()) if len(mine) else 0,
                "공유회의 개최": int(mine["공유회의"].notna().sum()) if len(mine) else 0,
                "사례 구 제출": int(mine["사례 구 제출일"].notna().sum()) if len(mine) else 0,
                "구 선정": int(mine["구 선정"].sum()) if len(mine) else 0,
                "시 제출일": to_city,
                "시 제출": state_of(to_city, due["city"], today) if len(mine) else "-",
            }
        )
    return pd.DataFrame(rows)


def region_month_for(
    store: Store, gu_code: str | None, *, month: str, user: User, today: dt.date | None = None
) -> RegionMonth:
    """The month of gu ``gu_code`` (its dongs), or of the city when ``gu_code`` is None (its 25 gus).

    Parameters
    ----------
    store : Store
        Where the dongs' reports and month steps are.
    gu_code : str or None
        A Seoul gu code (``11320``), or None for the city.
    month : str
        ``YYYY-MM``.
    user : User
        Who reads: the gu's 구 담당, the city, or the owner (:func:`mapping.access.check_region`).
    today : datetime.date, optional
        The day the steps are judged on (default: the store's clock).

    Returns
    -------
    RegionMonth

    Raises
    ------
    AccessError
        For anyone who may not read the region's counts.
    """
    from mapping.access import check_region

    month = parse_month(month).strftime("%Y-%m")
    check_region(user, gu_code, doing="월간 현황")
    today = today or store.clock().date()
    dongs = dongs_of_region(gu_code, store.dongs())
    loaded = dongs.loc[dongs["loaded"], "dong_code"].tolist()
    counted = store.region_counts(loaded, month=month, user=user)
    progress = store.region_progress(loaded, month, user=user)
    targets = {
        str(c): OutingTarget(**v)
        for c, v in zip(progress["targets"]["dong_code"], progress["targets"]["value"], strict=True)
        if v
    }
    days = counted["days"]
    rates = outing_rates(days, progress["walks"], progress["staff"], targets, month=month, today=today)
    last_days = pd.to_datetime(days["day"]).dt.date.groupby(days["dong_code"]).max().to_dict() if len(days) else {}
    per_dong = _dong_progress(dongs, progress, rates, last_days, month=month, today=today)
    codes = dongs["dong_code"].tolist()
    identity = pd.Series(codes, index=codes, dtype=object)
    counts = count_region(counted["month"], unit_of=identity, units=codes)  # per dong, then rolled up
    before = count_region(counted["previous"], unit_of=identity, units=codes)
    by_dong = dongs.set_index("dong_code")[["gu_code", "name", "loaded"]].assign(
        staff=rates["officers"].reindex(codes).fillna(0).astype(int).to_numpy()
    )
    by_dong = pd.concat([by_dong.assign(**{SUBTOTAL: counts["field"].sum(axis=1)}), counts["field"]], axis=1)
    if gu_code is None:
        level, code, name = "city", CITY_CODE, CITY_NAME
        units = sorted(gu_names())
        names = pd.Series(gu_names())
        table = _gu_progress(dongs, per_dong, month=month, today=today)
        gus = [gu_of(c) for c in codes]
        counts = {k: v.groupby(gus).sum().reindex(units, fill_value=0) for k, v in counts.items()}
        before = {k: v.groupby(gus).sum().reindex(units, fill_value=0) for k, v in before.items()}
    else:
        level, code, name = "gu", gu_code, gu_names().get(gu_code, gu_code)
        names = dongs.set_index("dong_code")["name"]
        table = per_dong.drop(columns="구")
    cases = progress["best_cases"].merge(dongs[["dong_code", "name", "gu_name"]], on="dong_code", how="left")
    return RegionMonth(
        level=level,
        code=code,
        name=name,
        month=month,
        today=today,
        by_field=_with_totals(counts["field"], names),
        by_activity=_with_totals(counts["activity"], names),
        previous=_with_totals(before["field"], names),
        progress=table,
        cases=cases,
        by_dong=by_dong,
        counted=counted["month"],
        sample=bool(dongs.loc[dongs["loaded"], "sample"].any()),
    )


# --- XLSX -------------------------------------------------------------------------------------------------------


def _write_counts(ws: Worksheet, row: int, table: pd.DataFrame, columns: tuple[str, ...], *, unit: str) -> int:
    """The units × columns table with 소계 (per row) and 합계 (last row); returns the next free row."""
    heads = (unit, SUBTOTAL, *columns)
    for j, label in enumerate(heads, 1):
        xlsx_cell(ws, row, j, label, head=True)
    row += 1
    bold = Font(name=XLSX_FONT, bold=True)
    for record in table.to_dict("records"):
        total = record["kind"] == "total"
        fill, font = (TOTAL_FILL, bold) if total else (None, None)
        xlsx_cell(ws, row, 1, record["이름"], align=CENTRE, font=font, fill=fill)
        for j, label in enumerate(heads[1:], 2):
            xlsx_cell(ws, row, j, int(record[label]), align=CENTRE, font=font or (bold if j == 2 else None), fill=fill)
        ws.row_dimensions[row].height = 18
        row += 1
    return row


def _cell_text(value: object) -> object:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, dt.date):
        return f"{value.month}. {value.day}."
    return value


def export_region_xlsx(region: RegionMonth, path: Path) -> Path:
    """Write the gu's (or the city's) month as a print-ready XLSX, A4 landscape.

    Sheets: ``분야별`` (units × the six fields, 소계 per unit, 합계 last, change against the month before),
    ``활동유형별`` (units × activity types) and ``진행`` (each unit's staff, outings and steps by the 5th/7th/10th).

    Parameters
    ----------
    region : RegionMonth
        From :func:`region_month_for`.
    path : Path
        The file to write (overwritten).

    Returns
    -------
    Path
        ``path``.
    """
    unit = "동" if region.level == "gu" else "구"
    made = clock.today()
    note = f"{region.name}{' (샘플 포함)' if region.sample else ''} · 작성 {made.year}. {made.month}. {made.day}."
    wb = Workbook()
    ws = wb.active
    ws.title = "분야별"
    last_col = 2 + len(FIELD_COLUMNS) + 1
    row = xlsx_title(ws, f"{region.title} — 분야별", last_col=last_col, subtitle=note)
    top = row
    by_field = region.by_field.assign(전월=region.previous[SUBTOTAL].to_numpy())
    by_field["증감"] = by_field[SUBTOTAL] - by_field["전월"]
    end = _write_counts(ws, row, by_field, (*FIELD_COLUMNS, "증감"), unit=unit)
    ws.freeze_panes = ws.cell(row=top + 1, column=2)
    xlsx_cell(
        ws, end + 1, 1, _note(region), align=Alignment(wrap_text=True, vertical="top"), merge_to=last_col, border=False
    )
    ws.row_dimensions[end + 1].height = 34
    xlsx_page_setup(
        ws, widths=(14, 8, *(7,) * len(FIELD_COLUMNS), 7), last_row=end + 1, landscape=True, repeat_rows=f"{top}:{top}"
    )

    ws = wb.create_sheet("활동유형별")
    last_col = 2 + len(ACTIVITY_COLUMNS)
    row = xlsx_title(ws, f"{region.title} — 활동유형별", last_col=last_col, subtitle=note)
    end = _write_counts(ws, row, region.by_activity, ACTIVITY_COLUMNS, unit=unit)
    ws.freeze_panes = ws.cell(row=row + 1, column=2)
    xlsx_page_setup(
        ws, widths=(14, 8, *(13,) * len(ACTIVITY_COLUMNS)), last_row=end, landscape=True, repeat_rows=f"{row}:{row}"
    )

    ws = wb.create_sheet("진행")
    columns = [c for c in region.progress.columns if c not in ("코드",)]
    row = xlsx_title(ws, f"{region.title} — 기한별 진행", last_col=len(columns), subtitle=note)
    row = xlsx_section(ws, row, "취합·공유회의: 다음 달 5일, 실천사례 구 제출: 7일, 구 선정 사례 시 제출: 10일까지")
    head = row
    for j, label in enumerate(columns, 1):
        xlsx_cell(ws, row, j, label, head=True)
    row += 1
    for record in region.progress[columns].to_dict("records"):
        for j, label in enumerate(columns, 1):
            xlsx_cell(ws, row, j, _cell_text(record[label]), align=CENTRE)
        row += 1
    xlsx_page_setup(
        ws, widths=(12, *(10,) * (len(columns) - 1)), last_row=row, landscape=True, repeat_rows=f"{head}:{head}"
    )
    wb.save(path)
    return Path(path)


def _note(region: RegionMonth) -> str:
    parts = [
        "활동보고서로 제출된 그 달의 보고(중복 제외)를 동의 취합과 같은 규칙으로 셉니다. 증감은 전월 대비 소계입니다.",
    ]
    progress = region.progress
    missing = progress["자료"] == NOT_LOADED if region.level == "gu" else progress["불러온 동"] == 0
    if missing.any():
        parts.append(f"자료를 불러오지 않은 {int(missing.sum())}곳은 0으로 나옵니다.")
    if region.sample:
        parts.append("샘플 동(가상의 직원·보고)이 들어 있습니다.")
    return " ".join(parts)


# --- the map ------------------------------------------------------------------------------------------------------

MEASURES = {"per_staff": "직원 1인당 활동", "total": "활동 건수", **{label: f"{label} 활동" for label in FIELD_COLUMNS}}
"""What a region map colours by: activities per staff member, all activities, or one field's."""


def region_units(region: RegionMonth, *, by: str = "dong", measure: str = "per_staff") -> gpd.GeoDataFrame:
    """The region's dongs (or, for the city, its gus with ``by="gu"``) with ``label`` and ``value`` to map.

    Units without a loaded kit get ``value`` NaN (drawn apart, never as a count of 0); ``code`` is the unit's
    행정동 (or gu) code, what a click on the map reports.
    """
    if measure not in MEASURES:
        raise ValueError(f"{measure!r}는 지도 값이 아닙니다. 가능한 값: {', '.join(MEASURES)}")
    if by not in ("dong", "gu") or (by == "gu" and region.level != "city"):
        raise ValueError(f"by={by!r}: 구 현황은 'dong', 시 현황은 'dong' 또는 'gu'입니다.")
    dongs = region.by_dong
    if by == "gu":
        grouped = dongs.groupby("gu_code")
        table = grouped[[SUBTOTAL, *FIELD_COLUMNS, "staff"]].sum().assign(loaded=grouped["loaded"].any())
        shapes = seoul_gus().set_index("gu_code")
        names = shapes["gu_name"]
    else:
        table = dongs
        shapes = seoul_dongs().set_index("dong_code")
        names = table["name"]
    column = {"per_staff": SUBTOTAL, "total": SUBTOTAL}.get(measure, measure)
    value = table[column].astype(float)
    if measure == "per_staff":
        value = (value / table["staff"].where(table["staff"] > 0)).round(1)
    value = value.where(table["loaded"])
    units = gpd.GeoDataFrame(
        {
            "label": names.reindex(table.index).fillna(pd.Series(table.index, index=table.index)),
            "value": value,
            "code": table.index,
        },
        geometry=shapes.geometry.reindex(table.index).to_numpy(),
        crs=seoul_dongs().crs,
    )
    return units[units.geometry.notna()]


def build_region_map(region: RegionMonth, *, by: str = "dong", measure: str = "per_staff") -> folium.Map:
    """A choropleth of the region (see :func:`region_units`): loaded units by class, the others grey."""
    from mapping.density import classify
    from mapping.layers import build_density_layer, build_map, build_no_data_layer, density_legend_html

    units = region_units(region, by=by, measure=measure)
    have = units[units["value"].notna()]
    layers = []
    missing = units[units["value"].isna()]
    if len(missing):
        layers.append(build_no_data_layer(missing, name="자료 없는 곳 (회색)"))
    legend = ""
    if len(have):
        unit = "건" if measure != "per_staff" else "건/인"
        classes = classify(have["value"], unit=unit)
        layers.append(build_density_layer(have, name=MEASURES[measure], value="value", classes=classes, key="code"))
        legend = density_legend_html(classes, what=f"{region.month} {MEASURES[measure]}")
    return build_map(layers, bounds=units, legend=legend, sample=region.sample)


def zone_counts(region: RegionMonth, code: str, zones: pd.DataFrame) -> pd.DataFrame:
    """One dong's month by zone: ``구역, 담당, 통, 소계, 복지 … 일반`` (counts only), a row per zone of ``zones``.

    A report outside every zone counts in the dong's totals but in no zone row.
    """
    mine = region.counted[region.counted["dong_code"] == code]
    labels = mine["field"].map(_FIELD_LABELS).fillna(_GENERAL)
    table = (
        mine["n"].groupby([mine["zone_id"], labels]).sum().unstack(fill_value=0)
        if len(mine)
        else pd.DataFrame(index=pd.Index([], name="zone_id"))
    ).reindex(index=zones["zone_id"], columns=list(FIELD_COLUMNS), fill_value=0)
    table = table.fillna(0).astype(int)
    table.insert(0, SUBTOTAL, table.sum(axis=1))
    table.insert(0, "통", [", ".join(map(str, t)) for t in zones["tongs"]])
    table.insert(0, "담당", list(zones["officer"]))
    return table.reset_index(names="구역")
