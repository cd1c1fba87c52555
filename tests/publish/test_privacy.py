"""mapping.publish.privacy: the one filter every public output goes through."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import Point

from mapping.access import CLI_USER
from mapping.errors import MappingError
from mapping.publish.privacy import (
    PERSONAL_FIELDS,
    PrivacyError,
    assert_no_personal_values,
    personal_values,
    strip_personal,
)
from mapping.store import Store
from tests.conftest import SAMPLE_CODE

PRIVATE_RESOURCE = "샘플 나눔이웃(비공개)"
NAME, PHONE = "홍길동샘플", "010-9999-0000"


def tiny_reports() -> gpd.GeoDataFrame:
    """Two reports, the first with a resident's contact."""
    return gpd.GeoDataFrame(
        {
            "id": [1, 2],
            "finder": ["김주무", "이주무"],
            "memo": ["가로등 고장", "쓰레기"],
            "resident_name": [NAME, None],
            "resident_phone": [PHONE, None],
            "has_resident": [True, False],
        },
        geometry=[Point(126.90, 37.56), Point(126.91, 37.57)],
        crs="EPSG:4326",
    )


def tiny_resources(public: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"id": range(len(public)), "name": [f"자원{i}" for i in range(len(public))], "public": public},
        geometry=[Point(126.9 + i / 1000, 37.56) for i in range(len(public))],
        crs="EPSG:4326",
    )


# ---- strip_personal ------------------------------------------------------------


def test_reports_lose_the_resident_columns_and_keep_the_rest() -> None:
    reports = tiny_reports()
    public = strip_personal(reports, table="reports")
    assert isinstance(public, gpd.GeoDataFrame)
    assert public.crs == reports.crs
    assert not {"resident_name", "resident_phone"} & set(public.columns)
    assert list(public.columns) == [c for c in reports.columns if c not in PERSONAL_FIELDS["reports"]]
    assert len(public) == len(reports)


def test_stored_reports_lose_the_resident_columns(sample_store: Store) -> None:
    reports = sample_store.reports(SAMPLE_CODE)
    reports.loc[reports.index[0], ["resident_name", "resident_phone"]] = [NAME, PHONE]
    assert NAME in reports.to_csv()
    public = strip_personal(reports, table="reports")
    assert not PERSONAL_FIELDS["reports"] & set(public.columns)
    assert_no_personal_values(public.to_csv(), [NAME, PHONE])


def test_strip_personal_does_not_mutate_its_input() -> None:
    reports = tiny_reports()
    before = reports.copy(deep=True)
    public = strip_personal(reports, table="reports")
    public.loc[public.index[0], "memo"] = "바뀜"
    assert_geodataframe_equal(reports, before)


def test_strip_personal_accepts_a_plain_dataframe() -> None:
    frame = pd.DataFrame(tiny_reports().drop(columns="geometry"))
    public = strip_personal(frame, table="reports")
    assert type(public) is pd.DataFrame
    assert "resident_name" not in public.columns


def test_private_resources_are_dropped(sample_store: Store) -> None:
    every = sample_store.resources(SAMPLE_CODE)
    public = strip_personal(every, table="resources")
    assert PRIVATE_RESOURCE in set(every["name"])
    assert PRIVATE_RESOURCE not in set(public["name"].dropna())
    assert len(public) == len(every) - 1
    assert len(every) == len(sample_store.resources(SAMPLE_CODE)), "input changed"


def test_unclear_public_values_count_as_private() -> None:
    resources = tiny_resources([True, False, None, float("nan"), "yes", 1, 0])
    public = strip_personal(resources, table="resources")
    assert list(public["id"]) == [0, 5]


def test_resources_without_a_public_column_are_refused() -> None:
    resources = tiny_resources([True]).drop(columns="public")
    with pytest.raises(PrivacyError, match="'public' 열이 없어"):
        strip_personal(resources, table="resources")


def test_staff_office_phones_stay(sample_store: Store) -> None:
    staff = sample_store.staff(SAMPLE_CODE)
    public = strip_personal(staff, table="staff")
    assert list(public.columns) == list(staff.columns)
    assert list(public["phone"]) == list(staff["phone"])


def test_households_are_refused(sample_store: Store) -> None:
    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    with pytest.raises(PrivacyError, match=r"households.*전체가 개인정보") as caught:
        strip_personal(households, table="households")
    assert isinstance(caught.value, PermissionError)
    assert isinstance(caught.value, MappingError)


def test_households_are_refused_even_when_empty() -> None:
    with pytest.raises(PermissionError, match="공개 출력에 넣을 수 없습니다"):
        strip_personal(pd.DataFrame(), table="households")


def test_an_unknown_table_is_refused() -> None:
    with pytest.raises(PrivacyError, match="'access_log' 표는 개인정보 필터가 모르는 표"):
        strip_personal(pd.DataFrame({"account": ["x"]}), table="access_log")


def test_every_household_column_is_personal(sample_store: Store) -> None:
    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    assert set(households.columns) <= PERSONAL_FIELDS["households"]


# ---- personal_values and assert_no_personal_values ------------------------------


def test_personal_values_are_the_resident_cells() -> None:
    assert personal_values(tiny_reports(), table="reports") == {NAME, PHONE}


def test_personal_values_of_households_skip_locations(sample_store: Store) -> None:
    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    values = personal_values(households, table="households")
    assert values, "the sample has named households"
    assert not {str(v) for v in households["zone_id"].dropna()} & values


def test_assert_no_personal_values_lists_every_value_found() -> None:
    with pytest.raises(AssertionError, match="personal values in output") as caught:
        assert_no_personal_values(f"보고: {NAME} ({PHONE})", [NAME, PHONE, "없는값"])
    assert NAME in str(caught.value)
    assert PHONE in str(caught.value)
    assert "없는값" not in str(caught.value)


def test_assert_no_personal_values_passes_clean_text() -> None:
    assert_no_personal_values("가로등 고장, 담당자 인계", [NAME, PHONE])


def test_assert_no_personal_values_skips_short_and_blank_values() -> None:
    assert_no_personal_values("가 a 1", ["가", "a", " ", "", None])  # type: ignore[list-item]


def test_assert_no_personal_values_finds_a_phone_written_without_hyphens() -> None:
    with pytest.raises(AssertionError, match="01099990000"):
        assert_no_personal_values("연락처 01099990000", [PHONE])
