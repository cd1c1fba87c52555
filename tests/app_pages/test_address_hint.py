"""보고 접수's address search says what it searches and gives an example from the dong."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.conftest import INTAKE_FORM, as_officer, form_key


def test_the_address_box_names_its_sources_and_an_example_of_the_dong(sample_app: AppTest) -> None:
    app = sample_app
    as_officer(app, "강도윤")
    app.switch_page("app_pages/intake.py").run()
    app.radio(key="place_how").set_value("주소").run()
    assert not app.exception
    box = app.text_input(key=form_key(app, INTAKE_FORM, "intake_address"))
    assert box.placeholder == "예: 마포구 성산동 200-22"  # an address of the sample dong's own kit
    (note,) = [c.value.replace("\\", "") for c in app.caption if "주소 자료" in c.value]
    assert note.startswith("서울특별시 마포구 성산2동: 불러온 주소 자료(juso.go.kr 위치정보요약DB)가 없어")
    box.input("마포구 성산동 200-22").run()
    assert any("찾은 주소" in c.value for c in app.caption)
