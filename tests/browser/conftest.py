"""Real-browser fixtures: the app served as `make run` serves it (server.py), Debian's Chromium via Playwright.

No network: every request that is not to the loopback address is aborted and
recorded, and the tests fail if any was attempted.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


STAFF_ACCOUNTS = {"hansy": "한서윤", "kangdy": "강도윤", "ohmj": "오민재", "noar": "노아린"}  # sample staff's logins
PASSWORD = "성산2동-walk-2026"


@pytest.fixture(scope="session")
def app_db(sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The store file the browser tests' app serves (tests may add rows to it), with accounts of a few sample staff."""
    from mapping.access import CLI_USER
    from mapping.store import open_store
    from tests.helpers import SAMPLE_DONG, SAMPLE_ROLES

    db = tmp_path_factory.mktemp("app") / "app.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    for account, name in STAFF_ACCOUNTS.items():
        store.create_account(
            account, name=name, password=PASSWORD, role=SAMPLE_ROLES[name], staff_name=name, dong_code=SAMPLE_DONG,
            user=CLI_USER,
        )  # fmt: skip
    store.close()
    return db


def log_in(page, app_url: str, account: str) -> None:
    """Log ``page`` in through the login page as one of :data:`STAFF_ACCOUNTS`; waits for their first page."""
    page.goto(app_url)
    page.get_by_role("heading", name="로그인").wait_for(timeout=30_000)
    page.get_by_label("계정").fill(account)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인", exact=True).click()
    page.get_by_role("heading", name="내 구역").wait_for(timeout=30_000)


@contextmanager
def serve_app(
    db: Path,
    log_dir: Path,
    *,
    env: dict[str, str] | None = None,
    args: list[str] | None = None,
    port: int | None = None,
) -> Iterator[str]:
    """The app on ``db``, served on 127.0.0.1 (``port`` or a free one) until the block ends: its URL.

    As ``make run`` serves it: ``streamlit run server.py``, the pages with the field API and Open311 on the same
    port.  ``env`` adds to the environment (no tiles; no sample auto-login unless given), ``args`` to ``streamlit run``.
    """
    if not (ROOT / "static" / "vendor" / "leaflet" / "leaflet.js").exists():
        pytest.fail("static/vendor is missing: run `make assets` (make test does it).")
    port = port or free_port()
    base = {k: v for k, v in os.environ.items() if k != "MAPPING_SAMPLE_AUTOLOGIN"}
    full_env = base | {"MAPPING_DB": str(db), "MAPPING_TILES": "none"} | (env or {})
    log = open(log_dir / "streamlit.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "server.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            *(args or []),
        ],
        cwd=ROOT,
        env=full_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/_stcore/health", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"Streamlit did not start; see {log.name}")
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def app_url(app_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app in sample browsing (sample data only: read-only, every page opens without a login)."""
    with serve_app(app_db, tmp_path_factory.mktemp("log"), env={"MAPPING_SAMPLE_AUTOLOGIN": "1"}) as url:
        yield url


@pytest.fixture(scope="session")
def staff_app_url(app_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the same store as staff meet it: the login page first (log in with :func:`log_in`)."""
    with serve_app(app_db, tmp_path_factory.mktemp("log")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (`make test` does: tools/system-packages.sh).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A page whose every non-loopback request is aborted and listed in ``page.blocked``."""
    pg = guarded_page(browser)
    yield pg
    pg.context.close()


PHONE = {  # an officer's phone: a 390 × 844 touch screen whose browser says it is a phone
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
    # Streamlit folds its menu after a choice only for a mobile user agent
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36",
}


def guarded_page(browser: object, *, phone: bool = False, **options: object) -> object:
    """A page of its own browser context (its own session), non-loopback requests aborted into ``page.blocked``.

    ``phone``: a 390 × 844 touch screen (:data:`PHONE`) instead of a desktop window; ``options`` go to
    ``browser.new_context`` (e.g. geolocation, permissions).
    """
    size = PHONE if phone else {"viewport": {"width": 1280, "height": 900}}
    context = browser.new_context(**({"locale": "ko-KR"} | size | options))
    blocked: list[str] = []

    def guard(route: object) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:", "about:", "file:")) or host in LOOPBACK:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    pg = context.new_page()
    pg.blocked = blocked
    return pg


def screenshot(page, name: str, tmp_path: Path, *, small: bool = False) -> Path:
    """Save a screenshot: into docs/ when UPDATE_SCREENSHOTS=1 (for the README), else into tmp_path.

    ``name`` may hold a folder (``screenshots/x.png``); ``small``: in 128 colours (a third of the bytes).
    """
    folder = ROOT / "docs" if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    if small:
        from PIL import Image

        with Image.open(path) as image:
            image.convert("RGB").quantize(128).save(path, optimize=True)
    return path
