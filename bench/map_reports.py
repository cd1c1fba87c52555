"""Benchmark: a dong map with 10,000 reports, ours beside one folium.Marker-with-popup per report.

Run: ``.venv/bin/python -m bench.map_reports [--n 10000] [--repeat 3]``.  Prints, per measure,
our value, the baseline measured in the same run, their ratio and the target (issue [4/9]:
under 3 MB of HTML; the officer page re-renders under 2 s).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.access import CLI_USER
from mapping.kit.reader import read_kit
from mapping.layers import build_dong_layer, build_map, build_reports_layer
from mapping.store import attach_tong_zone, open_store
from mapping.store.schema import POINT_TABLES

ROOT = Path(__file__).resolve().parent.parent
CODE = "1144073000"


def synthetic_reports(dong: gpd.GeoDataFrame, n: int, *, seed: int = 7) -> gpd.GeoDataFrame:
    """``n`` reports scattered in the dong, deterministic, with Korean titles and memos."""
    rng = np.random.default_rng(seed)
    area = dong.geometry.iloc[0]
    minx, miny, maxx, maxy = area.bounds
    xs, ys = [], []
    while len(xs) < n:
        x, y = rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)
        inside = shapely.contains_xy(area, x, y)
        xs += list(x[inside])
        ys += list(y[inside])
    fields = ["welfare", "environment", "safety", "petition", "promotion", "general"]
    statuses = ["received", "handed_over", "in_progress", "closed"]
    start = dt.datetime(2026, 1, 1)
    frame = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "created_at": [start + dt.timedelta(minutes=int(m)) for m in rng.integers(0, 300 * 24 * 60, n)],
            "field": rng.choice(fields, n),
            "status": rng.choice(statuses, n),
            "activity": "listening",
            "finder": "한서윤",
            "title": [f"보고 제목 {i}" for i in range(n)],
            "memo": [f"골목 무단투기 쓰레기 더미 {i}번째 확인" for i in range(n)],
        }
    )
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(xs[:n], ys[:n]), crs="EPSG:4326")


def plain_markers(reports: gpd.GeoDataFrame, dong: gpd.GeoDataFrame) -> folium.Map:
    """The obvious alternative: one folium.Marker with a popup per report."""
    m = folium.Map(tiles=None)
    for row, geom in zip(reports.to_dict("records"), reports.geometry, strict=True):
        folium.Marker([geom.y, geom.x], popup=folium.Popup(f"<b>{row['title']}</b><br>{row['memo']}")).add_to(m)
    return m


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


@contextlib.contextmanager
def sample_store_with(reports: gpd.GeoDataFrame | None = None) -> Iterator[Path]:
    """A throwaway SQLite store of the sample dong, with ``reports`` added (filed and submitted)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.sqlite"
        store = open_store(db)
        store.load_kit(read_kit(ROOT / "data" / "sample_kit"), user=CLI_USER)
        if reports is not None and len(reports):
            where = attach_tong_zone(reports.geometry, store.tongs(CODE), store.zones(CODE))
            rows = reports.drop(columns=["geometry", "id"]).assign(
                dong_code=CODE,
                origin="bench",
                lon=reports.geometry.x,
                lat=reports.geometry.y,
                tong=where["tong"],
                zone_id=where["zone_id"],
                reported=True,
                address=None,
            )
            with store.engine.begin() as conn:
                conn.execute(POINT_TABLES["reports"].insert(), rows.to_dict("records"))
        store.close()
        yield db


def page_rerender(reports: gpd.GeoDataFrame, repeat: int) -> float:
    """Median re-render of the officer page (AppTest) with ``reports`` in the store."""
    from streamlit.testing.v1 import AppTest

    with sample_store_with(reports) as db:
        # sample data: the app opens on the officer page (without this it showed only the login page)
        os.environ.update(MAPPING_DB=str(db), MAPPING_TILES="none", MAPPING_SAMPLE_AUTOLOGIN="1")
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    dong = read_kit(ROOT / "data" / "sample_kit").dong
    reports = synthetic_reports(dong, args.n)
    ours_t, ours = timed(
        lambda: build_map([build_dong_layer(dong), build_reports_layer(reports)], bounds=dong).get_root().render(),
        args.repeat,
    )
    base_t, base = timed(lambda: plain_markers(reports, dong).get_root().render(), args.repeat)
    ours_mb, base_mb = len(ours.encode()) / 1e6, len(base.encode()) / 1e6
    rerender = page_rerender(reports, args.repeat)
    lines = [
        ("map HTML (MB)", ours_mb, base_mb, "< 3 MB", ours_mb < 3),
        ("map build+render (s)", ours_t, base_t, "faster than baseline", ours_t < base_t),
        ("officer page re-render (s)", rerender, None, "< 2 s", rerender < 2),
    ]
    print(f"{args.n:,} reports in the sample dong; median of {args.repeat}")
    for name, mine, baseline, target, ok in lines:
        ratio = f"{mine / baseline:6.3f}×" if baseline else "      -"
        base_text = f"{baseline:8.2f}" if baseline else "       -"
        print(
            f"{name:28s} ours {mine:8.2f}  baseline {base_text}  ratio {ratio}  target {target:22s} {'PASS' if ok else 'FAIL'}"
        )


if __name__ == "__main__":
    main()
