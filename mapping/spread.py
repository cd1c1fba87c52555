"""Markers that would cover each other, fanned out so that every one can be read.

Used by the walk's web map (in pixels, per zoom level) and by its printed sheet (in millimetres): one
rule for both, so the numbers sit the same way on screen and on paper.
"""

from __future__ import annotations

import math

import numpy as np

GAP = 1.1  # neighbours on a fan stand this many marker sizes apart, centre to centre
MAX_ROUNDS = 20


def spread_markers(xy: np.ndarray, *, size: float) -> np.ndarray:
    """Offsets that move markers of diameter ``size`` off each other; (0, 0) for a marker alone.

    Markers closer than ``size`` (and chains of them) form a group; a group's markers are set on a
    circle about its centre, in input order clockwise from the top (y pointing up), so that
    neighbours stand ``GAP × size`` apart.  Groups whose circles then touch merge and are fanned
    again, until no two markers overlap.

    Parameters
    ----------
    xy : numpy.ndarray
        Marker positions, shape (n, 2), in any unit with y up (millimetres on paper, metres, pixels with y negated).
    size : float
        A marker's diameter in that unit.

    Returns
    -------
    numpy.ndarray
        Shape (n, 2): add to ``xy`` to get where each marker is drawn.

    Raises
    ------
    ValueError
        If ``xy`` is not of shape (n, 2) or ``size`` is not positive.
    """
    xy = np.asarray(xy, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2 or not size > 0:
        raise ValueError(f"위치는 (n, 2) 배열, 크기는 양수여야 합니다: {xy.shape}, {size!r}를 받았습니다.")
    groups = _touching(xy, size)
    placed = _fan(xy, groups, size)
    for _ in range(MAX_ROUNDS):
        merged = _merge(groups, _touching(placed, size * 0.999))
        if len(merged) == len(groups):
            break
        groups = merged
        placed = _fan(xy, groups, size)
    return placed - xy


def _touching(xy: np.ndarray, size: float) -> list[list[int]]:
    """Groups of markers linked by chains of pairs closer than ``size`` (union–find)."""
    parent = list(range(len(xy)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    distance = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    for i, j in zip(*np.nonzero(np.triu(distance < size, k=1)), strict=True):
        parent[root(int(i))] = root(int(j))
    groups: dict[int, list[int]] = {}
    for i in range(len(xy)):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values())


def _merge(groups: list[list[int]], links: list[list[int]]) -> list[list[int]]:
    """Groups joined wherever a link holds markers of two of them."""
    owner = {i: g for g, members in enumerate(groups) for i in members}
    parent = list(range(len(groups)))

    def root(g: int) -> int:
        while parent[g] != g:
            g = parent[g]
        return g

    for link in links:
        for i in link[1:]:
            parent[root(owner[i])] = root(owner[link[0]])
    joined: dict[int, list[int]] = {}
    for g, members in enumerate(groups):
        joined.setdefault(root(g), []).extend(members)
    return sorted(sorted(m) for m in joined.values())


def _fan(xy: np.ndarray, groups: list[list[int]], size: float) -> np.ndarray:
    """Each group of two or more set on a circle about its centre, in input order clockwise from the top."""
    placed = xy.copy()
    for members in groups:
        k = len(members)
        if k < 2:
            continue
        radius = GAP * size / (2 * math.sin(math.pi / k))
        centre = xy[members].mean(axis=0)
        for n, i in enumerate(members):
            angle = 2 * math.pi * n / k
            placed[i] = centre + radius * np.array([math.sin(angle), math.cos(angle)])
    return placed
