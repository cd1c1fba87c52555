"""The zone editor page (구역 편집) acts as the logged-in account: saves and hand-overs are logged under it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from mapping.access import CLI_USER, sample_user
from mapping.errors import AccessError
from mapping.store import open_store
from tests.conftest import ROOT, SAMPLE_CODE, log_in

TIMEOUT = 60
PASSWORD = "성산2동-walk-2026"


def _log_since(before: int) -> pd.DataFrame:
    from app_pages.common import get_store

    return get_store().access_log().iloc[before:]


def _open_zone_page(at: AppTest) -> int:
    """Switch to the zone editor; return the length of the access log before anything is done there."""
    from app_pages.common import get_store

    at.switch_page("app_pages/zones.py").run()
    assert not at.exception and at.title[0].value == "구역 편집"
    return len(get_store().access_log())


def _hand_over(at: AppTest, zone_id: str, successor: str) -> None:
    next(s for s in at.selectbox if s.label == "구역").set_value(zone_id)
    next(s for s in at.selectbox if s.label.startswith("후임자")).set_value(successor)
    at.button(key="reassign").click().run()
    assert not at.exception


@pytest.fixture
def leader_env(app_env: Path) -> Path:
    """The app's copy of the sample store with a team leader's account (유정민, 복지팀)."""
    store = open_store(app_env)
    store.create_account("yujm", name="유정민", password=PASSWORD, role="team_leader", staff_name="유정민",
                         dong_code=SAMPLE_CODE, user=CLI_USER)  # fmt: skip
    store.close()
    return app_env


@pytest.fixture
def leader(leader_env: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app with the team leader logged in through the login page."""
    return log_in("yujm", PASSWORD, monkeypatch=monkeypatch)


def test_a_logged_in_team_leaders_zone_save_is_logged_under_their_account(leader: AppTest) -> None:
    before = _open_zone_page(leader)
    leader.button(key="save_zones").click().run()
    assert not leader.exception and any("저장했습니다" in s.value for s in leader.success)
    log = _log_since(before)
    saved = log[log["subject"] == f"zones:{SAMPLE_CODE}"]
    assert list(saved["action"]) == ["변경"] and list(saved["account"]) == ["yujm"]
    assert CLI_USER.account not in set(log["account"])


def test_a_logged_in_team_leaders_hand_over_is_logged_under_their_account(leader: AppTest) -> None:
    before = _open_zone_page(leader)
    _hand_over(leader, "Z05", "엄채원")
    assert any("윤지호 → 엄채원" in s.value for s in leader.success)
    log = _log_since(before)
    handed = log[log["subject"] == f"zones:{SAMPLE_CODE}:Z05"]
    assert list(handed["account"]) == ["yujm"] and list(handed["detail"]) == ["윤지호 -> 엄채원"]


def test_sample_browsing_cannot_save_or_hand_over_zones(leader_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from app_pages.common import get_store

    monkeypatch.setenv("MAPPING_SAMPLE_AUTOLOGIN", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
    before = _open_zone_page(at)
    assert at.button(key="save_zones").disabled and at.button(key="reassign").disabled
    assert any("팀장·행정팀장·동장이 로그인해서" in i.value for i in at.info)
    staff = get_store().staff(SAMPLE_CODE)
    with pytest.raises(AccessError, match="읽기 전용"):  # the store refuses it whatever the page shows
        get_store().save_assignments(SAMPLE_CODE, staff, user=sample_user(SAMPLE_CODE, "오민재"))
    assert _log_since(before).empty  # nothing saved, nothing logged


def _downloads(at: AppTest) -> set[str]:
    return {b.proto.label for b in at.get("download_button")}


def _team_zones(team: str) -> list[str]:
    from app_pages.common import get_store

    zones = get_store().zones(SAMPLE_CODE)
    return sorted(zones.loc[zones["team"] == team, "zone_id"])


def test_a_logged_in_team_leader_is_offered_profiles_of_their_teams_zones_only(leader: AppTest) -> None:
    _open_zone_page(leader)
    welfare = _team_zones("복지팀")  # 유정민's team
    assert welfare == ["Z21", "Z27", "Z28", "Z29", "Z31", "Z33"]
    assert leader.selectbox(key="profile_zone").options == welfare
    assert _downloads(leader) == {"Z21 PDF", "Z21 XLSX", f"볼 수 있는 구역 전체 PDF ({len(welfare)}쪽)"}
    leader.selectbox(key="profile_zone").set_value("Z28").run()
    assert not leader.exception and {"Z28 PDF", "Z28 XLSX"} <= _downloads(leader)


def test_after_handing_over_another_teams_zone_the_leader_is_not_offered_its_profile(leader: AppTest) -> None:
    _open_zone_page(leader)
    _hand_over(leader, "Z03", "신유나")  # 행정민원팀's zone to 행정민원팀's 신유나: not 유정민's to see
    assert any("강도윤 → 신유나" in s.value for s in leader.success)
    assert not [label for label in _downloads(leader) if label.startswith("후임자")]
    assert any("볼 수 없는 구역" in c.value for c in leader.caption)
    assert "Z03" not in leader.selectbox(key="profile_zone").options
    _hand_over(leader, "Z05", "엄채원")  # into 유정민's team (엄채원 is 복지팀): hers to see now
    assert any("윤지호 → 엄채원" in s.value for s in leader.success)  # the zone and person picked, not the first ones
    assert "후임자 엄채원에게 줄 Z05 구역 현황 PDF" in _downloads(leader)
