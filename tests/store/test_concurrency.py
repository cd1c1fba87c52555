"""Many people at once, on both backends: nothing lost, nothing doubled, no silent overwrite."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from mapping.access import CLI_USER
from mapping.errors import ConflictError
from mapping.store import Store, open_store
from mapping.store.schema import ACCESS_LOG
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user

WRITERS, EACH = 20, 50


def _place(store: Store) -> tuple[float, float]:
    point = store.tongs(SAMPLE_CODE).geometry.iloc[3].representative_point()
    return (point.x, point.y)


def test_twenty_writers_lose_nothing_and_double_nothing(backend_store: Store) -> None:
    """Each writer has its own connection pool (its own Store), as separate app servers would."""
    place, before = _place(backend_store), len(backend_store.reports(SAMPLE_CODE))
    officers = list(backend_store.zones(SAMPLE_CODE)["officer"])
    start = threading.Barrier(WRITERS)

    def write(w: int) -> list[int]:
        store = open_store(backend_store.url)
        start.wait()  # all at once
        ids = [
            store.file_report(
                SAMPLE_CODE, lonlat=place, memo=f"동시 {w}-{i}", user=staff_user(officers[w % len(officers)])
            )
            for i in range(EACH)
        ]
        store.close()
        return ids

    with ThreadPoolExecutor(WRITERS) as pool:
        ids = [i for batch in pool.map(write, range(WRITERS)) for i in batch]
    reports = backend_store.reports(SAMPLE_CODE)
    ours = reports[reports["memo"].str.startswith("동시 ", na=False)]
    assert len(ids) == len(set(ids)) == WRITERS * EACH
    assert len(ours) == WRITERS * EACH == len(reports) - before
    assert set(ours["memo"]) == {f"동시 {w}-{i}" for w in range(WRITERS) for i in range(EACH)}
    assert backend_store.verify_access_log().intact


def test_two_officers_changing_one_report_the_second_is_refused(backend_store: Store) -> None:
    rid = backend_store.file_report(
        SAMPLE_CODE, lonlat=_place(backend_store), memo="가로등 고장", user=staff_user("노아린")
    )
    seen = backend_store.report(rid, user=CLI_USER)["version"]
    go = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def edit(title: str) -> None:
        store = open_store(backend_store.url)
        go.wait()
        try:
            store.update_report(rid, {"title": title}, user=staff_user("노아린"), expected_version=seen)
            outcomes[title] = "saved"
        except ConflictError as err:
            outcomes[title] = err
        store.close()

    threads = [threading.Thread(target=edit, args=(t,)) for t in ("첫째 수정", "둘째 수정")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    saved = [t for t, o in outcomes.items() if o == "saved"]
    refused = [o for o in outcomes.values() if isinstance(o, ConflictError)]
    assert len(saved) == 1 and len(refused) == 1, outcomes
    assert "먼저 고쳤습니다" in str(refused[0]) and "덮어쓰지 않았습니다" in str(refused[0])
    assert backend_store.report(rid, user=CLI_USER)["title"] == saved[0]  # the winner's change, whole
    edits = backend_store.report_history(rid)
    assert (edits["action"] == "edit").sum() == 1


def test_an_edit_from_a_stale_screen_is_refused(backend_store: Store) -> None:
    rid = backend_store.file_report(SAMPLE_CODE, lonlat=_place(backend_store), memo="맨홀", user=staff_user("노아린"))
    backend_store.update_report(rid, {"title": "맨홀 뚜껑"}, user=staff_user("노아린"), expected_version=1)
    with pytest.raises(ConflictError, match="노아린"):
        backend_store.hand_over(
            rid, "강도윤", expected_version=1, user=staff_user("노아린")
        )  # saw version 1, it is 2 now
    assert backend_store.report(rid, user=CLI_USER)["status"] == "received"


def test_a_changed_or_removed_log_entry_is_found(backend_store: Store) -> None:
    backend_store.households(SAMPLE_CODE, user=CLI_USER)
    backend_store.households(SAMPLE_CODE, user=CLI_USER)
    assert backend_store.verify_access_log().intact
    log = backend_store.access_log()
    target = int(log["id"].iloc[-2])
    with backend_store.writer.begin() as conn:
        conn.execute(ACCESS_LOG.update().where(ACCESS_LOG.c.id == target).values(account="someone-else"))
    assert backend_store.verify_access_log().entry == target
    with backend_store.writer.begin() as conn:
        conn.execute(ACCESS_LOG.delete().where(ACCESS_LOG.c.id == target))
    assert backend_store.verify_access_log().entry == int(log["id"].iloc[-1])
    with backend_store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ACCESS_LOG)).scalar_one() == len(log) - 1
