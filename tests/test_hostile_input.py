"""Random and hostile input (hypothesis): always a clear error or a correct result — never a traceback, never a half-written store."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapping.access import CLI_USER
from mapping.cli import main as cli_main
from mapping.errors import MappingError, ValidationError
from mapping.kit.reader import read_kit, read_reports_file, unpack_uploads
from mapping.lookup import officer_for
from mapping.photos import read_photo
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE, SAMPLE_KIT
from tests.helpers import (
    MB,
    SHEET_HEAD,
    SHEET_TAIL,
    deflated,
    deflated_repeat,
    peak_memory_mb,
    sheet_xml,
    staff_user,
    xlsx_bytes,
    zip_bytes,
)

SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # the same examples on every run: CI is never the first to meet a case
# text as people and machines really send it: Korean, control characters, lone surrogates excluded (not encodable)
HOSTILE = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200) | st.sampled_from(
    ["", " ", "=cmd|' /C calc'!A0", "<script>alert(1)</script>", "\x00\x1b[31m", "9" * 400, "NaN", "-inf", "1e309",
     "１２３", "서울특별시 마포구 성산동 200-22", "\u202e역방향", "Z" * 5000]
)  # fmt: skip
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**30), 10**30).map(float))


def _rows(store: Store) -> int:
    return len(store.reports(SAMPLE_CODE))


@SETTINGS
@given(memo=HOSTILE, lon=NUMBERS, lat=NUMBERS, title=HOSTILE, field=HOSTILE)
def test_report_intake(sample_store: Store, memo: str, lon: float, lat: float, title: str, field: str) -> None:
    before = _rows(sample_store)
    try:
        rid = sample_store.file_report(
            SAMPLE_CODE, lonlat=(lon, lat), memo=memo, title=title, field=field, user=staff_user("노아린")
        )
    except MappingError as err:
        assert str(err)  # a message a person can read
        assert _rows(sample_store) == before  # and nothing half-written
    else:
        stored = sample_store.report(rid, user=CLI_USER)
        assert stored["memo"] == memo.strip() or stored["memo"]
        assert _rows(sample_store) == before + 1


@SETTINGS
@given(address=HOSTILE)
def test_address_lookup(sample_store: Store, address: str) -> None:
    try:
        found = officer_for(sample_store, address=address)
    except MappingError as err:
        assert str(err)
    else:
        assert found["zone_id"] is None or found["zone_id"].startswith("Z")


@SETTINGS
@given(
    cells=st.lists(st.tuples(HOSTILE, HOSTILE, HOSTILE, HOSTILE), min_size=1, max_size=6),
    encoding=st.sampled_from(["utf-8-sig", "cp949", "utf-16"]),
)
def test_kit_loader_with_a_hostile_staff_list(cells: list[tuple[str, ...]], encoding: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kit = Path(tmp) / "kit"
        shutil.copytree(SAMPLE_KIT, kit)
        frame = pd.DataFrame(cells, columns=["팀명", "성명", "역할", "담당통"])
        text = frame.to_csv(index=False)
        try:
            (kit / "staff.csv").write_bytes(text.encode(encoding, errors="replace"))
        except UnicodeError:
            return
        try:
            read_kit(kit)
        except MappingError as err:
            assert str(err)  # a message a person can read


@SETTINGS
@given(data=st.binary(max_size=3000))
def test_reports_file_of_random_bytes(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reports.csv"
        path.write_bytes(data)
        try:
            read_reports_file(path, staff_names={"노아린"})
        except MappingError as err:
            assert str(err)


@SETTINGS
@given(data=st.binary(max_size=5000), name=HOSTILE)
def test_photo_of_random_bytes(data: bytes, name: str) -> None:
    try:
        read_photo(data, name=name or "x.jpg")
    except MappingError as err:
        assert str(err)


@SETTINGS
@given(geometry=st.sampled_from([
    '{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}',  # a bow tie
    '{"type":"Polygon","coordinates":[]}',
    '{"type":"Point","coordinates":[126.9,37.5]}',
    '{"type":"Polygon","coordinates":[[[1e308,1e308],[1e308,-1e308],[0,0],[1e308,1e308]]]}',
    "not json at all",
]))  # fmt: skip
def test_kit_loader_with_broken_tong_geometry(geometry: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        kit = Path(tmp) / "kit"
        shutil.copytree(SAMPLE_KIT, kit)
        feature = '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"tong":1},"geometry":%s}]}'
        (kit / "tongs.geojson").write_text(
            feature % geometry if geometry.startswith("{") else geometry, encoding="utf-8"
        )
        try:
            read_kit(kit)
        except MappingError as err:
            assert "tongs" in str(err) or "통" in str(err)


# ---- hostile files, refused before they are read (issue 17, items 6 and 7) ---------------------------------------
# Each through its entry point: a clear error naming the file, nothing stored, and a peak of Python allocations
# (numpy's included) of a few MB — never a time: performance goals live in bench/.
PEAK_MB = 20


def _xfd_xlsx() -> bytes:
    """A workbook of a couple of KB declaring a cell at XFD1048576, and holding one there."""
    rows = {1: {"A1": "일시", "B1": "작성자", "C1": "내용"}, 1_048_576: {"XFD1048576": 1}}
    return xlsx_bytes(sheet_xml(rows, dimension="A1:XFD1048576"))


def _bombed_xlsx() -> bytes:
    """A workbook of about 1 MB whose sheet XML unpacks to 1 GB of spaces."""
    head, tail = SHEET_HEAD.format(dimension="").encode(), SHEET_TAIL.encode()
    return xlsx_bytes(deflated_repeat(head, b" " * MB, 1024, tail))


@pytest.fixture(scope="module")
def million_vertex_kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample kit whose tong 5 has a million vertices (the same shape, densified)."""
    kit = tmp_path_factory.mktemp("hostile") / "kit"
    shutil.copytree(SAMPLE_KIT, kit)
    collection = json.loads((kit / "tongs.geojson").read_text(encoding="utf-8"))
    feature = next(f for f in collection["features"] if f["properties"]["tong"] == 5)
    ring = shapely.from_geojson(json.dumps(feature["geometry"]))
    dense = shapely.segmentize(ring, ring.length / 1_000_000)
    assert shapely.get_num_coordinates(dense) > 1_000_000
    feature["geometry"] = "@"
    text = json.dumps(collection).replace('"@"', shapely.to_geojson(dense))
    (kit / "tongs.geojson").write_text(text, encoding="utf-8")
    return kit


@pytest.mark.parametrize(
    ("build", "words"), [(_xfd_xlsx, ("XFD1048576", "행 200,000개")), (_bombed_xlsx, ("1,024.0 MB",))]
)
def test_import_reports_refuses_a_hostile_xlsx(
    sample_store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    build: Callable[[], bytes],
    words: tuple[str, ...],
) -> None:
    path = tmp_path / "보고.xlsx"
    path.write_bytes(build())
    assert path.stat().st_size < 2 * MB
    db, before = sample_store.url.removeprefix("sqlite:///"), _rows(sample_store)
    with peak_memory_mb() as peak:
        assert cli_main(["import-reports", str(path), "--db", db]) == 2
    err = capsys.readouterr().err
    assert "보고 파일 보고.xlsx에 오류 1건이 있어 아무것도 저장하지 않았습니다" in err
    assert all(w in err for w in words), err
    assert _rows(sample_store) == before
    assert peak[0] < PEAK_MB


@pytest.mark.parametrize(("build", "words"), [(_xfd_xlsx, ("XFD1048576",)), (_bombed_xlsx, ("압축을 풀면",))])
def test_kit_with_a_hostile_xlsx_is_refused(kit_copy: Path, build: Callable[[], bytes], words: tuple[str, ...]) -> None:
    (kit_copy / "staff.csv").unlink()
    (kit_copy / "staff.xlsx").write_bytes(build())
    with peak_memory_mb() as peak, pytest.raises(ValidationError, match=r"staff\.xlsx") as info:
        read_kit(kit_copy)
    assert any(p.file == "staff.xlsx" and all(w in p.message for w in words) for p in info.value.problems)
    assert peak[0] < PEAK_MB


def test_uploaded_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    """Like the issue's 3 MB ZIP of 3 GB: here 1 MB of ZIP that would unpack to 1 GB."""
    header = "유형,명칭,주소,경도,위도\n".encode()
    bomb = deflated_repeat(header, b"\n" * MB, 128, b"")  # each member alone is under the 200 MB limit
    data = zip_bytes({f"kit/resources{i}.csv": bomb for i in range(8)} | {"kit/staff.csv": deflated(b"a,b\n")})
    assert len(data) < 2 * MB
    folder = tmp_path / "upload"
    folder.mkdir()
    with peak_memory_mb() as peak, pytest.raises(ValidationError, match="올린 파일에 오류 8건") as info:
        unpack_uploads([("kit.zip", data)], folder)
    assert [p.column for p in info.value.problems] == [f"kit/resources{i}.csv" for i in range(8)]
    assert all("압축 폭탄" in p.message and "한도 100배" in p.message for p in info.value.problems)
    assert list(folder.iterdir()) == []  # nothing unpacked, not even the good member
    assert peak[0] < PEAK_MB


def test_kit_with_a_million_vertex_tong_is_refused(million_vertex_kit: Path, sample_kit: object) -> None:
    with peak_memory_mb() as peak, pytest.raises(ValidationError, match=r"tongs\.geojson") as info:
        read_kit(million_vertex_kit)
    [problem] = [p for p in info.value.problems if p.severity == "error"]
    assert problem.file == "tongs.geojson" and "좌표가 최대 1,000," in problem.message
    assert all(w in problem.message for w in ("500,000", "단순화"))
    assert peak[0] < PEAK_MB


def test_loading_a_kit_with_a_million_vertex_tong_stores_nothing(
    million_vertex_kit: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.sqlite"
    assert cli_main(["load", str(million_vertex_kit), "--db", str(db)]) == 2
    assert "tongs.geojson" in capsys.readouterr().err
    assert open_store(db).dongs().empty
