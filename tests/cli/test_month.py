"""The team leader's month on the command line: monthly, meeting-pack, best-case(-doc/-result), deadlines."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from mapping.cli import main
from mapping.cli.common import EXIT_BAD_INPUT, EXIT_OK
from mapping.store import open_store
from tests.conftest import SAMPLE_CODE

CASE_TITLE = "골목 안부 살피기"


def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit status, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(sample_db: Path, tmp_path: Path) -> Path:
    """A writable copy of the sample store file."""
    path = tmp_path / "store.sqlite"
    shutil.copy(sample_db, path)
    return path


def _october_ids(db: Path, n: int = 2) -> list[int]:
    store = open_store(db)
    try:
        reports = store.reports(SAMPLE_CODE)
        return [int(i) for i in reports[reports["created_at"].dt.strftime("%Y-%m") == "2026-10"]["id"].head(n)]
    finally:
        store.close()


def _best_case(capsys: pytest.CaptureFixture[str], db: Path) -> int:
    ids = ",".join(map(str, _october_ids(db)))
    code, out, err = run(
        capsys,
        "best-case",
        "--db",
        db,
        "--month",
        "2026-10",
        "--title",
        CASE_TITLE,
        "--field",
        "복지",
        "--reports",
        ids,
    )
    assert code == EXIT_OK, err
    return int(out.split()[1].rstrip(":"))


def _case(db: Path, case_id: int) -> dict:
    store = open_store(db)
    try:
        return store.best_case(case_id)
    finally:
        store.close()


# --- each command ------------------------------------------------------------------------------------------------


def test_monthly_writes_the_sheet_and_confirms(capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path) -> None:
    out_file = tmp_path / "out" / "취합.xlsx"
    code, out, err = run(capsys, "monthly", "--db", db, "--month", "2026-10", "--out", out_file)
    assert code == EXIT_OK, err
    assert "2026-10 활동실적 취합" in out
    assert "계 32건 (복지 12 환경 14 안전 0 민원 1 홍보 0 일반 5)" in out
    assert "행정민원팀 소계" in out
    assert openpyxl.load_workbook(out_file).sheetnames == ["분야별", "활동유형별"]
    store = open_store(db)
    assert store.aggregation(SAMPLE_CODE, "2026-10") is None  # not confirmed without --confirm
    store.close()

    code, out, err = run(capsys, "monthly", "--db", db, "--month", "2026-10", "--out", out_file, "--confirm")
    assert code == EXIT_OK, err
    assert "확정" in out
    store = open_store(db)
    saved = store.aggregation(SAMPLE_CODE, "2026-10")
    store.close()
    assert saved["totals"]["계"] == 32 and saved["confirmed_by"] == "명령줄"


@pytest.mark.parametrize(
    ("by", "why"),
    [("아무개", "직원 명단에 없습니다"), ("강도윤", "강도윤\\(주무관\\)은\\(는\\) 취합 확정을\\(를\\) 할 수 없습니다")],
)
def test_monthly_confirm_by_must_be_a_leader_of_the_dong(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, by: str, why: str
) -> None:
    args = ("monthly", "--db", db, "--month", "2026-10", "--out", tmp_path / "a.xlsx", "--confirm", "--by", by)
    code, _out, err = run(capsys, *args)
    assert code == 2 and re.search(why, err), err
    store = open_store(db)
    assert store.aggregation(SAMPLE_CODE, "2026-10") is None  # nothing recorded
    store.close()
    code, _out, err = run(capsys, *args[:-1], "오민재")
    assert code == EXIT_OK, err
    store = open_store(db)
    assert store.aggregation(SAMPLE_CODE, "2026-10")["confirmed_by"] == "오민재"
    store.close()


@pytest.mark.parametrize("suffix", [".pdf", ".xlsx"])
def test_meeting_pack_writes_pdf_or_xlsx(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, suffix: str
) -> None:
    out_file = tmp_path / f"공유회의{suffix}"
    code, out, err = run(capsys, "meeting-pack", "--db", db, "--month", "2026-10", "--out", out_file)
    assert code == EXIT_OK, err
    assert "2026-10 공유회의 자료" in out and "일시 미정" in out
    if suffix == ".pdf":
        text = subprocess.run(["pdftotext", str(out_file), "-"], check=True, capture_output=True, text=True).stdout
        assert "분야별 활동실적" in text
    else:
        assert openpyxl.load_workbook(out_file).sheetnames == ["공유회의", "지도"]


def test_best_case_is_stored(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    case_id = _best_case(capsys, db)
    case = _case(db, case_id)
    assert (case["title"], case["field"], case["month"]) == (CASE_TITLE, "welfare", "2026-10")
    assert case["report_ids"] == sorted(_october_ids(db))


def test_best_case_doc_for_gu_and_city_and_the_results(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    case_id = _best_case(capsys, db)
    gu = tmp_path / "gu.pdf"
    code, out, err = run(capsys, "best-case-doc", case_id, "--db", db, "--out", gu, "--record")
    assert code == EXIT_OK, err
    assert f"실천사례 {case_id} ({CASE_TITLE}) 구 제출서" in out
    assert gu.exists()
    assert _case(db, case_id)["gu_submitted_on"] == dt.date.today()

    code, out, err = run(capsys, "best-case-result", case_id, "selected", "--db", db, "--on", "2026-11-08")
    assert code == EXIT_OK, err
    assert "구 선정 (2026-11-08)" in out
    assert _case(db, case_id)["gu_result_on"] == dt.date(2026, 11, 8)

    city = tmp_path / "city.xlsx"
    code, out, err = run(capsys, "best-case-doc", case_id, "--db", db, "--out", city, "--level", "city", "--record")
    assert code == EXIT_OK, err
    assert "시 제출서" in out
    assert openpyxl.load_workbook(city)["실천사례"]["A1"].value == "우리동네주무관 우수 실천사례 (시 제출)"
    assert _case(db, case_id)["city_submitted_on"] == dt.date.today()


def test_deadlines_prints_the_calendar_and_who_is_behind(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, out, err = run(capsys, "deadlines", "--db", db, "--month", "2026-10", "--today", "2026-11-06")
    assert code == EXIT_OK, err
    assert "2026-10 활동의 월간 일정 (기준일 2026-11-06)" in out
    assert "11/05 활동실적 취합: 기한 지남" in out
    assert "11/07 우수사례 구 제출: 예정 (D-1)" in out
    assert "11/10 구 선정 사례 시 제출: 예정 (D-4)" in out
    assert "주간 현장활동 목표 주 1회 순회: 미달" in out


def test_a_city_document_for_a_case_the_gu_did_not_choose_is_refused_before_writing(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path
) -> None:
    case_id = _best_case(capsys, db)
    city = tmp_path / "city.pdf"
    code, out, err = run(capsys, "best-case-doc", case_id, "--db", db, "--out", city, "--level", "city", "--record")
    assert code == EXIT_BAD_INPUT
    assert "구가 선정한 사례만" in err
    assert _case(db, case_id)["city_submitted_on"] is None
    assert not city.exists()
    assert "시 제출서" not in out


def test_a_result_out_of_order_is_bad_input(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    case_id = _best_case(capsys, db)
    code, _, err = run(capsys, "best-case-result", case_id, "selected", "--db", db)
    assert code == EXIT_BAD_INPUT
    assert "구에 제출한 뒤에" in err
    assert _case(db, case_id)["gu_result"] is None


# --- bad input -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["monthly", "--out", "x.xlsx"],
        ["meeting-pack", "--out", "x.pdf"],
        ["best-case", "--title", "t", "--field", "복지", "--reports", "1"],
        ["deadlines"],
    ],
    ids=["monthly", "meeting-pack", "best-case", "deadlines"],
)
@pytest.mark.parametrize("month", ["2026-13", "시월", "1999-10"])
def test_a_bad_month_exits_2_naming_month(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, args: list[str], month: str
) -> None:
    args = [a if a not in ("x.xlsx", "x.pdf") else str(tmp_path / a) for a in args]
    code, out, err = run(capsys, *args, "--db", db, "--month", month)
    assert code == EXIT_BAD_INPUT
    assert "--month" in err and "YYYY-MM" in err
    assert out == ""
    assert list(tmp_path.glob("x.*")) == []


@pytest.mark.parametrize(
    "args",
    [
        ["monthly", "--month", "2026-10", "--out", "x.pdf"],
        ["meeting-pack", "--month", "2026-10", "--out", "x.docx"],
        ["best-case-doc", "1", "--out", "x.csv"],
    ],
    ids=["monthly", "meeting-pack", "best-case-doc"],
)
def test_a_wrong_out_suffix_exits_2(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, args: list[str]
) -> None:
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    code, _, err = run(capsys, *args, "--db", db)
    assert code == EXIT_BAD_INPUT
    assert "--out" in err and "로 끝나야 합니다" in err
    assert list(tmp_path.glob("x.*")) == []


@pytest.mark.parametrize(
    "args",
    [["best-case-doc", "999", "--out", "x.pdf"], ["best-case-result", "999", "selected"]],
    ids=["best-case-doc", "best-case-result"],
)
def test_an_unknown_best_case_exits_2(
    capsys: pytest.CaptureFixture[str], db: Path, tmp_path: Path, args: list[str]
) -> None:
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    code, _, err = run(capsys, *args, "--db", db)
    assert code == EXIT_BAD_INPUT
    assert "실천사례 999이(가) 없습니다" in err
    assert list(tmp_path.glob("x.*")) == []


def test_a_bad_best_case_exits_2_and_stores_nothing(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, _, err = run(
        capsys, "best-case", "--db", db, "--month", "2026-10", "--title", " ", "--field", "날씨", "--reports", "99999"
    )
    assert code == EXIT_BAD_INPUT
    assert "오류 3건" in err and "[제목]" in err and "[분야]" in err and "99999" in err
    code, _, err = run(
        capsys, "best-case", "--db", db, "--month", "2026-10", "--title", "t", "--field", "복지", "--reports", "1,x"
    )
    assert code == EXIT_BAD_INPUT and "--reports" in err
    store = open_store(db)
    assert store.best_cases(SAMPLE_CODE).empty
    store.close()


def test_a_bad_today_exits_2(capsys: pytest.CaptureFixture[str], db: Path) -> None:
    code, _, err = run(capsys, "deadlines", "--db", db, "--month", "2026-10", "--today", "내일")
    assert code == EXIT_BAD_INPUT
    assert "--today" in err
