"""The grid index answers exactly what GEOS answers, including points on edges and vertices."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from mapping.tong_index import TongIndex, attach_tong_zone


def _tongs(seed: int, n: int = 40) -> gpd.GeoDataFrame:
    """A dong-like square of ``n`` Voronoi tongs, numbered in shuffled order, with a hole-free cut."""
    rng = np.random.default_rng(seed)
    box = shapely.box(0, 0, 1000, 800)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(rng.random((n, 2)) * [1000, 800])))
    cells = shapely.intersection(cells, box)
    numbers = rng.permutation(len(cells)) + 1
    return gpd.GeoDataFrame({"tong": numbers}, geometry=list(cells), crs="EPSG:5186")


def _exact_numbers(tongs: gpd.GeoDataFrame, xy: np.ndarray) -> np.ndarray:
    points = shapely.points(xy)
    out = np.full(len(xy), -1)
    for i, p in enumerate(points):
        hits = tongs["tong"][shapely.intersects(tongs.geometry.values, p)]
        out[i] = hits.min() if len(hits) else -1
    return out


def _edge_points(tongs: gpd.GeoDataFrame, rng: np.random.Generator, n: int) -> np.ndarray:
    rings = shapely.get_parts(shapely.boundary(tongs.geometry.values))
    vertices = shapely.get_coordinates(rings)
    along = shapely.line_interpolate_point(rings[rng.integers(0, len(rings), n)], rng.random(n), normalized=True)
    return np.vstack([vertices, shapely.get_coordinates(along)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_locate_equals_geos_for_random_edge_and_vertex_points(seed: int) -> None:
    tongs = _tongs(seed)
    rng = np.random.default_rng(seed + 100)
    index = TongIndex.build(tongs)
    xy = np.vstack(
        [
            rng.random((3000, 2)) * [1200, 1000] - 100,  # inside and outside the dong
            _edge_points(tongs, rng, 300),  # exactly on edges and vertices
            _edge_points(tongs, rng, 300) + 1e-9,  # a hair off an edge
        ]
    )
    got = index.locate(xy[:, 0], xy[:, 1])
    np.testing.assert_array_equal(got, _exact_numbers(tongs, xy))


def test_cell_centres_on_edges_are_still_exact() -> None:
    # axis-aligned tongs whose edges run through the grid's cell centres
    tongs = gpd.GeoDataFrame(
        {"tong": [2, 1, 3]},
        geometry=[shapely.box(0, 0, 50, 100), shapely.box(50, 0, 100, 100), shapely.box(0, 100, 100, 150)],
        crs="EPSG:5186",
    )
    index = TongIndex.build(tongs)
    xs = np.arange(0, 100.01, index.cell / 2)
    xy = np.array([(x, y) for x in xs for y in (10.0, 50.0, 100.0, 149.0, 150.0, 151.0)])
    got = index.locate(xy[:, 0], xy[:, 1])
    np.testing.assert_array_equal(got, _exact_numbers(tongs, xy))
    on_shared_edge = index.locate(np.array([50.0]), np.array([20.0]))
    assert on_shared_edge[0] == 1  # the lower-numbered of tongs 2 and 1


def test_attach_with_and_without_an_index_agree_and_name_zones() -> None:
    tongs = _tongs(7)
    zones = pd.DataFrame({"zone_id": ["Z1", "Z2"], "tongs": [[1, 2, 3], [4, 5]]})
    rng = np.random.default_rng(8)
    xy = rng.random((500, 2)) * [1200, 1000] - 100
    points = gpd.GeoSeries(shapely.points(xy), crs="EPSG:5186")
    small = attach_tong_zone(points, tongs, zones)
    indexed = attach_tong_zone(points, tongs, zones, index=TongIndex.build(tongs))
    pd.testing.assert_frame_equal(small, indexed)
    expected = _exact_numbers(tongs, xy)
    assert [t if t is not None else -1 for t in small["tong"]] == list(expected)
    for tong, zone in zip(small["tong"], small["zone_id"], strict=True):
        want = "Z1" if tong in (1, 2, 3) else "Z2" if tong in (4, 5) else None
        assert zone == want
    assert all(t is None or type(t) is int for t in small["tong"])  # plain ints: they go into the store


def test_no_tongs_means_every_point_is_outside() -> None:
    empty = gpd.GeoDataFrame({"tong": []}, geometry=[], crs="EPSG:5186")
    index = TongIndex.build(empty)
    assert list(index.locate(np.array([1.0, 2.0]), np.array([1.0, 2.0]))) == [-1, -1]
