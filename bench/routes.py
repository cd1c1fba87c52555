"""Benchmark: walk order quality and time, against the exact optimum and OR-Tools given 30 s.

Run: ``.venv/bin/python -m bench.routes [--baseline-seconds 30]``.  Fixed random instances of
12, 25 and 50 stops in the sample dong; each line prints our tour length and time, the baseline
measured in the same run, their ratio and the target of issue [5/9].
"""

from __future__ import annotations

import argparse
import random
import time

from bench.work import or_tools_tour
from mapping.routes import Stop, distance_matrix
from mapping.walk_order import order_stops, tour_length

START = Stop("start", "주민센터", "출발", 0, 126.9050, 37.5670, 0)


def instance(n: int, seed: int) -> list[Stop]:
    rng = random.Random(seed)
    return [
        Stop(f"s{i}", f"{i}", "", 1, 126.893 + rng.random() * 0.025, 37.561 + rng.random() * 0.013) for i in range(n)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline-seconds", type=float, default=30.0)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    print(f"walk order: ours vs OR-Tools guided local search with {args.baseline_seconds:g} s (same run)")
    for n, target_ratio in ((12, 1.0), (25, 1.02), (50, 1.02)):
        for seed in range(args.seeds):
            matrix = distance_matrix([START, *instance(n, seed)])
            t0 = time.perf_counter()
            ours = tour_length(matrix, order_stops(matrix))
            ours_s = time.perf_counter() - t0
            base = tour_length(matrix, or_tools_tour(matrix, seconds=args.baseline_seconds))
            ratio = ours / base
            ok = ratio <= target_ratio + 1e-9 and ours_s < 1.0
            print(
                f"{n:2d} stops seed {seed}: ours {ours:8.0f} m in {ours_s:5.2f} s  baseline {base:8.0f} m  "
                f"ratio {ratio:.4f}  target ≤ {target_ratio:.2f} in < 1 s  {'PASS' if ok else 'FAIL'}"
            )


if __name__ == "__main__":
    main()
