"""The month's missions, report tagging and referrals to community bodies, as a user sees them (AppTest)."""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from mapping.access import CLI_USER, User
from tests.conftest import INTAKE_FORM, SAMPLE_CODE, app_store, as_officer, as_user, form_key
from tests.helpers import staff_user

THIS_MONTH = dt.date.today().replace(day=1)


@pytest.fixture
def app(sample_app):
    return sample_app


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _plain(text: str) -> str:
    return text.replace("\\", "")  # user text reaches Markdown escaped


def _expander(at: AppTest, rid: int):
    return next(e for e in at.expander if f"#{rid} " in e.label)


def test_a_mission_set_on_the_missions_page_shows_on_the_officer_page(app):
    as_officer(app, "한서윤")  # the dong head
    app.switch_page("app_pages/missions_ui.py").run()
    assert not app.exception and app.title[0].value == "이달의 미션·동 현안"
    assert any("정한 미션·현안이 없습니다" in i.value for i in app.info)
    _button(app, "더하기").click().run()  # no title: refused, with the reason
    assert not app.exception and any("제목을 적으세요" in e.value for e in app.error)
    app.radio(key="mission_kind").set_value("mission")
    app.text_input(key="mission_title").input("홀몸 어르신 폭염 안부")
    app.text_area(key="mission_description").input("12일까지 담당 구역 모두")
    _button(app, "더하기").click().run()
    assert not app.exception and any("저장했습니다" in s.value for s in app.success)
    app.radio(key="mission_kind").set_value("issue")
    app.text_input(key="mission_title").input("성산로 통학로 안전")
    _button(app, "더하기").click().run()
    table = app.dataframe[0].value
    assert table["미션·현안"].tolist() == ["홀몸 어르신 폭염 안부", "성산로 통학로 안전"]
    assert table["계"].tolist() == [0, 0]

    as_officer(app, "노아린")
    app.switch_page("app_pages/officer.py").run()
    assert not app.exception
    banner = _plain(app.info[0].value)
    assert f"{THIS_MONTH.month}월 동장 미션·현안" in banner
    assert "이달의 미션** 홀몸 어르신 폭염 안부 — 12일까지 담당 구역 모두 (보고 0건" in banner
    assert "동 현안사항** 성산로 통학로 안전" in banner


def test_a_leader_of_another_dong_never_gets_this_dongs_missions_page(app):
    namesake = User(
        "x", "유정민", "team_leader", staff_name="유정민", dong_code="1144074000"
    )  # 성산2동's name, 망원1동's account
    as_user(app, namesake)
    app.switch_page("app_pages/missions_ui.py").run()
    assert not app.exception and not [t for t in app.text_input if t.key == "mission_title"]  # no form at all
    assert any("볼 수 있는 동 자료가 없습니다" in i.value for i in app.info)
    assert app_store().missions(SAMPLE_CODE).empty


def test_a_report_filed_with_a_mission_counts_in_its_progress_and_the_tag_can_change(app):
    store = app_store()
    mission = store.add_mission(SAMPLE_CODE, THIS_MONTH, kind="mission", title="골목 쓰레기 줄이기", user=CLI_USER)
    issue = store.add_mission(SAMPLE_CODE, THIS_MONTH, kind="issue", title="빈집 관리", user=CLI_USER)
    as_officer(app, "한서윤")
    app.switch_page("app_pages/intake.py").run()
    app.radio(key="place_how").set_value("주소").run()
    app.text_input(key=form_key(app, INTAKE_FORM, "intake_address")).input("마포구 성산동 200-22").run()
    app.text_area(key=form_key(app, INTAKE_FORM, "memo")).input("골목 무단투기 더미")
    app.selectbox(key=form_key(app, INTAKE_FORM, "mission")).set_value(mission).run()
    app.button(key=form_key(app, INTAKE_FORM, "save")).click().run()
    assert not app.exception
    assert any("미션·현안: [이달의 미션] 골목 쓰레기 줄이기" in _plain(s.value) for s in app.success)
    rid = int(store.reports(SAMPLE_CODE).sort_values("id").iloc[-1]["id"])
    progress = store.mission_progress(SAMPLE_CODE, THIS_MONTH).set_index("title")
    assert progress.loc["골목 쓰레기 줄이기", ["total", "received"]].tolist() == [1, 1]

    app.switch_page("app_pages/missions_ui.py").run()
    table = app.dataframe[0].value.set_index("미션·현안")
    assert table.loc["골목 쓰레기 줄이기", ["계", "접수", "처리완료"]].tolist() == [1, 1, 0]

    app.switch_page("app_pages/inbox.py").run()
    assert "미션·현안: 골목 쓰레기 줄이기" in [t.value for t in app.text]
    app.selectbox(key=f"mission{rid}").set_value(issue).run()
    app.button(key=f"tag{rid}_1").click().run()
    assert not app.exception and any("미션·현안 태그" in s.value for s in app.success)
    progress = store.mission_progress(SAMPLE_CODE, THIS_MONTH).set_index("title")
    assert progress["total"].to_dict() == {"골목 쓰레기 줄이기": 0, "빈집 관리": 1}


def test_an_inbox_referral_moves_through_its_states_and_its_finder_sees_where_it_went(app):
    store = app_store()
    rid = store.file_report(
        SAMPLE_CODE, lonlat=(126.8979, 37.5717), memo="어르신 밑반찬 필요", user=staff_user("한서윤")
    )
    store.hand_over(
        rid,
        "강도윤",
        user=staff_user("한서윤"),
    )
    as_officer(app, "강도윤")
    app.switch_page("app_pages/inbox.py").run()
    assert any("아직 연계 의뢰가 없습니다" in c.value for c in app.caption)
    app.selectbox(key=f"ref_body{rid}").set_value("welfare_centre")
    app.text_input(key=f"ref_name{rid}").input("성산샘플복지관")
    app.text_input(key=f"ref_new_note{rid}").input("밑반찬 지원 요청")
    app.button(key=form_key(app, f"refer_submission{rid}", f"refer{rid}")).click().run()
    assert not app.exception and any("연계 의뢰" in s.value for s in app.success)
    ref = int(store.report_referrals(rid)["id"].iloc[0])
    assert _plain(_expander(app, rid).label).endswith("연계: 복지관(성산샘플복지관) · 의뢰")

    app.selectbox(key=f"ref_to{ref}").set_value("linked").run()  # 의뢰 → 연계완료 skips 협의중
    app.button(key=f"ref_move{ref}").click().run()
    assert not app.exception
    assert any("'의뢰'에서 '연계완료'(으)로 바꿀 수 없습니다" in _plain(e.value) for e in app.error)
    assert store.report_referrals(rid)["status"].tolist() == ["referred"]

    app.selectbox(key=f"ref_to{ref}").set_value("discussing")
    app.text_input(key=f"ref_note{ref}").input("사례회의 11/5")
    app.button(key=f"ref_move{ref}").click().run()
    app.selectbox(key=f"ref_to{ref}").set_value("linked")
    app.text_input(key=f"ref_note{ref}").input("주 2회 밑반찬 배달")
    app.button(key=f"ref_move{ref}").click().run()
    assert not app.exception and store.report_referrals(rid)["status"].tolist() == ["linked"]
    assert any("끝난 연계입니다" in c.value for c in app.caption)

    as_officer(app, "한서윤")  # the finder
    assert _plain(_expander(app, rid).label).endswith("연계: 복지관(성산샘플복지관) · 연계완료")
    shown = "\n".join(t.value for t in app.text)
    assert f"연계 #{ref} 복지관(성산샘플복지관) · 연계완료" in shown and "최근 메모: 주 2회 밑반찬 배달" in shown
    app.checkbox(key=f"ref_history{ref}").check().run()
    history = next(d.value for d in app.dataframe if "후" in d.value.columns)
    assert history["후"].tolist() == ["의뢰", "협의중", "연계완료"]
    assert history["메모"].tolist() == ["밑반찬 지원 요청", "사례회의 11/5", "주 2회 밑반찬 배달"]
