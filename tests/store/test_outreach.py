"""The store's part of relationships and outreach: contacts, missions, referrals, notice posts (both backends)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from mapping.access import CLI_USER, PUBLIC_USER, User
from mapping.errors import AccessError, ConflictError, NotFoundError, TransitionError, ValidationError
from mapping.store import Store, open_store
from mapping.store.backup import backup_store, restore_store
from mapping.store.schema import SCHEMA_VERSION
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user


@pytest.fixture
def sample_store(backend_store: Store) -> Store:
    """The store's own tests run on both backends: the embedded SQLite file and PostgreSQL + PostGIS."""
    return backend_store


def _officer(name: str) -> User:
    return User(name, name, "officer", staff_name=name, dong_code=SAMPLE_CODE)


KANG = _officer("강도윤")  # zone Z03 (tongs 3, 4); substitute for Z02 (2, 8)
NOAH = _officer("노아린")  # zone Z28 (tongs 28, 36); substitute for Z27 (27, 34)
HEAD = User("han", "한서윤", "dong_head", staff_name="한서윤", dong_code=SAMPLE_CODE)
LEADER = User("yoo", "유정민", "team_leader", staff_name="유정민", dong_code=SAMPLE_CODE)
TODAY = dt.date.today()


def _id_of(store: Store, name: str) -> int:
    book = store.contacts(SAMPLE_CODE, user=CLI_USER)
    return int(book.loc[book["name"] == name, "id"].item())


def _place_in_tong(store: Store, tong: int) -> tuple[float, float]:
    tongs = store.tongs(SAMPLE_CODE)
    point = tongs.loc[tongs["tong"] == tong].geometry.iloc[0].representative_point()
    return (point.x, point.y)


# ---- the contact book -------------------------------------------------------------------------------------------


def test_reloading_the_kit_duplicates_no_contact_and_keeps_edits_and_log(sample_store: Store, sample_kit) -> None:
    before = sample_store.contacts(SAMPLE_CODE, user=CLI_USER)
    assert len(before) == 15
    meter = _id_of(sample_store, "가상검침원09")
    sample_store.update_contact(meter, {"note": "검침일 매월 15일"}, user=NOAH)
    sample_store.log_contact(meter, kind="통화", on_date=TODAY, by_whom="노아린", user=NOAH)
    summary = sample_store.load_kit(sample_kit, user=CLI_USER)
    assert (summary.counts["contacts"], summary.added["contacts"], summary.removed["contacts"]) == (15, 0, 0)
    after = sample_store.contacts(SAMPLE_CODE, user=CLI_USER)
    assert sorted(after["id"]) == sorted(before["id"])
    assert sample_store.contact(meter, user=NOAH)["note"] == "검침일 매월 15일"
    assert len(sample_store.contact_log(meter, user=NOAH)) == 1


def test_an_officer_sees_only_the_contacts_of_their_zones_and_every_view_is_logged(sample_store: Store) -> None:
    mine = sample_store.contacts(SAMPLE_CODE, user=NOAH)
    assert set(mine["zone_id"]) == {"Z27", "Z28"}  # their zone and the one they substitute for
    assert {"가상통장03", "가상검침원09", "가상배달원10", "가상관리소장06", "가상대표07"} == set(mine["name"])
    assert list(sample_store.contacts(SAMPLE_CODE, user=KANG)["name"]) == ["가상반장02"]
    assert len(sample_store.contacts(SAMPLE_CODE, user=HEAD)) == 15  # the dong head: the whole dong
    staff, zones = sample_store.staff(SAMPLE_CODE), sample_store.zones(SAMPLE_CODE)
    team_zones = set(zones.loc[zones["officer"].isin(staff.loc[staff["team"] == "복지팀", "name"]), "zone_id"])
    seen = sample_store.contacts(SAMPLE_CODE, user=LEADER)  # 복지팀's leader: the team's zones only
    assert {"Z27", "Z28"} <= set(seen["zone_id"]) <= team_zones and "가상반장02" not in set(seen["name"])
    last = sample_store.access_log().iloc[-1]
    assert (last["account"], last["action"], last["subject"]) == ("yoo", "조회", f"contacts:{SAMPLE_CODE}")
    sample_store.contact(_id_of(sample_store, "가상반장02"), user=KANG)
    last = sample_store.access_log().iloc[-1]
    assert (last["account"], last["action"]) == ("강도윤", "조회") and last["subject"].startswith("contacts:")


def test_an_officer_of_another_zone_can_neither_see_nor_change_a_contact(sample_store: Store) -> None:
    meter = _id_of(sample_store, "가상검침원09")  # tong 28: 노아린's zone
    entries = len(sample_store.access_log())
    with pytest.raises(PermissionError, match=r"강도윤은\(는\) 연락처 \d+\(28통, 구역 Z28\)를 볼 수 없습니다"):
        sample_store.contact(meter, user=KANG)
    for attempt in (
        lambda: sample_store.contact_log(meter, user=KANG),
        lambda: sample_store.update_contact(meter, {"phone": "010-0000-9999"}, user=KANG),
        lambda: sample_store.delete_contact(meter, user=KANG),
        lambda: sample_store.log_contact(meter, kind="만남", on_date=TODAY, by_whom="강도윤", user=KANG),
    ):
        with pytest.raises(PermissionError, match="볼 수 없습니다"):
            attempt()
    assert len(sample_store.access_log()) == entries  # nothing was seen, nothing logged as seen
    with pytest.raises(
        PermissionError, match=r"방문자\(공개 지도만\)은\(는\) 이 동의 개인정보\(연락처\)를 볼 수 없습니다"
    ):
        sample_store.contacts(SAMPLE_CODE, user=PUBLIC_USER)


def test_adding_a_contact_checks_every_field_and_the_zone(sample_store: Store) -> None:
    with pytest.raises(ValidationError) as info:
        sample_store.add_contact(SAMPLE_CODE, kind="구청장", name=" ", tong=99, phone="123", user=NOAH)
    columns = {p.column for p in info.value.problems}
    assert {"구분", "성명", "통", "연락처"} <= columns
    assert "통 99은(는) 이 동에 없습니다 (있는 통: 1–36)" in str(info.value)
    assert "전화번호 '123'를 읽을 수 없습니다" in str(info.value)
    with pytest.raises(PermissionError, match=r"3통\(구역 Z03\)의 연락처를 다룰 수 없습니다"):
        sample_store.add_contact(SAMPLE_CODE, kind="통장", name="가상통장", tong=3, user=NOAH)
    new = sample_store.add_contact(
        SAMPLE_CODE, kind="요구르트 배달원", name="가상배달원", tong="36통", phone="01000009999",
        lonlat=_place_in_tong(sample_store, 36), note="화·목 오전", user=NOAH,
    )  # fmt: skip
    contact = sample_store.contact(new, user=NOAH)
    assert (contact["phone"], contact["tong"], contact["zone_id"], contact["kind"]) == (
        "010-0000-9999", 36, "Z28", "yogurt_delivery",
    )  # fmt: skip
    log = sample_store.access_log()
    assert ((log["subject"] == f"contacts:{new}") & (log["action"] == "입력")).any()  # the addition itself


def test_a_stale_edit_is_refused_and_a_contact_can_be_deleted(sample_store: Store) -> None:
    office = _id_of(sample_store, "가상관리소장06")
    version = sample_store.contact(office, user=NOAH)["version"]
    sample_store.update_contact(office, {"phone": "02 0000 5107"}, user=NOAH, expected_version=version)
    assert sample_store.contact(office, user=NOAH)["phone"] == "02-0000-5107"
    with pytest.raises(ConflictError, match=r"노아린\(\d\d:\d\d\)이\(가\) 먼저 고쳤습니다. 덮어쓰지 않았습니다"):
        sample_store.update_contact(office, {"note": "늦은 수정"}, user=LEADER, expected_version=version)
    with pytest.raises(ValidationError, match="고칠 수 없는 항목입니다"):
        sample_store.update_contact(office, {"dong_code": "1144074000"}, user=NOAH)
    sample_store.log_contact(office, kind="만남", on_date=TODAY, by_whom="노아린", user=NOAH)
    sample_store.delete_contact(office, user=NOAH)
    with pytest.raises(NotFoundError, match="없습니다"):
        sample_store.contact(office, user=NOAH)
    from mapping.store.schema import CONTACT_LOG

    with sample_store.engine.connect() as conn:  # its log went with it
        assert conn.execute(sa.select(CONTACT_LOG.c.id).where(CONTACT_LOG.c.contact_id == office)).all() == []
    assert sample_store.access_log().iloc[-1]["action"] == "삭제"


def test_the_contact_log_sets_last_contacted_and_the_ninety_day_flag(sample_store: Store) -> None:
    leader = _id_of(sample_store, "가상통장03")
    later = TODAY + dt.timedelta(days=90)
    assert bool(sample_store.contacts(SAMPLE_CODE, user=NOAH, today=later).set_index("id").loc[leader, "stale"])
    sample_store.log_contact(
        leader, kind="동장 동행 소개", on_date=TODAY, by_whom="한서윤", note="동장님과 인사", user=NOAH
    )
    sample_store.log_contact(leader, kind="called", on_date=TODAY - dt.timedelta(days=30), by_whom="노아린", user=NOAH)
    book = sample_store.contacts(SAMPLE_CODE, user=NOAH, today=later).set_index("id")
    assert book.loc[leader, "last_contacted"] == TODAY
    assert bool(book.loc[leader, "stale"]) is True  # 90 days after the last contact
    book = sample_store.contacts(SAMPLE_CODE, user=NOAH, today=later - dt.timedelta(days=1)).set_index("id")
    assert bool(book.loc[leader, "stale"]) is False
    log = sample_store.contact_log(leader, user=NOAH)
    assert list(log["kind"]) == ["called", "introduced"] and list(log["by_whom"]) == ["노아린", "한서윤"]
    with pytest.raises(ValidationError) as info:
        sample_store.log_contact(leader, kind="편지", on_date=TODAY + dt.timedelta(days=1), by_whom="홍길동", user=NOAH)
    assert {p.column for p in info.value.problems} == {"방법", "날짜", "담당"}


# ---- 이달의 미션 / 동 현안사항 -------------------------------------------------------------------------------------


def test_missions_are_set_only_by_the_dong_head_or_a_team_leader(sample_store: Store) -> None:
    with pytest.raises(
        AccessError, match=r"노아린\(주무관\)은\(는\) 이달의 미션·동 현안사항 정하기을\(를\) 할 수 없습니다"
    ):
        sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title="골목 쓰레기", user=NOAH)
    other_dong = User("x", "남의동장", "dong_head", staff_name="남의동장", dong_code="1144074000")
    with pytest.raises(AccessError, match="직원이 아니라"):
        sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title="골목 쓰레기", user=other_dong)
    with pytest.raises(ValidationError) as info:
        sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="숙제", title="", user=HEAD)
    assert {p.column for p in info.value.problems} == {"구분", "제목"}
    first = sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="이달의 미션", title="홀몸 어르신 안부", user=HEAD)
    second = sample_store.add_mission(SAMPLE_CODE, "2026.10", kind="issue", title="성산로 보행 안전", user=LEADER)
    sample_store.add_mission(SAMPLE_CODE, "2026-11", kind="mission", title="김장 나눔", user=HEAD)
    october = sample_store.missions(SAMPLE_CODE, "2026-10")
    assert list(october["id"]) == [first, second] and list(october["kind"]) == ["mission", "issue"]
    assert list(october["set_by"]) == ["한서윤", "유정민"]
    sample_store.update_mission(second, title="성산로 통학로 안전", user=HEAD)
    assert sample_store.mission(second)["title"] == "성산로 통학로 안전"
    assert sample_store.access_log()["subject"].eq(f"missions:{SAMPLE_CODE}:2026-10").sum() == 3


def test_reports_tagged_with_a_mission_are_counted_by_status(sample_store: Store) -> None:
    mission = sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title="골목 환경", user=HEAD)
    issue = sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="issue", title="빈집", user=HEAD)
    reports = sample_store.reports(SAMPLE_CODE)
    closed = reports[reports["status"] == "closed"].head(2)
    received = reports[reports["status"] == "received"].head(1)
    for report in [*closed.itertuples(), *received.itertuples()]:
        sample_store.tag_report(int(report.id), mission, user=staff_user(report.finder))
    progress = sample_store.mission_progress(SAMPLE_CODE, "2026-10").set_index("mission_id")
    assert progress.loc[mission, ["total", "done", "open", "closed", "received"]].tolist() == [3, 2, 1, 2, 1]
    assert progress.loc[issue, "total"] == 0 and progress.loc[issue, "title"] == "빈집"
    first = int(closed["id"].iloc[0])
    assert sample_store.report_history(first).iloc[-1]["action"] == "mission"
    with pytest.raises(TransitionError, match="고치거나 기록할 수 없습니다"):
        sample_store.tag_report(first, issue, user=KANG)
    assert sample_store.delete_mission(mission, user=HEAD) == 3
    assert sample_store.reports(SAMPLE_CODE)["mission_id"].isna().all()


def test_a_report_filed_with_a_mission_is_tagged_at_once(sample_store: Store) -> None:
    mission = sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title="골목 환경", user=HEAD)
    place = sample_store.tongs(SAMPLE_CODE).geometry.iloc[2].representative_point()
    rid = sample_store.file_report(
        SAMPLE_CODE, lonlat=(place.x, place.y), memo="골목 쓰레기", user=KANG, mission_id=mission
    )
    assert sample_store.mission_progress(SAMPLE_CODE, "2026-10").set_index("mission_id").at[mission, "total"] == 1
    before = len(sample_store.reports(SAMPLE_CODE))
    with pytest.raises(ValidationError, match="9999이\\(가\\) 없습니다"):  # no such mission: nothing filed
        sample_store.file_report(SAMPLE_CODE, lonlat=(place.x, place.y), memo="다른 보고", user=KANG, mission_id=9999)
    assert len(sample_store.reports(SAMPLE_CODE)) == before
    assert sample_store.reports(SAMPLE_CODE).set_index("id").at[rid, "mission_id"] == mission


def test_a_mission_deleted_while_a_report_is_filed_tags_nothing(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    mission = sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title="골목 환경", user=HEAD)
    place = sample_store.tongs(SAMPLE_CODE).geometry.iloc[2].representative_point()
    sample_store.delete_mission(mission, user=HEAD)
    monkeypatch.setattr(type(sample_store), "_mission_problems", lambda *_: [])  # it was there when checked
    before = len(sample_store.reports(SAMPLE_CODE))
    with pytest.raises(ValidationError, match="그 사이에 지워졌습니다"):
        sample_store.file_report(SAMPLE_CODE, lonlat=(place.x, place.y), memo="골목", user=KANG, mission_id=mission)
    assert len(sample_store.reports(SAMPLE_CODE)) == before  # no report with a dangling tag


def test_referrals_and_tags_are_recorded_only_by_the_reports_people_of_its_own_dong(sample_store: Store) -> None:
    report = sample_store.reports(SAMPLE_CODE).query("finder == '노아린'").iloc[0]
    namesake = User("acct-other-노아린", "노아린", "officer", staff_name="노아린", dong_code="1132052100")
    mission = sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title="골목 환경", user=HEAD)
    for who, error, words in (
        (KANG, TransitionError, "고치거나 기록할 수 없습니다"),
        (namesake, AccessError, "직원이 아니라"),
    ):
        with pytest.raises(
            error, match=words
        ):  # 강도윤 is not the finder; the finder's name in another dong is not her
            sample_store.refer_report(int(report["id"]), body="복지관", user=who)
        with pytest.raises(error, match=words):
            sample_store.tag_report(int(report["id"]), mission, user=who)
    assert sample_store.report_referrals(int(report["id"])).empty
    assert pd.isna(sample_store.reports(SAMPLE_CODE).set_index("id").at[int(report["id"]), "mission_id"])


def test_a_stale_tag_is_refused(sample_store: Store) -> None:
    mission = sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title="골목 환경", user=HEAD)
    report = sample_store.reports(SAMPLE_CODE).iloc[0]
    version = sample_store.report(int(report["id"]), user=CLI_USER)["version"] or 1
    sample_store.tag_report(int(report["id"]), mission, user=staff_user(report["finder"]))
    with pytest.raises(ConflictError, match="먼저 고쳤습니다"):
        sample_store.tag_report(int(report["id"]), None, user=staff_user(report["finder"]), expected_version=version)


# ---- referrals ---------------------------------------------------------------------------------------------------


def test_the_referral_lifecycle_refuses_illegal_moves_and_keeps_a_dated_history(sample_store: Store) -> None:
    report = sample_store.reports(SAMPLE_CODE).iloc[0]
    rid, finder = int(report["id"]), report["finder"]
    with pytest.raises(ValidationError, match="'기타' 기관은 기관명을 적으세요"):
        sample_store.refer_report(rid, body="기타", user=staff_user(finder))
    with pytest.raises(ValidationError, match="연계 기관 값이 아닙니다"):
        sample_store.refer_report(rid, body="국정원", user=staff_user(finder))
    ref = sample_store.refer_report(rid, body="주민자치위원회", note="주차 문제 안건 상정", user=staff_user(finder))
    with pytest.raises(
        TransitionError, match=r"'의뢰'에서 '연계완료'\(으\)로 바꿀 수 없습니다\. 여기서 갈 수 있는 상태: 협의중"
    ):
        sample_store.move_referral(ref, "연계완료", user=staff_user(finder))
    sample_store.move_referral(ref, "협의중", note="분과회의 11/5", user=staff_user(finder))
    sample_store.move_referral(ref, "linked", note="공영주차장 야간 개방", user=staff_user(finder))
    with pytest.raises(TransitionError, match="이미 끝난 연계입니다"):
        sample_store.move_referral(ref, "협의중", user=staff_user(finder))
    with pytest.raises(TransitionError, match="연계 상태가 아닙니다"):
        sample_store.move_referral(ref, "보류", user=staff_user(finder))
    listed = sample_store.report_referrals(rid)  # what the finder sees: where it went and how it ended
    assert listed[["body", "status", "last_note"]].values.tolist() == [
        ["self_governance", "linked", "공영주차장 야간 개방"]
    ]
    history = sample_store.referral_history(ref, user=CLI_USER)
    assert list(history["to_status"]) == ["referred", "discussing", "linked"]
    assert list(history["from_status"].fillna("")) == ["", "referred", "discussing"]
    assert list(history["note"]) == ["주차 문제 안건 상정", "분과회의 11/5", "공영주차장 야간 개방"]
    assert (history["actor"] == finder).all() and history["at"].notna().all()
    other = sample_store.refer_report(rid, body="복지관", body_name="성산샘플복지관", user=staff_user(finder))
    sample_store.move_referral(other, "협의중", user=staff_user(finder), expected_version=1)
    with pytest.raises(ConflictError, match="먼저 바꿨습니다"):  # a second person who still saw version 1
        sample_store.move_referral(other, "연계불가", user=staff_user("오민재"), expected_version=1)
    assert len(sample_store.report_referrals(rid)) == 2


def test_household_referrals_are_personal_data(sample_store: Store) -> None:
    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    theirs = households[households["zone_id"] == "Z28"]
    assert len(theirs), "the sample has households in 노아린's zone"
    household = int(theirs["id"].iloc[0])
    with pytest.raises(PermissionError, match=r"세대 \d+\(구역 Z28\)를 볼 수 없습니다"):
        sample_store.refer_household(household, body="협의체", user=KANG)
    ref = sample_store.refer_household(household, body="동 지역사회보장협의체", note="밑반찬 지원", user=NOAH)
    with pytest.raises(PermissionError, match="볼 수 없습니다"):
        sample_store.move_referral(ref, "협의중", user=KANG)
    with pytest.raises(PermissionError, match="볼 수 없습니다"):
        sample_store.referral_history(ref, user=KANG)
    assert sample_store.household_referrals(SAMPLE_CODE, user=KANG).empty  # not theirs: not listed
    listed = sample_store.household_referrals(SAMPLE_CODE, user=NOAH)
    assert listed[["household_id", "body", "status", "zone_id"]].values.tolist() == [
        [household, "social_security_council", "referred", "Z28"]
    ]
    last = sample_store.access_log().iloc[-1]
    assert (last["account"], last["action"], last["subject"]) == ("노아린", "조회", f"referrals:{SAMPLE_CODE}")
    with pytest.raises(PermissionError, match="개인정보"):
        sample_store.household_referrals(SAMPLE_CODE, user=PUBLIC_USER)


# ---- 게시 현황 ---------------------------------------------------------------------------------------------------


def test_notice_posts_get_their_zone_and_are_listed_per_zone(sample_store: Store) -> None:
    board = sample_store.add_notice_post(
        SAMPLE_CODE, kind="아파트 게시판", place_name="성산샘플아파트 101동", posted_on=TODAY - dt.timedelta(days=10),
        lonlat=_place_in_tong(sample_store, 36), user=NOAH,
    )  # fmt: skip
    salon = sample_store.add_notice_post(
        SAMPLE_CODE, kind="미장원", place_name="샘플미용실", posted_on=TODAY, tong=3, user=KANG
    )
    with pytest.raises(ValidationError) as info:
        sample_store.add_notice_post(SAMPLE_CODE, kind="전봇대", place_name="", posted_on=TODAY, tong=99, user=KANG)
    assert {p.column for p in info.value.problems} == {"장소 유형", "장소명", "위치"}
    posts = sample_store.notice_posts(SAMPLE_CODE).set_index("id")
    assert (posts.loc[board, "tong"], posts.loc[board, "zone_id"], posts.loc[board, "kind"]) == (
        36,
        "Z28",
        "apartment_board",
    )
    assert (posts.loc[salon, "tong"], posts.loc[salon, "zone_id"]) == (3, "Z03")
    assert list(sample_store.notice_posts(SAMPLE_CODE, zone_id="Z28")["id"]) == [board]
    with pytest.raises(ValidationError, match="게시일"):
        sample_store.end_notice_post(board, removed_on=TODAY - dt.timedelta(days=11), user=NOAH)
    sample_store.end_notice_post(board, removed_on=TODAY - dt.timedelta(days=1), user=NOAH)
    assert list(sample_store.notice_posts(SAMPLE_CODE, on=TODAY)["id"]) == [salon]
    assert list(sample_store.notice_posts(SAMPLE_CODE, on=TODAY - dt.timedelta(days=5))["id"]) == [board]


def test_a_notice_post_follows_its_tong_into_another_zone(sample_store: Store) -> None:
    post = sample_store.add_notice_post(
        SAMPLE_CODE,
        kind="슈퍼마켓",
        place_name="샘플마트",
        posted_on=TODAY,
        tong=2,
        user=staff_user("오민재"),
    )
    staff = sample_store.staff(SAMPLE_CODE)
    staff.at[0, "tongs"], staff.at[1, "tongs"] = [1, 2, 7], [8]  # tong 2 goes to 한서윤's zone Z01
    sample_store.save_assignments(SAMPLE_CODE, staff, user=CLI_USER)
    assert list(sample_store.notice_posts(SAMPLE_CODE, zone_id="Z01")["id"]) == [post]  # the team sees it there


def test_only_the_dongs_staff_keep_its_notice_posts(sample_store: Store) -> None:
    stranger = User("x", "타동직원", "officer", staff_name="타동직원", dong_code="1100000000")
    gu = User("gu", "구청담당", "gu")
    for user, words in ((stranger, "직원이 아니라"), (gu, "게시 기록을\\(를\\) 할 수 없습니다")):
        with pytest.raises(AccessError, match=words):
            sample_store.add_notice_post(
                SAMPLE_CODE, kind="경로당", place_name="샘플경로당", posted_on=TODAY, tong=28,
                user=user,
            )  # fmt: skip
    post = sample_store.add_notice_post(
        SAMPLE_CODE, kind="경로당", place_name="샘플경로당", posted_on=TODAY, tong=28, user=NOAH
    )
    with pytest.raises(AccessError, match="할 수 없습니다"):
        sample_store.end_notice_post(post, removed_on=TODAY, user=gu)
    assert list(sample_store.notice_posts(SAMPLE_CODE, on=TODAY)["id"]) == [post]  # still up


def test_a_referral_is_moved_only_by_the_reports_people_or_a_supervisor(sample_store: Store) -> None:
    report = sample_store.reports(SAMPLE_CODE).query("finder == '노아린' and assignee != '강도윤'").iloc[0]
    ref = sample_store.refer_report(int(report["id"]), body="복지관", user=NOAH)
    with pytest.raises(TransitionError, match="작성자·담당자, 그 팀의 팀장"):
        sample_store.move_referral(ref, "협의중", user=KANG)
    sample_store.move_referral(ref, "협의중", user=HEAD)  # the dong head may
    assert sample_store.report_referrals(int(report["id"]))["status"].tolist() == ["discussing"]


# ---- schema, backup ------------------------------------------------------------------------------------------------

V5_TABLES = ("contacts", "contact_log", "missions", "referrals", "referral_history", "notice_posts")


@pytest.mark.filterwarnings("ignore:Did not recognize type .geometry.")
def test_a_version_4_store_gains_the_outreach_tables_keeping_its_data(empty_store_url: str, sample_kit) -> None:
    store = open_store(empty_store_url)
    store.load_kit(sample_kit, user=CLI_USER)
    with store.writer.begin() as conn:
        for table in V5_TABLES:
            conn.execute(sa.text(f'DROP TABLE "{table}"'))
        conn.execute(sa.text('ALTER TABLE "reports" DROP COLUMN "mission_id"'))
        conn.execute(sa.text("UPDATE meta SET value = '4' WHERE key = 'schema_version'"))
    store.close()
    again = open_store(empty_store_url)
    assert again.schema_version == SCHEMA_VERSION == 10
    inspector = sa.inspect(again.engine)
    assert set(V5_TABLES) <= set(inspector.get_table_names())
    assert "mission_id" in {c["name"] for c in inspector.get_columns("reports")}
    reports = again.reports(SAMPLE_CODE)
    assert len(reports) == 90 and reports["mission_id"].isna().all()
    assert again.contacts(SAMPLE_CODE, user=CLI_USER).empty  # until the kit is loaded again
    assert again.load_kit(sample_kit, user=CLI_USER).added["contacts"] == 15
    again.close()


def test_backup_and_restore_carry_the_outreach_tables(
    sample_store: Store, empty_store_url: str, tmp_path: Path
) -> None:
    meter = _id_of(sample_store, "가상검침원09")
    sample_store.log_contact(meter, kind="만남", on_date=TODAY, by_whom="노아린", user=NOAH)
    mission = sample_store.add_mission(SAMPLE_CODE, "2026-10", kind="mission", title="안부", user=HEAD)
    report = sample_store.reports(SAMPLE_CODE).iloc[0]
    sample_store.tag_report(int(report["id"]), mission, user=staff_user(report["finder"]))
    sample_store.refer_report(int(report["id"]), body="마을계획단", user=staff_user(report["finder"]))
    sample_store.add_notice_post(SAMPLE_CODE, kind="경로당", place_name="샘플경로당", posted_on=TODAY,
                                 tong=28, user=NOAH)  # fmt: skip
    manifest = backup_store(sample_store, tmp_path / "b.zip", user=CLI_USER)
    assert all(manifest["tables"][t]["rows"] >= 1 for t in V5_TABLES)
    target = open_store(empty_store_url)
    restore_store(target, tmp_path / "b.zip", user=CLI_USER)
    assert len(target.contact_log(meter, user=NOAH)) == 1
    assert target.mission_progress(SAMPLE_CODE, "2026-10")["total"].tolist() == [1]
    assert target.report_referrals(int(report["id"]))["body"].tolist() == ["village_planning"]
    assert target.notice_posts(SAMPLE_CODE)["zone_id"].tolist() == ["Z28"]
    target.close()


def test_a_household_the_kit_no_longer_has_takes_its_referrals_and_notes_along(
    sample_store: Store, kit_copy: Path
) -> None:
    from mapping.kit.reader import read_kit
    from mapping.store.schema import REFERRAL_HISTORY, REFERRALS

    households = sample_store.households(SAMPLE_CODE, user=CLI_USER)
    first = int(households.loc[households["phone"] == "010-0000-0001", "id"].iloc[0])
    sample_store.refer_household(first, body="복지관", note="개인 메모: 밑반찬", user=staff_user("한서윤"))
    path = kit_copy / "households.csv"
    path.write_bytes(path.read_bytes().decode("cp949").replace("010-0000-0001", "010-0000-0099").encode("cp949"))
    sample_store.load_kit(read_kit(kit_copy), user=CLI_USER)  # the changed row is a new household
    with sample_store.engine.connect() as conn:
        left = conn.execute(sa.select(REFERRALS.c.id).where(REFERRALS.c.household_id == first)).all()
        notes = conn.execute(sa.select(REFERRAL_HISTORY.c.note)).scalars().all()
    assert left == [] and "개인 메모: 밑반찬" not in notes


def test_contact_log_and_referral_notes_are_guarded_from_public_outputs(sample_store: Store) -> None:
    from mapping.publish.privacy import personal_values_of

    meter = _id_of(sample_store, "가상검침원09")
    sample_store.log_contact(
        meter, kind="통화", on_date=TODAY, by_whom="노아린", note="가상 어르신 댁 가스 점검 동행", user=NOAH
    )
    household = int(sample_store.households(SAMPLE_CODE, user=CLI_USER)["id"].iloc[0])
    sample_store.refer_household(household, body="복지관", note="가상 밑반찬 지원 요청", user=staff_user("한서윤"))
    values = personal_values_of(sample_store, SAMPLE_CODE, user=CLI_USER)
    assert {"가상 어르신 댁 가스 점검 동행", "가상 밑반찬 지원 요청"} <= values
