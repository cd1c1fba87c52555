"""Each page of the app runs headless (Streamlit AppTest) on the sample store."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from mapping.access import CLI_USER
from tests.conftest import ADMIN, INTAKE_FORM, ROOT, as_officer, as_user, form_key
from tests.helpers import page_maps, staff_user

TIMEOUT = 60


@pytest.fixture
def app(sample_app):
    return sample_app


def _map_html(at: AppTest) -> str:
    maps = page_maps(at)
    assert maps, "no map on the page"
    return maps[0]  # strings passed through Jinja's tojson arrive as \uXXXX escapes: decoded


def test_officer_page_shows_zone_of_chosen_officer_and_map(app):
    assert not app.exception
    assert app.title[0].value == "내 구역"
    assert any("샘플 동" in c.value for c in app.caption)
    app.selectbox(key="officer").set_value("유정민").run()
    assert not app.exception
    assert any(s.value.endswith("구역") for s in app.subheader)
    assert "유정민" in app.markdown[0].value
    html = _map_html(app)
    assert html.count("zone-polygon") >= 1 and "약국" in html
    assert _map_html(app.run()) == html  # a rerun sends the same map: the browser keeps it where it was panned


def test_officer_page_logs_each_view_of_households(app):
    from app_pages.common import get_store

    before = len(get_store().access_log())
    app.run()
    log = get_store().access_log()
    assert len(log) == before + 1
    assert log.iloc[-1]["action"] == "조회" and log.iloc[-1]["subject"].startswith("households:")


def test_dashboard_counts_reports_per_zone(app, sample_kit):
    app.switch_page("app_pages/dashboard.py").run()
    assert not app.exception
    assert app.title[0].value == "현황"
    table = app.dataframe[0].value
    assert len(table) == 18
    reported = int(sample_kit.tables["reports"]["reported"].sum())
    assert 0 < reported < 90  # the sample has unsubmitted reports, which the month must not count
    assert table["계"].sum() == reported == int(app.metric[0].value)
    assert any(f"제출 전 {90 - reported}건 제외" in c.value for c in app.caption)


def test_public_page_hides_non_public_resources_and_households(app):
    app.switch_page("app_pages/public.py").run()
    assert not app.exception
    html = _map_html(app)
    assert "비공개" not in html
    assert "가상주민" not in html and "010-0000" not in html
    assert "공공누리 제1유형" in html


def test_data_page_lists_loaded_dong(app):
    as_user(app, ADMIN)
    app.switch_page("app_pages/data.py").run()
    assert not app.exception
    assert "서울특별시 마포구 성산2동" in app.dataframe[0].value["동"].tolist()


def test_pages_without_data_point_to_the_data_page(tmp_path, monkeypatch):
    monkeypatch.setenv("MAPPING_DB", str(tmp_path / "empty.sqlite"))
    monkeypatch.setenv("MAPPING_SAMPLE_AUTOLOGIN", "1")
    monkeypatch.chdir(ROOT)
    from app_pages.common import get_store

    get_store.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
        assert not at.exception and at.title[0].value == "로그인"  # no dong at all: no sample browsing either
        assert not [b for b in at.button if b.key == "sample_login"]
        as_officer(at, "노아린")  # an account whose dong is not loaded (yet)
        assert "데이터" in at.info[0].value
        assert any("자료가 저장소에 없습니다" in w.value for w in at.sidebar.warning)
    finally:
        get_store.clear()


def test_a_visitor_sees_only_the_public_map_and_the_login(sample_db, tmp_path, monkeypatch):
    """Without login: the public map and the login page; a staff login opens that person's pages."""
    from app_pages.common import get_store
    from mapping.store import open_store
    from tests.conftest import SAMPLE_CODE

    db = tmp_path / "real.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    store.create_account("noarin", name="노아린", password="walk-2026-mapo", role="officer", staff_name="노아린",
                         dong_code=SAMPLE_CODE, user=CLI_USER)  # fmt: skip
    store.close()
    monkeypatch.setenv("MAPPING_DB", str(db))
    monkeypatch.setenv("MAPPING_TILES", "none")
    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    monkeypatch.chdir(ROOT)
    get_store.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT).run()
        assert at.title[0].value == "로그인"
        with pytest.raises(ValueError, match=r"public\.py.*login\.py"):  # a visitor's menu has only these two
            at.switch_page("app_pages/officer.py")
        at.text_input(key="login_account").input("noarin")
        at.text_input(key="login_password").input("wrong-password-9")
        next(b for b in at.button if b.label == "로그인").click().run()
        assert any("맞지 않거나, 잠시 잠겨 있습니다" in e.value for e in at.error)
        at.text_input(key="login_password").input("walk-2026-mapo")
        next(b for b in at.button if b.label == "로그인").click().run()
        assert not at.exception and at.title[0].value == "내 구역"
        assert any("노아린" in c.value and "로그인한 계정" in c.value for c in at.caption)  # no choosing someone else
        with pytest.raises(ValueError, match="Known pages"):  # an officer has no administrator's pages
            at.switch_page("app_pages/accounts.py")
    finally:
        get_store.clear()


def test_zone_editor_shows_preview_and_reassigns(app):
    as_officer(app, "오민재")  # the 행정팀장
    app.switch_page("app_pages/zones.py").run()
    assert not app.exception
    assert app.title[0].value == "구역 편집"
    assert not app.error  # the stored assignments are valid
    assert "zone-polygon" in _map_html(app)
    zone_box = next(s for s in app.selectbox if s.label == "구역")
    successor_box = next(s for s in app.selectbox if s.label.startswith("후임자"))
    assert set(successor_box.options) == {"신유나", "엄채원"}  # the staff without a zone
    zone_box.set_value("Z05")
    successor_box.set_value("엄채원")
    app.button(key="reassign").click().run()
    assert not app.exception
    assert any("윤지호 → 엄채원" in s.value for s in app.success)


def test_public_page_finds_the_officer_of_a_typed_address(app):
    app.switch_page("app_pages/public.py").run()
    app.text_input(key="lookup_address").input("마포구 성산동 200-22").run()
    assert not app.exception
    card = " ".join(m.value for m in app.markdown).replace("\\", "")  # user text reaches Markdown escaped
    assert "우리동네주무관" in card and "02-0000-" in card
    app.text_input(key="lookup_address").input("강남구 역삼동 1").run()
    assert any("찾지 못했습니다" in w.value for w in app.warning)


def test_intake_files_a_report_placed_by_address(app):
    from app_pages.common import get_store
    from tests.conftest import SAMPLE_CODE

    as_officer(app, "강도윤")
    app.switch_page("app_pages/intake.py").run()
    assert not app.exception and app.title[0].value == "보고 접수"
    before = len(get_store().reports(SAMPLE_CODE))
    app.text_area(key=form_key(app, INTAKE_FORM, "memo")).input("<script>alert(1)</script> 가로등 꺼짐").run()
    app.button(key=form_key(app, INTAKE_FORM, "save")).click().run()  # enabled: the tap that sends the memo counts
    assert any(
        w.value.endswith("먼저 채우세요: 위치 (지도·사진·주소)") for w in app.warning
    )  # no place: nothing stored
    assert len(get_store().reports(SAMPLE_CODE)) == before
    app.radio(key="place_how").set_value("주소").run()
    app.text_input(key=form_key(app, INTAKE_FORM, "intake_address")).input("마포구 성산동 200-22").run()
    assert app.text_area(key=form_key(app, INTAKE_FORM, "memo")).value.endswith("가로등 꺼짐")  # kept until stored
    app.button(key=form_key(app, INTAKE_FORM, "save")).click().run()
    assert not app.exception
    (done,) = [s.value for s in app.success if "저장했습니다" in s.value]
    assert [t.value for t in app.toast] == [done]  # also where the eye is, however far the page is scrolled
    newest = get_store().reports(SAMPLE_CODE).sort_values("id").iloc[-1]
    assert newest["memo"].startswith("<script>") and newest["origin"] == "app" and newest["tong"] is not None
    assert newest["client_key"] is not None and len(get_store().reports(SAMPLE_CODE)) == before + 1
    assert app.text_area(key=form_key(app, INTAKE_FORM, "memo")).value == ""  # stored: a fresh form, a new key
    assert form_key(app, INTAKE_FORM, "memo") != f"memo_{newest['client_key']}"


def test_inbox_hand_over_reaches_the_assignee(app):
    from app_pages.common import get_store
    from tests.conftest import SAMPLE_CODE

    store = get_store()
    rid = store.file_report(
        SAMPLE_CODE, lonlat=(126.8979, 37.5717), memo="<b>굵게</b> 쓰레기 더미", user=staff_user("한서윤")
    )
    as_officer(app, "한서윤")
    app.switch_page("app_pages/inbox.py").run()
    assert any(f"#{rid}" in e.label for e in app.expander)
    assert any(t.value.startswith("<b>굵게</b>") for t in app.text)  # shown as text, not HTML
    assert any("제안할 직원이 없습니다" in c.value for c in app.caption)  # no field, no duty: it says so
    assert app.selectbox(key=f"to{rid}").value is None  # and preselects nobody (once: the dong head)
    app.selectbox(key=f"to{rid}").set_value("강도윤").run()
    app.button(key=f"hand{rid}_1").click().run()
    assert not app.exception and any(f"보고 #{rid}을(를) 강도윤에게 인계했습니다" in s.value for s in app.success)
    assert any("인계했습니다" in t.value for t in app.toast)
    assert app.session_state["inbox_tab"] == "내가 찾은 보고"  # the tab holding it, not the empty one
    (changed,) = [e for e in app.expander if f"#{rid} " in e.label]
    assert "인계" in changed.label and changed.proto.expanded  # the report just changed stays open
    as_officer(app, "강도윤")
    assert any(f"#{rid}" in e.label and "인계" in e.label for e in app.expander)
    assert get_store().report_history(rid)["actor"].tolist()[-1] == "한서윤"  # the account that clicked


def test_dashboard_density_map_and_table_with_change(app):
    app.switch_page("app_pages/dashboard.py").run()
    assert "density-polygon" in _map_html(app)
    # 월 = 전체 maps the whole record, and says so: every report of the three months, not only the latest
    stated = [m.value.replace("\\", "") for m in app.markdown]  # as read on the page, without Markdown escapes
    assert any("지도 기간: 2026-09~2026-11" in m and "보고 90건" in m for m in stated)
    whole = next(d.value for d in app.dataframe if "km²당" in d.value.columns)
    assert whole["건수"].sum() == 90 and "한서윤 · 1, 7통" in set(whole["구역"])  # whose zone, not Z01
    assert "한서윤 · 1, 7통: 5" in _map_html(app)  # the map's zones are called the same
    next(s for s in app.selectbox if s.label == "월").set_value("2026-10").run()
    assert any("지도 기간: 2026-10**" in m.value.replace("\\", "") for m in app.markdown)
    table = next(d.value for d in app.dataframe if "증감" in d.value.columns)
    assert list(table["건수"]) == sorted(table["건수"], reverse=True)
    assert (table["증감"] == table["건수"] - table["직전"]).all()
    app.radio(key="density_by").set_value("tong").run()
    assert not app.exception
    tongs = next(d.value for d in app.dataframe if "증감" in d.value.columns)
    assert len(tongs) == 36 and tongs["건수"].sum() == table["건수"].sum()
    app.checkbox(key="density_heat").check().run()
    assert not app.exception and "heatLayer" in _map_html(app)


def test_walk_page_plans_a_route_with_numbered_stops(app):
    app.switch_page("app_pages/walk.py").run()
    app.selectbox(key="officer").set_value("노아린").run()
    assert not app.exception and app.title[0].value == "주간 순회"
    assert any("km" in s.value and "분" in s.value for s in app.success)
    plan = app.table[0].value  # the order to walk, each stop with its address (or where it is)
    assert list(plan["순서"]) == list(range(1, len(plan) + 1)) and len(plan) >= 1
    assert all(isinstance(a, str) and a for a in plan["주소"]) and list(plan.columns) == [
        "순서",
        "장소",
        "이유",
        "주소",
    ]
    html = _map_html(app)
    assert "route-stop" in html and "route-line" in html
    assert 'class="route-start">출발<' in html.replace('\\"', '"')  # the 주민센터, where the walk starts
    pdf = next(b for b in app.get("download_button") if b.proto.label.startswith("A4 경로표"))
    assert "지도" in pdf.proto.label and "주소" in pdf.proto.label  # one button: the sheet is made on the click
    app.number_input(key="walk_budget").set_value(15).run()
    assert not app.exception  # a tight budget leaves stops out or says nothing fits
    assert any("빠진 곳" in w.value or "갈 수 있는 곳이 없습니다" in w.value for w in app.warning)


def test_public_page_publishes_the_site_and_hides_declining_officers(app, tmp_path, monkeypatch):
    from app_pages.common import get_store
    from tests.conftest import SAMPLE_CODE

    monkeypatch.setenv("MAPPING_EXPORTS", str(tmp_path))
    as_officer(app, "오민재")  # a team leader publishes
    app.switch_page("app_pages/public.py").run()
    shown = _table_with(app, "담당 주무관")
    staff = get_store().staff(SAMPLE_CODE).set_index("name")
    declined = [n for n in staff.index if not staff.loc[n, "public_card"]]
    assert declined and not set(declined) & set(shown["담당 주무관"])
    assert "*" in _table_with(app, "복지").to_numpy()
    app.text_input(key="publish_url").input("ftp://nope")
    app.button(key="publish").click().run()
    assert any("https://" in e.value.replace("\\", "") for e in app.error)
    app.text_input(key="publish_url").input("https://example.org/udongju/")
    app.button(key="publish").click().run()
    assert not app.exception and any("만들었습니다" in s.value for s in app.success)
    assert get_store().public_url(SAMPLE_CODE) == "https://example.org/udongju/"
    assert (tmp_path / "public" / SAMPLE_CODE / "index.html").exists()


def _table_with(at: AppTest, column: str):
    """The first table on the page with ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_month_page_sheet_meeting_best_case_and_calendar(app):
    from app_pages.common import get_store
    from tests.conftest import SAMPLE_CODE

    store = get_store()
    as_officer(app, "오민재")
    app.switch_page("app_pages/month.py").run()
    app.selectbox(key="month").set_value("2026-10").run()
    assert not app.exception and app.title[0].value == "월간 취합"
    sheet = _table_with(app, "담당통")
    assert sheet.iloc[-1]["팀명"] == "합계" and int(sheet.iloc[-1]["계"]) == int(app.metric[0].value)
    assert "density-polygon" in _map_html(app)
    app.button(key="confirm").click().run()
    assert store.aggregation(SAMPLE_CODE, "2026-10")["totals"]["계"] == int(app.metric[0].value)

    assert app.date_input(key="meeting_day2026-10").value == dt.date(2026, 11, 4)  # the chosen month's meeting
    app.text_input(key="meeting_place2026-10").input("2층 회의실")
    app.text_area(key="meeting_discussion2026-10").input("폭염 대비 취약가구 점검")
    next(b for b in app.button if b.label == "저장").click().run()
    assert not app.exception and store.meeting(SAMPLE_CODE, "2026-10")["place"] == "2층 회의실"
    app.selectbox(key="month").set_value("2026-09").run()  # another month: its own meeting, not October's date
    assert app.date_input(key="meeting_day2026-09").value == dt.date(2026, 10, 4)
    assert app.text_input(key="meeting_place2026-09").value == ""
    app.selectbox(key="month").set_value("2026-10").run()
    assert app.text_input(key="meeting_place2026-10").value == "2층 회의실"

    first = int(app.multiselect(key="case_reports").options[0].split()[0].lstrip("#"))  # "#37 10/01 …"
    app.multiselect(key="case_reports").select(first)
    app.text_input(key="case_title").input("하수구 악취를 이웃과 함께 해결")
    next(b for b in app.button if b.label == "실천사례로 정하기").click().run()
    assert not app.exception
    case = store.best_cases(SAMPLE_CODE).iloc[0]
    assert case["title"] == "하수구 악취를 이웃과 함께 해결" and case["month"] == "2026-10"
    cid = int(case["id"])
    app.text_area(key=f"case_result{cid}").input("악취 민원 0건")
    next(b for b in app.get("form_submit_button") if b.label == "구에 제출").click().run()
    assert not app.exception and store.best_case(cid)["gu_submitted_on"] is not None  # the gu decides (구 현황)
    assert store.best_case(cid)["shared"]["result"] == "악취 민원 0건"
    assert not [b for b in app.button if b.key == f"record_result{cid}"]  # the dong no longer types the gu's decision
    calendar = _table_with(app, "기한")
    assert calendar.set_index("항목").loc["우수사례 구 제출", "상태"].endswith(("완료", "완료(지연)"))

    app.number_input(key="target_count").set_value(3)
    app.radio(key="target_unit").set_value("report")
    next(b for b in app.button if b.label == "목표 저장").click().run()
    assert store.outing_target(SAMPLE_CODE).count == 3
    assert any("주 3건 보고" in s.value for s in app.subheader)


def test_single_sign_on_logs_in_the_account_with_that_email(sample_db, tmp_path, monkeypatch):
    """OIDC through st.login: the identity's e-mail picks the account; an unknown e-mail gets no pages."""
    from app_pages.common import get_store
    from mapping.store import open_store
    from tests.conftest import SAMPLE_CODE

    db = tmp_path / "sso.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    store.create_account("yujm", name="유정민", password=None, email="yu@mapo.go.kr", role="team_leader",
                         staff_name="유정민", dong_code=SAMPLE_CODE, user=CLI_USER)  # fmt: skip
    store.close()
    monkeypatch.setenv("MAPPING_DB", str(db))
    monkeypatch.setenv("MAPPING_TILES", "none")
    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    monkeypatch.chdir(ROOT)
    get_store.clear()
    auth = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32, "client_id": "udongju",
            "client_secret": "s", "server_metadata_url": "https://sso.example.org/.well-known/openid-configuration"}  # fmt: skip
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        at.secrets["auth"] = auth
        at.user = {"is_logged_in": True, "email": "yu@mapo.go.kr", "name": "유정민"}
        at.run()
        assert not at.exception and at.title[0].value == "내 구역"
        assert any("유정민" in c.value for c in at.caption)
        stranger = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        stranger.secrets["auth"] = auth
        stranger.user = {"is_logged_in": True, "email": "nobody@example.org"}
        stranger.run()
        assert stranger.title[0].value == "로그인"
        assert any("계정이 없습니다" in e.value for e in stranger.sidebar.error)
    finally:
        get_store.clear()


def test_a_staff_name_written_as_markdown_stays_text_in_the_zone_balance_warning(tmp_path, monkeypatch):
    """A kit's staff name like ``![s](http://127.0.0.1:9/x.png)`` must not become an image the browser fetches."""
    from app_pages.common import get_store
    from mapping.access import CLI_USER
    from mapping.kit.reader import read_kit
    from mapping.store import open_store
    from tests.kits import BANGHAK3, write_small_kit

    evil = "![s](http://127.0.0.1:9/x.png)"
    staff = [
        ("동장", "방동장", "동장", "주민자치", "1", evil),
        ("복지팀", "방주무", "주무관", "복지", "2", evil),
        ("복지팀", evil, "주무관", "복지", "3,4,5,6", "방동장"),  # four tongs against one each: flagged
    ]
    kit = write_small_kit(tmp_path / "kit", BANGHAK3, staff=staff, n_tongs=6)
    store = open_store(tmp_path / "evil.sqlite")
    store.load_kit(read_kit(kit), user=CLI_USER)
    store.close()
    monkeypatch.setenv("MAPPING_DB", str(tmp_path / "evil.sqlite"))
    monkeypatch.setenv("MAPPING_TILES", "none")
    monkeypatch.chdir(ROOT)
    get_store.clear()
    try:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        as_user(at, staff_user("방동장", code=BANGHAK3, role="dong_head"))
        at.switch_page("app_pages/dashboard.py").run()
        assert not at.exception
        warning = next(w.value for w in at.warning if "중앙값" in w.value)
        assert evil not in warning and "\\!\\[s\\]" in warning  # shown as the characters typed
    finally:
        get_store.clear()
