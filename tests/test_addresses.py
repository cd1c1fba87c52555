"""Addresses: normalising, the juso 위치정보요약DB layout, matching a typed address."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from mapping.access import CLI_USER
from mapping.addresses import (
    JUSO_FIELDS,
    address_hint,
    match_address,
    normalize_address,
    read_juso_entrances,
    short_address,
)
from mapping.crs import transform_xy
from mapping.errors import NotFoundError, ValidationError
from tests.conftest import SAMPLE_CODE


def write_juso(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write an entrc_*.txt file in the official layout: 18 pipe-separated fields, CP949."""
    lines = ["|".join(row.get(f, "") for f in JUSO_FIELDS) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode("cp949"))
    return path


def juso_row(road: str, main: str, sub: str, lon: float, lat: float, **extra: str) -> dict[str, str]:
    x, y = transform_xy([lon], [lat], "EPSG:4326", "EPSG:5179")
    return {
        "sgg_code": "11440", "entrance_no": "1", "legal_dong_code": "1144012500", "sido": "서울특별시",
        "sigungu": "마포구", "eupmyeondong": "성산동", "road_code": "114404139001", "road": road,
        "underground": "0", "main_no": main, "sub_no": sub, "building": "", "postcode": "03900",
        "building_use": "01000", "building_group": "0", "adm_cd2": "1144073000", "x": f"{x[0]:.6f}", "y": f"{y[0]:.6f}",
    } | extra  # fmt: skip


@pytest.mark.parametrize(
    ("text", "norm"),
    [
        ("서울특별시 마포구 성산동 200번지 22호 SMC", "마포구성산동200-22smc"),
        ("서울 마포구 성산동 200-22", "마포구성산동200-22"),
        ("마포구  월드컵로 190 (성산동)", "마포구월드컵로190"),
    ],
)
def test_normalize_address_ignores_city_spaces_and_jibeon_words(text, norm):
    assert normalize_address(text) == norm


def test_juso_file_is_read_in_its_official_layout(tmp_path):
    path = write_juso(
        tmp_path / "entrc_seoul.txt",
        [
            juso_row("월드컵로", "190", "0", 126.9031, 37.5663),
            juso_row("월드컵로", "190", "0", 126.9032, 37.5664, entrance_no="2"),  # second entrance
            juso_row("성미산로", "17", "3", 126.9100, 37.5660, underground="1"),
            juso_row("성미산로", "20", "0", 0, 0) | {"x": "", "y": ""},  # non-public building: no X/Y
        ],
    )
    rows = read_juso_entrances(path)
    assert list(rows["address"]) == ["서울특별시 마포구 월드컵로 190", "서울특별시 마포구 성미산로 지하 17-3"]
    assert rows.loc[0, "lon"] == pytest.approx(126.9031, abs=1e-6)
    assert rows.loc[0, "lat"] == pytest.approx(37.5663, abs=1e-6)
    assert set(rows["adm_cd2"]) == {"1144073000"}


def test_juso_file_with_wrong_layout_names_the_rows(tmp_path):
    path = tmp_path / "entrc_bad.txt"
    path.write_bytes("a|b|c\n".encode("cp949"))
    with pytest.raises(ValidationError, match=r"entrc_bad.txt 1행.*필드가 3개"):
        read_juso_entrances(path)


def test_juso_file_that_is_not_cp949_is_refused(tmp_path):
    path = tmp_path / "entrc_utf16.txt"
    path.write_bytes("월드컵로".encode("utf-16"))
    with pytest.raises(ValidationError, match="CP949"):
        read_juso_entrances(path)


def test_juso_file_with_a_line_too_long_stops_there(tmp_path):
    path = write_juso(tmp_path / "entrc_seoul.txt", [juso_row("월드컵로", "190", "0", 126.9031, 37.5663)])
    with path.open("ab") as handle:
        handle.write(b"|" * 10_000_000 + b"\n" + b"a|b\n" * 100)
    with pytest.raises(ValidationError, match=r"entrc_seoul.txt 2행: 한 줄이 4,096바이트를 넘습니다") as info:
        read_juso_entrances(path)
    assert len(info.value.problems) == 1  # reading stopped at that line


def test_juso_file_over_its_size_limit_is_refused_unread(tmp_path, monkeypatch):
    path = write_juso(tmp_path / "entrc_seoul.txt", [juso_row("월드컵로", "190", "0", 126.9031, 37.5663)])
    monkeypatch.setattr("mapping.addresses.MAX_ADDRESS_FILE_BYTES", 100)
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("opened although over the limit"))
    with pytest.raises(ValidationError, match=r"entrc_seoul.txt: 파일이 0.0 MB로 한도 0.0 MB를 넘어"):
        read_juso_entrances(path)


def test_juso_problems_stop_at_twenty(tmp_path):
    path = tmp_path / "entrc_bad.txt"
    path.write_bytes("a|b|c\n".encode("cp949") * 1000)
    with pytest.raises(ValidationError, match="오류 20건"):
        read_juso_entrances(path)


CANDIDATES = pd.DataFrame(
    {
        "address": [
            "서울특별시 마포구 성산동 200-22 2층",
            "서울특별시 마포구 성산동 200-2",
            "서울특별시 마포구 성산동 600",
        ],
        "norm": [None, None, None],
        "lon": [126.9010, 126.9012, 126.9150],
        "lat": [37.5670, 37.5671, 37.5600],
    }
)


def test_match_address_does_not_confuse_200_2_with_200_22():
    assert match_address("마포구 성산동 200-2", CANDIDATES)["address"].endswith("200-2")
    assert match_address("마포구 성산동 200번지 22호", CANDIDATES)["address"].endswith("200-22 2층")


def test_match_address_refuses_an_ambiguous_or_unknown_address():
    with pytest.raises(NotFoundError, match="여러 곳"):
        match_address("마포구 성산동", CANDIDATES)
    with pytest.raises(NotFoundError, match="찾지 못했습니다"):
        match_address("강남구 역삼동 1", CANDIDATES)


def test_the_address_hint_names_the_loaded_files_and_gives_an_example_of_the_dong(sample_store, tmp_path):
    kit = ["서울특별시 도봉구 방학동 123번지 4호 2층", "서울특별시 도봉구 도당로 13길 7"]
    note, example = address_hint(sample_store.address_files(SAMPLE_CODE), kit, dong="도봉구 방학3동")
    assert example == "도봉구 방학동 123-4"  # the dong's own, not a 마포구 example for every dong
    assert note.startswith("도봉구 방학3동: 불러온 주소 자료") and "키트의 공개 복지자원 주소" in note
    path = write_juso(
        tmp_path / "entrc_seoul.txt",
        [
            juso_row("월드컵로", "190", "0", 126.90, 37.57),
            juso_row("도봉로", "1", "0", 127.03, 37.66, sigungu="도봉구", adm_cd2="1132052100"),
        ],
    )
    sample_store.load_addresses(read_juso_entrances(path), source=path.name, user=CLI_USER)
    note, example = address_hint(sample_store.address_files(SAMPLE_CODE), kit, dong="마포구 성산2동")
    assert (
        note == "마포구 성산2동: 주소 자료: entrc_seoul.txt (2곳, 이 동 1곳)와 키트의 공개 복지자원 주소에서 찾습니다."
    )
    assert example == "마포구 월드컵로 190"  # from the file, within this dong (관할행정동)
    assert address_hint(sample_store.address_files("1132052100"), [], dong="방학3동")[1] == "도봉구 도봉로 1"
    assert address_hint(sample_store.address_files("1100000000"), ["주소 없음"], dong="어느 동")[1] is None


@pytest.mark.parametrize(
    ("address", "short"),
    [
        ("서울특별시 마포구 성산동 200번지 22호 SMC 지하1층~5층", "마포구 성산동 200-22"),
        ("서울특별시 마포구 월드컵로 25길 17 (성산동)", "마포구 월드컵로 25길 17"),
        ("서울 도봉구 방학동 446 성산시영아파트", "도봉구 방학동 446"),
    ],
)
def test_an_example_address_is_cut_after_its_number(address, short):
    assert short_address(address) == short
