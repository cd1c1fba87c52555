"""The monthly sharing meeting's pack: field summary, best-case history, density map, PDF and XLSX."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from PIL import Image

from mapping.access import CLI_USER
from mapping.errors import CRSError
from mapping.month.meeting import (
    MeetingPack,
    best_case_history,
    density_png,
    export_meeting_pdf,
    export_meeting_xlsx,
    field_summary,
    meeting_pack_for,
    mission_table,
    report_kind,
    zone_counts,
)
from mapping.outreach import mission_progress
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user, without_crs

ATTENDEES = ["오민재", "강도윤", "윤지호"]
DISCUSSION = '=HYPERLINK("http://example.com","자료") 하수구 냄새 민원 대책'
REQUESTS = "폭염 취약가구 방문을 이어 가세요"
CASE_TITLE = "골목 안부 살피기"
MISSION_TITLE = '=HYPERLINK("http://example.com","미션") 골목 쓰레기 줄이기'
ISSUE_TITLE = "성산로 통학로 안전"
RESIDENT_NAME, RESIDENT_PHONE = "홍길동테스트", "010-1234-5678"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# three 100 m squares side by side (EPSG:5186)
ZONES = gpd.GeoDataFrame(
    {"zone_id": ["Z01", "Z02", "Z03"], "officer": ["김하늘", "이도현", "박서연"], "team": ["가", "나", "다"]},
    geometry=[shapely.box(200_000 + 100 * i, 550_000, 200_100 + 100 * i, 550_100) for i in range(3)],
    crs="EPSG:5186",
)


def _counted(*rows: tuple[object, object, object]) -> pd.DataFrame:
    """Counted reports from ``(field, title, memo)`` triples."""
    return pd.DataFrame(rows, columns=["field", "title", "memo"])


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _find_row(ws: openpyxl.worksheet.worksheet.Worksheet, label: str, *, after: int = 0) -> int:
    for row in range(after + 1, ws.max_row + 1):
        if ws.cell(row=row, column=1).value == label:
            return row
    raise AssertionError(f"{label!r} not in column A after row {after}")


# --- the pieces --------------------------------------------------------------------------------------------------


def test_report_kind_is_the_title_or_the_memos_first_line_without_tags() -> None:
    assert report_kind(None, "[샘플] 하수구 냄새 민원\n둘째 줄") == "하수구 냄새 민원"
    assert report_kind("[긴급][샘플] 맨홀 뚜껑 파손", "메모") == "맨홀 뚜껑 파손"
    assert report_kind(" ", float("nan")) == ""
    long = report_kind("아주 긴 제목 " * 10, None)
    assert len(long) == 24 and long.endswith("…")


def test_field_summary_lists_the_most_frequent_kinds_first_with_counts() -> None:
    counted = _counted(
        *[("welfare", None, "[샘플] 어르신 안부 확인")] * 3,
        *[("welfare", "기초생활 상담", None)] * 2,
        ("welfare", "[긴급][샘플] 폭염 방문", None),
        ("welfare", "가스 점검", "메모"),
        ("welfare", None, None),  # counted, but has nothing to list
        ("environment", "하수구 냄새", None),
        ("environment", None, "[샘플] 하수구 냄새\n둘째 줄"),
        ("weather", "주민 모임", None),  # an unknown field counts as 일반
        (None, "주민 모임", None),
    )
    table = field_summary(counted).set_index("분야")
    assert table.index.tolist() == ["복지", "환경", "안전", "민원", "홍보", "일반", "합계"]
    # three kinds at most; a tie is broken by name (가스 점검 before 폭염 방문)
    assert table.loc["복지", "주요내용"] == "어르신 안부 확인 3건, 기초생활 상담 2건, 가스 점검 1건"
    assert table.loc["환경", "주요내용"] == "하수구 냄새 2건"
    assert table.loc["일반", "주요내용"] == "주민 모임 2건"
    assert table["건수"].tolist() == [8, 2, 0, 0, 0, 2, 12]
    assert (table.loc["안전", "주요내용"], table.loc["합계", "주요내용"]) == ("", "")
    assert not table["주요내용"].str.contains("샘플").any()


def test_best_case_history_shows_how_far_each_case_went() -> None:
    cases = pd.DataFrame(
        {
            "month": ["2026-10", "2026-09", "2026-08", "2026-07", "2026-06"],
            "title": ["다섯째", "넷째", "셋째", "둘째", "첫째"],
            "field": ["welfare", "environment", "safety", "general", "welfare"],
            "gu_submitted_on": [
                None,
                dt.date(2026, 10, 6),
                dt.date(2026, 9, 7),
                dt.date(2026, 8, 6),
                dt.date(2026, 7, 7),
            ],
            "gu_result": [None, None, "selected", "not_selected", "selected"],
            "city_submitted_on": [None, None, None, None, dt.date(2026, 7, 9)],
        }
    )
    history = best_case_history(cases)
    assert list(history.columns) == ["연월", "우수사례", "분야", "진행"]
    assert history["연월"].tolist() == ["2026.10", "2026.09", "2026.08", "2026.07", "2026.06"]
    assert history["분야"].tolist() == ["복지", "환경", "안전", "일반", "복지"]
    assert history["진행"].tolist() == ["선정", "구 제출", "구 선정", "구 미선정", "시 제출"]
    assert best_case_history(cases.iloc[0:0]).empty


def test_mission_table_counts_tagged_reports_by_status_under_distinct_korean_headers() -> None:
    missions = pd.DataFrame({"id": [7, 8], "kind": ["mission", "issue"], "title": ["골목 환경", "빈집"]})
    reports = pd.DataFrame(
        {
            "mission_id": [7, 7, 7, 7, None, 9],
            "status": ["closed", "received", "in_progress", "duplicate", "closed", "closed"],
        }
    )
    table = mission_table(mission_progress(missions, reports))
    assert list(table.columns) == [
        "구분",
        "미션·현안",
        "계",
        "처리완료",
        "미완료",
        "접수",
        "인계",
        "처리중",
        "주민통보",
        "반려",
        "중복",
    ]
    assert table.columns.is_unique  # 미완료 (any open status) is not the status 처리중
    first = table.iloc[0]
    assert (first["구분"], first["계"], first["처리완료"], first["미완료"], first["처리중"], first["중복"]) == (
        "이달의 미션",
        4,
        1,
        2,
        1,
        1,
    )
    assert table.iloc[1][["구분", "미션·현안", "계"]].tolist() == ["동 현안사항", "빈집", 0]


def test_zone_counts_count_the_months_activities_per_zone() -> None:
    counted = pd.DataFrame({"zone_id": ["Z01", "Z01", "Z03", None]})
    counts = zone_counts(ZONES, counted)
    assert counts[["zone_id", "officer", "count"]].to_numpy().tolist() == [
        ["Z01", "김하늘", 2],
        ["Z02", "이도현", 0],
        ["Z03", "박서연", 1],
    ]
    assert counts.crs == ZONES.crs
    assert zone_counts(ZONES, pd.DataFrame({"zone_id": []}))["count"].tolist() == [0, 0, 0]
    with pytest.raises(CRSError):
        zone_counts(without_crs(ZONES), counted)


def test_density_png_is_a_png_map() -> None:
    counts = zone_counts(ZONES, pd.DataFrame({"zone_id": ["Z01", "Z01", "Z03"]}))
    data = density_png(counts, title="2026년 10월 구역별 활동", dpi=60)
    assert data.startswith(PNG_MAGIC)
    image = Image.open(io.BytesIO(data))
    image.verify()
    assert image.format == "PNG"
    assert image.size == (450, 360)  # 7.5 × 6 in at 60 dpi
    with pytest.raises(CRSError):
        density_png(without_crs(counts), title="x")


# --- the pack from the store -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pack_store(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The sample store with October's meeting saved, a best case chosen and a report naming a resident."""
    path = tmp_path_factory.mktemp("meeting") / "store.sqlite"
    shutil.copy(sample_db, path)
    store = open_store(path)
    reports = store.reports(SAMPLE_CODE)
    october = reports[reports["created_at"].dt.strftime("%Y-%m") == "2026-10"]
    personal = store.file_report(
        SAMPLE_CODE,
        lonlat=(float(october["lon"].iloc[0]), float(october["lat"].iloc[0])),
        memo="어르신 안부 확인",
        title="어르신 안부 확인",
        field="welfare",
        resident_name=RESIDENT_NAME,
        resident_phone=RESIDENT_PHONE,
        created_at=dt.datetime(2026, 10, 27, 10, 0),
        user=staff_user("강도윤"),
    )
    store.mark_reported(
        [personal],
        user=staff_user("강도윤"),
    )
    store.save_meeting(
        SAMPLE_CODE,
        "2026-10",
        held_at=dt.datetime(2026, 11, 4, 16, 0),
        place="2층 회의실",
        attendees=ATTENDEES,
        discussion=DISCUSSION,
        requests=REQUESTS,
        user=staff_user("오민재"),
    )
    store.choose_best_case(
        SAMPLE_CODE, "2026-10", title=CASE_TITLE, field="복지", report_ids=[personal], user=staff_user("오민재")
    )
    mission = store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title=MISSION_TITLE, user=CLI_USER)
    store.add_mission(SAMPLE_CODE, "2026-10", kind="issue", title=ISSUE_TITLE, user=CLI_USER)
    closed = october[october["status"] == "closed"].head(1)  # the sample's October is all closed
    in_progress = reports[reports["status"] == "in_progress"].head(1)
    tagged = [
        *zip(closed["id"], closed["finder"], strict=True),
        *zip(in_progress["id"], in_progress["finder"], strict=True),
        (personal, "강도윤"),
    ]
    assert len(tagged) == 3
    for report_id, finder in tagged:
        store.tag_report(int(report_id), mission, user=staff_user(finder))
    yield store
    store.close()


@pytest.fixture(scope="module")
def pack(pack_store: Store) -> MeetingPack:
    return meeting_pack_for(pack_store, SAMPLE_CODE, month="2026-10")


@pytest.fixture(scope="module")
def pack_pdf(pack: MeetingPack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_meeting_pdf(pack, tmp_path_factory.mktemp("pdf") / "meeting.pdf")


@pytest.fixture(scope="module")
def pack_xlsx(pack: MeetingPack, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_meeting_xlsx(pack, tmp_path_factory.mktemp("xlsx") / "meeting.xlsx")


def test_pack_gathers_the_month(pack: MeetingPack) -> None:
    assert (pack.month, pack.dong, pack.sample) == ("2026-10", "서울특별시 마포구 성산2동", True)
    assert pack.when == "2026년 11월 4일 (수) 16:00"
    assert pack.attendees == ATTENDEES
    assert pack.by_field.set_index("분야").loc["합계", "건수"] == 33  # the sample's 32 and the one filed here
    assert pack.zone_counts["count"].sum() == 33
    assert pack.best_cases["우수사례"].tolist() == [CASE_TITLE]


def test_pack_counts_the_reports_tagged_with_each_mission(pack: MeetingPack) -> None:
    table = pack.missions.set_index("미션·현안")
    assert table.index.tolist() == [MISSION_TITLE, ISSUE_TITLE]  # missions before issues
    assert table.loc[MISSION_TITLE, ["구분", "계", "처리완료", "미완료"]].tolist() == ["이달의 미션", 3, 1, 2]
    assert table.loc[ISSUE_TITLE, ["구분", "계", "처리완료"]].tolist() == ["동 현안사항", 0, 0]


def test_pdf_is_a4_and_shows_the_meeting(pack_pdf: Path) -> None:
    info = subprocess.run(["pdfinfo", str(pack_pdf)], check=True, capture_output=True, text=True).stdout
    width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert abs(width - 595) <= 1 and abs(height - 842) <= 1
    text = _pdf_text(pack_pdf)
    for expected in (
        "2026년 10월 우리동네주무관 월례 공유회의",
        "2026년 11월 4일 (수) 16:00",
        "2층 회의실",
        "오민재, 강도윤, 윤지호 (3명)",
        "2. 분야별 활동실적",
        "하수구 냄새 민원 6건",
        "3. 이달의 미션·현안 진행",
        MISSION_TITLE,
        ISSUE_TITLE,
        "4. 월별 우수사례",
        CASE_TITLE,
        DISCUSSION,
        REQUESTS,
        "7. 구역별 활동 밀도",
    ):
        assert expected in text
    assert "[샘플]" not in text
    listing = subprocess.run(["pdfimages", "-list", str(pack_pdf)], check=True, capture_output=True, text=True).stdout
    assert len([line for line in listing.splitlines()[2:] if " image " in line]) == 1  # the density map


def test_xlsx_holds_the_meeting_and_keeps_formulas_as_text(pack_xlsx: Path) -> None:
    wb = openpyxl.load_workbook(pack_xlsx)
    ws = wb["공유회의"]
    assert ws["A1"].value == "2026년 10월 우리동네주무관 월례 공유회의"
    assert ws.page_setup.paperSize in (9, "9") and ws.page_setup.orientation == "portrait"
    assert ws.cell(_find_row(ws, "참석자"), 2).value == "오민재, 강도윤, 윤지호 (3명)"
    head = _find_row(ws, "분야")
    assert [ws.cell(head, c).value for c in (1, 2, 3)] == ["분야", "주요내용", "건수"]
    total = _find_row(ws, "합계", after=head)
    assert ws.cell(total, 3).value == 33
    assert ws.cell(_find_row(ws, "복지", after=head), 3).value == 13
    assert CASE_TITLE in [ws.cell(r, 2).value for r in range(total, ws.max_row + 1)]
    discussion = ws.cell(_find_row(ws, "5. 중점 토의사항") + 1, 1)
    assert discussion.data_type == "s"
    assert discussion.value == "'" + DISCUSSION
    assert ws.cell(_find_row(ws, "6. 당부사항") + 1, 1).value == REQUESTS
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert not any(str(c.value).startswith("=") for c in cells)
    assert len(wb["지도"]._images) == 1


def test_xlsx_mission_section_counts_by_status_and_keeps_the_title_as_text(pack_xlsx: Path) -> None:
    ws = openpyxl.load_workbook(pack_xlsx)["공유회의"]
    head = _find_row(ws, "3. 이달의 미션·현안 진행") + 1
    assert [ws.cell(head, c).value for c in (1, 2, 3, 4)] == ["구분", "미션·현안 (상태별)", "계", "처리완료"]
    mission = _find_row(ws, "이달의 미션", after=head)
    title = ws.cell(mission, 2)
    assert title.data_type == "s" and title.value.startswith("'" + MISSION_TITLE)  # a formula stays text
    assert (ws.cell(mission, 3).value, ws.cell(mission, 4).value) == (3, 1)
    issue = _find_row(ws, "동 현안사항", after=head)
    assert (ws.cell(issue, 2).value, ws.cell(issue, 3).value) == (ISSUE_TITLE, 0)


def test_no_resident_contact_in_the_pack(pack_pdf: Path, pack_xlsx: Path) -> None:
    ws = openpyxl.load_workbook(pack_xlsx)["공유회의"]
    cells = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    for text in (_pdf_text(pack_pdf), cells):
        assert RESIDENT_NAME not in text and RESIDENT_PHONE not in text


def test_a_month_without_activity_or_meeting_still_prints(sample_store: Store, tmp_path: Path) -> None:
    pack = meeting_pack_for(sample_store, SAMPLE_CODE, month="2026-08")
    assert pack.when == "미정"
    assert pack.by_field["건수"].tolist() == [0] * 7
    text = _pdf_text(export_meeting_pdf(pack, tmp_path / "empty.pdf"))
    assert "미정" in text and "아직 없습니다" in text and "(없음)" in text
    assert "이 달에 정한 미션·현안이 없습니다" in text
    ws = openpyxl.load_workbook(export_meeting_xlsx(pack, tmp_path / "empty.xlsx"))["공유회의"]
    assert ws.cell(_find_row(ws, "합계"), 3).value == 0
