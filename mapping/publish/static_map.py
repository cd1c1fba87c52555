"""Print maps drawn offline with matplotlib (no tiles, no network) in EPSG:5186, for PDFs.

The picture's extent has exactly the aspect of the box it fills on paper, so the scale bar (drawn
in map units) and the printed 축척 are true.  Used by the tour map and the poster.
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, TypedDict

import geopandas as gpd
import shapely

from mapping.crs import to_metric
from mapping.fonts import matplotlib_korean_family
from mapping.layers import neighbour_colours
from mapping.publish.privacy import PublicView
from mapping.style import RESOURCE_ICONS, ZONE_PALETTE
from mapping.text import text_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Extent = tuple[float, float, float, float]
DPI = 200
SAME_PLACE_MM = 6.0  # markers closer than this on paper share one label ("3-5")
_SCALE_STEPS = (50, 100, 200, 250, 500, 1000, 2000, 5000)
_BOLD = 600  # the weight NanumGothicBold.ttf declares (matplotlib warns when asked for "bold")


class TextAlign(TypedDict):
    """``Axes.annotate`` keywords placing a label about its point (typed, so each keyword is checked)."""

    ha: str
    va: str


class _TextLook(TypedDict, total=False):
    """``Axes.annotate`` keywords for a zone label's size, colour and (for a stressed one) weight."""

    fontsize: str
    color: str
    fontweight: int


CENTRED = TextAlign(ha="center", va="center")


def fit_extent(bounds: tuple[float, ...], aspect: float) -> Extent:
    """``bounds`` grown about their centre to width/height ``aspect`` (that of the box the map fills)."""
    x0, y0, x1, y1 = bounds
    w, h = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    w, h = (h * aspect, h) if w / h < aspect else (w, w / aspect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def scale_denominator(extent: Extent, width_mm: float) -> float:
    """N of the printed scale 1:N when ``extent`` (metres) fills ``width_mm`` of paper."""
    return (extent[2] - extent[0]) * 1000.0 / width_mm


def scale_bar_length(width_m: float) -> int:
    """A round scale-bar length (m): the longest step no longer than a quarter of the map's width."""
    return max([s for s in _SCALE_STEPS if s <= width_m / 4], default=_SCALE_STEPS[0])


def map_png(
    view: PublicView,
    markers: gpd.GeoDataFrame,
    extent: Extent,
    size_mm: tuple[float, float],
    *,
    highlight: str | None,
    text_pt: float,
    same_place_mm: float = SAME_PLACE_MM,
) -> bytes:
    """The map as a PNG of ``size_mm`` (width, height) exactly: the axes span the figure, their limits are ``extent``.

    Zones (``highlight`` stressed, or all in neighbour-distinct colours when None), the dong boundary,
    numbered ``markers`` (columns ``no``, ``type``, metric geometry), a north arrow and a true scale bar.
    Labels are sized relative to ``text_pt`` (matplotlib's "medium").
    """
    import matplotlib
    from matplotlib.figure import Figure  # not pyplot: no global state shared between Streamlit sessions

    family = matplotlib_korean_family()
    with matplotlib.rc_context({"font.family": family, "font.size": text_pt, "axes.unicode_minus": False}):
        fig = Figure(figsize=(size_mm[0] / 25.4, size_mm[1] / 25.4), dpi=DPI)
        ax = fig.add_axes((0, 0, 1, 1))
        _draw_zones(ax, to_metric(view.zones, name="구역"), highlight)
        dong = to_metric(view.dong, name="동 경계").boundary
        dong.plot(ax=ax, color="#222222", linewidth=1.3, linestyle="--", aspect=None)
        _draw_markers(ax, markers, same_place_m=same_place_mm * scale_denominator(extent, size_mm[0]) / 1000)
        ax.set_xlim(extent[0], extent[2])
        ax.set_ylim(extent[1], extent[3])
        ax.set_axis_off()
        north_arrow(ax)
        scale_bar(ax, extent)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _draw_zones(ax: Axes, zones: gpd.GeoDataFrame, highlight: str | None) -> None:
    """All zones: in neighbour-distinct colours on the poster, light grey with ``highlight`` stressed on a tour map."""
    if highlight is None:
        zones.plot(
            ax=ax,
            color=[ZONE_PALETTE[c % len(ZONE_PALETTE)] for c in neighbour_colours(zones)],
            alpha=0.35,
            aspect=None,
        )
    else:
        zones.plot(ax=ax, color="#eeeeee", aspect=None)
        zones[zones["zone_id"] == highlight].plot(
            ax=ax, color="#ffe08a", edgecolor="#d95f02", linewidth=2.6, aspect=None
        )
    zones.boundary.plot(ax=ax, color="#777777", linewidth=0.7, aspect=None)
    for _, zone in zones.iterrows():
        p, strong = zone.geometry.representative_point(), highlight in (None, zone["zone_id"])
        text = f"{zone['zone_id']}\n{tong_label(zone['tongs'])}" if strong else zone["zone_id"]
        style = (
            _TextLook(fontsize="medium", color="#222222", fontweight=_BOLD)
            if strong
            else _TextLook(fontsize="small", color="#888888")
        )
        ax.annotate(text, (p.x, p.y), **CENTRED, **style, zorder=3)


def _draw_markers(ax: Axes, markers: gpd.GeoDataFrame, *, same_place_m: float) -> None:
    """Numbered markers in their type's colour; markers (chains of them) closer than ``same_place_m`` share one."""
    if markers.empty:
        return
    blobs = shapely.union_all(markers.buffer(same_place_m / 2).values)
    for blob in getattr(blobs, "geoms", [blobs]):
        group = markers[markers.within(blob)]
        types = set(group["type"])
        colour = RESOURCE_ICONS.get(group["type"].iloc[0], RESOURCE_ICONS["other"])[2] if len(types) == 1 else "#555555"
        bbox = {
            "boxstyle": "round,pad=0.3" if len(group) > 1 else "circle,pad=0.3",
            "fc": colour,
            "ec": "white",
            "lw": 0.8,
        }
        where = (group.geometry.x.mean(), group.geometry.y.mean())
        ax.annotate(
            _ranges(list(group["no"])),
            where,
            **CENTRED,
            fontsize="medium",
            color="white",
            fontweight=_BOLD,
            bbox=bbox,
            zorder=5,
        )


def _ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 7] → "3-5,7"."""
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)


def north_arrow(ax: Axes) -> None:
    """A north arrow in the top right corner of ``ax``."""
    arrow = {"facecolor": "#222222", "width": 3, "headwidth": 10, "headlength": 9}
    ax.annotate(
        "N",
        xy=(0.955, 0.975),
        xytext=(0.955, 0.885),
        xycoords="axes fraction",
        **CENTRED,
        fontsize="x-large",
        fontweight=_BOLD,
        arrowprops=arrow,
    )


def scale_bar(ax: Axes, extent: Extent) -> None:
    """A four-part bar of a round length in metres, drawn in map units (so it is true by construction)."""
    from matplotlib.patches import Rectangle

    x0, y0, x1, y1 = extent
    width, height = x1 - x0, y1 - y0
    length = scale_bar_length(width)
    bx, by, bh = x0 + 0.03 * width, y0 + 0.03 * height, 0.012 * height
    ax.add_patch(
        Rectangle(
            (bx - 0.012 * width, by - 0.015 * height),
            length + 0.07 * width,
            bh + 0.06 * height,
            fc="white",
            ec="none",
            alpha=0.85,
            zorder=6,
        )
    )
    for i in range(4):
        fill = "#222222" if i % 2 == 0 else "white"
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, bh, fc=fill, ec="#222222", lw=0.6, zorder=7))
    for at, text in ((0, "0"), (length / 2, f"{length / 2:g}"), (length, f"{length:,} m")):
        ax.text(bx + at, by + bh + 0.008 * height, text, ha="center", va="bottom", fontsize="small", zorder=7)


def tong_label(tongs: object) -> str:
    numbers = list(tongs) if isinstance(tongs, list | tuple) else re.findall(r"\d+", text_of(tongs))
    return "·".join(str(n) for n in numbers) + "통"
