"""구·시 현황 page (AppTest): the gu's dongs and the city's gus for a month, their steps, a map, a dong's zones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import APP_TIMEOUT, ROOT
from tests.month.test_region import BANGHAK3, CITY, GU_DOBONG, region_db  # noqa: F401  (the module fixture)


@pytest.fixture
def app_db(region_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    from app_pages.common import get_store

    db = tmp_path / "app.sqlite"
    shutil.copy(region_db, db)
    monkeypatch.setenv("MAPPING_DB", str(db))
    monkeypatch.setenv("MAPPING_TILES", "none")
    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    monkeypatch.chdir(ROOT)
    get_store.clear()
    yield db
    get_store.clear()


def _as(user) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    at.session_state["user"] = user
    at.run()
    assert not at.exception
    return at


def _month(at: AppTest, month: str) -> AppTest:
    box = next(s for s in at.selectbox if s.label == "활동 월")
    box.set_value(month).run()
    assert not at.exception
    return at


def test_gu_page_lists_every_dong_of_the_gu_with_its_counts(app_db: Path) -> None:
    at = _month(_as(GU_DOBONG), "2026-10")
    assert at.title[0].value == "도봉구 현황"
    by_field = at.dataframe[0].value
    assert len(by_field) == 15  # 14 dongs of 도봉구 and the 합계 row
    total = by_field[by_field["동"] == "합계"].iloc[0]
    assert total["소계"] == 5 and total["안전"] == 1
    assert by_field.set_index("동").loc["방학3동", "소계"] == 3
    assert "성산2동" not in by_field["동"].tolist()  # 마포구's dong
    assert not [s for s in at.selectbox if s.label == "범위"]  # a 구 담당 has their gu only
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["활동 합계"] == "5건" and metrics["자료를 불러온 동"] == "2 / 14"
    zones = at.dataframe[-1].value  # the chosen dong's zones, counts only
    assert {"구역", "담당", "통", "소계"} <= set(zones.columns)
    assert at.get("download_button")


def test_city_page_lists_the_25_gus_and_narrows_to_one(app_db: Path) -> None:
    at = _month(_as(CITY), "2026-10")
    assert at.title[0].value == "서울특별시 현황"
    by_field = at.dataframe[0].value
    assert len(by_field) == 26
    assert by_field.set_index("구").loc["도봉구", "소계"] == 5
    scope = next(s for s in at.selectbox if s.label == "범위")
    scope.set_value("11320").run()
    assert at.title[0].value == "도봉구 현황"
    assert any("방학3동" in str(v) for v in at.dataframe[0].value["동"])


def _submitted_case(db: Path) -> int:
    """A case of 방학3동 submitted to the gu (the dong's part, done in the store)."""
    from mapping.month.casebook import submit_best_case
    from mapping.store import open_store
    from tests.helpers import staff_user

    store = open_store(db)
    leader = staff_user("가상팀장", code=BANGHAK3, role="team_leader")
    ids = [int(i) for i in store.reports(BANGHAK3)["id"][:2]]
    case_id = store.choose_best_case(
        BANGHAK3, "2026-10", title="골목 화단 가꾸기", field="환경", report_ids=ids, summary="주민과 함께", user=leader
    )
    submit_best_case(store, case_id, result="화단 3곳", user=leader)
    store.close()
    return case_id


def test_gu_declines_with_a_reason_then_selects_and_sends_and_the_city_shares(app_db: Path) -> None:
    from app_pages.common import get_store

    case_id = _submitted_case(app_db)
    at = _month(_as(GU_DOBONG), "2026-10")
    assert any("골목 화단 가꾸기" in e.label and "검토 중" in e.label for e in at.expander)
    at.radio(key=f"decision{case_id}").set_value("not_selected")
    next(b for b in at.get("form_submit_button") if b.label == "결정 저장").click().run()
    assert any("사유" in e.value for e in at.error)  # a decline without a reason is refused, in Korean
    assert get_store().best_case(case_id)["gu_result"] is None
    at.radio(key=f"decision{case_id}").set_value("selected")
    next(b for b in at.get("form_submit_button") if b.label == "결정 저장").click().run()
    assert get_store().best_case(case_id)["gu_result"] == "selected"
    assert any("결정" in s.value and "저장" in s.value for s in at.success)
    at.button(key=f"to_city{case_id}").click().run()
    assert get_store().best_case(case_id)["city_submitted_on"] is not None

    city = _month(_as(CITY), "2026-10")
    city.button(key=f"share{case_id}").click().run()
    assert get_store().best_case(case_id)["city_shared_on"] is not None


def test_library_page_lists_selected_cases_for_staff_of_any_dong(app_db: Path) -> None:
    from app_pages.common import get_store
    from tests.helpers import staff_user

    case_id = _submitted_case(app_db)
    get_store().decide_case(case_id, selected=True, user=GU_DOBONG)
    at = _as(staff_user("한서윤"))  # the sample dong's head, in 마포구
    at.switch_page("app_pages/cases.py").run()
    assert not at.exception and at.title[0].value == "실천사례 모음"
    assert at.dataframe[0].value["제목"].tolist() == ["골목 화단 가꾸기"]
    at.text_input(key="library_text").input("화단").run()
    assert len(at.dataframe[0].value) == 1
    at.text_input(key="library_text").input("없는말").run()
    assert at.dataframe[0].value.empty
    assert at.get("download_button")


def test_data_page_of_a_gu_administrator_lists_every_dong_of_the_gu_with_its_state(app_db: Path) -> None:
    from mapping.access import User

    admin = User("admin-dobong", "도봉구 관리자", None, admin=True, gu_code="11320")
    at = _as(admin)
    at.switch_page("app_pages/data.py").run()
    assert not at.exception
    assert any(s.value == "도봉구 (11320)의 동" for s in at.subheader)
    dongs = next(d.value for d in at.dataframe if "상태" in d.value.columns)
    assert len(dongs) == 14 and "성산2동" not in dongs["동"].tolist()
    row = dongs.set_index("동").loc["방학3동"]
    assert row["상태"] == "구역 점검" and row["구역 밖 통"] == 2 and row["직원"] == 3  # two tongs in no zone
    assert (dongs["상태"] == "키트 없음").sum() == 12
    assert not [s for s in at.selectbox if s.label == "구"]  # bound to its gu: no other to pick
