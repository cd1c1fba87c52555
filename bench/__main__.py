"""Seoul-scale benchmarks, each beside its baseline in the same run: ``python -m bench [--quick]``.

Each benchmark prints one line — name, our time (median of 3), the baseline's, the ratio, the
target, PASS/FAIL — and the run writes ``bench/results.json`` (``--quick``: ``bench/results-quick.json``,
not kept).  Data come from :mod:`bench.generate` (generated once into ``bench/.data/``).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import time
from dataclasses import asdict
from pathlib import Path

import geopandas as gpd
import pandas as pd

from bench import browser, outputs, region, seoul, work
from bench.common import Result, run
from bench.generate import generate

HERE = Path(__file__).resolve().parent


def load(folder: Path) -> dict[str, object]:
    """The generated data, as frames."""
    data: dict[str, object] = {name: gpd.read_parquet(folder / f"{name}.parquet") for name in ("dongs", "tongs")}
    for name in ("staff", "reports", "households"):
        data[name] = pd.read_parquet(folder / f"{name}.parquet")
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="우동주 지도 Seoul-scale benchmarks")
    parser.add_argument("--quick", action="store_true", help="the same benchmarks on 20 dongs (under 60 s)")
    parser.add_argument("--data", type=Path, help="benchmark data folder (default: bench/.data/full or quick)")
    args = parser.parse_args(argv)
    folder = args.data or HERE / ".data" / ("quick" if args.quick else "full")
    if not (folder / "reports.parquet").exists():
        print(f"data → {folder} (once; not timed)")
        generate(folder, quick=args.quick)
    data = load(folder)
    started = time.perf_counter()
    results = run(
        (*seoul.BENCHMARKS, region.region_benchmark, *outputs.BENCHMARKS, *work.BENCHMARKS, *browser.BENCHMARKS),
        data,
        quick=args.quick,
    )
    peak_gib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    memory = Result("memory peak of the run", round(peak_gib, 3), None, "≤ 4 GiB", peak_gib <= 4, "GiB, not seconds")
    results.append(memory)
    print(memory.line())
    scale = {k: len(v) for k, v in data.items()}  # type: ignore[arg-type]
    report = {
        "quick": args.quick,
        "scale": scale,
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "platform": platform.platform(),
        },
        "seconds": round(time.perf_counter() - started, 1),
        "results": [asdict(r) | {"ratio": r.ratio} for r in results],
    }
    out = HERE / ("results-quick.json" if args.quick else "results.json")
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{sum(r.passed for r in results)}/{len(results)} PASS → {out.name} ({report['seconds']} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
