"""Who may see and do what, with two dongs of different gus in one store (issue [12]).

The store holds the sample dong 마포구 성산2동 (A, gu 11440) and 도봉구 방학3동 (B, gu 11320), whose staff
include a 강도윤 and an 오민재 like A's.  Every action below is tried on dong A by every persona: the
dong's own staff by role, B's namesakes, a 구 담당 of A's gu and of B's, administrators, a visitor and
sample browsing.  What is refused changes nothing and logs nothing under the persona; what is allowed
is logged under the persona's own account (or ``system:<account>`` for the public-output check).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mapping.access import CLI_USER, PUBLIC_USER, User, owner_user, sample_user
from mapping.errors import AccessError, TransitionError, ValidationError
from mapping.kit.reader import read_kit
from mapping.month.aggregation import monthly_sheet_for
from mapping.month.deadlines import OutingTarget
from mapping.month.region import region_month_for
from mapping.publish.privacy import personal_values_of
from mapping.routes import Stop
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE, SAMPLE_KIT
from tests.helpers import staff_user
from tests.kits import BANGHAK3, write_banghak3

A, B = SAMPLE_CODE, BANGHAK3
IN_Z03 = (126.8985, 37.5676)  # a place in 성산2동's tong 3 (강도윤's zone Z03)

PERSONAS: dict[str, User] = {
    "A 주무관 강도윤 (finder)": staff_user("강도윤"),
    "A 주무관 노아린": staff_user("노아린"),
    "A 팀장 유정민 (복지팀)": staff_user("유정민"),
    "A 행정팀장 오민재": staff_user("오민재"),
    "A 동장 한서윤": staff_user("한서윤"),
    "B 주무관 강도윤 (same name)": staff_user("강도윤", code=B, role="officer"),
    "B 행정팀장 오민재 (same name)": staff_user("오민재", code=B, role="admin_team_leader"),
    "구 담당 마포구 (A's gu)": User("gu-mapo", "마포구 담당", "gu", gu_code="11440"),
    "구 담당 도봉구 (B's gu)": User("gu-dobong", "도봉구 담당", "gu", gu_code="11320"),
    "시 담당": User("city-seoul", "서울시 담당", "city"),
    "관리자 (all dongs)": User("admin", "관리자", None, admin=True),
    "관리자 of B": User("admin-b", "방학3동 관리자", None, admin=True, dong_code=B),
    "방문자": PUBLIC_USER,
    "샘플 둘러보기": sample_user(A, "한서윤"),
}
A_STAFF = {n for n in PERSONAS if n.startswith("A ")}
A_LEADERS = {"A 팀장 유정민 (복지팀)", "A 행정팀장 오민재", "A 동장 한서윤"}
A_WHOLE = {"A 행정팀장 오민재", "A 동장 한서윤"}


@pytest.fixture(scope="module")
def two_dong_db(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Path:
    """The sample store with 방학3동 loaded as well, and a report with a resident's contact in each dong."""
    folder = tmp_path_factory.mktemp("two")
    db = folder / "two.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    store.load_kit(read_kit(write_banghak3(folder / "banghak3")), user=CLI_USER)
    where_b = store.tongs(B).set_index("tong").geometry.representative_point()[3]
    store.file_report(
        B, lonlat=(where_b.x, where_b.y), memo="도봉 어르신 안부", resident_name="가상도봉주민09",
        resident_phone="010-0000-7199", user=PERSONAS["B 주무관 강도윤 (same name)"],
    )  # fmt: skip
    store.close()
    return db


@pytest.fixture
def store(two_dong_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    shutil.copy(two_dong_db, tmp_path / "s.sqlite")
    opened = open_store(tmp_path / "s.sqlite")
    yield opened
    opened.close()


def _report(store: Store, **extra: object) -> int:
    """A fresh report of 강도윤 in his zone Z03 of dong A, with a resident's contact, filed as the owner on his behalf."""
    return store.file_report(
        A, lonlat=IN_Z03, memo="가로등 고장", resident_name="가상주민77", resident_phone="010-0000-7777",
        user=owner_user(staff_name="강도윤", dong_code=A), **extra,
    )  # fmt: skip


def _handed_to_noarin(store: Store) -> int:
    rid = _report(store)
    store.hand_over(rid, "노아린", user=owner_user(staff_name="강도윤", dong_code=A))
    return rid


def _contact_of_a(store: Store) -> int:
    return int(store.contacts(A, user=CLI_USER)["id"].iloc[0])


def _household_of_z03(store: Store) -> dict:
    homes = store.households(A, user=CLI_USER)
    return homes[homes["zone_id"] == "Z03"].iloc[0].to_dict()


# action name → (what it does on dong A as ``user``, the personas allowed to)
ACTIONS: dict[str, tuple[Callable[[Store, User], object], set[str]]] = {
    "file a report": (
        lambda s, u: s.file_report(A, lonlat=IN_Z03, memo="보도블록", user=u),
        A_STAFF,
    ),
    "read a report's resident contact": (
        lambda s, u: _expect_contact(s.report(_report(s), user=u)),
        {"A 주무관 강도윤 (finder)", *A_WHOLE},  # Z03 is 행정민원팀's: not 노아린's, not 유정민's team
    ),
    "hand a report over": (
        lambda s, u: s.hand_over(_report(s), "노아린", user=u),
        {"A 주무관 강도윤 (finder)", "A 행정팀장 오민재", "A 동장 한서윤"},  # 유정민 leads another team
    ),
    "move a report on": (
        lambda s, u: s.move_report(_handed_to_noarin(s), "in_progress", user=u),
        {"A 주무관 노아린", "A 팀장 유정민 (복지팀)", *A_WHOLE},  # its assignee and her team's leader
    ),
    "add progress": (
        lambda s, u: s.add_progress(_handed_to_noarin(s), "상담 예약", user=u),
        {"A 주무관 강도윤 (finder)", "A 주무관 노아린", "A 팀장 유정민 (복지팀)", *A_WHOLE},
    ),
    "tell the resident": (
        lambda s, u: s.notify_resident(_in_progress(s), channel="전화", on_date=dt.date.today(), user=u),
        {"A 주무관 노아린", "A 팀장 유정민 (복지팀)", *A_WHOLE},
    ),
    "submit an activity report": (
        lambda s, u: s.mark_reported([_report(s)], user=u),
        {"A 주무관 강도윤 (finder)"},
    ),
    "read the inbox": (lambda s, u: s.inbox(A, user=u), A_STAFF),
    "read households": (lambda s, u: s.households(A, user=u), A_STAFF),  # each within reach (test_access)
    "read the contact book": (lambda s, u: s.contacts(A, user=u), A_STAFF),
    "log a contact": (
        lambda s, u: s.log_contact(_contact_of_a(s), kind="통화", on_date=dt.date.today(), user=u),
        None,  # decided by the contact's zone: checked below against the reach
    ),
    "refer a household": (
        lambda s, u: s.refer_household(int(_household_of_z03(s)["id"]), body="복지관", user=u),
        {"A 주무관 강도윤 (finder)", *A_WHOLE},  # Z03's officer and the whole-dong heads
    ),
    "record a visit": (
        lambda s, u: s.record_visits(
            A, stops=[Stop("tong:3", "3통", "-", 1, *IN_Z03)], on_date=dt.date.today(), user=u
        ),
        A_STAFF,
    ),
    "post a notice": (
        lambda s, u: s.add_notice_post(
            A, kind="경로당", place_name="샘플경로당", posted_on=dt.date.today(), tong=3, user=u
        ),
        A_STAFF,
    ),
    "set a mission": (
        lambda s, u: s.add_mission(A, dt.date.today(), kind="mission", title="골목 환경", user=u),
        A_LEADERS,
    ),
    "confirm the month": (
        lambda s, u: s.confirm_aggregation(A, monthly_sheet_for(s, A, month="2026-10"), user=u),
        A_LEADERS,
    ),
    "set the outing target": (lambda s, u: s.set_outing_target(A, OutingTarget(2), user=u), A_LEADERS),
    "set the public URL": (lambda s, u: s.set_public_url(A, "https://evil.example/qr", user=u), A_LEADERS),
    "publish (read every personal value)": (lambda s, u: personal_values_of(s, A, user=u), A_LEADERS),
    "save zones": (lambda s, u: s.save_assignments(A, s.staff(A), user=u), A_LEADERS),
    "hand a zone over": (lambda s, u: s.reassign(A, "Z03", "신유나", user=u), A_LEADERS),
    "load the dong's kit": (lambda s, u: s.load_kit(read_kit(SAMPLE_KIT), user=u), {"관리자 (all dongs)"}),
    "read the gu's month (counts)": (
        lambda s, u: region_month_for(s, "11440", month="2026-10", user=u),
        {"구 담당 마포구 (A's gu)", "시 담당"},
    ),
    "read the city's month (counts)": (lambda s, u: region_month_for(s, None, month="2026-10", user=u), {"시 담당"}),
}


def _expect_contact(report: dict) -> None:
    if report.get("resident_phone") != "010-0000-7777":
        raise PermissionError("contact withheld")  # counted as refused: the persona did not see it


def _in_progress(store: Store) -> int:
    rid = _handed_to_noarin(store)
    store.move_report(rid, "in_progress", user=owner_user(staff_name="노아린", dong_code=A))
    return rid


def _contact_allowed(store: Store) -> set[str]:
    zone = store.contact(_contact_of_a(store), user=CLI_USER)["zone_id"]
    return {n for n in A_STAFF if zone in store.personal_zones(A, user=PERSONAS[n])}


def _fingerprint(store: Store) -> dict[str, object]:
    """What a refused action must leave untouched: every table's rows of both dongs and the log's accounts."""
    return {
        "reports": store.reports(A).drop(columns="geometry").to_json(date_format="iso"),
        "reports_b": store.reports(B).drop(columns="geometry").to_json(date_format="iso"),
        "zones": store.zones(A).drop(columns="geometry").to_json(date_format="iso"),
        "settings": (store.public_url(A), store.outing_target(A)),
        "missions": store.missions(A).to_json(date_format="iso"),
        "notices": store.notice_posts(A).to_json(date_format="iso"),
        "aggregation": store.aggregation(A, "2026-10"),
    }


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("who", list(PERSONAS))
def test_each_persona_may_do_exactly_what_its_role_and_dong_allow(store: Store, who: str, action: str) -> None:
    act, allowed = ACTIONS[action]
    allowed = _contact_allowed(store) if allowed is None else allowed
    user = PERSONAS[who]
    before_log = len(store.access_log())
    if who in allowed:
        act(store, user)
        new = store.access_log().iloc[before_log:]
        assert set(new["account"]) <= {user.account, f"system:{user.account}", CLI_USER.account}
        return
    setup_log = len(store.access_log())
    state = None
    with pytest.raises((AccessError, PermissionError, TransitionError)) as refused:
        state = _fingerprint(store)
        setup_log = len(store.access_log())
        act(store, user)
    assert str(refused.value)  # a message in Korean saying why
    if state is not None and action != "load the dong's kit":
        after = _fingerprint(store)
        assert {k: v for k, v in after.items() if k not in ("reports",)} == {
            k: v for k, v in state.items() if k not in ("reports",)
        }
    logged = store.access_log().iloc[setup_log:]
    assert user.account not in set(logged["account"]), f"{who} was refused {action} but the log names them"


def test_a_namesake_of_another_dong_sees_nothing_personal_of_this_one(store: Store) -> None:
    namesake = PERSONAS["B 주무관 강도윤 (same name)"]
    rid = _report(store)  # filed on behalf of A's 강도윤: the namesake's name is the finder's
    assert store.personal_zones(A, user=namesake) == frozenset()
    for read in (
        lambda: store.report(rid, user=namesake),
        lambda: store.households(A, user=namesake),
        lambda: store.contacts(A, user=namesake),
        lambda: store.resident_contacts(A, user=namesake),
        lambda: store.inbox(A, user=namesake),
    ):
        with pytest.raises(PermissionError):
            read()
    own = store.resident_contacts(B, user=namesake)  # their own dong's is theirs
    assert own["resident_phone"].tolist() == ["010-0000-7199"]


def test_the_access_log_names_only_accounts_that_acted(store: Store) -> None:
    acted = {PERSONAS["B 주무관 강도윤 (same name)"].account}  # filed the fixture's report in dong B
    for who, user in PERSONAS.items():
        for action, (act, allowed) in ACTIONS.items():
            if action == "load the dong's kit":
                continue
            if allowed is not None and who in allowed:
                with contextlib.suppress(ValidationError):  # a zone handed over once cannot be again
                    act(store, user)
                acted |= {user.account, f"system:{user.account}"}
            else:
                with contextlib.suppress(AccessError, PermissionError, TransitionError, ValidationError):
                    act(store, user)  # refused: must leave no entry under their name
    assert set(store.access_log()["account"]) <= acted | {CLI_USER.account}
    assert not {"sample", "public", "팀장"} & set(store.access_log()["account"])
