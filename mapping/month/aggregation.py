"""The month's 취합: every officer's submitted activity, by field and by activity type, as the 취합 서식.

Counted: reports of the month whose 활동보고서 was submitted (``reported``),
except those marked 중복.  Credit goes to whoever owned the report's tong
when it was written (the ownership history kept by zone edits and hand-overs);
before the first recorded owner the first owner is taken (the kit's
assignment stands for the time before it was loaded); a report outside every
tong, or in a tong nobody owned at the time, counts for its finder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from mapping import clock
from mapping.domain import FIELDS
from mapping.month.activity import COUNT_ROWS, activity_group
from mapping.printing import CENTRE, TOTAL_FILL, XLSX_FONT, xlsx_cell, xlsx_page_setup, xlsx_title
from mapping.text import present

if TYPE_CHECKING:
    from mapping.store import Store

TITLE = "우리동네주무관 활동실적 취합"
TOTAL, SUBTOTAL, GRAND = "계", "소계", "합계"
ACTIVITY_COLUMNS = tuple(label for label, _ in COUNT_ROWS)  # 주민소통창구 … 기타
FIELD_COLUMNS = FIELDS.labels  # 복지 … 일반
OFF_LIST_TEAM = "명단 외"  # credited to someone no longer on the staff list
CREDIT_RULE = (
    "※ 활동보고서를 제출한 보고만 셉니다(중복 제외). 실적은 보고 당시 그 통의 담당 주무관에게 "
    "집계합니다(구역 인계 이력 기준); 통 밖의 보고는 작성자에게."
)
REQUIRED_COLUMNS = ("created_at", "finder", "tong", "field", "activity", "status", "reported")


@dataclass(frozen=True, eq=False)  # eq=False: frames have no truth value to compare by
class MonthlySheet:
    """One month's 취합 for one dong.

    ``by_field`` has the columns 팀명, 성명, 계, 복지 … 일반, 담당통, 대직자 and
    ``by_activity`` 팀명, 성명, 계, 주민소통창구 … 기타; both have one row per
    officer grouped by team, a 소계 row after each team and a last 합계 row,
    told apart by the column ``kind`` (``officer`` / ``subtotal`` / ``total``).
    ``counted`` are the counted reports with the column ``credited``.
    """

    dong: str
    month: str
    by_field: pd.DataFrame
    by_activity: pd.DataFrame
    counted: pd.DataFrame
    unreported: int
    sample: bool = False

    @property
    def total(self) -> int:
        """All counted activities of the month."""
        return int(self.by_field[TOTAL].iloc[-1])


def parse_month(month: object) -> pd.Period:
    """``"2026-10"`` (or ``2026.10``, ``2026-10-01``) as a monthly Period.

    Raises
    ------
    ValueError
        Naming the value got and the form expected.
    """
    text = str(month).strip().replace(".", "-").replace("/", "-")
    try:
        period = pd.Period(text, freq="M")
    except (ValueError, TypeError) as err:
        raise ValueError(f"월 {month!r}을(를) 읽을 수 없습니다. YYYY-MM 꼴로 주세요 (예: 2026-10).") from err
    if not 2000 <= period.year <= 2100:
        raise ValueError(f"월 {month!r}의 연도가 이상합니다. YYYY-MM 꼴로 주세요 (예: 2026-10).")
    return period


def credit_reports(reports: pd.DataFrame, ownership: pd.DataFrame) -> pd.Series:
    """Who gets the credit for each report: the tong's owner when it was written, else its finder.

    Parameters
    ----------
    reports : DataFrame
        With ``created_at``, ``tong`` and ``finder``.
    ownership : DataFrame
        ``tong, officer, since, until`` as :meth:`mapping.store.Store.ownership` returns it.

    Returns
    -------
    Series
        Officer names aligned to ``reports.index``.
    """
    credited = reports["finder"].astype(object).copy()
    has_tong = reports["tong"].notna()
    if ownership.empty or not has_tong.any():
        return credited
    left = pd.DataFrame(
        {
            "at": pd.to_datetime(reports.loc[has_tong, "created_at"]).astype("datetime64[ns]"),
            "tong": reports.loc[has_tong, "tong"].astype("int64"),
            "row": reports.index[has_tong],
        }
    ).sort_values("at", kind="stable")
    owners = pd.DataFrame(
        {
            "since": pd.to_datetime(ownership["since"]).astype("datetime64[ns]"),
            "until": pd.to_datetime(ownership["until"]).astype("datetime64[ns]"),
            "tong": ownership["tong"].astype("int64"),
            "officer": ownership["officer"].astype(object),
        }
    ).sort_values("since", kind="stable")
    at_time = pd.merge_asof(left, owners, left_on="at", right_on="since", by="tong", direction="backward")
    ended = at_time["until"].notna() & (at_time["at"] >= at_time["until"])  # the tong had no owner then
    at_time.loc[ended, "officer"] = None
    first = owners.drop_duplicates("tong").set_index("tong")["officer"]
    before = at_time["since"].isna()  # written before the first record: the first owner
    at_time.loc[before, "officer"] = at_time.loc[before, "tong"].map(first)
    found = at_time[at_time["officer"].notna()]
    credited.loc[found["row"].to_numpy()] = found["officer"].to_numpy()
    return credited


def build_monthly_sheet(
    reports: pd.DataFrame,
    staff: pd.DataFrame,
    ownership: pd.DataFrame,
    *,
    month: str,
    dong: str,
    sample: bool = False,
) -> MonthlySheet:
    """Count one month's submitted activities per officer, by field and by activity type.

    Parameters
    ----------
    reports : DataFrame
        The dong's reports (``created_at, finder, tong, field, activity, status, reported``).
    staff : DataFrame
        The staff list (``name, team, substitute``; in the list's order).
    ownership : DataFrame
        Who owned which tong from when (``tong, officer, since, until``).
    month : str
        ``YYYY-MM``.
    dong : str
        The dong's name, for the title.
    sample : bool
        Mark the sheet as sample data.

    Returns
    -------
    MonthlySheet

    Raises
    ------
    ValueError
        For a missing column or a month that cannot be read.
    """
    period = parse_month(month)
    missing = [c for c in REQUIRED_COLUMNS if c not in reports.columns]
    if missing:
        raise ValueError(
            f"보고 목록에 열 {', '.join(missing)}이(가) 없습니다. 필요한 열: {', '.join(REQUIRED_COLUMNS)}"
        )
    created = pd.to_datetime(reports["created_at"])
    of_month = reports[(created >= period.start_time) & (created <= period.end_time)]
    of_month = of_month[of_month["status"] != "duplicate"]  # the same activity counted twice
    submitted = of_month["reported"].fillna(False).astype(bool)
    counted = of_month[submitted].copy()
    counted["credited"] = credit_reports(counted, ownership)
    roster = _roster(staff, counted["credited"])
    field_labels = counted["field"].map(lambda k: FIELDS.label(k) if k in FIELDS.keys else FIELDS.label("general"))
    activity_labels = counted["activity"].map(activity_group)
    tongs = _tongs_of_month(ownership, period)
    by_field = _table(roster, counted["credited"], field_labels, FIELD_COLUMNS)
    by_field["담당통"] = [
        tongs.get(n, "") if k == "officer" else "" for n, k in zip(by_field["성명"], by_field["kind"], strict=True)
    ]
    subs = staff.set_index("name")["substitute"] if len(staff) else pd.Series(dtype=object)
    by_field["대직자"] = [
        _text(subs.get(n)) if k == "officer" else "" for n, k in zip(by_field["성명"], by_field["kind"], strict=True)
    ]
    by_activity = _table(roster, counted["credited"], activity_labels, ACTIVITY_COLUMNS)
    return MonthlySheet(
        dong=dong,
        month=period.strftime("%Y-%m"),
        by_field=by_field,
        by_activity=by_activity,
        counted=counted,
        unreported=int((~submitted).sum()),
        sample=sample,
    )


def _text(value: object) -> str:
    return str(value).strip() if present(value) else ""


def _roster(staff: pd.DataFrame, credited: pd.Series) -> list[tuple[str, str]]:
    """(team, name) in the staff list's order, teams kept together; credited names off the list last."""
    people = [(_text(t) or "-", str(n)) for n, t in zip(staff["name"], staff["team"], strict=True)]
    teams = list(dict.fromkeys(t for t, _ in people))
    ordered = [(t, n) for team in teams for t, n in people if t == team]
    known = {n for _, n in people}
    ordered += [(OFF_LIST_TEAM, n) for n in sorted(set(credited.dropna()) - known)]
    return ordered


def _table(
    roster: list[tuple[str, str]], credited: pd.Series, labels: pd.Series, columns: Iterable[str]
) -> pd.DataFrame:
    columns = list(columns)
    counts = pd.crosstab(credited, labels) if len(credited) else pd.DataFrame()
    rows = []
    for team in dict.fromkeys(t for t, _ in roster):
        members = [n for t, n in roster if t == team]
        block = counts.reindex(index=members, columns=columns, fill_value=0).astype(int)
        for name, values in block.iterrows():
            rows.append({"팀명": team, "성명": name, **values.to_dict(), "kind": "officer"})
        rows.append({"팀명": team, "성명": SUBTOTAL, **block.sum().to_dict(), "kind": "subtotal"})
    grand = pd.DataFrame([r for r in rows if r["kind"] == "subtotal"])[columns].sum() if rows else None
    rows.append(
        {"팀명": GRAND, "성명": "", **{c: int(grand[c]) if grand is not None else 0 for c in columns}, "kind": "total"}
    )
    table = pd.DataFrame(rows, columns=["팀명", "성명", *columns, "kind"])
    table.insert(2, TOTAL, table[columns].sum(axis=1).astype(int))
    return table


def _tongs_of_month(ownership: pd.DataFrame, period: pd.Period) -> dict[str, str]:
    """Each officer's tongs owned at any time in the month, as "1~3, 7"."""
    if ownership.empty:
        return {}
    since = pd.to_datetime(ownership["since"])
    until = pd.to_datetime(ownership["until"])
    first = since.groupby(ownership["tong"]).transform("min") == since  # the first owner stands for the time before
    overlaps = (first | (since <= period.end_time)) & (until.isna() | (until > period.start_time))
    held = ownership[overlaps].groupby("officer")["tong"].apply(lambda s: format_tongs(int(t) for t in s))
    return held.to_dict()


def format_tongs(tongs: Iterable[int]) -> str:
    """``[1, 2, 3, 7]`` → ``"1~3, 7"``."""
    numbers = sorted(set(tongs))
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ", ".join(f"{r[0]}~{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def month_counts(
    created_at: np.ndarray,
    zone_codes: np.ndarray,
    field_codes: np.ndarray,
    reported: np.ndarray,
    *,
    month: str,
    zones: int,
    fields: int,
) -> np.ndarray:
    """Submitted reports of ``month`` per zone × field, for any number of dongs at once.

    The arrays are the reports' columns as the store keeps them, sorted by ``created_at``: the zone and
    field as integer codes (attached when each report was written; -1 = none).  A month is then a
    slice (binary search) and the table one ``bincount``: no spatial work at query time.

    Returns
    -------
    numpy.ndarray
        ``zones × fields`` integer counts.
    """
    period = parse_month(month)
    lo, hi = np.searchsorted(created_at, [np.datetime64(period.start_time), np.datetime64((period + 1).start_time)])
    zone, field, submitted = zone_codes[lo:hi], field_codes[lo:hi], reported[lo:hi]
    keep = submitted & (zone >= 0) & (field >= 0)
    return np.bincount(zone[keep] * fields + field[keep], minlength=zones * fields).reshape(zones, fields)


def monthly_sheet_for(store: Store, code: str, *, month: str) -> MonthlySheet:
    """Build the month's 취합 of dong ``code`` from the store."""
    dongs = store.dongs().set_index("dong_code")
    return build_monthly_sheet(
        store.reports(code),
        store.staff(code),
        store.ownership(code),
        month=month,
        dong=str(dongs.loc[code, "name"]),
        sample=bool(dongs.loc[code, "sample"]),
    )


# --- XLSX -------------------------------------------------------------------------------------------------------

_FIELD_WIDTHS = (14, 10, 7, 7, 7, 7, 7, 7, 7, 16, 10)
_ACTIVITY_WIDTHS = (14, 10, 7, 13, 13, 13, 13, 9)


def export_monthly_xlsx(sheet: MonthlySheet, path: Path) -> Path:
    """Write the 취합 서식 as a print-ready XLSX (A4 landscape): sheets "분야별" and "활동유형별".

    Parameters
    ----------
    sheet : MonthlySheet
        From :func:`build_monthly_sheet`.
    path : Path
        The file to write (overwritten).

    Returns
    -------
    Path
        ``path``.
    """
    wb = Workbook()
    by_field = wb.active
    by_field.title = "분야별"
    _write_table(by_field, sheet, sheet.by_field, FIELD_COLUMNS, tail=("담당통", "대직자"), widths=_FIELD_WIDTHS)
    by_activity = wb.create_sheet("활동유형별")
    _write_table(by_activity, sheet, sheet.by_activity, ACTIVITY_COLUMNS, tail=(), widths=_ACTIVITY_WIDTHS)
    wb.save(path)
    return Path(path)


def _write_table(
    ws: Worksheet,
    sheet: MonthlySheet,
    table: pd.DataFrame,
    columns: tuple[str, ...],
    *,
    tail: tuple[str, ...],
    widths: tuple[int, ...],
) -> None:
    period = pd.Period(sheet.month, freq="M")
    last_col = 3 + len(columns) + len(tail)
    title = f"{period.year}년 {period.month}월 {TITLE} ({ws.title})"
    made = clock.today()
    note = f"{sheet.dong}{' (샘플)' if sheet.sample else ''} · 작성 {made.year}. {made.month}. {made.day}."
    row = xlsx_title(ws, title, last_col=last_col, subtitle=note)
    top, sub = row, row + 1
    for col, label in ((1, "팀명"), (2, "성명")):
        xlsx_cell(ws, top, col, label, head=True, merge_down=sub)
    xlsx_cell(ws, top, 3, "활동실적", head=True, merge_to=3 + len(columns))
    for j, label in enumerate((TOTAL, *columns)):
        xlsx_cell(ws, sub, 3 + j, label, head=True)
    for j, label in enumerate(tail):
        xlsx_cell(ws, top, 4 + len(columns) + j, label, head=True, merge_down=sub)
    row = sub + 1
    bold = Font(name=XLSX_FONT, bold=True)
    team_start = row
    for record in table.to_dict("records"):
        kind = record["kind"]
        fill = TOTAL_FILL if kind != "officer" else None
        font = bold if kind != "officer" else None
        if kind == "total":
            xlsx_cell(ws, row, 1, GRAND, merge_to=2, align=CENTRE, font=bold, fill=fill)
        else:
            xlsx_cell(ws, row, 2, record["성명"], align=CENTRE, font=font, fill=fill)
        for j, label in enumerate((TOTAL, *columns)):
            xlsx_cell(ws, row, 3 + j, int(record[label]), align=CENTRE, font=font, fill=fill)
        for j, label in enumerate(tail):
            xlsx_cell(ws, row, 4 + len(columns) + j, record[label], align=CENTRE, fill=fill)
        if kind == "subtotal":  # the team's name, merged down its officers and its 소계
            xlsx_cell(ws, team_start, 1, record["팀명"], align=CENTRE, font=bold, merge_down=row)
            team_start = row + 1
        ws.row_dimensions[row].height = 20
        row += 1
    note_row = row + 1
    xlsx_cell(
        ws, note_row, 1, _note(sheet), align=Alignment(wrap_text=True, vertical="top"), merge_to=last_col, border=False
    )
    ws.row_dimensions[note_row].height = 34
    ws.freeze_panes = ws.cell(row=sub + 1, column=3)
    xlsx_page_setup(ws, widths=widths, last_row=note_row, landscape=True, repeat_rows=f"{top}:{sub}")


def _note(sheet: MonthlySheet) -> str:
    parts = [CREDIT_RULE]
    if sheet.unreported:
        parts.append(f"활동보고서 미제출 {sheet.unreported}건은 빠져 있습니다.")
    if sheet.sample:
        parts.append("샘플 데이터입니다(가상의 직원·보고).")
    return " ".join(parts)
