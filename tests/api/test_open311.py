"""mapping.api.open311: GeoReport v2 services and requests, only public reports, rounded places, nothing personal."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mapping.api.open311 import public_id
from mapping.api.web import api_middleware, api_routes
from mapping.domain import OPEN_STATUSES
from mapping.publish.privacy import (
    PUBLIC_FIELDS,
    PUBLIC_PLACE_DECIMALS,
    SENSITIVE_ACTIVITIES,
    SENSITIVE_FIELDS,
    assert_no_personal_values,
    personal_values_of,
)
from mapping.store import Store, open_store
from tests.api.conftest import PASSWORD, A, B
from tests.helpers import staff_user

# GeoReport v2 (wiki.open311.org/GeoReport_v2): the fields of GET services and GET service requests
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def store(sample_store: Store, tmp_path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The sample dong alone: a store of sample dongs only shows them (a demo); see the last test for real dongs."""
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    return sample_store


PERIOD = "start_date=2026-09-01T00:00:00%2B09:00&end_date=2026-11-30T00:00:00%2B09:00"


def by_public_id(store: Store, code: str = A) -> dict[str, int]:
    """Each report's number by its public id."""
    salt = store.feed_salt()
    return {public_id(salt, code, int(i)): int(i) for i in store.reports(code)["id"]}


def requests(client: TestClient, query: str = "") -> list[dict]:
    answer = client.get(f"/open311/v2/requests.json?{PERIOD}{query}")
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_services_have_the_v2_fields_and_no_welfare_service(client: TestClient) -> None:
    services = client.get("/open311/v2/services.json").json()
    assert services and all(set(s) == SERVICE_FIELDS for s in services)
    assert {s["type"] for s in services} == {"realtime"} and not any(s["metadata"] for s in services)
    assert not {s["service_code"] for s in services} & SENSITIVE_FIELDS


def test_requests_have_the_v2_fields_with_plain_values(client: TestClient, store: Store) -> None:
    found = requests(client)
    assert found and all(set(r) == REQUEST_FIELDS for r in found)
    services = {s["service_code"]: s["service_name"] for s in client.get("/open311/v2/services.json").json()}
    assert all(services[r["service_code"]] == r["service_name"] for r in found)  # a listed service, even unfiled
    for r in found:
        assert r["status"] in ("open", "closed")
        assert isinstance(r["lat"], float) and isinstance(r["long"], float)
        assert dt.datetime.fromisoformat(r["requested_datetime"]).utcoffset() is not None
        assert r["agency_responsible"].endswith("주민센터") and r["address"].startswith("서울특별시")
    reports, number = store.reports(A).set_index("id"), by_public_id(store)
    for r in found:
        report = reports.loc[number[r["service_request_id"]]]
        assert r["status"] == ("open" if report["status"] in OPEN_STATUSES else "closed")
        assert r["service_code"] == report["field"]


def test_only_public_reports_reach_it_and_their_places_are_rounded(client: TestClient, store: Store) -> None:
    found = requests(client)
    reports, number = store.reports(A).set_index("id"), by_public_id(store)
    shown = reports.loc[[number[r["service_request_id"]] for r in found]]
    assert not shown["field"].isin(SENSITIVE_FIELDS).any() and not shown["activity"].isin(SENSITIVE_ACTIVITIES).any()
    assert (shown["status"] != "duplicate").all() and shown["field"].notna().all()
    assert (~shown["has_resident"].astype(bool) | shown["field"].isin(PUBLIC_FIELDS)).all()
    hidden = reports[reports["field"].isin(SENSITIVE_FIELDS) | reports["activity"].isin(SENSITIVE_ACTIVITIES)]
    assert len(hidden) > 0
    for report_id in hidden.index[:3]:  # asked by id: the same answer as an unknown id
        one = client.get(f"/open311/v2/requests/{public_id(store.feed_salt(), A, report_id)}.json")
        assert one.status_code == 404 and one.json()[0]["code"] == 404
    for r in found:
        assert r["lat"] == round(r["lat"], PUBLIC_PLACE_DECIMALS) and r["long"] == round(
            r["long"], PUBLIC_PLACE_DECIMALS
        )
        report = reports.loc[number[r["service_request_id"]]]
        assert abs(r["lat"] - report["lat"]) <= 0.0005 + 1e-9 and abs(r["long"] - report["lon"]) <= 0.0005 + 1e-9


def test_no_personal_value_memo_or_staff_name_reaches_it(client: TestClient, store: Store) -> None:
    text = json.dumps(requests(client), ensure_ascii=False)
    leader = staff_user("한서윤")
    assert_no_personal_values(text, personal_values_of(store, A, user=leader))  # households, contacts, memos …
    assert not [name for name in store.staff(A)["name"] if name in text]  # no officer's name
    assert len(store.reports(A)["memo"].dropna()) > 0


def test_one_request_by_id_and_the_filters_of_v2(client: TestClient) -> None:
    found = requests(client)
    first = found[0]
    one = client.get(f"/open311/v2/requests/{first['service_request_id']}.json").json()
    assert one == [first]
    environment = requests(client, "&service_code=environment")
    assert environment and {r["service_code"] for r in environment} == {"environment"}
    closed = requests(client, "&status=closed")
    assert closed and {r["status"] for r in closed} == {"closed"}
    by_ids = client.get(
        f"/open311/v2/requests.json?service_request_id={found[0]['service_request_id']},{found[1]['service_request_id']}"
    )
    assert {r["service_request_id"] for r in by_ids.json()} == {
        found[0]["service_request_id"],
        found[1]["service_request_id"],
    }
    newest_first = [r["requested_datetime"] for r in found]
    assert newest_first == sorted(newest_first, reverse=True)


@pytest.mark.parametrize(
    "query",
    [
        "status=pending",
        "service_code=welfare",
        "start_date=yesterday",
        "start_date=2026-01-01T00:00:00&end_date=2026-11-30T00:00:00",
    ],
)
def test_a_bad_query_is_refused_with_the_v2_error_list(client: TestClient, query: str) -> None:
    answer = client.get(f"/open311/v2/requests.json?{query}")
    assert answer.status_code == 422
    [error] = answer.json()
    assert error["code"] == 422 and error["description"]


def test_a_report_filed_now_appears_in_the_default_ninety_days(client: TestClient, store: Store) -> None:
    officer = staff_user("강도윤")
    report_id = store.file_report(
        A, lonlat=(126.8985, 37.5676), memo="보도블록 파손 — 주민 홍길동", field="safety", user=officer
    )
    found = client.get("/open311/v2/requests.json").json()
    mine = [r for r in found if r["service_request_id"] == public_id(store.feed_salt(), A, report_id)]
    assert mine and mine[0]["description"] == "안전" and "홍길동" not in json.dumps(found, ensure_ascii=False)
    assert store.reports(A).set_index("id").loc[report_id, "memo"]  # kept for staff


def test_once_a_real_dong_is_loaded_only_real_dongs_reports_are_read(api_db, tmp_path) -> None:
    shutil.copy(api_db, tmp_path / "two.sqlite")
    two = open_store(tmp_path / "two.sqlite")  # the sample dong and 방학3동 (a real dong)
    client = TestClient(Starlette(routes=api_routes(lambda: two), middleware=api_middleware()))
    assert client.get("/open311/v2/requests.json").json() == []  # its one report has no field: withheld
    where = two.tongs(B).set_index("tong").geometry.representative_point()[3]
    filed = two.file_report(
        B, lonlat=(where.x, where.y), memo="무단투기", field="environment", user=two.authenticate("b-kangdy", PASSWORD)
    )
    found = client.get("/open311/v2/requests.json").json()
    assert [r["service_request_id"] for r in found] == [public_id(two.feed_salt(), B, filed)]
    assert found[0]["address"].startswith(str(two.dongs().set_index("dong_code").loc[B, "name"]))
    text = json.dumps(found, ensure_ascii=False)
    assert "도봉 어르신 안부" not in text and "강도윤" not in text and "무단투기" not in text
    two.close()


def test_a_report_without_a_field_waits_until_it_is_classified(client: TestClient, store: Store) -> None:
    officer = staff_user("강도윤")
    visit = store.file_report(A, lonlat=(126.8985, 37.5676), memo="어르신 안부 방문", user=officer)  # "(나중에)"
    quiet = public_id(store.feed_salt(), A, visit)
    assert quiet not in {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}
    assert client.get(f"/open311/v2/requests/{quiet}.json").status_code == 404
    store.update_report(visit, {"field": "general"}, user=officer)  # 일반, a resident involved: still withheld
    assert client.get(f"/open311/v2/requests/{quiet}.json").status_code == 404
    store.update_report(visit, {"field": "safety"}, user=officer)  # about a public place: published
    [shown] = client.get(f"/open311/v2/requests/{quiet}.json").json()
    assert shown["service_code"] == "safety"


def test_general_reports_are_published_only_without_a_resident(client: TestClient, store: Store) -> None:
    officer = staff_user("강도윤")
    place = (126.8985, 37.5676)
    alone = store.file_report(A, lonlat=place, memo="게시판", field="promotion", has_resident=False, user=officer)
    person = store.file_report(A, lonlat=place, memo="주민 상담", field="promotion", user=officer)
    shown = {r["service_request_id"] for r in client.get("/open311/v2/requests.json").json()}
    salt = store.feed_salt()
    assert public_id(salt, A, alone) in shown and public_id(salt, A, person) not in shown


def test_ids_are_not_report_numbers_and_times_are_to_the_hour(client: TestClient, store: Store) -> None:
    found = requests(client)
    numbers = {str(i) for i in store.reports(A)["id"]}
    assert found and not {r["service_request_id"] for r in found} & numbers
    for number in sorted(numbers)[:3]:  # a report's number opens nothing
        assert client.get(f"/open311/v2/requests/{number}.json").status_code == 404
    for r in found:
        stamp = dt.datetime.fromisoformat(r["requested_datetime"])
        assert (stamp.minute, stamp.second) == (0, 0) and stamp.utcoffset() == dt.timedelta(hours=9)


@pytest.fixture
def local_zone(monkeypatch: pytest.MonkeyPatch):
    """Set this process's time zone (``TZ``) for one test."""

    def use(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(("zone", "label"), [("Asia/Seoul", "03:00:00+09:00"), ("UTC", "12:00:00+09:00")])
def test_times_carry_the_right_offset_whatever_the_server_zone(
    client: TestClient, store: Store, local_zone, zone: str, label: str
) -> None:
    local_zone(zone)  # the store keeps the process's local time (mapping.clock)
    store.clock = lambda: dt.datetime(2026, 11, 10, 3, 20, 5)  # type: ignore[method-assign]
    filed = store.file_report(A, lonlat=(126.8985, 37.5676), memo="가로등", field="safety", user=staff_user("강도윤"))
    [shown] = client.get(f"/open311/v2/requests/{public_id(store.feed_salt(), A, filed)}.json").json()
    assert shown["requested_datetime"] == f"2026-11-10T{label}"
