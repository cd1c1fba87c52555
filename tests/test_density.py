"""Density: report counts per zone or tong for a month, map classes, the choropleth and its CLI."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from mapping.cli import main
from mapping.density import (
    PALETTE,
    ZERO_COLOUR,
    Classes,
    classify,
    count_reports,
    jenks_bounds,
    previous_month,
    tong_span,
    unit_labels,
    unit_reports,
)
from mapping.layers import build_density_layer, build_map, density_legend_html
from tests.conftest import SAMPLE_CODE

# three 100 m × 100 m zones side by side (EPSG:5186): 0.01 km² each
ZONES = gpd.GeoDataFrame(
    {"zone_id": ["Z01", "Z02", "Z03"]},
    geometry=[shapely.box(200_000 + 100 * i, 550_000, 200_100 + 100 * i, 550_100) for i in range(3)],
    crs="EPSG:5186",
)


def report(
    zone: str, day: str, field: str = "environment", activity: str = "listening", status: str = "closed"
) -> dict:
    return {
        "zone_id": zone,
        "tong": None,
        "created_at": pd.Timestamp(day),
        "field": field,
        "activity": activity,
        "status": status,
    }


REPORTS = pd.DataFrame(
    [
        report("Z01", "2026-10-01"),
        report("Z01", "2026-10-15", field="welfare"),
        report("Z01", "2026-10-31 23:59"),
        report("Z02", "2026-10-05", status="received"),
        report("Z02", "2026-09-30"),  # the month before
        report("Z02", "2026-09-01"),
        report("Z03", "2026-11-01"),  # the month after
    ]
)


def test_counts_equal_a_hand_count_with_change_against_the_month_before():
    table = count_reports(REPORTS, ZONES, month="2026-10").set_index("zone_id")
    assert table.loc[["Z01", "Z02", "Z03"], "count"].tolist() == [3, 1, 0]
    assert table.loc[["Z01", "Z02", "Z03"], "previous"].tolist() == [0, 2, 0]
    assert table.loc[["Z01", "Z02", "Z03"], "change"].tolist() == [3, -1, 0]
    assert table.loc["Z01", "per_km2"] == pytest.approx(300.0)
    assert list(count_reports(REPORTS, ZONES, month="2026-10")["zone_id"]) == ["Z01", "Z02", "Z03"]  # most first


def test_filters_by_field_activity_and_status():
    assert count_reports(REPORTS, ZONES, month="2026-10", fields=["welfare"]).set_index("zone_id")["count"].to_dict() == {
        "Z01": 1, "Z02": 0, "Z03": 0,
    }  # fmt: skip
    only_open = count_reports(REPORTS, ZONES, month="2026-10", statuses=["received"]).set_index("zone_id")
    assert only_open["count"].to_dict() == {"Z01": 0, "Z02": 1, "Z03": 0}
    with pytest.raises(ValueError, match="zone"):
        count_reports(REPORTS, ZONES, by="dong", month="2026-10")


def test_per_tong_on_the_sample_adds_up_to_per_zone(sample_store):
    reports = sample_store.reports(SAMPLE_CODE)
    month = reports["created_at"].max().strftime("%Y-%m")
    by_zone = count_reports(reports, sample_store.zones(SAMPLE_CODE), month=month)
    by_tong = count_reports(reports, sample_store.tongs(SAMPLE_CODE), by="tong", month=month)
    in_month = (reports["created_at"].dt.strftime("%Y-%m") == month).sum()
    assert by_zone["count"].sum() == by_tong["count"].sum() == in_month > 0


def test_previous_month_crosses_the_year():
    assert previous_month("2026-01") == "2025-12"


def test_classes_cover_every_value_and_label_their_ranges():
    few = classify([0, 0, 1, 3])
    assert few.labels == ("0건", "1건", "3건") and few.colour_of(3) == few.colours[-1]
    many = classify(range(0, 40), k=5)
    assert len(many.bounds) == 6 and list(many.bounds) == sorted(many.bounds) and many.bounds[-1] == 39
    assert many.labels[:2] == ("0건", "1–7건") and many.labels[-1].endswith("39건")
    assert many.colour_of(1) == many.colours[1] and many.colour_of(39) == many.colours[-1] == PALETTE[-1]


def test_zero_has_a_pale_class_of_its_own_never_the_strongest_red():
    two = classify([0, 0, 14])  # a month where most zones had nothing: 0 was painted in the darkest class
    assert two.labels == ("0건", "14건")
    assert two.colour_of(0) == ZERO_COLOUR != two.colour_of(14) == PALETTE[-1]
    assert classify([0, 0, 0]) == Classes((0.0,), (ZERO_COLOUR,), ("0건",))  # nothing at all: one pale class
    dense = classify([0.0, 12.5, 80.0], unit="건/km²")
    assert dense.labels[0] == "0.0건/km²" and dense.colour_of(0) == ZERO_COLOUR
    assert ZERO_COLOUR not in classify([1, 2, 3]).colours  # no zero: no zero class
    assert classify([]) == Classes((), (), ())


def test_zones_are_called_by_their_officer_and_tongs():
    zones = pd.DataFrame(
        {"zone_id": ["Z01", "Z02", "Z03"], "officer": ["한서윤", None, "노아린"], "tongs": [[1, 7], [2, 3, 4, 8], None]}
    )
    labelled = unit_labels(zones[["zone_id"]], by="zone", zones=zones)
    assert list(labelled["label"]) == ["한서윤 · 1, 7통", "담당 없음 · 2–4, 8통", "노아린 · 통 없음"]
    assert list(labelled["unit"]) == ["Z01", "Z02", "Z03"]  # what a click reports: the zone, not its label
    tongs = unit_labels(pd.DataFrame({"tong": [7, 3, 99]}), by="tong", zones=zones)
    assert list(tongs["label"]) == ["7통 · 한서윤", "3통 · 담당 없음", "99통 · 담당 없음"]
    assert list(tongs["unit"]) == ["7", "3", "99"]
    assert tong_span([5, 6]) == "5, 6통" and tong_span([3, 1, 2, 2]) == "1–3통"
    with pytest.raises(ValueError, match="'zone' 또는 'tong'"):
        unit_labels(zones, by="dong", zones=zones)


def test_a_clicked_units_reports_are_the_ones_its_count_counts():
    table = count_reports(REPORTS, ZONES, month="2026-10", fields=["environment"]).set_index("zone_id")
    for zone in ("Z01", "Z02", "Z03"):
        listed = unit_reports(REPORTS, unit=zone, month="2026-10", fields=["environment"])
        assert len(listed) == table.loc[zone, "count"] and set(listed["zone_id"]) <= {zone}
    assert len(unit_reports(REPORTS, unit="Z02", month="2026-09", until="2026-10")) == 3
    by_tong = REPORTS.assign(tong=[7, 7, 3, 3, 3, 3, 7])
    assert len(unit_reports(by_tong, by="tong", unit="7", month="2026-10")) == 2
    with pytest.raises(ValueError, match="'zone' 또는 'tong'"):
        unit_reports(REPORTS, by="dong", unit="Z01", month="2026-10")


def test_density_layer_renders_one_feature_per_unit_and_a_legend():
    table = count_reports(REPORTS, ZONES, month="2026-10")
    units = ZONES.merge(table, on="zone_id").assign(label=lambda t: t["zone_id"])
    classes = classify(units["count"])
    legend = density_legend_html(classes, what="10월 보고 건수")
    html = (
        build_map([build_density_layer(units, classes=classes)], bounds=ZONES, legend=legend, tiles="none")
        .get_root()
        .render()
    )
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda x: chr(int(x.group(1), 16)), html)
    palette, rows = json.loads(re.search(r"var data = (\[.*\]);", decoded).group(1))
    assert sorted(row[0].split(":")[0] for row in rows) == ["Z01", "Z02", "Z03"]
    colours = {row[0].split(":")[0]: palette[row[1]] for row in rows}
    assert colours["Z01"] == classes.colour_of(3) != colours["Z03"] == classes.colour_of(0)
    assert "10월 보고 건수" in decoded and all(label in decoded for label in classes.labels)


def test_cli_density_writes_a_map_that_works_beside_its_assets(sample_store, tmp_path, capsys):
    db = sample_store.url.removeprefix("sqlite:///")
    out = tmp_path / "density" / "october.html"
    assert main(["density", "--month", "2026-10", "--field", "환경", "--out", str(out), "--db", db]) == 0
    assert out.exists() and (out.parent / "vendor" / "leaflet" / "leaflet.js").exists()
    assert 'src="vendor/leaflet/leaflet.js"' in out.read_text(encoding="utf-8")
    assert "2026-10 보고 건수 · 구역별 · 환경" in capsys.readouterr().out
    assert main(["density", "--month", "2026-13", "--out", str(out), "--db", db]) == 2
    assert main(["density", "--month", "2026-10", "--field", "날씨", "--out", str(out), "--db", db]) == 2


def test_counts_do_not_need_a_spatial_join():
    """Reports far away from every zone still count for the zone they were filed in."""
    far = pd.DataFrame([report("Z03", "2026-10-02")] * 4)
    assert count_reports(far, ZONES, month="2026-10").set_index("zone_id").loc["Z03", "count"] == 4


def test_a_range_counts_every_month_in_it_against_the_same_length_before():
    table = count_reports(REPORTS, ZONES, month="2026-10", until="2026-11").set_index("zone_id")
    assert table["count"].to_dict() == {"Z01": 3, "Z02": 1, "Z03": 1}  # October and November
    assert table["previous"].to_dict() == {"Z01": 0, "Z02": 2, "Z03": 0}  # August and September
    with pytest.raises(ValueError, match="거꾸로"):
        count_reports(REPORTS, ZONES, month="2026-11", until="2026-10")


def test_heat_layer_carries_positions_only(sample_store):
    from mapping.layers import build_heat_layer

    reports = sample_store.reports(SAMPLE_CODE).assign(memo="비밀 메모")
    html = (
        build_map([build_heat_layer(reports)], bounds=sample_store.dong(SAMPLE_CODE), tiles="none").get_root().render()
    )
    decoded = re.sub(r"\\u([0-9a-fA-F]{4})", lambda x: chr(int(x.group(1), 16)), html)
    assert "L.heatLayer(" in html and "vendor/heat/leaflet-heat.js" in html and "비밀 메모" not in decoded


def test_cli_density_range_and_heatmap(sample_store, tmp_path, capsys):
    db = sample_store.url.removeprefix("sqlite:///")
    out = tmp_path / "d.html"
    assert (
        main(["density", "--month", "2026-09", "--until", "2026-10", "--heatmap", "--out", str(out), "--db", db]) == 0
    )
    assert "2026-09~2026-10" in capsys.readouterr().out and "L.heatLayer(" in out.read_text(encoding="utf-8")
    assert main(["density", "--month", "2026-10", "--until", "2026-09", "--out", str(out), "--db", db]) == 2


def test_drawn_units_keep_their_shared_edges() -> None:
    """Simplified together: a wiggly shared edge is straightened the same way on both sides (no sliver)."""
    import geopandas as gpd
    import shapely

    from mapping.crs import METRIC_CRS
    from mapping.density import simplified_units

    x0, y0 = 195_000.0, 551_000.0
    edge = [(x0 + 100 + (1.5 if i % 2 else -1.5), y0 + i * 5.0) for i in range(21)]  # a 3 m zig-zag, 100 m long
    left = shapely.Polygon([(x0, y0), *edge, (x0, y0 + 100)])
    right = shapely.Polygon([*edge, (x0 + 200, y0 + 100), (x0 + 200, y0)])
    units = gpd.GeoDataFrame({"label": ["A", "B"]}, geometry=[left, right], crs=METRIC_CRS)
    drawn = simplified_units(units).to_crs(METRIC_CRS).geometry.values
    assert sum(len(g.exterior.coords) for g in drawn) < len(left.exterior.coords) + len(right.exterior.coords)
    assert shapely.area(drawn).sum() == pytest.approx(shapely.union_all(drawn).area, abs=1.0)  # no overlap
    assert shapely.get_num_interior_rings(shapely.union_all(drawn)) == 0  # no gap
    assert shapely.union_all(drawn).area == pytest.approx(left.area + right.area, rel=1e-3)


def _within_class_deviation(data: np.ndarray, bounds: tuple[float, ...]) -> float:
    total, low = 0.0, -np.inf
    for bound in bounds:
        part = data[(data > low) & (data <= bound)]
        total += float(((part - part.mean()) ** 2).sum()) if len(part) else 0.0
        low = bound
    return total


@pytest.mark.parametrize("seed", range(12))
def test_classes_are_as_good_as_exact_fisher_jenks(seed):
    import warnings

    import mapclassify

    rng = np.random.default_rng(seed)
    data = rng.poisson(rng.uniform(1, 30), 200).astype(float) if seed % 2 else rng.gamma(2, 3, 200).round(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        exact = tuple(float(b) for b in mapclassify.FisherJenks(data, k=5).bins)
    ours = jenks_bounds(data, k=5)
    assert list(ours) == sorted(ours) and ours[-1] == data.max()
    assert _within_class_deviation(data, ours) == pytest.approx(_within_class_deviation(data, exact), rel=1e-9)


def test_classes_of_thousands_of_zones_are_optimal_and_the_same_every_time():
    counts = (np.arange(6_800) * 7919) % 97  # a city's zones: 97 distinct counts, classified exactly
    first = classify(counts)
    assert first == classify(counts) and first.bounds[-1] == 96 and len(first.bounds) == 1 + 5  # 0, then 5 classes
    small = counts[:300].astype(float)  # the exact method agrees where it can run
    assert _within_class_deviation(small, jenks_bounds(small)) == pytest.approx(
        _within_class_deviation(small, jenks_bounds(small, most=10**9)), rel=1e-12
    )
    densities = np.random.default_rng(3).gamma(2, 30, 6_800)  # thousands of distinct values: pooled first
    pooled, exact = jenks_bounds(densities), jenks_bounds(densities, most=10**9)
    assert pooled == jenks_bounds(densities) and pooled[-1] == densities.max() and len(set(pooled)) == 5
    assert np.allclose(pooled, exact, rtol=0.005)  # what the legend shows moves by under 0.5 %
    deviation = _within_class_deviation(densities, pooled)
    assert deviation <= 1.001 * _within_class_deviation(densities, exact)


def test_too_few_values_for_the_classes_is_a_clear_error_and_heavy_values_stay_exact():
    with pytest.raises(ValueError, match="서로 다른 값이 5개 이상"):
        jenks_bounds([1, 2, 3], k=5)
    heavy = np.r_[np.full(10**6, 50.0), np.linspace(0, 100, 3_001)]  # pooling would leave 2 groups
    assert len(set(jenks_bounds(heavy))) == 5 and jenks_bounds(heavy)[-1] == 100.0
