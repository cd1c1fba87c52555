"""The printable A4 route sheet: the walk's map, its stops in order with their addresses and reasons, and the
safety checklist.

The map is drawn from our own geometry (the dong, its zones and tongs, the walk and its numbered
stops) with matplotlib: no tiles, nothing fetched.  Stops that would cover each other on paper are
fanned out (:func:`mapping.spread.spread_markers`, as on the web map) with a leader to their true place.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np

from mapping.crs import to_metric, transform_xy
from mapping.printing import PDF_FONT, new_pdf, pdf_section, pdf_table
from mapping.routes import Route, Stop, stop_address
from mapping.spread import spread_markers

if TYPE_CHECKING:
    from fpdf import FPDF
    from matplotlib.axes import Axes

    from mapping.store import Store

SAFETY_CHECKLIST = (
    "도로노면",
    "가로수",
    "건널목",
    "도로분리대",
    "간판",
    "통학로",
    "건물노후",
    "무단투기",
    "버스정류장",
)
TITLE = "우리동네주무관 주간 순회 경로"
MAP_HEIGHT_MM = 112.0
MARK_MM = 5.2  # a stop's circle on paper
ROUTE_BLUE = "#3b5bdb"  # the web map's route colour (mapping.style .route-stop)
START_RED = "#c92a2a"  # the web map's 출발 square (mapping.style .route-start)
DPI = 200


@dataclass(frozen=True)
class SheetArea:
    """What the sheet's map draws under the walk: the dong, its zones and tongs (any CRS), the officer's zone."""

    dong: gpd.GeoDataFrame | None = None
    zones: gpd.GeoDataFrame | None = None
    tongs: gpd.GeoDataFrame | None = None
    zone_id: str | None = None


def sheet_area(store: Store, code: str, *, officer: str) -> SheetArea:
    """The dong, zones and tongs of ``code`` from the store, the zone of ``officer`` stressed."""
    zones = store.zones(code)
    mine = zones[zones["officer"] == officer]
    zone_id = str(mine["zone_id"].iloc[0]) if len(mine) else None
    return SheetArea(dong=store.dong(code), zones=zones, tongs=store.tongs(code), zone_id=zone_id)


def route_sheet_pdf(route: Route, *, officer: str, week: str, area: SheetArea | None = None) -> bytes:
    """The route sheet (A4 portrait, NanumGothic embedded) as PDF bytes.

    Parameters
    ----------
    route : Route
        The walk; its stops' addresses as :func:`mapping.routes.route_with_addresses` left them.
    officer, week : str
        Printed in the heading.
    area : SheetArea, optional
        Outlines drawn under the walk; without it the map shows the walk alone.
    """
    pdf = new_pdf(TITLE)
    _heading(pdf, route, officer=officer, week=week)
    _map(pdf, route, area or SheetArea())
    _stops(pdf, route)
    _checklist(pdf)
    return bytes(pdf.output())


def export_route_pdf(route: Route, path: Path, *, officer: str, week: str, area: SheetArea | None = None) -> Path:
    """Write :func:`route_sheet_pdf` to ``path`` and return ``path``."""
    path.write_bytes(route_sheet_pdf(route, officer=officer, week=week, area=area))
    return path


def _heading(pdf: FPDF, route: Route, *, officer: str, week: str) -> None:
    pdf.set_font(PDF_FONT, "B", 16)
    pdf.cell(0, 9, TITLE, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(PDF_FONT, "", 10)
    start = f"{route.start.label} ({stop_address(route.start)})"
    pdf.cell(0, 6, f"{officer} · {week} · 출발·도착 {start}", new_x="LMARGIN", new_y="NEXT", align="C")
    summary = (
        f"{len(route.stops)}곳 · {route.total_m / 1000:.1f} km · 걷기 {route.walk_min:.0f}분 + 방문 "
        f"{route.total_min - route.walk_min:.0f}분 = {route.total_min:.0f}분 (직선거리 × {route.detour:g}, 시속 {route.kmh:g} km)"
    )
    pdf.cell(0, 6, summary, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.ln(2)


def _map(pdf: FPDF, route: Route, area: SheetArea) -> None:
    size = (pdf.epw, MAP_HEIGHT_MM)
    y = pdf.get_y()
    pdf.image(io.BytesIO(route_map_png(route, area, size)), x=pdf.l_margin, y=y, w=size[0], h=size[1])
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(pdf.l_margin, y, size[0], size[1])
    pdf.set_xy(pdf.l_margin, y + size[1] + 1)
    pdf.set_font(PDF_FONT, "", 8)
    pdf.cell(
        0, 4, "■ 출발·도착(주민센터)  ● 들를 곳(순번)  — 걷는 순서  · 겹치는 곳은 옆으로 벌려 그리고 선으로 이었습니다."
    )
    pdf.ln(5)


def _stops(pdf: FPDF, route: Route) -> None:
    rows: list[list[object]] = [["순번", "장소", "주소", "이유", "확인"]]
    rows.append(["출발", route.start.label, stop_address(route.start), "출발·도착", ""])
    rows += [[n, s.label, stop_address(s), s.reason, "□"] for n, s in enumerate(route.stops, start=1)]
    pdf.set_font(PDF_FONT, "", 9)
    pdf_table(pdf, rows, widths=(11, 36, 62, 53, 12), align=("CENTER", "LEFT", "LEFT", "LEFT", "CENTER"))
    if route.left_out:
        pdf.ln(2)
        pdf.multi_cell(0, 5, "시간이 모자라 이번 주에 빠진 곳: " + ", ".join(s.label for s in route.left_out))


def _checklist(pdf: FPDF) -> None:
    pdf_section(pdf, "가는 길에 살필 것 (안전 점검)", need=22)
    pdf.set_font(PDF_FONT, "", 11)
    for at in range(0, len(SAFETY_CHECKLIST), 3):
        for item in SAFETY_CHECKLIST[at : at + 3]:
            pdf.cell(pdf.epw / 3, 7, f"□ {item}")
        pdf.ln(7)


# ---- the map ----------------------------------------------------------------------------------------------------


def route_map_png(route: Route, area: SheetArea, size_mm: tuple[float, float]) -> bytes:
    """The walk's map as a PNG of ``size_mm`` (width, height): outlines, the walk, the 출발 square and numbered stops.

    The extent holds the whole walk and the officer's zone, with the aspect of ``size_mm`` (so the
    scale bar is true); markers closer on paper than :data:`MARK_MM` are fanned out.
    """
    import matplotlib
    from matplotlib.figure import Figure  # not pyplot: no global state shared between Streamlit sessions

    from mapping.fonts import matplotlib_korean_family
    from mapping.publish.static_map import fit_extent, north_arrow, scale_bar

    places = [route.start, *route.stops]
    x, y = transform_xy([p.lon for p in places], [p.lat for p in places], "EPSG:4326", "EPSG:5186")
    extent = fit_extent(_bounds(x, y, area), size_mm[0] / size_mm[1])
    metres_per_mm = (extent[2] - extent[0]) / size_mm[0]
    with matplotlib.rc_context(
        {"font.family": matplotlib_korean_family(), "font.size": 8, "axes.unicode_minus": False}
    ):
        fig = Figure(figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4), dpi=DPI)
        ax = fig.add_axes((0, 0, 1, 1))
        _outlines(ax, area)
        _walk(ax, x, y)
        _markers(ax, places, x, y, metres_per_mm)
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_axis_off()
        north_arrow(ax)
        scale_bar(ax, extent)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _bounds(x: np.ndarray, y: np.ndarray, area: SheetArea) -> tuple[float, float, float, float]:
    """The walk and the officer's zone, with a margin of a tenth (at least 80 m) about them."""
    x0, y0, x1, y1 = float(x.min()), float(y.min()), float(x.max()), float(y.max())
    if area.zones is not None and area.zone_id is not None:
        zone = to_metric(area.zones, name="구역")
        zone = zone[zone["zone_id"] == area.zone_id]
        if len(zone):
            zx0, zy0, zx1, zy1 = zone.total_bounds
            x0, y0, x1, y1 = min(x0, zx0), min(y0, zy0), max(x1, zx1), max(y1, zy1)
    pad = max(80.0, 0.1 * max(x1 - x0, y1 - y0))
    return (x0 - pad, y0 - pad, x1 + pad, y1 + pad)


def _outlines(ax: Axes, area: SheetArea) -> None:
    """Zones (the officer's stressed), tongs with their numbers, the dong boundary."""
    if area.zones is not None:
        zones = to_metric(area.zones, name="구역")
        zones.plot(ax=ax, color="#f3f3f3", edgecolor="#999999", linewidth=0.8, aspect=None)
        mine = zones[zones["zone_id"] == area.zone_id]
        mine.plot(ax=ax, color="#fff3bf", edgecolor="#d95f02", linewidth=2.0, aspect=None)
    if area.tongs is not None:
        tongs = to_metric(area.tongs, name="통")
        tongs.boundary.plot(ax=ax, color="#b0b0b0", linewidth=0.5, aspect=None)
        for tong, geom in zip(tongs["tong"], tongs.geometry, strict=True):
            p = geom.representative_point()
            ax.text(
                p.x, p.y, f"{tong}통", ha="center", va="center", fontsize=6, color="#8a8a8a", zorder=2, clip_on=True
            )
    if area.dong is not None:
        to_metric(area.dong, name="동 경계").boundary.plot(
            ax=ax, color="#222222", linewidth=1.2, linestyle="--", aspect=None
        )


def _walk(ax: Axes, x: np.ndarray, y: np.ndarray) -> None:
    """The closed walk start → stops → start, an arrow halfway along each leg showing the way."""
    loop_x, loop_y = np.append(x, x[0]), np.append(y, y[0])
    ax.plot(loop_x, loop_y, color=ROUTE_BLUE, linewidth=2.2, alpha=0.8, zorder=4, solid_capstyle="round")
    for (ax0, ay0), (ax1, ay1) in itertools.pairwise(zip(loop_x, loop_y, strict=True)):
        if np.hypot(ax1 - ax0, ay1 - ay0) > 0:
            mid = ((ax0 + ax1) / 2, (ay0 + ay1) / 2)
            ahead = (mid[0] + (ax1 - ax0) * 0.01, mid[1] + (ay1 - ay0) * 0.01)
            arrow = {"arrowstyle": "-|>", "color": "#1f3590", "mutation_scale": 11, "lw": 0}  # darker than the line
            ax.annotate("", xy=ahead, xytext=mid, arrowprops=arrow, zorder=4)


def _markers(ax: Axes, places: list[Stop], x: np.ndarray, y: np.ndarray, metres_per_mm: float) -> None:
    """The 출발 square (places[0]) and numbered circles, fanned where they would cover each other; later above earlier."""
    from matplotlib.patches import Circle, Rectangle

    size_m = MARK_MM * 1.15 * metres_per_mm  # the start's square is a little wider than a circle
    drawn = np.column_stack([x, y]) + spread_markers(np.column_stack([x, y]), size=size_m)
    radius = MARK_MM / 2 * metres_per_mm
    for n, ((px, py), (dx, dy)) in enumerate(zip(zip(x, y, strict=True), drawn, strict=True)):
        z = 10 + 2 * n
        if np.hypot(dx - px, dy - py) > 1e-6:  # moved: a leader from its true place
            ax.plot([px, dx], [py, dy], color="#333333", linewidth=0.6, zorder=z)
            ax.plot([px], [py], marker="o", markersize=2, color="#333333", zorder=z)
        if n == 0:
            w, h = 1.3 * MARK_MM * metres_per_mm, 0.9 * MARK_MM * metres_per_mm
            ax.add_patch(Rectangle((dx - w / 2, dy - h / 2), w, h, fc=START_RED, ec="white", lw=0.8, zorder=z))
            label, fontsize = "출발", 6.5
        else:
            ax.add_patch(Circle((dx, dy), radius, fc=ROUTE_BLUE, ec="white", lw=0.8, zorder=z))
            label, fontsize = str(n), 7.5 if n < 10 else 6.5
        ax.text(dx, dy, label, ha="center", va="center", color="white", fontsize=fontsize, fontweight=600, zorder=z + 1)
