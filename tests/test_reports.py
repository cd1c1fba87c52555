"""The life of a report: lifecycle table, routing by duty, co-approval, inbox, crash safety."""

from __future__ import annotations

import datetime as dt
import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from mapping.access import CLI_USER, PUBLIC_USER, owner_user, sample_user
from mapping.domain import HISTORY_ACTIONS, TRANSITIONS
from mapping.errors import AccessError, TransitionError, ValidationError
from mapping.kit.reader import read_kit
from mapping.photos import read_photo
from mapping.reports import check_transition, co_approver_for, history_table, propose_assignee
from mapping.store import Store, open_store
from tests.conftest import ROOT, SAMPLE_CODE
from tests.helpers import staff_user
from tests.kits import BANGHAK3, write_banghak3
from tests.test_photos import jpeg_with_gps


@pytest.fixture
def sample_store(backend_store: Store) -> Store:
    """The store's own tests run on both backends: the embedded SQLite file and PostgreSQL + PostGIS."""
    return backend_store


STATUSES = list(TRANSITIONS)
STAFF = pd.DataFrame(
    {
        "name": ["동장", "행정팀장", "청소담당", "복지팀장", "복지1", "복지2", "민원담당"],
        "team": ["동장", "행정민원팀", "행정민원팀", "복지팀", "복지팀", "복지팀", "행정민원팀"],
        "role": ["dong_head", "team_leader", "officer", "team_leader", "officer", "officer", "officer"],
        "duties": [
            ["village"],
            ["petition"],
            ["cleaning"],
            ["welfare"],
            ["welfare"],
            ["welfare", "health"],
            ["petition"],
        ],
    }
)
ALLOWED = {(a, b) for a, nexts in TRANSITIONS.items() for b in nexts}


def report(status: str, **kw: object) -> dict:
    return {"id": 1, "status": status, "finder": "청소담당", "assignee": "복지1", "has_resident": False} | kw


@pytest.mark.parametrize("here", STATUSES)
@pytest.mark.parametrize("there", STATUSES)
def test_lifecycle_table_allows_exactly_the_listed_moves(here, there):
    kw = {"reason": "담당 아님", "duplicate_of": 2, "notified": True}
    if (here, there) in ALLOWED:
        check_transition(report(here), there, actor="복지팀장", staff=STAFF, **kw)
    else:
        with pytest.raises(TransitionError, match="바꿀 수 없습니다"):
            check_transition(report(here), there, actor="복지팀장", staff=STAFF, **kw)


def test_the_main_path_and_its_conditions():
    r = report("in_progress", has_resident=True)
    with pytest.raises(TransitionError, match="주민에게 알린 뒤"):
        check_transition(r, "closed", actor="복지1", staff=STAFF)
    with pytest.raises(TransitionError, match="주민통보 기록"):
        check_transition(r, "resident_notified", actor="복지1", staff=STAFF)
    check_transition(r, "resident_notified", actor="복지1", staff=STAFF, notified=True)
    check_transition(report("in_progress"), "closed", actor="복지1", staff=STAFF)  # a manhole: no resident
    with pytest.raises(TransitionError, match="사유"):
        check_transition(report("handed_over"), "returned", actor="복지1", staff=STAFF, reason=" ")
    with pytest.raises(TransitionError, match="자기 자신이 아닌"):
        check_transition(report("received"), "duplicate", actor="청소담당", staff=STAFF, duplicate_of=1)
    with pytest.raises(TransitionError, match="협조결재"):
        check_transition(report("resident_notified", co_approver="행정팀장"), "closed", actor="복지1", staff=STAFF)


def test_only_the_owner_or_a_supervisor_moves_a_report():
    with pytest.raises(TransitionError, match="담당: 복지1"):
        check_transition(report("handed_over"), "in_progress", actor="민원담당", staff=STAFF)
    check_transition(report("handed_over"), "in_progress", actor="동장", staff=STAFF)


@pytest.mark.parametrize(
    ("duty", "finder", "kind", "person", "team"),
    [
        ("cleaning", "청소담당", "own", "청소담당", "행정민원팀"),
        ("cleaning", "복지1", "person", "청소담당", "행정민원팀"),
        ("welfare", "청소담당", "team", "복지팀장", "복지팀"),
        ("health", "청소담당", "person", "복지2", "복지팀"),
        ("culture", "청소담당", "nobody", None, None),
    ],
)
def test_hand_over_routing_by_duty(duty, finder, kind, person, team):
    proposal = propose_assignee(duty, STAFF, finder=finder)
    assert (proposal.kind, proposal.person, proposal.team) == (kind, person, team)
    assert proposal.text


def test_welfare_team_reports_get_the_admin_team_leader_as_co_approver():
    assert co_approver_for("복지1", STAFF) == "행정팀장"
    assert co_approver_for("청소담당", STAFF) is None


# ---- in the store ----------------------------------------------------------
def point_in_tong(store, tong: int) -> tuple[float, float]:
    p = store.tongs(SAMPLE_CODE).set_index("tong").loc[tong, "geometry"].representative_point()
    return p.x, p.y


def test_a_report_with_only_a_place_and_a_memo_is_filed_and_completed_later(sample_store):
    rid = sample_store.file_report(
        SAMPLE_CODE, lonlat=point_in_tong(sample_store, 3), memo="맨홀 뚜껑 흔들림", user=staff_user("강도윤")
    )
    row = sample_store.report(rid, user=CLI_USER)
    assert (row["status"], row["tong"], row["zone_id"], row["reported"]) == ("received", 3, "Z03", False)
    sample_store.update_report(
        rid, {"title": "맨홀 파손", "field": "안전", "activity": "생활민원청취"}, user=staff_user("강도윤")
    )
    row = sample_store.report(rid, user=CLI_USER)
    assert (row["title"], row["field"], row["duty"]) == ("맨홀 파손", "safety", "safety")
    assert list(sample_store.report_history(rid)["action"]) == ["create", "edit"]
    with pytest.raises(ValidationError, match="내용"):
        sample_store.file_report(SAMPLE_CODE, lonlat=(126.9, 37.567), memo="  ", user=staff_user("강도윤"))
    with pytest.raises(ValidationError, match="직원 명단에 없습니다"):
        sample_store.file_report(
            SAMPLE_CODE, lonlat=(126.9, 37.567), memo="x", user=owner_user(staff_name="홍길동", dong_code=SAMPLE_CODE)
        )


def test_full_life_hand_over_progress_notify_co_approve_close(sample_store):
    rid = sample_store.file_report(
        SAMPLE_CODE,
        lonlat=point_in_tong(sample_store, 4),
        memo="끼니 거르는 어르신",
        field="복지",
        resident_name="가상주민99",
        resident_phone="010-0000-9999",
        user=staff_user("강도윤"),
    )
    staff = sample_store.staff(SAMPLE_CODE)
    proposal = propose_assignee("welfare", staff, finder="강도윤")
    assert proposal.team == "복지팀" and proposal.person == "유정민"  # the welfare team leader
    sample_store.hand_over(
        rid,
        "노아린",
        user=staff_user("강도윤"),
    )
    row = sample_store.report(rid, user=CLI_USER)
    assert (row["status"], row["assignee"], row["co_approver"]) == ("handed_over", "노아린", "오민재")
    sample_store.move_report(
        rid,
        "in_progress",
        user=staff_user("노아린"),
    )
    sample_store.add_progress(
        rid,
        "주민센터 방문 상담 예약",
        user=staff_user("노아린"),
    )
    found = sample_store.inbox(SAMPLE_CODE, user=staff_user("강도윤"))["found"].set_index("id")
    assert "상담 예약" in found.loc[rid, "progress"]  # the finder sees progress before closure
    with pytest.raises(TransitionError, match="주민에게 알린 뒤"):
        sample_store.move_report(
            rid,
            "closed",
            user=staff_user("노아린"),
        )
    sample_store.notify_resident(
        rid,
        channel="전화",
        on_date=dt.date.today(),
        by_whom="노아린",
        user=staff_user("노아린"),
    )
    with pytest.raises(TransitionError, match="오민재의 협조결재"):
        sample_store.move_report(
            rid,
            "closed",
            user=staff_user("노아린"),
        )
    with pytest.raises(TransitionError, match="협조결재자는 오민재"):
        sample_store.co_approve(
            rid,
            user=staff_user("노아린"),
        )
    sample_store.co_approve(
        rid,
        user=staff_user("오민재"),
    )
    sample_store.move_report(
        rid,
        "closed",
        user=staff_user("노아린"),
    )
    history = sample_store.report_history(rid)
    assert list(history["action"]) == ["create", "hand_over", "status", "progress", "status", "co_approve", "status"]
    assert list(history["to_status"].dropna()) == [
        "received",
        "handed_over",
        "in_progress",
        "resident_notified",
        "closed",
    ]
    assert sample_store.report_notifications(rid)["channel"].tolist() == ["phone"]


def test_resident_contact_is_personal(sample_store):
    rid = sample_store.file_report(
        SAMPLE_CODE,
        lonlat=point_in_tong(sample_store, 3),
        memo="x",
        resident_phone="010-0000-7777",
        user=staff_user("강도윤"),
    )
    assert "resident_phone" not in sample_store.reports(SAMPLE_CODE).columns
    with pytest.raises(AccessError):  # a visitor reads no report at all
        sample_store.report(rid, user=PUBLIC_USER)
    assert sample_store.report(rid, user=staff_user("노아린"))["resident_phone"] is None  # another zone's officer
    before = len(sample_store.access_log())
    assert sample_store.report(rid, user=CLI_USER)["resident_phone"] == "010-0000-7777"
    assert len(sample_store.access_log()) == before + 1


def test_return_and_duplicate(sample_store):
    lonlat = point_in_tong(sample_store, 5)
    first = sample_store.file_report(SAMPLE_CODE, lonlat=lonlat, memo="불법 현수막", user=staff_user("윤지호"))
    second = sample_store.file_report(SAMPLE_CODE, lonlat=lonlat, memo="불법 현수막 또", user=staff_user("윤지호"))
    sample_store.hand_over(
        first,
        "강도윤",
        user=staff_user("윤지호"),
    )
    sample_store.move_report(first, "returned", reason="현수막은 주민자치팀 소관", user=staff_user("강도윤"))
    row = sample_store.report(first, user=CLI_USER)
    assert (row["status"], row["assignee"], row["return_reason"]) == ("returned", None, "현수막은 주민자치팀 소관")
    sample_store.move_report(second, "duplicate", duplicate_of=first, user=staff_user("윤지호"))
    assert sample_store.report(second, user=CLI_USER)["duplicate_of"] == first
    with pytest.raises(TransitionError, match="가능한 다음 상태: 없음"):
        sample_store.move_report(
            second,
            "in_progress",
            user=staff_user("윤지호"),
        )


def test_inbox_puts_overdue_first(sample_store):
    lonlat = point_in_tong(sample_store, 9)
    now = dt.datetime(2026, 11, 25, 12)
    ids = {}
    for days in (1, 10, 20):
        ids[days] = sample_store.file_report(
            SAMPLE_CODE,
            lonlat=lonlat,
            memo=f"{days}일 전",
            created_at=now - dt.timedelta(days=days),
            user=staff_user("장하은"),
        )
        sample_store.hand_over(
            ids[days],
            "임서준",
            user=staff_user("장하은"),
        )
    assigned = sample_store.inbox(SAMPLE_CODE, user=staff_user("임서준"), now=now)["assigned"]
    mine = assigned[assigned["id"].isin(ids.values())]
    assert list(mine["id"]) == [ids[20], ids[10], ids[1]] and list(mine["lateness"]) == [2, 1, 0]


def test_photos_are_stored_with_the_report_and_a_crash_leaves_no_orphan(sample_store, monkeypatch, tmp_path):
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    photo = read_photo(jpeg_with_gps(126.9, 37.566), name="a.jpg")
    rid = sample_store.file_report(
        SAMPLE_CODE,
        lonlat=point_in_tong(sample_store, 3),
        memo="사진",
        photos=[photo],
        user=staff_user("강도윤"),
    )
    stored = sample_store.report_photos(rid)
    assert len(stored) == 1 and stored["path"].iloc[0].exists() and stored["thumb_path"].iloc[0].exists()

    other = read_photo(jpeg_with_gps(126.91, 37.567, size=(640, 480)), name="b.jpg")
    before = len(sample_store.reports(SAMPLE_CODE))

    def crash(*_a, **_k):
        raise RuntimeError("disk full while saving history")

    monkeypatch.setattr(type(sample_store), "_history", crash)
    with pytest.raises(RuntimeError, match="disk full"):
        sample_store.file_report(
            SAMPLE_CODE, lonlat=(126.9, 37.567), memo="x", photos=[other], user=staff_user("강도윤")
        )
    assert len(sample_store.reports(SAMPLE_CODE)) == before  # no half-written report
    files = sorted(p.name for p in (tmp_path / "photos").rglob("*.jpg"))
    assert files == sorted([stored["path"].iloc[0].name, stored["thumb_path"].iloc[0].name])  # no orphan photo


def test_overdue_thresholds_are_configurable(sample_store, monkeypatch):
    from mapping.store.reports import overdue_thresholds

    now = dt.datetime(2026, 11, 25, 12)
    rid = sample_store.file_report(
        SAMPLE_CODE,
        lonlat=point_in_tong(sample_store, 9),
        memo="3일 전",
        created_at=now - dt.timedelta(days=3),
        user=staff_user("장하은"),
    )
    monkeypatch.setenv("MAPPING_OVERDUE_DAYS", "2,3")
    assert overdue_thresholds() == (2, 3)
    found = sample_store.inbox(SAMPLE_CODE, user=staff_user("장하은"), now=now)["found"].set_index("id")
    assert found.loc[rid, "lateness"] == 2
    monkeypatch.setenv("MAPPING_OVERDUE_DAYS", "14,7")
    with pytest.raises(ValueError, match="지연일 < 기한초과일"):
        overdue_thresholds()


def test_no_resident_closes_without_notification_but_a_resident_needs_one(sample_store):
    lonlat = point_in_tong(sample_store, 3)
    manhole = sample_store.file_report(
        SAMPLE_CODE, lonlat=lonlat, memo="맨홀", has_resident=False, user=staff_user("강도윤")
    )
    sample_store.move_report(
        manhole,
        "closed",
        user=staff_user("강도윤"),
    )
    neighbour = sample_store.file_report(SAMPLE_CODE, lonlat=lonlat, memo="이웃 민원", user=staff_user("강도윤"))
    with pytest.raises(TransitionError, match="주민에게 알린 뒤"):
        sample_store.move_report(
            neighbour,
            "closed",
            user=staff_user("강도윤"),
        )


def test_a_welfare_finder_cannot_skip_co_approval_by_closing_from_received(sample_store):
    rid = sample_store.file_report(
        SAMPLE_CODE,
        lonlat=point_in_tong(sample_store, 3),
        memo="복지 상담",
        has_resident=False,
        user=staff_user("노아린"),
    )
    with pytest.raises(TransitionError, match="오민재의 협조결재"):
        sample_store.move_report(
            rid,
            "closed",
            user=staff_user("노아린"),
        )
    sample_store.co_approve(
        rid,
        user=staff_user("오민재"),
    )
    sample_store.move_report(
        rid,
        "closed",
        user=staff_user("노아린"),
    )


def test_who_may_edit_and_what(sample_store):
    rid = sample_store.file_report(
        SAMPLE_CODE, lonlat=point_in_tong(sample_store, 3), memo="x", user=staff_user("강도윤")
    )
    with pytest.raises(TransitionError, match="고치거나 기록할 수 없습니다"):
        sample_store.update_report(rid, {"title": "남이 고침"}, user=staff_user("노아린"))
    with pytest.raises(AccessError, match="로그인하지 않은"):
        sample_store.update_report(rid, {"resident_phone": "010-0000-1111"}, user=PUBLIC_USER)
    with pytest.raises(AccessError, match="읽기 전용"):
        sample_store.update_report(rid, {"title": "샘플"}, user=sample_user(SAMPLE_CODE, "강도윤"))
    sample_store.update_report(rid, {"action": "구청 도로과 요청", "has_resident": False}, user=staff_user("강도윤"))
    sample_store.move_report(
        rid,
        "closed",
        user=staff_user("강도윤"),
    )
    with pytest.raises(TransitionError, match="이미 끝났습니다"):
        sample_store.update_report(rid, {"title": "늦은 수정"}, user=staff_user("강도윤"))
    with pytest.raises(TransitionError, match="본인에게는 인계할 수 없습니다"):
        other = sample_store.file_report(SAMPLE_CODE, lonlat=(126.9, 37.567), memo="y", user=staff_user("강도윤"))
        sample_store.hand_over(
            other,
            "강도윤",
            user=staff_user("강도윤"),
        )


def test_notification_needs_a_staff_member_and_a_real_date(sample_store):
    rid = sample_store.file_report(
        SAMPLE_CODE, lonlat=point_in_tong(sample_store, 3), memo="x", user=staff_user("강도윤")
    )
    sample_store.move_report(
        rid,
        "in_progress",
        user=staff_user("강도윤"),
    )
    with pytest.raises(ValidationError) as info:
        sample_store.notify_resident(
            rid,
            channel="문자",
            on_date=dt.date(2030, 1, 1),
            by_whom="아무개",
            user=staff_user("강도윤"),
        )
    assert {p.column for p in info.value.problems} == {"통보자", "통보일"}
    with pytest.raises(ValidationError, match="통보 방법"):
        sample_store.notify_resident(
            rid,
            channel="팩스",
            on_date=dt.date.today(),
            by_whom="강도윤",
            user=staff_user("강도윤"),
        )


def test_impossible_places_are_refused_and_reporting_counts_once(sample_store):
    with pytest.raises(ValidationError, match="서울이 아닙니다"):
        sample_store.file_report(SAMPLE_CODE, lonlat=(float("nan"), float("nan")), memo="x", user=staff_user("강도윤"))
    rid = sample_store.file_report(
        SAMPLE_CODE, lonlat=point_in_tong(sample_store, 3), memo="x", user=staff_user("강도윤")
    )
    assert (
        sample_store.mark_reported(
            [rid, 999_999],
            user=staff_user("강도윤"),
        )
        == 1
    )
    assert (
        sample_store.mark_reported(
            [rid],
            user=staff_user("강도윤"),
        )
        == 0
    )  # already reported: no second history row
    assert list(sample_store.report_history(rid)["action"]).count("reported") == 1


def test_every_history_action_the_store_writes_has_a_korean_label():
    written = set()
    for path in (ROOT / "mapping" / "store").rglob("*.py"):
        written |= set(re.findall(r'action="([a-z_]+)"|"action": "([a-z_]+)"', path.read_text(encoding="utf-8")))
    actions = {a or b for a, b in written}
    assert actions >= {"create", "hand_over", "status"} and actions <= set(HISTORY_ACTIONS.keys)
    assert all(label != key for key, label in HISTORY_ACTIONS.items)


def test_the_history_table_names_each_step_in_korean(sample_store):
    rid = sample_store.file_report(SAMPLE_CODE, lonlat=(126.8979, 37.5717), memo="m", user=staff_user("노아린"))
    sample_store.hand_over(rid, "강도윤", user=staff_user("노아린"), note="청소 담당")
    table = history_table(sample_store.report_history(rid))
    assert list(table.columns) == ["일시", "누가", "무엇", "상태", "메모"]
    assert table[["누가", "무엇", "상태", "메모"]].to_dict("records") == [
        {"누가": "노아린", "무엇": "접수", "상태": "접수", "메모": ""},
        {"누가": "노아린", "무엇": "인계 → 강도윤", "상태": "인계", "메모": "청소 담당"},
    ]


# ---- one submission, one record (issue 20) -----------------------------------------------------------------------
def test_the_same_submission_key_files_one_report_with_its_photos_once(sample_store, monkeypatch, tmp_path):
    """A second tap on 저장 (or an API retry) with the form's key returns the first report: no copy, no error."""
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    photo = read_photo(jpeg_with_gps(126.9, 37.566), name="a.jpg")
    before = len(sample_store.reports(SAMPLE_CODE))
    me = staff_user("강도윤")

    def file(key: str, memo: str = "맨홀 뚜껑 흔들림", user=me) -> int:
        place = point_in_tong(sample_store, 3)
        return sample_store.file_report(SAMPLE_CODE, lonlat=place, memo=memo, photos=[photo], user=user, client_key=key)

    first = file("3f2a-tap")
    assert file("3f2a-tap") == first  # the second tap
    assert len(sample_store.reports(SAMPLE_CODE)) == before + 1
    assert len(sample_store.report_photos(first)) == 1
    assert list(sample_store.report_history(first)["action"]) == ["create"]
    assert len(list((tmp_path / "photos").rglob("*.jpg"))) == 2  # the photo and its thumbnail, once

    second = file("77c1-next")  # the next report of the same form: a new key
    assert second != first and len(sample_store.reports(SAMPLE_CODE)) == before + 2
    assert len(list((tmp_path / "photos").rglob("*.jpg"))) == 2  # the same photo: the same files
    assert len(sample_store.report_photos(second)) == 1


def test_two_taps_at_once_file_one_report(sample_store):
    """Two saves with one key racing each other (two app runs, two connections) store one report."""
    place, before = point_in_tong(sample_store, 3), len(sample_store.reports(SAMPLE_CODE))
    go = threading.Barrier(2)

    def tap(_: int) -> int:
        store = open_store(sample_store.url)
        go.wait()
        try:
            return store.file_report(
                SAMPLE_CODE, lonlat=place, memo="두 번 누른 저장", user=staff_user("강도윤"), client_key="twin-taps"
            )
        finally:
            store.close()

    with ThreadPoolExecutor(2) as pool:
        ids = list(pool.map(tap, range(2)))
    assert ids[0] == ids[1]
    assert len(sample_store.reports(SAMPLE_CODE)) == before + 1


def test_a_progress_note_and_a_notice_tapped_twice_are_recorded_once(sample_store):
    finder = staff_user("강도윤")
    rid = sample_store.file_report(SAMPLE_CODE, lonlat=point_in_tong(sample_store, 3), memo="누수", user=finder)
    sample_store.move_report(rid, "in_progress", user=finder)
    for _ in range(2):
        sample_store.add_progress(rid, "배관 업체 연락", user=finder, client_key="note-0001")
    sample_store.add_progress(rid, "배관 업체 연락", user=finder, client_key="note-0002")  # said again, on purpose
    history = sample_store.report_history(rid)
    assert list(history.loc[history["action"] == "progress", "note"]) == ["배관 업체 연락"] * 2
    with pytest.raises(ValidationError, match="요청 키는 영문"):
        sample_store.add_progress(rid, "짧은 키", user=finder, client_key="n-1")
    today = sample_store.clock().date()
    for _ in range(2):
        sample_store.notify_resident(rid, channel="전화", on_date=today, user=finder, client_key="notice-0001")
    assert len(sample_store.report_notifications(rid)) == 1
    assert sample_store.report(rid, user=CLI_USER)["status"] == "resident_notified"


# ---- whom to hand a report to (issue 20) --------------------------------------------------------------------------
@pytest.mark.parametrize("duty", [None, float("nan"), ""])
def test_a_report_without_a_duty_is_routed_by_its_field(duty):
    proposal = propose_assignee(duty, STAFF, finder="청소담당", field="welfare")
    assert (proposal.kind, proposal.person) == ("team", "복지팀장")
    nothing = propose_assignee(duty, STAFF, finder="청소담당", field=None)
    assert (nothing.kind, nothing.person) == ("nobody", None)  # nobody preselected, and it says why
    assert "분야·담당업무가 정해지지 않아" in nothing.text
    assert "'문화'을(를) 맡은 직원이 없습니다" in propose_assignee("culture", STAFF, finder="청소담당").text


def test_a_report_filed_in_a_new_dong_is_proposed_to_the_colleague_of_its_field_not_the_dong_head(tmp_path):
    """방학3동's kit was never seen before: a welfare report filed as the intake page files it (duty left empty)."""
    store = open_store(tmp_path / "b.sqlite")
    store.load_kit(read_kit(write_banghak3(tmp_path / "kit")), user=CLI_USER)
    finder = staff_user("강도윤", code=BANGHAK3, role="officer")
    place = store.dong(BANGHAK3).geometry.iloc[0].representative_point()
    rid = store.file_report(
        BANGHAK3, lonlat=(place.x, place.y), memo="끼니 거르는 어르신", field="복지", duty=None, user=finder
    )
    row = store.inbox(BANGHAK3, user=finder)["found"].set_index("id").loc[rid]
    assert row["duty"] == "welfare"  # the field's usual duty, as when the duty is not given at all
    proposal = propose_assignee(row["duty"], store.staff(BANGHAK3), finder="강도윤", field=row["field"])
    assert (proposal.kind, proposal.person) == ("person", "방복지")
    store.close()
