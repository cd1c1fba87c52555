"""Markers that would cover each other are fanned out, one rule for the web map and the paper."""

from __future__ import annotations

import numpy as np
import pytest

from mapping.spread import spread_markers


def closest_pair(points: np.ndarray) -> float:
    d = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    return float(d.min())


@pytest.mark.parametrize("seed", range(6))
def test_after_spreading_no_two_markers_cover_each_other(seed):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 60, (25, 2))
    xy[1] = xy[0]  # two stops at one door
    xy[5] = xy[4] + 1.0
    drawn = xy + spread_markers(xy, size=10)
    assert closest_pair(drawn) >= 10


def test_markers_already_apart_stay_where_they_are():
    xy = np.array([[0.0, 0.0], [20.0, 0.0], [0.0, 20.0], [10.0, 0.0]])  # the last touches no one at size 10
    offsets = spread_markers(xy, size=9.5)
    assert np.array_equal(offsets, np.zeros_like(xy))


def test_markers_at_one_place_go_round_it_in_order_clockwise_from_the_top():
    xy = np.zeros((4, 2))
    offsets = spread_markers(xy, size=10)
    np.testing.assert_allclose(offsets.mean(axis=0), [0, 0], atol=1e-9)  # centred on the true place
    angles = np.degrees(np.arctan2(offsets[:, 0], offsets[:, 1])) % 360  # from north, clockwise
    np.testing.assert_allclose(angles, [0, 90, 180, 270], atol=1e-9)
    assert closest_pair(offsets) == pytest.approx(11.0)  # neighbours a marker and a tenth apart


def test_spreading_refuses_what_is_not_a_list_of_points():
    with pytest.raises(ValueError, match=r"\(n, 2\) 배열.*\(3,\)"):
        spread_markers(np.zeros(3), size=10)
    with pytest.raises(ValueError, match="크기는 양수"):
        spread_markers(np.zeros((3, 2)), size=0)
