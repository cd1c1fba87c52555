"""Who is my officer? From a point or an address to tong, zone and officer."""

from __future__ import annotations

import json

import pytest
import shapely

from mapping.access import CLI_USER
from mapping.addresses import read_juso_entrances
from mapping.cli import main
from mapping.errors import NotFoundError
from mapping.lookup import officer_for
from tests.conftest import SAMPLE_CODE
from tests.test_addresses import juso_row, write_juso

KEYS = {"tong", "zone_id", "officer", "team", "phone", "substitute"}


def inside_tong(store, tong: int) -> tuple[float, float]:
    geom = store.tongs(SAMPLE_CODE).set_index("tong").loc[tong, "geometry"]
    point = geom.representative_point()
    return point.x, point.y


def test_a_point_gives_the_owner_of_its_tong(sample_store):
    zones = sample_store.zones(SAMPLE_CODE)
    for tong in (1, 17, 36):
        owner = zones[[tong in ts for ts in zones["tongs"]]].iloc[0]
        found = officer_for(sample_store, lonlat=inside_tong(sample_store, tong))
        assert set(found) >= KEYS
        assert (found["tong"], found["zone_id"], found["officer"], found["phone"]) == (
            tong, owner["zone_id"], owner["officer"], owner["phone"],
        )  # fmt: skip


def test_points_outside_the_dong_or_seoul_are_refused(sample_store):
    with pytest.raises(NotFoundError, match="어느 동에도"):
        officer_for(sample_store, lonlat=(127.05, 37.50))  # 강남
    with pytest.raises(NotFoundError, match="서울이 아닙니다"):
        officer_for(sample_store, lonlat=(37.567, 126.901))  # swapped


def test_an_address_of_a_juso_file_finds_the_officer(sample_store, tmp_path):
    lon, lat = inside_tong(sample_store, 20)
    path = write_juso(tmp_path / "entrc_seoul.txt", [juso_row("월드컵로", "190", "0", lon, lat)])
    sample_store.load_addresses(read_juso_entrances(path), source=path.name, user=CLI_USER)
    found = officer_for(sample_store, address="마포구 월드컵로 190")
    assert found["tong"] == 20 and found["matched_address"] == "서울특별시 마포구 월드컵로 190"


def test_an_address_already_in_the_store_is_found(sample_store):
    resources = sample_store.resources(SAMPLE_CODE)
    row = resources[resources["address"].str.contains("200번지 22호", na=False)].iloc[0]
    found = officer_for(sample_store, address="마포구 성산동 200-22")
    assert found["tong"] == row["tong"]


def test_cli_officer_for_prints_json_and_exits_2_outside(sample_store, capsys, tmp_path):
    db = sample_store.url.removeprefix("sqlite:///")
    lon, lat = inside_tong(sample_store, 5)
    assert main(["officer-for", "--lonlat", f"{lon},{lat}", "--db", db]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tong"] == 5 and set(out) >= KEYS
    assert main(["officer-for", "--lonlat", "127.05,37.50", "--db", db]) == 2
    assert "어느 동에도" in capsys.readouterr().err
    assert main(["officer-for", "--address", "강남구 역삼동 1", "--db", db]) == 2
    assert main(["officer-for", "--lonlat", "abc", "--db", db]) == 2


def test_cli_load_addresses_then_lookup(sample_store, capsys, tmp_path):
    db = sample_store.url.removeprefix("sqlite:///")
    lon, lat = inside_tong(sample_store, 9)
    path = write_juso(tmp_path / "entrc_seoul.txt", [juso_row("성미산로", "17", "0", lon, lat)])
    assert main(["load-addresses", str(path), "--db", db]) == 0
    assert main(["load-addresses", str(path), "--db", db]) == 0  # again: replaced, not doubled
    assert len(sample_store.address_candidates("마포구성미산로17")) >= 1
    capsys.readouterr()
    assert main(["officer-for", "--address", "서울 마포구 성미산로 17", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["tong"] == 9
    assert shapely.Point(lon, lat).within(sample_store.dong(SAMPLE_CODE).geometry.iloc[0])


def test_address_search_never_finds_a_household_address(sample_store):
    """The matched address is shown to whoever typed (the public map too): a prefix must not reveal homes."""
    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    home = str(households["address"].iloc[0])
    assert "샘플주소" in home  # the sample kit's households have addresses of their own
    searched = set(sample_store.address_candidates("마포구성산동샘플주소")["address"])
    assert searched and not searched & set(households["address"])
    with pytest.raises(NotFoundError):
        officer_for(sample_store, address="마포구 성산동 샘플주소")
