"""mapping.outreach_layers: the contact book and the notice posts as a person sees them on the map."""

from __future__ import annotations

import datetime as dt
import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from mapping.layers import build_map
from mapping.outreach_layers import STALE_LABEL, build_contacts_layer, build_notice_posts_layer, day_text, tong_label
from mapping.style import CONTACT_COLOURS
from tests.helpers import overlay_names, unescape_js

DONG = gpd.GeoDataFrame(geometry=[shapely.box(126.89, 37.56, 126.91, 37.58)], crs="EPSG:4326")
TODAY = dt.date(2026, 11, 26)


def render(*layers) -> str:
    return build_map(list(layers), bounds=DONG, tiles="none", base_url="/local/vendor/").get_root().render()


def markers(html: str) -> list[list]:
    """Rows of the browser-made markers: [lat, lon, icon, colour, popup HTML, width, tooltip HTML, title]."""
    found = re.finditer(r"^\s*(\[.*\])\.map\(function \(row\)", html, re.M)
    return [row for match in found for row in json.loads(match.group(1))]


def on_at_start(html: str) -> bool:
    """Whether a layer is on the map when it opens (a hidden one is only in the layer control)."""
    return bool(re.search(r"feature_group_\w+\.addTo\(map_", html))


def contacts(**changes: list) -> pd.DataFrame:
    """Three contacts as the store returns them: a fresh one, a stale one, one without a place."""
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "kind": ["tong_leader", "gas_reader", "ban_leader"],
            "name": ["가상통장01", "가상검침원09", "가상반장02"],
            "organisation": ["성산2동 1통", None, "3통 2반"],
            "phone": ["010-0000-5101", "010-0000-5109", None],
            "tong": [1, 28, 3],
            "note": ["평일 저녁 통화 가능", None, "문자 먼저"],
            "lon": [126.8932, 126.9043, None],
            "lat": [37.5719, 37.5662, None],
            "last_contacted": [dt.date(2026, 11, 2), None, None],
            "days_since": [24, 130, 5],
            "stale": [False, True, False],
        }
    )
    return frame.assign(**changes)


def posts(**changes: list) -> pd.DataFrame:
    """Notice posts as the store returns them: two up (one without a place), one taken down."""
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "kind": ["apartment_board", "hair_salon", "supermarket"],
            "place_name": ["성산샘플아파트 101동 게시판", "샘플미용실", "샘플마트"],
            "lon": [126.9010, None, 126.9020],
            "lat": [37.5670, None, 37.5680],
            "tong": [28, 36, 27],
            "zone_id": ["Z28", "Z28", "Z27"],
            "posted_on": [dt.date(2026, 11, 1), dt.date(2026, 11, 3), dt.date(2026, 10, 1)],
            "removed_on": [None, None, dt.date(2026, 11, 20)],
            "posted_by": ["노아린", "노아린", "남궁현"],
            "note": ["3주마다 교체", None, None],
        }
    )
    return frame.assign(**changes)


def test_contact_popups_show_who_how_to_reach_and_when_last_contacted() -> None:
    rows = markers(render(build_contacts_layer(contacts())))
    assert len(rows) == 2  # the contact without a place is only in the list
    popup = next(r[4] for r in rows if "가상통장01" in r[4])
    for text in ("통장", "소속: 성산2동 1통", "연락처: 010-0000-5101", "1통", "연락 방법: 평일 저녁 통화 가능"):
        assert text in popup
    assert "마지막 연락: 2026-11-02" in popup and STALE_LABEL not in popup
    stale = next(r[4] for r in rows if "가상검침원09" in r[4])
    assert "도시가스 검침원" in stale and "마지막 연락: 기록 없음" in stale and f"{STALE_LABEL} (130일)" in stale


def test_stale_contacts_have_a_marker_colour_of_their_own() -> None:
    colour = {
        ("stale" if "가상검침원09" in r[4] else "fresh"): r[3]
        for r in markers(render(build_contacts_layer(contacts())))
    }
    assert colour == {"fresh": CONTACT_COLOURS["fresh"], "stale": CONTACT_COLOURS["stale"]}
    assert colour["fresh"] != colour["stale"]


def test_contacts_layer_is_off_by_default_and_counts_those_without_a_place() -> None:
    html = render(build_contacts_layer(contacts()))
    (name,) = overlay_names(html)
    assert name == "구역 연락망 (개인정보) · 위치 없는 1명은 목록에만"
    assert not on_at_start(html)  # personal data: the officer turns it on
    shown = render(build_contacts_layer(contacts(lon=[126.9, 126.9, 126.9], lat=[37.57] * 3), show=True))
    assert overlay_names(shown) == ["구역 연락망 (개인정보)"]
    assert on_at_start(shown)


@pytest.mark.parametrize("field", ["name", "organisation", "note", "phone"])
def test_user_text_in_a_contact_stays_text(field: str) -> None:
    hostile = "<script>alert(1)</script>{{ 7*7 }}`${x}`"
    book = contacts()
    book[field] = book[field].astype(object)
    book.loc[0, field] = hostile
    html = render(build_contacts_layer(book))
    assert "<script>alert(1)" not in unescape_js(html)
    popup = next(r[4] for r in markers(html) if "alert" in r[4])
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#123;&#123; 7*7 &#125;&#125;&#96;&#36;&#123;x&#125;&#96;" in popup
    assert "49" not in popup and "${" not in popup


def test_notice_posts_show_place_kind_since_officer_and_zone() -> None:
    html = render(build_notice_posts_layer(posts(), today=TODAY))
    rows = markers(html)
    assert len(rows) == 1  # one without a place, one taken down on the 20th
    popup = rows[0][4]
    for text in (
        "성산샘플아파트 101동 게시판",
        "아파트 게시판",
        "게시 2026-11-01부터",
        "게시자 노아린",
        "구역 Z28 · 28통",
    ):
        assert text in popup
    assert rows[0][6] == "성산샘플아파트 101동 게시판"  # tooltip
    assert overlay_names(html) == ["게시 현황 · 위치 없는 1곳은 목록에만"]
    before = markers(render(build_notice_posts_layer(posts(), today=dt.date(2026, 11, 19))))
    assert sorted(r[4].split("<br>")[0] for r in before) == ["<b>샘플마트</b>", "<b>성산샘플아파트 101동 게시판</b>"]


def test_notice_place_names_stay_text() -> None:
    hostile = posts(place_name=["<img src=x onerror=alert(1)>{{ 6*7 }}", "a", "b"])
    html = render(build_notice_posts_layer(hostile, today=TODAY))
    assert "<img src=x" not in unescape_js(html)
    (row,) = markers(html)
    shown = "&lt;img src=x onerror=alert(1)&gt;&#123;&#123; 6*7 &#125;&#125;"
    assert shown in row[4] and row[6] == shown  # popup and tooltip
    assert "42" not in row[4]


def test_empty_frames_make_empty_layers() -> None:
    html = render(build_contacts_layer(contacts().iloc[:0]), build_notice_posts_layer(posts().iloc[:0]))
    assert markers(html) == []
    assert overlay_names(html) == ["구역 연락망 (개인정보)", "게시 현황"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 11, 26), "2026-11-26"),
        (pd.Timestamp("2026-11-26 14:30"), "2026-11-26"),
        ("2026-11-26", "2026-11-26"),
        (None, ""),
        (float("nan"), ""),
        (pd.NaT, ""),
        ("", ""),
    ],
)
def test_day_text_is_the_day_or_nothing(value: object, expected: str) -> None:
    assert day_text(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(28, "28통"), (28.0, "28통"), ("36", "36통"), ("가", "가통"), (None, ""), (float("nan"), ""), (pd.NA, "")],
)
def test_tong_label_is_the_tong_or_nothing(value: object, expected: str) -> None:
    assert tong_label(value) == expected
