"""Welcome messages for move-in households: one SMS each, the right officer (with consent), the CSV for
SMS systems in both encodings without formula injection, and one printed letter per household."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from mapping.access import CLI_USER
from mapping.publish.welcome import (
    CSV_COLUMNS,
    LMS_DEFAULT,
    NO_OFFICER,
    NO_ZONE,
    NOT_CONSENTED,
    check_length,
    export_welcome_csv,
    export_welcome_letters,
    sms_bytes,
    welcome_messages,
    welcome_messages_of,
)
from mapping.store import Store
from tests.conftest import SAMPLE_CODE

CENTRE_PHONE = "02-0000-0000"
DONG = "서울특별시 마포구 성산2동"


@pytest.fixture
def messages(sample_store: Store) -> pd.DataFrame:
    return welcome_messages_of(sample_store, SAMPLE_CODE, user=CLI_USER)


def tiny(
    zone_ids: list[str | None], *, officer: str | None = "김주무", consent: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Households (all moved in) in ``zone_ids``, one zone Z01 and its officer."""
    households = pd.DataFrame(
        {
            "kind": "move_in",
            "name": [f"주민{i}" for i in range(len(zone_ids))],
            "phone": [f"010-1111-{i:04d}" for i in range(len(zone_ids))],
            "address": "서울특별시 어딘가",
            "zone_id": zone_ids,
        }
    )
    zones = pd.DataFrame(
        {"zone_id": ["Z01"], "officer": [officer], "team": ["복지팀"], "phone": ["02-111-2222"], "tongs": [[1]]}
    )
    staff = pd.DataFrame({"name": [officer or "다른사람"], "phone": ["02-111-2222"], "public_card": [consent]})
    return households, zones, staff


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


# ---- length --------------------------------------------------------------------------------------------------------


def test_sms_bytes_count_hangul_as_two_and_ascii_as_one() -> None:
    assert sms_bytes("가a 1") == 5
    assert sms_bytes("똠") == 2  # outside EUC-KR's 2,350 syllables but in CP949: still 2 bytes


def test_a_character_no_sms_can_carry_is_named() -> None:
    with pytest.raises(ValueError, match=r"EUC-KR/CP949 밖.*😀"):
        sms_bytes("환영합니다 😀")


def test_check_length_names_the_length_and_the_limit() -> None:
    assert check_length("가" * 45) == 90
    with pytest.raises(ValueError, match=r"문자 길이 92바이트가 SMS 한도 90바이트"):
        check_length("가" * 46)
    assert check_length("가" * 46, kind="lms") == 92
    with pytest.raises(ValueError, match=r"문자 종류 'mms'.*sms, lms"):
        check_length("가", kind="mms")


def test_every_filled_sample_message_fits_one_sms(sample_store: Store, messages: pd.DataFrame) -> None:
    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    assert len(messages) == (households["kind"] == "move_in").sum() > 0
    assert all(sms_bytes(m) <= 90 for m in messages["메시지"])
    assert list(messages["바이트"]) == [sms_bytes(m) for m in messages["메시지"]]
    assert all(m.startswith("[성산2동] 전입을 환영합니다.") for m in messages["메시지"])


def test_a_message_too_long_for_one_sms_is_refused_naming_rows_not_residents(sample_store: Store) -> None:
    long = "[{dong}] 전입을 진심으로 환영합니다. 궁금한 점은 담당 우리동네주무관 {officer}에게 {phone}으로 연락 주세요"
    with pytest.raises(ValueError, match=r"문자 \d+건이 SMS 한도 90바이트.*1행 \d+바이트 \(구역 Z13\)") as caught:
        welcome_messages_of(sample_store, SAMPLE_CODE, user=CLI_USER, template=long)
    assert "가상주민" not in str(caught.value)


def test_lms_takes_the_long_text(sample_store: Store) -> None:
    lms = welcome_messages_of(sample_store, SAMPLE_CODE, user=CLI_USER, template=LMS_DEFAULT, kind="lms")
    assert lms["바이트"].max() > 90
    assert (lms["바이트"] <= 2000).all()
    assert "우리동네주무관 조예린 (02-0000-3106)" in lms["메시지"].iloc[0]


# ---- the right officer ----------------------------------------------------------------------------------------------


def test_messages_name_the_officer_of_the_households_zone(sample_store: Store, messages: pd.DataFrame) -> None:
    zones = sample_store.zones(SAMPLE_CODE).set_index("zone_id")
    consent = sample_store.staff(SAMPLE_CODE).set_index("name")["public_card"]
    named = 0
    for _, row in messages.iterrows():
        officer, phone = zones.loc[row["구역"], "officer"], zones.loc[row["구역"], "phone"]
        assert row["담당 주무관"] == officer
        if consent[officer]:
            assert f"담당 우리동네주무관 {officer} {phone}" in row["메시지"]
            assert row["비고"] == ""
            named += 1
        else:
            assert officer not in row["메시지"] and phone not in row["메시지"]
            assert f"주민센터 {CENTRE_PHONE}" in row["메시지"]
            assert row["비고"] == NOT_CONSENTED
    assert 0 < named < len(messages)  # the sample has a move-in in 차은호's zone Z33


def test_a_household_without_a_zone_or_officer_gets_the_centres_text() -> None:
    households, zones, staff = tiny(["Z01", None, "Z77"])
    out = welcome_messages(households, zones, staff, dong_name=DONG, centre_phone=CENTRE_PHONE)
    assert list(out["비고"]) == ["", NO_ZONE, NO_ZONE]
    assert "김주무 02-111-2222" in out.loc[0, "메시지"]
    assert list(out["메시지"][1:]) == ["[성산2동] 전입을 환영합니다. 우리동네주무관 안내: 주민센터 02-0000-0000"] * 2
    households, zones, staff = tiny(["Z01"], officer=None)
    out = welcome_messages(households, zones, staff, dong_name=DONG, centre_phone=CENTRE_PHONE)
    assert list(out["비고"]) == [NO_OFFICER]


def test_only_move_in_households_get_a_message() -> None:
    households, zones, staff = tiny(["Z01", "Z01"])
    households.loc[1, "kind"] = "care_needed"
    before = households.copy()
    out = welcome_messages(households, zones, staff, dong_name=DONG)
    assert list(out["성명"]) == ["주민0"]
    pd.testing.assert_frame_equal(households, before)  # inputs never modified


def test_the_centres_phone_is_required_when_someone_needs_it() -> None:
    households, zones, staff = tiny(["Z01"], consent=False)
    with pytest.raises(ValueError, match=r"centre_phone.*1곳"):
        welcome_messages(households, zones, staff, dong_name=DONG)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"template": "[{dong}] 환영합니다 {name} {phone}"}, r"모르는 자리표시자 \['name'\]"),
        ({"template": "[{dong}] 환영합니다"}, r"연락처 \{phone\}이 없습니다"),
        ({"template": "[{dong] {phone}"}, "중괄호가 맞지 않습니다"),
        ({"kind": "mms"}, r"문자 종류 'mms' \(가능한 값: sms, lms\)"),
    ],
)
def test_bad_templates_and_kinds_are_refused(options: dict[str, str], message: str) -> None:
    households, zones, staff = tiny(["Z01"])
    with pytest.raises(ValueError, match=message):
        welcome_messages(households, zones, staff, dong_name=DONG, centre_phone=CENTRE_PHONE, **options)


def test_missing_columns_are_named() -> None:
    households, zones, staff = tiny(["Z01"])
    with pytest.raises(ValueError, match=r"전입세대에 'zone_id' 열이 없습니다.*구역에 'team' 열이 없습니다"):
        welcome_messages(households.drop(columns="zone_id"), zones.drop(columns="team"), staff, dong_name=DONG)


# ---- CSV -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp949"])
def test_the_csv_reads_back_in_its_encoding(messages: pd.DataFrame, tmp_path: Path, encoding: str) -> None:
    path = export_welcome_csv(messages, tmp_path / "sms.csv", encoding=encoding)
    back = pd.read_csv(path, encoding=encoding, dtype=str, keep_default_na=False)
    assert tuple(back.columns) == CSV_COLUMNS
    assert "주소" not in back.columns  # an SMS needs no address
    assert list(back["메시지"]) == list(messages["메시지"])
    assert list(back["성명"]) == list(messages["성명"])
    assert list(back["연락처"]) == list(messages["연락처"])


def test_a_name_starting_with_equals_stays_text(sample_store: Store, tmp_path: Path) -> None:
    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    first = households.index[households["kind"] == "move_in"][0]
    households.loc[first, "name"] = '=HYPERLINK("http://x","y")'
    zones, staff = sample_store.zones(SAMPLE_CODE), sample_store.staff(SAMPLE_CODE)
    out = welcome_messages(households, zones, staff, dong_name=DONG, centre_phone=CENTRE_PHONE)
    for encoding in ("utf-8-sig", "cp949"):
        path = export_welcome_csv(out, tmp_path / f"{encoding}.csv", encoding=encoding)
        back = pd.read_csv(path, encoding=encoding, dtype=str, keep_default_na=False)
        assert back.loc[0, "성명"] == '\'=HYPERLINK("http://x","y")'


def test_cp949_refuses_a_character_it_cannot_hold_naming_row_and_column(messages: pd.DataFrame, tmp_path: Path) -> None:
    odd = messages.copy()
    odd.loc[1, "성명"] = "김🙂"
    with pytest.raises(ValueError, match=r"3행 \[성명\].*utf-8-sig"):
        export_welcome_csv(odd, tmp_path / "x.csv", encoding="cp949")
    export_welcome_csv(odd, tmp_path / "x.csv")  # UTF-8 holds it


def test_an_unknown_encoding_is_refused(messages: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"인코딩 'latin-1'.*utf-8-sig, cp949"):
        export_welcome_csv(messages, tmp_path / "x.csv", encoding="latin-1")


# ---- letters -------------------------------------------------------------------------------------------------------


def test_one_a4_letter_per_move_in_household(messages: pd.DataFrame, tmp_path: Path) -> None:
    path = export_welcome_letters(messages, tmp_path / "letters.pdf", dong_name=DONG, centre_phone=CENTRE_PHONE)
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "999", str(path)], check=True, capture_output=True, text=True
    ).stdout
    assert re.search(rf"Pages:\s+{len(messages)}\n", info)
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+ x [\d.]+) pts", info)
    assert sizes == ["595.28 x 841.89"] * len(messages)
    text = pdf_text(path)
    assert text.count("전입을 환영합니다") == len(messages)
    assert "조예린" in text and "02-0000-3106" in text  # the officer of Z13's move-ins
    assert "가상주민01 님" in text
    assert "우리동네주무관은 이런 일을 합니다" in text
    assert "차은호" not in text and "02-0000-3118" not in text  # Z33's officer did not consent


def test_no_letters_without_households(messages: pd.DataFrame, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="받은 행 0개"):
        export_welcome_letters(messages.iloc[0:0], tmp_path / "x.pdf", dong_name=DONG)
