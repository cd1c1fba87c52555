"""The weekly walk: which stops, in which order, on foot, within the time the officer has.

Distances are straight lines in EPSG:5186 times a detour factor (1.3 unless
a pedestrian network is given later).  Up to :data:`EXACT_MAX` stops the
order is exact (Held–Karp); above, an iterated local search (2-opt and Or-opt,
restarted from double-bridge kicks: a fixed number of them, so the same stops
give the same walk however busy the server is, with a time cap).  With a time
budget the highest-priority stops that fit are kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from mapping.crs import to_metric, transform_xy
from mapping.errors import MappingError

WALK_KMH = 4.0
DETOUR = 1.3
EXACT_MAX = 12
SOLVER_SECONDS = 0.9  # time cap of the search above EXACT_MAX (50 stops finish in ≈ 0.3 s on a quiet machine)
KICKS_PER_STOP = 8  # bench.work: 8 × stops kicks reach OR-Tools' 30-second tour at 25 and 50 stops
KICK_SLACK = 0.005  # walk on from a kicked tour up to 0.5 % longer than the best: escapes deep local optima
VISIT_MIN = 10.0  # minutes spent at a stop unless it says otherwise
STALE_DAYS = 28  # a tong not walked, a blind spot not re-checked, for this long is due


class RouteError(MappingError, ValueError):
    """No route can be made (no stops, or none fits the budget)."""


@dataclass(frozen=True)
class Stop:
    """A place to visit: why, how important (higher first) and for how long."""

    key: str
    label: str
    reason: str
    priority: int
    lon: float
    lat: float
    minutes: float = VISIT_MIN


def network_from_lines(lines: gpd.GeoDataFrame, *, snap_m: float = 1.0) -> nx.Graph:
    """A walking network from line features (GeoJSON of paths, or OSM ways), in EPSG:5186.

    Line ends and vertices closer than ``snap_m`` become one node; edges weigh their length in metres.
    """
    graph = nx.Graph()
    for geom in to_metric(lines, name="보행망").geometry:
        for part in shapely.get_parts(geom):
            coords = [(round(x / snap_m) * snap_m, round(y / snap_m) * snap_m) for x, y in part.coords]
            for a, b in itertools.pairwise(coords):
                if a != b:
                    graph.add_edge(a, b, weight=float(np.hypot(a[0] - b[0], a[1] - b[1])))
    return graph


def network_matrix(points: list[Stop], graph: nx.Graph, *, detour: float = DETOUR) -> tuple[np.ndarray, list[str]]:
    """Walking metres on the network (plus the walk to and from it); legs it cannot join fall back to
    straight line × ``detour``, each with a warning."""
    matrix, notes = _network_matrix(points, graph, detour=detour)
    return matrix, [text for _, _, text in notes]


def _network_matrix(
    points: list[Stop], graph: nx.Graph, *, detour: float
) -> tuple[np.ndarray, list[tuple[int, int, str]]]:
    """:func:`network_matrix` with each warning's pair of points (``i < j``)."""
    x, y = transform_xy([p.lon for p in points], [p.lat for p in points], "EPSG:4326", "EPSG:5186")
    nodes = np.array(list(graph.nodes))
    nearest = [int(np.argmin(np.hypot(nodes[:, 0] - px, nodes[:, 1] - py))) for px, py in zip(x, y, strict=True)]
    snap = np.array([np.hypot(nodes[i, 0] - px, nodes[i, 1] - py) for i, px, py in zip(nearest, x, y, strict=True)])
    straight = distance_matrix(points, detour=detour)
    matrix, warnings = straight.copy(), []
    for i, node in enumerate(nearest):
        reach = nx.single_source_dijkstra_path_length(graph, tuple(nodes[node]), weight="weight")
        for j, other in enumerate(nearest):
            if i == j:
                continue
            length = reach.get(tuple(nodes[other]))
            if length is None:
                if i < j:
                    text = f"{points[i].label} ↔ {points[j].label}: 보행망으로 이어지지 않아 직선거리 × {detour:g}를 씁니다."
                    warnings.append((i, j, text))
            else:
                matrix[i, j] = snap[i] + length + snap[j]
    return matrix, warnings


@dataclass
class Route:
    """A closed walk from ``start`` through ``stops`` (in order) and back."""

    start: Stop
    stops: list[Stop]
    legs_m: list[float]
    left_out: list[Stop] = field(default_factory=list)
    detour: float = DETOUR
    kmh: float = WALK_KMH
    warnings: list[str] = field(default_factory=list)

    @property
    def total_m(self) -> float:
        return float(sum(self.legs_m))

    @property
    def walk_min(self) -> float:
        return self.total_m / 1000 / self.kmh * 60

    @property
    def total_min(self) -> float:
        return self.walk_min + sum(s.minutes for s in self.stops)


def distance_matrix(points: list[Stop], *, detour: float = DETOUR) -> np.ndarray:
    """Walking metres between every pair: straight line in EPSG:5186 × ``detour``."""
    x, y = transform_xy([p.lon for p in points], [p.lat for p in points], "EPSG:4326", "EPSG:5186")
    return np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :]) * detour


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


def plan_route(
    stops: list[Stop],
    *,
    start: Stop,
    budget_min: float | None = None,
    detour: float = DETOUR,
    kmh: float = WALK_KMH,
    seconds: float = SOLVER_SECONDS,
    network: nx.Graph | None = None,
) -> Route:
    """Order ``stops`` into the shortest closed walk from ``start``, within ``budget_min`` if given.

    With a walking ``network`` (:func:`network_from_lines`) distances follow it; otherwise
    straight lines × ``detour``.

    With a budget, stops are taken highest priority first; one that would make
    the walk (at ``kmh``, plus each stop's minutes) exceed the budget is left out.

    Raises
    ------
    RouteError
        With no stops, or when not even the most important stop fits the budget.
    """
    if not stops:
        raise RouteError("방문할 곳이 없습니다: 지도에서 들를 곳을 고르거나 제안된 곳을 더하세요.")
    ranked = sorted(stops, key=lambda s: -s.priority)
    points = [start, *ranked]
    notes: list[tuple[int, int, str]] = []
    if network is not None and network.number_of_nodes():  # distances once, for every trial below
        matrix, notes = _network_matrix(points, network, detour=detour)
    else:
        matrix = distance_matrix(points, detour=detour)

    def solve(chosen: list[int]) -> Route:  # indices into ``points`` (0: the start)
        sub = matrix[np.ix_(chosen, chosen)]
        order = order_stops(sub, seconds=seconds)
        legs = [float(sub[a, b]) for a, b in itertools.pairwise([0, *order, 0])]
        warnings = [text for i, j, text in notes if i in chosen and j in chosen]
        return Route(start, [points[chosen[k]] for k in order], legs, detour=detour, kmh=kmh, warnings=warnings)

    kept, left = [0], []
    for k in range(1, len(points)) if budget_min else []:
        (kept if solve([*kept, k]).total_min <= budget_min else left).append(k)
    if budget_min and len(kept) == 1:
        raise RouteError(f"{budget_min:g}분 안에 갈 수 있는 곳이 없습니다: 시간을 늘리거나 가까운 곳을 고르세요.")
    route = solve(kept if budget_min else list(range(len(points))))
    route.left_out = [points[k] for k in left]
    return route


def propose_stops(
    *,
    zone_tongs: list[int],
    tongs: pd.DataFrame,
    households: pd.DataFrame,
    reports: pd.DataFrame,
    blind_spots: pd.DataFrame,
    officer: str,
    week_start: dt.date,
    walks: pd.DataFrame | None = None,
) -> list[Stop]:
    """This week's stops for an officer's zone, each with its reason and priority (5 = most).

    Care-needed neighbours due for a check-in (5), move-in households not yet
    visited (4), open reports needing a site check (3), blind spots due for a
    re-check (2), and tongs the officer has not walked for four weeks (1).
    """
    week_end = week_start + dt.timedelta(days=6)
    stops: list[Stop] = []
    mine = households[households["tong"].isin(zone_tongs)]
    for h in mine.itertuples():
        last = pd.Timestamp(h.last_visit).date() if pd.notna(h.last_visit) else None
        if h.kind == "care_needed" and pd.notna(h.visit_every_days):
            due = (last or dt.date.min) + dt.timedelta(days=int(h.visit_every_days)) if last else week_start
            if due <= week_end:
                reason = f"돌봄이웃 안부 확인 ({int(h.visit_every_days)}일 주기, 최근 방문 {last or '없음'})"
                stops.append(Stop(f"household:{h.id}", f"돌봄이웃 {h.name}", reason, 5, h.lon, h.lat, 20))
        elif h.kind == "move_in" and last is None:
            stops.append(
                Stop(
                    f"household:{h.id}",
                    f"전입세대 {h.name}",
                    f"전입세대 첫 방문 (전입 {h.moved_in or '미상'})",
                    4,
                    h.lon,
                    h.lat,
                    15,
                )
            )
    open_reports = reports[
        reports["tong"].isin(zone_tongs) & reports["status"].isin(["received", "handed_over", "in_progress"])
    ]
    for r in open_reports.itertuples():
        stops.append(
            Stop(
                f"report:{r.id}",
                f"보고 #{r.id}",
                f"처리 중 보고 현장 확인: {str(r.memo or '')[:30]}",
                3,
                r.lon,
                r.lat,
                5,
            )
        )
    spots = blind_spots[blind_spots["tong"].isin(zone_tongs)]
    for b in spots.itertuples():
        if pd.isna(b.found_on) or (week_start - pd.Timestamp(b.found_on).date()).days >= STALE_DAYS:
            stops.append(Stop(f"blind_spot:{b.id}", f"사각지대 #{b.id}", "안전 사각지대 재점검", 2, b.lon, b.lat, 5))
    recent = reports[
        (reports["finder"] == officer)
        & (pd.to_datetime(reports["created_at"]).dt.date > week_start - dt.timedelta(days=STALE_DAYS))
    ]
    walked = set(recent["tong"].dropna().astype(int))
    if walks is not None and len(walks):  # tongs ticked on a recorded walk count as walked too
        fresh = walks[
            (walks["officer"] == officer)
            & (pd.to_datetime(walks["on_date"]).dt.date > week_start - dt.timedelta(days=STALE_DAYS))
        ]
        walked |= set(fresh["tong"].dropna().astype(int))
    for tong in sorted(set(zone_tongs) - walked):
        point = tongs.set_index("tong").loc[tong, "geometry"].representative_point()
        stops.append(Stop(f"tong:{tong}", f"{tong}통", "4주 넘게 걷지 않은 통 (구역 돌보기)", 1, point.x, point.y, 10))
    return stops


def route_gpx(route: Route, *, name: str) -> str:
    """GPX 1.1: the stops as ``wpt`` in visiting order (start first, not repeated), the walk as a ``trk``."""
    points = [route.start, *route.stops]
    wpts = "\n".join(
        f'  <wpt lat="{p.lat:.7f}" lon="{p.lon:.7f}"><name>{escape(f"{i}. {p.label}" if i else p.label)}</name>'
        f"<desc>{escape(p.reason)}</desc></wpt>"
        for i, p in enumerate(points)
    )
    track = "\n".join(f'      <trkpt lat="{p.lat:.7f}" lon="{p.lon:.7f}"/>' for p in [*points, route.start])
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="udongju-map" xmlns="http://www.topografix.com/GPX/1/1">\n'
        f"  <metadata><name>{escape(name)}</name></metadata>\n{wpts}\n"
        f"  <trk><name>{escape(name)}</name><trkseg>\n{track}\n    </trkseg></trk>\n</gpx>\n"
    )


def week_start_of(text: str) -> dt.date:
    """The Monday of an ISO week: ``"2026-W48"`` → 2026-11-23.

    Raises
    ------
    ValueError
        For text that is not ``YYYY-Www``.
    """
    try:
        year, week = str(text).upper().split("-W")
        return dt.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        raise ValueError(f"주 {text!r}를 읽을 수 없습니다: 2026-W48처럼 적으세요.") from None


def start_of_walk(store: object, code: str) -> Stop:
    """Where walks start and end: the dong's 주민센터 resource, else the middle of the dong."""
    resources = store.resources(code)  # type: ignore[attr-defined]
    centre = resources[resources["type"] == "community_centre"]
    if len(centre):
        return Stop(
            "start",
            str(centre["name"].iloc[0] or "주민센터"),
            "출발·도착",
            0,
            float(centre["lon"].iloc[0]),
            float(centre["lat"].iloc[0]),
            0,
        )
    point = store.dong(code).geometry.iloc[0].representative_point()  # type: ignore[attr-defined]
    return Stop("start", "동 중심", "출발·도착", 0, point.x, point.y, 0)


def plan_week(
    store: object, code: str, *, officer: str, week_start: dt.date, user: object, budget_min: float | None = None
) -> Route:
    """Propose an officer's stops for the week and order them into a walk (reads households: logged)."""
    zones = store.zones(code)  # type: ignore[attr-defined]
    zone = zones[zones["officer"] == officer]
    if zone.empty:
        raise RouteError(f"{officer}은(는) 맡은 구역이 없습니다.")
    stops = propose_stops(
        zone_tongs=list(zone["tongs"].iloc[0]),
        tongs=store.tongs(code),  # type: ignore[attr-defined]
        households=store.households(code, user=user),  # type: ignore[attr-defined]
        reports=store.reports(code),  # type: ignore[attr-defined]
        blind_spots=store.blind_spots(code),  # type: ignore[attr-defined]
        officer=officer,
        week_start=week_start,
        walks=store.walks(code),  # type: ignore[attr-defined]
    )
    paths = store.paths(code)  # type: ignore[attr-defined]
    network = network_from_lines(paths) if len(paths) else None
    return plan_route(stops, start=start_of_walk(store, code), budget_min=budget_min, network=network)
