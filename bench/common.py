"""What every benchmark module shares: the result line, the median timer, one runner, an environment switch."""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

Timer = Callable[..., tuple[float, object]]
Benchmark = Callable[..., dict | list[dict]]  # one result line, or several measured on the same setup


@dataclass
class Result:
    """One benchmark's line."""

    name: str
    ours_s: float
    baseline_s: float | None
    target: str
    passed: bool
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.ours_s / self.baseline_s if self.baseline_s else None

    def line(self) -> str:
        base = f"{self.baseline_s:8.3f} s" if self.baseline_s is not None else "       — "
        ratio = f"{self.ratio:6.3f}×" if self.ratio is not None else "     — "
        verdict = "PASS" if self.passed else "FAIL"
        return f"{self.name:<44} {self.ours_s:8.3f} s {base} {ratio}  {self.target:<40} {verdict}  {self.note}"


def median_time(run: Callable[[], object], *, repeat: int = 3) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs, and the last run's result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def run(benchmarks: Sequence[Benchmark], data: dict, *, quick: bool) -> list[Result]:
    """Run ``benchmarks`` in order, printing each line as it is measured."""
    results = []
    for bench in benchmarks:
        measured = bench(data, median_time=median_time, quick=quick)
        for line in measured if isinstance(measured, list) else [measured]:
            result = Result(**line)
            results.append(result)
            print(result.line(), flush=True)
    return results


def module_main(benchmarks: Sequence[Benchmark], argv: list[str] | None, *, prog: str, quick_help: str) -> int:
    """``python -m bench.<module> [--quick]``: its benchmarks alone; exit 0 (a FAIL is a finding, not an error)."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    results = run(benchmarks, {}, quick=args.quick)
    print(f"{sum(r.passed for r in results)}/{len(results)} PASS ({time.perf_counter() - started:.1f} s)")
    return 0


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the ``with`` block, then put back what was there."""
    before = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
