"""The move-in tour map (전입세대 동네 안내도) and the dong's notice-board poster, as one-page PDFs.

Both are made only from a :class:`mapping.publish.privacy.PublicView` (the one privacy filter), never
from the store.  The map is drawn offline with matplotlib in EPSG:5186 (no tiles, no network) and
embedded as a 200 dpi PNG whose extent has exactly the aspect of its box, so the scale bar and the
printed 축척 are true.  Every word on the page is real text in the embedded Korean font.

Which resources a tour map shows (:func:`tour_resources`): of the types a new household needs
(:data:`TOUR_TYPES`), every one inside the zone, the nearest :data:`PER_TYPE` of each type within
:data:`REACH_M` of the zone, the nearest of each type up to :data:`FAR_M`, and the community centre
always.  When more are found than fit, the nearest of every type come before the second-nearest of
any; the list on the page then takes as many as fit (at most :data:`MAX_MARKERS`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import geopandas as gpd
import pandas as pd
import qrcode
import shapely
from fpdf import FPDF
from PIL import Image

from mapping.crs import to_metric
from mapping.domain import RESOURCE_TYPES
from mapping.errors import ExportError, NotFoundError
from mapping.fonts import korean_font_path
from mapping.printing import PDF_FONT, fit_text, pdf_lines
from mapping.publish.privacy import PUBLIC_TITLE, PublicView
from mapping.publish.static_map import Extent, fit_extent, map_png, scale_denominator, tong_label
from mapping.style import CREDITS
from mapping.text import text_of, without_city

if TYPE_CHECKING:
    pass

TOUR_TYPES = tuple(t for t in RESOURCE_TYPES.keys if t not in {"sharing_neighbour", "other"})  # no private homes
POSTER_TYPES = tuple(t for t in TOUR_TYPES if t not in {"clinic", "pharmacy"})  # too many for a dong-wide map
PAGE_MM = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
ORIENTATIONS = {"portrait": "P", "landscape": "L"}
REACH_M, FAR_M, PER_TYPE = 500.0, 1000.0, 3
MAX_MARKERS, POSTER_MARKERS = 22, 25
SAMPLE_NOTE = "통 경계·직원은 샘플"
QR_CAPTION = "QR을 찍으면 온라인 동네 지도가 열립니다"
_M, _GAP, _TITLE_H, _CREDITS_H = 10.0, 3.0, 18.0, 8.0
_LIST_SIZES = (8.5, 8.0, 7.5, 7.0, 6.5, 6.0)


class Box(NamedTuple):
    """A rectangle on the page, in mm from the top-left corner."""

    x: float
    y: float
    w: float
    h: float


# --- public API -------------------------------------------------------------------------------------------------


def export_tour_pdf(
    view: PublicView, path: Path, *, zone_id: str, public_url: str, size: str = "A4", orientation: str = "portrait"
) -> Path:
    """Write the one-page tour map of zone ``zone_id`` for move-in households.

    Parameters
    ----------
    view : PublicView
        What residents may see of the dong (:func:`mapping.publish.privacy.public_view`).
    path : Path
        The PDF to write.
    zone_id : str
        The zone the household moved into.
    public_url : str
        Address of the public map, printed as a QR code.
    size, orientation : str
        ``"A4"`` or ``"A3"``; ``"portrait"`` or ``"landscape"``.

    Raises
    ------
    mapping.errors.NotFoundError
        If the dong has no zone ``zone_id``.
    mapping.errors.ExportError
        (a ValueError) for a bad size or orientation or an empty ``public_url``, naming every one.
    """
    _check_args(view, zone_id=zone_id, public_url=public_url, size=size, orientation=orientation)
    zone, shape = _zone(view, zone_id)
    pdf = _page(f"우리 동네 안내도 — {short_dong(view.dong_name)}", size.upper(), orientation)
    boxes = _tour_layout(pdf.w, pdf.h, landscape=orientation == "landscape")
    markers, font = _fit_list(pdf, boxes["list"], _tour_candidates(view, shape), TOUR_TYPES, MAX_MARKERS)
    bounds = gpd.GeoSeries([shape, *markers.geometry]).buffer(120).total_bounds
    extent = fit_extent(tuple(bounds), boxes["map"].w / boxes["map"].h)
    _title(pdf, view, f"{view.dong_name} · {zone_id} 구역({tong_label(zone['tongs'])}) — 전입을 환영합니다")
    _map(pdf, boxes["map"], view, markers, extent, highlight=zone_id)
    _list(pdf, boxes["list"], markers, font, "가까운 생활 시설 (지도 번호)")
    _card(pdf, boxes["card"], _card_lines(view, zone))
    _qr(pdf, boxes["qr"], public_url)
    _credits(pdf, view, extent, boxes["map"], size.upper())
    return _save(pdf, path)


def export_poster_pdf(view: PublicView, path: Path, *, public_url: str) -> Path:
    """Write the dong-wide A3 poster for apartment notice boards: every zone and its officer's public card.

    Zones are coloured and labelled; key resources (:data:`POSTER_TYPES`) are numbered; a card per
    zone shows its tongs and the officer's name and office phone, or "우리동네주무관" with the team
    and the centre's phone where the officer did not agree to publish theirs.

    Raises
    ------
    mapping.errors.ExportError
        If ``public_url`` is empty.
    """
    _check_args(view, zone_id=None, public_url=public_url, size="A3", orientation="portrait")
    pdf = _page(f"우리동네주무관 — {short_dong(view.dong_name)}", "A3", "portrait")
    boxes = _poster_layout(pdf.w, pdf.h, len(view.zones))
    markers, font = _fit_list(pdf, boxes["list"], _poster_candidates(view), POSTER_TYPES, POSTER_MARKERS)
    bounds = to_metric(view.dong, name="동 경계").buffer(60).total_bounds
    extent = fit_extent(tuple(bounds), boxes["map"].w / boxes["map"].h)
    _title(pdf, view, f"{view.dong_name} — 우리 동네를 맡은 주무관에게 연락하세요")
    _map(pdf, boxes["map"], view, markers, extent, highlight=None)
    _zone_cards(pdf, boxes["cards"], view)
    _list(pdf, boxes["list"], markers, font, "주요 시설 (지도 번호)")
    _qr(pdf, boxes["qr"], public_url)
    _credits(pdf, view, extent, boxes["map"], "A3")
    return _save(pdf, path)


def tour_resources(view: PublicView, zone_id: str, *, limit: int = MAX_MARKERS) -> gpd.GeoDataFrame:
    """The resources a tour map of ``zone_id`` offers (before its page trims them), numbered, in EPSG:5186.

    Columns: ``no``, ``type``, ``label`` (the name, or the type's Korean label when unnamed), the
    public resource columns, ``distance_m`` (0 inside the zone) and ``geometry``.
    """
    _check_args(view, zone_id=zone_id, public_url="-", size="A4", orientation="portrait")
    return _numbered(_tour_candidates(view, _zone(view, zone_id)[1]).head(limit), TOUR_TYPES)


def qr_image(url: str) -> Image.Image:
    """The QR code of ``url`` (error correction M, 10 px modules, 2-module quiet zone), greyscale."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("L")


def short_dong(dong_name: str) -> str:
    """The dong's own name: "서울특별시 마포구 성산2동" → "성산2동"."""
    return (str(dong_name).split() or [str(dong_name)])[-1]


# --- checks and choices -----------------------------------------------------------------------------------------


def _check_args(
    view: PublicView, *, zone_id: str | None, public_url: object, size: object, orientation: object
) -> None:
    problems = []
    if str(size).upper() not in PAGE_MM:
        problems.append(f"용지 크기 {size!r} (가능한 값: A4, A3)")
    if orientation not in ORIENTATIONS:
        problems.append(f"방향 {orientation!r} (가능한 값: portrait(세로), landscape(가로))")
    if not isinstance(public_url, str) or not public_url.strip():
        problems.append(f"QR 주소 public_url {public_url!r} (공개 지도 주소가 필요합니다, 예: https://…)")
    known = [str(z) for z in view.zones["zone_id"]]
    if zone_id is not None and zone_id not in known:
        missing = f"구역 {zone_id!r}이(가) {view.dong_name}에 없습니다 (있는 구역: {', '.join(known)})"
        if not problems:
            raise NotFoundError(missing)
        problems.append(missing)
    if problems:
        raise ExportError("안내도를 만들 수 없습니다: " + "; ".join(problems))


def _zone(view: PublicView, zone_id: str) -> tuple[pd.Series, shapely.Geometry]:
    rows = view.zones[view.zones["zone_id"] == zone_id]
    return rows.iloc[0], to_metric(rows, name="구역").geometry.iloc[0]


def _tour_candidates(view: PublicView, zone: shapely.Geometry) -> gpd.GeoDataFrame:
    res = to_metric(view.resources, name="공개 자원")
    res = res[res["type"].isin(TOUR_TYPES)].copy()
    res["distance_m"] = res.distance(zone)
    res = res.sort_values("distance_m", kind="stable")
    rank = res.groupby("type").cumcount()
    centre = res["type"] == "community_centre"
    near = (res["distance_m"] <= REACH_M) & (rank < PER_TYPE)
    keep = centre | (res["distance_m"] <= 0) | near | ((rank == 0) & (res["distance_m"] <= FAR_M))
    res["rank"] = rank.where(~centre, -1)  # the centre first, then the nearest of every type, …
    return res[keep].sort_values(["rank", "distance_m"], kind="stable")


def _poster_candidates(view: PublicView) -> gpd.GeoDataFrame:
    res = to_metric(view.resources, name="공개 자원")
    res = res[res["type"].isin(POSTER_TYPES)].assign(distance_m=0.0)
    rank = res.groupby("type").cumcount().where(res["type"] != "community_centre", -1)
    return res.assign(rank=rank).sort_values("rank", kind="stable")


def _numbered(chosen: gpd.GeoDataFrame, types: tuple[str, ...]) -> gpd.GeoDataFrame:
    """Number by type, then distance, then place (so markers in one building get consecutive numbers)."""
    keys = {"_order": chosen["type"].map({t: i for i, t in enumerate(types)}), "_x": chosen.geometry.x}
    out = chosen.assign(**keys).sort_values(["_order", "distance_m", "_x"], kind="stable")
    out = out.drop(columns=["_order", "_x", "rank"], errors="ignore").reset_index(drop=True)
    out.insert(0, "no", range(1, len(out) + 1))
    out.insert(
        2, "label", [text_of(n) or RESOURCE_TYPES.label(t) for t, n in zip(out["type"], out["name"], strict=True)]
    )
    return out


def _entry(row: pd.Series) -> str:
    kind = RESOURCE_TYPES.label(row["type"])
    label = row["label"] if kind in row["label"] else f"{row['label']}({kind})"
    phone = f"☎ {text_of(row['phone'])}" if text_of(row["phone"]) else ""
    parts = [f"{row['no']}. {label}", without_city(text_of(row["address"])), phone, text_of(row["hours"])]
    return " · ".join(p for p in parts if p)


def _card_lines(view: PublicView, zone: pd.Series) -> list[tuple[str, str, float]]:
    """(text, style, size) lines of a zone's public card; the centre's phone when the officer did not agree."""
    officer, phone, team = text_of(zone["officer"]), text_of(zone["phone"]), text_of(zone["team"])
    where = (f"담당 {zone['zone_id']} · {tong_label(zone['tongs'])}", "", 8.0)
    if officer and phone:
        return [(PUBLIC_TITLE, "B", 9), (officer, "B", 15), (team, "", 8.5), (f"☎ {phone}", "B", 11), where]
    centre = text_of(view.centre.get("phone")) or "주민센터에 문의"
    return [
        (PUBLIC_TITLE, "B", 13),
        (team, "", 8.5),
        (f"☎ 주민센터 {centre}", "B", 10.5),
        ("전화하시면 담당 주무관에게 연결해 드립니다", "", 7),
        where,
    ]


# --- layout -----------------------------------------------------------------------------------------------------


def _tour_layout(w: float, h: float, *, landscape: bool) -> dict[str, Box]:
    top, bottom, inner = _M + _TITLE_H, h - _M - _CREDITS_H, w - 2 * _M
    if landscape:
        map_w = inner * 0.58
        x, side = _M + map_w + _GAP, inner - map_w - _GAP
        qr = min(40.0, side * 0.36)
        card = Box(x, top, side - qr - _GAP, qr + 11)
        rest = top + card.h + _GAP
        return {
            "map": Box(_M, top, map_w, bottom - top),
            "card": card,
            "qr": Box(card.x + card.w + _GAP, top, qr, qr + 11),
            "list": Box(x, rest, side, bottom - rest),
        }
    map_h, side = (h - 2 * _M) * 0.5, (58.0 if w < 250 else 72.0)
    below, qr = top + map_h + _GAP, min(side - 12, 44.0)
    return {
        "map": Box(_M, top, inner, map_h),
        "card": Box(w - _M - side, below, side, 36.0),
        "qr": Box(w - _M - side, below + 36.0 + _GAP, side, qr + 11),
        "list": Box(_M, below, inner - side - _GAP, bottom - below),
    }


def _poster_layout(w: float, h: float, zones: int) -> dict[str, Box]:
    top, bottom, inner = _M + _TITLE_H + 2, h - _M - _CREDITS_H, w - 2 * _M
    cards_h = -(-zones // 6) * 22.0 - 2.0  # six cards a row, 20 mm each plus a 2 mm gap
    map_h = max(bottom - top - cards_h - 62.0 - 2 * _GAP, 120.0)
    cards_y = top + map_h + _GAP
    rest = cards_y + cards_h + _GAP
    return {
        "map": Box(_M, top, inner, map_h),
        "cards": Box(_M, cards_y, inner, cards_h),
        "list": Box(_M, rest, inner - 50.0 - _GAP, bottom - rest),
        "qr": Box(w - _M - 50.0, rest, 50.0, 58.0),
    }


def _print_scale(pdf: FPDF) -> float:
    """1 on A4, √2 on A3: type grows with the paper."""
    return min(pdf.w, pdf.h) / PAGE_MM["A4"][0]


def _line_h(size: float) -> float:
    return size * 0.3528 * 1.3  # pt → mm, with 30 % leading


def _fit_list(
    pdf: FPDF, box: Box, candidates: gpd.GeoDataFrame, types: tuple[str, ...], limit: int
) -> tuple[gpd.GeoDataFrame, float]:
    """As many candidates as the list box holds (at most ``limit``), numbered, and the font size that fits them."""
    for n in range(min(len(candidates), limit), 0, -1):
        markers = _numbered(candidates.head(n), types)
        entries = [_entry(row) for _, row in markers.iterrows()]
        for size in (s * _print_scale(pdf) for s in _LIST_SIZES):
            pdf.set_font(PDF_FONT, "", size)
            lines = sum(len(pdf_lines(pdf, box.w, _line_h(size), e)) for e in entries)
            if lines * _line_h(size) <= box.h - 7:
                return markers, size
    return _numbered(candidates.head(0), types), _LIST_SIZES[-1] * _print_scale(pdf)


# --- the page ---------------------------------------------------------------------------------------------------


def _page(title: str, size: str, orientation: str) -> FPDF:
    pdf = FPDF(orientation=ORIENTATIONS[orientation], unit="mm", format=size)
    pdf.set_auto_page_break(False)
    pdf.add_font(PDF_FONT, "", fname=korean_font_path())
    pdf.add_font(PDF_FONT, "B", fname=korean_font_path(bold=True))
    pdf.set_title(title)
    pdf.set_lang("ko")
    pdf.add_page()
    return pdf


def _title(pdf: FPDF, view: PublicView, subtitle: str) -> None:
    pdf.set_xy(_M, _M)
    pdf.set_font(PDF_FONT, "B", 17)
    pdf.cell(pdf.w - 2 * _M, 9, pdf.title or "")  # set by _page
    if view.sample:
        pdf.set_xy(_M, _M)
        pdf.set_text_color(200, 40, 40)
        pdf.cell(pdf.w - 2 * _M, 9, "샘플 자료", align="R")
        pdf.set_text_color(0, 0, 0)
    pdf.set_xy(_M, _M + 10)
    pdf.set_font(PDF_FONT, "", 9)
    pdf.cell(pdf.w - 2 * _M, 5, fit_text(pdf, subtitle, pdf.w - 2 * _M))


def _list(pdf: FPDF, box: Box, markers: gpd.GeoDataFrame, size: float, heading: str) -> None:
    pdf.set_xy(box.x, box.y)
    pdf.set_font(PDF_FONT, "B", 9.5)
    pdf.cell(box.w, 6, heading)
    pdf.set_xy(box.x, box.y + 7)
    pdf.set_font(PDF_FONT, "", size)
    for _, row in markers.iterrows():
        pdf.multi_cell(box.w, _line_h(size), _entry(row), align="L", new_x="LEFT", new_y="NEXT")


def _card(pdf: FPDF, box: Box, lines: list[tuple[str, str, float]], *, pad: float = 3.0) -> None:
    pdf.set_draw_color(90, 90, 90)
    pdf.rect(box.x, box.y, box.w, box.h, style="D", round_corners=True, corner_radius=2.5)
    y = box.y + pad
    for text, style, size in lines:
        pdf.set_font(PDF_FONT, style, size)
        pdf.set_xy(box.x + pad, y)
        pdf.cell(box.w - 2 * pad, _line_h(size), fit_text(pdf, text, box.w - 2 * pad))
        y += _line_h(size)


def _zone_cards(pdf: FPDF, box: Box, view: PublicView, *, columns: int = 6) -> None:
    """The poster's small cards: zone and tongs, then the name (or 우리동네주무관), team and phone."""
    w = (box.w - (columns - 1) * 2.0) / columns
    for i, (_, zone) in enumerate(view.zones.iterrows()):
        card = _card_lines(view, zone)
        card = card[1:4] if text_of(zone["officer"]) else card[:3]  # drop the heading and the 담당 line
        lines = [(f"{zone['zone_id']} · {tong_label(zone['tongs'])}", "B", 8.0)]
        lines += [(text, style, min(size * 0.75, 10.0)) for text, style, size in card]
        _card(pdf, Box(box.x + (i % columns) * (w + 2.0), box.y + (i // columns) * 22.0, w, 20.0), lines, pad=1.8)


def _qr(pdf: FPDF, box: Box, url: str) -> None:
    side = min(box.w, box.h - 11)
    pdf.image(qr_image(url), x=box.x + (box.w - side) / 2, y=box.y, w=side, h=side)
    pdf.set_xy(box.x, box.y + side + 0.5)
    pdf.set_font(PDF_FONT, "B", 7)
    pdf.multi_cell(box.w, 3.2, QR_CAPTION, align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font(PDF_FONT, "", 6)
    pdf.cell(box.w, 3, fit_text(pdf, url.strip(), box.w), align="C")


def _credits(pdf: FPDF, view: PublicView, extent: Extent, box: Box, size: str) -> None:
    scale = f"축척 1:{round(scale_denominator(extent, box.w), -1):,.0f} ({size} 인쇄 기준, 위쪽이 북쪽)"
    pdf.set_xy(_M, pdf.h - _M - _CREDITS_H + 1)
    pdf.set_font(PDF_FONT, "", 6)
    pdf.multi_cell(pdf.w - 2 * _M, 3, " | ".join([scale, CREDITS, *([SAMPLE_NOTE] if view.sample else [])]), align="L")


def _save(pdf: FPDF, path: Path) -> Path:
    pdf.output(str(path))
    return Path(path)


# --- the map ----------------------------------------------------------------------------------------------------


def _map(
    pdf: FPDF, box: Box, view: PublicView, markers: gpd.GeoDataFrame, extent: Extent, *, highlight: str | None
) -> None:
    png = map_png(view, markers, extent, (box.w, box.h), highlight=highlight, text_pt=7 * _print_scale(pdf))
    pdf.image(io.BytesIO(png), x=box.x, y=box.y, w=box.w, h=box.h)
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(box.x, box.y, box.w, box.h, style="D")
