"""Tests of mapping.month.activity: the 활동보고서 table, its XLSX and its PDF."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from PIL import Image

from mapping.errors import MappingError, NotFoundError
from mapping.month.activity import (
    TITLE,
    ActivityReport,
    build_activity_report,
    export_activity_pdf,
    export_activity_xlsx,
    safe_text,
)

OFFICER, OTHER = "김하늘", "이도현"
DAY = dt.date(2026, 11, 3)  # a Tuesday
SCRIPT = "<script>alert(1)</script>"
COLUMNS = ["id", "created_at", "finder", "tong", "activity", "field", "title", "memo", "action"]
# fmt: off
WEEK = [
    # the day itself, deliberately out of time order
    (10, "2026-11-03 16:30", OFFICER, 6, "diary", "environment", "골목 쓰레기 더미", SCRIPT, None),
    (11, "2026-11-03 14:00", OFFICER, 5, "counter", "welfare", "어르신 안부 상담", None, "복지팀 인계"),
    (12, "2026-11-03 15:10", OFFICER, 5, "listening", "environment", None, "하수구 냄새", "청소팀 인계"),
    (13, "2026-11-03 15:40", OFFICER, 6, "care_found", "welfare", "홀몸 어르신 발견", "주 2회 방문 필요", None),
    (14, "2026-11-03 16:00", OFFICER, None, "other", "general", "주민 모임 안내", "주민 모임 안내", None),
    # the same officer on other days of the week (before and after)
    (20, "2026-11-02 10:00", OFFICER, 5, "counter", "petition", "민원 상담", None, None),
    (21, "2026-11-02 11:00", OFFICER, 7, "resource_survey", "welfare", "나눔가게 조사", None, None),
    (22, "2026-11-04 09:00", OFFICER, 5, "counter", "welfare", "다음 날: 누계에 없음", None, None),
    (23, "2026-11-05 09:00", OFFICER, 5, "listening", "safety", "다다음 날: 누계에 없음", None, None),
    # before an explicit since (counts with the default since), and in the previous year (never counts)
    (30, "2026-10-20 10:00", OFFICER, 5, "listening", "environment", "지난달 민원", None, None),
    (31, "2025-12-30 10:00", OFFICER, 5, "counter", "welfare", "작년 보고", None, None),
    # another officer, same day and week: never counts
    (40, "2026-11-03 14:30", OTHER, 5, "counter", "welfare", "다른 주무관", None, None),
    (41, "2026-11-03 15:00", OTHER, 8, "listening", "environment", "다른 주무관", None, None),
    (42, "2026-11-02 15:00", OTHER, 8, "diary", "general", "다른 주무관", None, None),
]
# fmt: on
LABELS = ["주민소통창구", "생활민원청취", "돌봄이웃발견", "복지자원조사", "기타", "계"]
DANGEROUS = ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)", "-2"]


def _frame(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    frame["tong"] = frame["tong"].astype(object).where(frame["tong"].notna(), None)
    return frame


@pytest.fixture
def week() -> pd.DataFrame:
    return _frame(WEEK)


@pytest.fixture
def report(week: pd.DataFrame) -> ActivityReport:
    return build_activity_report(week, officer=OFFICER, day=DAY, team="행정민원팀")


def _photos(tmp_path: Path, n: int) -> list[tuple[Path, str]]:
    colours = ["red", "green", "blue", "orange", "purple"]
    photos = []
    for i in range(n):
        path = tmp_path / f"photo{i}.jpg"
        Image.new("RGB", (64 + 16 * i, 48), colours[i]).save(path, "JPEG")
        photos.append((path, f"사진 설명 {i} " + "아주 긴 설명 " * 10))
    return photos


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _find_row(ws: openpyxl.worksheet.worksheet.Worksheet, label: str, *, after: int = 0) -> int:
    for row in range(after + 1, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == label:
            return row
    raise AssertionError(f"{label!r} not in column A after row {after}")


# --- safe_text ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("하수구 냄새", "하수구 냄새"),
        ("a=b", "a=b"),
        (None, ""),
        (float("nan"), ""),
        (pd.NA, ""),
        (12, "12"),
        ("bell\x07", "bell"),
    ],
)
def test_safe_text(value: object, expected: str) -> None:
    assert safe_text(value) == expected


# --- build_activity_report ---------------------------------------------------------------------------------------


def test_counts_today_and_cumulative_from_new_year(report: ActivityReport) -> None:
    expected = pd.DataFrame(
        {"금일": [1, 1, 1, 0, 2, 5], "누계": [2, 2, 1, 1, 2, 8]}, index=pd.Index(LABELS, name="구분")
    )
    pd.testing.assert_frame_equal(report.counts, expected, check_dtype=False)
    assert all(pd.api.types.is_integer_dtype(t) for t in report.counts.dtypes)


def test_cumulative_starts_at_since(week: pd.DataFrame) -> None:
    report = build_activity_report(week, officer=OFFICER, day=DAY, since=dt.date(2026, 11, 1))
    assert report.counts["누계"].tolist() == [2, 1, 1, 1, 2, 7]
    assert report.counts["금일"].tolist() == [1, 1, 1, 0, 2, 5]


def test_since_on_the_day_counts_only_the_day(week: pd.DataFrame) -> None:
    report = build_activity_report(week, officer=OFFICER, day=DAY, since=DAY)
    assert report.counts["누계"].tolist() == report.counts["금일"].tolist()


def test_overview_texts(report: ActivityReport) -> None:
    assert report.when == "2026년 11월 3일 (화) 14:00~16:30"
    assert report.place == "5통, 6통"
    assert report.summary == "구역 순회, 보고 5건 (복지 2, 환경 2, 일반 1)"
    assert (report.officer, report.team, report.day) == (OFFICER, "행정민원팀", DAY)


def test_sample_place_and_single_report_time(week: pd.DataFrame) -> None:
    report = build_activity_report(week, officer=OTHER, day=dt.date(2026, 11, 2), sample=True)
    assert report.place == "8통 (샘플)"
    assert report.when == "2026년 11월 2일 (월) 15:00"
    assert report.counts.loc["기타"].tolist() == [1, 1]


def test_details_in_time_order(report: ActivityReport) -> None:
    assert report.report_ids == [11, 12, 13, 14, 10]
    assert list(report.details.columns) == ["구분", "상세내역", "조치사항"]
    assert report.details.to_numpy().tolist() == [
        ["주민소통창구", "어르신 안부 상담", "복지팀 인계"],
        ["생활민원청취", "하수구 냄새", "청소팀 인계"],
        ["돌봄이웃발견", "홀몸 어르신 발견\n주 2회 방문 필요", ""],
        ["기타", "주민 모임 안내", ""],
        ["동네일기", f"골목 쓰레기 더미\n{SCRIPT}", ""],
    ]


def test_input_not_modified(week: pd.DataFrame) -> None:
    before = week.copy()
    build_activity_report(week, officer=OFFICER, day=DAY)
    pd.testing.assert_frame_equal(week, before)


def test_photo_captions_shortened(week: pd.DataFrame, tmp_path: Path) -> None:
    photos = _photos(tmp_path, 2)
    report = build_activity_report(week, officer=OFFICER, day=DAY, photos=photos)
    assert [p for p, _ in report.photos] == [p for p, _ in photos]
    assert all(len(c) <= 30 and c.endswith("…") for _, c in report.photos)


def test_no_report_that_day(week: pd.DataFrame) -> None:
    with pytest.raises(NotFoundError, match=r"김하늘의 2026-11-06 활동 보고가 없습니다.*2026-11-05"):
        build_activity_report(week, officer=OFFICER, day=dt.date(2026, 11, 6))
    with pytest.raises(LookupError, match="이 작성자의 보고가 하나도 없습니다"):
        build_activity_report(week, officer="없는사람", day=DAY)
    with pytest.raises(MappingError):
        build_activity_report(week.iloc[0:0], officer=OFFICER, day=DAY)


def test_bad_inputs(week: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="열 memo, action이\\(가\\) 없습니다"):
        build_activity_report(week.drop(columns=["memo", "action"]), officer=OFFICER, day=DAY)
    with pytest.raises(ValueError, match="누계 시작일 2026-11-04"):
        build_activity_report(week, officer=OFFICER, day=DAY, since=dt.date(2026, 11, 4))


# --- XLSX --------------------------------------------------------------------------------------------------------


def test_xlsx_layout_and_counts(report: ActivityReport, tmp_path: Path) -> None:
    path = export_activity_xlsx(report, tmp_path / "report.xlsx")
    ws = openpyxl.load_workbook(path)["활동보고서"]
    assert ws["A1"].value == TITLE
    assert "A1:C1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.page_setup.paperSize in (9, "9") and ws.page_setup.orientation == "portrait"
    assert ws.column_dimensions["B"].width > ws.column_dimensions["A"].width
    assert OFFICER in ws["A2"].value and "행정민원팀" in ws["A2"].value
    when = _find_row(ws, "일시")
    assert ws.cell(when, 2).value == report.when
    assert ws.cell(_find_row(ws, "장소"), 2).value == "5통, 6통"
    head = _find_row(ws, "구분")
    assert [ws.cell(head, c).value for c in (1, 2, 3)] == ["구분", "금일", "누계"]
    got = {ws.cell(r, 1).value: (ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(head + 1, head + 7)}
    assert got == dict(zip(LABELS, zip([1, 1, 1, 0, 2, 5], [2, 2, 1, 1, 2, 8], strict=True), strict=True))
    assert ws.cell(head + 6, 1).border.left.style == "thin"
    details = _find_row(ws, "구분", after=head)
    assert ws.cell(details + 5, 2).value == f"골목 쓰레기 더미\n{SCRIPT}"


def test_xlsx_formula_text_stays_text(week: pd.DataFrame, tmp_path: Path) -> None:
    rows = [
        (50 + i, f"2026-11-06 1{i}:00", OFFICER, 5, "other", "general", None, memo, memo)
        for i, memo in enumerate(DANGEROUS)
    ]
    report = build_activity_report(_frame(rows), officer=OFFICER, day=dt.date(2026, 11, 6))
    path = export_activity_xlsx(report, tmp_path / "formula.xlsx")
    ws = openpyxl.load_workbook(path)["활동보고서"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type in ("s", "n") for c in cells)
    assert not any(str(c.value).startswith("=") for c in cells)
    texts = [c.value for c in cells if c.data_type == "s"]
    for memo in DANGEROUS:
        assert texts.count("'" + memo) == 2  # 상세내역 and 조치사항


# --- PDF ---------------------------------------------------------------------------------------------------------


def test_pdf_text_and_page_size(report: ActivityReport, tmp_path: Path) -> None:
    path = export_activity_pdf(report, tmp_path / "report.pdf")
    text = _pdf_text(path)
    for expected in (
        TITLE,
        OFFICER,
        "하수구 냄새",
        SCRIPT,
        "1. 활동개요",
        "2. 활동현황",
        "3. 활동내용",
        "주민소통창구",
    ):
        assert expected in text
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(width - 595) <= 1 and abs(height - 842) <= 1


def test_pdf_photos(week: pd.DataFrame, tmp_path: Path) -> None:
    report = build_activity_report(week, officer=OFFICER, day=DAY, photos=_photos(tmp_path, 3))
    path = export_activity_pdf(report, tmp_path / "photos.pdf")
    listing = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    assert len([line for line in listing.splitlines()[2:] if " image " in line]) == 3
    assert "4. 사진" in _pdf_text(path)


def test_pdf_long_day_breaks_pages(tmp_path: Path) -> None:
    rows = [
        (
            100 + i,
            f"2026-11-03 {9 + i // 6:02d}:{i % 6 * 10:02d}",
            OFFICER,
            i % 4 + 1,
            "listening",
            "welfare",
            f"민원 {i}",
            "긴 메모 " * 20,
            "인계",
        )
        for i in range(40)
    ]
    report = build_activity_report(_frame(rows), officer=OFFICER, day=DAY, photos=_photos(tmp_path, 5))
    path = export_activity_pdf(report, tmp_path / "long.pdf")
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) >= 2
    assert "민원 39" in _pdf_text(path)


def test_duplicates_never_count_and_the_cumulative_counts_only_submitted_days(week: pd.DataFrame) -> None:
    frame = week.assign(status="closed", reported=True)
    base = build_activity_report(frame, officer=OFFICER, day=DAY).counts
    today = frame[(frame["finder"] == OFFICER) & (pd.to_datetime(frame["created_at"]).dt.date == DAY)].index
    earlier = frame[(frame["finder"] == OFFICER) & (pd.to_datetime(frame["created_at"]).dt.date < DAY)].index
    frame.loc[today[0], "status"] = "duplicate"
    frame.loc[earlier[0], "reported"] = False
    counts = build_activity_report(frame, officer=OFFICER, day=DAY).counts
    assert counts.loc["계", "금일"] == base.loc["계", "금일"] - 1
    assert counts.loc["계", "누계"] == base.loc["계", "누계"] - 2
