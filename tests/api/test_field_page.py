"""The field page's files as the server gives them: everything it needs offline, nothing a CSP would block."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mapping.api.field_page import FIELD_DIR, field_routes, vocabularies
from mapping.api.web import api_middleware
from mapping.domain import ACTIVITIES, FIELDS


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(Starlette(routes=field_routes(), middleware=api_middleware()))


class _Refs(HTMLParser):
    """The files an HTML page loads, and anything a ``default-src 'self'`` policy would refuse to run or apply."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]
        if tag == "script" and not values.get("src"):
            self.blocked.append("inline <script>")
        if tag == "style":
            self.blocked.append("<style> element")
        self.blocked += [f"{tag} {k}=" for k, _ in attrs if k == "style" or k.startswith("on")]


def _shell() -> list[str]:
    """The files the service worker caches at install (``SHELL`` in sw.js)."""
    text = (FIELD_DIR / "sw.js").read_text(encoding="utf-8")
    block = re.search(r"const SHELL = \[(.*?)\];", text, re.S)
    assert block, "sw.js lists its app shell in const SHELL = [...]"
    return re.findall(r'"([^"]+)"', block.group(1))


def _page(client: TestClient) -> _Refs:
    response = client.get("/field/")
    assert response.status_code == 200
    parser = _Refs()
    parser.feed(response.text)
    return parser


def test_the_page_opens_at_field_with_the_api_policy_and_nothing_it_would_block(client: TestClient) -> None:
    assert client.get("/field", follow_redirects=False).headers["location"] == "/field/"
    response = client.get("/field/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert _page(client).blocked == []


def test_every_file_the_page_loads_is_cached_for_offline_and_served(client: TestClient) -> None:
    shell = _shell()
    imports = [
        f"js/{name}"
        for js in (FIELD_DIR / "js").glob("*.js")
        for name in re.findall(r'from "\./([\w.]+)"', js.read_text(encoding="utf-8"))
    ]
    needed = {ref.removeprefix("./") for ref in _page(client).refs} | set(imports)
    assert needed - set(shell) == set(), "loaded by the page but not cached: missing offline"
    for path in shell:
        response = client.get(f"/field/{path.removeprefix('./')}")
        assert response.status_code == 200, path
        assert not any(host in response.text for host in ("unpkg.com", "cdnjs", "jsdelivr")), path


def test_content_types_let_the_browser_install_and_run_it(client: TestClient) -> None:
    worker = client.get("/field/sw.js")
    assert worker.headers["content-type"].split(";")[0] in ("text/javascript", "application/javascript")
    assert worker.headers["service-worker-allowed"] == "/field/"
    assert worker.headers["cache-control"] == "no-cache"  # a new version reaches the phone at the next load
    assert client.get("/field/manifest.webmanifest").headers["content-type"] == "application/manifest+json"
    assert client.get("/field/vendor/leaflet/leaflet.css").headers["content-type"].startswith("text/css")


def test_manifest_installs_a_korean_app_scoped_to_the_field_page() -> None:
    manifest = json.loads((FIELD_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert (manifest["name"], manifest["lang"], manifest["display"]) == ("우동주 현장", "ko", "standalone")
    assert manifest["start_url"] == manifest["scope"] == "/field/"
    for icon in manifest["icons"]:
        width, height = (int(v) for v in icon["sizes"].split("x"))
        assert Image.open(FIELD_DIR / icon["src"]).size == (width, height), icon["src"]
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}  # what Chrome asks to install
    purposes = {icon["purpose"] for icon in manifest["icons"]}
    assert purposes == {"any", "maskable"}, "a maskable icon is cropped to a circle: its own, padded image"


def test_form_choices_are_the_domain_labels(client: TestClient) -> None:
    served = client.get("/field/vocab.json").json()
    assert served == vocabularies()
    assert [label for _, label in served["fields"]] == list(FIELDS.labels)
    assert [key for key, _ in served["activities"]] == list(ACTIVITIES.keys)


def test_without_leaflets_offline_copy_the_server_says_how_to_get_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make assets"):
        field_routes(leaflet=tmp_path)
