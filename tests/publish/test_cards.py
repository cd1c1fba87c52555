"""Business cards: ten 90 × 50 mm cards on each A4 page, names, phones and tongs as real text, long
and hostile text kept inside the card, the public map's QR code, and nothing of a resident."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from mapping.access import CLI_USER
from mapping.errors import ExportError, NotFoundError
from mapping.publish.cards import (
    CARD_H,
    CARD_W,
    COLUMNS,
    LEFT,
    PER_PAGE,
    ROWS,
    TOP,
    BusinessCard,
    cards_for,
    export_business_cards_pdf,
)
from mapping.publish.privacy import assert_no_personal_values, personal_values_of
from mapping.publish.tour_map import qr_image
from mapping.store import Store, open_store
from mapping.text import text_of
from tests.conftest import SAMPLE_CODE

URL = "https://example.org/udongju/1144073000"
DONG = "서울특별시 마포구 성산2동"
A4_PORTRAIT = "595.28 x 841.89 pts (A4)"
PT = 72 / 25.4  # points per mm
NOT_CONSENTING = ("윤지호", "02-0000-3103")  # 공개동의 N: still on their own card


@pytest.fixture(scope="module")
def store(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """One writable copy for the module (reading personal values is logged)."""
    path = tmp_path_factory.mktemp("cards") / "store.sqlite"
    shutil.copy(sample_db, path)
    return open_store(path)


@pytest.fixture(scope="module")
def staff(store: Store) -> pd.DataFrame:
    return store.staff(SAMPLE_CODE)


@pytest.fixture(scope="module")
def dong_sheet(store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole dong, one card per officer, with the QR code."""
    pdf = export_business_cards_pdf(cards_for(store, SAMPLE_CODE), dong_name=DONG, public_url=URL, sample=True)
    return _write(pdf, tmp_path_factory.mktemp("cards_pdf") / "dong.pdf")


def _write(pdf: bytes, path: Path) -> Path:
    path.write_bytes(pdf)
    return path


def _run(*args: str) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout


def pdf_text(path: Path, *, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run("pdftotext", "-layout", *pages, str(path), "-")


def pdf_pages(path: Path) -> int:
    info = _run("pdfinfo", str(path))
    assert A4_PORTRAIT in info
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


def word_boxes(path: Path) -> list[tuple[int, str, float, float, float, float]]:
    """(page, word, xMin, yMin, xMax, yMax) in points of every word, from ``pdftotext -bbox``."""
    html = _run("pdftotext", "-bbox", str(path), "-")
    out, page = [], 0
    for line in html.splitlines():
        if "<page " in line:
            page += 1
        found = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if found:
            x0, y0, x1, y1 = (float(v) for v in found.groups()[:4])
            out.append((page, found.group(5), x0, y0, x1, y1))
    return out


def assert_every_word_inside_its_card(path: Path) -> None:
    """No text crosses a card's edge (the 4.5 mm inner margin of the layout leaves room for rounding)."""
    for page, word, x0, y0, x1, y1 in word_boxes(path):
        col, row = int((x0 / PT - LEFT) // CARD_W), int((y0 / PT - TOP) // CARD_H)
        assert 0 <= col < COLUMNS and 0 <= row < ROWS, f"page {page}: {word!r} is off the cards"
        left, top = (LEFT + col * CARD_W) * PT, (TOP + row * CARD_H) * PT
        assert x1 <= left + (CARD_W - 4.5) * PT, f"page {page}: {word!r} runs over the card's right edge"
        assert y1 <= top + (CARD_H - 2) * PT, f"page {page}: {word!r} runs over the card's bottom edge"


# ---- pages and what the cards say ---------------------------------------------------------------------------------


def test_a_dong_sheet_has_one_card_per_officer_ten_to_an_a4_page(dong_sheet: Path, staff: pd.DataFrame) -> None:
    assert pdf_pages(dong_sheet) == 2  # 20 officers
    first, second = pdf_text(dong_sheet, page=1), pdf_text(dong_sheet, page=2)
    names = list(staff["name"])
    assert sum(first.count(n) for n in names) == PER_PAGE
    assert sum(second.count(n) for n in names) == len(names) - PER_PAGE
    assert all(pdf_text(dong_sheet).count(n) == 1 for n in names)
    assert pdf_text(dong_sheet).count("우리동네주무관") == len(names)


def test_names_teams_phones_and_tongs_are_text(dong_sheet: Path, staff: pd.DataFrame) -> None:
    text = pdf_text(dong_sheet)
    flat = " ".join(text.split())
    for row in staff.itertuples():
        assert row.name in text and row.phone in text
        if len(row.tongs):
            assert "담당: " + "·".join(str(t) for t in sorted(row.tongs)) + "통" in flat
    assert text.count("담당:") == sum(1 for t in staff["tongs"] if len(t))  # none for staff without a zone
    assert "행정민원팀 주무관" in flat and "행정민원팀 팀장" in flat and "동장" in flat
    assert text.count("마포구 성산2동 주민센터") == len(staff)
    assert "서울특별시" not in text
    assert text.count("샘플") == len(staff)


def test_officers_who_did_not_agree_to_publish_still_get_their_own_card(dong_sheet: Path, store: Store) -> None:
    name, phone = NOT_CONSENTING
    consent = store.staff(SAMPLE_CODE).set_index("name")["public_card"]
    assert not consent[name]  # the sample keeps them off the public map…
    text = pdf_text(dong_sheet)
    assert name in text and phone in text  # …but a card is handed out by the officer in person


def test_one_officer_fills_a_page_by_default(store: Store, tmp_path: Path) -> None:
    cards = cards_for(store, SAMPLE_CODE, officers=["강도윤"])
    path = _write(export_business_cards_pdf(cards, dong_name=DONG, public_url=URL), tmp_path / "one.pdf")
    assert pdf_pages(path) == 1
    assert pdf_text(path).count("강도윤") == PER_PAGE


def test_officers_are_found_by_name_or_zone_in_the_order_asked(store: Store) -> None:
    cards = cards_for(store, SAMPLE_CODE, officers=["Z05", "강도윤"])
    assert [c.name for c in cards] == ["윤지호", "강도윤"]
    assert cards[1] == BusinessCard(
        name="강도윤", team="행정민원팀", position="주무관", phone="02-0000-3102", tongs=(3, 4)
    )


def test_copies_repeat_each_officer_one_after_another(store: Store, tmp_path: Path) -> None:
    cards = cards_for(store, SAMPLE_CODE, officers=["강도윤", "윤지호", "장하은"])
    pdf = export_business_cards_pdf(cards, dong_name=DONG, public_url=URL, copies=4)
    path = _write(pdf, tmp_path / "copies.pdf")
    assert pdf_pages(path) == 2  # 12 cards
    found = re.findall("강도윤|윤지호|장하은", pdf_text(path))
    assert sorted(found) == sorted(["강도윤"] * 4 + ["윤지호"] * 4 + ["장하은"] * 4)
    assert found[-2:] == ["장하은", "장하은"]  # the last two cards: the third officer's
    assert pdf_text(path, page=2).count("장하은") == 2


def test_23_officers_make_3_pages(tmp_path: Path) -> None:
    cards = [
        BusinessCard(name=f"주무관{i:02d}", team="복지팀", phone=f"02-0000-{i:04d}", tongs=(i,)) for i in range(23)
    ]
    path = _write(export_business_cards_pdf(cards, dong_name=DONG, public_url=URL), tmp_path / "23.pdf")
    assert pdf_pages(path) == 3
    assert len(re.findall(r"주무관\d\d", pdf_text(path, page=3))) == 3
    text = pdf_text(path)
    assert all(f"주무관{i:02d}" in text and f"02-0000-{i:04d}" in text for i in range(23))


def test_the_centres_phone_stands_in_for_a_missing_office_phone() -> None:
    class Stub:
        def staff(self, code: str) -> pd.DataFrame:
            return pd.DataFrame(
                {"name": ["가나다"], "team": ["복지팀"], "role": ["team_leader"], "phone": [None], "tongs": [[2, 1]]}
            )

        def resources(self, code: str) -> pd.DataFrame:
            return pd.DataFrame(
                {
                    "type": ["community_centre", "community_centre"],
                    "phone": ["02-1111-1111", "02-2222-2222"],
                    "public": [False, True],  # a private row never reaches a card
                }
            )

    (card,) = cards_for(Stub(), "1")
    assert card == BusinessCard(
        name="가나다", team="복지팀", position="팀장", phone="02-2222-2222", tongs=(1, 2), centre_phone=True
    )


def test_the_centre_phone_is_labelled(tmp_path: Path) -> None:
    card = BusinessCard(name="가나다", team="복지팀", phone="02-2222-2222", centre_phone=True)
    path = _write(export_business_cards_pdf([card], dong_name=DONG, public_url=None, copies=1), tmp_path / "c.pdf")
    assert "☎ 02-2222-2222 (주민센터)" in pdf_text(path)


# ---- long and hostile text --------------------------------------------------------------------------------------


def test_long_names_and_teams_are_shrunk_to_fit(tmp_path: Path) -> None:
    long_name = "남궁독고선우제갈황보서문 알렉산드라"
    long_team = "주민자치 및 마을공동체 활성화 지원을 위한 특별 전담팀"
    cards = [
        BusinessCard(name=long_name, team=long_team, phone="02-0000-9999 내선 1234", tongs=tuple(range(1, 13))),
        BusinessCard(name="가" * 300, team="팀" * 300, phone="1" * 200, tongs=tuple(range(1, 200))),  # cut with …
    ]
    for url in (URL, None):  # beside the QR code and across the whole card
        path = _write(export_business_cards_pdf(cards, dong_name=DONG, public_url=url, copies=1), tmp_path / "l.pdf")
        flat = " ".join(pdf_text(path).split())
        assert long_name in flat and long_team in flat and "담당: 1·2·3·4·5·6·7·8·9·10·11·12통" in flat
        assert "가가가가가…" in flat
        assert_every_word_inside_its_card(path)


def test_the_dong_sheet_stays_inside_its_cards(dong_sheet: Path) -> None:
    assert_every_word_inside_its_card(dong_sheet)


def test_hostile_text_does_not_break_the_pdf(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    hostile = BusinessCard(
        name="홍길동\n\x00\u202e😀 (주)",
        team="**팀** <b>\\ ) ( %PDF",
        position="",
        phone="\t02-0000-1234\r\n",
        tongs=(5,),
    )
    with caplog.at_level(logging.WARNING):
        pdf = export_business_cards_pdf([hostile], dong_name="  마포구\n성산2동 ", public_url=URL, copies=2)
    assert not [r for r in caplog.records if "missing" in r.getMessage()]  # no glyph the font lacks reached it
    path = _write(pdf, tmp_path / "hostile.pdf")
    assert pdf_pages(path) == 1
    flat = " ".join(pdf_text(path).split())
    assert flat.count("홍길동 (주)") == 2 and "**팀** <b>\\ ) ( %PDF" in flat and "☎ 02-0000-1234" in flat
    assert "마포구 성산2동 주민센터" in flat
    assert_every_word_inside_its_card(path)


# ---- the QR code ------------------------------------------------------------------------------------------------


def test_every_card_carries_the_public_maps_qr_code_embedded_once(dong_sheet: Path, tmp_path: Path) -> None:
    listed = _run("pdfimages", "-list", str(dong_sheet)).splitlines()[2:]
    assert len(listed) == 20  # drawn on every card…
    assert len({line.split()[10] for line in listed}) == 1  # …from one embedded image object
    _run("pdfimages", "-png", "-f", "1", "-l", "1", str(dong_sheet), str(tmp_path / "img"))
    expected = np.array(qr_image(URL))  # no QR decoder is installed: compare with the URL's own matrix
    embedded = [np.array(Image.open(p).convert("L")) for p in sorted(tmp_path.glob("img-*.png"))]
    assert embedded and all(e.shape == expected.shape and (e == expected).all() for e in embedded)
    assert pdf_text(dong_sheet).count("동네 지도") == 20


def test_without_a_public_url_there_is_no_qr_code(tmp_path: Path) -> None:
    card = BusinessCard(name="가나다", team="복지팀", phone="02-0000-0001")
    path = _write(export_business_cards_pdf([card], dong_name=DONG, public_url=None), tmp_path / "noqr.pdf")
    assert _run("pdfimages", "-list", str(path)).splitlines()[2:] == []
    assert "동네 지도" not in pdf_text(path)


# ---- privacy ----------------------------------------------------------------------------------------------------


def test_no_resident_data_reaches_a_card(store: Store, dong_sheet: Path, staff: pd.DataFrame) -> None:
    officers = {text_of(v) for c in ("name", "phone") for v in staff[c]}  # on a card by design
    residents = personal_values_of(store, SAMPLE_CODE, user=CLI_USER) - officers
    households = store.households(SAMPLE_CODE, user=CLI_USER)
    assert len(residents) > 20 and set(households["name"].dropna()) <= residents  # the check has teeth
    assert_no_personal_values(pdf_text(dong_sheet), residents)


# ---- bad arguments ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cards", "options", "message"),
    [
        ([], {}, r"카드가 없습니다"),
        (None, {"copies": 0}, r"장수 copies 0 \(1~100 사이의 정수"),
        (None, {"copies": 101}, r"장수 copies 101"),
        (None, {"copies": True}, r"장수 copies True"),
        (None, {"public_url": "  "}, r"QR 주소 public_url '  '"),
        ([], {"copies": -1, "public_url": ""}, r"카드가 없습니다.*; 장수 copies -1.*; QR 주소 public_url ''"),
    ],
)
def test_bad_arguments_are_refused_naming_every_problem(
    cards: list[BusinessCard] | None, options: dict[str, object], message: str
) -> None:
    cards = [BusinessCard(name="가나다", team="복지팀")] if cards is None else cards
    arguments = {"dong_name": DONG, "public_url": URL, **options}
    with pytest.raises(ExportError, match=message) as caught:
        export_business_cards_pdf(cards, **arguments)
    assert isinstance(caught.value, ValueError)


def test_unknown_officers_are_refused_naming_the_staff(store: Store) -> None:
    with pytest.raises(NotFoundError, match=r"'없는사람', 'Z99'이\(가\) 명단에 없습니다\. 직원: 한서윤, 오민재"):
        cards_for(store, SAMPLE_CODE, officers=["강도윤", "없는사람", "Z99"])
    with pytest.raises(NotFoundError, match="한 명 이상"):
        cards_for(store, SAMPLE_CODE, officers=[])
