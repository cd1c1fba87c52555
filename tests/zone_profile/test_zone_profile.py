"""The zone profile sheet (구역 현황): one A4 page / one sheet per zone, the zone's facts, no household's
name, formula-proof cells, the read and the print logged, refusals that say what to do, and the
hand-over download on the zone editor page."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mapping.access import CLI_USER, User
from mapping.errors import ExportError, NotFoundError
from mapping.store import Store
from mapping.zone_profile.facts import MARK, zone_profile
from mapping.zone_profile.files import write_zone_profiles
from mapping.zone_profile.pdf import MAX_CONTACTS, export_zone_profile_pdf
from tests.conftest import SAMPLE_CODE, as_officer

FORMULA = '=HYPERLINK("http://evil.example/","click")'


def _pages(pdf: Path) -> list[str]:
    """The text of each page (pdftotext -layout)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")[:-1]


def _cells(path: Path, sheet: str) -> list[object]:
    return [c.value for row in load_workbook(path)[sheet].iter_rows() for c in row if c.value is not None]


def _household_values(store: Store) -> set[str]:
    """Names, phones and addresses of the sample dong's households (read as the sample user)."""
    homes = store.households(SAMPLE_CODE, user=CLI_USER)
    return {str(v) for col in ("name", "phone", "address") for v in homes[col].dropna()}


@pytest.fixture
def whole_dong_pdf(sample_store: Store, tmp_path: Path) -> Path:
    return write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "all.pdf", user=CLI_USER)


# ---- pages and facts ---------------------------------------------------------------------------------------------


def test_one_a4_page_per_zone_in_zone_order(sample_store: Store, whole_dong_pdf: Path) -> None:
    zones = list(sample_store.zones(SAMPLE_CODE)["zone_id"])
    pages = _pages(whole_dong_pdf)
    assert len(pages) == len(zones) == 18
    assert [page.split()[0] for page in pages] == zones  # each page starts with its zone id
    info = subprocess.run(["pdfinfo", str(whole_dong_pdf)], capture_output=True, text=True, check=True).stdout
    assert "595.28 x 841.89 pts (A4)" in info


def test_a_zones_page_has_its_officer_tongs_contacts_care_count_and_mark(sample_store: Store, tmp_path: Path) -> None:
    out = write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z28.pdf", user=CLI_USER, zone_ids=["Z28"])
    (page,) = _pages(out)
    contacts = sample_store.contacts(SAMPLE_CODE, user=CLI_USER)
    mine, others = contacts[contacts["zone_id"] == "Z28"], contacts[contacts["zone_id"] != "Z28"]
    homes = sample_store.household_zones(SAMPLE_CODE)
    care = int(((homes["zone_id"] == "Z28") & (homes["kind"] == "care_needed")).sum())
    assert len(mine) == 3 and care == 1
    assert "노아린" in page and "하준혁" in page  # officer and substitute
    assert "28·36통 (샘플)" in page
    assert all(name in page for name in mine["name"]) and all(phone in page for phone in mine["phone"])
    assert not any(name in page for name in others["name"])  # only this zone's contact book
    assert f"돌봄이웃 {care}세대" in " ".join(page.split())
    assert page.count(MARK) >= 2  # header and footer
    assert "간판" in page  # the zone's vulnerable spot (a safety one)


def test_no_household_name_phone_or_address_reaches_the_pdf_or_the_xlsx(sample_store: Store, tmp_path: Path) -> None:
    personal = _household_values(sample_store)
    assert len(personal) > 40  # the check below can fail
    pdf = write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "all.pdf", user=CLI_USER)
    xlsx = write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "all.xlsx", user=CLI_USER)
    text = "\n".join(_pages(pdf))
    cells = " ".join(str(v) for sheet in load_workbook(xlsx).sheetnames for v in _cells(xlsx, sheet))
    assert not [v for v in personal if v in text]
    assert not [v for v in personal if v in cells]


def test_xlsx_has_a_sheet_per_zone_with_the_same_facts(sample_store: Store, tmp_path: Path) -> None:
    xlsx = write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "all.xlsx", user=CLI_USER)
    book = load_workbook(xlsx)
    assert book.sheetnames == list(sample_store.zones(SAMPLE_CODE)["zone_id"])
    cells = [str(v) for v in _cells(xlsx, "Z28")]
    assert "Z28 구역 현황" in cells and "28·36통 (샘플)" in cells
    assert {"가상통장03", "가상검침원09", "가상배달원10"} <= set(cells)
    assert any(v.startswith("1세대") for v in cells)  # the care-needed count
    assert MARK in book["Z28"].oddFooter.center.text  # printed on every page


def test_a_formula_typed_as_a_contact_name_stays_text(sample_store: Store, tmp_path: Path) -> None:
    sample_store.add_contact(SAMPLE_CODE, kind="통장", name=FORMULA, tong=3, phone="010-0000-9999", user=CLI_USER)
    xlsx = write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z03.xlsx", user=CLI_USER, zone_ids=["Z03"])
    cell = next(c for row in load_workbook(xlsx)["Z03"].iter_rows() for c in row if FORMULA in str(c.value or ""))
    assert cell.data_type == "s" and cell.value == "'" + FORMULA
    pdf = write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z03.pdf", user=CLI_USER, zone_ids=["Z03"])
    assert "=HYPERLINK(" in _pages(pdf)[0]  # shown as typed (cut to its column), never run


def test_long_contact_lists_are_cut_to_the_page_with_외_n건(sample_store: Store, tmp_path: Path) -> None:
    for i in range(12):
        sample_store.add_contact(SAMPLE_CODE, kind="반장", name=f"추가반장{i:02d}", tong=4, user=CLI_USER)
    profile = zone_profile(sample_store, SAMPLE_CODE, "Z03", user=CLI_USER)
    assert len(profile.contacts) == 13
    pdf = export_zone_profile_pdf(profile, tmp_path / "z03.pdf")
    (page,) = _pages(pdf)  # still one page
    hidden = 13 - (MAX_CONTACTS - 1)
    assert f"외 {hidden}건" in page
    assert sum(f"추가반장{i:02d}" in page for i in range(12)) == 12 - hidden
    xlsx = write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z03.xlsx", user=CLI_USER, zone_ids=["Z03"])
    assert {f"추가반장{i:02d}" for i in range(12)} <= set(map(str, _cells(xlsx, "Z03")))  # the XLSX keeps all


def test_the_usual_walk_goes_round_the_zones_tongs_and_spots_without_households(sample_store: Store) -> None:
    profile = zone_profile(sample_store, SAMPLE_CODE, "Z28", user=CLI_USER)
    labels = [s.label for s in profile.walk.stops]
    assert sorted(labels) == sorted(["28통", "36통", "취약지점 #4 간판"])
    assert profile.walk.start.label.startswith("성산2동 주민센터")
    assert profile.walk.total_m > 0
    assert not [s for s in profile.walk.stops if s.key.startswith("household:")]


def test_sample_tongs_are_labelled_샘플_and_real_ones_are_not(sample_store: Store, tmp_path: Path) -> None:
    profile = zone_profile(sample_store, SAMPLE_CODE, "Z28", user=CLI_USER)
    (sample_page,) = _pages(export_zone_profile_pdf(profile, tmp_path / "s.pdf"))
    (real_page,) = _pages(export_zone_profile_pdf(dataclasses.replace(profile, sample=False), tmp_path / "r.pdf"))
    assert "28·36통 (샘플)" in sample_page and "샘플 자료" in sample_page
    assert "28·36통" in real_page
    assert "28·36통 (샘플)" not in real_page and "샘플 자료" not in real_page and "가상입니다" not in real_page


# ---- logging and refusals ----------------------------------------------------------------------------------------


def test_reading_and_printing_the_sheet_are_logged(sample_store: Store, tmp_path: Path) -> None:
    before = len(sample_store.access_log())
    write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z.pdf", user=CLI_USER, zone_ids=["Z03"])
    log = sample_store.access_log().iloc[before:]
    assert list(log["action"]) == ["조회", "출력"]
    assert log.iloc[0]["subject"] == f"contacts:{SAMPLE_CODE}"  # the contact book read
    assert log.iloc[1]["subject"] == f"contacts:{SAMPLE_CODE}:Z03" and "구역 현황 pdf" in log.iloc[1]["detail"]
    write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z.xlsx", user=CLI_USER)
    assert sample_store.access_log().iloc[-1]["action"] == "다운로드"
    assert sample_store.verify_access_log().intact


def test_an_unknown_zone_is_not_found_naming_the_zones_there(sample_store: Store, tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match=r"Z99.*있는 구역 중에서 고르세요: Z01, Z02"):
        write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z.pdf", user=CLI_USER, zone_ids=["Z99"])
    assert not (tmp_path / "z.pdf").exists()


def test_a_file_that_is_neither_pdf_nor_xlsx_is_refused(sample_store: Store, tmp_path: Path) -> None:
    before = len(sample_store.access_log())
    with pytest.raises(ExportError, match=r"'z\.csv'.*\.pdf 또는 \.xlsx"):
        write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z.csv", user=CLI_USER)
    assert len(sample_store.access_log()) == before  # nothing was read


def test_an_officer_gets_their_own_zone_but_not_anothers(sample_store: Store, tmp_path: Path) -> None:
    officer = User("kangdy", "강도윤", "officer", staff_name="강도윤", dong_code=SAMPLE_CODE)
    assert zone_profile(sample_store, SAMPLE_CODE, "Z03", user=officer).officer == "강도윤"
    before = len(sample_store.access_log())
    with pytest.raises(PermissionError, match=r"강도윤.*Z28.*담당·대직자·팀장·동장"):
        write_zone_profiles(sample_store, SAMPLE_CODE, tmp_path / "z.pdf", user=officer, zone_ids=["Z28"])
    assert len(sample_store.access_log()) == before and not (tmp_path / "z.pdf").exists()


def test_cli_reassign_hints_the_successors_zone_profile_command_and_it_works(
    sample_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import shlex

    from mapping.cli import main

    assert main(["reassign", "--db", sample_store.url, "--zone", "Z03", "--to", "엄채원"]) == 0
    hint = capsys.readouterr().out.splitlines()[-1]
    assert hint.startswith("후임자 엄채원의 첫날 자료") and "python -m mapping zone-profile --zone Z03 --out" in hint
    words = shlex.split(hint.split(": ", 1)[1])
    monkeypatch.chdir(tmp_path)  # the hinted --out is relative
    assert words[:3] == ["python", "-m", "mapping"] and main(words[3:]) == 0
    (page,) = _pages(tmp_path / "구역현황_Z03.pdf")
    officer = next(line for line in page.splitlines() if line.strip().startswith("담당 주무관"))
    assert "엄채원" in officer


# ---- the zone editor page ----------------------------------------------------------------------------------------


def _downloads(at: object) -> dict[str, object]:
    return {b.proto.label: b for b in at.get("download_button")}  # type: ignore[attr-defined]


def test_zone_page_offers_the_successor_the_zones_profile_after_the_hand_over(sample_app) -> None:
    from app_pages.common import get_store

    at = as_officer(sample_app, "오민재")  # the 행정팀장 sees every zone
    at.switch_page("app_pages/zones.py").run()
    assert not at.exception
    before = len(get_store().access_log())
    labels = set(_downloads(at))
    assert {"Z01 PDF", "Z01 XLSX", "볼 수 있는 구역 전체 PDF (18쪽)"} <= labels
    assert not [label for label in labels if label.startswith("후임자")]
    next(s for s in at.selectbox if s.label == "구역").set_value("Z05")
    next(s for s in at.selectbox if s.label.startswith("후임자")).set_value("엄채원")
    at.button(key="reassign").click().run()
    assert not at.exception
    assert any("윤지호 → 엄채원" in s.value for s in at.success)
    assert "후임자 엄채원에게 줄 Z05 구역 현황 PDF" in _downloads(at)
    assert not (get_store().access_log().iloc[before:]["action"] == "출력").any()  # made only when clicked
    at.run()  # the offer stays on the page after a rerun
    assert "후임자 엄채원에게 줄 Z05 구역 현황 PDF" in _downloads(at)


def test_contacts_untouched_for_90_days_are_flagged_on_the_page(sample_store: Store, tmp_path: Path) -> None:
    import datetime as dt

    later = dt.date.today() + dt.timedelta(days=100)
    profile = zone_profile(sample_store, SAMPLE_CODE, "Z28", user=CLI_USER, today=later)
    assert set(profile.contacts["90일"]) == {"100일"} and profile.stale_contacts == 3
    (page,) = _pages(export_zone_profile_pdf(profile, tmp_path / "z.pdf"))
    assert "90일 넘게 연락 없음 3명" in page and page.count("100일") == 3
    fresh = zone_profile(sample_store, SAMPLE_CODE, "Z28", user=CLI_USER)
    assert (
        fresh.stale_contacts == 0
        and "90일 넘게 연락 없음 0명" in _pages(export_zone_profile_pdf(fresh, tmp_path / "f.pdf"))[0]
    )
