"""The field page (/field/) on a phone: reports written with no signal arrive exactly once, with their photos.

The server is ``server.py`` (the pages, the field API and the field page on one port); the phone is Chromium at
390 px with its GPS set by the test.  Going offline is ``context.set_offline``; a connection dropped mid-upload is
a report POST that reaches the server (which stores it) and whose answer never reaches the phone.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from mapping import clock
from mapping.access import CLI_USER
from mapping.api.field import zone_report_rows
from mapping.crs import to_web
from mapping.domain import REPORT_STATUSES
from mapping.store import Store, open_store
from tests.browser.conftest import PASSWORD, PHONE, guarded_page, screenshot, serve_app
from tests.helpers import SAMPLE_DONG
from tests.test_photos import jpeg_with_gps

OFFICER, ACCOUNT, ZONE = "노아린", "noar", "Z28"  # 복지팀; her zone is tongs 28 and 36
COLLEAGUE, COLLEAGUE_ACCOUNT = "강도윤", "kangdy"  # another officer who may pick up the same phone


@pytest.fixture(scope="module")
def field_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of its own (reports are counted exactly) with the officer's account."""
    db = tmp_path_factory.mktemp("field") / "field.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    for account, name in ((ACCOUNT, OFFICER), (COLLEAGUE_ACCOUNT, COLLEAGUE)):
        store.create_account(
            account, name=name, password=PASSWORD, role="officer", staff_name=name, dong_code=SAMPLE_DONG,
            user=CLI_USER,
        )  # fmt: skip
    store.close()
    return db


@pytest.fixture(scope="module")
def field_url(field_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_app(field_db, tmp_path_factory.mktemp("log")) as url:
        yield url + "/field/"


@pytest.fixture(scope="module")
def places(field_db: Path) -> list[dict[str, float]]:
    """Three places inside the officer's zone (in tongs 28 and 36), as the phone's GPS gives them."""
    store = open_store(field_db)
    tongs = to_web(store.tongs(SAMPLE_DONG), name="통").set_index("tong").geometry
    store.close()
    inside = [tongs[28].representative_point(), tongs[36].representative_point(), tongs[28].centroid]
    return [{"longitude": p.x, "latitude": p.y} for p in inside]


@pytest.fixture
def phone(browser: object, places: list[dict[str, float]]) -> Iterator[object]:
    """A phone-sized page that may use its GPS (at the first place); its service worker allowed."""
    page = guarded_page(browser, phone=True, permissions=["geolocation"], geolocation=places[0])
    yield page
    assert page.blocked == [], f"requests outside the machine: {page.blocked}"
    page.context.close()


def photo_file(folder: Path, name: str, size: tuple[int, int]) -> Path:
    """A JPEG as a phone camera would give it (a gradient, so it is not trivially small)."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    path = folder / name
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def sign_in_and_sync(page: object, url: str | None, account: str = ACCOUNT) -> None:
    """Open the field page (``url``; None: as it is), log in as ``account`` and wait until the zone is on the phone
    and the page works offline."""
    if url is not None:
        page.goto(url)
    page.wait_for_selector("body[data-ready='1']")
    page.get_by_label("계정").fill(account)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.locator("#zone-info").filter(has_text="마지막 동기화").wait_for()
    page.wait_for_function("navigator.serviceWorker.controller !== null")  # the app shell is cached


def file_report(
    page: object,
    place: dict[str, float] | str,
    memo: str,
    photos: list[Path],
    *,
    no_resident: bool = False,
    field: str = "복지",
) -> None:
    """Write one report on the phone: photos picked from the phone, a memo, its 분야 (``field``), and its place —
    the GPS at ``place``, or a tap on the map where the tong label ``place`` (e.g. "36통") is."""
    before = page.locator("#queue-list li").count()
    if isinstance(place, str):
        label = page.locator("#map .tong-label", has_text=place)
        label.scroll_into_view_if_needed()
        box = label.bounding_box()
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        here = page.get_by_role("button", name="이 자리에 보고 적기")  # the tap met a report's dot: its place
        page.locator("#place").filter(has_text="위치(지도)").or_(here).first.wait_for()
        if here.is_visible():
            here.click()
        page.locator("#place").filter(has_text="위치(지도)").wait_for()
    else:
        page.context.set_geolocation(place)
        page.get_by_role("button", name="내 위치 (GPS)").click()
        page.locator("#place").filter(has_text="위치(GPS)").wait_for()
    if photos:
        page.locator("#pick").set_input_files([str(p) for p in photos])
        page.locator("#thumbs img").nth(len(photos) - 1).wait_for()
    page.get_by_label("내용 (메모)").fill(memo)
    page.get_by_label("분야").select_option(label=field)
    if no_resident:
        page.get_by_label("주민 없음", exact=False).check()
    page.get_by_role("button", name="보고 담기").click()
    page.locator("#queue-list li").nth(before).wait_for()


def queue_states(page: object) -> dict[str, str]:
    """Memo → state word of every report listed on the phone."""
    rows = page.locator("#queue-list li")
    return {
        rows.nth(i).locator(".memo").inner_text(): rows.nth(i).locator(".state").inner_text()
        for i in range(rows.count())
    }


def wait_sent(page: object, memos: list[str]) -> None:
    for memo in memos:
        page.locator("#queue-list li", has_text=memo).locator(".state", has_text="보냄").wait_for(timeout=30_000)


def assert_stored_once(store: Store, memos: dict[str, int], fields: dict[str, str] | None = None) -> None:
    """Each memo is one report of the officer, in her zone and her inbox, with its photos, downscaled on the phone;
    its 분야 is ``fields[memo]`` (a key; 복지 when not given)."""
    reports = store.reports(SAMPLE_DONG)
    user = store.authenticate(ACCOUNT, PASSWORD)
    found = set(store.inbox(SAMPLE_DONG, user=user)["found"]["id"])
    for memo, n_photos in memos.items():
        rows = reports[reports["memo"] == memo]
        assert len(rows) == 1, f"{memo!r} stored {len(rows)} times"
        report = rows.iloc[0]
        expected = (fields or {}).get(memo, "welfare")
        assert (report["finder"], report["zone_id"], report["field"]) == (OFFICER, ZONE, expected)
        assert report["client_key"], "filed through the API under the phone's client key"
        assert int(report["id"]) in found, "in the officer's 보고함"
        photos = store.report_photos(int(report["id"]))
        assert len(photos) == n_photos
        assert (photos[["width", "height"]].max(axis=1) <= 1600).all(), "downscaled on the phone before sending"


def test_reports_written_offline_survive_a_reload_and_arrive_once_in_the_right_inbox(
    phone: object, field_url: str, field_db: Path, places: list[dict[str, float]], tmp_path: Path
) -> None:
    big, small = photo_file(tmp_path, "camera.jpg", (3000, 2000)), photo_file(tmp_path, "small.jpg", (800, 600))
    sign_in_and_sync(phone, field_url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["viewport"]["width"], "no sideways scrolling"
    phone.context.set_offline(True)
    phone.locator("#net", has_text="신호 없음").wait_for()
    memos = {
        "신호 없는 골목 1: 어르신 안부": [big],
        "신호 없는 골목 2: 계단 파손": [big, small],
        "신호 없는 골목 3": [small],
    }
    dumped = "신호 없는 골목 3"  # 무단투기: 환경, not her duty (복지): handed on arrival to the colleague for 청소
    for (memo, photos), place in zip(memos.items(), [*places[:2], "36통"], strict=True):  # GPS, GPS, a tap
        if memo == dumped:
            phone.get_by_label("분야").select_option(label="환경")
            expect(phone.locator("#hand-hint")).to_have_text(f"도착하면 {COLLEAGUE}에게 인계합니다.")
        file_report(phone, place, memo, photos, no_resident="계단" in memo, field="환경" if memo == dumped else "복지")
    assert queue_states(phone) == dict.fromkeys(memos, "대기")
    assert f"인계: {COLLEAGUE}" in phone.locator("#queue-list li", has_text=dumped).inner_text()
    written = clock.now()  # the phone and the server share this machine's clock

    phone.reload()  # still offline: the page comes from the service worker, the queue from IndexedDB
    phone.wait_for_selector("body[data-ready='1']")
    assert queue_states(phone) == dict.fromkeys(memos, "대기")
    assert "마지막 동기화" in phone.locator("#zone-info").inner_text()  # the zone of the last sync, offline
    assert phone.locator("#map path.leaflet-interactive").count() >= 1
    store = open_store(field_db)
    assert not store.reports(SAMPLE_DONG)["memo"].isin(list(memos)).any(), "nothing left the phone offline"

    phone.context.set_offline(False)  # the signal is back: the page sends by itself
    phone.locator("#notice", has_text="보고 3건을 보냈습니다").wait_for(timeout=30_000)  # says what was sent
    wait_sent(phone, list(memos))
    assert_stored_once(store, {memo: len(photos) for memo, photos in memos.items()}, {dumped: "environment"})
    stored = store.reports(SAMPLE_DONG).set_index("memo").loc[list(memos)]
    assert stored.loc[dumped, ["status", "assignee"]].tolist() == ["handed_over", COLLEAGUE]
    colleague = store.authenticate(COLLEAGUE_ACCOUNT, PASSWORD)
    assert int(stored.loc[dumped, "id"]) in set(store.inbox(SAMPLE_DONG, user=colleague)["assigned"]["id"])
    assert "cleaning" in list(store.staff(SAMPLE_DONG).set_index("name").loc[COLLEAGUE, "duties"]), "the right one"
    assert (stored["created_at"] <= written).all(), "dated when written on the phone, not when it was sent"
    ids = stored["id"]
    for memo, report_id in ids.items():  # the phone says which report each became, and what it is now
        assert f"#{report_id}" in phone.locator("#queue-list li", has_text=memo).inner_text()
        now = f"지금: 인계 · 담당 {COLLEAGUE}" if memo == dumped else "지금: 접수"
        phone.locator("#queue-list li", has_text=memo).locator(".now", has_text=now).wait_for()
    assert stored["has_resident"].tolist() == [True, False, True]  # 주민 없음 on the broken stairs only
    phone.locator("#map path.my-report").nth(2).wait_for()  # on the officer's map, from the zone refreshed after
    store.close()
    phone.evaluate("window.scrollTo(0, 0)")
    screenshot(phone, "field-page.png", tmp_path)


# The centre of a public resource's circle inside the map's view, where nothing lies above it.
_A_RESOURCE = """() => {
  const box = document.getElementById("map").getBoundingClientRect();
  for (const path of document.querySelectorAll("#map path.resource")) {
    const r = path.getBoundingClientRect(), x = r.left + r.width / 2, y = r.top + r.height / 2;
    const inside = x > box.left + 30 && x < box.right - 30 && y > box.top + 70 && y < box.bottom - 30;
    if (inside && document.elementFromPoint(x, y) === path) return [x, y];
  }
  return null;
}"""
_PAINTED = "() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Where a report's dot is painted on the zone-report canvas and nothing lies above it: client x, y nearest the map's
# centre (only the dots are painted on that canvas, so any opaque pixel is a dot).
_A_DOT = """() => {
  const canvas = document.querySelector("#map .leaflet-zoneReports-pane canvas");
  const box = document.getElementById("map").getBoundingClientRect();
  const rect = canvas.getBoundingClientRect();
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  const sx = rect.width / canvas.width, sy = rect.height / canvas.height;
  const cx = box.left + box.width / 2, cy = box.top + box.height / 2;
  const found = [];
  for (let y = 0; y < canvas.height; y += 2) {
    for (let x = 0; x < canvas.width; x += 2) {
      if (pixels[(y * canvas.width + x) * 4 + 3] < 120) continue;
      const px = rect.left + x * sx, py = rect.top + y * sy;
      if (px < box.left + 20 || px > box.right - 20 || py < box.top + 20 || py > box.bottom - 20) continue;
      found.push([Math.hypot(px - cx, py - cy), px, py]);
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const free = found.find(([, px, py]) => document.elementFromPoint(px, py) === canvas);
  return free ? [free[1], free[2]] : null;
}"""


def settled(page: object, where: str) -> list[float] | None:
    """``where`` (a script answering a point on the map) once the map has stopped moving: the same on two frames."""
    last = None
    for _ in range(100):
        page.evaluate(_PAINTED)
        point = page.evaluate(where)
        if point == last:
            return point
        last = point
    raise AssertionError("the map kept moving")


def test_the_map_shows_every_report_of_my_zones_and_a_tap_on_one_says_what_it_is(
    phone: object, field_url: str, field_db: Path
) -> None:
    sign_in_and_sync(phone, field_url)
    store = open_store(field_db)
    zones, reports = store.zones(SAMPLE_DONG), store.reports(SAMPLE_DONG)
    store.close()
    mine = set(zones[(zones["officer"] == OFFICER) | (zones["substitute"] == OFFICER)]["zone_id"])
    kept = {row[0] for row in zone_report_rows(reports, mine, me=OFFICER, today=clock.today())["rows"]}
    assert 0 < len(kept) < len(reports)  # what the phone keeps (its rules: tests/api/test_field.py)
    expect(phone.locator("#map")).to_have_attribute("data-zone-reports", str(len(kept)))
    expect(phone.locator("#zone-info")).to_contain_text(f"구역 보고 {len(kept)}건")
    resource = settled(phone, _A_RESOURCE)  # above the dots: a tap on it still opens its popup
    assert resource, "no public resource in view"
    phone.touchscreen.tap(*resource)
    popup = phone.locator("#map .leaflet-popup-content")
    expect(popup).to_be_visible()
    expect(popup).not_to_contain_text("보고 #")
    expect(phone.locator("#place")).to_have_text("위치: 지도를 누르거나 GPS")
    phone.locator("#map .leaflet-popup-close-button").click()
    where = settled(phone, _A_DOT)  # once the popup's pan has ended
    assert where, "no report dot painted on the map"
    phone.touchscreen.tap(*where)
    popup = phone.locator("#map .leaflet-popup-content", has_text="보고 #")  # the closed one fades out meanwhile
    expect(popup).to_contain_text("보고 #")
    shown = int(popup.inner_text().split("#")[1].split()[0])
    assert shown in kept
    status = str(reports.set_index("id").loc[shown, "status"])
    expect(popup).to_contain_text(REPORT_STATUSES.label(status))
    expect(phone.locator("#place")).to_have_text("위치: 지도를 누르거나 GPS")  # the tap did not place a report
    phone.get_by_role("button", name="이 자리에 보고 적기").click()  # ... its button does, at the dot
    place = reports.set_index("id").loc[shown]
    expect(phone.locator("#place")).to_have_text(f"위치(지도): {place['lat']:.5f}, {place['lon']:.5f}")


def test_a_connection_dropped_mid_upload_does_not_double_the_report(
    phone: object, field_url: str, field_db: Path, places: list[dict[str, float]], tmp_path: Path
) -> None:
    sign_in_and_sync(phone, field_url)
    phone.context.set_offline(True)
    memos = {"끊긴 업로드 1: 가로등 고장": 2, "끊긴 업로드 2": 1}
    for (memo, n), place in zip(memos.items(), places, strict=False):
        file_report(phone, place, memo, [photo_file(tmp_path, f"p{i}.jpg", (2400, 1800)) for i in range(n)])
    dropped: list[int] = []

    def drop_first_answer(route: object) -> None:
        if dropped:
            route.continue_()
            return
        answer = route.fetch()  # the server receives the report and stores it ...
        dropped.append(answer.status)
        route.abort("connectionreset")  # ... and the phone never hears back

    phone.route("**/api/v1/reports", drop_first_answer)
    phone.context.set_offline(False)
    phone.locator("#queue-list li", has_text="끊긴 업로드 1").filter(has_text="연결이 끊겨").wait_for()
    assert dropped == [201], "the first upload reached the server and was stored"
    phone.get_by_role("button", name="지금 보내기").click()  # on demand: the same client key again
    wait_sent(phone, list(memos))
    assert "이미 받은 보고" in phone.locator("#queue-list li", has_text="끊긴 업로드 1").inner_text()
    store = open_store(field_db)
    assert_stored_once(store, memos)
    store.close()


def test_a_token_that_ended_asks_to_sign_in_again_and_keeps_the_queue(
    phone: object, field_url: str, field_db: Path, places: list[dict[str, float]], tmp_path: Path
) -> None:
    sign_in_and_sync(phone, field_url)
    phone.context.set_offline(True)
    memo = "로그인이 끝난 뒤 보낸 보고"
    file_report(phone, places[1], memo, [photo_file(tmp_path, "p.jpg", (640, 480))])
    token = phone.evaluate(
        """() => new Promise((resolve) => indexedDB.open("udongju-field").onsuccess = (e) =>
             e.target.result.transaction("kv").objectStore("kv").get("session").onsuccess = (g) =>
               resolve(g.target.result.token))"""
    )
    store = open_store(field_db)
    assert store.revoke_token(token)  # ended on the server (expired, or signed out elsewhere)
    phone.context.set_offline(False)
    phone.get_by_role("heading", name="로그인").wait_for()
    assert "로그인이 끝났습니다" in phone.locator("#login").inner_text()
    assert queue_states(phone)[memo] == "대기"
    phone.get_by_label("비밀번호").fill(PASSWORD)  # the account is filled in already
    phone.get_by_role("button", name="로그인").click()
    wait_sent(phone, [memo])
    assert_stored_once(store, {memo: 1})

    phone.context.set_offline(True)
    file_report(phone, places[0], "로그아웃 뒤에도 남는 보고", [])
    phone.once("dialog", lambda dialog: dialog.accept())  # "보내지 않은 보고 1건은 휴대폰에 남습니다"
    phone.get_by_role("button", name="로그아웃").click()
    phone.get_by_role("heading", name="로그인").wait_for()
    kept = phone.evaluate(
        """() => new Promise((resolve) => indexedDB.open("udongju-field").onsuccess = (e) =>
             e.target.result.transaction("kv").objectStore("kv").getAllKeys().onsuccess = (g) =>
               resolve(g.target.result))"""
    )
    assert "zone" not in kept and "session" not in kept, "the synced zone (residents' contacts) leaves the phone"
    kept_memo = "로그아웃 뒤에도 남는 보고"
    assert kept_memo not in queue_states(phone), "kept for her, out of sight of the next person"
    assert "보내지 않은 보고 1건이 이 휴대폰에 있습니다" in phone.locator("#queue-summary").inner_text()

    phone.context.set_offline(False)  # a colleague signs in on the same phone: her memo is neither shown nor sent
    sign_in_and_sync(phone, None, COLLEAGUE_ACCOUNT)
    assert kept_memo not in queue_states(phone) and kept_memo not in phone.content()
    assert "다른 계정의 보내지 않은 보고 1건" in phone.locator("#queue-summary").inner_text()
    assert not store.reports(SAMPLE_DONG)["memo"].eq(kept_memo).any()
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="로그아웃").click()
    sign_in_and_sync(phone, None, ACCOUNT)  # back under her account: shown and sent
    wait_sent(phone, [kept_memo])
    assert_stored_once(store, {kept_memo: 0})
    store.close()


def test_an_upload_with_no_answer_goes_back_to_waiting_and_is_sent_once_later(
    phone: object, field_url: str, field_db: Path, places: list[dict[str, float]], tmp_path: Path
) -> None:
    sign_in_and_sync(phone, field_url)
    phone.evaluate("localStorage.setItem('udongju.timeout_ms', '2000')")  # the page's limit, short for the test
    phone.context.set_offline(True)
    memo = "답이 없는 업로드: 맨홀 뚜껑"
    file_report(phone, places[0], memo, [photo_file(tmp_path, "h.jpg", (1200, 900))])
    hung: list[object] = []

    def hang_first(route: object) -> None:
        if hung:
            route.continue_()
            return
        hung.append(route)  # never answered, never refused: the phone has to give up by itself

    phone.route("**/api/v1/reports", hang_first)
    phone.context.set_offline(False)
    phone.locator("#queue-list li", has_text=memo).filter(has_text="답이 오지 않아").wait_for(timeout=15_000)
    assert queue_states(phone)[memo] == "대기" and len(hung) == 1
    phone.get_by_role("button", name="지금 보내기").click()  # the queue is not stuck: the same key goes again
    wait_sent(phone, [memo])
    store = open_store(field_db)
    assert_stored_once(store, {memo: 1})
    store.close()


def test_a_place_outside_the_dong_is_sent_once_the_officer_confirms_it(
    phone: object, field_url: str, field_db: Path, tmp_path: Path
) -> None:
    city_hall = {"longitude": 126.9779, "latitude": 37.5663}  # in Seoul, far from 성산2동
    sign_in_and_sync(phone, field_url)
    phone.context.set_offline(True)
    memo = "구청 가는 길에 본 것"
    phone.context.set_geolocation(city_hall)
    phone.get_by_role("button", name="내 위치 (GPS)").click()
    phone.locator("#place", has_text="내 구역 밖입니다").wait_for()  # warned offline, from the zone of the last sync
    file_report(phone, city_hall, memo, [photo_file(tmp_path, "p.jpg", (640, 480))])
    phone.context.set_offline(False)
    row = phone.locator("#queue-list li", has_text=memo)
    row.locator(".state", has_text="실패").wait_for()
    assert "동 경계 밖" in row.inner_text()
    row.get_by_role("button", name="동 밖이지만 이 위치로 보내기").click()
    row.locator(".state", has_text="보냄").wait_for()
    store = open_store(field_db)
    reports = store.reports(SAMPLE_DONG)
    assert len(reports[reports["memo"] == memo]) == 1
    store.close()


def test_a_photos_gps_places_the_report_with_no_signal(
    phone: object, field_url: str, field_db: Path, places: list[dict[str, float]], tmp_path: Path
) -> None:
    lon, lat = places[1]["longitude"], places[1]["latitude"]
    shot = tmp_path / "with-gps.jpg"
    shot.write_bytes(jpeg_with_gps(lon, lat, size=(2000, 1500)))
    sign_in_and_sync(phone, field_url)
    phone.context.set_offline(True)
    phone.locator("#pick").set_input_files(str(shot))
    phone.locator("#place", has_text="사진 GPS").wait_for()  # read on the phone before the photo is made small
    memo = "사진 위치로 담은 보고"
    phone.get_by_label("내용 (메모)").fill(memo)
    phone.get_by_role("button", name="보고 담기").click()
    phone.context.set_offline(False)
    wait_sent(phone, [memo])
    store = open_store(field_db)
    report = store.reports(SAMPLE_DONG).set_index("memo").loc[memo]
    assert (report["lon"], report["lat"]) == pytest.approx((lon, lat), abs=1e-5)
    assert report["zone_id"] == ZONE
    store.close()


def test_the_login_lasts_its_expires_in_by_the_phones_own_clock(phone: object, field_url: str) -> None:
    def skewed(route: object) -> None:  # a phone whose clock (or zone) is far from the server's
        answer = route.fetch()
        route.fulfill(response=answer, json=answer.json() | {"expires_at": "2020-01-01T00:00:00Z"})

    phone.route("**/api/v1/token", skewed)
    sign_in_and_sync(phone, field_url)  # not logged out at once: 12 hours counted from the answer's arrival
    phone.reload()
    phone.wait_for_selector("body[data-ready='1']")
    assert phone.locator("#login").is_hidden()


def test_a_report_older_than_fourteen_days_is_kept_and_sent_to_the_office(
    phone: object, field_url: str, field_db: Path, places: list[dict[str, float]]
) -> None:
    sign_in_and_sync(phone, field_url)
    phone.context.set_offline(True)
    memo = "보름 전에 적은 보고"
    file_report(phone, places[0], memo, [])
    phone.evaluate(  # written 15 days ago, as if the phone had stayed in a drawer
        """() => new Promise((resolve) => indexedDB.open("udongju-field").onsuccess = (e) => {
             const store = e.target.result.transaction("queue", "readwrite").objectStore("queue");
             store.getAll().onsuccess = (g) => {
               const item = g.target.result[0];
               item.created_ms = Date.now() - 15 * 24 * 3600 * 1000;
               store.put(item).onsuccess = () => resolve();
             };
           })"""
    )
    phone.context.set_offline(False)
    row = phone.locator("#queue-list li", has_text=memo)
    row.filter(has_text="14일이 지나").wait_for(timeout=30_000)
    assert queue_states(phone)[memo] == "실패" and "보고 접수" in row.inner_text()
    assert row.get_by_role("button", name="다시 보내기").count() == 0  # kept, to be filed at the office
    store = open_store(field_db)
    assert not store.reports(SAMPLE_DONG)["memo"].eq(memo).any()
    store.close()
