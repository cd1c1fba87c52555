"""The order of the weekly walk: the shortest closed tour through the chosen stops.

Up to :data:`EXACT_MAX` stops the order is exact (Held–Karp); above, an iterated local search
(2-opt and Or-opt, restarted from double-bridge kicks: a fixed number of them, so the same stops
give the same walk however busy the server is, with a time cap).  Everything here works on a
matrix of walking metres, the start as node 0; :mod:`mapping.routes` builds the matrix.
"""

from __future__ import annotations

import functools
import itertools
import time

import numpy as np

EXACT_MAX = 12
SOLVER_SECONDS = 0.9  # time cap of the search above EXACT_MAX (50 stops finish in ≈ 0.3 s on a quiet machine)
KICKS_PER_STOP = 8  # bench.work: 8 × stops kicks reach OR-Tools' 30-second tour at 25 and 50 stops
KICK_SLACK = 0.005  # walk on from a kicked tour up to 0.5 % longer than the best: escapes deep local optima


def tour_length(matrix: np.ndarray, order: list[int]) -> float:
    """Length of the closed tour 0 → order… → 0."""
    path = [0, *order, 0]
    return float(sum(matrix[a, b] for a, b in itertools.pairwise(path)))


def _held_karp(matrix: np.ndarray) -> list[int]:
    """The exact shortest closed tour from node 0 (n ≤ 13 nodes)."""
    n = len(matrix) - 1
    if n <= 1:
        return list(range(1, n + 1))
    full = 1 << n
    cost = np.full((full, n), np.inf)
    parent = np.full((full, n), -1, dtype=int)
    for j in range(n):
        cost[1 << j, j] = matrix[0, j + 1]
    for mask in range(1, full):
        for j in range(n):
            if not mask & (1 << j) or np.isinf(cost[mask, j]):
                continue
            rest = [k for k in range(n) if not mask & (1 << k)]
            for k in rest:
                nxt, value = mask | (1 << k), cost[mask, j] + matrix[j + 1, k + 1]
                if value < cost[nxt, k]:
                    cost[nxt, k], parent[nxt, k] = value, j
    last = int(np.argmin(cost[full - 1] + matrix[1:, 0]))
    order, mask = [], full - 1
    while last != -1:
        order.append(last + 1)
        mask, last = mask ^ (1 << last), parent[mask, last]
    return order[::-1]


def order_stops(matrix: np.ndarray, *, seconds: float = SOLVER_SECONDS) -> list[int]:
    """Visiting order of the shortest closed walk found from node 0.

    Parameters
    ----------
    matrix : numpy.ndarray
        Walking metres between every pair of places, the start (node 0) first.
    seconds : float
        Time cap of the local search above :data:`EXACT_MAX` stops (exact below, however long).

    Returns
    -------
    list of int
        Node indices in visiting order, the start (0) excluded.
    """
    if len(matrix) - 1 <= EXACT_MAX:
        return _held_karp(matrix)
    deadline = time.perf_counter() + seconds
    order = _iterated_local_search(
        np.asarray(matrix, dtype=float), kicks=KICKS_PER_STOP * (len(matrix) - 1), deadline=deadline
    )
    return order[::-1] if tour_length(matrix, order[::-1]) < tour_length(matrix, order) else order  # one-way legs


def _iterated_local_search(matrix: np.ndarray, *, kicks: int, deadline: float) -> list[int]:
    """Nearest neighbour, then 2-opt + Or-opt to a local optimum, kicked (double bridge) ``kicks`` times.

    The search walks on from a kicked tour when it is at most :data:`KICK_SLACK` longer than the
    best so far, and returns the best.  The kicks are seeded, so the result depends on the matrix
    alone (unless the ``deadline`` cuts the search short).
    """
    d = (matrix + matrix.T) / 2  # 2-opt reverses stretches: search on the symmetric part
    rng = np.random.default_rng(0)
    tour = best = _descend(d, _nearest_neighbour(d))
    best_size = _cycle_length(d, best)
    for _ in range(kicks):
        if time.perf_counter() > deadline:
            break
        i, j, k = np.sort(rng.choice(np.arange(1, len(tour)), 3, replace=False))
        kicked = _descend(d, np.concatenate([tour[:i], tour[j:k], tour[i:j], tour[k:]]))
        size = _cycle_length(d, kicked)
        if size < best_size * (1 + KICK_SLACK):
            tour = kicked
            if size < best_size - 1e-7:
                best, best_size = kicked, size
    start = int(np.flatnonzero(best == 0)[0])
    return [int(v) for v in np.roll(best, -start)[1:]]


def _nearest_neighbour(d: np.ndarray) -> np.ndarray:
    tour, left = [0], set(range(1, len(d)))
    while left:
        tour.append(min(left, key=lambda j: d[tour[-1], j]))
        left.remove(tour[-1])
    return np.array(tour)


def _cycle_length(d: np.ndarray, tour: np.ndarray) -> float:
    return float(d[tour, np.roll(tour, -1)].sum())


def _descend(d: np.ndarray, tour: np.ndarray) -> np.ndarray:
    """Apply the best improving 2-opt or Or-opt move (segments of 1–3 stops) until none is left."""
    while True:
        by_position = d[np.ix_(tour, tour)]  # [i, j]: from the i-th stop of the tour to the j-th
        gain, i, j = _best_two_opt(by_position)
        best = (gain, 0, i, j, False)
        for length in (1, 2, 3):
            move = _best_or_opt(by_position, length)
            if move[0] < best[0]:
                best = (move[0], length, *move[1:])
        if best[0] > -1e-7:
            return tour
        _, length, i, j, flip = best
        if length == 0:
            tour = np.concatenate([tour[: i + 1], tour[i + 1 : j + 1][::-1], tour[j + 1 :]])
        else:
            positions = (i + np.arange(length)) % len(tour)
            segment, rest = tour[positions], np.delete(tour, positions)
            after = int(np.flatnonzero(rest == tour[j])[0]) + 1
            tour = np.concatenate([rest[:after], segment[::-1] if flip else segment, rest[after:]])


@functools.cache
def _barred(m: int, length: int) -> np.ndarray:
    """Moves that are no moves: 2-opt (``length`` 0) needs i + 1 < j and edges that do not touch;
    Or-opt cannot put a segment on an edge touching it."""
    at = np.arange(m)
    if length == 0:
        barred = at[None, :] <= at[:, None] + 1
        barred[0, m - 1] = True
        return barred
    offset = (at[None, :] - at[:, None]) % m
    return (offset >= m - 1) | (offset <= length - 1)


def _best_two_opt(p: np.ndarray) -> tuple[float, int, int]:
    """The best 2-opt move on the tour's matrix ``p``: edges (i, i+1), (j, j+1) become (i, j), (i+1, j+1)."""
    m = len(p)
    edge = p[np.arange(m), (np.arange(m) + 1) % m]
    change = p + np.roll(p, (-1, -1), axis=(0, 1)) - edge[:, None] - edge[None, :]
    change[_barred(m, 0)] = np.inf
    k = int(np.argmin(change))
    return float(change.flat[k]), k // m, k % m


def _best_or_opt(p: np.ndarray, length: int) -> tuple[float, int, int, bool]:
    """The best move of ``length`` stops from position s onto edge (k, k+1), maybe flipped, on the tour's matrix."""
    m = len(p)
    at = np.arange(m)
    edge = p[at, (at + 1) % m]
    saved = edge[at - 1] + edge[(at + length - 1) % m] - p[at - 1, (at + length) % m]
    ahead = p.T + np.roll(p, (1 - length, -1), axis=(0, 1)) - edge[None, :]
    flipped = np.roll(p.T, 1 - length, axis=0) + np.roll(p, -1, axis=1) - edge[None, :]
    change = np.minimum(ahead, flipped) - saved[:, None]
    change[_barred(m, length)] = np.inf
    k = int(np.argmin(change))
    s, edge_at = k // m, k % m
    return float(change.flat[k]), s, edge_at, bool(flipped[s, edge_at] < ahead[s, edge_at])
