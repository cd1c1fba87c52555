"""구역 현황 PDF — lay out one A4 portrait page per zone and draw its small map (internal: personal data).

The facts come from :mod:`mapping.zone_profile.facts`; this module only puts them on paper.  A page holds
the title with "내부용 · 개인정보 포함", the zone's summary beside its map, the key places, the
contact book and the vulnerable spots (each cut to what fits, the last row saying "외 N건"), the
usual walk, and a footer repeating the mark and how to handle the sheet.  The map is drawn offline
with matplotlib in EPSG:5186 (no tiles, no network) and embedded as a 200 dpi PNG; every word on
the page is real text in the embedded NanumGothic.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd
from fpdf import FPDF

from mapping.crs import METRIC_CRS, WEB_CRS, transform_xy
from mapping.fonts import korean_font_path, matplotlib_korean_family
from mapping.printing import PDF_FONT, fit_text, pdf_lines
from mapping.publish.static_map import CENTRED, fit_extent, scale_bar_length
from mapping.zone_profile.facts import HANDLING, MARK, ZoneProfile, profile_list

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes

MAX_PLACES, MAX_CONTACTS, MAX_SPOTS, ROUTE_LINES = 6, 10, 6, 4  # what one A4 page holds
MAP_MM = (92.0, 78.0)  # the small map's box (width, height)
_M = 10.0  # page margin, mm
_DPI = 200


def export_zone_profile_pdf(profiles: ZoneProfile | Sequence[ZoneProfile], path: Path) -> Path:
    """Write one A4 portrait page per zone (NanumGothic embedded) and return ``path``.

    Parameters
    ----------
    profiles : ZoneProfile or sequence of ZoneProfile
        The zones, one page each, in this order (see :func:`mapping.zone_profile.facts.zone_profiles`).
    path : Path
        The PDF to write.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    mapping.fonts.FontError
        If no Korean font is installed.
    """
    profiles = profile_list(profiles)
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font(PDF_FONT, "", fname=korean_font_path())
    pdf.add_font(PDF_FONT, "B", fname=korean_font_path(bold=True))
    pdf.set_title(f"구역 현황 — {profiles[0].dong_name if profiles else ''} ({MARK})")
    pdf.set_lang("ko")
    for profile in profiles:
        pdf.add_page()
        _draw_page(pdf, profile)
    pdf.output(str(path))
    return Path(path)


def draw_zone_map(profile: ZoneProfile, size_mm: tuple[float, float]) -> bytes:
    """Draw the zone's small map as a PNG of ``size_mm`` (width, height) exactly.

    The zone stressed among the dong's others (grey), its tongs (dashed, labelled), the usual walk
    and its numbered stops, a north arrow and a true scale bar; the extent has the box's aspect.

    Parameters
    ----------
    profile : ZoneProfile
        The zone (its ``shapes``, ``tong_shapes`` and ``walk``).
    size_mm : tuple of float
        Width and height of the box the map fills on paper, in mm.

    Returns
    -------
    bytes
        The PNG (200 dpi).

    Raises
    ------
    mapping.fonts.FontError
        If no Korean font is installed.
    """
    import matplotlib
    from matplotlib.figure import Figure  # not pyplot: no global state shared between Streamlit sessions

    zone = profile.shapes[profile.shapes["zone_id"] == profile.zone_id]
    stops = profile.walk.stops if profile.walk else []
    x, y = transform_xy([s.lon for s in stops], [s.lat for s in stops], WEB_CRS, METRIC_CRS)
    bounds = gpd.GeoSeries([*zone.geometry, *gpd.points_from_xy(x, y)], crs=zone.crs).buffer(60).total_bounds
    extent = fit_extent(tuple(bounds), size_mm[0] / size_mm[1])
    with matplotlib.rc_context({"font.family": matplotlib_korean_family(), "font.size": 6.5}):
        fig = Figure(figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4), dpi=_DPI)
        ax = fig.add_axes((0, 0, 1, 1))
        _draw_zone_and_tongs(ax, profile, zone)
        _draw_walk(ax, profile, x, y)
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_axis_off()
        _draw_scale_and_north(ax, extent)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=_DPI, facecolor="white")
    return buffer.getvalue()


# --- the page -----------------------------------------------------------------------------------------------------


def _draw_page(pdf: FPDF, p: ZoneProfile) -> None:
    w = pdf.w - 2 * _M
    pdf.set_xy(_M, _M)
    pdf.set_font(PDF_FONT, "B", 16)
    pdf.cell(w, 8, f"{p.zone_id} 구역 현황")
    _draw_mark(pdf, _M, _M, w)
    pdf.set_xy(_M, _M + 9)
    pdf.set_font(PDF_FONT, "", 9)
    pdf.cell(w, 5, fit_text(pdf, f"{p.dong_line} · {p.tong_text} · 새 담당 주무관이 첫날 볼 것", w))
    top, (map_w, map_h) = _M + 17, MAP_MM
    _draw_summary(pdf, p, _M, top, w - map_w - 4)
    png = draw_zone_map(p, (map_w, map_h))
    pdf.image(io.BytesIO(png), x=pdf.w - _M - map_w, y=top, w=map_w, h=map_h)
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(pdf.w - _M - map_w, top, map_w, map_h)
    y = top + map_h + 4
    y = _draw_table(pdf, y, "주요 시설", p.places, (26, 80, 12, 72), MAX_PLACES)
    y = _draw_table(pdf, y, "연락처 (개인정보)", p.contacts, (24, 24, 56, 30, 10, 26, 20), MAX_CONTACTS)
    y = _draw_table(pdf, y, "취약지점 (청소·안전)", p.spots, (14, 24, 112, 12, 28), MAX_SPOTS)
    _draw_walk_text(pdf, y, p, w)
    _draw_footer(pdf, p, w)


def _draw_mark(pdf: FPDF, x: float, y: float, w: float) -> None:
    pdf.set_xy(x, y)
    pdf.set_font(PDF_FONT, "B", 10)
    pdf.set_text_color(200, 40, 40)
    pdf.cell(w, 8, MARK, align="R")
    pdf.set_text_color(0, 0, 0)


def _draw_footer(pdf: FPDF, p: ZoneProfile, w: float) -> None:
    pdf.set_xy(_M, pdf.h - _M - 4)
    pdf.set_font(PDF_FONT, "", 7)
    pdf.set_text_color(200, 40, 40)
    footer = f"{MARK} — {HANDLING} · 출력 {p.made_on} {p.made_by}"
    pdf.cell(w, 4, fit_text(pdf, footer, w), align="C")
    pdf.set_text_color(0, 0, 0)


def _draw_summary(pdf: FPDF, p: ZoneProfile, x: float, y: float, w: float) -> None:
    lines = p.summary + ([("샘플", "통 경계·직원·연락처는 가상입니다")] if p.sample else [])
    for label, text in lines:
        pdf.set_xy(x, y)
        pdf.set_font(PDF_FONT, "B", 8.5)
        pdf.cell(22, 6.5, label, border="B")
        pdf.set_font(PDF_FONT, "", 8.5)
        pdf.cell(w - 22, 6.5, fit_text(pdf, text, w - 23), border="B")
        y += 7.5


def _draw_table(pdf: FPDF, y: float, title: str, frame: pd.DataFrame, widths: tuple[float, ...], limit: int) -> float:
    """A one-line-a-row table of at most ``limit`` rows (the last says "외 N건"); returns the next y."""
    pdf.set_xy(_M, y)
    pdf.set_font(PDF_FONT, "B", 10)
    pdf.cell(0, 6, f"{title} {len(frame)}건")
    y += 6.5
    rows = frame.to_numpy().tolist()
    shown = rows if len(rows) <= limit else rows[: limit - 1]
    pdf.set_fill_color(231, 236, 243)
    for i, values in enumerate([list(frame.columns), *shown]):
        pdf.set_xy(_M, y)
        pdf.set_font(PDF_FONT, "B" if i == 0 else "", 7.5)
        for value, width in zip(values, widths, strict=True):
            pdf.cell(width, 5, fit_text(pdf, str(value), width - 1.5), border=1, fill=i == 0)
        y += 5
    if len(rows) > len(shown):
        y = _draw_table_note(pdf, y, f"외 {len(rows) - len(shown)}건 (XLSX에 모두 있습니다)", sum(widths))
    if not rows:
        y = _draw_table_note(pdf, y, "없음", sum(widths))
    return y + 3


def _draw_table_note(pdf: FPDF, y: float, text: str, width: float) -> float:
    pdf.set_xy(_M, y)
    pdf.set_font(PDF_FONT, "", 7.5)
    pdf.cell(width, 5, text, border=1)
    return y + 5


def _draw_walk_text(pdf: FPDF, y: float, p: ZoneProfile, w: float) -> None:
    """The walk's summary and its stops in order, cut to :data:`ROUTE_LINES` lines with "외 N건"."""
    pdf.set_xy(_M, y)
    pdf.set_font(PDF_FONT, "B", 10)
    pdf.cell(w, 6, "평소 순회 경로 (지도 번호)")
    pdf.set_xy(_M, y + 6.5)
    pdf.set_font(PDF_FONT, "", 8)
    pdf.multi_cell(w, 4, p.walk_summary, new_x="LMARGIN", new_y="NEXT")
    stops = [f"{i}. {s.label}" for i, s in enumerate(p.walk.stops if p.walk else [], 1)]
    for shown in range(len(stops), -1, -1):
        rest = len(stops) - shown
        text = " → ".join(["출발", *stops[:shown], *([f"외 {rest}건"] if rest else []), "도착"])
        if len(pdf_lines(pdf, w, 4, text)) <= ROUTE_LINES:
            break
    pdf.set_x(_M)
    pdf.multi_cell(w, 4, text if stops else "", new_x="LMARGIN", new_y="NEXT")


# --- the small map ------------------------------------------------------------------------------------------------


def _draw_zone_and_tongs(ax: Axes, p: ZoneProfile, zone: gpd.GeoDataFrame) -> None:
    """Every zone in grey, this one stressed, its tongs dashed and labelled."""
    p.shapes.plot(ax=ax, color="#f1f1f1", edgecolor="#bbbbbb", linewidth=0.6, aspect=None)
    zone.plot(ax=ax, color="#ffe08a", edgecolor="#d95f02", linewidth=2.0, aspect=None)
    p.tong_shapes.boundary.plot(ax=ax, color="#8a6d00", linewidth=0.7, linestyle="--", aspect=None)
    for _, t in p.tong_shapes.iterrows():
        at = t.geometry.representative_point()
        label = f"{int(t['tong'])}통"
        ax.annotate(label, (at.x, at.y), xytext=(0, 9), textcoords="offset points", **CENTRED, color="#6b5500")


def _draw_walk(ax: Axes, p: ZoneProfile, x: np.ndarray, y: np.ndarray) -> None:
    """The walk from the centre through the stops (metric ``x``, ``y``) and back, stops numbered."""
    if p.walk:
        sx, sy = transform_xy([p.walk.start.lon], [p.walk.start.lat], WEB_CRS, METRIC_CRS)
        ax.plot([sx[0], *x, sx[0]], [sy[0], *y, sy[0]], color="#1f5fbf", linewidth=1.2, alpha=0.8)
    for i, (px, py) in enumerate(zip(x, y, strict=True), 1):
        box = {"boxstyle": "circle,pad=0.25", "fc": "#1f5fbf", "ec": "white", "lw": 0.6}
        ax.annotate(str(i), (px, py), **CENTRED, color="white", fontsize=6, bbox=box, zorder=5)


def _draw_scale_and_north(ax: Axes, extent: tuple[float, float, float, float]) -> None:
    """A plain scale bar of a round length (:func:`mapping.publish.static_map.scale_bar_length`) and a small north arrow.

    Smaller than the tour map's (:mod:`mapping.publish.static_map`): this map is a 92 mm box on a dense page.
    """
    x0, y0, x1, y1 = extent
    length = scale_bar_length(x1 - x0)
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="#222222", linewidth=2)
    ax.text(bx + length / 2, by + 0.025 * (y1 - y0), f"{length:,} m", ha="center", va="bottom")
    arrow = {"facecolor": "#222222", "width": 2, "headwidth": 7, "headlength": 6}
    ax.annotate("N", xy=(0.95, 0.97), xytext=(0.95, 0.88), xycoords="axes fraction", **CENTRED, arrowprops=arrow)
