"""Sample tongs: a documented, deterministic stand-in for unpublished tong boundaries.

Tong (통) boundaries are not published anywhere, so sample kits and the
Seoul-scale benchmark derive them from the real dong boundary:

1. Lay a square grid of 20 m cells over the dong (EPSG:5186) and keep the
   cell centres inside it: these stand for where people live.
2. Seed ``n`` centres at evenly spaced positions of those points sorted
   north-to-south, then west-to-east.
3. Run 30 rounds of Lloyd's algorithm (assign each point to its nearest
   centre, move each centre to the mean of its points), so tongs come out of
   similar size.
4. Cut the dong with the Voronoi diagram of the centres: neighbouring tongs
   share their edges exactly, with no gap and no overlap.
5. Number tongs 1..n in bands of about √n from north to south, west to east
   in each band, like the serpentine numbering of real 통.

No randomness is used, so the same boundary always gives the same tongs.
Everything shown to people labels these tongs as 샘플 (sample).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from mapping.crs import METRIC_CRS, require_crs

GRID_M = 20.0
LLOYD_ROUNDS = 30
MIN_TONG_M2 = 1_000.0  # a real tong is tens of thousands of m²; smaller means n is a typo
_CHUNK = 20_000  # grid points per distance block, to bound memory
SAMPLE_LABEL = "샘플"


def _grid_points(area: shapely.Geometry, spacing: float) -> np.ndarray:
    minx, miny, maxx, maxy = area.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(maxy - spacing / 2, miny, -spacing)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack([gx.ravel(), gy.ravel()])
    inside = shapely.contains_xy(area, pts[:, 0], pts[:, 1])
    return pts[inside]


def _lloyd(points: np.ndarray, n: int) -> np.ndarray:
    order = np.lexsort((points[:, 0], -points[:, 1]))
    centres = points[order][np.linspace(0, len(points) - 1, n).round().astype(int)].copy()
    for _ in range(LLOYD_ROUNDS):
        nearest = np.concatenate(
            [
                ((block[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
                for block in np.array_split(points, max(1, len(points) // _CHUNK))
            ]
        )
        for k in range(n):
            members = points[nearest == k]
            if len(members):
                centres[k] = members.mean(axis=0)
    return centres


def _number(centres: np.ndarray) -> np.ndarray:
    bands = max(1, round(math.sqrt(len(centres))))
    y_order = np.argsort(-centres[:, 1], kind="stable")
    numbers = np.empty(len(centres), dtype=int)
    next_no = 1
    for band in np.array_split(y_order, bands):
        for idx in band[np.argsort(centres[band, 0], kind="stable")]:
            numbers[idx] = next_no
            next_no += 1
    return numbers


def sample_tongs(dong: gpd.GeoDataFrame, *, n: int) -> gpd.GeoDataFrame:
    """Derive ``n`` sample tongs covering a dong exactly.

    Parameters
    ----------
    dong : GeoDataFrame
        One dong boundary (any CRS).
    n : int
        Number of tongs wanted (at least 1).

    Returns
    -------
    GeoDataFrame
        Columns ``tong`` (1..n) and polygon geometry, in the dong's CRS,
        sorted by tong number.
    """
    require_crs(dong, name="dong")
    if n < 1:
        raise ValueError(f"통 개수 n은 1 이상이어야 합니다 (받은 값: {n}).")
    area = shapely.union_all(dong.to_crs(METRIC_CRS).geometry.values)
    if area.area / n < MIN_TONG_M2:
        raise ValueError(
            f"동 면적 {area.area:,.0f} m²에 통 {n}개는 너무 많습니다 (통 하나가 {MIN_TONG_M2:,.0f} m² 이상이어야 함)."
        )
    spacing = min(GRID_M, math.sqrt(area.area / (n * 20)))
    points = _grid_points(area, spacing)
    if len(points) < n:
        raise ValueError(f"동 면적 {area.area:,.0f} m²에 통 {n}개는 너무 많습니다.")
    centres = _lloyd(points, n)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=area.buffer(100)))
    tree = shapely.STRtree(cells)
    cell_of = tree.query(shapely.points(centres), predicate="within")
    geoms = np.empty(n, dtype=object)
    geoms[cell_of[0]] = shapely.intersection(cells[cell_of[1]], area)
    tongs = gpd.GeoDataFrame({"tong": _number(centres)}, geometry=list(geoms), crs=METRIC_CRS)
    return tongs.sort_values("tong").reset_index(drop=True).to_crs(dong.crs)
