"""Seoul-scale benchmark data, deterministic: ``python -m bench.generate --out DIR [--quick]``.

From the real data: Seoul's 425 행정동 (``data/boundaries``) and, when ``../shared/data`` has it, the
~21,000 LOCALDATA medical points.  Derived: ~31 sample tongs per dong (the documented sample-tong
method, :func:`mapping.sample.sample_tongs`: ~13,000), zones of two neighbouring tongs (~6,600),
1,000,000 reports over a year clustered along streets (tong edges stand in for streets: points
lie within a few metres of them, denser around a few hot spots per dong), and 50,000 households.
``--quick`` takes 20 dongs and a proportional share of everything.  Generation is not timed.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from mapping.crs import METRIC_CRS, WEB_CRS
from mapping.domain import ACTIVITIES, FIELDS
from mapping.sample import sample_tongs

ROOT = Path(__file__).resolve().parent.parent
BOUNDARIES = ROOT / "data" / "boundaries" / "seoul_admdong_ver20210401.geojson"
MEDICAL = ROOT.parent / "shared" / "data" / "seoul_medical_localdata.csv"
FULL = {"dongs": 425, "tongs_per_dong": 31, "reports": 1_000_000, "households": 50_000}
QUICK_DONGS = 20
FIELD_SHARE = {
    "welfare": 0.43,
    "environment": 0.45,
    "safety": 0.02,
    "petition": 0.01,
    "promotion": 0.01,
    "general": 0.08,
}
SEED = 20261125
if set(FIELD_SHARE) != set(FIELDS.keys):  # the shares must name every field, and only those
    raise RuntimeError(f"FIELD_SHARE {sorted(FIELD_SHARE)} != FIELDS {sorted(FIELDS.keys)}")


def _dongs(count: int) -> gpd.GeoDataFrame:
    dongs = gpd.read_file(BOUNDARIES).sort_values("adm_cd2").reset_index(drop=True)
    return (
        dongs.iloc[:: max(1, len(dongs) // count)].head(count).reset_index(drop=True) if count < len(dongs) else dongs
    )


def _tongs(dongs: gpd.GeoDataFrame, per_dong: int) -> gpd.GeoDataFrame:
    parts = []
    for row in dongs.itertuples():
        one = gpd.GeoDataFrame({"adm_cd2": [row.adm_cd2]}, geometry=[row.geometry], crs=dongs.crs)
        tongs = sample_tongs(one, n=per_dong).to_crs(METRIC_CRS)
        parts.append(tongs.assign(dong_code=str(row.adm_cd2)))
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=METRIC_CRS)


def _assignments(tongs: gpd.GeoDataFrame) -> pd.DataFrame:
    """Two consecutive sample tongs per officer (the sample method numbers neighbours consecutively)."""
    staff = tongs[["dong_code", "tong"]].copy()
    staff["officer"] = staff["dong_code"] + "-" + ((staff["tong"] - 1) // 2 + 1).astype(str).str.zfill(3)
    return staff


def _street_points(tongs: gpd.GeoDataFrame, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points within ~8 m of tong edges (streets), more of them near a few hot spots."""
    edges = shapely.get_parts(shapely.boundary(tongs.geometry.values))
    lengths = shapely.length(edges)
    weights = lengths * rng.lognormal(0.0, 1.0, size=len(edges))  # some streets see far more reports
    pick = rng.choice(len(edges), size=n, p=weights / weights.sum())
    along = rng.random(n) * lengths[pick]
    base = shapely.line_interpolate_point(edges[pick], along)
    xy = shapely.get_coordinates(base) + rng.normal(0.0, 8.0, size=(n, 2))
    return xy


def generate(out: Path, *, quick: bool = False) -> dict[str, int]:
    """Write the benchmark data into ``out`` (GeoParquet and Parquet); returns the counts."""
    rng = np.random.default_rng(SEED)
    share = QUICK_DONGS / FULL["dongs"] if quick else 1.0
    dongs = _dongs(QUICK_DONGS if quick else FULL["dongs"])
    tongs = _tongs(dongs, FULL["tongs_per_dong"])
    staff = _assignments(tongs)
    n = int(FULL["reports"] * share)
    xy = _street_points(tongs, n, rng)
    seconds = rng.integers(0, 365 * 24 * 3600, size=n)
    reports = pd.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "created_at": pd.Timestamp("2026-01-01") + pd.to_timedelta(np.sort(seconds), unit="s"),
            "field": rng.choice(list(FIELD_SHARE), size=n, p=list(FIELD_SHARE.values())),
            "activity": rng.choice(list(ACTIVITIES.keys), size=n),
            "reported": rng.random(n) < 0.9,
        }
    )
    households = pd.DataFrame(
        {"x": (h := _street_points(tongs, int(FULL["households"] * share), rng))[:, 0], "y": h[:, 1]}
    )
    out.mkdir(parents=True, exist_ok=True)
    dongs.to_crs(METRIC_CRS).to_parquet(out / "dongs.parquet")
    tongs.to_parquet(out / "tongs.parquet")
    staff.to_parquet(out / "staff.parquet")
    reports.to_parquet(out / "reports.parquet")
    households.to_parquet(out / "households.parquet")
    counts = {
        "dongs": len(dongs),
        "tongs": len(tongs),
        "zones": staff["officer"].nunique(),
        "reports": n,
        "households": len(households),
    }
    if MEDICAL.exists():
        medical = pd.read_csv(MEDICAL, usecols=["category", "address", "lon", "lat", "adm_cd2"])
        codes = medical["adm_cd2"].astype("Int64").astype(str)  # read as floats (two points have none)
        medical = medical[codes.isin(set(dongs["adm_cd2"].astype(str)))]
        points = gpd.GeoDataFrame(medical, geometry=gpd.points_from_xy(medical["lon"], medical["lat"]), crs=WEB_CRS)
        points.to_crs(METRIC_CRS).to_parquet(out / "resources.parquet")
        counts["resources"] = len(points)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description="Seoul-scale benchmark data")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_DONGS} dongs and a proportional share")
    args = parser.parse_args()
    start = time.perf_counter()
    counts = generate(args.out, quick=args.quick)
    print(
        f"{args.out}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + f" ({time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main()
