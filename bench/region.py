"""The gu's and the city's month at Seoul scale (issue [14]): 구 현황 for a 20-dong gu, 시 현황 for every dong, the gu sheet.

A store (the embedded SQLite file) is filled once, not timed, with the generated dongs, staff and a year of
reports (each report in a random tong of the generated ones, so dongs get reports as they have tongs).
Timed: :func:`mapping.month.region.region_month_for` — the store reads (reports of the month and its
edges, the month's steps in one query per table) and every figure the page shows — beside the plain pandas
group-by (dong × field of the month) over the whole report table already in memory; and the gu sheet's XLSX.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from bench.common import Timer
from mapping.access import CLI_USER
from mapping.month.region import export_region_xlsx, region_month_for
from mapping.store import open_store
from mapping.store.schema import POINT_TABLES, meta

MONTH = "2026-10"
TODAY = dt.date(2026, 11, 12)
_CHUNK = 50_000


def _fill(store: object, data: dict) -> pd.DataFrame:
    """Write the generated dongs, staff and reports into ``store`` (not timed); return the reports as written."""
    dongs = data["dongs"].to_crs(4326)
    staff = data["staff"]
    rng = np.random.default_rng(14)
    reports = data["reports"]
    picked = staff.iloc[rng.integers(0, len(staff), size=len(reports))]
    written = pd.DataFrame(
        {
            "dong_code": picked["dong_code"].astype(str).to_numpy(),
            "origin": "kit",
            "lon": 127.0,
            "lat": 37.5,
            "tong": picked["tong"].to_numpy(),
            "zone_id": ("Z" + (picked["tong"].to_numpy() // 4 + 1).astype(str)).astype(object),
            "created_at": reports["created_at"].to_numpy(),
            "finder": picked["officer"].to_numpy(),
            "activity": reports["activity"].to_numpy(),
            "field": reports["field"].to_numpy(),
            "status": "closed",
            "reported": reports["reported"].to_numpy(),
        }
    )
    now = dt.datetime(2026, 1, 1)
    with store.writer.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            meta.tables["dongs"].insert(),
            [
                {"dong_code": str(c), "name": str(n), "geom": shapely.to_wkb(g), "sample": False, "loaded_at": now}
                for c, n, g in zip(dongs["adm_cd2"], dongs["adm_nm"], dongs.geometry, strict=True)
            ],
        )
        people = staff.drop_duplicates("officer")
        conn.execute(
            meta.tables["staff"].insert(),
            [
                {"dong_code": str(d), "name": str(o), "team": "행정민원팀", "role": "주무관", "sort_order": i}
                for i, (d, o) in enumerate(zip(people["dong_code"], people["officer"], strict=True))
            ],
        )
        rows = written.to_dict("records")
        for start in range(0, len(rows), _CHUNK):
            conn.execute(POINT_TABLES["reports"].insert(), rows[start : start + _CHUNK])
    return written


def region_benchmark(data: dict, *, median_time: Timer, quick: bool) -> list[dict]:
    """구 현황 (the gu with the most generated dongs), 시 현황 (every dong), and the gu sheet's XLSX."""
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "region.sqlite")
        written = _fill(store, data)
        gus = written["dong_code"].str[:5]
        gu = str(data["dongs"].groupby("sgg").size().idxmax())
        dongs_in_gu = int((data["dongs"]["sgg"] == gu).sum())

        start, end = pd.Timestamp(f"{MONTH}-01"), pd.Timestamp(f"{MONTH}-01") + pd.offsets.MonthBegin(1)
        in_month = ((written["created_at"] >= start) & (written["created_at"] < end)).to_numpy()

        def baseline() -> int:  # the plain group-by over the whole report table, in memory
            month = written[(written["created_at"] >= start) & (written["created_at"] < end) & written["reported"]]
            return int(month.groupby(["dong_code", "field"]).size().sum())

        base_s, base_total = median_time(baseline)
        gu_s, gu_month = median_time(lambda: region_month_for(store, gu, month=MONTH, user=CLI_USER, today=TODAY))
        city_s, city_month = median_time(lambda: region_month_for(store, None, month=MONTH, user=CLI_USER, today=TODAY))
        xlsx_s, _ = median_time(lambda: export_region_xlsx(gu_month, Path(folder) / "gu.xlsx"))
        expected_gu = int(((gus == gu).to_numpy() & in_month & written["reported"].to_numpy()).sum())
        store.close()
    scale = "20 dongs" if quick else "425 dongs"
    return [
        {
            "name": f"구 현황, a {dongs_in_gu}-dong gu",
            "ours_s": gu_s,
            "baseline_s": base_s,
            "target": "≤ 0.5 s (store reads + every figure)",
            "passed": gu_s <= 0.5 and gu_month.total == expected_gu,
            "note": f"{gu_month.total:,} counted (expected {expected_gu:,}); baseline: pandas group-by of all dongs",
        },
        {
            "name": f"시 현황, {scale}",
            "ours_s": city_s,
            "baseline_s": base_s,
            "target": "≤ 1.5 s (store reads + every figure)",
            "passed": city_s <= 1.5 and city_month.total == base_total,
            "note": f"{city_month.total:,} counted (group-by {base_total:,})",
        },
        {
            "name": f"구 취합 XLSX, a {dongs_in_gu}-dong gu",
            "ours_s": xlsx_s,
            "baseline_s": None,
            "target": "≤ 2 s",
            "passed": xlsx_s <= 2,
            "note": "3 sheets, A4 landscape",
        },
    ]
