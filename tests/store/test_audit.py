"""The access log cannot be cut or rewritten unseen: keyed hashes, anchors outside the database (both backends)."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from mapping.access import CLI_USER, User, sample_user
from mapping.errors import AccessError, StoreError
from mapping.store import Store, open_store
from mapping.store.audit import key_id
from mapping.store.audit.chain import (
    NO_KEY,
    OTHER_KEY,
    PURGE,
    RECOMPUTED,
    REMOVED,
    TRUNCATED,
    UNKEYED,
    entry_mac,
    legacy_hash,
)
from mapping.store.backup import backup_store, restore_store
from mapping.store.retention import RetentionPolicy, purge_expired
from mapping.store.schema import ACCESS_LOG, SCHEMA_VERSION, meta
from tests.conftest import SAMPLE_CODE

OTHER_DONG = "1111053000"
HEAD = User("hansy", "한서윤", "dong_head", staff_name="한서윤", dong_code=SAMPLE_CODE)
OFFICER = User("noarin", "노아린", "officer", staff_name="노아린", dong_code=SAMPLE_CODE)


def _reads(store: Store, n: int = 3) -> None:
    for _ in range(n):
        store.households(SAMPLE_CODE, user=CLI_USER)


def _ids(store: Store) -> list[int]:
    return [int(i) for i in store.access_log()["id"]]


def _rehash(store: Store, digest, *, key_id_value: str | None = "keep") -> None:
    """Recompute every entry's hash (and prev_hash) with ``digest(prev, row)``, as someone without the key would."""
    with store.writer.begin() as conn:
        rows = [dict(r) for r in conn.execute(sa.select(ACCESS_LOG).order_by(ACCESS_LOG.c.id)).mappings()]
        prev = None
        for row in rows:
            new = digest(prev, row)
            values = {"prev_hash": prev, "hash": new}
            if key_id_value != "keep":
                values["key_id"] = key_id_value
            conn.execute(ACCESS_LOG.update().where(ACCESS_LOG.c.id == row["id"]).values(**values))
            prev = new


def _delete(store: Store, ids: list[int]) -> None:
    with store.writer.begin() as conn:
        conn.execute(ACCESS_LOG.delete().where(ACCESS_LOG.c.id.in_(ids)))


def test_entries_are_hmacs_under_a_key_kept_outside_the_database(backend_store: Store) -> None:
    _reads(backend_store)
    log = backend_store.access_log()
    key = backend_store.log_keys.signing
    assert set(log["key_id"]) == {key_id(key)}
    row = log.iloc[-1].to_dict()
    at = row["at"].to_pydatetime()
    assert row["hash"] == entry_mac(key, row["prev_hash"], at, row) != legacy_hash(row["prev_hash"], at, row)
    check = backend_store.verify_access_log()
    assert check.intact and check.head.entries == len(log) and check.head.last_id == int(log["id"].iloc[-1])
    assert "온전합니다" in check.lines()[0]


def test_a_changed_or_removed_entry_inside_is_found_where_it_is(backend_store: Store) -> None:
    _reads(backend_store, 4)
    ids = _ids(backend_store)
    with backend_store.writer.begin() as conn:
        conn.execute(ACCESS_LOG.update().where(ACCESS_LOG.c.id == ids[-3]).values(detail="rows=0"))
    check = backend_store.verify_access_log()
    assert check.kinds == {"changed"} and check.entry == ids[-3]
    assert f"{ids[-3]}번 기록이 고쳐졌습니다" in "\n".join(check.lines())
    _delete(backend_store, [ids[-3]])
    check = backend_store.verify_access_log()
    assert check.kinds == {REMOVED} and check.entry == ids[-2]


def test_deleting_the_last_rows_is_truncation_once_anchored(backend_store: Store) -> None:
    _reads(backend_store, 4)
    anchor = backend_store.anchor_access_log("test")
    assert anchor.entries == len(backend_store.access_log())
    ids = _ids(backend_store)
    _delete(backend_store, ids[-2:])
    check = backend_store.verify_access_log()
    assert not check.intact and check.kinds == {TRUNCATED}  # the chain itself is consistent: only the anchor tells
    assert "기록 2건이 잘려 나갔습니다" in "\n".join(check.lines())
    for n in range(2):  # new entries may even reuse the ids (SQLite): the anchored hash is gone all the same
        backend_store.log_event(CLI_USER, "조회", f"households:{SAMPLE_CODE}", f"after {n}")
    assert TRUNCATED in backend_store.verify_access_log().kinds


@pytest.mark.parametrize("how", ["sha256", "guessed key", "guessed key named"])
def test_deleting_two_rows_and_recomputing_every_hash_is_found(backend_store: Store, how: str) -> None:
    _reads(backend_store, 4)
    backend_store.anchor_access_log("monthly review")
    ids = _ids(backend_store)
    _delete(backend_store, ids[1:3])
    if how == "sha256":
        _rehash(backend_store, lambda prev, row: legacy_hash(prev, row["at"], row))
    else:
        guess = b"guessed-key"
        _rehash(backend_store, lambda prev, row: entry_mac(guess, prev, row["at"], row),
                key_id_value=key_id(guess) if how == "guessed key named" else "keep")  # fmt: skip
    check = backend_store.verify_access_log()
    text = "\n".join(check.lines())
    assert "기록 2건이 잘려 나갔습니다" in text  # fewer entries than the anchor counted
    if how == "guessed key named":
        assert check.kinds == {OTHER_KEY, TRUNCATED} and "다른 열쇠" in text
    else:
        assert check.kinds == {RECOMPUTED, TRUNCATED} and check.entry == ids[0]
        assert "다시 계산했습니다" in text
        assert ("SHA-256" in text) == (how == "sha256")


def test_a_missing_key_is_reported_and_nothing_goes_unlogged(
    empty_store_url: str, sample_kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAPPING_LOG_KEY")
    store = open_store(empty_store_url)
    key_file = store.log_keys.key_file
    assert key_file.is_file() and key_file.stat().st_mode & 0o777 == 0o600  # made on first open, for its owner only
    store.load_kit(sample_kit, user=CLI_USER)
    assert store.verify_access_log().intact
    store.close()
    key_file.unlink()
    store = open_store(empty_store_url)  # the log is keyed: no new key is made in its place
    assert not key_file.exists()
    check = store.verify_access_log()
    assert check.kinds == {NO_KEY} and "열쇠가 없습니다" in check.lines()[1]
    with pytest.raises(StoreError, match="열쇠가 없습니다"):
        store.households(SAMPLE_CODE, user=CLI_USER)  # a read that could not be logged is not done
    store.close()


def test_a_backup_restored_into_a_store_with_another_key_says_so(
    empty_store_url: str, sample_kit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MAPPING_LOG_KEY")
    source = open_store(empty_store_url)
    source.load_kit(sample_kit, user=CLI_USER)
    backup_store(source, tmp_path / "b.zip", user=CLI_USER)
    target = open_store(tmp_path / "other.sqlite")
    target.anchor_access_log("before the restore")
    restore_store(target, tmp_path / "b.zip", user=CLI_USER)
    check = target.verify_access_log()
    assert check.kinds == {OTHER_KEY} and key_id(source.log_keys.signing) in check.lines()[1]
    assert "다른 설치본의 백업" in check.lines()[1]
    with target.log_keys.key_file.open("a") as out:  # the source's key as a further line: both verify
        out.write(source.log_keys.key_file.read_text())
    target.close()
    target = open_store(tmp_path / "other.sqlite")
    assert target.verify_access_log().intact  # and the anchor from before the restore no longer applies
    target.close()
    source.close()


def test_a_restore_with_the_same_key_verifies_and_starts_the_anchors_afresh(
    backend_store: Store, tmp_path: Path
) -> None:
    _reads(backend_store, 2)
    backup_store(backend_store, tmp_path / "b.zip", user=CLI_USER)
    _reads(backend_store, 5)
    backend_store.anchor_access_log("review")  # more entries than the backup has
    restore_store(backend_store, tmp_path / "b.zip", user=CLI_USER)
    assert backend_store.verify_access_log().intact  # the restore's anchor marks the log replaced
    lines = backend_store.log_keys.anchors.read_text().splitlines()
    assert json.loads(lines[-1])["reset"] and json.loads(lines[-1])["why"] == "restore b.zip"


def test_a_retention_purge_is_not_truncation_but_a_faked_one_is_found(backend_store: Store) -> None:
    _reads(backend_store, 3)
    backend_store.anchor_access_log("review")
    done = purge_expired(backend_store, policy=RetentionPolicy(), user=CLI_USER, today=dt.date(2030, 1, 1))
    assert done.log_entries_removed > 0
    check = backend_store.verify_access_log()
    assert check.intact, check.lines()
    last = backend_store.access_log().iloc[-1]
    assert last["subject"] == "retention" and "log_upto=" in last["detail"]
    _reads(backend_store, 3)
    backend_store.anchor_access_log("review")
    ids = _ids(backend_store)
    with backend_store.writer.begin() as conn:  # someone cuts the two oldest entries and writes a boundary of their own
        start = conn.execute(sa.select(ACCESS_LOG.c.prev_hash).where(ACCESS_LOG.c.id == ids[2])).scalar_one()
        conn.execute(ACCESS_LOG.delete().where(ACCESS_LOG.c.id.in_(ids[:2])))
        value = json.dumps({"hash": start, "last_id": ids[1], "removed": done.log_entries_removed + 2})
        t = meta.tables["meta"]
        conn.execute(t.update().where(t.c.key == "access_log_anchor").values(value=value))
    check = backend_store.verify_access_log()
    assert check.kinds == {PURGE} and "삭제 기록이 없습니다" in check.lines()[1]


def _as_version_6(path: Path, *, break_at: int | None = None) -> list[int]:
    """Turn a store file into what schema version 6 left: plain SHA-256 entries, no key id, no dong."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT id, at, account, client, action, subject, detail FROM access_log ORDER BY id"
        ).fetchall()
        prev = None
        for rid, at, account, client, action, subject, detail in rows:
            row = {"account": account, "client": client, "action": action, "subject": subject, "detail": detail}
            digest = legacy_hash(prev, dt.datetime.fromisoformat(at), row)
            conn.execute("UPDATE access_log SET prev_hash = ?, hash = ?, key_id = NULL, dong_code = NULL WHERE id = ?",
                         (prev, digest, rid))  # fmt: skip
            prev = digest
        if break_at is not None:
            conn.execute("UPDATE access_log SET detail = 'rows=0' WHERE id = ?", (break_at,))
        conn.execute("DELETE FROM meta WHERE key = 'access_log_keyed'")
        conn.execute("UPDATE meta SET value = '6' WHERE key = 'schema_version'")
    return [r[0] for r in rows]


def test_a_version_6_log_is_keyed_once_when_opened(sample_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "v6.sqlite"
    shutil.copy(sample_db, path)
    store = open_store(path)
    _reads(store, 2)
    store.close()
    ids = _as_version_6(path)
    store = open_store(path)
    log = store.access_log()
    assert store.schema_version == SCHEMA_VERSION and log["key_id"].notna().all()
    assert (log.iloc[-1]["account"], log.iloc[-1]["detail"]) == (
        "store-upgrade",
        f"keyed {len(ids)} entries (key {key_id(store.log_keys.signing)})",
    )
    assert store.verify_access_log().intact
    reads = log[log["subject"] == f"households:{SAMPLE_CODE}"]
    assert len(reads) == 2 and set(reads["dong_code"]) == {SAMPLE_CODE}  # old entries gain the dong their subject names
    assert json.loads(store.log_keys.anchors.read_text().splitlines()[-1])["why"] == "rekey"
    store.close()
    assert len(open_store(path).access_log()) == len(log)  # once


def test_a_version_6_log_already_broken_is_kept_and_reported_where(sample_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "v6.sqlite"
    shutil.copy(sample_db, path)
    store = open_store(path)
    _reads(store, 3)
    ids = _ids(store)
    store.close()
    _as_version_6(path, break_at=ids[2])
    store = open_store(path)
    _reads(store, 1)  # new entries are keyed
    check = store.verify_access_log()
    assert check.kinds == {UNKEYED} and check.entry == ids[2]
    assert f"{ids[2]}번에서 이미 맞지 않습니다" in check.lines()[1]
    assert store.access_log().iloc[-1]["key_id"] == key_id(store.log_keys.signing)


# ---- who reviews what ----------------------------------------------------------------------------------------


def test_each_reviewer_sees_their_own_scope(backend_store: Store) -> None:
    store = backend_store
    _reads(store, 1)
    store.log_event(
        User("jongno", "종로 직원", "officer", staff_name="김종로", dong_code=OTHER_DONG), "조회", "households:x"
    )
    store.log_event(CLI_USER, "조회", f"households:{OTHER_DONG}")
    everything = store.access_log()
    assert {SAMPLE_CODE, OTHER_DONG} <= set(everything["dong_code"].dropna())
    mine = store.access_log(user=HEAD)
    assert len(mine) and set(mine["dong_code"]) == {SAMPLE_CODE}
    assert set(store.access_log(user=User("a", "a", None, admin=True, dong_code=OTHER_DONG))["dong_code"]) == {
        OTHER_DONG
    }
    assert set(store.access_log(user=User("g", "g", None, admin=True, gu_code="11440"))["dong_code"]) == {SAMPLE_CODE}
    assert len(store.access_log(user=User("b", "b", None, admin=True))) == len(everything)
    assert set(store.access_log(user=sample_user(SAMPLE_CODE, "한서윤"))["dong_code"]) == {
        SAMPLE_CODE
    }  # sample dongs only
    for nobody in (OFFICER, User("gu", "구", "gu", gu_code="11440")):
        with pytest.raises(AccessError, match="접근 기록을 볼 수 없습니다"):
            store.access_log(user=nobody)


def test_the_monthly_review_is_logged_and_anchored(backend_store: Store) -> None:
    store = backend_store
    _reads(store, 2)
    month = f"{dt.date.today():%Y-%m}"
    anchor = store.record_log_review(month, user=HEAD.at("10.1.2.3"))
    last = store.access_log().iloc[-1]
    assert (last["action"], last["subject"], last["client"], last["dong_code"]) == (
        "검토",
        f"access_log:{month}",
        "10.1.2.3",
        SAMPLE_CODE,
    )
    assert (
        anchor.last_id == int(last["id"]) and anchor.head == last["hash"] and anchor.entries == len(store.access_log())
    )
    assert f"마지막 {anchor.last_id}번" in anchor.line() and anchor.head in anchor.line()
    recorded = json.loads(store.log_keys.anchors.read_text().splitlines()[-1])
    assert recorded["head"] == anchor.head and recorded["why"] == f"review {month} by hansy"
    with pytest.raises(AccessError, match="읽기 전용"):
        store.record_log_review(month, user=sample_user(SAMPLE_CODE, "한서윤"))
    with pytest.raises(AccessError):
        store.record_log_review(month, user=OFFICER)
    download = store.record_log_download(month, "11월 정기 점검", user=HEAD)
    assert store.access_log().iloc[-1]["detail"] == "reason=11월 정기 점검" and download.entries == anchor.entries + 1


def test_the_key_file_and_the_anchor_file_can_be_put_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAPPING_LOG_KEY")
    monkeypatch.setenv("MAPPING_LOG_KEY_FILE", str(tmp_path / "secret" / "log.key"))
    monkeypatch.setenv("MAPPING_LOG_ANCHORS", str(tmp_path / "elsewhere" / "heads.jsonl"))
    store = open_store(tmp_path / "store.sqlite")
    assert (tmp_path / "secret" / "log.key").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "store.sqlite.logkey").exists()
    store.log_event(CLI_USER, "조회", "x")
    anchor = store.anchor_access_log("review")
    assert json.loads((tmp_path / "elsewhere" / "heads.jsonl").read_text())["head"] == anchor.head
    store.close()
