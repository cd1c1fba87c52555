"""The weekly walk: which stops, in which order, on foot, within the time the officer has.

Distances are straight lines in EPSG:5186 times a detour factor (1.3 unless
a pedestrian network is given).  The order is found by :mod:`mapping.walk_order`
(exact up to 12 stops, a seeded local search above).  With a time
budget the highest-priority stops that fit are kept.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from mapping.addresses import NEAR_ADDRESS_M, nearest_addresses
from mapping.crs import to_metric, transform_xy
from mapping.errors import MappingError
from mapping.text import text_of
from mapping.walk_order import SOLVER_SECONDS, order_stops

if TYPE_CHECKING:
    from mapping.access import User
    from mapping.store import Store

WALK_KMH = 4.0
DETOUR = 1.3
VISIT_MIN = 10.0  # minutes spent at a stop unless it says otherwise
WALK_BUDGET_MIN = 120  # a weekly walk's time unless the officer says otherwise (주간 순회's default, the field page's)
STALE_DAYS = 28  # a tong not walked, a blind spot not re-checked, for this long is due
SAME_DOOR_M = 15.0  # an address point this near a stop is its address; further, it is "… 부근"


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
    address: str | None = None  # its report's, household's or resource's; else found near it (route_with_addresses)


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

    kept: list[int] = [0]
    left: list[int] = []
    for k in range(1, len(points)) if budget_min else []:
        (kept if solve([*kept, k]).total_min <= (budget_min or 0.0) else left).append(k)  # runs only with a budget
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
                label = f"돌봄이웃 {h.name}"
                stops.append(Stop(f"household:{h.id}", label, reason, 5, h.lon, h.lat, 20, text_of(h.address) or None))
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
                    text_of(h.address) or None,
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
                text_of(r.address) or None,
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


def start_of_walk(store: Store, code: str) -> Stop:
    """Where walks start and end: the dong's 주민센터 resource, else the middle of the dong."""
    resources = store.resources(code)
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
            text_of(centre["address"].iloc[0]) or None,
        )
    point = store.dong(code).geometry.iloc[0].representative_point()
    return Stop("start", "동 중심", "출발·도착", 0, point.x, point.y, 0)


def plan_week(
    store: Store, code: str, *, officer: str, week_start: dt.date, user: User, budget_min: float | None = None
) -> Route:
    """Propose an officer's stops for the week and order them into a walk (reads households: logged)."""
    zones = store.zones(code)
    zone = zones[zones["officer"] == officer]
    if zone.empty:
        raise RouteError(f"{officer}은(는) 맡은 구역이 없습니다.")
    stops = propose_stops(
        zone_tongs=list(zone["tongs"].iloc[0]),
        tongs=store.tongs(code),
        households=store.households(code, user=user),
        reports=store.reports(code),
        blind_spots=store.blind_spots(code),
        officer=officer,
        week_start=week_start,
        walks=store.walks(code),
    )
    paths = store.paths(code)
    network = network_from_lines(paths) if len(paths) else None
    route = plan_route(stops, start=start_of_walk(store, code), budget_min=budget_min, network=network)
    return route_with_addresses(route, store)


# ---- addresses: what an officer walking with paper reads at each stop ----------------------------------------


def route_with_addresses(route: Route, store: Store) -> Route:
    """``route`` with an address on the start and every stop that had none: the nearest loaded juso address point.

    A stop keeps its report's, household's or resource's own address; one with no address point within
    :data:`~mapping.addresses.NEAR_ADDRESS_M` keeps None (:func:`stop_address` then gives its coordinates).
    """
    places = [route.start, *route.stops]
    bare = [p for p in places if not p.address]
    if not bare:
        return route
    pad = NEAR_ADDRESS_M / 80_000  # degrees: more than NEAR_ADDRESS_M in Seoul, east-west and north-south
    lons, lats = [p.lon for p in bare], [p.lat for p in bare]
    points = store.address_points(bounds=(min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad))
    found = dict(zip((p.key for p in bare), nearest_addresses(lons, lats, points), strict=True))

    def addressed(stop: Stop) -> Stop:
        near = found.get(stop.key)
        if stop.address or near is None:
            return stop
        text = (
            near["address"] if near["metres"] < SAME_DOOR_M else f"{near['address']} 부근 (약 {near['metres']:.0f} m)"
        )
        return replace(stop, address=text)

    return replace(route, start=addressed(route.start), stops=[addressed(s) for s in route.stops])


def stop_address(stop: Stop) -> str:
    """The address printed for a stop, or where it is when no address is known."""
    return stop.address or f"주소 없음 (좌표 {stop.lat:.5f}, {stop.lon:.5f})"
