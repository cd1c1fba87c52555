"""Benchmarks of what the tool hands out, at dong scale (issue 10): ``python -m bench.outputs [--quick]``.

The dong map with 10,000 reports, the public-map export, the tour-map PDF of one zone and the
officer page's re-render with 10,000 reports in the store.  Each function has the signature of the
benchmarks in :mod:`bench.seoul` (``name(data, *, median_time, quick) -> dict``) and is listed in
:data:`BENCHMARKS`; none of them needs the Seoul data (``data`` may be empty): they use the shipped
sample dong (``data/sample_kit``) and the synthetic reports of :mod:`bench.map_reports`.
``--quick``: 2,000 reports instead of 10,000, the baseline timed once, and only ratios and
correctness fail a benchmark (absolute times do not: machines are shared).
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
import tempfile
import time
from pathlib import Path

import folium

from bench.common import Timer, environment, module_main
from bench.map_reports import CODE, ROOT, plain_markers, sample_store_with, synthetic_reports
from mapping.kit.reader import read_kit
from mapping.store import open_store
from mapping.text import esc

KIT = ROOT / "data" / "sample_kit"
PUBLIC_URL = "https://example.org/seongsan2"


def _reports_count(quick: bool) -> int:
    return 2_000 if quick else 10_000


def _packed_texts(html: str) -> list[str]:
    """The texts (headline, memo per report) of every browser-made report layer in a map's HTML."""
    texts: list[str] = []
    for packed in re.findall(r"var packed = (\[.*?\]);\n", html):
        texts += json.loads(packed)[3]
    return texts


def dong_map_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """A dong map with 10,000 reports: ours (``build_reports_layer``) vs one ``folium.Marker`` with popup per report."""
    from mapping.layers import build_dong_layer, build_map, build_reports_layer

    dong = read_kit(KIT).dong
    reports = synthetic_reports(dong, _reports_count(quick))

    def ours() -> str:
        return build_map([build_dong_layer(dong), build_reports_layer(reports)], bounds=dong).get_root().render()

    def baseline() -> str:
        return plain_markers(reports, dong).get_root().render()

    ours_s, html = median_time(ours)
    base_s, base_html = median_time(baseline, repeat=1 if quick else 3)
    mb, base_mb = len(str(html).encode()) / 1e6, len(str(base_html).encode()) / 1e6
    texts = _packed_texts(str(html))
    every_popup = texts[0::2] == [esc(t) for t in reports.sort_values("id", kind="stable")["title"]]
    small_and_fast = mb <= 1.0 and ours_s <= 0.5
    ok = every_popup and (quick or small_and_fast) and mb < base_mb and ours_s < base_s
    return {
        "name": f"dong map with {len(reports):,} reports (HTML)",
        "ours_s": ours_s,
        "baseline_s": base_s,
        "target": "≤ 1 MB and ≤ 0.5 s; every popup",
        "passed": ok,
        "note": f"{mb:.2f} MB vs {base_mb:.2f} MB ({mb / base_mb:.3f}×); popups {len(texts) // 2:,}",
    }


def public_map_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """The public-map site of the sample dong, as ``public-map`` makes it, vs a folium map of the same view."""
    from mapping.access import CLI_USER
    from mapping.publish.privacy import personal_values_of, public_view
    from mapping.publish.public_site import export_public_site

    with sample_store_with() as db, tempfile.TemporaryDirectory() as out:
        store = open_store(db)

        def ours() -> Path:
            view = public_view(store, CODE)
            personal = personal_values_of(store, CODE, user=CLI_USER)
            return export_public_site(view, Path(out) / "site", personal_values=personal)

        def baseline() -> Path:
            view = public_view(store, CODE)
            m = folium.Map(tiles=None)
            folium.GeoJson(view.zones.to_crs("EPSG:4326").to_json()).add_to(m)
            for name, geom in zip(view.resources["name"], view.resources.to_crs("EPSG:4326").geometry, strict=True):
                folium.Marker([geom.y, geom.x], popup=folium.Popup(esc(name))).add_to(m)
            m.save(Path(out) / "folium.html")
            return Path(out) / "folium.html"

        ours_s, page = median_time(ours)
        base_s, _ = median_time(baseline)
        size = sum(p.stat().st_size for p in Path(out, "site").rglob("*") if p.is_file()) / 1e6
        written = Path(str(page)).is_file()
        store.close()
    return {
        "name": "public-map export, one dong",
        "ours_s": ours_s,
        "baseline_s": base_s,
        "target": "≤ 2 s",
        "passed": written and (quick or ours_s <= 2.0),
        "note": f"site {size:.2f} MB with vendor/; baseline: folium map, no privacy check",
    }


def tour_map_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """The move-in tour map (A4 PDF) of one zone of the sample dong, as ``tour-map`` makes it."""
    from mapping.publish.privacy import public_view
    from mapping.publish.tour_map import export_tour_pdf

    with sample_store_with() as db, tempfile.TemporaryDirectory() as out:
        store = open_store(db)
        zone_id = str(store.zones(CODE)["zone_id"].iloc[0])
        pdf = Path(out) / "tour.pdf"

        def ours() -> Path:
            return export_tour_pdf(public_view(store, CODE), pdf, zone_id=zone_id, public_url=PUBLIC_URL)

        ours_s, _ = median_time(ours)
        written = pdf.read_bytes().startswith(b"%PDF")
        kb = pdf.stat().st_size / 1e3
        store.close()
    return {
        "name": f"tour-map PDF, zone {zone_id}",
        "ours_s": ours_s,
        "baseline_s": None,
        "target": "≤ 3 s",
        "passed": written and (quick or ours_s <= 3.0),
        "note": f"{kb:.0f} kB, A4 portrait",
    }


def officer_page_benchmark(data: dict, *, median_time: Timer, quick: bool) -> dict:
    """The officer page (AppTest) re-run with 10,000 reports in the dong: median of 3 re-runs after the first."""
    from streamlit.testing.v1 import AppTest

    from app_pages.common import get_store

    reports = synthetic_reports(read_kit(KIT).dong, _reports_count(quick))
    # The app's server process does not hold the benchmarks' city-scale data: move what this process
    # already holds out of the garbage collector's sight, or each full collection walks millions of
    # objects the page never made (a full run measured 0.50 s, the same page alone 0.35 s).
    gc.collect()
    gc.freeze()
    with (
        sample_store_with(reports) as db,
        environment(MAPPING_DB=str(db), MAPPING_TILES="none", MAPPING_SAMPLE_AUTOLOGIN="1"),
        contextlib.chdir(ROOT),
    ):
        get_store.clear()  # one store per process: this run's, not an earlier one's
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        start = time.perf_counter()
        at.run()
        first_s = time.perf_counter() - start
        officers = list(at.selectbox(key="officer").options)
        start = time.perf_counter()
        at.selectbox(key="officer").set_value(officers[1]).run()
        switch_s = time.perf_counter() - start
        ours_s, _ = median_time(at.run)
        shown = not at.exception and bool(at.get("iframe") or at.get("component_instance"))  # the map is on the page
        get_store.clear()
    gc.unfreeze()
    return {
        "name": f"officer page re-run, {len(reports):,} reports (AppTest)",
        "ours_s": ours_s,
        "baseline_s": None,
        "target": "≤ 0.5 s",
        "passed": shown and (quick or ours_s <= 0.5),
        "note": f"first run {first_s:.2f} s; other officer {switch_s:.2f} s",
    }


BENCHMARKS = (dong_map_benchmark, public_map_benchmark, tour_map_benchmark, officer_page_benchmark)


def main(argv: list[str] | None = None) -> int:
    """Run this module's benchmarks alone and print one line each."""
    return module_main(
        BENCHMARKS, argv, prog="python -m bench.outputs", quick_help="2,000 reports; absolute targets do not fail"
    )


if __name__ == "__main__":
    raise SystemExit(main())
