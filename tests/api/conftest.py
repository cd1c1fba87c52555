"""The field API on two dongs of different gus, with an account for each persona of the isolation tests."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from mapping.access import CLI_USER
from mapping.api.web import api_middleware, api_routes
from mapping.kit.reader import read_kit
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE
from tests.kits import BANGHAK3, write_banghak3

A, B = SAMPLE_CODE, BANGHAK3
PASSWORD = "성산2동-walk-2026"
IN_Z03 = (126.8985, 37.5676)  # a place in 성산2동's tong 3 (강도윤's zone Z03)
# account → (name, role, staff name, dong, gu, admin)
ACCOUNTS: dict[str, tuple[str, str | None, str | None, str | None, str | None, bool]] = {
    "a-kangdy": ("강도윤", "officer", "강도윤", A, None, False),
    "a-noar": ("노아린", "officer", "노아린", A, None, False),
    "a-yujm": ("유정민", "team_leader", "유정민", A, None, False),
    "a-ohmj": ("오민재", "admin_team_leader", "오민재", A, None, False),
    "a-hansy": ("한서윤", "dong_head", "한서윤", A, None, False),
    "b-kangdy": ("강도윤", "officer", "강도윤", B, None, False),
    "gu-mapo": ("마포구 담당", "gu", None, None, "11440", False),
    "gu-dobong": ("도봉구 담당", "gu", None, None, "11320", False),
    "city-seoul": ("서울시 담당", "city", None, None, None, False),
    "admin-all": ("관리자", None, None, None, None, True),
    "admin-b": ("방학3동 관리자", None, None, B, None, True),
}
A_STAFF = {a for a in ACCOUNTS if a.startswith("a-")}
FIELD_STAFF = A_STAFF | {"b-kangdy"}


@pytest.fixture(scope="session")
def api_db(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Path:
    """The sample store with 방학3동 loaded too, an account per persona, and a report with a contact in dong B."""
    folder = tmp_path_factory.mktemp("api")
    db = folder / "api.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    store.load_kit(read_kit(write_banghak3(folder / "banghak3")), user=CLI_USER)
    for account, (name, role, staff, dong, gu, admin) in ACCOUNTS.items():
        store.create_account(
            account, name=name, password=PASSWORD, role=role, staff_name=staff, dong_code=dong, gu_code=gu,
            admin=admin, user=CLI_USER,
        )  # fmt: skip
    where_b = store.tongs(B).set_index("tong").geometry.representative_point()[3]
    b_officer = store.authenticate("b-kangdy", PASSWORD)
    store.file_report(
        B, lonlat=(where_b.x, where_b.y), memo="도봉 어르신 안부", resident_name="가상도봉주민09",
        resident_phone="010-0000-7199", user=b_officer,
    )  # fmt: skip
    store.close()
    return db


@pytest.fixture
def store(api_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    monkeypatch.setenv("MAPPING_PHOTOS", str(tmp_path / "photos"))
    shutil.copy(api_db, tmp_path / "s.sqlite")
    opened = open_store(tmp_path / "s.sqlite")
    yield opened
    opened.close()


@pytest.fixture
def client(store: Store) -> TestClient:
    """The API's routes and middleware as ``server.py`` mounts them, on ``store`` (no Streamlit runtime needed)."""
    return TestClient(Starlette(routes=api_routes(lambda: store), middleware=api_middleware()))


def place_in(store: Store, code: str) -> tuple[float, float]:
    """A point inside dong ``code`` (in its tong 3)."""
    point = store.tongs(code).set_index("tong").geometry.representative_point()[3]
    return float(point.x), float(point.y)


def log_in(client: TestClient, account: str, password: str = PASSWORD) -> dict[str, str]:
    """The ``Authorization`` header of a fresh token of ``account``."""
    answer = client.post("/api/v1/token", json={"account": account, "password": password})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def jpeg(*, size: tuple[int, int] = (64, 48), exif: bytes | None = None) -> bytes:
    """A small JPEG photo (with ``exif`` bytes when given)."""
    out = io.BytesIO()
    Image.new("RGB", size, (200, 60, 40)).save(out, format="JPEG", **({"exif": exif} if exif else {}))
    return out.getvalue()
