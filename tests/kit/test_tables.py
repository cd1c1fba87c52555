"""Cell parsers and table reading of mapping.kit.tables (Korean dates, tongs, yes/no, encodings, coordinates)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mapping.errors import Problem
from mapping.kit.tables import (
    Column,
    decode_csv,
    match_columns,
    parse_date,
    parse_datetime,
    parse_int,
    parse_points,
    parse_rows,
    parse_tong,
    parse_tong_list,
    parse_yes_no,
    read_table,
)
from tests.helpers import MB, SHEET_HEAD, SHEET_TAIL, deflated_repeat, sheet_xml, xlsx_bytes

CSV_TEXT = '팀명,성명,담당통\n복지팀,유정민,"27,28"\n'


def frame_of(rows: list[dict[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, dtype=object)


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, problems
    return problems[0]


# ---- dates -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-03 14:30", dt.datetime(2026, 11, 3, 14, 30)),
        ("2026.11.3", dt.datetime(2026, 11, 3)),
        ("2026. 11. 3.", dt.datetime(2026, 11, 3)),
        ("2026년 11월 3일 오후 2시", dt.datetime(2026, 11, 3, 14)),
        ("2026년 11월 3일 오후 2시 30분", dt.datetime(2026, 11, 3, 14, 30)),
        ("2026년 11월 3일", dt.datetime(2026, 11, 3)),
        ("2026/11/03", dt.datetime(2026, 11, 3)),
        ("2026-11-03 오전 12:30", dt.datetime(2026, 11, 3, 0, 30)),
        ("2026-11-03 오후 12:30", dt.datetime(2026, 11, 3, 12, 30)),
        ("2026-11-03 14:30:15", dt.datetime(2026, 11, 3, 14, 30, 15)),
        ("  2026-11-03  ", dt.datetime(2026, 11, 3)),
    ],
)
def test_parse_datetime_korean_styles(text: str, expected: dt.datetime) -> None:
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["어제", "", "11/03/2026", "2026-11", "2026-11-03 오후", "2026-11-03T99:00"])
def test_parse_datetime_unreadable(text: str) -> None:
    with pytest.raises(ValueError, match=r"날짜 .* 읽을 수 없습니다"):
        parse_datetime(text)


def test_parse_datetime_impossible_date() -> None:
    with pytest.raises(ValueError, match="없는 날짜"):
        parse_datetime("2026-13-01")


def test_parse_date_drops_the_time() -> None:
    assert parse_date("2026년 11월 3일 오후 2시") == dt.date(2026, 11, 3)


# ---- tongs, yes/no, integers ----------------------------------------------------
@pytest.mark.parametrize("text", ["11", "11통", "제11통", " 제 11 통 ", "011"])
def test_parse_tong(text: str) -> None:
    assert parse_tong(text) == 11


@pytest.mark.parametrize("text", ["", "통", "11-1", "열한통", "11번"])
def test_parse_tong_unreadable(text: str) -> None:
    with pytest.raises(ValueError, match=r"통 번호 .* 읽을 수 없습니다"):
        parse_tong(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("11,21", [11, 21]), ("11통, 21통", [11, 21]), ("3/4", [3, 4]), ("5", [5]), ("", []), ("1,,2,", [1, 2])],
)
def test_parse_tong_list(text: str, expected: list[int]) -> None:
    assert parse_tong_list(text) == expected


def test_parse_tong_list_bad_part() -> None:
    with pytest.raises(ValueError, match="'x'"):
        parse_tong_list("11,x")


@pytest.mark.parametrize("text", ["Y", "y", "yes", "예", "O", "1", "true", "TRUE", " Y ", "공개"])
def test_parse_yes(text: str) -> None:
    assert parse_yes_no(text) is True


@pytest.mark.parametrize("text", ["N", "no", "아니오", "아니요", "X", "x", "0", "false", "비공개"])
def test_parse_no(text: str) -> None:
    assert parse_yes_no(text) is False


@pytest.mark.parametrize("text", ["maybe", "", "네 아마"])
def test_parse_yes_no_bad(text: str) -> None:
    with pytest.raises(ValueError, match="Y 또는 N"):
        parse_yes_no(text)


@pytest.mark.parametrize(("text", "expected"), [("30", 30), ("30일", 30), (" 7 ", 7)])
def test_parse_int(text: str, expected: int) -> None:
    assert parse_int(text) == expected


def test_parse_int_bad() -> None:
    with pytest.raises(ValueError, match="정수가 아닙니다"):
        parse_int("한 달")


# ---- decoding ------------------------------------------------------------------
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp949"])
def test_decode_csv_accepted_encodings(encoding: str) -> None:
    text, problems = decode_csv(CSV_TEXT.encode(encoding), file="staff.csv")
    assert problems == []
    assert text == CSV_TEXT  # the BOM is dropped


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_decode_csv_utf16_refused(encoding: str) -> None:
    text, problems = decode_csv(CSV_TEXT.encode(encoding), file="staff.csv")
    assert text is None
    problem = only(problems)
    assert (problem.file, problem.row, problem.column, problem.severity) == ("staff.csv", None, None, "error")
    assert "인코딩" in problem.message
    assert "CSV UTF-8" in problem.message


def test_decode_csv_invalid_bytes_refused() -> None:
    text, problems = decode_csv(bytes(range(0x80, 0x100)) * 4, file="x.csv")
    assert text is None
    assert "UTF-8도 CP949도 아닌 인코딩" in only(problems).message


# ---- reading tables ----------------------------------------------------------------
def test_read_table_csv_cells_are_stripped_text(tmp_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text(" 팀명 ,성명,방문주기\n 복지팀 ,유정민,007\n", encoding="cp949")
    frame, problems = read_table(path)
    assert problems == []
    assert list(frame.columns) == ["팀명", "성명", "방문주기"]
    assert frame.iloc[0].tolist() == ["복지팀", "유정민", "007"]  # text kept as typed


def test_read_table_xlsx_cells_as_text(tmp_path: Path) -> None:
    path = tmp_path / "reports.xlsx"
    pd.DataFrame(
        {
            "일시": [dt.datetime(2026, 11, 3, 14, 30), dt.datetime(2026, 11, 4)],
            "주기": [30.0, None],
            "경도": [126.9012, 126.9],
        }
    ).to_excel(path, index=False)
    frame, problems = read_table(path)
    assert problems == []
    assert frame["일시"].tolist() == ["2026-11-03 14:30", "2026-11-04"]
    assert frame["주기"].tolist() == ["30", ""]
    assert frame["경도"].tolist() == ["126.9012", "126.9"]


def test_read_table_unreadable_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "staff.xlsx"
    path.write_text("not a workbook", encoding="utf-8")
    frame, problems = read_table(path)
    assert frame is None
    problem = only(problems)
    assert (problem.file, problem.row) == ("staff.xlsx", None)
    assert "읽을 수 없는 파일" in problem.message


# ---- columns and rows --------------------------------------------------------------
COLUMNS = [
    Column("name", "성명"),
    Column("tongs", "담당통", required=False, parse=parse_tong_list),
    Column("visit_every_days", "방문주기_일", required=False, parse=parse_int),
]


@pytest.mark.parametrize(
    "headers",
    [
        ["성명", "담당통", "방문주기_일"],
        ["name", "tongs", "visit_every_days"],
        ["NAME", " 담당 통 ", "방문주기 일"],
        ["성명", "Tongs", "visit-every-days"],
    ],
)
def test_match_columns_korean_english_and_spacing(headers: list[str]) -> None:
    found, problems = match_columns(pd.DataFrame(columns=headers), COLUMNS, file="f.csv")
    assert problems == []
    assert found == dict(zip(["name", "tongs", "visit_every_days"], headers, strict=True))


def test_match_columns_missing_required_only() -> None:
    found, problems = match_columns(pd.DataFrame(columns=["담당통", "비고"]), COLUMNS, file="f.csv")
    assert found == {"tongs": "담당통"}
    problem = only(problems)
    assert (problem.file, problem.row, problem.column) == ("f.csv", None, "성명")
    assert "성명 [name]" in problem.message
    assert "비고" in problem.message


def test_parse_rows_excel_row_numbers_and_problems() -> None:
    frame = frame_of(
        [
            {"성명": "유정민", "담당통": "27,28", "방문주기_일": "30일"},
            {"성명": "", "담당통": "", "방문주기_일": ""},
            {"성명": "남궁현", "담당통": "스물일곱", "방문주기_일": "매주"},
        ]
    )
    found, _ = match_columns(frame, COLUMNS, file="f.csv")
    rows, problems = parse_rows(frame, COLUMNS, found, file="f.csv")
    assert [r["_row"] for r in rows] == [2, 3, 4]
    assert rows[0] == {"_row": 2, "name": "유정민", "tongs": [27, 28], "visit_every_days": 30}
    assert rows[1]["tongs"] is None and rows[1]["name"] is None
    assert sorted((p.row, p.column) for p in problems) == [(3, "성명"), (4, "담당통"), (4, "방문주기_일")]
    assert "비어 있습니다" in next(p.message for p in problems if p.row == 3)


# ---- coordinates ----------------------------------------------------------------------
def test_parse_points_lonlat() -> None:
    frame = frame_of([{"경도": "126.9012", "위도": "37.5690"}])
    lon, lat, problems = parse_points(frame, file="p.csv", default_crs=None)
    assert problems == []
    assert (lon[0], lat[0]) == (126.9012, 37.5690)


def test_parse_points_xy_with_file_crs_and_row_crs() -> None:
    frame = frame_of(
        [
            {"x": "191971.007", "y": "451626.174", "좌표계": ""},
            {"x": "191,971.007", "y": "451,626.174", "좌표계": "epsg5174"},
        ]
    )
    lon, lat, problems = parse_points(frame, file="p.csv", default_crs="EPSG:5174")
    assert problems == []
    np.testing.assert_allclose(lon, [lon[0]] * 2)
    assert 126.8 < lon[0] < 127.0 and 37.5 < lat[0] < 37.6


def test_parse_points_xy_without_crs() -> None:
    frame = frame_of([{"x": "191971.0", "y": "451626.2"}])
    lon, _, problems = parse_points(frame, file="p.csv", default_crs=None)
    problem = only(problems)
    assert (problem.file, problem.row, problem.column) == ("p.csv", 2, "좌표계")
    assert np.isnan(lon[0])


@pytest.mark.parametrize(
    ("lon", "lat", "words"),
    [
        ("abc", "37.5", ("숫자로 읽을 수 없습니다", "abc")),
        ("", "", ("좌표가 없습니다", "'경도'와 '위도'", "'x'와 'y'", "'좌표계'")),
        ("126.9", "", ("좌표가 없습니다", "경도='126.9'", "'x'와 'y'")),  # half of one form
        ("37.5690", "126.9012", ("서울 밖", "바뀐")),
        ("129.0", "35.1", ("서울 밖", "EPSG:4326")),
    ],
)
def test_parse_points_bad_rows(lon: str, lat: str, words: tuple[str, ...]) -> None:
    frame = frame_of([{"경도": "126.9", "위도": "37.56"}, {"경도": lon, "위도": lat}])
    lons, _, problems = parse_points(frame, file="p.csv", default_crs=None)
    problem = only(problems)
    assert (problem.file, problem.row, problem.column) == ("p.csv", 3, "경도")
    assert all(word in problem.message for word in words), problem.message
    assert lons[0] == 126.9 and np.isnan(lons[1])


def test_parse_points_without_coordinate_columns() -> None:
    _, _, problems = parse_points(frame_of([{"주소": "어딘가"}]), file="p.csv", default_crs=None)
    problem = only(problems)
    assert (problem.row, problem.column) == (None, "경도")
    assert "좌표 열이 없습니다" in problem.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-03T14:30", dt.datetime(2026, 11, 3, 14, 30)),
        ("2026-11-03T14:30:00+09:00", dt.datetime(2026, 11, 3, 14, 30)),
        ("2026-11-03T05:30:00Z", dt.datetime(2026, 11, 3, 14, 30)),  # UTC shown as Korean time
    ],
)
def test_parse_datetime_iso_from_exports(text: str, expected: dt.datetime) -> None:
    assert parse_datetime(text) == expected


# ---- one file, both forms of coordinates, row by row ----------------------------------
def test_parse_points_mixes_the_two_forms_row_by_row() -> None:
    frame = frame_of(
        [
            {"경도": "126.9012", "위도": "37.5690", "x": "", "y": "", "좌표계": ""},  # placed by hand
            {"경도": "", "위도": "", "x": "191971.007", "y": "451626.174", "좌표계": "EPSG:5174"},  # LOCALDATA
            {"경도": "", "위도": "", "x": "191971.007", "y": "451626.174", "좌표계": ""},  # the file's CRS
            {"경도": "126.9012", "위도": "37.5690", "x": "1", "y": "2", "좌표계": "EPSG:5174"},  # both: 경도/위도
        ]
    )
    lon, lat, problems = parse_points(frame, file="p.csv", default_crs="EPSG:5174")
    assert problems == []
    assert (lon[0], lat[0]) == (lon[3], lat[3]) == (126.9012, 37.5690)  # the file's CRS is for x/y only
    assert (lon[1], lat[1]) == (lon[2], lat[2])
    assert 126.8 < lon[1] < 127.0 and 37.5 < lat[1] < 37.6


def test_parse_points_half_a_form_uses_the_other_whole_one() -> None:
    frame = frame_of([{"경도": "126.9012", "위도": "", "x": "191971.007", "y": "451626.174", "좌표계": "EPSG:5174"}])
    lon, _, problems = parse_points(frame, file="p.csv", default_crs=None)
    assert problems == [] and 126.8 < lon[0] < 127.0


@pytest.mark.parametrize(
    "row",
    [
        {"경도": "", "위도": "", "x": "", "y": "", "좌표계": "EPSG:5174"},
        {"경도": "", "위도": "37.5690", "x": "191971.0", "y": "", "좌표계": ""},
    ],
)
def test_parse_points_row_with_neither_form_names_the_row_and_both_forms(row: dict[str, str]) -> None:
    frame = frame_of([{"경도": "126.9", "위도": "37.56", "x": "", "y": "", "좌표계": ""}, row])
    lon, _, problems = parse_points(frame, file="p.csv", default_crs=None)
    problem = only(problems)
    assert (problem.file, problem.row, problem.column) == ("p.csv", 3, "경도")
    assert all(w in problem.message for w in ("좌표가 없습니다", "'경도'와 '위도'", "'x'와 'y'", "'좌표계'"))
    assert lon[0] == 126.9 and np.isnan(lon[1])


def test_parse_points_projected_numbers_in_lonlat_point_to_x_y() -> None:
    frame = frame_of([{"경도": "191971.0", "위도": "451626.2", "좌표계": "EPSG:5174"}])
    problem = only(parse_points(frame, file="p.csv", default_crs=None)[2])
    assert "'x','y','좌표계' 열" in problem.message


# ---- reading within the limits ---------------------------------------------------------
def write_xlsx(path: Path, rows: dict[int, dict[str, object]], *, dimension: str | None = None) -> Path:
    path.write_bytes(xlsx_bytes(sheet_xml(rows, dimension=dimension)))
    return path


def test_read_table_xlsx_declared_range_over_the_limit(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "staff.xlsx", {1: {"A1": "성명"}, 2: {"A2": "유정민"}}, dimension="A1:XFD1048576")
    frame, problems = read_table(path)
    problem = only(problems)
    assert frame is None and (problem.file, problem.row) == ("staff.xlsx", None)
    assert all(w in problem.message for w in ("A1:XFD1048576", "1,048,576", "200,000", "빈 행·열을 지우"))


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ({1: {"A1": "성명"}, 1_048_576: {"A1048576": "x"}}, ("200,002행",)),  # a row far below the table
        ({1: {"A1": "성명"}, 2: {"A2": "유정민", "GS2": "x"}}, ("GS열",)),  # column 201
        ({1: {"A1": "성명", "XFD1": "x"}}, ("XFD열",)),
    ],
)
def test_read_table_xlsx_cells_beyond_a_small_declared_range(
    tmp_path: Path, rows: dict[int, dict[str, object]], words: tuple[str, ...]
) -> None:
    path = write_xlsx(tmp_path / "staff.xlsx", rows, dimension="A1:B2")  # declares less than it holds
    frame, problems = read_table(path)
    assert frame is None
    assert all(w in only(problems).message for w in (*words, "한도")), problems


def test_read_table_xlsx_whose_sheet_is_a_zip_bomb(tmp_path: Path) -> None:
    head, tail = SHEET_HEAD.format(dimension="").encode(), SHEET_TAIL.encode()
    path = tmp_path / "staff.xlsx"
    path.write_bytes(xlsx_bytes(deflated_repeat(head, b" " * MB, 256, tail)))
    assert path.stat().st_size < MB
    frame, problems = read_table(path)
    problem = only(problems)
    assert frame is None and (problem.file, problem.column) == ("staff.xlsx", "xl/worksheets/sheet1.xml")
    assert "256.0 MB" in problem.message and "200.0 MB" in problem.message


def test_read_table_xlsx_compressed_too_well(tmp_path: Path) -> None:
    head, tail = SHEET_HEAD.format(dimension="").encode(), SHEET_TAIL.encode()
    path = tmp_path / "staff.xlsx"
    path.write_bytes(xlsx_bytes(deflated_repeat(head, b" " * MB, 8, tail)))  # 8 MB from 8 KB
    problem = only(read_table(path)[1])
    assert "압축 폭탄" in problem.message and "한도 100배" in problem.message


def test_read_table_xlsx_rows_keep_excel_numbers_and_pandas_headers(tmp_path: Path) -> None:
    rows = {
        2: {"A2": "성명", "B2": "성명", "D2": "비고"},  # header after a blank row 1
        3: {"A3": "유정민", "B3": 30.0, "C3": "#N/A"},
        5: {"A5": "남궁현", "D5": 126.9012},
    }
    frame, problems = read_table(write_xlsx(tmp_path / "staff.xlsx", rows))
    assert problems == []
    assert list(frame.columns) == ["성명", "성명.1", "Unnamed: 2", "비고"]
    assert list(frame.index) == [3, 5]
    assert frame.loc[3].tolist() == ["유정민", "30", "", ""]  # an error cell is empty
    assert frame.loc[5].tolist() == ["남궁현", "", "", "126.9012"]


def test_read_table_csv_too_many_rows(tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_text("성명\n" + "가\n" * 200_001, encoding="utf-8")
    frame, problems = read_table(path)
    assert frame is None and "행이 200,001개 넘게" in only(problems).message


def test_read_table_csv_too_many_cells(tmp_path: Path) -> None:
    path = tmp_path / "households.csv"
    path.write_text("성명\n" + "," * 2_000_000 + "\n", encoding="utf-8")  # one line of two million commas
    frame, problems = read_table(path)
    assert frame is None and "2,000,000" in only(problems).message


@pytest.mark.parametrize("name", ["staff.csv", "staff.xlsx"])
def test_read_table_file_over_the_size_limit(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with path.open("wb") as handle:
        handle.truncate(50 * MB + 1)  # sparse: nothing written, nothing read
    frame, problems = read_table(path)
    assert frame is None and "50.0 MB" in only(problems).message
