"""Shared fixtures: the shipped sample kit and stores loaded with it."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from mapping.access import CLI_USER, User
from mapping.kit.reader import Kit, read_kit
from mapping.store import Store, open_store
from tests.helpers import staff_user

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KIT = ROOT / "data" / "sample_kit"
SAMPLE_CODE = "1144073000"
# The access log's key for every store the tests make (they copy stores made once per session, so they share one
# key, as a deployment's app servers do), and the folder of PostgreSQL stores' anchor files: the tests' own, never
# the project's data/.  Tests of the key files themselves unset MAPPING_LOG_KEY.
os.environ.setdefault("MAPPING_LOG_KEY", "udongju-tests-log-key")
os.environ.setdefault("MAPPING_LOG_DIR", tempfile.mkdtemp(prefix="udongju-log-"))


@pytest.fixture(scope="session")
def sample_kit() -> Kit:
    return read_kit(SAMPLE_KIT)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, sample_kit: Kit) -> Path:
    """A store file holding the sample dong, loaded once per session (copy it to write)."""
    path = tmp_path_factory.mktemp("db") / "sample.sqlite"
    store = open_store(path)
    store.load_kit(sample_kit, user=CLI_USER)
    store.close()
    return path


@pytest.fixture
def sample_store(sample_db: Path, tmp_path: Path) -> Store:
    """A private writable copy of the sample store."""
    path = tmp_path / "store.sqlite"
    shutil.copy(sample_db, path)
    return open_store(path)


@pytest.fixture
def kit_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample kit folder, to break on purpose."""
    dest = tmp_path / "kit"
    shutil.copytree(SAMPLE_KIT, dest)
    return dest


# ---- both backends: the embedded SQLite file and PostgreSQL + PostGIS ---------------------------------------------

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL + PostGIS cluster on 127.0.0.1 (started once, when a test first needs it)."""
    from tests.pg import Cluster

    try:
        cluster = Cluster()
    except RuntimeError as err:
        pytest.fail(str(err))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_sample_template(pg_cluster, sample_kit: Kit) -> str:
    """A PostgreSQL database holding the sample dong, used as the template of each test's copy."""
    url = pg_cluster.new_database()
    store = open_store(url)
    store.load_kit(sample_kit, user=CLI_USER)
    store.close()
    return url.rsplit("/", 1)[1]


@pytest.fixture(params=BACKENDS)
def backend_store(
    request: pytest.FixtureRequest, sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Store:
    """A private writable sample store, once on each backend (the store's own tests use this)."""
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    if request.param == "sqlite":
        path = tmp_path / "store.sqlite"
        shutil.copy(sample_db, path)
        store = open_store(path)
    else:
        cluster = request.getfixturevalue("pg_cluster")
        store = open_store(cluster.new_database(template=request.getfixturevalue("pg_sample_template")))
    yield store
    store.close()


@pytest.fixture(params=BACKENDS)
def empty_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a new, empty store on each backend."""
    if request.param == "sqlite":
        return str(tmp_path / "empty.sqlite")
    return request.getfixturevalue("pg_cluster").new_database()


APP_TIMEOUT = 60  # seconds an AppTest run may take on a busy machine


@pytest.fixture
def app_env(sample_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app's environment on a private copy of the sample store (its path): no tiles, photos in tmp.

    The app keeps one store per process (``get_store``): it is forgotten before and after, so each test
    opens its own file.
    """
    from app_pages.common import get_store

    db = tmp_path / "app.sqlite"
    shutil.copy(sample_db, db)
    monkeypatch.setenv("MAPPING_DB", str(db))
    monkeypatch.setenv("MAPPING_TILES", "none")
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    monkeypatch.chdir(ROOT)
    get_store.clear()
    yield db
    get_store.clear()


@pytest.fixture
def sample_app(app_env: Path, monkeypatch: pytest.MonkeyPatch):
    """The app run once in sample mode (sample data: the pages open as the sample user), as an AppTest."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MAPPING_SAMPLE_AUTOLOGIN", "1")
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT).run()


def log_in(account: str, password: str, *, monkeypatch: pytest.MonkeyPatch):
    """The app (in :func:`app_env`'s environment, not sample mode) after logging in through the login page."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.delenv("MAPPING_SAMPLE_AUTOLOGIN", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=APP_TIMEOUT).run()
    at.text_input(key="login_account").input(account)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "로그인").click().run()
    assert not at.exception and at.title[0].value == "내 구역"
    return at


def as_officer(at, name: str, *, code: str = SAMPLE_CODE):
    """The app logged in as staff member ``name`` of dong ``code`` (their account; the officer page shows their zone).

    The session holds the account's :class:`~mapping.access.User` as the login page would put it there.
    """
    at.session_state["user"] = staff_user(name, code=code)
    at.run()
    assert not at.exception
    return at


def as_user(at, user):
    """The app with ``user`` (a :class:`~mapping.access.User`) logged in, as the login page would leave it."""
    at.session_state["user"] = user
    at.run()
    assert not at.exception
    return at


ADMIN = User("admin", "관리자", None, admin=True)  # an administrator bound to no dong: accounts and kits of every dong


def as_sample_viewer(at, name: str):
    """Sample browsing (read-only) with staff member ``name`` chosen to look through their eyes."""
    at.selectbox(key="officer").set_value(name).run()
    assert not at.exception
    return at


def app_store() -> Store:
    """The store the app under test uses (the process's one ``get_store``)."""
    from app_pages.common import get_store

    return get_store()


INTAKE_FORM = "intake_submission"  # app_pages/intake.py's submission key in the session (its FORM)


def form_key(at, name: str, widget: str) -> str:
    """The key of ``widget`` of form ``name`` this run: its name and the form's submission key.

    A page mints one key per submission (:func:`app_pages.common.submission_key`) and ends its widgets' keys with it,
    so a stored submission gives a fresh form.
    """
    return f"{widget}_{at.session_state[name]}"
