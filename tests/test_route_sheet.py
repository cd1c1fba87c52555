"""The A4 route sheet: the walk's map (drawn from our geometry) and every stop's address, as an officer reads it."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess

import numpy as np
from PIL import Image
from scipy import ndimage

from mapping.access import CLI_USER
from mapping.addresses import read_juso_entrances
from mapping.crs import transform_xy
from mapping.route_sheet import ROUTE_BLUE, START_RED, SheetArea, route_map_png, route_sheet_pdf, sheet_area
from mapping.routes import Route, Stop, plan_week, stop_address
from tests.conftest import SAMPLE_CODE
from tests.test_addresses import juso_row, write_juso

WEEK = dt.date(2026, 11, 30)


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, with every space and line break taken out (table cells wrap)."""
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return re.sub(r"\s+", "", text.decode())


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def moved(stop: Stop, *, north_m: float) -> tuple[float, float]:
    x, y = transform_xy([stop.lon], [stop.lat], "EPSG:4326", "EPSG:5186")
    lon, lat = transform_xy(x, y + north_m, "EPSG:5186", "EPSG:4326")
    return float(lon[0]), float(lat[0])


def test_the_sheet_prints_every_stops_address_from_its_record_or_the_nearest_address_point(sample_store, tmp_path):
    bare = plan_week(sample_store, SAMPLE_CODE, officer="노아린", week_start=WEEK, user=CLI_USER)
    tong = next(s for s in bare.stops if s.key.startswith("tong:"))
    spot = next(s for s in bare.stops if s.key.startswith("blind_spot:"))
    path = write_juso(
        tmp_path / "entrc_seoul.txt",
        [
            juso_row("월드컵로", "190", "0", tong.lon, tong.lat),
            juso_row("성미산로", "17", "3", *moved(spot, north_m=40)),
        ],
    )
    sample_store.load_addresses(read_juso_entrances(path), source=path.name, user=CLI_USER)

    route = plan_week(sample_store, SAMPLE_CODE, officer="노아린", week_start=WEEK, user=CLI_USER)
    text = pdf_text(
        route_sheet_pdf(
            route, officer="노아린", week="2026-W49", area=sheet_area(sample_store, SAMPLE_CODE, officer="노아린")
        )
    )

    by_key = {s.key: s for s in route.stops}
    assert by_key[tong.key].address == "서울특별시 마포구 월드컵로 190"  # the address point at the stop
    assert by_key[spot.key].address == "서울특별시 마포구 성미산로 17-3 부근 (약 40 m)"
    household = next(s for s in route.stops if s.key.startswith("household:"))
    assert household.address == "서울특별시 마포구 성산동 샘플주소 19"  # the household's own address
    far = [s for s in route.stops if s.address is None]  # no address point within reach
    assert far and all(re.fullmatch(r"주소 없음 \(좌표 37\.\d{5}, 126\.\d{5}\)", stop_address(s)) for s in far)
    for stop in [route.start, *route.stops]:
        assert squeezed(stop.label) in text and squeezed(stop_address(stop)) in text, stop
    assert squeezed(route.start.address or "-") in text and "출발·도착" in text


def test_the_cli_sheet_is_one_a4_page_with_the_map_as_an_image(sample_store, tmp_path):
    from mapping.cli import main

    pdf = tmp_path / "week.pdf"
    db = sample_store.url.removeprefix("sqlite:///")
    assert main(["route", "--officer", "노아린", "--week", "2026-W49", "--out", str(pdf), "--db", db]) == 0
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info and re.search(r"Pages:\s+1\n", info)
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True).stdout
    page, _, kind, width, height = images.splitlines()[2].split()[:5]
    assert (page, kind) == ("1", "image") and int(width) > 800 and int(height) > 500  # the map, not an icon
    text = pdf_text(pdf.read_bytes())
    assert "출발·도착(주민센터)" in text and "28통" in text  # the map's key, and the zone's tongs on the map


def blobs(png: bytes, colour: str) -> int:
    """How many separate patches of exactly ``colour`` (give or take antialiasing) the picture has."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    want = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    mask = np.abs(pixels - want).sum(axis=2) < 12
    _, count = ndimage.label(ndimage.binary_opening(mask, iterations=2))
    return int(count)


def test_the_map_shows_the_start_square_and_every_stop_even_two_at_one_door():
    start = Stop("start", "성산2동 주민센터", "출발·도착", 0, 126.9049, 37.5678, 0)
    stops = [
        Stop("a", "보고 #1", "현장 확인", 3, 126.9030, 37.5650),
        Stop("b", "보고 #2", "현장 확인", 3, 126.9030, 37.5650),  # the same door as #1
        Stop("c", "보고 #3", "현장 확인", 3, 126.9031, 37.56502),  # two metres off
        Stop("d", "사각지대 #4", "재점검", 2, 126.9010, 37.5640),
    ]
    route = Route(start, stops, legs_m=[300.0] * 5)
    png = route_map_png(route, SheetArea(), (174.0, 112.0))
    assert blobs(png, ROUTE_BLUE) == 4  # four numbered circles, none hidden under another
    assert blobs(png, START_RED) == 1  # the 출발 square
