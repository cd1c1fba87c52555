"""Addresses: normalising them, reading juso.go.kr files, finding a place by address.

Geocoding services cannot be reached from a centre's network (and VWorld's
terms forbid storing results), so addresses are matched offline against
what the store knows: the address points of a juso.go.kr 위치정보요약DB file
(``entrc_*.txt``) loaded with ``python -m mapping load-addresses``, and the
addresses of resources, reports and households.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypedDict

import numpy as np
import pandas as pd

from mapping.crs import transform_xy
from mapping.errors import NotFoundError, Problem, ValidationError
from mapping.kit.limits import MAX_ADDRESS_FILE_BYTES, MAX_ADDRESS_LINE_BYTES, size_problems

# 위치정보요약DB (entrc_*.txt): pipe-delimited, CP949, 18 fields, X/Y in EPSG:5179.
JUSO_FIELDS = (
    "sgg_code", "entrance_no", "legal_dong_code", "sido", "sigungu", "eupmyeondong", "road_code", "road",
    "underground", "main_no", "sub_no", "building", "postcode", "building_use", "building_group", "adm_cd2", "x", "y",
)  # fmt: skip
SAME_PLACE_M = 200.0  # candidates closer than this count as one place

_PREFIX = re.compile(r"^(서울특별시|서울시|서울)")


def normalize_address(text: object) -> str:
    """A comparable form of an address: no spaces, no 서울특별시, ``12번지 3호`` → ``12-3``.

    Examples
    --------
    >>> normalize_address("서울특별시 마포구 성산동 200번지 22호 SMC")
    '마포구성산동200-22smc'
    """
    t = unicodedata.normalize("NFKC", str(text))
    t = re.sub(r"\([^)]*\)", "", t)
    t = re.sub(r"(\d+)\s*번지\s*(\d+)\s*호", r"\1-\2", t)
    t = re.sub(r"(\d+)\s*번지", r"\1", t)
    t = re.sub(r"(?<=\d)\s+(?=\d)", "|", t)  # keep "200-22 2층" from becoming "200-222층"
    t = re.sub(r"\s+", "", t)
    return _PREFIX.sub("", t).lower()


def read_juso_entrances(path: str | Path) -> pd.DataFrame:
    """Read a juso.go.kr 위치정보요약DB file into address points (EPSG:4326).

    Rows without X/Y (non-public buildings) are skipped; several entrances of
    one building are kept once.

    Returns
    -------
    DataFrame
        ``address`` (road address), ``norm``, ``adm_cd2`` (관할행정동), ``lon``, ``lat``.

    Raises
    ------
    ValidationError
        If the file is not CP949 text with 18 pipe-separated fields per row,
        naming every bad row (up to 20), or is over :data:`~mapping.kit.limits.MAX_ADDRESS_FILE_BYTES`
        or has a line over :data:`~mapping.kit.limits.MAX_ADDRESS_LINE_BYTES` (read line by line, never whole).
    """
    path = Path(path)
    rows, problems = _juso_rows(path)
    if problems:
        raise ValidationError(problems, what=f"주소 파일 {path.name}")
    frame = pd.DataFrame(rows, columns=list(JUSO_FIELDS))
    frame = frame[(frame["x"] != "") & (frame["y"] != "")]
    lon, lat = transform_xy(frame["x"].astype(float), frame["y"].astype(float), "EPSG:5179")
    underground = np.where(frame["underground"] == "1", "지하 ", "")
    sub = np.where(frame["sub_no"].isin(["", "0"]), "", "-" + frame["sub_no"])
    address = frame["sido"] + " " + frame["sigungu"] + " " + frame["road"] + " " + underground + frame["main_no"] + sub
    out = pd.DataFrame({"address": address, "adm_cd2": frame["adm_cd2"], "lon": lon, "lat": lat})
    out["norm"] = out["address"].map(normalize_address)
    return out.drop_duplicates("norm").reset_index(drop=True)


def _juso_rows(path: Path) -> tuple[list[dict[str, str]], list[Problem]]:
    """The rows of a juso file, read a line at a time; reading stops at 20 problems or a line too long."""
    problems = size_problems(path, limit=MAX_ADDRESS_FILE_BYTES)
    rows: list[dict[str, str]] = []
    if problems:
        return rows, problems
    with path.open("rb") as handle:
        for number, raw in enumerate(iter(lambda: handle.readline(MAX_ADDRESS_LINE_BYTES + 1), b""), start=1):
            if len(raw) > MAX_ADDRESS_LINE_BYTES:
                message = (
                    f"한 줄이 {MAX_ADDRESS_LINE_BYTES:,}바이트를 넘습니다. 위치정보요약DB(entrc_*.txt)인지 확인하세요."
                )
                problems.append(Problem(path.name, number, None, message))
                break
            problem = _juso_line(raw, number, path.name, rows)
            if problem:
                problems.append(problem)
            if len(problems) == 20:
                break
    return rows, problems


def _juso_line(raw: bytes, number: int, file: str, rows: list[dict[str, str]]) -> Problem | None:
    """Append one line's fields to ``rows``, or say what is wrong with it."""
    try:
        line = raw.decode("cp949").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        return Problem(file, number, None, f"CP949 텍스트가 아닙니다 ({exc.reason}).")
    if not line.strip():
        return None
    fields = line.split("|")
    if len(fields) != len(JUSO_FIELDS):
        return Problem(file, number, None, f"필드가 {len(fields)}개입니다 ({len(JUSO_FIELDS)}개여야 함).")
    rows.append(dict(zip(JUSO_FIELDS, (f.strip() for f in fields), strict=True)))
    return None


def _starts_with_place(candidate: str, query: str) -> bool:
    if not candidate.startswith(query):
        return False
    rest = candidate[len(query) :]
    # "200-2" must not match "200-22": after a number, the next character may not continue it
    return not rest or not query[-1].isdigit() or not (rest[0].isdigit() or rest[0] == "-")


class AddressMatch(TypedDict):
    """The place an address means: the matched address and its lon/lat (EPSG:4326)."""

    address: str
    lon: float
    lat: float


def match_address(query: str, candidates: pd.DataFrame) -> AddressMatch:
    """Pick the place an address means among ``candidates`` (``address``, ``lon``, ``lat``).

    Raises
    ------
    NotFoundError
        If nothing matches, or the matches are places far apart (with examples).
    """
    norm = normalize_address(query)
    if not norm:
        raise NotFoundError("주소가 비어 있습니다.")
    if candidates.empty:
        raise NotFoundError(f"주소 {query!r}를 찾지 못했습니다: 저장소에 주소 자료가 없습니다 (load-addresses).")
    norms = [
        n if isinstance(n, str) and n else normalize_address(a)
        for n, a in zip(candidates["norm"], candidates["address"], strict=True)
    ]
    candidates = candidates.assign(norm=norms)
    hits = candidates[[_starts_with_place(c, norm) for c in norms]]
    if hits.empty:
        raise NotFoundError(f"주소 {query!r}를 찾지 못했습니다. 구와 도로명(또는 동)·번지를 확인하세요.")
    hits = hits.assign(length=hits["norm"].str.len()).sort_values("length", kind="stable")
    best = hits.iloc[0]
    lon, lat = transform_xy(hits["lon"], hits["lat"], "EPSG:4326", "EPSG:5186")
    bx, by = transform_xy([best["lon"]], [best["lat"]], "EPSG:4326", "EPSG:5186")
    if np.hypot(lon - bx[0], lat - by[0]).max() > SAME_PLACE_M:
        examples = ", ".join(hits["address"].head(3))
        raise NotFoundError(f"주소 {query!r}가 여러 곳과 맞습니다 (예: {examples}). 번지까지 적으세요.")
    return {"address": str(best["address"]), "lon": float(best["lon"]), "lat": float(best["lat"])}


NEAR_ADDRESS_M = 150.0  # an address point further than this from a place does not name it


class NearAddress(TypedDict):
    """The address point nearest a place, and how far it is (metres)."""

    address: str
    metres: float


def nearest_addresses(
    lon: Sequence[float], lat: Sequence[float], candidates: pd.DataFrame, *, within_m: float = NEAR_ADDRESS_M
) -> list[NearAddress | None]:
    """For each place (``lon``, ``lat`` in EPSG:4326), the nearest of ``candidates`` within ``within_m``.

    ``candidates`` has ``address``, ``lon``, ``lat`` (the store's address points).  A place with none
    that near gets None: a far address would send a walker to the wrong door.
    """
    if not len(lon):
        return []
    if candidates.empty:
        return [None] * len(lon)
    px, py = transform_xy(list(lon), list(lat), "EPSG:4326", "EPSG:5186")
    cx, cy = transform_xy(candidates["lon"].astype(float), candidates["lat"].astype(float), "EPSG:4326", "EPSG:5186")
    distance = np.hypot(px[:, None] - cx[None, :], py[:, None] - cy[None, :])
    nearest = distance.argmin(axis=1)
    addresses = candidates["address"].astype(str).to_numpy()
    return [
        NearAddress(address=str(addresses[k]), metres=float(distance[i, k])) if distance[i, k] <= within_m else None
        for i, k in enumerate(nearest)
    ]


_HOUSE_NUMBER = re.compile(r"^(.*?\s\d+(?:-\d+)?)(?=$|[\s,(])")


def short_address(address: str) -> str:
    """An address as one would type it: no 서울특별시, up to the building or lot number.

    Examples
    --------
    >>> short_address("서울특별시 마포구 성산동 200번지 22호 SMC 지하1층~5층")
    '마포구 성산동 200-22'
    >>> short_address("서울특별시 마포구 월드컵로25길 17")
    '마포구 월드컵로25길 17'
    """
    t = re.sub(r"(\d+)\s*번지\s*(\d+)\s*호", r"\1-\2", str(address).strip())
    t = re.sub(r"(\d+)\s*번지", r"\1", t)
    t = _PREFIX.sub("", t).strip()
    found = _HOUSE_NUMBER.match(t)
    return found.group(1) if found else t


def address_hint(files: pd.DataFrame, kit_addresses: Iterable[object], *, dong: str) -> tuple[str, str | None]:
    """What the address search looks in, and an example address of the dong: ``(note, example)``.

    ``files`` is :meth:`mapping.store.Store.address_files`; ``kit_addresses`` the addresses of the dong's kit
    (its resources), used for the example when no loaded file has one of the dong.
    """
    loaded = [f"{r.source} ({int(r.rows):,}곳, 이 동 {int(r.in_dong or 0):,}곳)" for r in files.itertuples()]
    if loaded:
        note = f"주소 자료: {', '.join(loaded)}와 키트의 공개 복지자원 주소에서 찾습니다."
    else:
        note = (
            "불러온 주소 자료(juso.go.kr 위치정보요약DB)가 없어 키트의 공개 복지자원 주소에서만 찾습니다. "
            "관리자가 juso.go.kr 파일(entrc_*.txt)을 불러오면(load-addresses) 모든 건물 주소를 찾습니다."
        )
    named = [e for e in files["example"] if isinstance(e, str)] if len(files) else []
    shortened = [short_address(a) for a in [*named, *kit_addresses] if isinstance(a, str) and a.strip()]
    examples = [a for a in shortened if a[-1].isdigit()]  # one that reaches its building or lot number
    return f"{dong}: {note}", examples[0] if examples else None
