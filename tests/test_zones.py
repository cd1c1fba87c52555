"""mapping.zones: zones from tongs, and every check of the inputs.

Fixtures are drawn by hand in EPSG:5186: a 2×2 grid of 100 m squares,

    1 2
    3 4

so 1–2, 1–3, 2–4 and 3–4 share an edge and 1–4, 2–3 only a corner.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Polygon, box

from mapping.errors import CRSError, ValidationError
from mapping.zones import validate_assignments, validate_tongs, zones_from_tongs
from tests.helpers import (
    CELL,
    X0,
    Y0,
    area_frame,
    assert_each_tong_in_one_zone,
    assert_no_overlaps,
    assert_zone_invariants,
    assert_zones_are_their_tongs,
    problem_texts,
    square,
    staff_frame,
    tong_frame,
    without_crs,
)

GRID = {1: square(0, 1), 2: square(1, 1), 3: square(0, 0), 4: square(1, 0)}
DONG = shapely.union_all(list(GRID.values()))
# Square 1 with a zero-width spike sticking out of its top edge (invalid: self-intersection).
TOP = Y0 + 2 * CELL
SPIKED_1 = Polygon(
    [
        (X0, Y0 + CELL),
        (X0 + CELL, Y0 + CELL),
        (X0 + CELL, TOP),
        (X0 + 50, TOP),
        (X0 + 50, TOP + 50),
        (X0 + 50, TOP),
        (X0, TOP),
    ]
)


def grid(**replace: shapely.Geometry) -> gpd.GeoDataFrame:
    """The 2×2 grid with some tongs replaced: ``grid(t4=...)``."""
    geoms = dict(GRID) | {int(k[1:]): g for k, g in replace.items()}
    return tong_frame(geoms)


def pairs() -> pd.DataFrame:
    """Two officers with edge-sharing tongs, and one without tongs."""
    return staff_frame(("김하나", [1, 2], "이두리"), ("이두리", [3, 4], "김하나"), ("박세나", [], "김하나"))


def diagonal() -> pd.DataFrame:
    return staff_frame(("김하나", [1, 4], "이두리"), ("이두리", [2, 3], "김하나"))


def zones_for(tongs: gpd.GeoDataFrame, staff: pd.DataFrame, dong: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    return zones_from_tongs(tongs, staff, dong=dong)


# ---- building zones ----------------------------------------------------------


def test_one_zone_per_officer_with_tongs() -> None:
    zones = zones_for(grid(), pairs(), area_frame(DONG))
    assert list(zones["officer"]) == ["김하나", "이두리"]
    assert list(zones["zone_id"]) == ["Z01", "Z03"]
    assert [list(t) for t in zones["tongs"]] == [[1, 2], [3, 4]]
    assert list(zones["substitute"]) == ["이두리", "김하나"]
    assert list(zones["area_m2"]) == pytest.approx([20_000.0, 20_000.0], abs=0.1)


def test_adjacent_tongs_make_a_contiguous_zone_without_warnings() -> None:
    zones = zones_for(grid(), pairs(), area_frame(DONG))
    assert list(zones["contiguous"]) == [True, True]
    assert list(zones.geom_type) == ["Polygon", "Polygon"]
    assert zones.attrs["warnings"] == []


def test_diagonal_only_tongs_are_flagged_not_contiguous() -> None:
    zones = zones_for(grid(), diagonal(), area_frame(DONG))
    assert list(zones["contiguous"]) == [False, False]
    warnings = [str(w) for w in zones.attrs["warnings"]]
    assert len(warnings) == 2
    assert all(re.search(r"경고: .*서로 떨어져 있습니다", w) for w in warnings)
    assert any("김하나" in w and "1, 4" in w for w in warnings)
    assert list(zones["area_m2"]) == pytest.approx([20_000.0, 20_000.0], abs=0.1)


def test_staff_without_tongs_are_listed_not_zoned() -> None:
    zones = zones_for(grid(), pairs())
    assert zones.attrs["without_tongs"] == ["박세나"]
    assert "박세나" not in set(zones["officer"])


def test_unowned_tong_is_a_warning_only() -> None:
    staff = staff_frame(("김하나", [1, 2], None), ("이두리", [3], None))
    zones = zones_for(grid(), staff, area_frame(DONG))
    assert any(re.search(r"통 4을\(를\) 담당하는 직원이 없습니다", str(w)) for w in zones.attrs["warnings"])
    assert_each_tong_in_one_zone(zones, [1, 2, 3])


def test_zone_ids_follow_lowest_tong_not_staff_order() -> None:
    staff = staff_frame(("이두리", [4, 3], None), ("김하나", [2, 1], None))
    zones = zones_for(grid(), staff)
    assert list(zones["zone_id"]) == ["Z01", "Z03"]
    assert list(zones["officer"]) == ["김하나", "이두리"]
    assert [list(t) for t in zones["tongs"]] == [[1, 2], [3, 4]]


def test_inputs_are_not_mutated() -> None:
    tongs, staff, dong = grid(t1=SPIKED_1), pairs(), area_frame(DONG)
    before = tongs.copy(), staff.copy(deep=True), dong.copy()
    zones_for(tongs, staff, dong)
    assert list(tongs.geometry.to_wkb()) == list(before[0].geometry.to_wkb())
    assert not tongs.geometry.iloc[0].is_valid  # still the caller's own (invalid) shape
    pd.testing.assert_frame_equal(staff, before[1])
    assert list(dong.geometry.to_wkb()) == list(before[2].geometry.to_wkb())
    assert tongs.crs == before[0].crs


@pytest.mark.parametrize("staff", [pairs, diagonal])
def test_same_zones_whatever_the_input_crs(staff) -> None:
    metric = zones_for(grid(), staff(), area_frame(DONG))
    web = zones_for(grid().to_crs("EPSG:4326"), staff(), area_frame(DONG).to_crs("EPSG:4326"))
    assert web.crs == "EPSG:4326" and metric.crs == "EPSG:5186"
    assert list(web["zone_id"]) == list(metric["zone_id"])
    assert list(web["contiguous"]) == list(metric["contiguous"])
    for a, b in zip(web["area_m2"], metric["area_m2"], strict=True):
        assert a == pytest.approx(b, rel=1e-3)


def test_dong_in_another_crs_than_tongs_is_fine() -> None:
    zones = zones_for(grid(), pairs(), area_frame(DONG).to_crs("EPSG:5179"))
    assert len(zones) == 2


# ---- invariants ----------------------------------------------------------------


@pytest.mark.parametrize("staff", [pairs, diagonal])
def test_invariants_hold_on_hand_drawn_grid(staff) -> None:
    tongs = grid()
    assert_zone_invariants(zones_for(tongs, staff(), area_frame(DONG)), tongs)


def test_invariants_hold_on_the_sample_kit(sample_kit) -> None:
    zones = zones_from_tongs(sample_kit.tongs, sample_kit.staff, dong=sample_kit.dong)
    assert_zone_invariants(zones, sample_kit.tongs)
    owners = sample_kit.staff[sample_kit.staff["tongs"].map(bool)]
    assert len(zones) == len(owners)
    assert sorted(zones.attrs["without_tongs"]) == sorted(set(sample_kit.staff["name"]) - set(owners["name"]))


def test_invariant_helpers_catch_broken_zones() -> None:
    """The helpers fail on zones that break them (so passing means something)."""
    tongs = grid()
    zones = zones_for(tongs, pairs())
    doubled = zones.assign(tongs=[[1, 2], [2, 3, 4]])
    with pytest.raises(AssertionError, match="more than one zone"):
        assert_each_tong_in_one_zone(doubled, tongs["tong"])
    shrunk = zones.set_geometry([square(0, 1), zones.geometry.iloc[1]], crs=zones.crs)
    with pytest.raises(AssertionError, match="differs from its tongs"):
        assert_zones_are_their_tongs(shrunk, tongs)
    grown = zones.set_geometry([box(X0, Y0 + 50, X0 + 200, Y0 + 200), zones.geometry.iloc[1]], crs=zones.crs)
    with pytest.raises(AssertionError, match=r"overlap by 10000\.00 m²"):
        assert_no_overlaps(grown)


# ---- validation: one rule per fixture --------------------------------------------

OVERLAP_2 = box(X0 + CELL - 5, Y0 + CELL, X0 + 2 * CELL - 5, Y0 + 2 * CELL)  # 5 m into tong 1
SHRUNK_4 = box(X0 + CELL, Y0, X0 + 2 * CELL - 10, Y0 + CELL)  # leaves a 10 m × 100 m gap
BOWTIE = Polygon([(X0, Y0), (X0 + CELL, Y0 + CELL), (X0 + CELL, Y0), (X0, Y0 + CELL)])

VALIDATION_CASES = [
    pytest.param(
        [(1, GRID[1]), (2, GRID[2]), (3, GRID[3]), (3, GRID[4])],
        staff_frame(("김하나", [1, 2], None), ("이두리", [3], None)),
        None,
        r"\[통 3\]: 통 번호 3이\(가\) 2번 나옵니다",
        id="duplicate-tong-number",
    ),
    pytest.param(
        grid(t2=OVERLAP_2),
        pairs(),
        None,
        r"\[통 1\]: 통 1와\(과\) 통 2이\(가\) 500\.0 m² 겹칩니다",
        id="overlap",
    ),
    pytest.param(
        grid(t2=square(1, 1, grow_right=10)),
        pairs(),
        DONG,
        r"\[통 2\]: 동 경계 밖으로 1,000\.0 m² 나가 있습니다 \(1\d\d\.\d{5}, 37\.\d{5}\)",
        id="outside-dong",
    ),
    pytest.param(
        grid(t4=SHRUNK_4),
        pairs(),
        DONG,
        r"어느 통에도 속하지 않는 빈 곳 1,000\.0 m²가 있습니다",
        id="gap-in-dong",
    ),
    pytest.param(grid(t4=Polygon()), pairs(), None, r"\[통 4\]: 도형이 비어 있습니다", id="empty-geometry"),
    pytest.param(
        grid(t4=LineString([(X0, Y0), (X0 + 100, Y0)])),
        pairs(),
        None,
        r"\[통 4\]: 폴리곤이어야 하는데 LineString입니다",
        id="not-a-polygon",
    ),
    pytest.param(
        grid(),
        staff_frame(("김하나", [1, 2], None), ("이두리", [2, 3, 4], None)),
        None,
        r"통 2이\(가\) 여러 명에게 배정되었습니다: 김하나, 이두리",
        id="tong-assigned-twice",
    ),
    pytest.param(
        grid(),
        staff_frame(("김하나", [1, 2, 9], None), ("이두리", [3, 4], None)),
        None,
        r"김하나의 담당통 9은\(는\) 통 경계 파일에 없습니다",
        id="unknown-tong",
    ),
    pytest.param(
        grid(),
        staff_frame(("김하나", [1, 2], "유령"), ("이두리", [3, 4], None)),
        None,
        r"\[대직자\]: 대직자 '유령'는 직원 명단에 없습니다",
        id="substitute-not-in-staff",
    ),
    pytest.param(
        grid(),
        staff_frame(("김하나", [1, 2], "김하나"), ("이두리", [3, 4], None)),
        None,
        r"김하나의 대직자가 본인입니다",
        id="substitute-is-self",
    ),
]


@pytest.mark.parametrize(("tongs", "staff", "dong", "pattern"), VALIDATION_CASES)
def test_each_rule_is_reported(tongs, staff, dong, pattern) -> None:
    tongs = tongs if isinstance(tongs, gpd.GeoDataFrame) else tong_frame(tongs)
    with pytest.raises(ValidationError, match=pattern) as info:
        zones_for(tongs, staff, None if dong is None else area_frame(dong))
    matching = [p for p in info.value.problems if re.search(pattern, str(p))]
    assert len(matching) == 1
    assert matching[0].severity == "error"
    assert isinstance(info.value, ValueError)


def test_problems_below_one_square_metre_are_ignored() -> None:
    # 0.5 m² overlap between 1 and 2; 0.5 m² gap left by shrinking 4.
    tongs = grid(
        t2=box(X0 + CELL - 0.005, Y0 + CELL, X0 + 2 * CELL, Y0 + 2 * CELL),
        t4=box(X0 + CELL, Y0, X0 + 2 * CELL - 0.005, Y0 + CELL),
    )
    zones = zones_for(tongs, pairs(), area_frame(DONG))
    assert len(zones) == 2


def test_invalid_polygon_is_repaired_with_a_warning() -> None:
    zones = zones_for(grid(t1=SPIKED_1), pairs(), area_frame(DONG))
    warnings = [str(w) for w in zones.attrs["warnings"]]
    assert any(re.search(r"경고: tongs \[통 1\]: 유효하지 않은 폴리곤을 자동으로 고쳤습니다", w) for w in warnings)
    assert zones.is_valid.all()
    assert zones["area_m2"].iloc[0] == pytest.approx(20_000.0, abs=0.1)


def test_bowtie_is_repaired_to_its_two_triangles() -> None:
    fixed, problems = validate_tongs(grid(t3=BOWTIE))
    assert [p.severity for p in problems] == ["warning"]
    assert re.search(r"Self-intersection", problems[0].message)
    repaired = fixed.set_index("tong").geometry[3]
    assert repaired.is_valid and repaired.area == pytest.approx(CELL * CELL / 2)


@pytest.mark.parametrize(
    ("tongs", "dong"),
    [
        pytest.param(without_crs(grid()), None, id="tongs"),
        pytest.param(grid(), without_crs(area_frame(DONG)), id="dong"),
    ],
)
def test_missing_crs_is_refused(tongs, dong) -> None:
    with pytest.raises(CRSError, match=r"좌표계\(CRS\)가 없습니다"):
        zones_for(tongs, pairs(), dong)


def test_all_problems_of_one_input_come_in_one_error() -> None:
    staff = staff_frame(("김하나", [1, 2], "김하나"), ("이두리", [3, 4], "유령"))
    with pytest.raises(ValidationError, match=r"오류 3건") as info:
        zones_for(grid(t2=OVERLAP_2), staff)
    texts = problem_texts(info.value)
    assert len(info.value.problems) == 3, texts
    assert (
        [t for t in texts if "겹칩니다" in t]
        and [t for t in texts if "본인" in t]
        and [t for t in texts if "유령" in t]
    )
    assert all(t in str(info.value) for t in texts)


def test_validate_assignments_names_excel_rows() -> None:
    staff = staff_frame(("김하나", [1, 2], "김하나"), ("이두리", [3, 4], None)).assign(_row=[2, 3])
    (problem,) = validate_assignments([1, 2, 3, 4], staff)
    assert (problem.row, problem.column) == (2, "대직자")
    assert str(problem).startswith("오류: staff 2행 [대직자]:")


def test_validate_assignments_reads_tong_lists_written_as_text() -> None:
    staff = pd.DataFrame({"name": ["김하나", "이두리"], "tongs": ["1,2", "3, 4"], "substitute": [None, None]})
    assert validate_assignments([1, 2, 3, 4], staff) == []


def test_a_tong_given_to_two_nameless_rows_is_a_clear_problem() -> None:
    """Found by the hostile-input tests: two staff rows without a name sharing a tong."""
    from mapping.errors import ValidationError
    from tests.helpers import square, staff_frame, tong_frame

    staff = staff_frame((None, [1], None), (None, [1], None))
    with pytest.raises(ValidationError, match=r"통 1이\(가\) 여러 명에게 배정되었습니다: \(성명 없음\), \(성명 없음\)"):
        zones_from_tongs(tong_frame({1: square(0, 0)}), staff)


# ---- many dongs at once (a gu, or all of Seoul) -------------------------------


def _two_dongs(east_t4: shapely.Geometry | None = None) -> tuple[gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """The grid dong twice, side by side (the second moved 1 km east), as one city's inputs."""
    west = grid()
    east = grid(**({"t4": east_t4} if east_t4 is not None else {}))
    east["geometry"] = east.geometry.translate(1000, 0)
    tongs = pd.concat([west.assign(dong_code="A"), east.assign(dong_code="B")], ignore_index=True)
    staff = pd.concat([pairs().assign(dong_code="A"), pairs().assign(dong_code="B")], ignore_index=True)
    dongs = gpd.GeoDataFrame(
        {"dong_code": ["A", "B"]}, geometry=[DONG, shapely.affinity.translate(DONG, 1000, 0)], crs=west.crs
    )
    return gpd.GeoDataFrame(tongs, geometry="geometry", crs=west.crs), staff, dongs


def test_zones_for_dongs_gives_each_dong_the_zones_it_gets_alone() -> None:
    from mapping.zones import zones_for_dongs

    tongs, staff, dongs = _two_dongs()
    together = zones_for_dongs(tongs, staff, dongs)
    assert list(together["dong_code"]) == ["A", "A", "B", "B"]
    for code in ("A", "B"):
        alone = zones_from_tongs(
            tongs[tongs["dong_code"] == code].drop(columns="dong_code").reset_index(drop=True),
            staff[staff["dong_code"] == code].drop(columns="dong_code"),
            dong=dongs[dongs["dong_code"] == code],
        )
        mine = together[together["dong_code"] == code].reset_index(drop=True)
        assert list(mine["zone_id"]) == list(alone["zone_id"])
        assert list(mine["officer"]) == list(alone["officer"])
        assert list(mine["area_m2"]) == list(alone["area_m2"])
        assert all(a.equals(b) for a, b in zip(mine.geometry, alone.geometry, strict=True))
    assert together.attrs["without_tongs"] == ["박세나", "박세나"]


def test_zones_for_dongs_names_the_dong_of_each_problem() -> None:
    from mapping.zones import zones_for_dongs

    tongs, staff, dongs = _two_dongs(east_t4=box(195050, 551000, 195250, 551150))  # t4 overlaps t3 and t2 in B
    with pytest.raises(ValidationError) as caught:
        zones_for_dongs(tongs, staff, dongs)
    overlaps = [p for p in caught.value.problems if "겹칩니다" in p.message]
    assert overlaps and all(p.column.startswith("[B] 통") for p in overlaps)
    tongs, staff, dongs = _two_dongs()
    staff.loc[0, "substitute"] = "없는사람"
    with pytest.raises(ValidationError) as caught:
        zones_for_dongs(tongs, staff, dongs)
    (problem,) = caught.value.problems
    assert problem.message.startswith("[A] 대직자") and problem.column == "대직자"


def test_a_gap_is_found_even_when_a_hairline_overlap_balances_the_areas() -> None:
    # t4 reaches 7 mm over t3 (0.7 m², too thin to report) while a 1.1 m² corner of t2 is in no tong:
    # the areas nearly add up to the dong's, so only looking for the gap finds it
    x0, y0, x1, y1 = GRID[4].bounds
    t4 = box(x0 - 0.007, y0, x1, y1)
    *_, bx1, by1 = GRID[2].bounds
    t2 = GRID[2].difference(box(bx1 - 1.0, by1 - 1.1, bx1, by1))
    with pytest.raises(ValidationError) as caught:
        zones_for(grid(t4=t4, t2=t2), pairs(), area_frame(DONG))
    assert any("빈 곳 1.1 m²" in text for text in problem_texts(caught.value))
    assert not any("겹칩니다" in text for text in problem_texts(caught.value))


def test_tongs_off_their_dong_by_rounding_noise_pass_but_a_gap_beside_them_is_found() -> None:
    # tongs cut from a dong end a fraction of a micrometre outside it (floating-point noise): not an overhang
    x0, y0, x1, y1 = GRID[4].bounds
    noisy = box(x0, y0 - 3e-7, x1 + 3e-7, y1)  # reaches out of the dong's bottom and right edges
    zones = zones_for(grid(t4=noisy), pairs(), area_frame(DONG))
    assert len(zones) == 2 and not zones.attrs["warnings"]
    # the same noisy tong beside a real 1.1 m² gap in t2's corner: the gap is still reported
    *_, bx1, by1 = GRID[2].bounds
    t2 = GRID[2].difference(box(bx1 - 1.0, by1 - 1.1, bx1, by1))
    with pytest.raises(ValidationError) as caught:
        zones_for(grid(t4=noisy, t2=t2), pairs(), area_frame(DONG))
    assert any("빈 곳 1.1 m²" in text for text in problem_texts(caught.value))
    assert not any("밖으로" in text for text in problem_texts(caught.value))
