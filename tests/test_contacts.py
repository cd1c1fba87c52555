"""mapping.contacts and the kit's contacts.csv: phone numbers, the 90-day flag, every problem with file, row and column."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

from mapping.contacts import contact_status, parse_contact_event, parse_contact_kind, parse_phone
from mapping.errors import ValidationError
from mapping.kit.reader import Kit, read_kit

HEADER = "구분,성명,소속,연락처,통,경도,위도,비고\n"


def write_contacts(kit: Path, rows: str, *, header: str = HEADER, encoding: str = "utf-8-sig") -> None:
    (kit / "contacts.csv").write_text(header + rows, encoding=encoding)


def problems_of(kit: Path) -> list[str]:
    with pytest.raises(ValidationError) as info:
        read_kit(kit)
    return [str(p) for p in info.value.problems if p.severity == "error"]


# ---- phone numbers ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("02-123-4567", "02-123-4567"),
        ("0212345678", "02-1234-5678"),
        ("021234567", "02-123-4567"),
        ("010-1234-5678", "010-1234-5678"),
        ("01012345678", "010-1234-5678"),
        ("010 1234 5678", "010-1234-5678"),
        ("011-123-4567", "011-123-4567"),
        ("031-123-4567", "031-123-4567"),
        ("(02) 312-4567", "02-312-4567"),
        ("+82-10-1234-5678", "010-1234-5678"),
        ("1588-1234", "1588-1234"),
        ("15881234", "1588-1234"),
        ("070-1234-5678", "070-1234-5678"),
    ],
)
def test_korean_phone_numbers_are_accepted_and_hyphenated(given: str, expected: str) -> None:
    assert parse_phone(given) == expected


@pytest.mark.parametrize("bad", ["123", "010-12-345", "전화 없음", "02-1234-56789", "0101234567890"])
def test_a_bad_phone_number_is_refused_with_examples(bad: str) -> None:
    with pytest.raises(ValueError, match=r"전화번호 .* 읽을 수 없습니다 \(예: 02-123-4567, 010-1234-5678"):
        parse_phone(bad)


def test_a_phone_number_that_lost_its_leading_zero_in_excel_gets_a_hint() -> None:
    with pytest.raises(ValueError, match="맨 앞의 0이 빠진 것 같습니다"):
        parse_phone("1012345678")


def test_kinds_accept_labels_keys_and_spacing() -> None:
    assert parse_contact_kind("아파트관리사무소") == parse_contact_kind("아파트 관리사무소") == "apartment_office"
    assert parse_contact_kind("yogurt_delivery") == "yogurt_delivery"
    assert parse_contact_event("동장 동행 소개") == parse_contact_event("동장동행소개") == "introduced"
    with pytest.raises(ValueError, match="가능한 값: 통장, 반장"):
        parse_contact_kind("구청장")


# ---- the 90-day flag ---------------------------------------------------------------------------------------------


def _book() -> tuple[pd.DataFrame, pd.DataFrame]:
    contacts = pd.DataFrame(
        {"id": [1, 2, 3], "added_at": [dt.datetime(2026, 1, 5, 9), dt.datetime(2026, 8, 1, 9), dt.datetime(2026, 3, 1)]}
    )
    log = pd.DataFrame(
        {
            "contact_id": [1, 1, 3],
            "on_date": [dt.date(2026, 8, 1), dt.date(2026, 7, 1), dt.date(2026, 2, 1)],  # not in date order
        }
    )
    return contacts, log


def test_a_contact_is_stale_ninety_days_after_the_last_contact() -> None:
    contacts, log = _book()
    day_89 = contact_status(contacts, log, today=dt.date(2026, 10, 29)).set_index("id")
    day_90 = contact_status(contacts, log, today=dt.date(2026, 10, 30)).set_index("id")
    assert day_89.loc[1, "last_contacted"] == dt.date(2026, 8, 1)  # the latest, whatever the order
    assert (day_89.loc[1, "days_since"], bool(day_89.loc[1, "stale"])) == (89, False)
    assert (day_90.loc[1, "days_since"], bool(day_90.loc[1, "stale"])) == (90, True)


def test_a_contact_never_contacted_counts_from_when_it_was_added() -> None:
    contacts, log = _book()
    status = contact_status(contacts, log, today=dt.date(2026, 10, 29)).set_index("id")
    assert status.loc[2, "last_contacted"] is None
    assert (status.loc[2, "days_since"], bool(status.loc[2, "stale"])) == (89, False)
    assert bool(contact_status(contacts, log, today=dt.date(2026, 10, 30)).set_index("id").loc[2, "stale"])
    assert bool(status.loc[3, "stale"])  # contacted once, long ago (before it was even added: the log wins)
    assert contact_status(contacts, log, today=dt.date(2026, 10, 29), stale_days=30).set_index("id").loc[1, "stale"]


def test_an_empty_book_gives_an_empty_status() -> None:
    empty = pd.DataFrame({"id": [], "added_at": []})
    out = contact_status(empty, pd.DataFrame({"contact_id": [], "on_date": []}), today=dt.date(2026, 1, 1))
    assert out.empty and {"last_contacted", "days_since", "stale"} <= set(out.columns)


# ---- the kit's contacts.csv --------------------------------------------------------------------------------------


def test_sample_contacts_are_read_and_clearly_sample(sample_kit: Kit) -> None:
    contacts = sample_kit.contacts
    assert contacts is not None and len(contacts) == 15
    assert contacts["name"].str.startswith("가상").all() and contacts["organisation"].str.contains("샘플").all()
    assert contacts["phone"].str.fullmatch(r"0\d{1,2}-0000-\d{4}").all()
    assert contacts.loc[contacts["name"] == "가상이웃12", "phone"].item() == "010-0000-5112"  # written without hyphens
    assert {"tong_leader", "ban_leader", "apartment_office", "gas_reader", "yogurt_delivery"} <= set(contacts["kind"])
    assert set(contacts["tong"]) <= set(range(1, 37))
    placed = contacts.dropna(subset=["lon"])
    assert 0 < len(placed) < len(contacts)  # the place is optional
    assert placed["lon"].between(126.88, 126.92).all() and placed["lat"].between(37.55, 37.58).all()


def test_a_kit_without_contacts_has_an_empty_book(kit_copy: Path) -> None:
    (kit_copy / "contacts.csv").unlink()
    assert read_kit(kit_copy).contacts.empty


def test_an_unknown_tong_is_an_error_naming_file_row_and_column(kit_copy: Path) -> None:
    write_contacts(kit_copy, "통장,가상통장,샘플,010-0000-0001,3,,,\n반장,가상반장,샘플,010-0000-0002,37,,,\n")
    (problem,) = problems_of(kit_copy)
    assert problem.startswith("오류: contacts.csv 3행 [통]: 통 37은(는) 통 경계 파일에 없습니다 (있는 통: 1–36)")


def test_a_bad_phone_is_an_error_naming_file_row_and_column(kit_copy: Path) -> None:
    write_contacts(kit_copy, "통장,가상통장,샘플,010-0000-0001,3,,,\n반장,가상반장,샘플,123-45,4,,,\n")
    (problem,) = problems_of(kit_copy)
    assert problem.startswith("오류: contacts.csv 3행 [연락처]: 전화번호 '123-45'를 읽을 수 없습니다")


def test_every_problem_is_listed_at_once(kit_copy: Path) -> None:
    rows = "구청장,가상1,,010-0000-0001,3,,,\n통장,,,010-0000-0002,99통,,,\n반장,가상3,,02-0000,4,126.9,,\n"
    write_contacts(kit_copy, rows)
    found = problems_of(kit_copy)
    assert any("2행 [구분]" in p and "구청장" in p for p in found)
    assert any("3행 [성명]" in p and "비어 있습니다" in p for p in found)
    assert any("3행 [통]" in p and "통 99" in p for p in found)
    assert any("4행 [연락처]" in p for p in found)
    assert any("4행 [경도]" in p and "좌표가 없습니다" in p and "'x'와 'y'" in p for p in found)  # 경도 without 위도


def test_a_missing_required_column_is_named(kit_copy: Path) -> None:
    write_contacts(kit_copy, "통장,가상통장,010-0000-0001\n", header="구분,성명,연락처\n")
    (problem,) = problems_of(kit_copy)
    assert "contacts.csv [통]" in problem and "필수 열 '통 [tong]'" in problem


def test_places_in_another_crs_are_converted(kit_copy: Path) -> None:
    to_5186 = Transformer.from_crs("EPSG:4326", "EPSG:5186", always_xy=True)
    x, y = to_5186.transform(126.9043, 37.5662)
    header = "구분,성명,소속,연락처,통,x,y,좌표계,비고\n"
    write_contacts(
        kit_copy, f"통장,가상통장,샘플,010-0000-0001,28,{x},{y},EPSG:5186,\n통장,가상2,,,3,,,,\n", header=header
    )
    contacts = read_kit(kit_copy).contacts
    assert contacts["lon"].iloc[0] == pytest.approx(126.9043, abs=1e-6)
    assert contacts["lat"].iloc[0] == pytest.approx(37.5662, abs=1e-6)
    assert pd.isna(contacts["lon"].iloc[1]) and pd.isna(contacts["phone"].iloc[1])  # no place, no phone: fine


def test_contacts_may_be_xlsx_or_cp949_csv_and_a_repeated_row_is_a_warning(kit_copy: Path) -> None:
    write_contacts(
        kit_copy, "통장,가상통장,샘플,010-0000-0001,3,,,\n통장,가상통장,샘플,010-0000-0001,3,,,\n", encoding="cp949"
    )
    kit = read_kit(kit_copy)
    assert list(kit.contacts["name"]) == ["가상통장"]
    assert any(p.file == "contacts.csv" and p.row == 3 and "똑같은 행" in p.message for p in kit.warnings)
    frame = pd.read_csv(kit_copy / "contacts.csv", dtype=str, keep_default_na=False, encoding="cp949")
    (kit_copy / "contacts.csv").unlink()
    frame.iloc[:1].to_excel(kit_copy / "contacts.xlsx", index=False)
    assert list(read_kit(kit_copy).contacts["phone"]) == ["010-0000-0001"]
