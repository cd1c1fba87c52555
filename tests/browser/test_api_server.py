"""The one server `make run` starts (server.py): the Streamlit app, its static files, the field API and Open311
answer on the same port (no browser needed: plain HTTP against the real server)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import PASSWORD, serve_app


@pytest.fixture(scope="module")
def logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of the server's log (its stdout and stderr)."""
    return tmp_path_factory.mktemp("log")


@pytest.fixture(scope="module")
def server(app_db: Path, logs: Path) -> Iterator[str]:
    with serve_app(app_db, logs) as url:
        yield url


def fetch(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None):
    """(status, headers, body) of one request; an error status is an answer too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def test_pages_static_files_and_health_still_answer_on_the_one_port(server: str) -> None:
    assert fetch(f"{server}/_stcore/health")[0] == 200
    status, headers, body = fetch(server + "/")
    assert status == 200 and b"<html" in body.lower()
    status, headers, _ = fetch(f"{server}/app/static/favicon.png")
    assert status == 200 and headers["content-type"] == "image/png"
    assert fetch(f"{server}/app/static/%2e%2e/app.py")[0] in (400, 403, 404)  # no way out of static/


def test_the_field_api_and_open311_answer_beside_the_app(server: str, logs: Path) -> None:
    body = json.dumps({"account": "noar", "password": PASSWORD}).encode()
    status, headers, raw = fetch(
        f"{server}/api/v1/token", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    assert status == 201, raw
    assert "unsafe-inline" not in headers["content-security-policy"] and headers["x-content-type-options"] == "nosniff"
    auth = {"Authorization": f"Bearer {json.loads(raw)['token']}"}
    status, _, raw = fetch(f"{server}/api/v1/me/zone", headers=auth)
    assert status == 200 and json.loads(raw)["dong"]["code"] == "1144073000"
    key = str(uuid.uuid4())
    form = b"lon=126.8985&lat=37.5676&memo=%EA%B0%80%EB%A1%9C%EB%93%B1"
    sent = [
        fetch(
            f"{server}/api/v1/reports",
            data=form,
            headers=auth | {"Idempotency-Key": key, "Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        for _ in range(3)
    ]
    assert [s[0] for s in sent] == [201, 200, 200]
    assert len({json.loads(s[2])["id"] for s in sent}) == 1
    status, _, raw = fetch(f"{server}/open311/v2/services.json")
    assert status == 200 and {"service_code", "service_name"} <= set(json.loads(raw)[0])
    token = auth["Authorization"].split()[1]
    assert fetch(f"{server}/api/v1/me/zone?access_token={token}")[0] == 400
    assert token not in (logs / "streamlit.log").read_text(encoding="utf-8", errors="replace")  # not even that one


def test_unknown_api_and_open311_paths_answer_json_not_the_app_page(server: str) -> None:
    for path, method, status in (
        ("/api/v1/nothing", "GET", 404),
        ("/api/v1/reports", "PUT", 405),
        ("/open311/v2/nothing.json", "GET", 404),
        ("/open311/v2/requests.json", "POST", 405),
    ):
        got, headers, raw = fetch(server + path, method=method, data=b"" if method != "GET" else None)
        assert got == status and headers["content-type"].startswith("application/json"), (path, got, raw[:80])
        assert b"<html" not in raw.lower()
