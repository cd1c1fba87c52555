"""Random and hostile input (hypothesis): always a clear error or a correct result — never a traceback, never a half-written store."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mapping.access import CLI_USER
from mapping.errors import MappingError
from mapping.kit import read_kit, read_reports_file
from mapping.lookup import officer_for
from mapping.photos import read_photo
from mapping.store import Store
from tests.conftest import SAMPLE_CODE, SAMPLE_KIT
from tests.helpers import staff_user

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
