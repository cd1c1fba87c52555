"""Backup and restore of the whole store (every table, and the photos), between any two backends.

A backup is one ZIP: ``manifest.json`` (schema version, time, row counts, a SHA-256 per table) and a
JSON-lines file per table, plus ``photos/``.  It is read inside one snapshot (SQLite: one read
transaction; PostgreSQL: REPEATABLE READ), so it is consistent while the app keeps writing, and it is
written to a temporary file renamed into place at the end, so a killed backup leaves no half file.

A restore checks the whole file first, then replaces every table in one transaction: killed or
failing midway, the store is as it was.  A backup of an older schema restores into the current one
(the columns it lacks stay empty); a newer one is refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from mapping import clock
from mapping.access import User
from mapping.errors import StoreError
from mapping.store.schema import SCHEMA_VERSION, bump_reference_revision, meta

if TYPE_CHECKING:
    from mapping.store import Store

FORMAT = "udongju-backup/1"


def _encode(value: object) -> object:
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, dt.datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    return value


def _decode(value: object) -> object:
    if isinstance(value, dict) and len(value) == 1:
        ((key, text),) = value.items()
        if key == "$b64":
            return base64.b64decode(text)
        if key == "$dt":
            return dt.datetime.fromisoformat(text)
        if key == "$d":
            return dt.date.fromisoformat(text)
    return value


def backup_store(store: Store, out: Path, *, user: User) -> dict:
    """Write a consistent backup of ``store`` to ``out`` (a ZIP); returns the manifest.

    The backup holds personal data: taking it is logged (``다운로드``) under ``user``.

    Raises
    ------
    StoreError
        If ``out`` cannot be written (nothing is left behind).
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    engine: sa.Engine = store.engine
    manifest: dict = {"format": FORMAT, "schema_version": SCHEMA_VERSION, "made_at": clock.now().isoformat(timespec="seconds"),
                      "backend": engine.dialect.name, "tables": {}}  # fmt: skip
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
            with engine.connect().execution_options(**options) as conn, conn.begin():  # one snapshot for every table
                for table in meta.sorted_tables:
                    lines = [
                        json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False)
                        for row in conn.execute(sa.select(table)).mappings()
                    ]
                    data = ("\n".join(lines) + "\n" if lines else "").encode()
                    archive.writestr(f"tables/{table.name}.jsonl", data)
                    manifest["tables"][table.name] = {"rows": len(lines), "sha256": hashlib.sha256(data).hexdigest()}
            photos = store.photo_dir
            names = sorted(p for p in photos.rglob("*") if p.is_file()) if photos.exists() else []
            for path in names:
                archive.write(path, f"photos/{path.relative_to(photos)}")
            manifest["photos"] = len(names)
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        os.replace(partial, out)
        with store.writer.begin() as conn:
            store._log(conn, user, "다운로드", "store", f"backup {out.name}")
    except OSError as err:
        partial.unlink(missing_ok=True)
        raise StoreError(f"백업 {out}을(를) 쓸 수 없습니다: {err}") from err
    return manifest


def read_backup(path: Path) -> tuple[dict, dict[str, list[dict]]]:
    """The manifest and every table's rows of a backup, after checking it whole.

    Raises
    ------
    StoreError
        If the file is not a backup, is damaged (a checksum differs) or comes from a newer schema.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json"))
            if manifest.get("format") != FORMAT:
                raise StoreError(f"{path}은(는) 우동주 지도 백업이 아닙니다 (format={manifest.get('format')!r}).")
            if int(manifest["schema_version"]) > SCHEMA_VERSION:
                raise StoreError(
                    f"{path}은(는) 스키마 {manifest['schema_version']}의 백업인데 이 프로그램은 {SCHEMA_VERSION}까지만 압니다."
                )
            tables = {}
            for name, info in manifest["tables"].items():
                data = archive.read(f"tables/{name}.jsonl")
                if hashlib.sha256(data).hexdigest() != info["sha256"]:
                    raise StoreError(f"{path}의 표 {name}이(가) 손상되었습니다 (체크섬 불일치). 다른 백업을 쓰세요.")
                tables[name] = [
                    {k: _decode(v) for k, v in json.loads(line).items()} for line in data.decode().splitlines() if line
                ]
    except (zipfile.BadZipFile, KeyError, ValueError) as err:
        raise StoreError(f"{path}은(는) 읽을 수 있는 백업이 아닙니다: {err}") from err
    return manifest, tables


def restore_store(store: Store, path: Path, *, user: User) -> dict:
    """Replace everything in ``store`` with the backup at ``path``, in one transaction; returns the manifest.

    The restored access log is the backup's, with its hashes (a log made with another installation's key
    stays so, and ``verify-log`` says so); the restore itself is appended to it (``변경``), and a new
    anchor marks that the anchors before it belong to the log that was replaced.

    Raises
    ------
    StoreError
        If the backup is not usable; the store is then untouched.
    """
    manifest, tables = read_backup(Path(path))
    writer: sa.Engine = store.writer
    with writer.begin() as conn:
        for table in reversed(meta.sorted_tables):
            conn.execute(table.delete())
        for table in meta.sorted_tables:
            rows = [{k: v for k, v in row.items() if k in table.c} for row in tables.get(table.name, [])]
            if table.name == "meta":
                rows = [r for r in rows if r["key"] != "schema_version"] + [
                    {"key": "schema_version", "value": str(SCHEMA_VERSION)}
                ]
            if rows:
                conn.execute(table.insert(), rows)
        bump_reference_revision(conn)  # a Store's cached dongs, tongs, zones and staff are stale now
        if writer.dialect.name == "postgresql":  # explicit ids were inserted: move each id sequence past them
            for table in meta.sorted_tables:
                if "id" in table.c and table.c.id.primary_key:
                    conn.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                         f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))  # fmt: skip
        store._adopt_unkeyed(conn)  # a backup of before schema 7: keyed now, once
        store._log(conn, user, "변경", "store", f"restored {Path(path).name} made {manifest['made_at']}")
    store.anchor_access_log(f"restore {Path(path).name}", reset=True)
    _restore_photos(store, Path(path))
    return manifest


def _restore_photos(store: Store, path: Path) -> None:
    """Put back the photos the store lacks (content-addressed names: an existing file is the same file)."""
    folder: Path = store.photo_dir
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not name.startswith("photos/") or name.endswith("/"):
                continue
            target = folder / name.removeprefix("photos/")
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.partial")
            partial.write_bytes(archive.read(name))
            os.replace(partial, target)
