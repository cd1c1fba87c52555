"""The monthly sharing meeting's pack (공유회의 자료), as PDF and XLSX, with the month's density map.

What it shows: 일시, 장소, 참석자; 분야별 활동실적 (field, 주요내용 = the most
frequent kinds of report in that field, count); the progress of the month's
미션·현안 (reports tagged with each, by status); the history of monthly best
cases; 중점 토의사항 and 당부사항 as the team leader wrote them; a map of the
month's counted activities per zone.  No resident's name or contact is in
it: the counted reports come without them (:meth:`mapping.store.Store.reports`).
Every text a person typed (mission titles too) reaches the XLSX through
:func:`mapping.printing.safe_text` and the PDF as plain text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from openpyxl import Workbook
from openpyxl.drawing.image import Image as XLImage

from mapping.crs import require_crs, to_metric
from mapping.density import classify
from mapping.domain import FIELDS, MISSION_KINDS, REPORT_STATUSES
from mapping.month.aggregation import MonthlySheet
from mapping.outreach import PROGRESS_LABELS
from mapping.printing import (
    HEAD_STYLE,
    new_pdf,
    pdf_section,
    pdf_table,
    pdf_title,
    xlsx_cell,
    xlsx_page_setup,
    xlsx_section,
    xlsx_table,
    xlsx_title,
)
from mapping.text import shorten, text_of

if TYPE_CHECKING:
    from mapping.store import Store

TITLE = "우리동네주무관 월례 공유회의"
TOP_KINDS = 3
KIND_CHARS = 24
_TAG = re.compile(r"^\s*(\[[^\]]*\]\s*)+")  # leading tags such as "[샘플]"
# the by-status columns of the mission table: 종료 is already there as 처리완료
_MISSION_STATUSES = tuple(s for s in REPORT_STATUSES.keys if s != "closed")
MISSION_COLUMNS = [
    "구분",
    "미션·현안",
    *(PROGRESS_LABELS[k] for k in ("total", "done", "open")),
    *(PROGRESS_LABELS[s] for s in _MISSION_STATUSES),
]


@dataclass(frozen=True, eq=False)
class MeetingPack:
    """Everything the sharing meeting's pack shows."""

    dong: str
    month: str
    held_at: dt.datetime | None
    place: str
    attendees: list[str]
    by_field: pd.DataFrame  # 분야, 주요내용, 건수 (+ 합계 row)
    best_cases: pd.DataFrame  # 연월, 우수사례, 분야, 진행
    discussion: str
    requests: str
    zone_counts: gpd.GeoDataFrame  # zone_id, officer, count, geometry
    sample: bool = False
    missions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=MISSION_COLUMNS))  # mission_table

    @property
    def when(self) -> str:
        """E.g. "2026년 11월 4일 (수) 16:00" (or "미정")."""
        if self.held_at is None:
            return "미정"
        d = self.held_at
        return f"{d.year}년 {d.month}월 {d.day}일 ({'월화수목금토일'[d.weekday()]}) {d:%H:%M}"


def report_kind(title: object, memo: object) -> str:
    """What a report is about, for grouping: its title, else its memo's first line, without "[샘플]"-like tags."""
    text = text_of(title) or text_of(memo).split("\n")[0]
    return shorten(_TAG.sub("", text), KIND_CHARS)


def field_summary(counted: pd.DataFrame) -> pd.DataFrame:
    """Per field: the most frequent kinds of report (``주요내용``) and the count, then a 합계 row."""
    rows = []
    fields = counted["field"].where(counted["field"].isin(FIELDS.keys), "general")
    for key, label in FIELDS.items:
        mine = counted[fields == key]
        kinds = Counter(report_kind(t, m) for t, m in zip(mine["title"], mine["memo"], strict=True))
        kinds.pop("", None)
        top = sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_KINDS]
        rows.append({"분야": label, "주요내용": ", ".join(f"{k} {n}건" for k, n in top), "건수": len(mine)})
    rows.append({"분야": "합계", "주요내용": "", "건수": len(counted)})
    return pd.DataFrame(rows)


def best_case_history(cases: pd.DataFrame) -> pd.DataFrame:
    """연월, 우수사례, 분야, 진행 of every best case, newest first."""
    rows = [
        {
            "연월": f"{m[:4]}.{m[5:]}",
            "우수사례": title,
            "분야": FIELDS.label(f),
            "진행": _progress(gu_on, result, city_on),
        }
        for m, title, f, gu_on, result, city_on in zip(
            cases.get("month", []),
            cases.get("title", []),
            cases.get("field", []),
            cases.get("gu_submitted_on", []),
            cases.get("gu_result", []),
            cases.get("city_submitted_on", []),
            strict=True,
        )
    ]
    return pd.DataFrame(rows, columns=["연월", "우수사례", "분야", "진행"])


def _progress(gu_on: object, result: object, city_on: object) -> str:
    if text_of(city_on):
        return "시 제출"
    if result == "selected":
        return "구 선정"
    if result == "not_selected":
        return "구 미선정"
    return "구 제출" if text_of(gu_on) else "선정"


def mission_table(progress: pd.DataFrame) -> pd.DataFrame:
    """The month's missions and issues with their tagged reports by status, under Korean headers.

    Parameters
    ----------
    progress : DataFrame
        As :func:`mapping.outreach.mission_progress` (or :meth:`Store.mission_progress`) returns it.

    Returns
    -------
    DataFrame
        :data:`MISSION_COLUMNS`: 구분, 미션·현안, 계, 처리완료 (종료), 미완료, then one column per status
        other than 종료; one row per mission, in the order given.
    """
    keys = ["total", "done", "open", *_MISSION_STATUSES]
    table = progress[["kind", "title", *keys]].copy()
    table["kind"] = [MISSION_KINDS.label(k) for k in table["kind"]]
    table[keys] = table[keys].astype("int64")
    table.columns = MISSION_COLUMNS
    return table.reset_index(drop=True)


def _mission_rows(table: pd.DataFrame) -> list[list[object]]:
    """Rows for print: 구분, the title with its open statuses on a second line, 계, 처리완료."""
    total, done = PROGRESS_LABELS["total"], PROGRESS_LABELS["done"]
    rows = []
    for record in table.to_dict("records"):
        parts = [f"{PROGRESS_LABELS[s]} {record[PROGRESS_LABELS[s]]}" for s in _MISSION_STATUSES]
        detail = " · ".join(p for p in parts if not p.endswith(" 0"))
        title = text_of(record["미션·현안"]) + (f"\n{detail}" if detail else "")
        rows.append([record["구분"], title, int(record[total]), int(record[done])])
    return rows or [["-", "이 달에 정한 미션·현안이 없습니다", "-", "-"]]


def _mission_head() -> list[str]:
    return ["구분", "미션·현안 (상태별)", PROGRESS_LABELS["total"], PROGRESS_LABELS["done"]]


def zone_counts(zones: gpd.GeoDataFrame, counted: pd.DataFrame) -> gpd.GeoDataFrame:
    """The zones with the month's counted activities (by the zone a report was written in)."""
    require_crs(zones, name="구역")
    per_zone = counted.groupby("zone_id").size() if len(counted) else pd.Series(dtype=int)
    out = zones[["zone_id", "officer", "geometry"]].copy()
    out["count"] = out["zone_id"].map(per_zone).fillna(0).astype(int)
    return out


def build_meeting_pack(
    sheet: MonthlySheet,
    zones: gpd.GeoDataFrame,
    *,
    meeting: dict | None,
    best_cases: pd.DataFrame,
    missions: pd.DataFrame | None = None,
) -> MeetingPack:
    """Gather the month's 취합, the saved meeting and the best cases into the meeting pack.

    Parameters
    ----------
    sheet : MonthlySheet
        The month's 취합 (its ``counted`` reports give the field summary and the map).
    zones : GeoDataFrame
        The dong's zones (any CRS).
    meeting : dict or None
        As :meth:`mapping.store.Store.meeting` returns it (None: not planned yet).
    best_cases : DataFrame
        As :meth:`mapping.store.Store.best_cases` returns it.
    missions : DataFrame, optional
        The month's mission progress, as :meth:`mapping.store.Store.mission_progress` returns it
        (None: no mission was set).

    Returns
    -------
    MeetingPack
    """
    meeting = meeting or {}
    return MeetingPack(
        dong=sheet.dong,
        month=sheet.month,
        held_at=meeting.get("held_at"),
        place=text_of(meeting.get("place")),
        attendees=list(meeting.get("attendees") or []),
        by_field=field_summary(sheet.counted),
        best_cases=best_case_history(best_cases),
        discussion=text_of(meeting.get("discussion")),
        requests=text_of(meeting.get("requests")),
        zone_counts=zone_counts(zones, sheet.counted),
        sample=sheet.sample,
        missions=mission_table(missions) if missions is not None else pd.DataFrame(columns=MISSION_COLUMNS),
    )


def meeting_pack_for(store: Store, code: str, *, month: str) -> MeetingPack:
    """Build the meeting pack of dong ``code`` for ``month`` from the store."""
    from mapping.month.aggregation import monthly_sheet_for

    sheet = monthly_sheet_for(store, code, month=month)
    return build_meeting_pack(
        sheet,
        store.zones(code),
        meeting=store.meeting(code, sheet.month),
        best_cases=store.best_cases(code),
        missions=store.mission_progress(code, sheet.month),
    )


# --- the density map, as a picture for print ---------------------------------------------------------------------


def density_png(counts: gpd.GeoDataFrame, *, title: str, dpi: int = 150) -> bytes:
    """A PNG map of activities per zone: classed colours, each zone labelled with its officer and count."""
    import matplotlib
    from matplotlib.figure import Figure  # not pyplot: no global state shared between Streamlit sessions
    from matplotlib.patches import Patch

    from mapping.fonts import matplotlib_korean_family

    family = matplotlib_korean_family()
    metric = to_metric(counts, name="구역")
    classes = classify(metric["count"])
    colours = [classes.colour_of(v) for v in metric["count"]]
    with matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False}):
        fig = Figure(figsize=(7.5, 6.0))
        ax = fig.add_subplot()
        metric.plot(ax=ax, color=colours, edgecolor="#444444", linewidth=0.8)
        for geom, officer, n in zip(metric.geometry, metric["officer"], metric["count"], strict=True):
            p = geom.representative_point()
            label = text_of(officer).replace("$", r"\$")  # a "$" in a name must not start matplotlib's mathtext
            ax.annotate(f"{label}\n{n}건", (p.x, p.y), ha="center", va="center", fontsize=7)
        handles = [
            Patch(facecolor=c, edgecolor="#444444", label=lab)
            for c, lab in zip(classes.colours, classes.labels, strict=True)
        ]
        ax.legend(handles=handles, title="활동 건수", loc="lower right", fontsize=7, title_fontsize=8)
        ax.set_title(title, fontsize=11)
        ax.set_axis_off()
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def _map_title(pack: MeetingPack) -> str:
    period = pd.Period(pack.month, freq="M")
    return f"{period.year}년 {period.month}월 구역별 활동 ({pack.dong}{', 샘플' if pack.sample else ''})"


def _title(pack: MeetingPack) -> str:
    period = pd.Period(pack.month, freq="M")
    return f"{period.year}년 {period.month}월 {TITLE}"


def _overview(pack: MeetingPack) -> list[tuple[str, str]]:
    return [
        ("일시", pack.when),
        ("장소", pack.place or "미정"),
        ("참석자", f"{', '.join(pack.attendees)} ({len(pack.attendees)}명)" if pack.attendees else "미정"),
    ]


def _texts(pack: MeetingPack) -> list[tuple[str, str]]:
    return [("중점 토의사항", pack.discussion or "(없음)"), ("당부사항", pack.requests or "(없음)")]


# --- PDF ----------------------------------------------------------------------------------------------------------


def export_meeting_pdf(pack: MeetingPack, path: Path) -> Path:
    """Write the meeting pack as an A4 portrait PDF (Korean font embedded, density map included)."""
    pdf = new_pdf(_title(pack))
    pdf_title(pdf, _title(pack), subtitle=f"{pack.dong}{' (샘플 데이터)' if pack.sample else ''}")
    pdf_section(pdf, "1. 회의 개요")
    rows = [[{"text": k, "style": HEAD_STYLE, "align": "C"}, v] for k, v in _overview(pack)]
    pdf_table(pdf, rows, widths=(1, 5), head=False)
    pdf_section(pdf, "2. 분야별 활동실적")
    rows = [[r["분야"], r["주요내용"], str(r["건수"])] for r in pack.by_field.to_dict("records")]
    rows[-1] = [{"text": v, "style": HEAD_STYLE} for v in rows[-1]]
    pdf_table(pdf, [["분야", "주요내용", "건수"], *rows], widths=(1, 5, 1), align=("CENTER", "LEFT", "CENTER"))
    pdf_section(pdf, "3. 이달의 미션·현안 진행")
    pdf_table(
        pdf,
        [_mission_head(), *_mission_rows(pack.missions)],
        widths=(1.2, 4.4, 0.7, 1),
        align=("CENTER", "LEFT", "CENTER", "CENTER"),
    )
    pdf_section(pdf, "4. 월별 우수사례")
    cases = pack.best_cases.to_numpy().tolist() or [["-", "아직 없습니다", "-", "-"]]
    pdf_table(
        pdf,
        [list(pack.best_cases.columns), *cases],
        widths=(1, 4, 1, 1.2),
        align=("CENTER", "LEFT", "CENTER", "CENTER"),
    )
    for i, (label, text) in enumerate(_texts(pack), 5):
        pdf_section(pdf, f"{i}. {label}", need=20)
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")
    pdf_section(pdf, "7. 구역별 활동 밀도", need=120)
    image = io.BytesIO(density_png(pack.zone_counts, title=_map_title(pack)))
    pdf.image(
        image,
        x=pdf.l_margin,
        w=pdf.epw,
        keep_aspect_ratio=True,
        h=min(pdf.epw * 0.8, pdf.page_break_trigger - pdf.get_y()),
    )
    pdf.output(str(path))
    return Path(path)


# --- XLSX ---------------------------------------------------------------------------------------------------------

_WIDTHS = (14, 60, 10, 12)


def export_meeting_xlsx(pack: MeetingPack, path: Path) -> Path:
    """Write the meeting pack as a print-ready XLSX (A4 portrait, map as a picture on sheet "지도")."""
    wb = Workbook()
    ws = wb.active
    ws.title = "공유회의"
    row = xlsx_title(ws, _title(pack), last_col=4, subtitle=f"{pack.dong}{' (샘플 데이터)' if pack.sample else ''}")
    row = xlsx_section(ws, row, "1. 회의 개요")
    for label, value in _overview(pack):
        xlsx_cell(ws, row, 1, label, head=True)
        xlsx_cell(ws, row, 2, value, merge_to=4)
        row += 1
    row = xlsx_section(ws, row + 1, "2. 분야별 활동실적")
    rows = [[r["분야"], r["주요내용"], int(r["건수"])] for r in pack.by_field.to_dict("records")]
    row = xlsx_table(ws, row, [["분야", "주요내용", "건수"], *rows], widths=_WIDTHS, centre=(0, 2))
    row = xlsx_section(ws, row + 1, "3. 이달의 미션·현안 진행")
    missions: list[Sequence[object]] = [_mission_head(), *_mission_rows(pack.missions)]
    row = xlsx_table(ws, row, missions, widths=_WIDTHS, centre=(0, 2, 3))
    row = xlsx_section(ws, row + 1, "4. 월별 우수사례")
    cases = pack.best_cases.to_numpy().tolist() or [["-", "아직 없습니다", "-", "-"]]
    row = xlsx_table(ws, row, [list(pack.best_cases.columns), *cases], widths=_WIDTHS, centre=(0, 2, 3))
    for i, (label, text) in enumerate(_texts(pack), 5):
        row = xlsx_section(ws, row + 1, f"{i}. {label}")
        xlsx_cell(ws, row, 1, text, merge_to=4)
        ws.row_dimensions[row].height = 6 + 14 * max(1, sum(-(-len(line) // 45) or 1 for line in text.split("\n")))
        row += 1
    xlsx_page_setup(ws, widths=_WIDTHS, last_row=row)
    maps = wb.create_sheet("지도")
    maps.cell(row=1, column=1, value="7. 구역별 활동 밀도")
    picture = XLImage(io.BytesIO(density_png(pack.zone_counts, title=_map_title(pack), dpi=110)))
    maps.add_image(picture, "A2")
    maps.page_setup.paperSize = maps.PAPERSIZE_A4
    maps.sheet_properties.pageSetUpPr.fitToPage = True
    wb.save(path)
    return Path(path)
