"""Shared fixtures: the shipped sample kit and stores loaded with it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mapping.access import SAMPLE_USER
from mapping.kit import Kit, read_kit
from mapping.store import Store, open_store

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_KIT = ROOT / "data" / "sample_kit"
SAMPLE_CODE = "1144073000"


@pytest.fixture(scope="session")
def sample_kit() -> Kit:
    return read_kit(SAMPLE_KIT)


@pytest.fixture(scope="session")
def sample_db(tmp_path_factory: pytest.TempPathFactory, sample_kit: Kit) -> Path:
    """A store file holding the sample dong, loaded once per session (copy it to write)."""
    path = tmp_path_factory.mktemp("db") / "sample.sqlite"
    store = open_store(path)
    store.load_kit(sample_kit, user=SAMPLE_USER)
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
