"""The tour map and the poster: exact pages, real Korean text, officer cards with and without consent,
the QR code, the scale, nothing personal, and bad arguments refused."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import qrcode
from PIL import Image

from mapping.access import CLI_USER
from mapping.errors import ExportError, NotFoundError
from mapping.publish.privacy import PublicView, assert_no_personal_values, personal_values_of, public_view
from mapping.publish.static_map import fit_extent, scale_bar_length, scale_denominator
from mapping.publish.tour_map import (
    FAR_M,
    MAX_MARKERS,
    REACH_M,
    TOUR_TYPES,
    export_poster_pdf,
    export_tour_pdf,
    qr_image,
    tour_resources,
)
from mapping.store import Store, open_store
from mapping.text import text_of
from tests.conftest import SAMPLE_CODE

URL = "https://example.org/map/1144073000"
CONSENTING = ("Z13", "조예린", "02-0000-3106")
NOT_CONSENTING = {"Z05": ("윤지호", "02-0000-3103"), "Z33": ("차은호", "02-0000-3118")}
CENTRE_PHONE = "02-0000-0000"
PAGE_SIZES = {
    ("A4", "portrait"): "595.28 x 841.89",
    ("A4", "landscape"): "841.89 x 595.28",
    ("A3", "portrait"): "841.89 x 1190.55",
    ("A3", "landscape"): "1190.55 x 841.89",
}


@pytest.fixture(scope="module")
def store(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """One writable copy for the module (reading personal values is logged)."""
    path = tmp_path_factory.mktemp("tour") / "store.sqlite"
    shutil.copy(sample_db, path)
    return open_store(path)


@pytest.fixture(scope="module")
def view(store: Store) -> PublicView:
    return public_view(store, SAMPLE_CODE)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tour_pdfs")


@pytest.fixture(scope="module")
def tour(view: PublicView, out: Path) -> Path:
    return export_tour_pdf(view, out / "tour_z13.pdf", zone_id="Z13", public_url=URL)


@pytest.fixture(scope="module")
def poster(view: PublicView, out: Path) -> Path:
    return export_poster_pdf(view, out / "poster.pdf", public_url=URL)


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def pdf_info(path: Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout


def flat(text: str) -> str:
    """Text without any whitespace, so a wrapped line still matches."""
    return re.sub(r"\s+", "", text)


# ---- pages ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "orientation"), list(PAGE_SIZES))
def test_one_page_of_the_exact_paper_size(view: PublicView, out: Path, size: str, orientation: str) -> None:
    path = export_tour_pdf(
        view, out / f"{size}_{orientation}.pdf", zone_id="Z11", public_url=URL, size=size, orientation=orientation
    )
    info = pdf_info(path)
    assert re.search(r"Pages:\s+1\n", info)
    assert re.search(rf"Page size:\s+{PAGE_SIZES[size, orientation]} pts", info)
    assert "우리동네주무관" in pdf_text(path)  # every layout has the card


def test_the_poster_is_one_a3_portrait_page(poster: Path) -> None:
    info = pdf_info(poster)
    assert re.search(r"Pages:\s+1\n", info)
    assert re.search(r"Page size:\s+841.89 x 1190.55 pts \(A3\)", info)


# ---- what the tour map says -------------------------------------------------------------------------------------


def test_tour_map_text_is_real_korean_text(tour: Path, view: PublicView) -> None:
    text = pdf_text(tour)
    assert "우리 동네 안내도 — 성산2동" in text
    assert str(view.centre["name"]) in text
    for needed in ("우리동네주무관", "SGIS", "공공누리 제1유형", "LOCALDATA", "통 경계·직원은 샘플", "축척 1:"):
        assert needed in text


def test_tour_map_lists_the_chosen_resources_with_their_addresses(tour: Path, view: PublicView) -> None:
    text = flat(pdf_text(tour))
    for _, row in tour_resources(view, "Z13").iterrows():
        assert flat(f"{row['no']}.{row['label']}") in text
        address = re.sub(r"^서울(특별)?시\s*", "", text_of(row["address"]))
        assert flat(address) in text, address


def test_unnamed_medical_rows_are_listed_by_their_type(view: PublicView) -> None:
    chosen = tour_resources(view, "Z11")
    clinics = chosen[chosen["type"] == "clinic"]
    assert len(clinics) and (clinics["name"].isna() | (clinics["name"] == "")).all()
    assert set(clinics["label"]) == {"의원"}


def test_a_consenting_officers_card_has_name_team_and_office_phone(tour: Path) -> None:
    zone, name, phone = CONSENTING
    text = pdf_text(tour)
    assert name in text and phone in text and "행정민원팀" in text
    assert f"담당 {zone} · 13·14통" in text


@pytest.mark.parametrize("zone_id", sorted(NOT_CONSENTING))
def test_a_non_consenting_officer_is_only_우리동네주무관_with_the_centres_phone(
    view: PublicView, out: Path, zone_id: str
) -> None:
    name, phone = NOT_CONSENTING[zone_id]
    text = pdf_text(export_tour_pdf(view, out / f"tour_{zone_id}.pdf", zone_id=zone_id, public_url=URL))
    assert name not in text
    assert phone not in text and phone.replace("-", "") not in text
    assert f"주민센터 {CENTRE_PHONE}" in text
    assert "우리동네주무관" in text


# ---- choosing the resources -------------------------------------------------------------------------------------


def test_the_community_centre_is_always_number_one(view: PublicView) -> None:
    for zone_id in view.zones["zone_id"]:
        chosen = tour_resources(view, zone_id)
        assert chosen.iloc[0]["type"] == "community_centre"
        assert list(chosen["no"]) == list(range(1, len(chosen) + 1))
        assert len(chosen) <= MAX_MARKERS


def test_every_resource_inside_the_zone_and_the_nearest_of_each_type_are_chosen(view: PublicView) -> None:
    chosen = tour_resources(view, "Z13", limit=100)
    assert set(chosen["type"]) <= set(TOUR_TYPES)
    inside = view.resources[(view.resources["zone_id"] == "Z13") & view.resources["type"].isin(TOUR_TYPES)]
    assert len(chosen[chosen["distance_m"] == 0]) == len(inside)
    for kind, distances in chosen.groupby("type")["distance_m"]:
        if kind != "community_centre":
            assert distances.min() <= FAR_M
            assert (distances.iloc[1:] <= REACH_M).all()  # beyond the nearest, only those within reach


def test_when_too_many_the_nearest_of_every_type_come_first(view: PublicView) -> None:
    """Zone Z11 holds a dozen clinics: a short list still has one of each type near enough."""
    full = tour_resources(view, "Z11", limit=100)
    short = tour_resources(view, "Z11", limit=len(set(full["type"])))
    assert set(short["type"]) == set(full["type"])


# ---- QR, map image, scale ----------------------------------------------------------------------------------------


def test_the_qr_code_is_the_urls_matrix(tour: Path, tmp_path: Path) -> None:
    reference = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=2)
    reference.add_data(URL)
    reference.make(fit=True)
    matrix = np.array(reference.get_matrix())  # True = dark, quiet zone included
    image = np.array(qr_image(URL))
    assert image.shape == (matrix.shape[0] * 10, matrix.shape[1] * 10)
    assert ((image[5::10, 5::10] < 128) == matrix).all()
    subprocess.run(["pdfimages", "-png", str(tour), str(tmp_path / "img")], check=True)
    embedded = [np.array(Image.open(p).convert("L")) for p in sorted(tmp_path.glob("img-*.png"))]
    assert any(e.shape == image.shape and (e == image).all() for e in embedded), "the page's QR is not the URL's"


def test_the_map_is_an_image_of_at_least_150_dpi(tour: Path) -> None:
    rows = subprocess.run(["pdfimages", "-list", str(tour)], check=True, capture_output=True, text=True).stdout
    ppis = [int(line.split()[12]) for line in rows.splitlines()[2:]]
    assert len(ppis) == 2 and min(ppis) >= 150


def test_fit_extent_keeps_the_bounds_and_takes_the_boxs_aspect() -> None:
    assert fit_extent((0, 0, 100, 50), 1.0) == (0, -25, 100, 75)
    x0, y0, x1, y1 = fit_extent((10, 10, 20, 60), 190 / 138.5)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(190 / 138.5)
    assert x0 <= 10 and x1 >= 20 and y0 <= 10 and y1 >= 60


def test_the_scale_follows_from_the_metric_extent_and_the_paper_width() -> None:
    assert scale_denominator((0, 0, 1900, 1000), 190) == pytest.approx(10_000)
    assert scale_bar_length(1900) == 250
    assert scale_bar_length(100) == 50


def test_the_printed_scale_matches_the_drawn_extent(view: PublicView, tour: Path) -> None:
    printed = int(re.search(r"축척 1:([\d,]+)", pdf_text(tour)).group(1).replace(",", ""))
    assert 1_000 < printed < 20_000  # a zone and its surroundings (~1-2 km on 190 mm)
    assert printed % 10 == 0


# ---- the poster --------------------------------------------------------------------------------------------------


def test_the_poster_has_every_zones_public_card(poster: Path, view: PublicView) -> None:
    text = pdf_text(poster)
    for _, zone in view.zones.iterrows():
        assert zone["zone_id"] in text
        if text_of(zone["officer"]):
            assert zone["officer"] in text and zone["phone"] in text
    for name, phone in NOT_CONSENTING.values():
        assert name not in text and phone not in text
    assert text.count(f"주민센터 {CENTRE_PHONE}") == len(NOT_CONSENTING)
    assert "SGIS" in text and "통 경계·직원은 샘플" in text and "주요 시설" in text


# ---- privacy -----------------------------------------------------------------------------------------------------


def test_no_personal_value_reaches_the_tour_maps_or_the_poster(
    store: Store, view: PublicView, out: Path, poster: Path
) -> None:
    values = personal_values_of(store, SAMPLE_CODE, user=CLI_USER)
    assert {"가상주민01", "윤지호", "차은호"} <= values
    for zone_id in ("Z05", "Z11", "Z13", "Z33"):  # both non-consenting officers, the most resources, move-ins
        path = export_tour_pdf(
            view, out / f"privacy_{zone_id}.pdf", zone_id=zone_id, public_url=URL, orientation="landscape"
        )
        assert_no_personal_values(pdf_text(path), values)
    assert_no_personal_values(pdf_text(poster), values)


# ---- bad arguments -----------------------------------------------------------------------------------------------


def test_an_unknown_zone_is_not_found(view: PublicView, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"구역 'Z99'.*있는 구역: Z01, Z02"):
        export_tour_pdf(view, tmp_path / "x.pdf", zone_id="Z99", public_url=URL)
    with pytest.raises(NotFoundError, match="'Z99'"):
        tour_resources(view, "Z99")
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"size": "B5"}, r"용지 크기 'B5' \(가능한 값: A4, A3\)"),
        ({"orientation": "sideways"}, r"방향 'sideways' \(가능한 값: portrait\(세로\), landscape\(가로\)\)"),
        ({"public_url": "  "}, r"QR 주소 public_url '  '"),
        ({"size": "A5", "zone_id": "Z99"}, r"용지 크기 'A5'.*구역 'Z99'"),  # every problem in one message
    ],
)
def test_bad_arguments_are_refused_naming_the_value_and_the_choices(
    view: PublicView, tmp_path: Path, options: dict[str, str], message: str
) -> None:
    arguments = {"zone_id": "Z13", "public_url": URL, **options}
    with pytest.raises(ExportError, match=message) as caught:
        export_tour_pdf(view, tmp_path / "x.pdf", **arguments)
    assert isinstance(caught.value, ValueError)


def test_the_poster_needs_a_url(view: PublicView, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="QR 주소 public_url ''"):
        export_poster_pdf(view, tmp_path / "x.pdf", public_url="")
