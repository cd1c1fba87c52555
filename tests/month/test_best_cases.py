"""실천사례 documents for the gu and the city: what they show, and that no resident's contact is in them."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from mapping.errors import NotFoundError
from mapping.month.best_cases import (
    LEVELS,
    BestCaseDocument,
    best_case_document_for,
    build_best_case_document,
    export_best_case_pdf,
    export_best_case_xlsx,
)
from mapping.photos import read_photo
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user
from tests.test_photos import jpeg_with_gps

GU_TITLE, CITY_TITLE = "우리동네주무관 실천사례 (구 제출)", "우리동네주무관 우수 실천사례 (시 제출)"
CASE_TITLE = "골목 안부 살피기"
SUMMARY = "홀몸 어르신 댁을 주 2회 방문하고 복지팀과 함께 돌봄 계획을 세웠습니다."
RESIDENT_NAME, RESIDENT_PHONE = "홍길동테스트", "010-1234-5678"
COLUMNS = ["id", "created_at", "finder", "tong", "field", "title", "memo", "action"]
REPORTS = pd.DataFrame(
    [
        (1, "2026-10-27 10:00", "강도윤", 7, "welfare", None, "[샘플] 어르신 안부 확인\n둘째 줄", "복지팀 인계"),
        (2, "2026-10-05 14:00", "윤지호", None, "environment", "골목 쓰레기", None, None),
        (3, "2026-10-12 09:00", "강도윤", 5, "welfare", "사례에 없는 보고", None, None),
        (4, "2026-10-20 09:00", "신입", 3, "safety", "맨홀 뚜껑 파손", None, "구청 통보"),
    ],
    columns=COLUMNS,
).assign(created_at=lambda f: pd.to_datetime(f["created_at"]))
STAFF = pd.DataFrame({"name": ["강도윤", "윤지호"], "team": ["행정민원팀", "복지팀"]})
CASE = {
    "id": 7,
    "month": "2026-10",
    "title": "골목 안부",
    "field": "welfare",
    "summary": " 요약 ",
    "report_ids": [1, 4, 2],
}


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def _xlsx_text(path: Path) -> str:
    ws = openpyxl.load_workbook(path)["실천사례"]
    return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def _date(value: object) -> str:
    d = pd.Timestamp(value)
    return f"{d.year}. {d.month}. {d.day}."


# --- the document ------------------------------------------------------------------------------------------------


def test_document_gathers_the_cases_reports_in_time_order() -> None:
    doc = build_best_case_document(CASE, REPORTS, STAFF, dong="성산2동")
    assert doc.details.to_numpy().tolist() == [
        ["2026. 10. 5.", "-", "환경", "골목 쓰레기", ""],
        ["2026. 10. 20.", "3통", "안전", "맨홀 뚜껑 파손", "구청 통보"],
        ["2026. 10. 27.", "7통", "복지", "어르신 안부 확인", "복지팀 인계"],
    ]
    assert (doc.case_id, doc.month, doc.title, doc.field, doc.summary) == (7, "2026-10", "골목 안부", "복지", "요약")
    assert doc.officers == ["윤지호", "신입", "강도윤"]
    assert doc.teams == ["복지팀", "행정민원팀"]  # 신입 is on no team list


def test_a_single_day_case_has_that_day_as_its_period() -> None:
    doc = build_best_case_document(CASE | {"report_ids": [2]}, REPORTS, STAFF, dong="성산2동")
    assert doc.period == "2026. 10. 5."


def test_the_period_runs_from_the_first_to_the_last_report() -> None:
    doc = build_best_case_document(CASE, REPORTS, STAFF, dong="성산2동")
    assert doc.period == "2026. 10. 5. ~ 2026. 10. 27."


def test_a_report_gone_from_the_store_is_named() -> None:
    with pytest.raises(NotFoundError, match=r"실천사례 7의 보고 9, 11이\(가\) 저장소에 없습니다"):
        build_best_case_document(CASE | {"report_ids": [1, 9, 11]}, REPORTS, STAFF, dong="성산2동")


def test_an_unknown_level_is_refused(tmp_path: Path) -> None:
    doc = build_best_case_document(CASE, REPORTS, STAFF, dong="성산2동")
    for export in (export_best_case_pdf, export_best_case_xlsx):
        with pytest.raises(ValueError, match=r"'dong'.*gu\(구\), city\(시\)"):
            export(doc, tmp_path / "x", level="dong")
    assert not (tmp_path / "x").exists()


# --- from the store, for the gu and the city ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def case_store(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, int, list[str]]:
    """The sample store with a best case of two October reports, one naming a resident and with a photo.

    Returns the store, the case id and the reports' dates as the document prints them.
    """
    path = tmp_path_factory.mktemp("cases") / "store.sqlite"
    shutil.copy(sample_db, path)
    store = open_store(path)
    reports = store.reports(SAMPLE_CODE)
    first = reports[reports["created_at"].dt.strftime("%Y-%m") == "2026-10"].iloc[0]
    personal = store.file_report(
        SAMPLE_CODE,
        lonlat=(float(first["lon"]), float(first["lat"])),
        memo="혼자 사시는 어르신 안부 확인",
        title="어르신 안부 확인",
        field="welfare",
        action="복지팀 인계",
        resident_name=RESIDENT_NAME,
        resident_phone=RESIDENT_PHONE,
        photos=[read_photo(jpeg_with_gps(None, None, size=(640, 480)), name="visit.jpg")],
        created_at=dt.datetime(2026, 10, 27, 10, 0),
        user=staff_user("강도윤"),
    )
    case_id = store.choose_best_case(
        SAMPLE_CODE,
        "2026-10",
        title=CASE_TITLE,
        field="복지",
        report_ids=[personal, int(first["id"])],
        summary=SUMMARY,
        user=staff_user("오민재"),
    )
    yield store, case_id, [_date(first["created_at"]), "2026. 10. 27."]
    store.close()


@pytest.fixture(scope="module")
def doc(case_store: tuple[Store, int, list[str]]) -> BestCaseDocument:
    store, case_id, _ = case_store
    return best_case_document_for(store, case_id)


@pytest.fixture(scope="module")
def files(doc: BestCaseDocument, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    folder = tmp_path_factory.mktemp("case_files")
    return {
        (level, kind): export(doc, folder / f"{level}.{kind}", level=level)
        for level in LEVELS
        for kind, export in (("pdf", export_best_case_pdf), ("xlsx", export_best_case_xlsx))
    }


def test_document_from_the_store(doc: BestCaseDocument, case_store: tuple[Store, int, list[str]]) -> None:
    _, case_id, dates = case_store
    assert (doc.case_id, doc.title, doc.field, doc.summary) == (case_id, CASE_TITLE, "복지", SUMMARY)
    assert doc.dong == "서울특별시 마포구 성산2동" and doc.sample
    assert doc.details["일자"].tolist() == dates
    assert [Path(p).exists() for p, _ in doc.photos] == [True]
    assert doc.photos[0][1] == "어르신 안부 확인"


def test_pdf_for_the_gu_and_for_the_city(files: dict, case_store: tuple[Store, int, list[str]]) -> None:
    _, _, dates = case_store
    gu, city = _pdf_text(files["gu", "pdf"]), _pdf_text(files["city", "pdf"])
    assert GU_TITLE in gu and CITY_TITLE not in gu
    assert CITY_TITLE in city and GU_TITLE not in city
    assert "성산2동 → 구" in gu and "성산2동 → 시" in city
    for text in (gu, city):
        for expected in (CASE_TITLE, SUMMARY, "2026년 10월", "3. 관련 활동", "어르신 안부 확인", "4. 사진", *dates):
            assert expected in text
    for path in (files["gu", "pdf"], files["city", "pdf"]):
        info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
        width, height = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
        assert abs(width - 595) <= 1 and abs(height - 842) <= 1
        listing = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
        assert len([line for line in listing.splitlines()[2:] if " image " in line]) == 1


def test_xlsx_for_the_gu_and_for_the_city(files: dict, case_store: tuple[Store, int, list[str]]) -> None:
    _, _, dates = case_store
    for level, title in (("gu", GU_TITLE), ("city", CITY_TITLE)):
        ws = openpyxl.load_workbook(files[level, "xlsx"])["실천사례"]
        assert ws["A1"].value == title
        assert ws.page_setup.paperSize in (9, "9")
        overview = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
        assert overview["사례명"] == CASE_TITLE
        assert overview["분야"] == "복지"
        assert overview["제출"].endswith("구" if level == "gu" else "시")
        assert set(dates) <= {ws.cell(r, 1).value for r in range(1, ws.max_row + 1)}
        assert SUMMARY in _xlsx_text(files[level, "xlsx"])


def test_no_resident_name_or_phone_in_any_document(files: dict) -> None:
    for (_, kind), path in files.items():
        text = _pdf_text(path) if kind == "pdf" else _xlsx_text(path)
        assert RESIDENT_NAME not in text, path.name
        assert RESIDENT_PHONE not in text, path.name
        assert RESIDENT_PHONE.replace("-", "") not in text, path.name
