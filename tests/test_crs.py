"""mapping.crs: the same place in every accepted CRS lands on the same spot."""

from __future__ import annotations

import itertools
import re

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point

from mapping.crs import ACCEPTED_EPSG, parse_crs, require_crs, to_metric, to_web, transform_xy
from mapping.errors import CRSError, MappingError
from tests.helpers import distance_m

# Rows of ../shared/data/seoul_medical_localdata.csv (행정안전부 LOCALDATA): the
# EPSG:5174 coordinates as published, and lon/lat computed by an independent party.
LOCALDATA = {
    # fid 101: 서울특별시 마포구 성산동 200번지 22호 (the sample dong)
    "mapo": {"x5174": 191971.007142007, "y5174": 451626.174437596, "lon": 126.9099079, "lat": 37.5668841},
    # fid 39: 서울특별시 강남구 삼성동 52-17
    "gangnam": {"x5174": 204457.767008807, "y5174": 446164.986306256, "lon": 127.0512126, "lat": 37.5177043},
    # fid 35: 서울특별시 구로구 오류동 44번지 10호
    "guro": {"x5174": 185875.875759586, "y5174": 443592.138806549, "lon": 126.8410726, "lat": 37.4944245},
}

# The same two places in the GRS80 grids, projected from the rows' lon/lat with the
# defining parameters of each CRS (PROJ tmerc, written out rather than by EPSG code):
#   5186 tmerc lat_0=38 lon_0=127   k=1      x_0=200000  y_0=600000
#   5181 tmerc lat_0=38 lon_0=127   k=1      x_0=200000  y_0=500000
#   5179 tmerc lat_0=38 lon_0=127.5 k=0.9996 x_0=1000000 y_0=2000000
GRID_COORDS = {
    "mapo": {5186: (192040.676, 551931.249), 5181: (192040.676, 451931.249), 5179: (947888.035, 1952110.277)},
    "gangnam": {5186: (204527.428, 546470.306), 5181: (204527.428, 446470.306), 5179: (960340.910, 1946585.079)},
}

# EPSG:5174 written out *without* the datum shift (+towgs84) to WGS 84.
BESSEL_NO_TOWGS84 = (
    "+proj=tmerc +lat_0=38 +lon_0=127.0028902777778 +k=1 +x_0=200000 +y_0=500000 +ellps=bessel +units=m +no_defs"
)
ACCEPTED_LIST = re.escape(", ".join(f"EPSG:{c}" for c in ACCEPTED_EPSG))


def _to_lonlat(x: float, y: float, src: object) -> tuple[float, float]:
    lon, lat = transform_xy([x], [y], src)
    return float(lon[0]), float(lat[0])


def _same_place_in_every_crs(place: str) -> dict[str, tuple[float, float]]:
    """lon/lat after transform_xy of the place given in each accepted CRS."""
    row = LOCALDATA[place]
    given = {"EPSG:4326": (row["lon"], row["lat"]), "EPSG:5174": (row["x5174"], row["y5174"])}
    given |= {f"EPSG:{code}": xy for code, xy in GRID_COORDS[place].items()}
    return {crs: _to_lonlat(*xy, crs) for crs, xy in given.items()}


@pytest.mark.parametrize("place", sorted(GRID_COORDS))
def test_same_point_in_five_crs_lands_within_2_m(place: str) -> None:
    landed = _same_place_in_every_crs(place)
    assert sorted(landed) == sorted(f"EPSG:{c}" for c in ACCEPTED_EPSG)
    for (a, pa), (b, pb) in itertools.combinations(landed.items(), 2):
        assert distance_m(pa, pb) <= 2.0, f"{a} and {b} land {distance_m(pa, pb):.2f} m apart"


@pytest.mark.parametrize("place", sorted(LOCALDATA))
def test_localdata_5174_matches_independent_lonlat(place: str) -> None:
    row = LOCALDATA[place]
    landed = _to_lonlat(row["x5174"], row["y5174"], "EPSG:5174")
    assert distance_m(landed, (row["lon"], row["lat"])) <= 2.0


@pytest.mark.parametrize(
    "wrong_crs",
    [
        pytest.param(BESSEL_NO_TOWGS84, id="bessel-without-towgs84"),
        pytest.param("EPSG:2097", id="epsg2097-unmodified-belt"),
    ],
)
@pytest.mark.parametrize("place", sorted(LOCALDATA))
def test_ignoring_the_datum_shift_is_more_than_100_m_off(place: str, wrong_crs: str) -> None:
    """Proves the 5174 check above is not vacuous: the shift is hundreds of metres."""
    row = LOCALDATA[place]
    lon, lat = Transformer.from_crs(wrong_crs, "EPSG:4326", always_xy=True).transform(row["x5174"], row["y5174"])
    assert distance_m((lon, lat), (row["lon"], row["lat"])) > 100.0


def test_transform_keeps_input_arrays_and_copies_when_crs_equal() -> None:
    xs, ys = [126.9, 127.0], [37.5, 37.6]
    out_x, out_y = transform_xy(xs, ys, "epsg4326", 4326)
    assert list(out_x) == xs and list(out_y) == ys
    out_x[0] = 0.0
    assert xs == [126.9, 127.0]


def test_round_trip_5174_is_centimetre_exact() -> None:
    row = LOCALDATA["gangnam"]
    lon, lat = transform_xy([row["x5174"]], [row["y5174"]], "EPSG:5174")
    x, y = transform_xy(lon, lat, "EPSG:4326", "EPSG:5174")
    assert abs(x[0] - row["x5174"]) < 0.01 and abs(y[0] - row["y5174"]) < 0.01


@pytest.mark.parametrize("text", ["EPSG:5174", "epsg5174", "5174", 5174, "epsg:5174", " EPSG 5174 "])
def test_parse_crs_accepts_the_ways_people_write_5174(text: object) -> None:
    assert parse_crs(text) == "EPSG:5174"


@pytest.mark.parametrize("code", ACCEPTED_EPSG)
def test_parse_crs_accepts_every_listed_code(code: int) -> None:
    assert parse_crs(f"EPSG:{code}") == f"EPSG:{code}"


@pytest.mark.parametrize("text", ["EPSG:3857", "foo", "", "EPSG:51740", None])
def test_parse_crs_rejects_with_the_accepted_list(text: object) -> None:
    with pytest.raises(CRSError, match=ACCEPTED_LIST):
        parse_crs(text)


def test_transform_rejects_unaccepted_source() -> None:
    with pytest.raises(CRSError, match=r"'EPSG:3857'.*" + ACCEPTED_LIST):
        transform_xy([0.0], [0.0], "EPSG:3857")


def test_crs_error_is_a_value_error_and_a_mapping_error() -> None:
    assert issubclass(CRSError, ValueError) and issubclass(CRSError, MappingError)


@pytest.mark.parametrize("check", [require_crs, to_metric, to_web])
def test_frame_without_crs_is_refused(check) -> None:
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(127.0, 37.5)])
    with pytest.raises(ValueError, match=r"좌표계\(CRS\)가 없습니다") as info:
        check(frame, name="통 경계")
    assert isinstance(info.value, CRSError)
    assert "통 경계" in str(info.value)


def test_require_crs_refuses_a_plain_dataframe() -> None:
    with pytest.raises(CRSError, match="GeoDataFrame이 필요한데 DataFrame"):
        require_crs(pd.DataFrame({"x": [1]}))


def test_to_metric_and_to_web_agree_with_transform_xy() -> None:
    row = LOCALDATA["mapo"]
    frame = gpd.GeoDataFrame(geometry=[Point(row["x5174"], row["y5174"])], crs="EPSG:5174")
    web = to_web(frame).geometry.iloc[0]
    assert distance_m((web.x, web.y), (row["lon"], row["lat"])) <= 2.0
    metric = to_metric(frame).geometry.iloc[0]
    expected = GRID_COORDS["mapo"][5186]
    assert abs(metric.x - expected[0]) <= 2.0 and abs(metric.y - expected[1]) <= 2.0
