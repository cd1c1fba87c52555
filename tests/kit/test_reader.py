"""Reading and checking a dong kit (mapping.kit.reader.read_kit): the sample kit and kits broken on purpose."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from mapping.cli import main as cli_main
from mapping.errors import Problem, ValidationError
from mapping.kit.limits import MAX_FEATURE_VERTICES, MAX_FILE_BYTES, MAX_FILE_VERTICES, geometry_file_problems
from mapping.kit.reader import Kit, read_kit, read_zone_inputs, unpack_uploads
from tests.conftest import SAMPLE_KIT
from tests.helpers import MB, deflated_repeat, zip_bytes

UTF8_BOM = "utf-8-sig"
# Encoding of each CSV of the shipped kit; rewrites keep it unless a test is about encoding.
ENCODINGS = {"staff.csv": UTF8_BOM, "resources.csv": UTF8_BOM, "blind_spots.csv": UTF8_BOM, "households.csv": "cp949"}


# ---- helpers -------------------------------------------------------------
def read_csv(path: Path, encoding: str | None = None) -> pd.DataFrame:
    """A kit CSV as a frame of strings, exactly as written (no NaN)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding or ENCODINGS[path.name])


def write_csv(frame: pd.DataFrame, path: Path, encoding: str | None = None) -> None:
    frame.to_csv(path, index=False, encoding=encoding or ENCODINGS[path.name])


def edit_csv(path: Path, change: Callable[[pd.DataFrame], object]) -> None:
    """Rewrite a kit CSV in its own encoding after ``change`` (which edits in place or returns a new frame)."""
    frame = read_csv(path)
    changed = change(frame)
    write_csv(changed if isinstance(changed, pd.DataFrame) else frame, path)


def edit_reports(kit: Path, change: Callable[[pd.DataFrame], object]) -> None:
    """Rewrite reports.xlsx after ``change`` (which edits in place or returns a new frame)."""
    frame = pd.read_excel(kit / "reports.xlsx", dtype=object)
    changed = change(frame)
    (changed if isinstance(changed, pd.DataFrame) else frame).to_excel(kit / "reports.xlsx", index=False)


def edit_tongs(kit: Path, change: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame | None]) -> None:
    tongs = gpd.read_file(kit / "tongs.geojson")
    changed = change(tongs)
    (kit / "tongs.geojson").unlink()
    (tongs if changed is None else changed).to_file(kit / "tongs.geojson", driver="GeoJSON")


def set_cell(frame: pd.DataFrame, name: str, column: str, value: object) -> int:
    """Set ``column`` of the row whose 성명 is ``name``; return that row's Excel row number."""
    index = frame.index[frame["성명"] == name][0]
    frame.loc[index, column] = value
    return int(index) + 2


def edit_staff(kit: Path, name: str, column: str, value: str) -> int:
    """Change one cell of staff.csv; return the Excel row number of the changed row."""
    rows: list[int] = []
    edit_csv(kit / "staff.csv", lambda f: rows.append(set_cell(f, name, column, value)))
    return rows[0]


def problems_of(kit: Path) -> list[Problem]:
    """The problems of a kit that must be refused."""
    with pytest.raises(ValidationError, match="오류") as info:
        read_kit(kit)
    return info.value.problems


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def matching(
    problems: list[Problem],
    *,
    file: str,
    column: str | None = None,
    row: int | str | None = "any",
    contains: tuple[str, ...] = (),
    severity: str = "error",
) -> list[Problem]:
    """Problems with this file, column, row (``"any"``: not checked) and words in the message."""
    return [
        p
        for p in problems
        if p.file == file
        and p.column == column
        and (row == "any" or p.row == row)
        and p.severity == severity
        and all(word in p.message for word in contains)
    ]


def assert_problem(problems: list[Problem], **where: object) -> Problem:
    found = matching(problems, **where)  # type: ignore[arg-type]
    assert found, f"no problem like {where} in:\n" + "\n".join(map(str, problems))
    return found[0]


def metric(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs("EPSG:5186")


def write_shapefile(tongs: gpd.GeoDataFrame, folder: Path, *, encoding: str | None = None) -> list[Path]:
    """Write ``tongs`` as ``folder/tongs.shp`` (+ .shx, .dbf, .prj, .cpg); return the files."""
    folder.mkdir(parents=True, exist_ok=True)
    kwargs = {"encoding": encoding} if encoding else {}
    tongs.to_file(folder / "tongs.shp", driver="ESRI Shapefile", **kwargs)
    return sorted(folder.glob("tongs.*"))


def put_shapefile(kit: Path, files: list[Path], *, zipped: bool) -> None:
    """Replace the kit's tongs.geojson by a shapefile, loose or zipped."""
    (kit / "tongs.geojson").unlink()
    if zipped:
        with zipfile.ZipFile(kit / "tongs.zip", "w") as archive:
            for path in files:
                archive.write(path, path.name)
    else:
        for path in files:
            shutil.copy(path, kit / path.name)


def bowtie(polygon: shapely.Polygon, size: float = 1.0) -> shapely.Polygon:
    """``polygon`` (metric CRS) with a small bow-tie twist in its first edge: self-intersecting.

    Along the first edge the ring goes S → S+u+n → S+n → S+u, so the two diagonals cross; the
    repaired polygon differs from the original by about ``size²/2`` m², below the 1 m² tolerance.
    """
    ring = list(polygon.exterior.coords)
    a, b = np.array(ring[0]), np.array(ring[1])
    u = (b - a) / np.linalg.norm(b - a)
    n = np.array([-u[1], u[0]])
    start = a + u * 10 * size
    if not polygon.contains(shapely.Point(start + n * size / 2)):
        n = -n
    twist = [start, start + (u + n) * size, start + n * size, start + u * size]
    return shapely.Polygon([tuple(a), *map(tuple, twist), *ring[1:]])


# ---- the shipped sample kit ---------------------------------------------
def test_sample_kit_reads_without_problems(sample_kit: Kit) -> None:
    assert sample_kit.adm_cd2 == "1144073000"
    assert sample_kit.adm_nm == "서울특별시 마포구 성산2동"
    assert list(sample_kit.tongs["tong"]) == list(range(1, 37))
    assert len(sample_kit.staff) == 20
    assert {name: len(t) for name, t in sample_kit.tables.items()} == {
        "resources": 48,
        "reports": 90,
        "households": 24,
        "blind_spots": 12,
    }
    assert sample_kit.warnings == []
    assert all(str(t.crs) == "EPSG:4326" for t in [sample_kit.dong, sample_kit.tongs, *sample_kit.tables.values()])


def test_sample_staff_csv_with_bom_reads_first_column(sample_kit: Kit) -> None:
    first = sample_kit.staff.iloc[0]
    assert (first["team"], first["name"], first["role"]) == ("동장", "한서윤", "dong_head")
    assert first["duties"] == ["self_governance", "village"]
    assert first["tongs"] == [1, 7]
    assert first["substitute"] == "엄채원"
    assert sample_kit.staff["tongs"].iloc[7] is None  # 신유나: no zone


def test_sample_households_cp949_korean_intact(sample_kit: Kit) -> None:
    raw = (SAMPLE_KIT / "households.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # the file really is CP949
    households = sample_kit.tables["households"]
    assert households["name"].str.startswith("가상주민").all()
    assert households["address"].str.startswith("서울특별시 마포구 성산동").all()
    assert set(households["kind"]) == {"move_in", "care_needed"}
    second = households.iloc[1]
    assert (second["name"], second["traits"], second["visit_every_days"]) == ("가상주민02", ["한부모"], 7)
    assert second["last_visit"] == dt.date(2026, 11, 2)


def test_sample_reports_xlsx(sample_kit: Kit) -> None:
    reports = sample_kit.tables["reports"]
    first = reports.iloc[0]
    assert first["created_at"] == dt.datetime(2026, 10, 5, 16, 30)
    assert first["finder"] == "한서윤"
    assert first["memo"] == "[샘플] 하수구 냄새 민원"
    assert (first["activity"], first["field"], first["status"], first["reported"]) == (
        "listening",
        "environment",
        "closed",
        True,
    )
    assert set(reports["finder"]) <= set(sample_kit.staff["name"])
    assert reports.geometry.within(sample_kit.dong.geometry.iloc[0]).all()


def test_sample_resources_5174_converted_with_datum_shift(sample_kit: Kit) -> None:
    raw = read_csv(SAMPLE_KIT / "resources.csv")
    to_wgs = Transformer.from_crs("EPSG:5174", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(raw["x"].astype(float).to_numpy(), raw["y"].astype(float).to_numpy())
    resources = sample_kit.tables["resources"]
    np.testing.assert_allclose(resources.geometry.x, lon, atol=1e-6)
    np.testing.assert_allclose(resources.geometry.y, lat, atol=1e-6)


def test_missing_folder() -> None:
    with pytest.raises(ValidationError, match="폴더가 없습니다"):
        read_kit(SAMPLE_KIT.parent / "no_such_kit")


# ---- staff.csv problems ----------------------------------------------------
def test_missing_required_column(kit_copy: Path) -> None:
    edit_csv(kit_copy / "staff.csv", lambda f: f.drop(columns="성명"))
    problem = assert_problem(problems_of(kit_copy), file="staff.csv", column="성명", row=None)
    assert "필수 열" in problem.message
    assert "팀명" in problem.message  # lists the columns that are there


def test_staff_tong_not_in_tongs_file(kit_copy: Path) -> None:
    assert edit_staff(kit_copy, "오민재", "담당통", "2,99") == 3
    problems = problems_of(kit_copy)
    assert_problem(problems, file="staff.csv", row=3, column="담당통", contains=("99", "오민재"))
    assert len(errors(problems)) == 1
    # tong 4 lost its officer: only a warning
    assert_problem(problems, file="staff.csv", column="담당통", contains=("통 8",), severity="warning")


def test_same_tong_for_two_officers(kit_copy: Path) -> None:
    edit_staff(kit_copy, "오민재", "담당통", "2,8,3")  # 3 is 강도윤's
    problems = problems_of(kit_copy)
    assert_problem(problems, file="staff.csv", column="담당통", contains=("통 3", "오민재", "강도윤"))
    assert len(errors(problems)) == 1


def test_substitute_not_in_staff(kit_copy: Path) -> None:
    edit_staff(kit_copy, "오민재", "대직자", "홍길동")
    assert_problem(problems_of(kit_copy), file="staff.csv", row=3, column="대직자", contains=("홍길동",))


def test_substitute_is_oneself(kit_copy: Path) -> None:
    edit_staff(kit_copy, "오민재", "대직자", "오민재")
    assert_problem(problems_of(kit_copy), file="staff.csv", row=3, column="대직자", contains=("오민재", "본인"))


def test_duplicate_staff_names(kit_copy: Path) -> None:
    edit_staff(kit_copy, "신유나", "성명", "오민재")
    assert_problem(problems_of(kit_copy), file="staff.csv", column="성명", contains=("오민재", "두 번"))


def test_bad_vocabulary_value_names_row_and_column(kit_copy: Path) -> None:
    edit_staff(kit_copy, "강도윤", "역할", "과장")
    assert_problem(problems_of(kit_copy), file="staff.csv", row=4, column="역할", contains=("과장", "주무관"))


# ---- coordinates -------------------------------------------------------------
def test_unparsable_coordinates(kit_copy: Path) -> None:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[2, "경도"] = "abc"

    edit_csv(kit_copy / "blind_spots.csv", change)
    problems = problems_of(kit_copy)
    assert_problem(problems, file="blind_spots.csv", row=4, column="경도", contains=("abc",))
    assert len(errors(problems)) == 1


def test_swapped_lon_lat_hint(kit_copy: Path) -> None:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[0, ["경도", "위도"]] = frame.loc[0, ["위도", "경도"]].to_numpy()

    edit_csv(kit_copy / "blind_spots.csv", change)
    assert_problem(problems_of(kit_copy), file="blind_spots.csv", row=2, column="경도", contains=("바뀐",))


def test_point_outside_dong_is_only_a_warning(kit_copy: Path) -> None:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[0, ["경도", "위도"]] = ["126.98", "37.57"]  # 종로, in Seoul but not in 성산2동

    edit_csv(kit_copy / "blind_spots.csv", change)
    kit = read_kit(kit_copy)
    assert len(kit.tables["blind_spots"]) == 12
    assert [(p.row, p.column) for p in kit.warnings if "경계 밖" in p.message] == [(2, "경도")]


# ---- encodings -------------------------------------------------------------
@pytest.mark.parametrize("name", ["staff.csv", "blind_spots.csv"])
def test_utf16_csv_refused(kit_copy: Path, name: str) -> None:
    text = (kit_copy / name).read_text(encoding=ENCODINGS[name])
    (kit_copy / name).write_text(text, encoding="utf-16")
    problem = assert_problem(problems_of(kit_copy), file=name, row=None, column=None, contains=("인코딩",))
    assert "CSV UTF-8" in problem.message


def test_random_bytes_refused(kit_copy: Path) -> None:
    junk = bytes(b for b in random.Random(5).randbytes(3000) if b)
    for encoding in ("utf-8", "cp949"):
        with pytest.raises(UnicodeDecodeError):
            junk.decode(encoding)
    (kit_copy / "blind_spots.csv").write_bytes(junk)
    assert_problem(problems_of(kit_copy), file="blind_spots.csv", row=None, column=None, contains=("인코딩",))


# ---- tongs ----------------------------------------------------------------
def test_bowtie_tong_repaired_with_warning(kit_copy: Path, sample_kit: Kit) -> None:
    original = metric(sample_kit.tongs).geometry.iloc[0]

    def change(tongs: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        tongs = metric(tongs)
        tongs.loc[0, "geometry"] = bowtie(tongs.geometry.iloc[0])
        assert not tongs.geometry.iloc[0].is_valid
        return tongs.to_crs("EPSG:4326")

    edit_tongs(kit_copy, change)
    kit = read_kit(kit_copy)
    assert [(p.file, p.column) for p in kit.warnings] == [("tongs.geojson", "통 1")]
    assert "자동으로 고쳤습니다" in kit.warnings[0].message
    repaired = metric(kit.tongs).set_index("tong").geometry.loc[1]
    assert repaired.is_valid
    assert repaired.symmetric_difference(original).area < 1.0


def test_degenerate_tong_is_an_error(kit_copy: Path) -> None:
    def change(tongs: gpd.GeoDataFrame) -> None:
        c = tongs.geometry.iloc[4].centroid
        tongs.loc[4, "geometry"] = shapely.Polygon([(c.x, c.y), (c.x + 0.001, c.y), (c.x + 0.002, c.y)])

    edit_tongs(kit_copy, change)
    assert_problem(problems_of(kit_copy), file="tongs.geojson", column="통 5", contains=("고칠 수 없습니다",))


def test_duplicate_tong_numbers(kit_copy: Path) -> None:
    def change(tongs: gpd.GeoDataFrame) -> None:
        tongs.loc[tongs["tong"] == 2, "tong"] = 1

    edit_tongs(kit_copy, change)
    assert_problem(problems_of(kit_copy), file="tongs.geojson", column="통 1", contains=("통 번호 1", "2번"))


# ---- reports ----------------------------------------------------------------
def _unknown_finder(kit: Path) -> None:
    def change(frame: pd.DataFrame) -> None:
        frame.loc[3, "작성자"] = "김없음"  # Excel row 5

    edit_reports(kit, change)


def test_report_finder_not_in_staff(kit_copy: Path) -> None:
    _unknown_finder(kit_copy)
    problems = problems_of(kit_copy)
    [problem] = errors(problems)
    assert (problem.row, problem.column) == (5, "작성자")
    assert "김없음" in problem.message


def test_report_finder_problem_names_the_file(kit_copy: Path) -> None:
    _unknown_finder(kit_copy)
    assert_problem(problems_of(kit_copy), file="reports.xlsx", row=5, column="작성자", contains=("김없음",))


def test_excel_date_cells_accepted(kit_copy: Path, sample_kit: Kit) -> None:
    def change(frame: pd.DataFrame) -> None:
        frame["일시"] = pd.to_datetime(frame["일시"])  # real Excel datetime cells

    edit_reports(kit_copy, change)
    kit = read_kit(kit_copy)
    assert list(kit.tables["reports"]["created_at"]) == list(sample_kit.tables["reports"]["created_at"])


# ---- all problems at once ---------------------------------------------------
def test_every_problem_reported_at_once(kit_copy: Path) -> None:
    edit_staff(kit_copy, "오민재", "대직자", "홍길동")

    def bad_point(frame: pd.DataFrame) -> None:
        frame.loc[1, "경도"] = "abc"

    def bad_type(frame: pd.DataFrame) -> None:
        frame.loc[0, "유형"] = "우주정거장"

    edit_csv(kit_copy / "blind_spots.csv", bad_point)
    edit_csv(kit_copy / "resources.csv", bad_type)
    with pytest.raises(ValidationError, match="오류 3건") as info:
        read_kit(kit_copy)
    found = sorted((p.file, p.row, p.column) for p in errors(info.value.problems))
    assert found == [("blind_spots.csv", 3, "경도"), ("resources.csv", 2, "유형"), ("staff.csv", 3, "대직자")]


# ---- accepted variants --------------------------------------------------------
STAFF_ALIASES = {
    "팀명": "team",
    "성명": "name",
    "역할": "role",
    "담당업무": "duties",
    "연락처": "phone",
    "담당통": "tongs",
    "대직자": "substitute",
}


def test_english_header_aliases(kit_copy: Path, sample_kit: Kit) -> None:
    edit_csv(kit_copy / "staff.csv", lambda f: f.rename(columns=STAFF_ALIASES))
    pd.testing.assert_frame_equal(read_kit(kit_copy).staff, sample_kit.staff)


def test_header_spacing_and_case_ignored(kit_copy: Path, sample_kit: Kit) -> None:
    edit_csv(kit_copy / "staff.csv", lambda f: f.rename(columns={"담당업무": " 담당 업무 ", "대직자": "Substitute"}))
    pd.testing.assert_frame_equal(read_kit(kit_copy).staff, sample_kit.staff)


def test_cp949_csv_accepted(kit_copy: Path, sample_kit: Kit) -> None:
    frame = read_csv(kit_copy / "staff.csv")
    write_csv(frame, kit_copy / "staff.csv", encoding="cp949")
    with pytest.raises(UnicodeDecodeError):
        (kit_copy / "staff.csv").read_bytes().decode("utf-8")
    pd.testing.assert_frame_equal(read_kit(kit_copy).staff, sample_kit.staff)


def test_xlsx_staff_accepted(kit_copy: Path, sample_kit: Kit) -> None:
    frame = read_csv(kit_copy / "staff.csv")
    frame.to_excel(kit_copy / "staff.xlsx", index=False)
    (kit_copy / "staff.csv").unlink()
    pd.testing.assert_frame_equal(read_kit(kit_copy).staff, sample_kit.staff)


def test_xlsx_staff_problem_names_xlsx(kit_copy: Path) -> None:
    frame = read_csv(kit_copy / "staff.csv")
    set_cell(frame, "오민재", "담당통", "2,99")
    frame.to_excel(kit_copy / "staff.xlsx", index=False)
    (kit_copy / "staff.csv").unlink()
    assert_problem(problems_of(kit_copy), file="staff.xlsx", row=3, column="담당통", contains=("99",))


def test_kit_json_crs_for_one_file(kit_copy: Path, sample_kit: Kit) -> None:
    frame = read_csv(kit_copy / "resources.csv")
    to_5186 = Transformer.from_crs("EPSG:5174", "EPSG:5186", always_xy=True)
    x, y = to_5186.transform(frame["x"].astype(float).to_numpy(), frame["y"].astype(float).to_numpy())
    frame = frame.drop(columns=["좌표계"]).assign(x=[f"{v:.3f}" for v in x], y=[f"{v:.3f}" for v in y])
    write_csv(frame, kit_copy / "resources.csv")
    (kit_copy / "kit.json").write_text(json.dumps({"crs": {"resources": "EPSG:5186"}}), encoding="utf-8")
    got = metric(read_kit(kit_copy).tables["resources"]).geometry
    want = metric(sample_kit.tables["resources"]).geometry
    assert len(got) == len(want) == 48
    assert got.distance(want, align=False).max() < 2.0


def test_kit_json_bad_crs(kit_copy: Path) -> None:
    (kit_copy / "kit.json").write_text(json.dumps({"crs": {"resources": "EPSG:9999"}}), encoding="utf-8")
    assert_problem(problems_of(kit_copy), file="kit.json", row=None, column="crs", contains=("9999",))


def test_xy_without_any_crs(kit_copy: Path) -> None:
    edit_csv(kit_copy / "resources.csv", lambda f: f.drop(columns=["좌표계"]))
    (kit_copy / "kit.json").write_text("{}", encoding="utf-8")
    assert_problem(problems_of(kit_copy), file="resources.csv", row=2, column="좌표계")


# ---- tongs as shapefiles --------------------------------------------------------
def _max_distance(got: gpd.GeoDataFrame, want: gpd.GeoDataFrame) -> float:
    got, want = metric(got).set_index("tong"), metric(want).set_index("tong")
    assert list(got.index) == list(want.index)
    return max(a.hausdorff_distance(b) for a, b in zip(got.geometry, want.geometry, strict=True))


@pytest.fixture
def tongs_zip_5174(kit_copy: Path, tmp_path: Path) -> Path:
    """The kit with its tongs as a zipped shapefile in EPSG:5174 (.shp .shx .dbf .prj .cpg)."""
    files = write_shapefile(gpd.read_file(kit_copy / "tongs.geojson").to_crs("EPSG:5174"), tmp_path / "shp")
    assert {p.suffix for p in files} == {".shp", ".shx", ".dbf", ".prj", ".cpg"}
    put_shapefile(kit_copy, files, zipped=True)
    return kit_copy


def test_zipped_shapefile_5174_same_tongs(tongs_zip_5174: Path, sample_kit: Kit) -> None:
    tongs, staff, _ = read_zone_inputs(tongs_zip_5174 / "tongs.zip", tongs_zip_5174 / "staff.csv")
    assert str(tongs.crs) == "EPSG:4326"
    assert _max_distance(tongs, sample_kit.tongs) < 2.0
    assert len(staff) == 20


def test_kit_with_zipped_shapefile_5174_loads(tongs_zip_5174: Path, sample_kit: Kit) -> None:
    kit = read_kit(tongs_zip_5174)
    assert _max_distance(kit.tongs, sample_kit.tongs) < 2.0


def test_zipped_shapefile_5174_gives_the_same_zones_as_its_4326_twin(tongs_zip_5174: Path, tmp_path: Path) -> None:
    """`python -m mapping zones` on the 5174 zip and on the GeoJSON: same zones within 2 m."""
    outputs = {}
    for name, tongs in (("zip", tongs_zip_5174 / "tongs.zip"), ("geojson", SAMPLE_KIT / "tongs.geojson")):
        out = tmp_path / f"zones-{name}.geojson"
        args = ["zones", "--tongs", str(tongs), "--staff", str(SAMPLE_KIT / "staff.csv")]
        assert cli_main([*args, "--dong", str(SAMPLE_KIT / "dong.geojson"), "--out", str(out)]) == 0
        outputs[name] = gpd.read_file(out)
    a, b = (outputs[k].set_index("zone_id").sort_index().to_crs("EPSG:5186") for k in ("zip", "geojson"))
    assert list(a.index) == list(b.index) and list(a["officer"]) == list(b["officer"])
    assert max(g1.hausdorff_distance(g2) for g1, g2 in zip(a.geometry, b.geometry, strict=True)) < 2.0
    assert (a["area_m2"] - b["area_m2"]).abs().max() < 1.0


@pytest.mark.parametrize("zipped", [False, True], ids=["shp", "zip"])
def test_cp949_shapefile_without_cpg(kit_copy: Path, tmp_path: Path, sample_kit: Kit, zipped: bool) -> None:
    tongs = gpd.read_file(kit_copy / "tongs.geojson").rename(columns={"tong": "통"})
    tongs["메모"] = "통장 " + tongs["통"].astype(str)
    files = write_shapefile(tongs, tmp_path / "shp", encoding="cp949")
    (tmp_path / "shp" / "tongs.cpg").unlink()
    files = [p for p in files if p.suffix != ".cpg"]
    assert "통" not in gpd.read_file(tmp_path / "shp" / "tongs.shp").columns  # GDAL alone garbles it
    put_shapefile(kit_copy, files, zipped=zipped)
    kit = read_kit(kit_copy)
    assert _max_distance(kit.tongs, sample_kit.tongs) < 2.0


def test_tongs_without_tong_column(kit_copy: Path) -> None:
    edit_tongs(kit_copy, lambda t: t.rename(columns={"tong": "번호"}))
    assert_problem(problems_of(kit_copy), file="tongs.geojson", column="통", row=None, contains=("번호",))


# ---- bugs found -------------------------------------------------------------------
def test_header_only_staff_is_a_validation_error(kit_copy: Path) -> None:
    (kit_copy / "staff.csv").write_text("팀명,성명,역할,담당업무,연락처,담당통,대직자\n", encoding=UTF8_BOM)
    problems_of(kit_copy)


def test_blank_line_keeps_excel_row_numbers(kit_copy: Path) -> None:
    path = kit_copy / "staff.csv"
    lines = path.read_text(encoding=UTF8_BOM).splitlines()
    lines[4] = lines[4].replace('"5,6"', '"5,99"')  # 윤지호, Excel row 5
    lines.insert(3, "")  # Excel shows the blank line as row 4: 윤지호 moves to row 6
    path.write_text("\n".join(lines) + "\n", encoding=UTF8_BOM)
    assert_problem(problems_of(kit_copy), file="staff.csv", row=6, column="담당통", contains=("윤지호", "99"))


def test_same_content_at_two_places_kept(kit_copy: Path) -> None:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        twin = frame.iloc[[0]].assign(경도="126.9000", 위도="37.5660")
        return pd.concat([frame, twin], ignore_index=True)

    edit_csv(kit_copy / "blind_spots.csv", change)
    kit = read_kit(kit_copy)
    assert len(kit.tables["blind_spots"]) == 13
    assert kit.warnings == []


def test_documented_report_aliases(kit_copy: Path, sample_kit: Kit) -> None:
    edit_reports(kit_copy, lambda f: f.rename(columns={"일시": "at", "작성자": "officer"}))
    assert len(read_kit(kit_copy).tables["reports"]) == len(sample_kit.tables["reports"])


# ---- coordinates: both forms in one file ---------------------------------------------
def test_resources_mixing_lonlat_and_5174_rows_load_where_they_belong(kit_copy: Path) -> None:
    """LOCALDATA rows in EPSG:5174 merged with places given by hand in 경도/위도 (kit.json keeps 5174)."""
    frame = read_csv(kit_copy / "resources.csv")
    to_wgs = Transformer.from_crs("EPSG:5174", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(frame["x"].astype(float).to_numpy(), frame["y"].astype(float).to_numpy())
    by_hand = frame.index % 2 == 1
    frame["경도"] = np.where(by_hand, [f"{v:.6f}" for v in lon], "")
    frame["위도"] = np.where(by_hand, [f"{v:.6f}" for v in lat], "")
    frame.loc[by_hand, ["x", "y", "좌표계"]] = ""
    frame.loc[frame.index % 4 == 0, "좌표계"] = ""  # these take kit.json's EPSG:5174
    write_csv(frame, kit_copy / "resources.csv")
    assert json.loads((kit_copy / "kit.json").read_text(encoding="utf-8"))["crs"] == {"resources": "EPSG:5174"}
    got = metric(read_kit(kit_copy).tables["resources"]).geometry
    want = metric(gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")).geometry
    assert len(got) == 48
    assert got.distance(want, align=False).max() < 1.0


def test_same_place_in_5174_and_in_lonlat_lands_within_metres(kit_copy: Path) -> None:
    frame = read_csv(kit_copy / "resources.csv")
    to_wgs = Transformer.from_crs("EPSG:5174", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform(float(frame.loc[0, "x"]), float(frame.loc[0, "y"]))
    twin = frame.loc[[0]].assign(
        명칭="손으로 찍은 같은 곳", x="", y="", 좌표계="", 경도=f"{lon:.6f}", 위도=f"{lat:.6f}"
    )
    write_csv(pd.concat([frame.assign(경도="", 위도=""), twin], ignore_index=True), kit_copy / "resources.csv")
    resources = metric(read_kit(kit_copy).tables["resources"])
    assert resources.geometry.iloc[0].distance(resources.geometry.iloc[-1]) < 1.0


def test_resources_row_with_neither_form_names_the_row_and_both_forms(kit_copy: Path) -> None:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.assign(경도="", 위도="")
        frame.loc[4, ["x", "y"]] = ["", "451626.17"]  # Excel row 6: half of x/y, no 경도/위도
        return frame

    edit_csv(kit_copy / "resources.csv", change)
    problems = problems_of(kit_copy)
    [problem] = errors(problems)
    assert (problem.file, problem.row, problem.column) == ("resources.csv", 6, "경도")
    assert all(w in problem.message for w in ("'경도'와 '위도'", "'x'와 'y'", "'좌표계'", "y='451626.17'"))


# ---- limits -------------------------------------------------------------------------
def _densified(geometry: shapely.Geometry, vertices: int) -> shapely.Geometry:
    """``geometry`` with about ``vertices`` vertices along its edges (the same shape)."""
    return shapely.segmentize(geometry, geometry.length / vertices)


def test_tong_over_the_vertex_limit_is_named(kit_copy: Path) -> None:
    def change(tongs: gpd.GeoDataFrame) -> None:
        tongs.loc[4, "geometry"] = _densified(tongs.geometry.iloc[4], 60_000)

    edit_tongs(kit_copy, change)
    problems = problems_of(kit_copy)
    problem = assert_problem(problems, file="tongs.geojson", column="피처 5 (tong 5)", contains=("50,000", "단순화"))
    assert "꼭짓점이 6" in problem.message
    assert [p.file for p in errors(problems)] == ["tongs.geojson"]


@pytest.mark.parametrize("kind", ["geojson", "gpkg", "shp", "zip"])
def test_tongs_over_the_file_vertex_limit_refused_before_reading(
    kit_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    tongs = gpd.read_file(kit_copy / "tongs.geojson")
    tongs["geometry"] = [_densified(g, 100) for g in tongs.geometry]  # 36 tongs, about 3,600 vertices
    if kind in ("shp", "zip"):
        put_shapefile(kit_copy, write_shapefile(tongs, tmp_path / "shp"), zipped=kind == "zip")
    else:
        (kit_copy / "tongs.geojson").unlink()
        tongs.to_file(kit_copy / f"tongs.{kind}", driver="GPKG" if kind == "gpkg" else "GeoJSON")
    monkeypatch.setattr("mapping.kit.limits.MAX_FILE_VERTICES", 2_000)
    read_file = gpd.read_file

    def read_all_but_tongs(path: Path, *args: object, **kwargs: object) -> gpd.GeoDataFrame:
        assert Path(path).stem != "tongs", "read although over the limit"
        return read_file(path, *args, **kwargs)

    monkeypatch.setattr(gpd, "read_file", read_all_but_tongs)
    name = f"tongs.{kind}"
    assert_problem(problems_of(kit_copy), file=name, row=None, column=None, contains=("좌표가 최대", "2,000"))


def test_walking_network_with_too_many_edges_refused_before_parsing(
    kit_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import networkx as nx

    graph = nx.path_graph(20)
    nx.set_node_attributes(graph, {n: {"x": 126.9 + n / 1e4, "y": 37.56} for n in graph})
    nx.write_graphml(graph, kit_copy / "paths.graphml")
    monkeypatch.setattr("mapping.kit.limits.MAX_FILE_VERTICES", 30)
    monkeypatch.setattr(nx, "read_graphml", lambda *a, **k: pytest.fail("parsed although over the limit"))
    assert_problem(problems_of(kit_copy), file="paths.graphml", contains=("좌표가 최대 38개",))


def test_kit_json_over_its_size_limit(kit_copy: Path) -> None:
    (kit_copy / "kit.json").write_text('{"crs": "EPSG:5174", "x": "' + "가" * 30_000 + '"}', encoding="utf-8")
    assert_problem(problems_of(kit_copy), file="kit.json", row=None, column=None, contains=("한도 0.1 MB",))


def test_deeply_nested_kit_json_is_a_problem_not_a_crash(kit_copy: Path) -> None:
    (kit_copy / "kit.json").write_text("[" * 50_000, encoding="utf-8")
    assert_problem(problems_of(kit_copy), file="kit.json", column="crs", contains=("읽을 수 없습니다",))


def test_real_boundaries_and_the_sample_kit_are_far_inside_the_limits() -> None:
    """The limits leave room: Seoul's 425 real 행정동 and the sample kit, measured."""
    boundaries = SAMPLE_KIT.parent / "boundaries" / "seoul_admdong_ver20210401.geojson"
    for path in (boundaries, SAMPLE_KIT / "dong.geojson", SAMPLE_KIT / "tongs.geojson"):
        assert geometry_file_problems(path) == []
        counts = shapely.get_num_coordinates(gpd.read_file(path).geometry.values)
        assert counts.max() * 200 < MAX_FEATURE_VERTICES and counts.sum() * 25 < MAX_FILE_VERTICES, path
    for path in SAMPLE_KIT.iterdir():
        assert path.stat().st_size * 1000 < MAX_FILE_BYTES
    assert (
        max(len(pd.read_excel(p)) if p.suffix == ".xlsx" else len(read_csv(p)) for p in SAMPLE_KIT.glob("[!c]*.[cx]*"))
        < 100
    )


# ---- uploads (the 데이터 page) ---------------------------------------------------------
def _zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_unpacked_kit_zip_reads_like_the_kit(tmp_path: Path, sample_kit: Kit) -> None:
    files = {f"성산2동/{p.name}": p.read_bytes() for p in SAMPLE_KIT.iterdir()}
    files |= {"__MACOSX/성산2동/._staff.csv": b"\x00\x05", "성산2동/.DS_Store": b"\x00"}
    folder = tmp_path / "upload"
    folder.mkdir()
    written = unpack_uploads([("kit.zip", _zip_of(files))], folder)
    assert sorted(p.name for p in written) == sorted(p.name for p in SAMPLE_KIT.iterdir())
    kit = read_kit(folder)
    assert {k: len(v) for k, v in kit.tables.items()} == {k: len(v) for k, v in sample_kit.tables.items()}


def test_uploaded_tongs_zip_is_kept_whole(tmp_path: Path) -> None:
    data = _zip_of({"tongs.shp": b"x", "tongs.dbf": b"y"})
    assert [p.name for p in unpack_uploads([("tongs.zip", data), ("staff.csv", b"a")], tmp_path)] == [
        "tongs.zip",
        "staff.csv",
    ]
    assert (tmp_path / "tongs.zip").read_bytes() == data


def test_upload_with_two_files_of_one_name_is_refused(tmp_path: Path) -> None:
    data = _zip_of({"a/staff.csv": b"1", "b/staff.csv": b"2"})
    with pytest.raises(ValidationError, match=r"staff.csv: 같은 이름의 파일이 3개.*kit.zip:a/staff.csv") as info:
        unpack_uploads([("kit.zip", data), ("staff.csv", b"3")], tmp_path)
    assert len(info.value.problems) == 1
    assert list(tmp_path.iterdir()) == []


def test_upload_zip_with_too_many_members_is_refused(tmp_path: Path) -> None:
    data = _zip_of({f"f{i}.csv": b"" for i in range(1_001)})
    with pytest.raises(ValidationError, match=r"kit.zip: 압축 안에 파일이 1,001개.*한도 1,000개"):
        unpack_uploads([("kit.zip", data)], tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_upload_zip_whose_members_together_unpack_past_the_limit(tmp_path: Path) -> None:
    block = random.Random(3).randbytes(8 * 1024) * 128  # 1 MB that packs about 50×: no member is a bomb
    member = deflated_repeat(b"", block, 80, b"")
    data = zip_bytes({f"resources{i}.csv": member for i in range(3)})  # 240 MB from about 5 MB
    assert len(data) < 6 * MB
    with pytest.raises(ValidationError, match=r"kit.zip: 압축을 모두 풀면 240.0 MB로 한도 200.0 MB"):
        unpack_uploads([("kit.zip", data)], tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_upload_over_the_file_size_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"households.csv: 파일이 50.0 MB로 한도 50.0 MB를 넘어"):
        unpack_uploads([("households.csv", bytes(50 * MB + 1)), ("staff.csv", b"a")], tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_upload_of_a_file_that_is_not_a_kit_file_is_refused_in_korean_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"공문.pdf: 키트 파일이 아니라 받지 않았습니다 \(.pdf\)") as info:
        unpack_uploads([("공문.pdf", b"%PDF-1.7"), ("README", b"x"), ("staff.csv", b"a")], tmp_path)
    assert [p.file for p in info.value.problems] == ["공문.pdf", "README"]
    assert "확장자 없음" in info.value.problems[1].message
    assert list(tmp_path.iterdir()) == []
