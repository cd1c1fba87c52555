"""Coordinate reference systems: the one place that converts and checks them.

Korean data arrives in EPSG:4326 (lon/lat), EPSG:5186 (today's national
standard, 중부원점), EPSG:5181 (Kakao), EPSG:5179 (UTM-K: Naver, juso DBs) and
EPSG:5174 (old Bessel/Tokyo datum, LOCALDATA).  The store keeps EPSG:4326,
metric work is done in EPSG:5186, folium gets EPSG:4326.
"""

from __future__ import annotations

import re
from functools import lru_cache

import geopandas as gpd
import numpy as np
from pyproj import Transformer

from mapping.errors import CRSError

WEB_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:5186"
ACCEPTED_EPSG = (4326, 5186, 5179, 5181, 5174)

# Bounding box of Seoul and its surroundings in lon/lat, for plausibility checks.
SEOUL_LON = (126.70, 127.25)
SEOUL_LAT = (37.40, 37.72)

_EPSG_RE = re.compile(r"^\s*(?:epsg\s*[:_ ]?\s*)?(\d{4,5})\s*$", re.IGNORECASE)


def parse_crs(text: object) -> str:
    """Turn ``"EPSG:5174"``, ``"epsg5174"`` or ``5174`` into ``"EPSG:5174"``.

    Parameters
    ----------
    text : object
        The CRS as a person typed it.

    Returns
    -------
    str
        ``"EPSG:NNNN"`` for one of :data:`ACCEPTED_EPSG`.

    Raises
    ------
    CRSError
        If the text is not one of the accepted EPSG codes.
    """
    match = _EPSG_RE.match(str(text))
    if not match or int(match.group(1)) not in ACCEPTED_EPSG:
        accepted = ", ".join(f"EPSG:{c}" for c in ACCEPTED_EPSG)
        raise CRSError(f"좌표계 {text!r}는 받을 수 없습니다. 다음 중 하나로 적으세요: {accepted}")
    return f"EPSG:{int(match.group(1))}"


@lru_cache(maxsize=32)
def _transformer(src: str, dst: str) -> Transformer:
    transformer = Transformer.from_crs(src, dst, always_xy=True)
    # A 'ballpark' transformation ignores the datum shift (≈ 300 m for the
    # Bessel datum of EPSG:5174); refuse rather than place points wrongly.
    if "ballpark" in transformer.description.lower():
        raise CRSError(
            f"{src} → {dst}: PROJ offers only a ballpark transformation "
            f"({transformer.description}); install pyproj with its EPSG database."
        )
    return transformer


def transform_xy(
    x: np.ndarray | list[float], y: np.ndarray | list[float], src: str, dst: str = WEB_CRS
) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinate arrays from ``src`` to ``dst`` (x = easting/lon).

    Uses the datum shift "Korean 1985 to WGS 84 (1)" for EPSG:5174.
    """
    src, dst = parse_crs(src), parse_crs(dst)
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if src == dst:
        return xs.copy(), ys.copy()
    return _transformer(src, dst).transform(xs, ys)


def require_crs(gdf: gpd.GeoDataFrame, *, name: str = "입력") -> None:
    """Raise :class:`CRSError` if ``gdf`` has no CRS.

    A frame without a CRS is never silently assumed to be EPSG:4326.
    """
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise CRSError(f"{name}: GeoDataFrame이 필요한데 {type(gdf).__name__}을(를) 받았습니다.")
    if gdf.crs is None:
        raise CRSError(
            f"{name}에 좌표계(CRS)가 없습니다. 파일에 좌표계를 넣거나 "
            "gdf.set_crs('EPSG:5186')처럼 명시한 뒤 다시 시도하세요."
        )


def to_metric(gdf: gpd.GeoDataFrame, *, name: str = "입력") -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` in :data:`METRIC_CRS` (for areas and distances)."""
    require_crs(gdf, name=name)
    return gdf.to_crs(METRIC_CRS)


def to_web(gdf: gpd.GeoDataFrame, *, name: str = "입력") -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` in :data:`WEB_CRS` (for folium and the store)."""
    require_crs(gdf, name=name)
    return gdf.to_crs(WEB_CRS)


def plausible_lonlat(lon: float, lat: float) -> bool:
    """Whether a lon/lat pair lies in and around Seoul."""
    return SEOUL_LON[0] <= lon <= SEOUL_LON[1] and SEOUL_LAT[0] <= lat <= SEOUL_LAT[1]
