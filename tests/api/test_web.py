"""mapping.api.web: tokens, every role × endpoint, JSON errors, safe headers, no CORS unless configured."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid

import pytest
import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from mapping.access import CLI_USER
from mapping.api.web import api_middleware, api_routes
from mapping.store import Store
from mapping.store.schema import API_TOKENS
from tests.api.conftest import ACCOUNTS, FIELD_STAFF, IN_Z03, PASSWORD, A, B, jpeg, log_in, place_in

HANGUL = re.compile(r"[가-힣]")
ENDPOINTS = ("zone", "reports", "file")


def call(client: TestClient, endpoint: str, headers: dict[str, str], place: tuple[float, float] = IN_Z03):
    """One request to a field endpoint (a new report at ``place`` under a fresh key for ``file``)."""
    if endpoint == "zone":
        return client.get("/api/v1/me/zone", headers=headers)
    if endpoint == "reports":
        return client.get("/api/v1/me/reports", headers=headers)
    return client.post(
        "/api/v1/reports",
        headers=headers | {"Idempotency-Key": str(uuid.uuid4())},
        data={"lon": str(place[0]), "lat": str(place[1]), "memo": "가로등이 꺼져 있음"},
        files=[("photo", ("p.jpg", jpeg(), "image/jpeg"))],
    )


def report_count(store: Store) -> int:
    return sum(len(store.reports(code)) for code in (A, B))


# ---- tokens --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "Asia/Seoul"])
def test_the_token_expiry_is_an_instant_whatever_the_server_zone(
    client: TestClient, store: Store, monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        body = client.post("/api/v1/token", json={"account": "a-kangdy", "password": PASSWORD}).json()
        real_now = dt.datetime.now(dt.UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert expires.utcoffset() == dt.timedelta(0)  # an explicit offset: a phone in KST reads the same instant
    assert abs((expires - real_now) - dt.timedelta(hours=12)) < dt.timedelta(minutes=1)
    assert body["expires_in"] == 12 * 3600


def test_a_login_gives_a_twelve_hour_token_bound_to_the_account_and_kept_only_hashed(
    client: TestClient, store: Store
) -> None:
    answer = client.post("/api/v1/token", json={"account": "a-kangdy", "password": PASSWORD})
    assert answer.status_code == 201
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["account"] == "a-kangdy" and body["dong_code"] == A
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert body["expires_at"].endswith("Z") and body["expires_in"] == 12 * 3600
    assert dt.timedelta(hours=11, minutes=59) < expires - store.clock().astimezone() <= dt.timedelta(hours=12)
    with store.engine.connect() as conn:
        stored = [dict(r) for r in conn.execute(sa.select(API_TOKENS)).mappings()]
    assert [r["account"] for r in stored] == ["a-kangdy"]
    assert body["token"] not in str(stored)  # only its hash
    mine = client.get("/api/v1/me/reports", headers={"Authorization": f"Bearer {body['token']}"})
    assert mine.status_code == 200
    log = store.access_log()
    logins = log[(log["account"] == "a-kangdy") & (log["action"] == "로그인")]
    assert any("api token" in str(d) for d in logins["detail"])
    assert not log["detail"].astype(str).str.contains(body["token"], regex=False).any()


def test_five_wrong_passwords_lock_the_account_for_the_api_as_for_the_pages(client: TestClient) -> None:
    messages = set()
    for _ in range(5):
        answer = client.post("/api/v1/token", json={"account": "a-noar", "password": "wrong-password-1"})
        assert answer.status_code == 401 and answer.json()["error"]["code"] == "unauthorized"
        messages.add(answer.json()["error"]["message"])
    locked = client.post("/api/v1/token", json={"account": "a-noar", "password": PASSWORD})
    unknown = client.post("/api/v1/token", json={"account": "nobody-here", "password": PASSWORD})
    assert locked.status_code == unknown.status_code == 401
    assert messages == {locked.json()["error"]["message"]} == {unknown.json()["error"]["message"]}  # one message
    assert "잠" in locked.json()["error"]["message"]


def test_a_token_ends_after_twelve_hours_on_logout_and_when_the_account_is_disabled(
    client: TestClient, store: Store
) -> None:
    start = store.clock()
    headers = log_in(client, "a-kangdy")
    store.clock = lambda: start + dt.timedelta(hours=12, seconds=1)  # type: ignore[method-assign]
    expired = client.get("/api/v1/me/reports", headers=headers)
    assert expired.status_code == 401 and expired.json()["error"]["code"] == "unauthorized"
    assert "Bearer" in expired.headers["www-authenticate"]
    store.clock = lambda: start  # type: ignore[method-assign]
    assert client.get("/api/v1/me/reports", headers=headers).status_code == 200
    assert client.delete("/api/v1/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me/reports", headers=headers).status_code == 401
    other = log_in(client, "a-noar")
    with store.engine.connect() as conn:  # a new login clears ended tokens: only live ones stay
        assert [r.account for r in conn.execute(sa.select(API_TOKENS.c.account))] == ["a-noar"]
    store.update_account("a-noar", disabled=True, user=CLI_USER)
    assert client.get("/api/v1/me/zone", headers=other).status_code == 401


def test_a_token_is_taken_only_from_the_authorization_header_never_from_the_url(client: TestClient) -> None:
    headers = log_in(client, "a-kangdy")
    token = headers["Authorization"].split()[1]
    for url in (
        f"/api/v1/me/reports?access_token={token}",
        f"/api/v1/me/zone?token={token}",
        f"/open311/v2/requests.json?api_key={token}",
        f"/api/v1/token?account=a-kangdy&password={PASSWORD}",
    ):
        answer = client.get(url, headers=headers)  # refused even with a good header: the URL was the leak
        assert answer.status_code == 400, url
        assert answer.json()["error"]["code"] == "token_in_url"
    missing = client.get("/api/v1/me/reports")
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "token_missing"
    wrong_scheme = client.get("/api/v1/me/reports", headers={"Authorization": f"Basic {token}"})
    assert wrong_scheme.status_code == 401


def test_errors_are_json_with_a_stable_code_and_a_korean_message(client: TestClient) -> None:
    headers = log_in(client, "a-kangdy")
    cases = {
        "idempotency_key_missing": client.post(
            "/api/v1/reports", headers=headers, data={"memo": "x"}, files=[("photo", ("p.jpg", jpeg(), "image/jpeg"))]
        ),
        "bad_request": client.post("/api/v1/token", json={"account": "a-kangdy"}),
        "multipart_required": client.post(
            "/api/v1/reports", headers=headers | {"Idempotency-Key": str(uuid.uuid4())}, json={"memo": "x"}
        ),
        "invalid": client.post(
            "/api/v1/reports",
            headers=headers | {"Idempotency-Key": "short"},
            data={"memo": "x"},
            files=[("photo", ("p.jpg", jpeg(), "image/jpeg"))],
        ),
    }
    for code, answer in cases.items():
        assert answer.headers["content-type"] == "application/json", code
        assert answer.json()["error"]["code"] == code, (code, answer.text)
        assert HANGUL.search(answer.json()["error"]["message"]), code
        assert 400 <= answer.status_code < 500


# ---- every role × every endpoint -----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_each_role_reaches_exactly_the_endpoints_it_may(
    client: TestClient, store: Store, account: str, endpoint: str
) -> None:
    before = report_count(store)
    log_before = len(store.access_log())
    answer = call(client, endpoint, log_in(client, account), place_in(store, B if account.startswith("b-") else A))
    if account in FIELD_STAFF:
        assert answer.status_code == (201 if endpoint == "file" else 200), answer.text
        assert report_count(store) == before + (endpoint == "file")
    else:
        assert answer.status_code == 403, answer.text
        assert answer.json()["error"]["code"] == "forbidden" and HANGUL.search(answer.json()["error"]["message"])
        assert report_count(store) == before
        log = store.access_log().iloc[log_before:]
        assert set(log["action"]) <= {"로그인"}  # only the token's login: nothing read, nothing changed


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_without_a_login_every_field_endpoint_answers_401(client: TestClient, store: Store, endpoint: str) -> None:
    before = report_count(store)
    answer = call(client, endpoint, {})
    assert answer.status_code == 401 and answer.json()["error"]["code"] == "token_missing"
    assert report_count(store) == before


def test_open311_is_read_without_a_login_by_anyone(client: TestClient, store: Store) -> None:
    assert client.get("/open311/v2/services.json").status_code == 200
    where = store.tongs(B).set_index("tong").geometry.representative_point()[3]
    store.file_report(
        B, lonlat=(where.x, where.y), memo="가로등", field="safety", user=store.authenticate("b-kangdy", PASSWORD)
    )
    answer = client.get("/open311/v2/requests.json")  # the last 90 days of the real dong (방학3동)
    assert answer.status_code == 200 and len(answer.json()) == 1


def test_a_namesake_on_another_dong_reads_only_their_own_dong(client: TestClient) -> None:
    mine = client.get("/api/v1/me/zone", headers=log_in(client, "b-kangdy")).json()
    assert mine["dong"]["code"] == B
    assert [r["resident_name"] for r in mine["reports"]] == ["가상도봉주민09"]  # theirs, found by them
    theirs = client.get("/api/v1/me/zone", headers=log_in(client, "a-kangdy")).json()
    assert theirs["dong"]["code"] == A
    assert "가상도봉주민09" not in str(theirs) and "도봉" not in str(theirs["zones"])


# ---- safe by default -----------------------------------------------------------------------------------------


def test_api_and_open311_answers_carry_a_strict_csp_nosniff_and_no_cors(client: TestClient) -> None:
    headers = log_in(client, "a-kangdy") | {"Origin": "https://elsewhere.example"}
    for answer in (
        client.get("/api/v1/me/reports", headers=headers),
        client.get("/api/v1/me/reports", headers={"Origin": "https://elsewhere.example"}),  # an error too
        client.get("/open311/v2/services.json", headers=headers),
    ):
        csp = answer.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "access-control-allow-origin" not in answer.headers
    assert client.get("/api/v1/me/reports", headers=headers).headers["cache-control"] == "no-store"


def test_other_paths_of_the_server_are_left_as_they_are(store: Store) -> None:
    async def page(request):  # stands for Streamlit's own routes
        return PlainTextResponse("streamlit")

    app = Starlette(routes=[*api_routes(lambda: store), Route("/", page)], middleware=api_middleware())
    answer = TestClient(app).get("/?token=abc")  # not ours to refuse
    assert answer.status_code == 200 and "content-security-policy" not in answer.headers


def test_cors_answers_only_the_configured_origins_and_never_with_cookies(store: Store) -> None:
    app = Starlette(routes=api_routes(lambda: store), middleware=api_middleware(origins=["https://gu.example"]))
    client = TestClient(app)
    allowed = client.get("/open311/v2/services.json", headers={"Origin": "https://gu.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://gu.example"
    assert "access-control-allow-credentials" not in allowed.headers
    other = client.get("/open311/v2/services.json", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/api/v1/reports",
        headers={"Origin": "https://gu.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 204 and "Idempotency-Key" in preflight.headers["access-control-allow-headers"]


# ---- unknown paths and methods -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/api/v1/nothing-here", 404, None),
        ("GET", "/api/v2/me/zone", 404, None),
        ("PUT", "/api/v1/reports", 405, "POST"),
        ("GET", "/api/v1/token", 405, "DELETE, POST"),
    ],
)
def test_an_unknown_api_path_or_method_answers_a_json_error(
    client: TestClient, method: str, path: str, status: int, allow: str | None
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == status and answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert error["code"] == ("not_found" if status == 404 else "method_not_allowed") and HANGUL.search(error["message"])
    assert answer.headers.get("allow") == allow


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/open311/v2/nothing.json", 404),
        ("GET", "/open311/v3/services.json", 404),
        ("POST", "/open311/v2/requests.json", 405),
    ],
)
def test_an_unknown_open311_path_or_method_answers_the_v2_error_list(
    client: TestClient, method: str, path: str, status: int
) -> None:
    answer = client.request(method, path)
    assert answer.status_code == status
    [error] = answer.json()
    assert error["code"] == status and HANGUL.search(error["description"])


def test_an_open311_query_error_does_not_speak_of_saving(client: TestClient) -> None:
    [error] = client.get("/open311/v2/requests.json?status=pending").json()
    assert "저장" not in error["description"] and "status" in error["description"]
