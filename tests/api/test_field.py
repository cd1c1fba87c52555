"""mapping.api.field through the API: a report stored once per client key, photos checked and stripped, my zone."""

from __future__ import annotations

import datetime as dt
import io
import threading
import uuid

import pandas as pd
import pytest
import shapely
from PIL import Image
from starlette.testclient import TestClient

from mapping import clock
from mapping.api import field, web
from mapping.crs import to_web
from mapping.domain import OPEN_STATUSES
from mapping.errors import ConflictError
from mapping.routes import WALK_BUDGET_MIN
from mapping.store import Store
from mapping.store.schema import AGGREGATIONS
from tests.api.conftest import A_STAFF, ACCOUNTS, IN_Z03, PASSWORD, A, B, jpeg, log_in, place_in
from tests.test_photos import jpeg_with_gps

PLACE = {"lon": str(IN_Z03[0]), "lat": str(IN_Z03[1])}


def send(client: TestClient, headers: dict[str, str], key: str, *, photos=(), **fields: str):
    """POST one report: ``fields`` (a place and memo by default) and ``photos`` as (name, bytes)."""
    data = PLACE | {"memo": "가로등이 꺼져 있음"} | fields
    files = [("photo", (name, content, "image/jpeg")) for name, content in photos]
    return client.post("/api/v1/reports", headers=headers | {"Idempotency-Key": key}, data=data, files=files)


def photo_files(store: Store) -> list:
    return sorted(store.photo_dir.rglob("*.jpg")) if store.photo_dir.exists() else []


# ---- once per key --------------------------------------------------------------------------------------------


def test_the_same_report_sent_ten_times_is_stored_once_with_its_photos_once(client: TestClient, store: Store) -> None:
    headers = log_in(client, "a-kangdy")
    before = len(store.reports(A))
    key = str(uuid.uuid4())
    answers = [
        send(client, headers, key, photos=[("a.jpg", jpeg()), ("b.jpg", jpeg(size=(30, 30)))]) for _ in range(10)
    ]
    assert [a.status_code for a in answers] == [201] + [200] * 9
    assert {a.json()["id"] for a in answers} == {answers[0].json()["id"]}
    assert [a.json()["created"] for a in answers] == [True] + [False] * 9
    assert answers[1].headers["idempotent-replayed"] == "true"
    report_id = answers[0].json()["id"]
    assert len(store.reports(A)) == before + 1
    assert len(store.report_photos(report_id)) == 2
    assert len(photo_files(store)) == 4  # two photos and their thumbnails
    assert answers[0].json()["report"]["status"] == "received" and answers[0].json()["report"]["client_key"] == key


def test_the_same_report_sent_at_the_same_moment_is_stored_once(store: Store) -> None:
    officer = store.authenticate("a-kangdy", "성산2동-walk-2026")
    before = len(store.reports(A))
    key, results, errors = str(uuid.uuid4()), [], []

    def send_once() -> None:
        try:
            results.append(field.file_once(store, officer, PLACE | {"memo": "동시에 보냄"}, [], client_key=key))
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send_once) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len({report_id for report_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * 5 + [True]  # one answer says 201
    assert len(store.reports(A)) == before + 1


def test_a_send_that_lost_the_race_is_answered_as_a_replay(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    officer = store.authenticate("a-kangdy", "성산2동-walk-2026")
    key = str(uuid.uuid4())
    first = field.file_once(store, officer, PLACE | {"memo": "경주"}, [], client_key=key)
    monkeypatch.setattr(store, "filed_under", lambda *a, **k: None)  # both sends passed the check before either stored
    assert field.file_once(store, officer, PLACE | {"memo": "경주"}, [], client_key=key) == (first[0], False)


def test_a_key_is_one_officers_and_unique_per_dong(client: TestClient, store: Store) -> None:
    key = str(uuid.uuid4())
    first = send(client, log_in(client, "a-kangdy"), key)
    assert first.status_code == 201
    other = send(client, log_in(client, "a-noar"), key, memo="다른 보고")
    assert other.status_code == 409 and other.json()["error"]["code"] == "conflict"
    assert "요청 키" in other.json()["error"]["message"]
    lon, lat = place_in(store, B)
    elsewhere = send(client, log_in(client, "b-kangdy"), key, lon=str(lon), lat=str(lat))  # another dong's: another
    assert elsewhere.status_code == 201 and elsewhere.json()["id"] != first.json()["id"]
    with pytest.raises(ConflictError, match="다른 직원의 보고"):
        store.file_report(
            A, lonlat=IN_Z03, memo="x", user=store.authenticate("a-noar", "성산2동-walk-2026"), client_key=key
        )


def test_without_a_key_the_store_files_every_time_as_the_intake_page_does(store: Store) -> None:
    officer = store.authenticate("a-kangdy", "성산2동-walk-2026")
    ids = {store.file_report(A, lonlat=IN_Z03, memo="페이지에서 저장", user=officer) for _ in range(2)}
    assert len(ids) == 2


# ---- the intake's checks -------------------------------------------------------------------------------------


def test_a_photo_places_the_report_by_its_gps_and_is_stored_without_its_metadata(
    client: TestClient, store: Store
) -> None:
    shot = jpeg_with_gps(126.90123, 37.56789, maker="SecretPhone")
    answer = send(client, log_in(client, "a-kangdy"), str(uuid.uuid4()), photos=[("gps.jpg", shot)], lon="", lat="")
    assert answer.status_code == 201, answer.text
    report = store.reports(A).set_index("id").loc[answer.json()["id"]]
    assert (report["lon"], report["lat"]) == pytest.approx((126.90123, 37.56789), abs=1e-5)
    stored = store.report_photos(answer.json()["id"])
    for path in (*stored["path"], *stored["thumb_path"]):
        with Image.open(path) as image:
            assert not image.getexif()
            assert b"SecretPhone" not in path.read_bytes()


def test_every_problem_of_a_report_is_said_at_once_and_nothing_is_stored(client: TestClient, store: Store) -> None:
    before, files = len(store.reports(A)), photo_files(store)
    answer = send(
        client,
        log_in(client, "a-kangdy"),
        str(uuid.uuid4()),
        photos=[("menu.pdf", b"%PDF-1.4 not a photo"), ("ok.jpg", jpeg())],
        memo=" ",
        created_at="어제",
        colour="red",
    )
    assert answer.status_code == 422
    problems = " ".join(answer.json()["error"]["problems"])
    assert "menu.pdf" in problems and "사진 파일이 아닙니다" in problems
    assert "ISO 8601" in problems and "colour" in problems
    assert len(store.reports(A)) == before and photo_files(store) == files


def test_the_memo_is_checked_by_the_store_as_on_the_intake_page(client: TestClient, store: Store) -> None:
    answer = send(client, log_in(client, "a-kangdy"), str(uuid.uuid4()), memo="   ")
    assert answer.status_code == 422 and "내용(메모)을 적으세요" in " ".join(answer.json()["error"]["problems"])


def test_photo_count_size_and_request_size_limits(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = log_in(client, "a-kangdy")
    many = send(client, headers, str(uuid.uuid4()), photos=[(f"{i}.jpg", jpeg()) for i in range(field.MAX_PHOTOS + 1)])
    assert many.status_code in (400, 422) and "장" in str(many.json()["error"])
    monkeypatch.setattr("mapping.photos.MAX_BYTES", 2_000)
    monkeypatch.setattr(web, "MAX_BYTES", 2_000)
    big = send(client, headers, str(uuid.uuid4()), photos=[("big.jpg", jpeg(size=(400, 400)) + bytes(3_000))])
    assert big.status_code == 422 and "big.jpg" in " ".join(big.json()["error"]["problems"])
    assert "20 MB 이하" in " ".join(big.json()["error"]["problems"])
    monkeypatch.setattr(web, "MAX_BODY", 5_000)
    huge = send(client, headers, str(uuid.uuid4()), photos=[("a.jpg", bytes(6_000))])
    assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"
    assert photo_files(store) == []


def test_a_report_captured_offline_keeps_its_time_within_fourteen_days(client: TestClient, store: Store) -> None:
    headers = log_in(client, "a-kangdy")
    captured = (store.clock() - dt.timedelta(days=3)).replace(microsecond=0)
    kept = send(client, headers, str(uuid.uuid4()), created_at=captured.isoformat())
    assert kept.status_code == 201
    assert store.reports(A).set_index("id").loc[kept.json()["id"], "created_at"] == captured
    stale = send(client, headers, str(uuid.uuid4()), created_at=(captured - dt.timedelta(days=12)).isoformat())
    future = send(client, headers, str(uuid.uuid4()), created_at=(store.clock() + dt.timedelta(hours=1)).isoformat())
    assert stale.status_code == future.status_code == 422


def test_a_report_of_a_month_already_confirmed_is_sent_to_the_office(client: TestClient, store: Store) -> None:
    headers = log_in(client, "a-kangdy")
    store.clock = lambda: dt.datetime(2026, 11, 6, 10, 0)  # type: ignore[method-assign]
    with store.writer.begin() as conn:  # October's 취합 went to the gu on the 5th
        conn.execute(
            AGGREGATIONS.insert().values(
                dong_code=A, month="2026-10", confirmed_at=dt.datetime(2026, 11, 5, 9), confirmed_by="유정민", totals={}
            )
        )
    late = send(client, headers, str(uuid.uuid4()), created_at="2026-10-30T15:00:00")
    assert late.status_code == 422 and "취합이 이미 확정" in str(late.json()["error"]["problems"])
    assert "보고 접수" in str(late.json()["error"]["problems"])
    assert send(client, headers, str(uuid.uuid4()), created_at="2026-11-01T09:00:00").status_code == 201


# ---- my zone, my reports -------------------------------------------------------------------------------------


def test_my_zone_holds_my_zone_public_resources_and_the_weeks_stops(client: TestClient, store: Store) -> None:
    zone = client.get("/api/v1/me/zone", headers=log_in(client, "a-kangdy")).json()
    zones = store.zones(A)
    mine = zones[(zones["officer"] == "강도윤") | (zones["substitute"] == "강도윤")]
    assert sorted(f["properties"]["zone_id"] for f in zone["zones"]["features"]) == sorted(mine["zone_id"])
    assert {f["properties"]["tong"] for f in zone["tongs"]["features"]} == {t for ts in mine["tongs"] for t in ts}
    public = store.resources(A, public_only=True)
    assert len(zone["resources"]["features"]) == len(public) < len(store.resources(A))
    assert zone["stops"] and all({"key", "reason", "lon", "lat"} <= set(s) for s in zone["stops"])
    priorities = [s["priority"] for s in zone["stops"]]
    assert priorities == sorted(priorities, reverse=True)


def test_my_zone_proposes_a_walks_worth_of_stops_most_important_first(client: TestClient, store: Store) -> None:
    headers = log_in(client, "a-kangdy")
    zones = store.zones(A)
    own = to_web(zones[zones["officer"] == "강도윤"], name="구역").geometry.iloc[0]
    minx, miny, maxx, maxy = own.bounds
    grid = [
        shapely.Point(minx + (maxx - minx) * i / 20, miny + (maxy - miny) * j / 20)
        for i in range(21)
        for j in range(21)
    ]
    places = [p for p in grid if own.buffer(-0.0001).contains(p)][:30]
    assert len(places) == 30
    for i, inside in enumerate(places):  # 30 open reports in the zone: a site check each, more than a walk holds
        answer = send(client, headers, str(uuid.uuid4()), lon=str(inside.x), lat=str(inside.y), memo=f"현장 {i}")
        assert answer.status_code == 201
    zone = client.get("/api/v1/me/zone", headers=headers).json()
    stops, total = zone["stops"], zone["stops_total"]
    assert total > len(stops) >= 1
    assert sum(s["minutes"] for s in stops) <= WALK_BUDGET_MIN == zone["walk_minutes"]
    priorities = [s["priority"] for s in stops]
    assert priorities == sorted(priorities, reverse=True)
    assert total >= 30  # every open report of the zone is still proposed (the walk page lists them all)


def test_my_zone_holds_every_report_of_my_zones_as_dots_and_nothing_personal(client: TestClient, store: Store) -> None:
    headers = log_in(client, "a-kangdy")
    zones = store.zones(A)
    mine = set(zones[(zones["officer"] == "강도윤") | (zones["substitute"] == "강도윤")]["zone_id"])
    inside = to_web(zones[zones["zone_id"].isin(mine)], name="구역").geometry.iloc[0].representative_point()
    secret = "가상주민도트 010-0000-7733 메모"
    filed = send(
        client, headers, str(uuid.uuid4()), memo=secret, title="도트 제목", field="environment",
        lon=str(inside.x), lat=str(inside.y),
    )  # fmt: skip
    assert filed.status_code == 201
    zone = client.get("/api/v1/me/zone", headers=headers).json()
    reports = store.reports(A)
    dots = zone["zone_reports"]
    rows = [dict(zip(dots["columns"], row, strict=True)) for row in dots["rows"]]
    in_zones = reports[reports["zone_id"].isin(mine)]
    recent = pd.to_datetime(in_zones["created_at"]).dt.date >= clock.today() - dt.timedelta(days=field.FINISHED_DAYS)
    shown = in_zones[in_zones["status"].isin(OPEN_STATUSES) | (recent & in_zones["status"].ne("duplicate"))]
    assert sorted(r["id"] for r in rows) == sorted(shown["id"])
    assert len(rows) < len(reports)  # other zones' reports, and old finished ones, are not on my map
    new = next(r for r in rows if r["id"] == filed.json()["id"])
    assert new["open"] is True and new["status"] == "접수" and new["field"] == "환경" and new["approx"] is False
    assert new["day"] == str(reports.set_index("id").loc[new["id"], "created_at"])[:10]
    assert secret not in str(dots) and "도트 제목" not in str(dots) and "강도윤" not in str(dots)


def test_the_phone_keeps_open_and_recent_reports_and_only_a_rough_place_of_others_welfare_cases() -> None:
    today = dt.date(2026, 12, 5)
    old, recent = dt.datetime(2026, 6, 1, 10), dt.datetime(2026, 11, 20, 10)
    rows = [  # id, zone, status, field, activity, finder, assignee, found
        (1, "Z01", "in_progress", "environment", None, "오민재", None, old),  # open: kept however old
        (2, "Z01", "closed", "environment", None, "오민재", None, old),  # finished long ago: not on the phone
        (3, "Z01", "closed", "safety", None, "오민재", None, recent),  # finished lately: kept
        (4, "Z01", "duplicate", "safety", None, "오민재", None, recent),  # a duplicate: never
        (5, "Z01", "received", "welfare", None, "오민재", None, recent),  # someone else's welfare case: rough
        (6, "Z01", "received", "general", "care_found", "오민재", "강도윤", recent),  # handed to me: exact
        (7, "Z01", "received", "welfare", None, "강도윤", None, recent),  # found by me: exact
        (8, "Z09", "received", "safety", None, "오민재", None, recent),  # another zone: not on my map
    ]
    columns = ["id", "zone_id", "status", "field", "activity", "finder", "assignee", "created_at"]
    frame = pd.DataFrame(rows, columns=columns).assign(lon=126.912345, lat=37.561234)
    packed = field.zone_report_rows(frame, {"Z01"}, me="강도윤", today=today)
    got = {r[0]: dict(zip(packed["columns"], r, strict=True)) for r in packed["rows"]}
    assert sorted(got) == [1, 3, 5, 6, 7]
    assert (got[5]["lat"], got[5]["lon"], got[5]["field"], got[5]["approx"]) == (37.561, 126.912, "", True)
    assert (got[7]["lat"], got[7]["field"], got[7]["approx"]) == (37.561234, "복지", False)
    assert (got[6]["lon"], got[6]["approx"]) == (126.912345, False)
    assert [got[i]["open"] for i in (1, 3)] == [True, False] and got[3]["status"] == "종료"


def test_each_read_of_personal_data_is_in_the_access_log_under_the_account(client: TestClient, store: Store) -> None:
    headers = log_in(client, "a-kangdy")
    filed = send(client, headers, str(uuid.uuid4()), resident_name="가상주민API", resident_phone="010-0000-9911")
    assert filed.status_code == 201
    before = len(store.access_log())
    zone = client.get("/api/v1/me/zone", headers=headers).json()
    assert {"resident_name": "가상주민API"}.items() <= next(
        r for r in zone["reports"] if r["id"] == filed.json()["id"]
    ).items()
    log = store.access_log().iloc[before:]
    reads = log[(log["account"] == "a-kangdy") & (log["action"] == "조회")]
    assert {s.split(":")[0] for s in reads["subject"]} == {"households", "reports"}
    assert reads["client"].notna().all()
    status = client.get("/api/v1/me/reports", headers=headers).json()["reports"]
    assert filed.json()["id"] in {r["id"] for r in status}
    assert "가상주민API" not in str(status)  # the status list holds no contact
    noar = client.get("/api/v1/me/zone", headers=log_in(client, "a-noar")).json()
    assert "가상주민API" not in str(noar)


def test_a_b_officer_files_in_their_own_dong(client: TestClient, store: Store) -> None:
    lon, lat = place_in(store, B)
    answer = send(client, log_in(client, "b-kangdy"), str(uuid.uuid4()), lon=str(lon), lat=str(lat))
    assert answer.status_code == 201
    assert answer.json()["id"] in set(store.reports(B)["id"])


def test_a_png_is_stored_as_a_jpeg(client: TestClient, store: Store) -> None:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "blue").save(out, format="PNG")
    answer = send(client, log_in(client, "a-kangdy"), str(uuid.uuid4()), photos=[("p.png", out.getvalue())])
    assert answer.status_code == 201
    [path] = store.report_photos(answer.json()["id"])["path"]
    with Image.open(path) as image:
        assert image.format == "JPEG"


def test_a_place_outside_the_dong_needs_saying_so_as_on_the_intake_page(client: TestClient, store: Store) -> None:
    headers = log_in(client, "a-kangdy")
    jongno = {"lon": "126.978", "lat": "37.5665"}  # 서울시청 앞: in Seoul, not in 성산2동
    refused = send(client, headers, str(uuid.uuid4()), **jongno)
    assert refused.status_code == 422 and "동 경계 밖" in " ".join(refused.json()["error"]["problems"])
    kept = send(client, headers, str(uuid.uuid4()), outside_dong="true", **jongno)
    assert kept.status_code == 201


# ---- handed over on arrival ----------------------------------------------------------------------------------


def holds(store: Store, name: str, duty: str) -> bool:
    """Whether staff member ``name`` of dong A has ``duty`` on the staff list."""
    return duty in list(store.staff(A).set_index("name").loc[name, "duties"])


def test_my_zone_says_whom_each_field_would_go_to(client: TestClient, store: Store) -> None:
    zone = client.get("/api/v1/me/zone", headers=log_in(client, "a-noar")).json()
    proposals = zone["handover"]["proposals"]
    assert proposals["welfare"]["to"] is None and "본인 업무" in proposals["welfare"]["text"]  # 노아린 is 복지
    assert holds(store, proposals["environment"]["to"], "cleaning")  # 환경 goes to a 청소 colleague
    assert holds(store, proposals["safety"]["to"], "safety")
    names = [c["name"] for c in zone["handover"]["colleagues"]]
    assert "노아린" not in names and sorted(names) == sorted(set(store.staff(A)["name"]) - {"노아린"})


def inbox_of(store: Store, name: str) -> set[int]:
    """The ids in the 보고함 (handed to them) of dong A's staff member ``name``, read with their own account."""
    account = next(a for a, v in ACCOUNTS.items() if a in A_STAFF and v[2] == name)
    return set(store.inbox(A, user=store.authenticate(account, PASSWORD))["assigned"]["id"])


def test_a_report_sent_with_hand_to_is_in_the_right_colleagues_inbox_once(client: TestClient, store: Store) -> None:
    headers, key = log_in(client, "a-noar"), str(uuid.uuid4())
    proposed = client.get("/api/v1/me/zone", headers=headers).json()["handover"]["proposals"]["environment"]["to"]
    answers = [send(client, headers, key, field="환경", hand_to="auto", memo="무단투기 더미") for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    report = answers[0].json()["report"]
    assert (report["status"], report["assignee"]) == ("handed_over", proposed)
    assert report["id"] in inbox_of(store, proposed)
    assert store.report_history(report["id"])["action"].tolist().count("hand_over") == 1, "sent 3 times, handed once"


def test_hand_to_names_a_colleague_or_nobody(client: TestClient, store: Store) -> None:
    headers = log_in(client, "a-noar")
    named = send(client, headers, str(uuid.uuid4()), field="환경", hand_to="유정민").json()["report"]
    assert (named["status"], named["assignee"]) == ("handed_over", "유정민") and named["id"] in inbox_of(
        store, "유정민"
    )
    own = send(client, headers, str(uuid.uuid4()), field="복지", hand_to="auto").json()["report"]
    assert (own["status"], own["assignee"]) == ("received", None)  # her own duty: it stays in her 보고함
    kept = send(client, headers, str(uuid.uuid4()), field="환경").json()["report"]
    assert kept["status"] == "received"  # hand_to not sent: handed over later from the 보고함, as before


def test_a_hand_to_that_cannot_be_is_refused_before_anything_is_stored(client: TestClient, store: Store) -> None:
    headers, before = log_in(client, "a-noar"), len(store.reports(A))
    for wanted, said in (
        ("노아린", "본인에게는"),
        ("홍길동", "직원 명단에 없습니다"),
        ("강도윤@B", "직원 명단에 없습니다"),
    ):
        answer = send(client, headers, str(uuid.uuid4()), field="환경", hand_to=wanted)
        assert answer.status_code == 422 and said in " ".join(answer.json()["error"]["problems"]), answer.text
    assert len(store.reports(A)) == before


def test_a_resend_hands_over_a_report_whose_first_send_was_cut_before_its_hand_over(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers, key = log_in(client, "a-noar"), str(uuid.uuid4())
    real = Store.hand_over

    def cut(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the server went down between filing and handing over")

    monkeypatch.setattr(Store, "hand_over", cut)
    assert send(client, headers, key, field="환경", hand_to="auto").status_code == 500  # the phone will send again
    monkeypatch.setattr(Store, "hand_over", real)
    answer = send(client, headers, key, field="환경", hand_to="auto")  # the phone had no answer: it sends again
    report = answer.json()["report"]
    assert (
        answer.status_code == 200
        and report["status"] == "handed_over"
        and report["id"] in inbox_of(store, report["assignee"])
    )
    assert len(store.reports(A)[lambda r: r["client_key"] == key]) == 1
