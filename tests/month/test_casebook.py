"""A best case's way up in the app (dong → gu → city → every gu), the 실천사례 library and the yearly 실천사례집."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from mapping.access import PUBLIC_USER
from mapping.errors import AccessError, NotFoundError, PrivacyError, ValidationError
from mapping.month.casebook import (
    STATES,
    export_casebook_pdf,
    library_frame,
    search_library,
    submit_best_case,
)
from mapping.photos import read_photo
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user
from tests.month.test_region import BANGHAK3, CITY, GU_DOBONG, region_db  # noqa: F401  (the module fixture)
from tests.test_photos import jpeg_with_gps

LEADER = staff_user("가상팀장", code=BANGHAK3, role="team_leader")
OFFICER = staff_user("가상주무", code=BANGHAK3, role="officer")
GU_MAPO = GU_DOBONG.__class__("gu-mapo", "마포구 담당", "gu", gu_code="11440")
RESIDENT = "가상주민88"


@pytest.fixture
def store(region_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:  # noqa: F811
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    shutil.copy(region_db, tmp_path / "s.sqlite")
    opened = open_store(tmp_path / "s.sqlite")
    opened.clock = lambda: dt.datetime(2026, 11, 6, 10, 0)
    return opened


def _case(store: Store, *, title: str = "골목 쓰레기를 주민과 함께 치움") -> tuple[int, list[int]]:
    """A case of two October reports of 방학3동, one with two photos and a resident's contact; (id, photo ids)."""
    where = store.tongs(BANGHAK3).geometry.representative_point().iloc[1]
    photos = [read_photo(jpeg_with_gps(None, None, size=(320, 240)), name=f"p{i}.jpg") for i in range(2)]
    report = store.file_report(
        BANGHAK3, lonlat=(where.x, where.y), memo=f"{RESIDENT} 어르신 댁 앞 무단투기 신고", title="무단투기 정리",
        field="environment", action="청소팀 수거", resident_name=RESIDENT, resident_phone="010-0000-8888",
        photos=photos, created_at=dt.datetime(2026, 10, 9, 11, 0), user=OFFICER,
    )  # fmt: skip
    other = int(store.reports(BANGHAK3)["id"].iloc[0])
    case_id = store.choose_best_case(
        BANGHAK3, "2026-10", title=title, field="환경", report_ids=[report, other],
        summary="통장님과 함께 골목을 돌며 무단투기 지점을 찾아 치웠습니다.", user=LEADER,
    )  # fmt: skip
    return case_id, [int(p) for p in store.case_photos(case_id)["id"]]


def test_the_case_travels_dong_gu_city_and_each_sees_what_the_other_did(store: Store) -> None:
    case_id, photos = _case(store)
    assert store.gu_case_inbox("11320", user=GU_DOBONG).empty
    submitted = submit_best_case(store, case_id, result="무단투기 0건 (3주째)", photo_ids=photos[:1], user=LEADER)
    assert submitted == dt.date(2026, 11, 6)
    inbox = store.gu_case_inbox("11320", user=GU_DOBONG)
    assert list(inbox["id"]) == [case_id] and inbox["gu_result"].isna().all()
    shared = inbox["shared"].iloc[0]
    assert shared["result"] == "무단투기 0건 (3주째)" and shared["photo_ids"] == photos[:1]
    assert RESIDENT not in str(shared) and "010-0000-8888" not in str(shared)

    with pytest.raises(ValidationError, match="사유"):  # a decline says why
        store.decide_case(case_id, selected=False, user=GU_DOBONG)
    store.decide_case(case_id, selected=False, reason="비슷한 사례가 이미 있습니다.", user=GU_DOBONG)
    assert store.best_case(case_id)["gu_reason"] == "비슷한 사례가 이미 있습니다."  # the dong reads it
    with pytest.raises(ValidationError):  # decided: no resubmission
        submit_best_case(store, case_id, user=LEADER)
    with pytest.raises(ValidationError):  # not selected: nothing to send
        store.send_case_to_city(case_id, user=GU_DOBONG)
    store.decide_case(case_id, selected=True, reason="주민 참여가 돋보입니다.", user=GU_DOBONG)  # changed its mind
    assert store.send_case_to_city(case_id, user=GU_DOBONG) == dt.date(2026, 11, 6)
    assert list(store.city_case_inbox(user=CITY)["id"]) == [case_id]
    with pytest.raises(ValidationError):  # sent: the decision stands
        store.decide_case(case_id, selected=False, reason="취소", user=GU_DOBONG)
    assert store.mark_case_shared(case_id, user=CITY) == dt.date(2026, 11, 6)
    library = library_frame(store.case_library(user=staff_user("한서윤")))  # a 마포구 dong's staff reads it
    assert list(library["id"]) == [case_id] and library["상태"].iloc[0] == STATES["shared"]


@pytest.mark.parametrize(
    ("who", "act"),
    [
        (OFFICER, "decide"),  # the dong's own officer
        (LEADER, "decide"),  # the dong does not decide for the gu
        (GU_MAPO, "decide"),  # another gu
        (CITY, "decide"),  # the city shares, the gu selects
        (GU_MAPO, "inbox"),
        (GU_DOBONG, "share"),  # the gu does not share for the city
        (OFFICER, "submit"),  # an officer does not submit the dong's case
        (PUBLIC_USER, "library"),
    ],
)
def test_each_step_is_its_owners(store: Store, who, act: str) -> None:
    case_id, _ = _case(store)
    if act == "share":
        submit_best_case(store, case_id, user=LEADER)
        store.decide_case(case_id, selected=True, user=GU_DOBONG)
        store.send_case_to_city(case_id, user=GU_DOBONG)
    elif act == "decide":
        submit_best_case(store, case_id, user=LEADER)
    before = store.best_case(case_id)
    steps = {
        "decide": lambda: store.decide_case(case_id, selected=True, user=who),
        "inbox": lambda: store.gu_case_inbox("11320", user=who),
        "share": lambda: store.mark_case_shared(case_id, user=who),
        "submit": lambda: submit_best_case(store, case_id, user=who),
        "library": lambda: store.case_library(user=who),
    }
    with pytest.raises(AccessError):
        steps[act]()
    assert store.best_case(case_id) == before


def test_a_copy_holding_a_residents_name_is_refused_whole(store: Store) -> None:
    case_id, _ = _case(store, title=f"{RESIDENT} 어르신 댁 앞 골목 정비")
    with pytest.raises(PrivacyError, match="개인정보"):
        submit_best_case(store, case_id, result="깨끗해졌습니다.", user=LEADER)
    case = store.best_case(case_id)
    assert case["gu_submitted_on"] is None and case["shared"] is None
    assert store.gu_case_inbox("11320", user=GU_DOBONG).empty


def test_library_shows_only_the_photos_marked_shareable(store: Store) -> None:
    case_id, photos = _case(store)
    submit_best_case(store, case_id, photo_ids=photos[:1], user=LEADER)
    reader = staff_user("한서윤")
    with pytest.raises(NotFoundError):  # not selected yet: not in the library
        store.case_photo(case_id, photos[0], user=reader)
    store.decide_case(case_id, selected=True, user=GU_DOBONG)
    assert store.case_photo(case_id, photos[0], user=reader)[:2] == b"\xff\xd8"  # a JPEG
    with pytest.raises(NotFoundError):
        store.case_photo(case_id, photos[1], user=reader)
    with pytest.raises(ValidationError):  # a photo of another report is not the case's to share
        other, _ = _case(store, title="다른 사례")
        submit_best_case(store, other, photo_ids=[photos[0] + 100], user=LEADER)


def test_search_by_field_gu_and_words(store: Store) -> None:
    case_id, _ = _case(store)
    submit_best_case(store, case_id, result="무단투기 0건", user=LEADER)
    store.decide_case(case_id, selected=True, user=GU_DOBONG)
    library = library_frame(store.case_library(user=CITY))
    assert list(search_library(library, fields=["환경"], gus=["도봉구"], text="무단투기 통장님")["id"]) == [case_id]
    assert search_library(library, fields=["복지"]).empty
    assert search_library(library, text="없는말").empty
    assert search_library(library, months=["2026-10"], dongs=["방학3동"])["id"].tolist() == [case_id]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) not installed")
def test_casebook_pdf_has_a_contents_page_and_every_case(store: Store, tmp_path: Path) -> None:
    ids = []
    for title in ("골목 쓰레기를 주민과 함께 치움", "경로당 안부 순회"):
        case_id, photos = _case(store, title=title)
        submit_best_case(store, case_id, result="좋아졌습니다.", photo_ids=photos[:1], user=LEADER)
        store.decide_case(case_id, selected=True, user=GU_DOBONG)
        ids.append(case_id)
    out = export_casebook_pdf(store, 2026, tmp_path / "사례집.pdf", user=CITY)
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "2026년 우리동네주무관 실천사례집" in pages[0] and "차례" in pages[0]
    assert "1. [환경] 골목 쓰레기를 주민과 함께 치움" in pages[0] and "2. [환경] 경로당 안부 순회" in pages[0]
    assert any("경로당 안부 순회" in p and "추진 결과" in p for p in pages[1:])
    assert RESIDENT not in text and "010-0000-8888" not in text
    assert SAMPLE_CODE  # the sample dong's staff read the library too (above)
