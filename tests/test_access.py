"""Every role against every kind of data and action (the sample dong; roles enforced in mapping/, not the UI)."""

from __future__ import annotations

import pytest

from mapping.access import CLI_USER, PUBLIC_USER, SYSTEM_USER, User, can_read_personal
from mapping.errors import AccessError, TransitionError
from mapping.month.aggregation import monthly_sheet_for
from mapping.publish.privacy import public_view
from mapping.store import Store
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user

OTHER_DONG = "1111051500"


def person(name: str | None, role: str | None, *, dong: str = SAMPLE_CODE, admin: bool = False) -> User:
    return User(f"acct-{name or role}", name or "관리자", role, staff_name=name, dong_code=dong, admin=admin)


# who, and the zones whose personal data they reach (from the sample's staff list: owner, 대직자, team)
MATRIX = {
    "주무관 (own zone + 대직)": (person("강도윤", "officer"), {"Z03", "Z02"}),  # owns Z03, substitutes for 오민재's Z02
    "주무관 (own zone only)": (person("노아린", "officer"), {"Z28", "Z27"}),  # owns Z28, substitutes for 남궁현's Z27
    "팀장": (person("유정민", "team_leader"), {"Z21", "Z27", "Z28", "Z29", "Z31", "Z33"}),  # 복지팀
    "행정팀장": (person("오민재", "admin_team_leader"), "all"),
    "동장": (person("한서윤", "dong_head"), "all"),
    "구 담당": (person(None, "gu"), set()),
    "관리자 (no role)": (person(None, None, admin=True), set()),
    "주무관 of another dong": (person("강도윤", "officer", dong=OTHER_DONG), set()),
    "주민 (public)": (PUBLIC_USER, set()),
}


@pytest.fixture
def zones(sample_store: Store) -> set[str]:
    return set(sample_store.zones(SAMPLE_CODE)["zone_id"])


@pytest.mark.parametrize("who", list(MATRIX))
def test_households_reach_exactly_the_roles_zones(sample_store: Store, zones: set[str], who: str) -> None:
    user, expected = MATRIX[who]
    expected = zones if expected == "all" else expected
    assert sample_store.personal_zones(SAMPLE_CODE, user=user) == expected
    before = len(sample_store.access_log())
    if not expected:
        with pytest.raises(PermissionError, match="개인정보"):
            sample_store.households(SAMPLE_CODE, user=user)
        assert len(sample_store.access_log()) == before  # a refused read shows nothing and logs nothing
        return
    seen = sample_store.households(SAMPLE_CODE, user=user)
    everything = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    assert set(seen["zone_id"].dropna()) <= expected
    assert len(seen) == int(everything["zone_id"].isin(expected).sum()) + (
        int(everything["zone_id"].isna().sum()) if expected == zones else 0
    )
    log = sample_store.access_log()
    assert log.iloc[before]["account"] == user.account  # the read is logged under who read it


@pytest.mark.parametrize("who", list(MATRIX))
def test_resident_contact_reaches_the_zone_and_whoever_handles_it(
    sample_store: Store, zones: set[str], who: str
) -> None:
    user, expected = MATRIX[who]
    expected = zones if expected == "all" else expected
    point = sample_store.tongs(SAMPLE_CODE).set_index("tong").loc[13].geometry.representative_point()  # Z13, 조예린
    rid = sample_store.file_report(
        SAMPLE_CODE, lonlat=(point.x, point.y), memo="독거 어르신", resident_name="김주민",
        resident_phone="010-2222-3333", user=staff_user("조예린"),
    )  # fmt: skip
    sample_store.hand_over(
        rid,
        "노아린",
        user=staff_user("조예린"),
    )  # the welfare colleague must call the resident
    if user.role == "public" or user.role == "gu" or user.dong_code != SAMPLE_CODE or user.role is None:
        with pytest.raises(AccessError):  # the public, a 구 담당, another dong's staff, a bare admin: no report at all
            sample_store.report(rid, user=user)
        assert not can_read_personal(user) or user.dong_code != SAMPLE_CODE
        return
    contact = sample_store.report(rid, user=user)["resident_name"]
    handles = user.staff_name == "노아린" and user.dong_code == SAMPLE_CODE
    assert (contact == "김주민") == ("Z13" in expected or handles)
    contacts = sample_store.resident_contacts(SAMPLE_CODE, user=user) if can_read_personal(user) else None
    if contacts is not None:
        assert (rid in set(contacts["id"])) == ("Z13" in expected or handles)


def test_counts_and_the_public_view_need_no_user(sample_store: Store) -> None:
    sheet = monthly_sheet_for(sample_store, SAMPLE_CODE, month="2026-10")
    view = public_view(sample_store, SAMPLE_CODE)
    assert sheet.total > 0 and len(view.zones) == 18  # aggregates carry no personal data: no user is asked for
    assert "name" not in sheet.by_field.columns


def test_the_tool_checking_its_outputs_sees_the_whole_dong(sample_store: Store, zones: set[str]) -> None:
    assert sample_store.personal_zones(SAMPLE_CODE, user=SYSTEM_USER) == zones


def test_changing_a_contact_needs_the_right_to_see_it(sample_store: Store) -> None:
    point = sample_store.tongs(SAMPLE_CODE).set_index("tong").loc[13].geometry.representative_point()
    rid = sample_store.file_report(SAMPLE_CODE, lonlat=(point.x, point.y), memo="상담", user=staff_user("조예린"))
    outsider = person("강도윤", "officer")  # same dong, neither finder nor assignee: may not touch the report at all
    with pytest.raises(TransitionError, match="고치거나 기록할 수 없습니다"):
        sample_store.update_report(rid, {"resident_phone": "010-1"}, user=outsider)
    namesake = person("조예린", "officer", dong=OTHER_DONG)  # the finder's name, another dong's account
    with pytest.raises(AccessError, match="직원이 아니라"):
        sample_store.update_report(rid, {"resident_phone": "010-1"}, user=namesake)
    assert sample_store.report(rid, user=CLI_USER)["resident_phone"] is None
    sample_store.update_report(rid, {"resident_phone": "010-4444-5555"}, user=person("조예린", "officer"))
    assert sample_store.report(rid, user=CLI_USER)["resident_phone"] == "010-4444-5555"
