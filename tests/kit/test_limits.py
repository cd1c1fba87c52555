"""The limits on outside files (mapping.kit.limits): each check on files made to cross it, read before nothing else."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from mapping.kit import limits
from mapping.kit.limits import (
    MAX_FEATURE_VERTICES,
    flat_member_name,
    geometry_file_problems,
    size_problems,
    text_table_problems,
    vertex_problems,
    zip_problems,
)
from tests.conftest import SAMPLE_KIT
from tests.helpers import MB, deflated, deflated_repeat, zip_bytes


def _zip64(data: bytes, *, entries: int) -> bytes:
    """``data`` (a ZIP) with a ZIP64 end record declaring ``entries`` members, as large archives have."""
    end = data.rindex(b"PK\x05\x06")
    size, offset = struct.unpack_from("<2L", data, end + 12)
    record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, size, offset)
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, end, 1)
    tail = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, size, offset, 0)
    return data[:end] + record + locator + tail


def _encrypted(data: bytes) -> bytes:
    """A one-member ZIP of :func:`zip_bytes` with the member's "encrypted" flag set."""
    start = struct.unpack_from("<L", data, data.rindex(b"PK\x05\x06") + 16)[0]
    out = bytearray(data)
    out[6:8] = out[start + 8 : start + 10] = struct.pack("<H", 0x801)
    return bytes(out)


def only(problems: list) -> object:
    assert len(problems) == 1, problems
    return problems[0]


# ---- ZIP archives ----------------------------------------------------------------------
def test_a_plain_zip_passes() -> None:
    assert zip_problems(zip_bytes({"a.csv": deflated(b"x" * 5000), "b/c.csv": deflated(b"")}), file="k.zip") == []


def test_zip64_member_count_read_from_its_end_record() -> None:
    data = _zip64(zip_bytes({"a.csv": deflated(b"1"), "b.csv": deflated(b"2")}), entries=2)
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["a.csv", "b.csv"]  # a valid archive
    assert zip_problems(data, file="k.zip") == []
    declared = _zip64(zip_bytes({"a.csv": deflated(b"1")}), entries=2_000_000)
    assert "압축 안에 파일이 2,000,000개" in only(zip_problems(declared, file="k.zip")).message


def test_not_a_zip() -> None:
    problem = only(zip_problems(b"PK\x03\x04 not really", file="staff.xlsx"))
    assert problem.file == "staff.xlsx" and "ZIP 형식" in problem.message


def test_encrypted_member() -> None:
    problem = only(zip_problems(_encrypted(zip_bytes({"staff.csv": deflated(b"a")})), file="k.zip"))
    assert (problem.file, problem.column) == ("k.zip", "staff.csv") and "암호" in problem.message


def test_small_members_are_never_bombs_whatever_their_ratio() -> None:
    assert zip_problems(zip_bytes({"a.csv": deflated(b"\n" * (MB - 1))}), file="k.zip") == []
    problem = only(zip_problems(zip_bytes({"a.csv": deflated_repeat(b"", b"\n" * MB, 2, b"")}), file="k.zip"))
    assert "압축 폭탄" in problem.message


def test_zip_read_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "k.zip"
    path.write_bytes(zip_bytes({"a.csv": deflated_repeat(b"", b"\n" * MB, 300, b"")}))
    assert "300.0 MB" in only(zip_problems(path, file="k.zip")).message


@pytest.mark.parametrize(
    ("name", "flat"),
    [
        ("kit/staff.csv", "staff.csv"),
        ("kit\\sub\\staff.csv", "staff.csv"),
        ("../../etc/passwd", "passwd"),
        ("/abs/tongs.geojson", "tongs.geojson"),
        ("kit/", None),
        ("..", None),
        ("__MACOSX/kit/._staff.csv", None),
        ("kit/.DS_Store", None),
        ("", None),
    ],
)
def test_flat_member_name(name: str, flat: str | None) -> None:
    assert flat_member_name(name) == flat


# ---- sizes and text tables ---------------------------------------------------------------
def test_size_problems_reads_nothing(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("wb") as handle:
        handle.truncate(limits.MAX_FILE_BYTES + 1)
    assert "한도 50.0 MB" in only(size_problems(path)).message
    assert size_problems(path, limit=limits.MAX_FILE_BYTES + 1) == []


def test_blank_lines_count_as_cells() -> None:
    assert "2,000,001개" in only(text_table_problems("\n" * 2_000_000, file="a.csv")).message
    assert text_table_problems("\n" * 1_999_999, file="a.csv") == []


# ---- geometry ------------------------------------------------------------------------------
def test_vertex_problems_name_each_feature_and_the_file() -> None:
    big = shapely.segmentize(shapely.box(0, 0, 1, 1), 4 / (MAX_FEATURE_VERTICES + 10))
    small = shapely.box(0, 0, 1, 1)
    problems = vertex_problems([small, big, None], file="tongs.geojson", labels=["통 1", "통 2", "통 3"])
    assert [(p.file, p.column) for p in problems] == [("tongs.geojson", "피처 2 (통 2)")]
    many = [big] * 10
    assert only(vertex_problems(many, file="t.gpkg")[10:]).column is None  # the file's total, after 10 features


@pytest.mark.parametrize("needle", [b"[", b"<edge"])
def test_counting_across_chunk_borders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, needle: bytes) -> None:
    path = tmp_path / "f.txt"
    text = (b"ab" + needle) * 1000 + needle
    path.write_bytes(text)
    monkeypatch.setattr(limits, "_CHUNK", 7)
    assert limits._count_bytes(path, needle) == text.count(needle) == 1001


def test_gpkg_upper_bound_is_at_least_its_vertices(tmp_path: Path) -> None:
    tongs = gpd.read_file(SAMPLE_KIT / "tongs.geojson")
    path = tmp_path / "tongs.gpkg"
    tongs.to_file(path, driver="GPKG")
    vertices = int(shapely.get_num_coordinates(tongs.geometry.values).sum())
    assert vertices <= limits._vertex_upper_bound(path, ".gpkg") < 2 * vertices
    assert geometry_file_problems(path) == []


def test_zipped_geojson_is_counted_streaming(tmp_path: Path) -> None:
    path = tmp_path / "tongs.zip"
    text = (SAMPLE_KIT / "tongs.geojson").read_bytes()
    path.write_bytes(zip_bytes({"tongs/tongs.geojson": deflated(text), "readme.txt": deflated(b"[" * 100)}))
    assert limits._vertex_upper_bound(path, ".zip") == text.count(b"[")


def test_unreadable_gpkg_is_left_to_gdal(tmp_path: Path) -> None:
    path = tmp_path / "tongs.gpkg"
    path.write_bytes(b"not sqlite at all")
    assert limits._vertex_upper_bound(path, ".gpkg") == 0


def test_geojson_upper_bound_is_tight(tmp_path: Path) -> None:
    path = tmp_path / "t.geojson"
    tongs = gpd.read_file(SAMPLE_KIT / "tongs.geojson")
    tongs.to_file(path, driver="GeoJSON")
    vertices = int(shapely.get_num_coordinates(tongs.geometry.values).sum())
    assert vertices <= limits._vertex_upper_bound(path, ".geojson") <= vertices + 3 * len(tongs)
