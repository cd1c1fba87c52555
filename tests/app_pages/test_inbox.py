"""The inbox page (보고함), run headless (Streamlit AppTest) on the sample store."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from app_pages.common import md
from tests.conftest import SAMPLE_CODE, app_store, as_officer, form_key
from tests.helpers import staff_user

OFFICER = "강도윤"
IN_TONG_3 = (126.8979, 37.5717)  # a place in the sample dong


@pytest.fixture
def app(sample_app: AppTest) -> AppTest:
    """The app in sample mode, in a private copy of the sample store."""
    return sample_app


def _inbox_of(at: AppTest, officer: str) -> AppTest:
    as_officer(at, officer)
    at.switch_page("app_pages/inbox.py").run()
    assert not at.exception
    return at


def test_a_report_found_and_taken_on_by_the_same_officer_is_in_both_tabs_without_a_key_clash(app: AppTest) -> None:
    store = app_store()
    rid = store.file_report(SAMPLE_CODE, lonlat=IN_TONG_3, memo="보도블록 파손", user=staff_user(OFFICER))
    store.move_report(
        rid,
        "in_progress",
        user=staff_user(OFFICER),
    )  # 직접 처리: the finder is now its assignee too
    report = store.reports(SAMPLE_CODE).set_index("id").loc[rid]
    assert (report["finder"], report["assignee"]) == (OFFICER, OFFICER)
    _inbox_of(app, OFFICER)  # once raised StreamlitDuplicateElementKey: the same widgets in both tabs
    assert [t.label.split(" (")[0] for t in app.tabs] == ["나에게 온 보고", "내가 찾은 보고"]
    assert len([e for e in app.expander if f"#{rid} " in e.label]) == 2  # listed in both tabs
    assert any("내가 맡은 보고이기도 합니다" in c.value for c in app.caption)
    app.text_input(key=form_key(app, f"progress{rid}", f"note{rid}")).input("시공업체에 연락함")
    app.button(key=form_key(app, f"progress{rid}", f"progress{rid}")).click().run()  # in 나에게 온 보고, still work
    assert not app.exception and any("진행 기록" in s.value for s in app.success)
    assert app.text_input(key=form_key(app, f"progress{rid}", f"note{rid}")).value == ""  # stored: a fresh note


def test_a_report_title_in_markdown_stays_text_in_the_list(app: AppTest) -> None:
    evil = "![x](https://evil.example/p.png)"
    store = app_store()
    rid = store.file_report(SAMPLE_CODE, lonlat=IN_TONG_3, memo="가로등 고장", user=staff_user(OFFICER), title=evil)
    _inbox_of(app, OFFICER)
    (label,) = [e.label for e in app.expander if f"#{rid} " in e.label]
    assert md(evil) in label and evil not in label


def test_a_reports_history_reads_in_korean_with_no_none(app: AppTest) -> None:
    store = app_store()
    rid = store.file_report(SAMPLE_CODE, lonlat=IN_TONG_3, memo="무단투기", user=staff_user("한서윤"))
    store.hand_over(rid, OFFICER, user=staff_user("한서윤"))
    _inbox_of(app, OFFICER)
    (report,) = [e for e in app.expander if f"#{rid} " in e.label and "인계" in e.label]
    (history,) = [d.value for d in report.dataframe if "무엇" in d.value.columns]
    assert list(history["무엇"]) == ["접수", f"인계 → {OFFICER}"]  # not create / hand_over
    assert list(history["상태"]) == ["접수", "인계"] and list(history["메모"]) == ["", ""]  # not None


def test_scroll_to_takes_only_a_class_name_so_nothing_else_reaches_its_script() -> None:
    from app_pages.common import scroll_to

    with pytest.raises(ValueError, match="must be letters, digits"):
        scroll_to("x'); alert(1); ('")
