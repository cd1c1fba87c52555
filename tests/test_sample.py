"""mapping.sample: deterministic sample tongs that tile the dong exactly."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import box

from mapping.errors import CRSError
from mapping.sample import sample_tongs
from mapping.zones import MIN_AREA_M2, POLYGONAL, validate_tongs
from tests.helpers import X0, Y0, area_frame, assert_covers_exactly, assert_no_overlaps, without_crs

N = 36


@pytest.fixture(scope="module")
def tongs36(sample_kit) -> gpd.GeoDataFrame:
    return sample_tongs(sample_kit.dong, n=N)


def test_numbers_are_exactly_1_to_n(tongs36) -> None:
    assert list(tongs36["tong"]) == list(range(1, N + 1))


def test_every_tong_is_a_valid_non_empty_polygon(tongs36) -> None:
    assert set(tongs36.geom_type) <= set(POLYGONAL)
    assert tongs36.is_valid.all()
    assert not tongs36.is_empty.any()


def test_result_is_in_the_dongs_crs(tongs36, sample_kit) -> None:
    assert tongs36.crs == sample_kit.dong.crs


def test_tongs_cover_the_dong_exactly(tongs36, sample_kit) -> None:
    fixed, problems = validate_tongs(tongs36, dong=sample_kit.dong)
    assert problems == []
    assert len(fixed) == N
    assert_covers_exactly(tongs36, sample_kit.dong)
    assert_no_overlaps(tongs36, label="tong")


def test_deterministic(tongs36, sample_kit) -> None:
    again = sample_tongs(sample_kit.dong, n=N)
    assert list(again.geometry.to_wkb()) == list(tongs36.geometry.to_wkb())
    assert list(again["tong"]) == list(tongs36["tong"])


def test_tongs_are_of_similar_size(tongs36) -> None:
    areas = tongs36.to_crs("EPSG:5186").area
    assert areas.max() / areas.min() <= 2.5


def test_numbering_runs_north_to_south(tongs36) -> None:
    """Tong 1 lies in the north band, tong n in the south band."""
    y = tongs36.to_crs("EPSG:5186").representative_point().y
    assert y.iloc[0] > y.median() > y.iloc[-1]


@pytest.mark.parametrize("n", [0, -3])
def test_n_below_one_is_refused(n: int, sample_kit) -> None:
    with pytest.raises(ValueError, match=rf"통 개수 n은 1 이상이어야 합니다 \(받은 값: {n}\)"):
        sample_tongs(sample_kit.dong, n=n)


def test_dong_without_crs_is_refused(sample_kit) -> None:
    with pytest.raises(CRSError, match=r"dong에 좌표계\(CRS\)가 없습니다"):
        sample_tongs(without_crs(sample_kit.dong), n=3)


def test_sliver_dong_with_more_tongs_than_it_can_hold_is_refused() -> None:
    sliver = area_frame(box(X0, Y0, X0 + 100, Y0 + 0.001))
    with pytest.raises(ValueError, match=r"동 면적 0 m²에 통 5개는 너무 많습니다"):
        sample_tongs(sliver, n=5)


def test_tiny_square_dong_with_too_many_tongs_is_refused() -> None:
    tiny = area_frame(box(X0, Y0, X0 + 10, Y0 + 10))
    n = 200
    assert 10 * 10 / n < MIN_AREA_M2  # each tong would be smaller than the checks' resolution
    with pytest.raises(ValueError, match=r"너무 많습니다"):
        sample_tongs(tiny, n=n)
