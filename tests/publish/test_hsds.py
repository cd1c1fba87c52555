"""mapping.publish.hsds: welfare resources out to Open Referral HSDS 3.0 (tabular) and back in."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from frictionless import Package
from shapely.geometry import Point

from mapping.domain import RESOURCE_TYPES
from mapping.errors import CRSError, ExportError, NotFoundError, ValidationError
from mapping.publish import hsds
from mapping.publish.hsds import TABLES, export_hsds, read_hsds, validate_hsds
from mapping.publish.hsds import package as hsds_package
from mapping.publish.privacy import assert_no_personal_values
from mapping.store import Store
from tests.conftest import SAMPLE_CODE

DONG = "서울특별시 마포구 성산2동"
EXAMPLES = hsds.PACKAGE_PATHS[0].parent / "examples" / "csv"  # the specification's own examples, vendored
COMPARED = ("type", "name", "address", "phone", "hours")


def _value(value: object) -> object:
    """None for every kind of missing value, so NaN from the store equals None from HSDS."""
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def _records(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(_value(v) for v in row) for row in frame[list(COMPARED)].itertuples(index=False)]


def assert_same_resources(got: gpd.GeoDataFrame, want: gpd.GeoDataFrame) -> None:
    """Same rows in the same order: equal text fields, points within 1e-7°."""
    assert _records(got) == _records(want)
    assert np.allclose(got.geometry.x, want.geometry.x, rtol=0, atol=1e-7)
    assert np.allclose(got.geometry.y, want.geometry.y, rtol=0, atol=1e-7)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _rewrite(path: Path, change: dict[int, dict[str, str]] | None = None, *, extra: list[int] = ()) -> None:
    """Rewrite a CSV with cells changed (by 0-based data row) and rows repeated."""
    rows = _rows(path)
    for i, cells in (change or {}).items():
        rows[i].update(cells)
    rows += [dict(rows[i]) for i in extra]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def resources(sample_store: Store) -> gpd.GeoDataFrame:
    return sample_store.resources(SAMPLE_CODE)


@pytest.fixture
def exported(resources: gpd.GeoDataFrame, tmp_path: Path) -> Path:
    return export_hsds(resources, tmp_path / "hsds", dong_name=DONG).parent


def _every_type() -> gpd.GeoDataFrame:
    """One resource of each type, with every kind of hours and address, in EPSG:5186."""
    n = len(RESOURCE_TYPES.keys)
    hours = ["평일 09:00-18:00", "매일 10:00-20:00", "주말 10:00-14:00", "월·수 오전", None]
    frame = gpd.GeoDataFrame(
        {
            "kit_key": [f"k{i:02d}" for i in range(n)],
            "type": list(RESOURCE_TYPES.keys),
            "name": [None if i % 3 == 0 else f"자원 {i}" for i in range(n)],
            "address": [
                None,
                "마포구 성산로 1",
                "(우)03900 서울특별시 마포구 월드컵로 1",
                *["서울특별시 마포구 성산동 1"] * (n - 3),
            ],
            "phone": [None if i % 4 == 0 else f"02-300-{i:04d}" for i in range(n)],
            "hours": [hours[i % len(hours)] for i in range(n)],
            "public": [True] * n,
        },
        geometry=[Point(126.9 + i / 1000, 37.56 + i / 1000) for i in range(n)],
        crs="EPSG:4326",
    )
    return frame.to_crs("EPSG:5186")


# ---- export -----------------------------------------------------------------


def test_export_of_the_sample_validates_without_any_error(exported: Path) -> None:
    assert validate_hsds(exported) == []
    descriptor = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in descriptor["resources"]] == [
        r["name"] for r in hsds.official_package()["resources"] if r["name"] in TABLES
    ]
    report = Package(str(exported / "datapackage.json")).validate()  # the written descriptor, foreign keys and all
    assert report.valid, report.flatten(["rowNumber", "fieldName", "message"])


def test_re_export_writes_the_same_bytes(resources: gpd.GeoDataFrame, tmp_path: Path) -> None:
    first = export_hsds(resources, tmp_path / "a", dong_name=DONG).parent
    second = export_hsds(resources, tmp_path / "b", dong_name=DONG).parent
    assert sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for path in first.iterdir():
        assert path.read_bytes() == (second / path.name).read_bytes(), path.name


def test_round_trip_gives_back_every_public_resource(resources: gpd.GeoDataFrame, exported: Path) -> None:
    public = resources[resources["public"]]
    assert public["name"].isna().any()  # LOCALDATA rows without a name are in the sample
    back = read_hsds(exported)
    assert_same_resources(back, public)
    assert back.crs == "EPSG:4326"
    assert back["public"].all()
    assert back["kit_key"].str.fullmatch(r"[0-9a-f]{16}").all() and back["kit_key"].is_unique
    assert back.attrs["warnings"] == []


def test_private_resources_reach_no_exported_file(resources: gpd.GeoDataFrame, tmp_path: Path) -> None:
    # the sample's 나눔이웃 is private; also hide a pharmacy whose address and place no other resource has
    frame = resources.copy()
    alone = ~frame["address"].duplicated(keep=False) & ~frame.geometry.to_wkb().duplicated(keep=False)
    pharmacy = frame.index[(frame["type"] == "pharmacy") & alone][0]
    frame.loc[pharmacy, "public"] = False
    private = frame[~frame["public"]]
    assert {"sharing_neighbour", "pharmacy"} <= set(private["type"])
    folder = export_hsds(frame, tmp_path / "hsds", dong_name=DONG).parent
    public_addresses = set(frame.loc[frame["public"], "address"])
    needles = [*private["name"].dropna(), *(a for a in private["address"] if a not in public_addresses)]
    needles += [repr(float(v)) for v in (*private.geometry.x, *private.geometry.y)]
    for path in folder.iterdir():
        assert_no_personal_values(path.read_text(encoding="utf-8"), needles)
    assert len(read_hsds(folder)) == frame["public"].sum()
    assert frame.loc[pharmacy, "public"] == False  # noqa: E712 -- the input is not modified


def test_unnamed_resource_is_named_after_its_type_but_reads_back_unnamed(exported: Path) -> None:
    organizations = {r["name"] for r in _rows(exported / "organizations.csv")}
    assert {"병원", "의원", "약국"} <= organizations
    assert "" in {r["name"] for r in _rows(exported / "locations.csv")}
    assert read_hsds(exported)["name"].isna().sum() > 0


def test_every_type_hours_form_and_address_survive(tmp_path: Path) -> None:
    frame = _every_type()
    folder = export_hsds(frame, tmp_path / "hsds", dong_name=DONG).parent
    assert validate_hsds(folder) == []
    assert_same_resources(read_hsds(folder), frame.to_crs("EPSG:4326"))
    terms = {r["id"]: r["code"] for r in _rows(folder / "taxonomy_terms.csv")}
    services = {r["id"] for r in _rows(folder / "services.csv")}
    linked = [terms[a["taxonomy_term_id"]] for a in _rows(folder / "attributes.csv") if a["link_id"] in services]
    assert linked == list(RESOURCE_TYPES.keys)
    schedules = {r["description"]: r for r in _rows(folder / "schedules.csv")}
    assert schedules["매일 10:00-20:00"]["byday"] == "MO,TU,WE,TH,FR,SA,SU"
    assert (schedules["주말 10:00-14:00"]["opens_at"], schedules["주말 10:00-14:00"]["closes_at"]) == (
        "10:00:00+09:00",
        "14:00:00+09:00",
    )
    assert schedules["월·수 오전"]["byday"] == ""  # free text stays free text
    addresses = {r["address_1"]: r for r in _rows(folder / "addresses.csv")}
    assert addresses["(우)03900 서울특별시 마포구 월드컵로 1"]["postal_code"] == "03900"
    assert (addresses["마포구 성산로 1"]["state_province"], addresses["마포구 성산로 1"]["city"]) == (
        "서울특별시",
        "마포구",
    )
    assert {r["country"] for r in addresses.values()} == {"KR"}


def test_export_refuses_what_it_cannot_write(resources: gpd.GeoDataFrame, tmp_path: Path) -> None:
    no_crs = gpd.GeoDataFrame(resources.drop(columns="geometry"), geometry=list(resources.geometry), crs=None)
    with pytest.raises(CRSError, match="좌표계"):
        export_hsds(no_crs, tmp_path / "a", dong_name=DONG)
    with pytest.raises(ExportError, match="알 수 없는 유형 \\['spaceport'\\]"):
        export_hsds(resources.assign(type="spaceport"), tmp_path / "b", dong_name=DONG)
    with pytest.raises(ExportError, match="'type' 열이 없습니다"):
        export_hsds(resources.drop(columns="type"), tmp_path / "c", dong_name=DONG)
    with pytest.raises(ExportError, match=r"kit_key\(또는 id\)가 없거나 겹치는 .* \(행 번호 \[0, 1, 2,"):
        export_hsds(resources.assign(kit_key="same", id=1), tmp_path / "d", dong_name=DONG)


def test_missing_official_package_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(hsds_package, "PACKAGE_PATHS", (tmp_path / "nowhere.json",))
    with pytest.raises(NotFoundError, match=r"nowhere\.json"):
        hsds.official_package()


# ---- the specification's example set ---------------------------------------------


def test_spec_examples_read_despite_their_dangling_keys() -> None:
    back = read_hsds(EXAMPLES)
    assert len(back) == 1
    row = back.iloc[0]
    assert (row["type"], row["name"], row["phone"]) == ("other", "MyCity Civic Center", '"+44 1234 234567"')
    assert row["address"] == "1-30 Main Street, MyVillage, MyCity, MyState ABC 1234"
    assert row["hours"].startswith("The service is available from 10 am to 6pm weekdays.")
    assert (row.geometry.x, row.geometry.y) == (101.0, 100.0)
    assert [(p.file, p.column, p.severity) for p in back.attrs["warnings"]] == [
        ("locations.csv", "latitude", "warning")
    ]


def test_spec_examples_read_export_read_keeps_them(tmp_path: Path) -> None:
    first = read_hsds(EXAMPLES)
    folder = export_hsds(first, tmp_path / "hsds", dong_name=DONG).parent
    assert validate_hsds(folder) == []
    assert_same_resources(read_hsds(folder), first)


def test_validate_names_the_spec_examples_dangling_foreign_keys() -> None:
    messages = validate_hsds(EXAMPLES)
    assert messages and all("foreign key" in m for m in messages)
    assert {m.split()[1] for m in messages} == {"locations.csv", "contacts.csv", "taxonomy_terms.csv"}


def test_foreign_taxonomy_code_that_names_a_type_is_used(tmp_path: Path) -> None:
    folder = tmp_path / "examples"
    shutil.copytree(EXAMPLES, folder)
    service = _rows(folder / "services.csv")[0]["id"]
    _rewrite(folder / "attributes.csv", {0: {"link_id": service, "link_entity": "service"}})
    term = _rows(folder / "attributes.csv")[0]["taxonomy_term_id"]
    assert _rows(folder / "taxonomy_terms.csv")[0]["id"] == term
    _rewrite(folder / "taxonomy_terms.csv", {0: {"code": "Pharmacy"}})
    assert read_hsds(folder).iloc[0]["type"] == "pharmacy"


# ---- bad input ------------------------------------------------------------------------


def test_latitude_that_is_not_a_number_is_named(exported: Path) -> None:
    _rewrite(exported / "locations.csv", {2: {"latitude": "abc"}})
    with pytest.raises(ValidationError, match=r"locations\.csv 4행 \[latitude\]: 'abc'는 숫자가 아닙니다") as caught:
        read_hsds(exported)
    assert [(p.file, p.row, p.column) for p in caught.value.problems] == [("locations.csv", 4, "latitude")]
    assert any("locations.csv 4행 [latitude]" in m for m in validate_hsds(exported))


def test_half_a_coordinate_is_named(exported: Path) -> None:
    _rewrite(exported / "locations.csv", {0: {"longitude": ""}})
    with pytest.raises(ValidationError, match=r"locations\.csv 2행 \[longitude\]"):
        read_hsds(exported)


def test_table_over_the_limits_is_refused_before_parsing(exported: Path) -> None:
    with (exported / "locations.csv").open("a", encoding="utf-8") as handle:
        handle.write("," * 2_000_000 + "\n")  # one row of two million empty cells
    with pytest.raises(ValidationError, match=r"locations\.csv: 칸\(쉼표·줄바꿈으로 나뉜 값\)이 2,000,\d{3}개로 한도"):
        read_hsds(exported)


def test_table_over_the_size_limit_is_refused(exported: Path) -> None:
    with (exported / "services.csv").open("r+b") as handle:
        handle.truncate(50 * 1024 * 1024 + 1)
    with pytest.raises(ValidationError, match=r"services\.csv: 파일이 50\.0 MB로 한도 50\.0 MB"):
        read_hsds(exported)


def test_missing_required_table_is_named(exported: Path) -> None:
    (exported / "service_at_location.csv").unlink()
    with pytest.raises(ValidationError, match=r"service_at_location\.csv: HSDS 필수 표"):
        read_hsds(exported)


def test_duplicate_ids_are_named_with_both_rows(exported: Path) -> None:
    _rewrite(exported / "locations.csv", extra=[0])
    count = len(_rows(exported / "locations.csv"))
    with pytest.raises(ValidationError, match=rf"locations\.csv {count + 1}행 \[id\]: .*2행과 겹칩니다"):
        read_hsds(exported)


def test_location_without_coordinates_is_left_out_with_a_warning(exported: Path) -> None:
    _rewrite(exported / "locations.csv", {0: {"longitude": "", "latitude": ""}})
    back = read_hsds(exported)
    assert len(back) == len(_rows(exported / "locations.csv")) - 1
    assert [(p.file, p.row, p.column) for p in back.attrs["warnings"]] == [
        ("service_at_location.csv", 2, "location_id")
    ]


def test_validate_names_file_row_and_field(exported: Path) -> None:
    _rewrite(exported / "locations.csv", {0: {"location_type": "moon"}})
    (exported / "taxonomies.csv").unlink()  # the terms still point at it
    messages = validate_hsds(exported)
    assert any(m.startswith("오류: locations.csv 2행 [location_type]") for m in messages)
    assert any(m.startswith("오류: taxonomy_terms.csv 2행 [taxonomy_id]: taxonomy 표가 없는데") for m in messages)
    assert validate_hsds(exported / "nothing")[0].endswith("HSDS 표(CSV)가 하나도 없습니다.")


def test_commands_export_then_import_add_nothing_twice(
    sample_store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mapping.cli import main

    out = tmp_path / "hsds"
    assert main(["hsds-export", "--db", sample_store.url, "--out", str(out)]) == 0
    assert "검증 오류 0건" in capsys.readouterr().out
    before = len(sample_store.resources(SAMPLE_CODE))
    assert main(["hsds-import", "--db", sample_store.url, str(out)]) == 0  # our own export: all already there
    assert "0곳을 가져왔습니다" in capsys.readouterr().out
    assert len(sample_store.resources(SAMPLE_CODE)) == before
    assert main(["hsds-import", "--db", sample_store.url, str(EXAMPLES)]) == 0  # the spec's examples lie abroad
    assert "서울 밖 좌표" in capsys.readouterr().out
    assert len(sample_store.resources(SAMPLE_CODE)) == before
