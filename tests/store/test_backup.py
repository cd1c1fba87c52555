"""Backup and restore: consistent while writers write, across backends, all-or-nothing."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from mapping.access import CLI_USER
from mapping.errors import StoreError
from mapping.store import Store, open_store
from mapping.store.backup import backup_store, read_backup, restore_store
from mapping.store.schema import SCHEMA_VERSION, meta
from tests.conftest import ROOT, SAMPLE_CODE
from tests.helpers import staff_user


def _counts(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in meta.sorted_tables
        }


def _place(store: Store) -> tuple[float, float]:
    point = store.tongs(SAMPLE_CODE).geometry.iloc[5].representative_point()
    return (point.x, point.y)


def test_backup_restores_everything_into_the_other_backend(
    backend_store: Store, empty_store_url: str, tmp_path: Path
) -> None:
    backend_store.create_account("kang", name="강도윤", password="mapo-walk-2026", role="officer", staff_name="강도윤",
                                 dong_code=SAMPLE_CODE, user=CLI_USER)  # fmt: skip
    backend_store.households(SAMPLE_CODE, user=CLI_USER)
    manifest = backup_store(backend_store, tmp_path / "b.zip", user=CLI_USER)
    target = open_store(empty_store_url)
    restore_store(target, tmp_path / "b.zip", user=CLI_USER)
    before, after = _counts(backend_store), _counts(target)
    assert after["reports"] == before["reports"] == manifest["tables"]["reports"]["rows"]
    assert after["households"] == before["households"] and after["accounts"] == 1
    assert after["access_log"] == manifest["tables"]["access_log"]["rows"] + 1  # the restore itself, appended
    assert target.verify_access_log().intact
    assert target.authenticate("kang", "mapo-walk-2026").staff_name == "강도윤"  # hashes restored as they were
    new = target.file_report(SAMPLE_CODE, lonlat=_place(target), memo="복원 뒤 첫 보고", user=staff_user("노아린"))
    assert new > max(backend_store.reports(SAMPLE_CODE)["id"])  # ids go on after the restored ones
    target.close()


def test_a_backup_while_writers_write_is_one_moment(backend_store: Store, tmp_path: Path) -> None:
    place, stop = _place(backend_store), threading.Event()

    def write() -> None:
        store, i = open_store(backend_store.url), 0
        while not stop.is_set():
            store.file_report(SAMPLE_CODE, lonlat=place, memo=f"쓰는 중 {i}", user=staff_user("노아린"))
            i += 1
        store.close()

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.3)
    try:
        backup_store(backend_store, tmp_path / "live.zip", user=CLI_USER)
    finally:
        stop.set()
        writer.join()
    _, tables = read_backup(tmp_path / "live.zip")
    report_ids = {r["id"] for r in tables["reports"]}
    created = {h["report_id"] for h in tables["report_history"] if h["action"] == "create"}
    assert created <= report_ids  # no history of a report the backup lacks …
    assert {
        r["id"] for r in tables["reports"] if r["origin"] == "app"
    } <= created  # … and no report without its history


def test_a_failing_restore_leaves_the_store_as_it_was(
    backend_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backup_store(backend_store, tmp_path / "b.zip", user=CLI_USER)
    backend_store.file_report(SAMPLE_CODE, lonlat=_place(backend_store), memo="백업 뒤", user=staff_user("노아린"))
    before = _counts(backend_store)
    reports_table = meta.tables["reports"]  # late in the order: several tables are replaced before it fails
    real_insert = reports_table.insert

    def broken() -> object:
        raise OSError("디스크 오류 (시험)")

    monkeypatch.setattr(reports_table, "insert", broken)
    with pytest.raises(OSError):
        restore_store(backend_store, tmp_path / "b.zip", user=CLI_USER)
    monkeypatch.setattr(reports_table, "insert", real_insert)
    assert _counts(backend_store) == before
    assert backend_store.reports(SAMPLE_CODE)["memo"].eq("백업 뒤").any()


def test_a_damaged_or_newer_backup_is_refused_before_anything_changes(sample_store: Store, tmp_path: Path) -> None:
    backup_store(sample_store, tmp_path / "b.zip", user=CLI_USER)
    before = _counts(sample_store)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(tmp_path / "b.zip") as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "tables/reports.jsonl":  # one report's memo changed after the backup was made
                data = data.replace("샘플".encode(), "셈플".encode(), 1)
            dst.writestr(item, data)
    with pytest.raises(StoreError, match="손상"):
        restore_store(sample_store, damaged, user=CLI_USER)
    assert _counts(sample_store) == before
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(tmp_path / "b.zip") as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(
                item,
                data.replace(f'"schema_version": {SCHEMA_VERSION}'.encode(), b'"schema_version": 99')
                if item.filename == "manifest.json"
                else data,
            )
    with pytest.raises(StoreError, match="99"):
        restore_store(sample_store, newer, user=CLI_USER)


def test_a_killed_restore_leaves_the_old_store_or_the_new_one(sample_db: Path, tmp_path: Path) -> None:
    """kill -9 a restore of a large backup midway: the store is whole — as before, or as the backup."""
    import shutil

    big = tmp_path / "big.sqlite"
    shutil.copy(sample_db, big)
    store = open_store(big)
    rows = [
        {"dong_code": SAMPLE_CODE, "origin": "app", "lon": 126.9, "lat": 37.57, "created_at": time.strftime("%Y-%m-%d")}
    ]
    with store.writer.begin() as conn:
        conn.execute(sa.text("INSERT INTO reports (dong_code, origin, lon, lat, created_at, finder, status, reported, memo) "
                             "VALUES (:dong_code, :origin, :lon, :lat, :created_at, '노아린', 'received', 0, 'x')"), rows * 20000)  # fmt: skip
    backup_store(store, tmp_path / "big.zip", user=CLI_USER)
    store.close()
    target = tmp_path / "target.sqlite"
    shutil.copy(sample_db, target)
    old = _counts(open_store(target))
    proc = subprocess.Popen([sys.executable, "-m", "mapping", "restore", str(tmp_path / "big.zip"), "--db", str(target), "--yes"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    time.sleep(1.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    now = _counts(open_store(target))
    assert now["reports"] in (old["reports"], old["reports"] + 20000)
    assert now["report_history"] == old["report_history"] or now["reports"] == old["reports"] + 20000
