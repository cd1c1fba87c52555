"""Editing zones in the store: save, hand-over with history, balance."""

from __future__ import annotations

import pandas as pd
import pytest

from mapping.access import CLI_USER
from mapping.cli import main
from mapping.cli.common import shown_db, zone_profile_command
from mapping.errors import NotFoundError, ValidationError
from mapping.store import Store
from mapping.zone_profile.facts import handover_message
from mapping.zones import zone_balance
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user


@pytest.fixture
def sample_store(backend_store: Store) -> Store:
    """The store's own tests run on both backends: the embedded SQLite file and PostgreSQL + PostGIS."""
    return backend_store


def test_save_assignments_moves_a_tong_and_keeps_history(sample_store):
    staff = sample_store.staff(SAMPLE_CODE)
    assert list(staff.loc[:1, "tongs"]) == [[1, 7], [2, 8]]  # 한서윤, 오민재
    staff.at[0, "tongs"] = [1, 2, 7]  # 한서윤 takes tong 2 from 오민재
    staff.at[1, "tongs"] = [8]
    zones = sample_store.save_assignments(SAMPLE_CODE, staff, user=CLI_USER)
    stored = sample_store.zones(SAMPLE_CODE).set_index("officer")
    assert stored.loc["한서윤", "tongs"] == [1, 2, 7] and stored.loc["오민재", "zone_id"] == "Z08"
    assert len(zones) == 18
    history = sample_store.ownership(SAMPLE_CODE)
    tong2 = history[history["tong"] == 2].sort_values("since")
    assert list(tong2["officer"]) == ["오민재", "한서윤"]
    assert tong2["until"].iloc[0] is not pd.NaT and pd.isna(tong2["until"].iloc[1])


def test_save_assignments_refuses_a_double_assignment_and_stores_nothing(sample_store):
    before = sample_store.zones(SAMPLE_CODE)
    staff = sample_store.staff(SAMPLE_CODE)
    staff.at[0, "tongs"] = [1, 2, 7]  # tong 2 is still 오민재's
    with pytest.raises(ValidationError, match="통 2이\\(가\\) 여러 명에게 배정"):
        sample_store.save_assignments(SAMPLE_CODE, staff, user=CLI_USER)
    after = sample_store.zones(SAMPLE_CODE)
    assert list(after["tongs"]) == list(before["tongs"])


def test_reassign_hands_zone_open_reports_and_households_to_the_successor(sample_store):
    zones = sample_store.zones(SAMPLE_CODE)
    zone = zones[zones["officer"] == "오민재"].iloc[0]
    zone_id = zone["zone_id"]
    inside = sample_store.tongs(SAMPLE_CODE).set_index("tong").loc[zone["tongs"][0], "geometry"].representative_point()
    own = sample_store.file_report(
        SAMPLE_CODE, lonlat=(inside.x, inside.y), memo="내 구역 민원", user=staff_user("오민재")
    )
    reports = sample_store.reports(SAMPLE_CODE)
    open_mine = reports[
        (reports["zone_id"] == zone_id) & reports["status"].isin(["received", "handed_over", "in_progress", "returned"])
    ]
    mine = (open_mine["assignee"] == "오민재") | (open_mine["assignee"].isna() & (open_mine["finder"] == "오민재"))
    open_mine = open_mine[mine]
    assert own in set(open_mine["id"])
    done = sample_store.reassign(SAMPLE_CODE, zone_id, "신유나", user=CLI_USER)
    assert done["former"] == "오민재" and done["reports"] == len(open_mine)
    after = sample_store.zones(SAMPLE_CODE).set_index("zone_id").loc[zone_id]
    assert after["officer"] == "신유나" and after["tongs"] == zone["tongs"]
    moved = sample_store.reports(SAMPLE_CODE).set_index("id").loc[open_mine["id"]]
    assert set(moved["assignee"]) <= {"신유나"}
    assert moved.loc[own, "finder"] == "오민재"  # the finder keeps the credit
    history = sample_store.ownership(SAMPLE_CODE)
    assert set(history[history["tong"] == zone["tongs"][0]]["officer"]) == {"오민재", "신유나"}


def test_reassign_refuses_unknown_zone_unknown_person_and_busy_successor(sample_store):
    with pytest.raises(NotFoundError, match="구역 Z99"):
        sample_store.reassign(SAMPLE_CODE, "Z99", "신유나", user=CLI_USER)
    with pytest.raises(NotFoundError, match="직원 명단에 없습니다"):
        sample_store.reassign(SAMPLE_CODE, "Z03", "홍길동", user=CLI_USER)
    with pytest.raises(ValidationError, match="이미 구역 Z01"):
        sample_store.reassign(SAMPLE_CODE, "Z03", "한서윤", user=CLI_USER)


def test_cli_reassign(sample_store, capsys):
    db = sample_store.url.removeprefix("sqlite:///")
    assert main(["reassign", "--zone", "Z03", "--to", "엄채원", "--db", db]) == 0
    assert "강도윤 → 엄채원" in capsys.readouterr().out
    assert main(["reassign", "--zone", "Z03", "--to", "한서윤", "--db", db]) == 2


def test_cli_reassign_hint_hides_a_database_password(sample_store, capsys):
    url = sample_store.url
    if url.startswith("postgresql"):
        url = url.replace("://postgres@", "://postgres:s3cret-pw@")  # the test cluster trusts any password
    assert main(["reassign", "--zone", "Z03", "--to", "엄채원", "--db", url]) == 0
    out = capsys.readouterr().out
    assert "s3cret-pw" not in out
    hint = out.splitlines()[-1]
    if url == sample_store.url:  # a SQLite file: the hint repeats --db as given
        assert f"--db {url}" in hint and "***" not in out
    else:
        assert "postgres:***@127.0.0.1" in hint and "비밀번호는 ***로 가렸습니다" in out


@pytest.mark.parametrize(
    ("db", "shown"),
    [
        (
            "postgresql+psycopg://udongju:s3cret@db.example:5432/mapping",
            "postgresql+psycopg://udongju:***@db.example:5432/mapping",
        ),
        ("postgresql://udongju:p@ss:w/rd@db.example/mapping", "postgresql://udongju:***@db.example/mapping"),
        ("postgresql://:s3cret@db.example/mapping", "postgresql://:***@db.example/mapping"),
        ("postgresql://udongju@db.example:5432/mapping", "postgresql://udongju@db.example:5432/mapping"),
        ("sqlite:////srv/우동주/mapping.sqlite", "sqlite:////srv/우동주/mapping.sqlite"),
        ("data/mapping.sqlite", "data/mapping.sqlite"),
    ],
)
def test_shown_db_masks_only_the_password(db, shown):
    import argparse

    assert shown_db(db) == shown
    hint = zone_profile_command(argparse.Namespace(db=db, dong=None), "Z03")
    assert "s3cret" not in hint and "p@ss" not in hint


def test_the_hand_over_message_names_both_officers_and_what_moved():
    done = {"zone_id": "Z03", "former": "강도윤", "successor": "엄채원", "reports": 2, "households": 1}
    assert handover_message(done) == "구역 Z03: 강도윤 → 엄채원 (처리 중 보고 2건, 세대 1곳 인계)"


def test_balance_flags_zones_over_twice_the_median():
    zones = pd.DataFrame(
        {
            "zone_id": ["A", "B", "C"],
            "officer": ["가", "나", "다"],
            "tongs": [[1], [2], [3, 4, 5]],
            "area_m2": [1e5, 1e5, 1e5],
        }
    )
    reports = pd.DataFrame({"zone_id": ["A", "B", "C", "C", "C"], "status": ["received"] * 4 + ["closed"]})
    resources = pd.DataFrame({"zone_id": ["A", "B", "C"]})
    households = pd.DataFrame({"zone_id": pd.Series([], dtype=str)})
    table = zone_balance(zones, resources=resources, reports=reports, households=households)
    assert table.loc["C", "open_reports"] == 2 and table.loc["C", "tongs"] == 3
    assert table.loc["C", "flags"] == ["통 수"]  # 3 > 2×1; 2 open reports is not > 2×1
    assert table.loc["A", "flags"] == [] and table.loc["A", "households"] == 0


def test_household_counts_carry_no_personal_field(sample_store):
    counts = sample_store.household_zones(SAMPLE_CODE)
    assert set(counts.columns) == {"kind", "tong", "zone_id"} and len(counts) == 24


def test_another_store_sees_a_zone_save_a_hand_over_and_a_restore_at_once(sample_store, tmp_path):
    """Each Store keeps a dong's zones and staff between reads: a change made through another must not leave it stale."""
    from mapping.store import open_store
    from mapping.store.backup import backup_store, restore_store

    other = open_store(sample_store.url)  # another process's Store, say the officer's page
    tongs_of = lambda store: store.zones(SAMPLE_CODE).set_index("officer")["tongs"].to_dict()  # noqa: E731
    assert tongs_of(other)["한서윤"] == [1, 7]
    backup_store(sample_store, tmp_path / "before.zip", user=CLI_USER)
    staff = sample_store.staff(SAMPLE_CODE)
    staff.at[0, "tongs"], staff.at[1, "tongs"] = [1, 2, 7], [8]
    sample_store.save_assignments(SAMPLE_CODE, staff, user=CLI_USER)
    assert tongs_of(other)["한서윤"] == [1, 2, 7] and other.staff(SAMPLE_CODE).at[1, "tongs"] == [8]
    sample_store.reassign(SAMPLE_CODE, "Z03", "엄채원", user=CLI_USER)
    assert other.zones(SAMPLE_CODE).set_index("zone_id").at["Z03", "officer"] == "엄채원"
    restore_store(sample_store, tmp_path / "before.zip", user=CLI_USER)
    assert tongs_of(other)["한서윤"] == [1, 7]
    assert other.zones(SAMPLE_CODE).set_index("zone_id").at["Z03", "officer"] == "강도윤"
    other.close()


def test_editing_what_a_read_returned_does_not_change_the_next_read(sample_store):
    staff = sample_store.staff(SAMPLE_CODE)
    staff.at[0, "tongs"].append(99)  # a caller editing a list in place
    staff.at[0, "name"] = "바뀐이름"
    zones = sample_store.zones(SAMPLE_CODE)
    zones.loc[:, "officer"] = "누군가"
    assert sample_store.staff(SAMPLE_CODE).at[0, "tongs"] == [1, 7]
    assert sample_store.staff(SAMPLE_CODE).at[0, "name"] == "한서윤"
    assert "누군가" not in set(sample_store.zones(SAMPLE_CODE)["officer"])


def test_a_version_5_store_gets_a_reference_revision_when_opened(sample_store):
    """Stores made before the revision token get one at once, so other Stores' caches can follow their changes."""
    import sqlalchemy as sa

    from mapping.store import open_store
    from mapping.store.schema import REVISION_KEY, SCHEMA_VERSION

    with sample_store.writer.begin() as conn:
        conn.execute(sa.text("DELETE FROM meta WHERE key = :k"), {"k": REVISION_KEY})
        conn.execute(sa.text("UPDATE meta SET value = '5' WHERE key = 'schema_version'"))
    reader = open_store(sample_store.url)  # upgrades to the current version and writes the token
    assert reader.schema_version == SCHEMA_VERSION
    assert reader.zones(SAMPLE_CODE).set_index("zone_id").at["Z03", "officer"] == "강도윤"
    open_store(sample_store.url).reassign(SAMPLE_CODE, "Z03", "엄채원", user=CLI_USER)  # another process
    assert reader.zones(SAMPLE_CODE).set_index("zone_id").at["Z03", "officer"] == "엄채원"
    reader.close()
