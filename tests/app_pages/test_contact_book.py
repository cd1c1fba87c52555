"""The officer page's 구역 연락망 and 게시 현황 panels, run headless (Streamlit AppTest) on the sample store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common import md
from app_pages.contact_book import BOOK_KEY, POSTS_KEY
from mapping.access import CLI_USER
from mapping.outreach_layers import STALE_LABEL
from mapping.store import open_store
from tests.conftest import SAMPLE_CODE, app_store, as_officer, log_in
from tests.helpers import page_maps

OFFICER, ZONE = "노아린", "Z28"  # the sample's Z28 (tongs 28, 36) has three contacts, two of them placed
Z28_CONTACTS = ["가상검침원09", "가상배달원10", "가상통장03"]
Z27_CONTACTS = ["가상관리소장06", "가상대표07"]  # 남궁현's zone: 노아린 is its 대직자
EVIL = "![x](https://evil.example/p.png)"  # rendered as Markdown, the browser would fetch this image
PASSWORD = "성산2동-walk-2026"
IN_TONG_28 = (126.904374, 37.566203)  # where the sample's 28통 통장 lives


@pytest.fixture
def app(sample_app):
    """The officer page as 노아린, in a private copy of the sample store."""
    return as_officer(sample_app, OFFICER)


def contact_id(name: str) -> int:
    book = app_store().contacts(SAMPLE_CODE, user=CLI_USER)
    return int(book.loc[book["name"] == name, "id"].iloc[0])


def open_book(at: AppTest) -> AppTest:
    at.session_state[BOOK_KEY] = True  # what a click on the 구역 연락망 expander does
    at.run()
    assert not at.exception
    return at


def book_table(at: AppTest) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "90일" in d.value.columns)


def map_html(at: AppTest) -> str:
    return page_maps(at)[0]


def rendered_as_markdown(at: AppTest) -> list[str]:
    """Every text on the page that Streamlit renders as Markdown: messages, and the labels of widgets and panels."""
    texts = [e.value for kind in (at.markdown, at.caption, at.info, at.success, at.error, at.warning) for e in kind]
    widgets = (at.checkbox, at.toggle, at.button, at.expander, at.tabs, at.text_input, at.selectbox)
    return texts + [w.label for kind in widgets for w in kind]


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def test_contact_book_lists_the_zones_contacts_stale_first_with_last_contact(app):
    checker = contact_id("가상검침원09")
    long_ago = dt.date.today() - dt.timedelta(days=120)
    app_store().log_contact(checker, kind="통화", on_date=long_ago, by_whom=OFFICER, user=CLI_USER)
    table = book_table(open_book(app))
    assert sorted(table["성명"]) == ["가상검침원09", "가상배달원10", "가상통장03"]  # Z28's, no other zone's
    first = table.iloc[0]
    assert first["성명"] == "가상검침원09" and first["90일"] == f"{STALE_LABEL} (120일)"
    assert first["마지막 연락"] == str(long_ago) and first["구분"] == "도시가스 검침원"
    assert (table.iloc[1:]["90일"] == "").all() and (table.iloc[1:]["마지막 연락"] == "기록 없음").all()
    assert any(f"{STALE_LABEL} 1명" in m.value for m in app.markdown)


def test_the_contacts_are_read_only_when_the_book_is_opened_and_each_read_is_logged(app):
    def contact_reads() -> int:
        log = app_store().access_log()
        return int(((log["action"] == "조회") & (log["subject"] == f"contacts:{SAMPLE_CODE}")).sum())

    app.run()
    assert contact_reads() == 0  # closed: not read, not on the map
    assert "가상통장03" not in map_html(app)
    open_book(app)
    assert contact_reads() == 1
    assert "가상통장03" in map_html(app) and "구역 연락망 (개인정보)" in map_html(app)
    app.run()
    assert contact_reads() == 2


def test_adding_a_contact_stores_it_and_clears_the_form(app):
    open_book(app)
    app.selectbox(key="contact_add_kind").set_value("요구르트 배달원")
    app.selectbox(key="contact_add_tong").set_value(36)
    app.text_input(key="contact_add_name").input("가상배달원99")
    app.text_input(key="contact_add_phone").input("01000005199")
    app.text_input(key="contact_add_note").input("<b>화·목</b> 오전 배달")
    click(app, "더하기")
    assert any("가상배달원99 연락처를 더했습니다" in s.value for s in app.success)
    added = app_store().contacts(SAMPLE_CODE, user=CLI_USER).set_index("name").loc["가상배달원99"]
    assert (added["kind"], added["tong"], added["phone"]) == ("yogurt_delivery", 36, "010-0000-5199")
    assert added["note"] == "<b>화·목</b> 오전 배달"
    row = book_table(app).set_index("성명").loc["가상배달원99"]
    assert row["연락 방법"] == "<b>화·목</b> 오전 배달" and row["90일"] == ""
    assert app.text_input(key="contact_add_name").value == ""  # ready for the next one


def test_a_bad_phone_number_is_refused_in_korean_and_nothing_is_stored(app):
    open_book(app)
    before = len(app_store().contacts(SAMPLE_CODE, user=CLI_USER))
    app.text_input(key="contact_add_name").input("가상통장98")
    app.text_input(key="contact_add_phone").input("1234")
    click(app, "더하기")
    assert any("전화번호" in e.value and "읽을 수 없습니다" in e.value for e in app.error)
    assert not app.exception  # the store's message, never a traceback
    assert len(app_store().contacts(SAMPLE_CODE, user=CLI_USER)) == before
    assert app.text_input(key="contact_add_name").value == "가상통장98"  # kept, to fix the number


def test_logging_a_contact_updates_the_last_contact_and_clears_the_flag(app):
    checker = contact_id("가상검침원09")
    app_store().log_contact(
        checker, kind="만남", on_date=dt.date.today() - dt.timedelta(days=95), by_whom=OFFICER, user=CLI_USER
    )
    open_book(app)
    app.selectbox(key="contact_pick").set_value(checker).run()
    app.selectbox(key=f"contact_log_kind_{checker}").set_value("동장 동행 소개")
    app.text_input(key=f"contact_log_note_{checker}").input("동장님과 검침 구역 인사")
    click(app, "기록")
    row = book_table(app).set_index("성명").loc["가상검침원09"]
    assert row["마지막 연락"] == str(dt.date.today()) and row["90일"] == ""
    app.toggle(key=f"contact_log_show_{checker}").set_value(True).run()
    log = next(d.value for d in app.dataframe if "방법" in d.value.columns)
    assert list(log["방법"]) == ["동장 동행 소개", "만남"]  # newest first
    assert log.iloc[0]["담당"] == OFFICER and log.iloc[0]["비고"] == "동장님과 검침 구역 인사"
    last = app_store().access_log().iloc[-1]
    assert (last["action"], last["subject"]) == ("조회", f"contact_log:{checker}")


def test_an_edit_over_someone_elses_change_is_refused_and_shows_theirs(app):
    leader = contact_id("가상통장03")
    open_book(app)
    app.selectbox(key="contact_pick").set_value(leader).run()
    app.text_input(key=f"contact_edit_{leader}_1_phone").input("010-0000-7777")
    app_store().update_contact(leader, {"phone": "010-0000-8888"}, user=CLI_USER)  # someone else, meanwhile
    click(app, "저장")
    assert any("먼저 고쳤습니다" in e.value for e in app.error)
    assert app_store().contact(leader, user=CLI_USER)["phone"] == "010-0000-8888"  # not overwritten
    assert app.text_input(key=f"contact_edit_{leader}_2_phone").value == "010-0000-8888"  # reloaded
    app.text_input(key=f"contact_edit_{leader}_2_phone").input("010-0000-7777")
    click(app, "저장")
    assert app_store().contact(leader, user=CLI_USER)["phone"] == "010-0000-7777"


def test_deleting_a_contact_needs_a_confirmation(app):
    leader = contact_id("가상통장03")
    open_book(app)
    app.selectbox(key="contact_pick").set_value(leader).run()
    assert app.button(key=f"contact_del_{leader}").disabled
    app.checkbox(key=f"contact_del_sure_{leader}").check().run()
    app.button(key=f"contact_del_{leader}").click().run()
    assert not app.exception
    assert "가상통장03" not in set(book_table(app)["성명"])
    assert "가상통장03" not in set(app_store().contacts(SAMPLE_CODE, user=CLI_USER)["name"])


def test_a_notice_post_appears_in_the_list_and_on_the_map_until_taken_down(app):
    app.session_state[POSTS_KEY] = True
    app.run()
    assert any("기록된 게시물이 없습니다" in i.value for i in app.info)
    app.selectbox(key="notice_add_kind").set_value("미장원")
    app.text_input(key="notice_add_place").input("샘플미용실 <입구>")
    app.number_input(key="notice_add_lon").set_value(IN_TONG_28[0])
    app.number_input(key="notice_add_lat").set_value(IN_TONG_28[1])
    click(app, "게시 기록")
    posts = next(d.value for d in app.dataframe if "장소명" in d.value.columns)
    assert list(posts["장소명"]) == ["샘플미용실 <입구>"] and list(posts["장소 유형"]) == ["미장원"]
    assert list(posts["게시자"]) == [OFFICER] and list(posts["통"]) == ["28통"]
    html = map_html(app)
    assert "샘플미용실 &lt;입구&gt;" in html and "게시자 노아린" in html and "샘플미용실 <입구>" not in html
    click(app, "철거 기록")
    assert any("철거를 기록했습니다" in s.value for s in app.success)
    assert "샘플미용실" not in map_html(app)
    assert not any("장소명" in d.value.columns for d in app.dataframe)


def test_a_contact_named_in_markdown_shows_as_literal_text(app):
    from markdown_it import MarkdownIt

    cid = app_store().add_contact(SAMPLE_CODE, kind="tong_leader", name=EVIL, tong=28, user=CLI_USER)
    open_book(app)
    assert EVIL in set(book_table(app)["성명"])  # a table cell is plain text: shown as typed
    app.selectbox(key="contact_pick").set_value(cid).run()
    sure = app.checkbox(key=f"contact_del_sure_{cid}")
    assert sure.label == f"{md(EVIL)} 연락처를 지웁니다 (연락 기록도 함께 지워집니다)"
    html = MarkdownIt().render(sure.label)
    assert "<img" not in html and "evil.example/p.png" in html  # the name, as text: no image to fetch
    assert not [text for text in rendered_as_markdown(app) if EVIL in text]
    sure.check().run()
    app.button(key=f"contact_del_{cid}").click().run()
    assert not app.exception
    assert any(md(EVIL) in s.value for s in app.success)  # "… 연락처를 지웠습니다." names it, escaped
    assert not [text for text in rendered_as_markdown(app) if EVIL in text]


@pytest.fixture
def officer_app(app_env: Path, monkeypatch: pytest.MonkeyPatch):
    """The officer page as 노아린 logged in with her own account (not sample mode), in a private store copy."""
    with_account = open_store(app_env)
    with_account.create_account("noar", name=OFFICER, password=PASSWORD, role="officer", staff_name=OFFICER,
                                dong_code=SAMPLE_CODE, user=CLI_USER)  # fmt: skip
    with_account.close()
    return log_in("noar", PASSWORD, monkeypatch=monkeypatch)


def test_a_logged_in_officers_book_holds_only_their_own_zones_contacts(officer_app):
    assert not any(s.key == "officer" for s in officer_app.selectbox)  # no choosing someone else
    before = len(app_store().access_log())
    table = book_table(open_book(officer_app))
    assert sorted(table["성명"]) == Z28_CONTACTS  # not the zone she stands in for (Z27), nor any other
    reads = app_store().access_log().iloc[before:]
    reads = reads[reads["subject"].str.startswith(f"contacts:{SAMPLE_CODE}")]
    assert len(reads) and set(reads["account"]) == {"noar"}  # logged under her account
    html = map_html(officer_app)
    assert "가상통장03" in html and "구역 연락망 (개인정보)" in html  # Z28's contacts are on the map
    others = set(app_store().contacts(SAMPLE_CODE, user=CLI_USER)["name"]) - set(Z28_CONTACTS)
    assert set(Z27_CONTACTS) <= others and not [name for name in others if name in html]
