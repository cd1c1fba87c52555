"""Working-day benchmarks (Seoul-scale performance issue): the week's walk at 12/25/50 stops, 20 officers filing at once.

Run on its own: ``python -m bench.work [--quick]`` (one line per benchmark, as ``python -m bench``).

- Walk order (:func:`mapping.walk_order.order_stops`) on fixed random instances in the sample dong, several
  seeds, the worst reported: against the exact optimum (an independent Held–Karp in this file) at 12
  stops, and OR-Tools guided local search given 30 s at 25 and 50.
- 20 threads of one server process (one shared :class:`~mapping.store.Store`, as ``st.cache_resource``
  gives every Streamlit session) filing reports through :meth:`~mapping.store.Store.file_report`, the
  call the 보고 접수 page makes; on the embedded SQLite file and on a throwaway PostgreSQL + PostGIS
  cluster started here (fsync on, as a real server).  Nothing may be lost or doubled.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from unittest import mock

import numpy as np

from bench.common import Timer, environment, module_main
from mapping.routes import Stop, distance_matrix
from mapping.walk_order import order_stops, tour_length

ROUTE_SEEDS = (0, 1, 2)
BASELINE_SECONDS, QUICK_BASELINE_SECONDS = 30.0, 1.0
WRITERS, EACH, QUICK_EACH = 20, 50, 5  # quick: the five benchmarks stay under ~15 s
TARGET_RATE = 200.0  # reports per second
START = Stop("start", "성산2동 주민센터", "출발", 0, 126.9050, 37.5670, 0)
SAMPLE_CODE = "1144073000"
KIT = Path(__file__).resolve().parent.parent / "data" / "sample_kit"


# ---- the week's walk --------------------------------------------------------------------------------------------


def _instance(n: int, seed: int) -> np.ndarray:
    """The walking matrix of ``n`` random stops in the sample dong, the 주민센터 first (as bench.routes)."""
    rng = random.Random(seed)
    stops = [
        Stop(f"s{i}", f"{i}", "", 1, 126.893 + rng.random() * 0.025, 37.561 + rng.random() * 0.013) for i in range(n)
    ]
    return distance_matrix([START, *stops])


def exact_tour(matrix: np.ndarray) -> list[int]:
    """The shortest closed tour from node 0: Held–Karp, vectorised over the last stop (independent of ours).

    Parameters
    ----------
    matrix : numpy.ndarray
        Square distance matrix, node 0 the start (at most ~16 nodes: memory grows as 2^n · n).

    Returns
    -------
    list of int
        The visiting order, start excluded.
    """
    n = len(matrix) - 1
    if n <= 1:
        return list(range(1, n + 1))
    full = 1 << n
    inner = matrix[1:, 1:]
    cost = np.full((full, n), np.inf)
    cost[1 << np.arange(n), np.arange(n)] = matrix[0, 1:]
    back = np.zeros((full, n), dtype=np.int64)
    bits = 1 << np.arange(n)
    for mask in range(1, full):  # masks grow: every subset is final before a superset reads it
        here = cost[mask]
        if not np.isfinite(here).any():
            continue
        step = here[:, None] + inner  # from j (in mask) to k
        best_j = step.argmin(axis=0)
        value = step[best_j, np.arange(n)]
        for k in np.flatnonzero((mask & bits) == 0):
            nxt = mask | int(bits[k])
            if value[k] < cost[nxt, k]:
                cost[nxt, k], back[nxt, k] = value[k], best_j[k]
    last, mask, order = int(np.argmin(cost[full - 1] + matrix[1:, 0])), full - 1, []
    while mask:
        order.append(last + 1)
        mask, last = mask ^ (1 << last), int(back[mask, last])
    return order[::-1]


def _route_benchmark(n: int, *, median_time: Timer, quick: bool, limit: float) -> dict:
    """Ours against the baseline on every seed; the worst length ratio and the slowest of our times count."""
    seeds = ROUTE_SEEDS[:1] if quick else ROUTE_SEEDS
    repeat = 1 if quick else 3
    exact = n <= 12
    import ortools.constraint_solver.pywrapcp  # noqa: F401  (a server has it loaded: not timed)

    ratios, ours_times, base_times, orders_ok = [], [], [], True
    for seed in seeds:
        matrix = _instance(n, seed)
        ours_s, order = median_time(lambda m=matrix: order_stops(m), repeat=repeat)
        started = time.perf_counter()
        if exact:
            best = exact_tour(matrix)
        else:
            best = or_tools_tour(matrix, seconds=QUICK_BASELINE_SECONDS if quick else BASELINE_SECONDS)
        base_times.append(time.perf_counter() - started)
        orders_ok &= sorted(order) == list(range(1, n + 1))  # type: ignore[arg-type]
        ratios.append(tour_length(matrix, order) / tour_length(matrix, best))  # type: ignore[arg-type]
        ours_times.append(ours_s)
    worst = max(ratios)
    fast = max(ours_times) <= 1.0
    good = orders_ok and worst <= limit + 1e-9
    baseline = (
        "exact Held–Karp" if exact else f"OR-Tools GLS {QUICK_BASELINE_SECONDS if quick else BASELINE_SECONDS:g} s"
    )
    want = "= optimum" if exact else f"≤ {limit:.2f}× OR-Tools 30 s"
    return {
        "name": f"walk order, {n} stops ({len(seeds)} seed{'s' if len(seeds) > 1 else ''})",
        "ours_s": max(ours_times),
        "baseline_s": max(base_times),
        "target": f"length {want}; ≤ 1 s",
        # quick: OR-Tools with 1 s is no fair yardstick and times are not judged; the exact optimum still is
        "passed": (good if exact else orders_ok) if quick else good and fast,
        "note": f"length ratio worst {worst:.4f} ({', '.join(f'{r:.4f}' for r in ratios)}) vs {baseline}",
    }


def route_12_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """Walk order for 12 stops: equal to the exact optimum, in under a second."""
    return _route_benchmark(12, median_time=median_time, quick=quick, limit=1.0)


def route_25_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """Walk order for 25 stops: no longer than OR-Tools given 30 s, in under a second."""
    return _route_benchmark(25, median_time=median_time, quick=quick, limit=1.0)


def route_50_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """Walk order for 50 stops: within 1% of OR-Tools given 30 s, in under a second."""
    return _route_benchmark(50, median_time=median_time, quick=quick, limit=1.01)


def or_tools_tour(matrix: np.ndarray, *, seconds: float) -> list[int]:
    """OR-Tools' guided local search for ``seconds``: the yardstick our walk order is measured against.

    Not what :func:`mapping.walk_order.order_stops` uses: with a wall-clock limit its tour got worse on a busy
    machine (50 stops: 2.2 % long while the test suite ran), where the seeded local search does not.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    manager = pywrapcp.RoutingIndexManager(len(matrix), 1, 0)
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(np.rint(matrix).astype(int).tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    # measured on bench.routes: reaches the 30-second result within 0.9 s where PATH_CHEAPEST_ARC did not
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    index, order = routing.Start(0), []
    while not routing.IsEnd(index := solution.Value(routing.NextVar(index))):
        order.append(manager.IndexToNode(index))
    return order


# ---- 20 writers at once -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _postgres() -> Iterator[str]:
    """A throwaway PostgreSQL + PostGIS cluster on 127.0.0.1 (fsync on, as a real server); yields a database URL.

    Raises
    ------
    RuntimeError
        When the PostgreSQL binaries or PostGIS are not installed.
    """
    from tests.pg import Cluster

    cluster = Cluster(fsync=True)
    logs = tempfile.mkdtemp(prefix="udongju-bench-log-")  # the throwaway database's log key and anchors, not data/
    try:
        with mock.patch.dict(os.environ, {"MAPPING_LOG_DIR": logs}):
            yield cluster.new_database()
    finally:
        cluster.stop()
        shutil.rmtree(logs, ignore_errors=True)


def _loaded_store(url: str) -> object:
    """A store at ``url`` holding the sample dong (not timed)."""
    from mapping.access import CLI_USER
    from mapping.kit.reader import read_kit
    from mapping.store import open_store

    store = open_store(url)
    store.load_kit(read_kit(KIT), user=CLI_USER)
    return store


def file_reports_at_once(store: object, *, writers: int, each: int) -> dict[str, object]:
    """``writers`` threads sharing ``store`` each file ``each`` reports at once; check that none is lost or doubled.

    Every fourth report carries a resident's phone number, so it also writes the hash-chained access log.

    Parameters
    ----------
    store : mapping.store.Store
        The one store of the server process, holding the sample dong.
    writers, each : int
        Threads, and reports per thread.

    Returns
    -------
    dict
        ``seconds`` (from the common start to the last commit), ``rate`` (reports per second),
        ``lost``, ``doubled``, ``log_ok`` (the access log still verifies) and ``latency_p95_s``.
    """
    from mapping.access import User

    tongs = store.tongs(SAMPLE_CODE)  # type: ignore[attr-defined]
    places = [(p.x, p.y) for p in tongs.geometry.representative_point()]
    officers = list(store.zones(SAMPLE_CODE)["officer"])  # type: ignore[attr-defined]
    before = len(store.reports(SAMPLE_CODE))  # type: ignore[attr-defined]
    go = threading.Barrier(writers + 1)
    latencies: list[float] = []

    def write(w: int) -> list[int]:
        ids, finder = [], officers[w % len(officers)]
        go.wait()
        for i in range(each):
            phone = {"resident_phone": f"010-{w:04d}-{i:04d}"} if i % 4 == 0 else {}
            started = time.perf_counter()
            ids.append(
                store.file_report(  # type: ignore[attr-defined]
                    SAMPLE_CODE,
                    lonlat=places[(w * each + i) % len(places)],
                    memo=f"동시 {w}-{i}",
                    user=User(f"bench{w}", finder, "officer", staff_name=finder, dong_code=SAMPLE_CODE),
                    title=f"벤치 {w}-{i}",
                    field="환경",
                    **phone,
                )
            )
            latencies.append(time.perf_counter() - started)
        return ids

    with ThreadPoolExecutor(writers) as pool:
        futures = [pool.submit(write, w) for w in range(writers)]
        go.wait()
        started = time.perf_counter()
        ids = [i for f in futures for i in f.result()]
        seconds = time.perf_counter() - started
    reports = store.reports(SAMPLE_CODE)  # type: ignore[attr-defined]
    ours = reports[reports["memo"].str.startswith("동시 ", na=False)]
    wanted = {f"동시 {w}-{i}" for w in range(writers) for i in range(each)}
    return {
        "seconds": seconds,
        "rate": len(ids) / seconds,
        "lost": len(wanted - set(ours["memo"])),
        "doubled": (len(ids) - len(set(ids)))
        + (len(ours) - len(set(ours["memo"])))
        + (len(reports) - before - len(ours)),
        "log_ok": store.verify_access_log().intact,  # type: ignore[attr-defined]
        "latency_p95_s": float(np.percentile(latencies, 95)),
    }


def _writers_benchmark(backend: str, url: str, *, quick: bool) -> dict:
    each = QUICK_EACH if quick else EACH
    store = _loaded_store(url)
    try:
        got = file_reports_at_once(store, writers=WRITERS, each=each)
    finally:
        store.close()  # type: ignore[attr-defined]
    sound = got["lost"] == 0 and got["doubled"] == 0 and got["log_ok"]
    return {
        "name": f"{WRITERS} writers × {each} reports, {backend}",
        "ours_s": got["seconds"],
        "baseline_s": None,
        "target": f"≥ {TARGET_RATE:g} reports/s; none lost or doubled",
        "passed": bool(sound and (quick or got["rate"] >= TARGET_RATE)),  # 5 reports each: the rate is not measured
        "note": (
            f"{got['rate']:.0f} reports/s, p95 {got['latency_p95_s'] * 1000:.0f} ms; "
            f"lost {got['lost']}, doubled {got['doubled']}, log {'verifies' if got['log_ok'] else 'BROKEN'}"
        ),
    }


def writers_sqlite_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """Twenty threads of one server filing reports into the embedded SQLite store."""
    with (
        tempfile.TemporaryDirectory(prefix="udongju-bench-") as tmp,
        environment(MAPPING_PHOTOS=str(Path(tmp) / "photos")),
    ):
        return _writers_benchmark("SQLite", str(Path(tmp) / "store.sqlite"), quick=quick)


def writers_postgresql_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """Twenty threads of one server filing reports into PostgreSQL + PostGIS (a throwaway local cluster)."""
    name = f"{WRITERS} writers × {QUICK_EACH if quick else EACH} reports, PostgreSQL"
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="udongju-bench-"))
        stack.enter_context(environment(MAPPING_PHOTOS=str(Path(tmp) / "photos")))
        try:
            url = stack.enter_context(_postgres())
        except (RuntimeError, subprocess.CalledProcessError, OSError) as err:
            return {"name": name, "ours_s": 0.0, "baseline_s": None, "target": f"≥ {TARGET_RATE:g} reports/s",
                    "passed": False, "note": f"PostgreSQL not available: {err}"}  # fmt: skip
        return _writers_benchmark("PostgreSQL", url, quick=quick)


BENCHMARKS = (
    route_12_benchmark,
    route_25_benchmark,
    route_50_benchmark,
    writers_sqlite_benchmark,
    writers_postgresql_benchmark,
)


def main(argv: list[str] | None = None) -> int:
    """Run this module's benchmarks alone and print one line each."""
    return module_main(
        BENCHMARKS, argv, prog="python -m bench.work", quick_help="one seed, 1 s baseline, 5 reports per writer"
    )


if __name__ == "__main__":
    raise SystemExit(main())
