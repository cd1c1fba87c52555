"""Limits on the files people hand us, checked before a file is read.

A dong's kit is small: the largest real boundary of Seoul's 425 행정동 has 210 vertices, all of them
together 19,052; the sample kit's biggest table has 90 rows.  A hostile file is not: a 5 KB XLSX may
place a cell at XFD1048576, a 3 MB ZIP may unpack to 3 GB, a tong may have a million vertices.
Every reader of an outside file asks the functions here first, so such a file is refused in well
under a second and a few MB, before anything of it is parsed.

Each function returns the :class:`~mapping.errors.Problem` list of what it found (empty when the
file is within every limit), naming the file, what was found, the limit and how to fix it.
"""

from __future__ import annotations

import io
import sqlite3
import struct
import zipfile
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

import numpy as np
import shapely

from mapping.errors import Problem

MB = 1024 * 1024

MAX_FILE_BYTES = 50 * MB
"""One file as given (a table, a boundary, an uploaded ZIP); the sample kit's largest is 16 KB."""
MAX_MANIFEST_BYTES = 64 * 1024
"""``kit.json``: a few lines."""
MAX_ZIP_MEMBERS = 1_000
"""Members of one ZIP (a kit has about a dozen files, an XLSX about ten parts, a shapefile five)."""
MAX_UNPACKED_BYTES = 200 * MB
"""What one ZIP (or all the files of one upload) may unpack to, in all."""
MAX_ZIP_RATIO = 100
"""Unpacked ÷ packed size of a member larger than :data:`RATIO_FLOOR_BYTES`; real XLSX sheets are ~10–15."""
RATIO_FLOOR_BYTES = 1 * MB
"""Members smaller than this unpacked are never bombs, whatever their ratio."""
MAX_TABLE_ROWS = 200_000
"""Rows of one table (Seoul's most populous dong has about 25,000 households)."""
MAX_TABLE_COLUMNS = 200
"""Columns of one table (the widest kit table has 12)."""
MAX_TABLE_CELLS = 2_000_000
"""Cells of one table (rows × columns as the file lays them out)."""
MAX_FEATURE_VERTICES = 50_000
"""Vertices of one polygon or line: 238× the largest real 행정동 boundary (210)."""
MAX_FILE_VERTICES = 500_000
"""Vertices of one geometry file: 26× all 425 행정동 of Seoul together (19,052)."""
MAX_ADDRESS_FILE_BYTES = 500 * MB
"""A juso.go.kr 위치정보요약DB file of one 시도 (read line by line)."""
MAX_ADDRESS_LINE_BYTES = 4_096
"""One line of that file (about 200 bytes in the real files)."""

_CHUNK = 1 * MB
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"


def shown_bytes(size: int) -> str:
    """``52428800`` → ``'50.0 MB'``."""
    return f"{size / MB:,.1f} MB"


# ---- sizes ------------------------------------------------------------------


def size_problems(path: Path, *, limit: int | None = None, file: str | None = None) -> list[Problem]:
    """The file is larger than ``limit`` bytes (default :data:`MAX_FILE_BYTES`; its size on disk, nothing is read)."""
    limit = MAX_FILE_BYTES if limit is None else limit
    size = path.stat().st_size
    if size <= limit:
        return []
    message = (
        f"파일이 {shown_bytes(size)}로 한도 {shown_bytes(limit)}를 넘어 열지 않았습니다. "
        "이 동의 자료만 남기거나 파일을 나누어 다시 올리세요."
    )
    return [Problem(file or path.name, None, None, message)]


# ---- ZIP archives (uploads, zipped shapefiles, XLSX workbooks) -----------------------------------


def zip_problems(source: Path | bytes | BinaryIO, *, file: str) -> list[Problem]:
    """What is wrong with a ZIP before any member is read: too many members, too large, a bomb.

    Only the archive's directory is read: the member count from its end record first (so a
    directory of a million entries is never parsed), then each member's declared size and
    ratio.  Python's :mod:`zipfile` (and GDAL) never unpack more than a member declares.

    Parameters
    ----------
    source : Path, bytes or binary file
        The archive.
    file : str
        Its name as the person knows it.
    """
    if isinstance(source, Path):
        with source.open("rb") as opened:
            return zip_problems(opened, file=file)
    handle = io.BytesIO(source) if isinstance(source, bytes) else source
    entries = _zip_entry_count(handle)
    if entries is None:
        message = (
            "읽을 수 없는 파일입니다: ZIP 형식(압축 파일, XLSX)이 아니거나 깨져 있습니다. 다시 저장하거나 압축하세요."
        )
        return [Problem(file, None, None, message)]
    if entries > MAX_ZIP_MEMBERS:
        message = (
            f"압축 안에 파일이 {entries:,}개 있어 한도 {MAX_ZIP_MEMBERS:,}개를 넘습니다. "
            "자료 키트 파일만 넣어 다시 압축하세요."
        )
        return [Problem(file, None, None, message)]
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        return [Problem(file, None, None, f"ZIP 파일을 열 수 없습니다 ({exc}). 다시 압축해 올리세요.")]
    return _member_problems(members, file=file)


def _member_problems(members: list[zipfile.ZipInfo], *, file: str) -> list[Problem]:
    budget, problems = MAX_UNPACKED_BYTES, []
    for member in members:
        if member.is_dir():
            continue
        name, size = member.filename, member.file_size
        if member.flag_bits & 0x1:
            problems.append(Problem(file, None, name, "암호가 걸린 파일은 열 수 없습니다. 암호 없이 다시 압축하세요."))
        elif size > budget:
            message = f"압축을 풀면 {shown_bytes(size)}로 한도 {shown_bytes(budget)}를 넘어 풀지 않았습니다."
            problems.append(Problem(file, None, name, message + " 필요한 파일만 다시 압축해 올리세요."))
        elif size > RATIO_FLOOR_BYTES and size > MAX_ZIP_RATIO * max(member.compress_size, 1):
            ratio = size / max(member.compress_size, 1)
            message = (
                f"{shown_bytes(member.compress_size)}가 {shown_bytes(size)}로 {ratio:,.0f}배 풀리는 압축 폭탄으로 보여 "
                f"풀지 않았습니다 (한도 {MAX_ZIP_RATIO}배). 원래 파일을 다시 압축해 올리세요."
            )
            problems.append(Problem(file, None, name, message))
    total = sum(m.file_size for m in members)
    if not problems and total > budget:
        message = (
            f"압축을 모두 풀면 {shown_bytes(total)}로 한도 {shown_bytes(budget)}를 넘어 풀지 않았습니다. "
            "이 동의 자료 키트 파일만 다시 압축해 올리세요."
        )
        problems.append(Problem(file, None, None, message))
    return problems


def _zip_entry_count(handle: BinaryIO) -> int | None:
    """Members declared by a ZIP's end record (ZIP64 too), or ``None`` if it has none."""
    handle.seek(0, io.SEEK_END)
    size = handle.tell()
    tail_size = min(size, 22 + 0xFFFF)  # the end record and a comment of at most 64 KB
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        return None
    entries = struct.unpack_from("<H", tail, at + 10)[0]
    if entries == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == _EOCD64_LOCATOR:
        offset = struct.unpack_from("<Q", tail, at - 20 + 8)[0]
        handle.seek(min(offset, size))
        record = handle.read(56)
        if len(record) == 56 and record[:4] == _EOCD64:
            entries = struct.unpack_from("<Q", record, 32)[0]
    return int(entries)


def flat_member_name(name: str) -> str | None:
    """The file name of a ZIP member without its folders, or ``None`` for one to skip.

    Skipped: folders, hidden files and macOS metadata (``__MACOSX/``, ``._x``), ``.`` and ``..``.
    """
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or "__MACOSX" in parts or name.endswith(("/", "\\")):
        return None
    base = parts[-1]
    return None if base.startswith(".") or not base.strip() else base


# ---- text tables ------------------------------------------------------------


def text_table_problems(text: str, *, file: str) -> list[Problem]:
    """A CSV laying out more cells (separators and lines) than a table may have.

    Counted on the text before any parser sees it: a line of fifty million commas, or fifty
    million blank lines, is refused without building a row for each.
    """
    cells = text.count(",") + text.count("\n") + 1
    if cells <= MAX_TABLE_CELLS:
        return []
    message = (
        f"칸(쉼표·줄바꿈으로 나뉜 값)이 {cells:,}개로 한도 {MAX_TABLE_CELLS:,}개를 넘어 읽지 않았습니다. "
        "표 밖의 빈 행·열을 지우고 다시 저장하세요."
    )
    return [Problem(file, None, None, message)]


def table_shape_problem(*, file: str, rows: int, columns: int, found: str) -> Problem | None:
    """A problem if ``rows`` (with the header) × ``columns`` is over a table's limits, else ``None``.

    ``found`` says what was seen and where (e.g. the sheet's declared range).
    """
    if rows <= MAX_TABLE_ROWS + 1 and columns <= MAX_TABLE_COLUMNS and rows * columns <= MAX_TABLE_CELLS:
        return None
    message = (
        f"{found}. 표 하나의 한도(행 {MAX_TABLE_ROWS:,}개, 열 {MAX_TABLE_COLUMNS}개, 칸 {MAX_TABLE_CELLS:,}개)를 넘어 "
        "읽지 않았습니다. 표 밖의 빈 행·열을 지우거나 필요한 범위만 새 통합문서에 붙여 넣어 저장하세요."
    )
    return Problem(file, None, None, message)


# ---- geometry files -------------------------------------------------------------


def geometry_file_problems(path: Path, *, file: str | None = None) -> list[Problem]:
    """A geometry file too large, a bomb, or with more vertices than allowed, found before reading it.

    The vertex count is an upper bound from the bytes: one ``[`` per position in GeoJSON,
    16 bytes per vertex in a shapefile's ``.shp`` and in a GeoPackage's geometry blobs (inside a
    ZIP: GeoJSON streamed, ``.shp`` and ``.gpkg`` by their whole size), each ``<node`` or both ends
    of each ``<edge`` of a GraphML.
    """
    file = file or path.name
    suffix = path.suffix.lower()
    siblings = [path.with_suffix(s) for s in (".dbf", ".shx")] if suffix == ".shp" else []
    problems = [p for f in (path, *siblings) if f.exists() for p in size_problems(f)]
    if problems:
        return problems
    if suffix == ".zip":
        problems = zip_problems(path, file=file)
        if problems:
            return problems
    vertices = _vertex_upper_bound(path, suffix)
    if vertices is not None and vertices > MAX_FILE_VERTICES:
        return [
            Problem(file, None, None, _too_many_vertices(f"좌표가 최대 {vertices:,}개 들어 있어", MAX_FILE_VERTICES))
        ]
    return []


def vertex_problems(
    geometries: Iterable[shapely.Geometry | None], *, file: str, labels: Iterable[object] | None = None
) -> list[Problem]:
    """Polygons or lines with more vertices than :data:`MAX_FEATURE_VERTICES`, or a file over :data:`MAX_FILE_VERTICES`.

    Run right after reading, before any geometry work (validity, overlays, zones).  ``labels``
    (e.g. tong numbers) are shown beside each feature's number.
    """
    counts = shapely.get_num_coordinates(np.asarray(list(geometries), dtype=object))
    problems = []
    names = list(labels) if labels is not None else [None] * len(counts)
    for i in np.flatnonzero(counts > MAX_FEATURE_VERTICES)[:10]:
        label = f" ({names[i]})" if names[i] is not None else ""
        found = f"꼭짓점이 {int(counts[i]):,}개라"
        problems.append(Problem(file, None, f"피처 {i + 1}{label}", _too_many_vertices(found, MAX_FEATURE_VERTICES)))
    total = int(counts.sum())
    if total > MAX_FILE_VERTICES:
        problems.append(
            Problem(file, None, None, _too_many_vertices(f"꼭짓점이 모두 {total:,}개라", MAX_FILE_VERTICES))
        )
    return problems


def _too_many_vertices(found: str, limit: int) -> str:
    return (
        f"{found} 한도 {limit:,}개를 넘어 쓰지 않았습니다 (피처 하나 {MAX_FEATURE_VERTICES:,}개, "
        f"파일 전체 {MAX_FILE_VERTICES:,}개). GIS에서 단순화(QGIS: 벡터 → 도형 도구 → 단순화, 허용 오차 1 m)한 뒤 "
        "다시 저장하세요."
    )


def _vertex_upper_bound(path: Path, suffix: str) -> int | None:
    if suffix in (".geojson", ".json"):
        return _count_bytes(path, b"[")
    if suffix == ".graphml":
        return max(_count_bytes(path, b"<node"), 2 * _count_bytes(path, b"<edge"))
    if suffix == ".shp":
        return path.stat().st_size // 16
    if suffix == ".zip":
        return _zip_vertex_upper_bound(path)
    if suffix == ".gpkg":
        return _gpkg_blob_bytes(path) // 16
    return None


def _zip_vertex_upper_bound(path: Path) -> int:
    """Vertices a zipped geometry file may hold: its ``.shp`` and ``.gpkg`` by their size, its GeoJSON by brackets.

    Run after :func:`zip_problems`: each member is within the limits, and GeoJSON is streamed.
    """
    total = 0
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():
            suffix = PurePosixPath(member.filename).suffix.lower()
            if suffix in (".shp", ".gpkg"):
                total += member.file_size // 16
            elif suffix in (".geojson", ".json"):
                with archive.open(member) as handle:
                    total += _count_in(handle, b"[")
    return total


def _count_bytes(path: Path, needle: bytes) -> int:
    """Occurrences of ``needle`` in the file, read a megabyte at a time."""
    with path.open("rb") as handle:
        return _count_in(handle, needle)


def _count_in(handle: IO[bytes], needle: bytes) -> int:
    count, carry = 0, b""  # carry: the last bytes of a chunk, too short to hold the needle alone
    while chunk := handle.read(_CHUNK):
        block = carry + chunk
        count += block.count(needle)
        carry = block[len(block) - len(needle) + 1 :]
    return count


def _gpkg_blob_bytes(path: Path) -> int:
    """Bytes of every geometry blob of a GeoPackage (0 if it cannot be read: GDAL will say why)."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            columns = conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
            total = 0
            for table, column in columns:
                quoted_table, quoted_column = (f'"{str(n).replace(chr(34), chr(34) * 2)}"' for n in (table, column))
                total += conn.execute(
                    f"SELECT coalesce(sum(length({quoted_column})), 0) FROM {quoted_table}"
                ).fetchone()[0]
        return int(total)
    except sqlite3.Error:
        return 0
