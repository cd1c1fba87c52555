"""The officer page's 세대 연계 의뢰 panel and 구역 현황 download, run headless (Streamlit AppTest) on the sample store."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.referrals_ui import HOUSEHOLD_PICK, HOUSEHOLD_REFERRALS_KEY
from mapping.access import CLI_USER
from mapping.publish.privacy import assert_no_personal_values, personal_values_of, public_view
from mapping.publish.public_site import export_public_site
from tests.conftest import SAMPLE_CODE, app_store, as_officer, form_key
from tests.helpers import page_maps, staff_user

OFFICER, ZONE = "노아린", "Z28"  # the sample's Z28 has two households
NOTE = "가상 어르신 밑반찬 지원 요청 (세대 연계)"


@pytest.fixture
def app(sample_app):
    """The officer page as 노아린, in a private copy of the sample store."""
    return as_officer(sample_app, OFFICER)


def zone_households() -> pd.DataFrame:
    households = app_store().households(SAMPLE_CODE, user=CLI_USER)
    return households[households["zone_id"] == ZONE].reset_index(drop=True)


def referral_reads() -> int:
    log = app_store().access_log()
    return int(((log["action"] == "조회") & (log["subject"] == f"referrals:{SAMPLE_CODE}")).sum())


def open_panel(at: AppTest) -> AppTest:
    at.session_state[HOUSEHOLD_REFERRALS_KEY] = True  # what a click on the 세대 연계 의뢰 expander does
    at.run()
    assert not at.exception
    return at


def plain(text: str) -> str:
    return text.replace("\\", "")  # the store's message reaches Markdown escaped


def shown_text(at: AppTest) -> str:
    return "\n".join(t.value for t in at.text)


def refer(at: AppTest, household_id: int, *, body: str = "welfare_centre", name: str = "", note: str = NOTE) -> int:
    at.selectbox(key=f"ref_bodyh{household_id}").set_value(body)
    at.text_input(key=f"ref_nameh{household_id}").input(name)
    at.text_input(key=f"ref_new_noteh{household_id}").input(note)
    at.button(key=form_key(at, f"refer_submissionh{household_id}", f"referh{household_id}")).click().run()
    assert not at.exception
    return int(app_store().household_referrals(SAMPLE_CODE, user=CLI_USER, household_id=household_id)["id"].iloc[-1])


def move(at: AppTest, ref: int, to: str, note: str = "") -> AppTest:
    at.selectbox(key=f"ref_to{ref}").set_value(to)
    at.text_input(key=f"ref_note{ref}").input(note)
    at.button(key=f"ref_move{ref}").click().run()
    assert not at.exception
    return at


def status_of(ref: int) -> str:
    referrals = app_store().household_referrals(SAMPLE_CODE, user=CLI_USER)
    return str(referrals.set_index("id").loc[ref, "status"])


def site_text(folder: Path) -> str:
    files = [p for p in sorted(folder.rglob("*")) if p.suffix in {".html", ".js", ".csv", ".json"}]
    return "\n".join(p.read_text(encoding="utf-8-sig") for p in files if "vendor" not in p.parts)


def map_html(at: AppTest) -> str:
    return page_maps(at)[0]


def legend_of(html: str) -> str:
    return re.search(r"div\.innerHTML = (.*?);\n", html, re.S).group(1)  # type: ignore[union-attr]


def test_the_panel_offers_the_zones_households_by_kind_name_and_tong(app):
    open_panel(app)
    households = zone_households()
    pick = app.selectbox(key=HOUSEHOLD_PICK)
    assert sorted(pick.options) == sorted(
        f"{'돌봄이웃' if k == 'care_needed' else '전입세대'} · {n} · {int(t)}통"
        for k, n, t in zip(households["kind"], households["name"], households["tong"], strict=True)
    )
    assert any("아직 연계 의뢰가 없습니다" in c.value for c in app.caption)


def test_a_referred_household_is_listed_with_its_state_and_note(app):
    open_panel(app)
    household = int(zone_households()["id"].iloc[-1])
    app.selectbox(key=HOUSEHOLD_PICK).set_value(household).run()
    ref = refer(app, household, name="성산샘플복지관")
    assert any("연계 의뢰: 저장했습니다" in s.value for s in app.success)
    shown = shown_text(app)
    assert f"연계 #{ref} 복지관(성산샘플복지관) · 의뢰" in shown and f"{OFFICER} 의뢰" in shown
    assert f"최근 메모: {NOTE}" in shown
    assert app.text_input(key=f"ref_new_noteh{household}").value == ""  # ready for the next one
    other = int(zone_households()["id"].iloc[0])
    app.selectbox(key=HOUSEHOLD_PICK).set_value(other).run()  # another household: not its referral
    assert f"연계 #{ref}" not in shown_text(app)


def test_a_referral_moves_from_referred_to_discussing_to_linked_with_its_history(app):
    open_panel(app)
    household = int(app.selectbox(key=HOUSEHOLD_PICK).value)
    ref = refer(app, household, body="social_security_council")
    move(app, ref, "discussing", "협의체 사례회의 11/5")
    assert status_of(ref) == "discussing" and "동 지역사회보장협의체 · 협의중" in shown_text(app)
    move(app, ref, "linked", "주 2회 밑반찬 배달")
    assert status_of(ref) == "linked"
    assert "최근 메모: 주 2회 밑반찬 배달" in shown_text(app)
    assert any("끝난 연계입니다" in c.value for c in app.caption)
    app.checkbox(key=f"ref_history{ref}").check().run()
    history = next(d.value for d in app.dataframe if "후" in d.value.columns)
    assert history["후"].tolist() == ["의뢰", "협의중", "연계완료"]
    assert history["메모"].tolist() == [NOTE, "협의체 사례회의 11/5", "주 2회 밑반찬 배달"]
    last = app_store().access_log().iloc[-1]
    assert (last["action"], last["subject"]) == ("조회", f"referrals:{ref}")  # a household's history read is logged


def test_an_illegal_move_shows_the_stores_korean_message_and_changes_nothing(app):
    open_panel(app)
    household = int(app.selectbox(key=HOUSEHOLD_PICK).value)
    ref = refer(app, household)
    move(app, ref, "linked")  # 의뢰 → 연계완료 skips 협의중
    assert any("'의뢰'에서 '연계완료'(으)로 바꿀 수 없습니다" in plain(e.value) for e in app.error)
    assert status_of(ref) == "referred"


def test_other_without_a_name_is_refused_in_korean_and_the_form_is_kept(app):
    open_panel(app)
    household = int(app.selectbox(key=HOUSEHOLD_PICK).value)
    app.selectbox(key=f"ref_bodyh{household}").set_value("other")
    app.text_input(key=f"ref_new_noteh{household}").input(NOTE)
    app.button(key=form_key(app, f"refer_submissionh{household}", f"referh{household}")).click().run()
    assert not app.exception
    assert any("'기타' 기관은 기관명을 적으세요" in plain(e.value) for e in app.error)
    assert app_store().household_referrals(SAMPLE_CODE, user=CLI_USER).empty
    assert app.text_input(key=f"ref_new_noteh{household}").value == NOTE  # kept, to add the name


def test_household_referrals_are_read_only_while_the_panel_is_open(app):
    app_store().refer_household(int(zone_households()["id"].iloc[0]), body="복지관", user=staff_user(OFFICER))
    before, log_size = referral_reads(), len(app_store().access_log())
    app.run()
    assert referral_reads() == before  # closed: not read
    assert len(app_store().access_log()) == log_size + 1  # only the households list
    open_panel(app)
    assert referral_reads() == before + 1
    app.run()
    assert referral_reads() == before + 2  # every view is logged
    app.session_state[HOUSEHOLD_REFERRALS_KEY] = False
    app.run()
    assert referral_reads() == before + 2


def test_the_referral_note_is_in_no_public_output(app, tmp_path: Path):
    open_panel(app)
    refer(app, int(app.selectbox(key=HOUSEHOLD_PICK).value))
    personal = personal_values_of(app_store(), SAMPLE_CODE, user=CLI_USER)
    assert NOTE in personal  # the scan looks for it
    export_public_site(public_view(app_store(), SAMPLE_CODE), tmp_path / "site", personal_values=personal)
    assert_no_personal_values(site_text(tmp_path / "site"), personal)
    app.switch_page("app_pages/public.py").run()
    assert not app.exception
    page = map_html(app) + "\n".join(e.value for e in (*app.markdown, *app.caption, *app.text))
    assert_no_personal_values(page, personal)
    assert NOTE not in page


def test_the_officer_map_legend_has_the_notice_posts_and_the_contacts_only_when_shown(app):
    legend = legend_of(map_html(app))
    assert "게시 현황" in legend and "구역 연락망" not in legend  # the contact book is closed: no layer
    app.session_state["contact_book_open"] = True
    app.run()
    assert "구역 연락망" in legend_of(map_html(app))
    app.switch_page("app_pages/public.py").run()
    public = legend_of(map_html(app))
    assert "게시 현황" not in public and "구역 연락망" not in public


def test_the_zone_profile_is_offered_but_made_only_when_clicked(app):
    assert [b.proto.label for b in app.get("download_button")].count("구역 현황 (인수인계용)") == 1
    log = app_store().access_log()
    assert not log["subject"].str.startswith("contacts:").any()  # nothing read for it before the click
    assert not (log["action"] == "출력").any()
