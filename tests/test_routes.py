"""The weekly walk: exact order, local search above 12 stops, the time budget, GPX 1.1, proposed stops."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import xmlschema

from mapping.access import CLI_USER
from mapping.routes import (
    RouteError,
    Stop,
    distance_matrix,
    plan_route,
    propose_stops,
    route_gpx,
)
from mapping.walk_order import EXACT_MAX, _held_karp, order_stops, tour_length
from tests.conftest import ROOT, SAMPLE_CODE
from tests.helpers import staff_user

START = Stop("centre", "성산2동 주민센터", "출발", 0, 126.9050, 37.5670, 0)
GPX = "{http://www.topografix.com/GPX/1/1}"


def random_stops(n: int, seed: int, *, priority: int | None = None) -> list[Stop]:
    rng = random.Random(seed)
    return [
        Stop(
            f"s{i}",
            f"곳 {i}",
            "이유",
            priority if priority is not None else rng.randint(1, 5),
            126.89 + rng.random() * 0.03,
            37.56 + rng.random() * 0.015,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 7, 8])
@pytest.mark.parametrize("seed", [1, 2])
def test_the_exact_solver_matches_brute_force(n, seed):
    matrix = distance_matrix([START, *random_stops(n, seed)])
    best = min(tour_length(matrix, list(p)) for p in itertools.permutations(range(1, n + 1)))
    order = _held_karp(matrix)
    assert sorted(order) == list(range(1, n + 1))
    assert tour_length(matrix, order) == pytest.approx(best)


def test_the_benchmarks_or_tools_yardstick_visits_every_stop_once_and_is_close_to_exact():
    from bench.work import or_tools_tour

    matrix = distance_matrix([START, *random_stops(10, 5)])
    order = or_tools_tour(matrix, seconds=1.0)
    assert sorted(order) == list(range(1, 11))
    assert tour_length(matrix, order) <= 1.02 * tour_length(matrix, _held_karp(matrix))


def test_a_walk_longer_than_the_exact_limit_visits_every_stop_once():
    long_walk = plan_route(random_stops(EXACT_MAX + 8, 3), start=START, seconds=0.5)  # the local search
    assert len(long_walk.stops) == EXACT_MAX + 8 and len(long_walk.legs_m) == EXACT_MAX + 9


@pytest.mark.parametrize("n", [0, 1, 2, 4, 9])
def test_order_stops_is_the_brute_force_optimum_on_small_walks(n):
    matrix = distance_matrix([START, *random_stops(n, 11)])
    order = order_stops(matrix)
    best = min(tour_length(matrix, list(p)) for p in itertools.permutations(range(1, n + 1)))
    assert sorted(order) == list(range(1, n + 1))
    assert tour_length(matrix, order) == pytest.approx(best)


def test_the_benchmarks_exact_yardstick_agrees_with_ours_and_with_brute_force():
    from bench.work import exact_tour

    for n, seed in ((6, 1), (8, 2), (EXACT_MAX, 3)):
        matrix = distance_matrix([START, *random_stops(n, seed)])
        theirs, ours = exact_tour(matrix), order_stops(matrix)
        assert sorted(theirs) == list(range(1, n + 1))
        assert tour_length(matrix, ours) == pytest.approx(tour_length(matrix, theirs))
        if n <= 8:
            best = min(tour_length(matrix, list(p)) for p in itertools.permutations(range(1, n + 1)))
            assert tour_length(matrix, theirs) == pytest.approx(best)


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_just_above_the_exact_limit_the_walk_is_still_the_optimum(seed):
    from bench.work import exact_tour

    matrix = distance_matrix([START, *random_stops(EXACT_MAX + 1, seed)])
    order = order_stops(matrix)  # the local search
    assert sorted(order) == list(range(1, EXACT_MAX + 2))
    assert tour_length(matrix, order) <= 1.001 * tour_length(matrix, exact_tour(matrix))


def test_a_long_walk_cannot_be_shortened_by_reversing_a_stretch_or_moving_one_stop():
    matrix = distance_matrix([START, *random_stops(30, 8)])
    order = order_stops(matrix, seconds=10)
    found = tour_length(matrix, order)
    assert sorted(order) == list(range(1, 31))
    for i, j in itertools.combinations(range(len(order) + 1), 2):
        assert tour_length(matrix, order[:i] + order[i:j][::-1] + order[j:]) >= found - 1e-6
    for i, stop in enumerate(order):
        rest = order[:i] + order[i + 1 :]
        for k in range(len(rest) + 1):
            assert tour_length(matrix, [*rest[:k], stop, *rest[k:]]) >= found - 1e-6


def test_the_long_walk_is_the_same_every_time_and_handles_one_way_distances():
    matrix = distance_matrix([START, *random_stops(20, 9)])
    assert order_stops(matrix, seconds=10) == order_stops(matrix, seconds=10)  # seeded: not load-dependent
    one_way = matrix * (1 + 0.2 * (np.arange(21)[:, None] > np.arange(21)[None, :]))
    order = order_stops(one_way)
    assert sorted(order) == list(range(1, 21))
    assert tour_length(one_way, order) <= tour_length(one_way, order[::-1])  # the shorter direction


def test_the_budget_keeps_the_highest_priorities_and_says_what_was_left_out():
    stops = [Stop(f"p{p}", f"우선 {p}", "이유", p, 126.9050 + 0.001 * p, 37.5670) for p in range(1, 7)]
    everything = plan_route(stops, start=START)
    budget = plan_route(stops[-2:], start=START).total_min + 0.5  # room for the two most important only
    route = plan_route(stops, start=START, budget_min=budget)
    assert {s.priority for s in route.stops} == {5, 6}
    assert {s.priority for s in route.left_out} == {1, 2, 3, 4}
    assert route.total_min <= budget < everything.total_min


def test_no_stops_or_no_room_is_a_clear_refusal():
    with pytest.raises(RouteError, match="방문할 곳이 없습니다"):
        plan_route([], start=START)
    with pytest.raises(RouteError, match="갈 수 있는 곳이 없습니다"):
        plan_route(random_stops(3, 1), start=START, budget_min=1)


def test_walking_time_is_distance_at_4_kmh_plus_visits():
    stop = Stop("a", "가", "이유", 1, 126.9050, 37.5670 + 0.009, 10)  # about 1 km north
    route = plan_route([stop], start=START)
    assert route.total_m == pytest.approx(2 * 1000 * 1.3, rel=0.01)  # there and back, × 1.3 detour
    assert route.total_min == pytest.approx(route.total_m / 1000 / 4 * 60 + 10)


def test_gpx_is_valid_gpx_1_1_with_stops_in_order_and_the_walk_as_a_track():
    route = plan_route([*random_stops(5, 9), Stop("x", "<&> 표시", "a & b", 1, 126.90, 37.566)], start=START)
    text = route_gpx(route, name="11월 4주 순회 & 점검")
    xmlschema.XMLSchema(ROOT / "tests" / "data" / "gpx-1.1.xsd").validate(text)
    root = ET.fromstring(text)
    names = [w.find(f"{GPX}name").text for w in root.findall(f"{GPX}wpt")]
    assert names[0] == START.label and names[1:] == [f"{i}. {s.label}" for i, s in enumerate(route.stops, start=1)]
    assert len(names) == len(route.stops) + 1  # the start is not repeated at the end
    track = root.findall(f"{GPX}trk/{GPX}trkseg/{GPX}trkpt")
    assert len(track) == len(route.stops) + 2 and track[0].attrib == track[-1].attrib


def test_proposed_stops_of_an_officer_are_in_their_zone_with_reasons(sample_store):
    zones = sample_store.zones(SAMPLE_CODE).set_index("officer")
    officer = "노아린"
    zone_tongs = zones.loc[officer, "tongs"]
    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    stops = propose_stops(
        zone_tongs=zone_tongs,
        tongs=sample_store.tongs(SAMPLE_CODE),
        households=households,
        reports=sample_store.reports(SAMPLE_CODE),
        blind_spots=sample_store.blind_spots(SAMPLE_CODE),
        officer=officer,
        week_start=dt.date(2026, 11, 30),
    )
    assert stops and all(s.reason for s in stops)
    kinds = {s.key.split(":")[0] for s in stops}
    assert "tong" in kinds  # the sample officer has not walked some tongs for four weeks
    for s in stops:
        if s.key.startswith("household:"):
            row = households.set_index("id").loc[int(s.key.split(":")[1])]
            assert row["tong"] in zone_tongs and s.priority in (4, 5)
    reports = sample_store.reports(SAMPLE_CODE).set_index("id")
    for s in (s for s in stops if s.key.startswith("report:")):
        row = reports.loc[int(s.key.split(":")[1])]
        assert (
            row["tong"] in zone_tongs
            and row["status"] in ("received", "handed_over", "in_progress")
            and s.priority == 3
        )
    walked = reports[(reports["finder"] == officer) & (reports["created_at"] > "2026-11-02")]["tong"]
    assert {int(s.key.split(":")[1]) for s in stops if s.key.startswith("tong:")} == set(zone_tongs) - set(walked)


def test_cli_route_writes_gpx_and_a_korean_pdf(sample_store, tmp_path, capsys):
    import subprocess

    from mapping.cli import main

    db = sample_store.url.removeprefix("sqlite:///")
    gpx = tmp_path / "week.gpx"
    assert main(["route", "--officer", "노아린", "--week", "2026-W49", "--out", str(gpx), "--db", db]) == 0
    xmlschema.XMLSchema(ROOT / "tests" / "data" / "gpx-1.1.xsd").validate(gpx.read_text(encoding="utf-8"))
    printed = capsys.readouterr().out
    pdf = tmp_path / "week.pdf"
    assert main(["route", "--officer", "노아린", "--week", "2026-W49", "--out", str(pdf), "--db", db]) == 0
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "주간 순회 경로" in text and "버스정류장" in text
    first_stop = printed.splitlines()[1].split(". ", 1)[1].split(" — ")[0]
    assert first_stop in text
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "(A4)" in info


def test_cli_route_refuses_bad_weeks_and_officers_without_a_zone(sample_store, tmp_path, capsys):
    from mapping.cli import main

    db = sample_store.url.removeprefix("sqlite:///")
    out = str(tmp_path / "w.gpx")
    assert main(["route", "--officer", "노아린", "--week", "48주", "--out", out, "--db", db]) == 2
    assert main(["route", "--officer", "신유나", "--week", "2026-W49", "--out", out, "--db", db]) == 2
    assert "맡은 구역이 없습니다" in capsys.readouterr().err
    assert (
        main(["route", "--officer", "노아린", "--week", "2026-W49", "--out", str(tmp_path / "w.txt"), "--db", db]) == 2
    )


def test_visits_update_last_visit_and_tong_coverage(sample_store):
    from mapping.routes import plan_week

    monday = dt.date(2026, 11, 30)
    route = plan_week(sample_store, SAMPLE_CODE, officer="노아린", week_start=monday, user=CLI_USER)
    tong_stops = [s for s in route.stops if s.key.startswith("tong:")]
    assert tong_stops, "the sample officer has unwalked tongs this week"
    households = sample_store.households(SAMPLE_CODE, user=staff_user("노아린"))  # her zone's (and her 대직 zone's)
    home = households.iloc[0]
    visit = Stop(f"household:{home['id']}", "세대", "첫 방문", 4, home["lon"], home["lat"])
    elsewhere = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    stranger = elsewhere[~elsewhere["id"].isin(households["id"])].iloc[0]
    with pytest.raises(PermissionError, match="방문을 기록할 수 없습니다"):  # another zone's household
        sample_store.record_visits(
            SAMPLE_CODE,
            stops=[Stop(f"household:{stranger['id']}", "세대", "-", 4, stranger["lon"], stranger["lat"])],
            on_date=monday,
            user=staff_user("노아린"),
        )
    before = len(sample_store.access_log())
    sample_store.record_visits(SAMPLE_CODE, stops=[*tong_stops, visit], on_date=monday, user=staff_user("노아린"))
    assert set(sample_store.walks(SAMPLE_CODE)["officer"]) >= {"노아린"}
    after = plan_week(sample_store, SAMPLE_CODE, officer="노아린", week_start=monday, user=CLI_USER)
    assert not {s.key for s in after.stops} & {s.key for s in tong_stops}  # walked now
    refreshed = sample_store.households(SAMPLE_CODE, user=CLI_USER).set_index("id")
    assert refreshed.loc[home["id"], "last_visit"] == monday
    assert len(sample_store.access_log()) > before  # the household change was logged
    assert set(sample_store.walks(SAMPLE_CODE)["stop_key"]) == {s.key for s in [*tong_stops, visit]}


def lines_5186(*coords: list[tuple[float, float]]):
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame(geometry=[shapely.LineString(c) for c in coords], crs="EPSG:5186")


def test_the_walk_follows_the_network_and_falls_back_with_a_warning_where_it_cannot():
    from mapping.crs import transform_xy
    from mapping.routes import network_from_lines

    def stop(key: str, x: float, y: float) -> Stop:
        lon, lat = transform_xy([x], [y], "EPSG:5186", "EPSG:4326")
        return Stop(key, key, "이유", 1, float(lon[0]), float(lat[0]), 0)

    start, near, island = stop("출발", 0, 0), stop("가", 100, 0), stop("섬", 5000, 5000)
    # the only path from 출발 to 가 goes 300 m north, 100 m east and back south: 700 m, not 100 m
    network = network_from_lines(lines_5186([(0, 0), (0, 300), (100, 300), (100, 0)]), snap_m=1)
    route = plan_route([near], start=start, network=network)
    assert route.total_m == pytest.approx(2 * 700, abs=2) and route.warnings == []
    assert plan_route([near], start=start).total_m == pytest.approx(2 * 100 * 1.3, abs=2)
    network.add_edge((5000.0, 5000.0), (5010.0, 5000.0), weight=10.0)  # a separate piece of network
    cut_off = plan_route([near, island], start=start, network=network)
    assert any("섬" in w and "직선거리" in w for w in cut_off.warnings)


def test_a_kit_with_a_walking_network_is_used_by_plan_week(kit_copy, tmp_path):
    import geopandas as gpd
    import networkx as nx
    import shapely

    from mapping.kit.reader import read_kit
    from mapping.routes import plan_week
    from mapping.store import open_store

    dong = gpd.read_file(kit_copy / "dong.geojson").to_crs("EPSG:5186").geometry.iloc[0]
    minx, miny, maxx, maxy = dong.bounds
    grid = [shapely.LineString([(x, miny), (x, maxy)]) for x in range(int(minx), int(maxx), 150)]
    grid += [shapely.LineString([(minx, y), (maxx, y)]) for y in range(int(miny), int(maxy), 150)]
    gpd.GeoDataFrame(geometry=grid, crs="EPSG:5186").to_crs("EPSG:4326").to_file(kit_copy / "paths.geojson")
    store = open_store(tmp_path / "net.sqlite")
    store.load_kit(read_kit(kit_copy), user=CLI_USER)
    assert len(store.paths(SAMPLE_CODE)) == len(grid)
    on_grid = plan_week(store, SAMPLE_CODE, officer="노아린", week_start=dt.date(2026, 11, 30), user=CLI_USER)
    straight = plan_route(on_grid.stops, start=on_grid.start)
    assert on_grid.total_m != pytest.approx(straight.total_m, rel=0.01)  # the grid, not the 1.3 detour, set the length

    graph = nx.Graph()  # an OSM GraphML as osmnx writes it: node x = lon, y = lat
    graph.add_node("a", x="126.9000", y="37.5660")
    graph.add_node("b", x="126.9010", y="37.5660")
    graph.add_edge("a", "b")
    (kit_copy / "paths.geojson").unlink()
    nx.write_graphml(graph, kit_copy / "paths.graphml")
    assert len(read_kit(kit_copy).paths) == 1
