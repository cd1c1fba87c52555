"""Every page and every button, as each persona, with two dongs of different gus loaded (AppTest, issue [12]).

For each persona of :mod:`tests.test_isolation` the app runs with that account logged in (a visitor: none):
the menu offers exactly the pages the role has, no other page can be opened, and every page — and the page
after each of its buttons is pressed (one button of each kind) — shows no personal value the persona may
not see: the other dong's residents and contacts, zones outside their reach, and for a 구 담당 none at all.
Whatever the buttons did is logged only under the persona's account.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from mapping.access import CLI_USER
from mapping.store import open_store
from tests.conftest import APP_TIMEOUT, ROOT
from tests.helpers import page_maps
from tests.kits import BANGHAK3_HOUSEHOLDS
from tests.test_isolation import PERSONAS, A, two_dong_db  # noqa: F401  (the module fixture)

PAGES = {
    "officer": "app_pages/officer.py",
    "intake": "app_pages/intake.py",
    "inbox": "app_pages/inbox.py",
    "walk": "app_pages/walk.py",
    "dashboard": "app_pages/dashboard.py",
    "region": "app_pages/region.py",
    "cases": "app_pages/cases.py",
    "month": "app_pages/month.py",
    "missions": "app_pages/missions_ui.py",
    "zones": "app_pages/zones.py",
    "public": "app_pages/public.py",
    "data": "app_pages/data.py",
    "accounts": "app_pages/accounts.py",
    "access_log": "app_pages/access_log.py",
    "login": "app_pages/login.py",
}
FIELD = {"officer", "intake", "inbox", "walk", "cases"}
LEADER = {"dashboard", "month", "missions", "zones"}
ADMIN = {"data", "accounts", "access_log"}
MENUS = {
    "A 주무관 강도윤 (finder)": FIELD | {"public"},
    "A 팀장 유정민 (복지팀)": FIELD | LEADER | {"public"},
    "A 행정팀장 오민재": FIELD | LEADER | {"public", "access_log"},
    "A 동장 한서윤": FIELD | LEADER | {"public", "access_log"},
    "B 주무관 강도윤 (same name)": FIELD | {"public"},
    "B 행정팀장 오민재 (same name)": FIELD | LEADER | {"public", "access_log"},
    "구 담당 마포구 (A's gu)": {"dashboard", "region", "cases", "public"},
    "구 담당 도봉구 (B's gu)": {"dashboard", "region", "cases", "public"},
    "시 담당": {"dashboard", "region", "cases", "public"},
    "관리자 (all dongs)": ADMIN | {"public"},
    "관리자 of B": ADMIN | {"public"},
    "방문자": {"public", "login"},
}
NEVER_PRESS = {"logout"}  # ends the session the walk is about


@pytest.fixture
def app_db(two_dong_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # noqa: F811
    from app_pages.common import get_store

    db = tmp_path / "app.sqlite"
    shutil.copy(two_dong_db, db)
    monkeypatch.setenv("MAPPING_DB", str(db))
    monkeypatch.setenv("MAPPING_TILES", "none")
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    monkeypatch.setenv("MAPPING_EXPORTS", str(tmp_path / "exports"))
    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    monkeypatch.chdir(ROOT)
    get_store.clear()
    yield db
    get_store.clear()


def personal_values(db: Path) -> dict[str, dict[str, set[str]]]:
    """Per dong and zone (``None``: outside every zone), the personal values a page must not show to outsiders."""
    store = open_store(db)
    out: dict[str, dict[str, set[str]]] = {}
    try:
        for code in store.dongs()["dong_code"]:
            zones: dict[str, set[str]] = {}
            for row in store.households(code, user=CLI_USER).itertuples():
                zones.setdefault(row.zone_id, set()).update({row.name, row.phone})
            for row in store.contacts(code, user=CLI_USER).itertuples():
                zones.setdefault(row.zone_id, set()).update({row.name, *([row.phone] if row.phone else [])})
            reports = store.reports(code).set_index("id")
            for row in store.resident_contacts(code, user=CLI_USER).itertuples():
                zone = reports.loc[row.id, "zone_id"]
                zones.setdefault(zone, set()).update(v for v in (row.resident_name, row.resident_phone) if v)
            out[str(code)] = {z: {v for v in vals if isinstance(v, str) and len(v) >= 3} for z, vals in zones.items()}
    finally:
        store.close()
    return out


def forbidden_for(who: str, values: dict[str, dict[str, set[str]]], db: Path) -> set[str]:
    """The personal values ``who`` may not see anywhere in the app."""
    user = PERSONAS[who]
    store = open_store(db)
    try:
        allowed: set[str] = set()
        if user.dong_code in values and user.role not in (None, "gu", "city"):
            reach = store.personal_zones(user.dong_code, user=user)
            whole = reach == frozenset(store.zones(user.dong_code)["zone_id"]) and user.role in (
                "admin_team_leader",
                "dong_head",
            )
            for zone, vals in values[user.dong_code].items():
                if zone in reach or (zone is None and whole):
                    allowed |= vals
    finally:
        store.close()
    everything = {v for zones in values.values() for vals in zones.values() for v in vals}
    return everything - allowed


def page_text(at: AppTest) -> str:
    """Everything the page sends to the browser, as text: elements, tables and the maps' HTML."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "DESCRIPTOR"):
            parts.append(json.dumps(MessageToDict(proto), ensure_ascii=False))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [d.value.to_string() for d in at.dataframe]
    parts += page_maps(at)
    text = "\n".join(parts)
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _start(who: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT)
    if PERSONAS[who].role != "public":
        at.session_state["user"] = PERSONAS[who]
    return at.run()


def _kinds(at: AppTest) -> list[object]:
    """One button of each kind on the page (keys without their row numbers), in page order."""
    seen, out = set(), []
    for button in [*at.button, *at.get("form_submit_button")]:
        key = re.sub(r"\d+", "#", str(getattr(button, "key", None) or getattr(button, "label", "")))
        if key not in seen and key not in NEVER_PRESS and not getattr(button, "disabled", False):
            seen.add(key)
            out.append(button)
    return out


def _assert_clean(at: AppTest, forbidden: set[str], where: str) -> None:
    assert not at.exception, f"{where}: {at.exception}"
    text = page_text(at)
    leaked = sorted(v for v in forbidden if v in text)
    assert not leaked, f"{where} shows personal values it may not: {leaked}"


@pytest.mark.parametrize("who", list(MENUS))
def test_every_page_and_button_shows_and_does_only_what_the_persona_may(app_db: Path, who: str) -> None:
    from app_pages.common import get_store

    values = personal_values(app_db)
    forbidden = forbidden_for(who, values, app_db)
    user = PERSONAS[who]
    at = _start(who)
    for name, path in PAGES.items():
        if name not in MENUS[who]:
            with pytest.raises(ValueError):  # not in the menu: the page cannot be opened at all
                at.switch_page(path)
            continue
        at.switch_page(path).run()
        _assert_clean(at, forbidden, f"{who} · {name}")
        if at.sidebar.selectbox:  # the dong choice offers only dongs this persona may open
            offered = set(next(s for s in at.sidebar.selectbox if s.label == "동").options)
            assert user.role in (None, "gu", "city", "public") or not offered
        for button in _kinds(at):
            before = len(get_store().access_log())
            label = getattr(button, "label", "?")
            try:
                button.click().run()
            except Exception as err:  # a widget that a rerun removed: skip it, but never an app error
                assert "AppTestError" in type(err).__name__ or "KeyError" in type(err).__name__, err
                continue
            _assert_clean(at, forbidden, f"{who} · {name} · [{label}]")
            new = get_store().access_log().iloc[before:]
            if name == "login":  # an empty login is refused and logged as the failed attempt it is
                assert set(new["action"]) <= {"로그인 실패"}
                new = new.iloc[0:0]
            accounts = set(new["account"])
            assert accounts <= {user.account, f"system:{user.account}"}, f"{who} · {name} · [{label}]: {accounts}"
            at.switch_page(path).run()


def test_a_gu_account_sees_its_own_gus_dongs_only_and_no_heat_map(app_db: Path) -> None:
    at = _start("구 담당 도봉구 (B's gu)")
    assert at.title[0].value == "도봉구 현황"  # a 구 담당 lands on their gu's month
    at.switch_page(PAGES["dashboard"]).run()
    assert at.title[0].value == "현황"
    assert not [s for s in at.sidebar.selectbox if s.label == "동"]  # one dong of 도봉구 in the store: no choice
    assert any("방학3동" in c.value for c in at.sidebar.caption)
    assert not [c for c in at.checkbox if c.key == "density_heat"]  # a heat map would ship each report's place
    mapo = _start("구 담당 마포구 (A's gu)")
    assert any("성산2동" in c.value for c in mapo.sidebar.caption)
    assert "방학3동" not in page_text(mapo)


def test_staff_land_in_their_own_dong_and_cannot_pick_another(app_db: Path) -> None:
    for who, dong_word in (("A 주무관 강도윤 (finder)", "성산2동"), ("B 주무관 강도윤 (same name)", "방학3동")):
        at = _start(who)
        assert at.title[0].value == "내 구역"
        assert not [s for s in at.sidebar.selectbox if s.label == "동"]
        assert any(dong_word in c.value for c in at.sidebar.caption)
    assert {n for _k, n, _p, _t in BANGHAK3_HOUSEHOLDS} & set(page_text(_start("B 주무관 강도윤 (same name)")).split())
    assert A  # the sample dong of the matrix
