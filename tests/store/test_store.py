"""mapping.store: schema version, points with tong and zone, personal data and its log."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import sqlalchemy as sa
from shapely.geometry import Point

from mapping.access import CLI_USER, PUBLIC_USER
from mapping.errors import NotFoundError, StoreError
from mapping.store import Store, attach_tong_zone, open_store
from mapping.store.engine import resolve_url
from mapping.store.schema import SCHEMA_VERSION
from mapping.zones import zones_from_tongs
from tests.conftest import SAMPLE_CODE
from tests.helpers import CELL, X0, Y0, square, staff_frame, staff_user, tong_frame


@pytest.fixture
def sample_store(backend_store: Store) -> Store:
    """The store's own tests run on both backends: the embedded SQLite file and PostgreSQL + PostGIS."""
    return backend_store


PRIVATE_RESOURCE = "샘플 나눔이웃(비공개)"


def stored_schema_version(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]


def log_length(store: Store) -> int:
    return len(store.access_log())


# ---- opening -----------------------------------------------------------------


def test_new_file_records_the_current_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "new.sqlite"
    store = open_store(path)
    assert store.schema_version == SCHEMA_VERSION == 10
    store.close()
    assert stored_schema_version(path) == str(SCHEMA_VERSION)


def test_reopening_keeps_the_version(tmp_path: Path) -> None:
    path = tmp_path / "again.sqlite"
    open_store(path).close()
    assert open_store(path).schema_version == SCHEMA_VERSION


def test_a_version_1_store_is_migrated_keeping_its_reports(sample_db: Path, tmp_path: Path) -> None:
    """Build a v1 file (reports without the v2 columns, no v2 tables), open it, find everything."""
    path = tmp_path / "v1.sqlite"
    shutil.copy(sample_db, path)
    v2_columns = ["duty", "title", "resident_name", "resident_phone", "has_resident", "co_approver",
                  "co_approved_at", "duplicate_of", "return_reason", "updated_at"]  # fmt: skip
    with sqlite3.connect(path) as conn:
        for table in ("report_photos", "report_history", "report_notifications", "walks"):
            conn.execute(f"DROP TABLE {table}")
        for column in v2_columns:
            conn.execute(f"ALTER TABLE reports DROP COLUMN {column}")
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    store = open_store(path)
    assert store.schema_version == SCHEMA_VERSION
    reports = store.reports(SAMPLE_CODE)
    public = set(v2_columns) - {"resident_name", "resident_phone"}  # personal: read per report only
    assert len(reports) == 90 and public <= set(reports.columns)
    assert {"resident_name", "resident_phone"} <= set(store.report(int(reports["id"].iloc[0]), user=CLI_USER))


def test_a_version_3_store_gains_the_month_tables_keeping_its_data(sample_db: Path, tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite"
    shutil.copy(sample_db, path)
    with sqlite3.connect(path) as conn:
        for table in ("aggregations", "meetings", "best_cases", "dong_settings"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    store = open_store(path)
    assert store.schema_version == SCHEMA_VERSION
    assert len(store.reports(SAMPLE_CODE)) == 90 and store.best_cases(SAMPLE_CODE).empty
    assert store.outing_target(SAMPLE_CODE).count == 1  # the default until a team leader sets one


def test_other_schema_version_is_refused_naming_both(tmp_path: Path) -> None:
    path = tmp_path / "future.sqlite"
    open_store(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match=rf"스키마 버전은 999인데 이 프로그램은 {SCHEMA_VERSION}까지만 압니다") as info:
        open_store(path)
    assert isinstance(info.value, RuntimeError)
    assert str(path.resolve()) in str(info.value)


def test_unknown_dong_is_not_found(sample_store: Store) -> None:
    with pytest.raises(NotFoundError, match=r"동 코드 9999999999는 저장소에 없습니다"):
        sample_store.dong("9999999999")


# ---- resolve_url -----------------------------------------------------------------


def test_mapping_db_env_var_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "env" / "from_env.sqlite"
    monkeypatch.setenv("MAPPING_DB", str(path))
    assert resolve_url() == f"sqlite:///{path.resolve()}"
    assert path.parent.is_dir()
    store = open_store()
    assert store.url == f"sqlite:///{path.resolve()}"
    store.close()
    assert path.exists()


def test_explicit_path_wins_over_mapping_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPPING_DB", str(tmp_path / "env.sqlite"))
    assert resolve_url(tmp_path / "mine.sqlite") == f"sqlite:///{(tmp_path / 'mine.sqlite').resolve()}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://mapping:secret@db.example:5432/mapping",
            "postgresql+psycopg://mapping:secret@db.example:5432/mapping",
        ),
        ("postgresql+psycopg://u@localhost/m", "postgresql+psycopg://u@localhost/m"),
    ],
)
def test_postgresql_url_uses_psycopg(url: str, expected: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_url(url) == expected  # MAPPING_DB=postgresql://… as a user writes it
    monkeypatch.setenv("MAPPING_DB", url)
    assert resolve_url() == expected


# ---- points carry their tong and zone ------------------------------------------------


def test_reports_come_back_with_tong_and_zone(sample_store: Store) -> None:
    reports = sample_store.reports(SAMPLE_CODE)
    tongs = sample_store.tongs(SAMPLE_CODE).set_index("tong")
    zones = sample_store.zones(SAMPLE_CODE)
    zone_of = {int(t): z for z, ts in zip(zones["zone_id"], zones["tongs"], strict=True) for t in ts}
    assert len(reports) > 0
    assert reports["tong"].notna().all() and reports["zone_id"].notna().all()
    for tong, zone_id, point in zip(reports["tong"], reports["zone_id"], reports.geometry, strict=True):
        assert tongs.geometry[int(tong)].covers(point), f"report in tong {tong} lies outside it"
        assert zone_id == zone_of[int(tong)]


def test_reports_are_in_time_order(sample_store: Store) -> None:
    created = sample_store.reports(SAMPLE_CODE)["created_at"]
    assert created.is_monotonic_increasing


def test_public_only_drops_private_resources(sample_store: Store) -> None:
    every = sample_store.resources(SAMPLE_CODE)
    public = sample_store.resources(SAMPLE_CODE, public_only=True)
    assert PRIVATE_RESOURCE in set(every["name"])
    assert PRIVATE_RESOURCE not in set(public["name"].dropna())
    assert public["public"].astype(bool).all()
    assert len(public) == len(every) - int((~every["public"].astype(bool)).sum())
    assert len(public) == len(every) - 1


def test_attach_tong_zone_gives_none_outside_every_tong(sample_store: Store) -> None:
    tongs, zones = sample_store.tongs(SAMPLE_CODE), sample_store.zones(SAMPLE_CODE)
    inside = tongs.geometry.iloc[0].representative_point()
    points = gpd.GeoSeries([Point(127.20, 37.70), inside], crs="EPSG:4326")
    where = attach_tong_zone(points, tongs, zones)
    assert where["tong"].iloc[0] is None
    assert pd.isna(where["zone_id"].iloc[0])
    assert where["tong"].iloc[1] == tongs["tong"].iloc[0]
    assert where["zone_id"].iloc[1] == zones["zone_id"].iloc[0]


def test_attach_tong_zone_zone_is_none_outside(sample_store: Store) -> None:
    tongs, zones = sample_store.tongs(SAMPLE_CODE), sample_store.zones(SAMPLE_CODE)
    points = gpd.GeoSeries([Point(127.20, 37.70), tongs.geometry.iloc[0].representative_point()], crs="EPSG:4326")
    assert attach_tong_zone(points, tongs, zones)["zone_id"].iloc[0] is None


def test_point_on_a_shared_tong_edge_gets_a_tong() -> None:
    tongs = tong_frame({1: square(0, 1), 2: square(1, 1), 3: square(0, 0), 4: square(1, 0)})
    zones = zones_from_tongs(tongs, staff_frame(("김하나", [1, 2], None), ("이두리", [3, 4], None)))
    on_edge = Point(X0 + CELL, Y0 + CELL / 2)  # between tongs 3 and 4, both 이두리's
    where = attach_tong_zone(gpd.GeoSeries([on_edge], crs=tongs.crs), tongs, zones)
    assert where["tong"].iloc[0] in (3, 4)
    assert where["zone_id"].iloc[0] == "Z03"


# ---- personal data -------------------------------------------------------------------


def test_public_user_may_not_read_households(sample_store: Store) -> None:
    with pytest.raises(
        PermissionError, match=r"방문자\(공개 지도만\)은\(는\) 이 동의 개인정보\(세대\)를 볼 수 없습니다"
    ):
        sample_store.households(SAMPLE_CODE, user=PUBLIC_USER)


@pytest.mark.parametrize("user", [CLI_USER, staff_user("한서윤")])
def test_every_household_read_is_logged(sample_store: Store, user) -> None:
    before = log_length(sample_store)
    for expected in (before + 1, before + 2):
        households = sample_store.households(SAMPLE_CODE, user=user)
        assert len(households) > 0
        log = sample_store.access_log()
        assert len(log) == expected
        last = log.iloc[-1]
        assert (last["account"], last["action"], last["subject"]) == (user.account, "조회", f"households:{SAMPLE_CODE}")
        assert last["detail"].startswith(f"rows={len(households)} ")


def test_access_log_is_a_hash_chain(sample_store: Store) -> None:
    for _ in range(3):
        sample_store.households(SAMPLE_CODE, user=CLI_USER)
    log = sample_store.access_log()
    assert len(log) >= 4  # the kit load and three reads
    assert pd.isna(log["prev_hash"].iloc[0])
    assert list(log["prev_hash"].iloc[1:]) == list(log["hash"].iloc[:-1])
    assert log["hash"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert log["hash"].is_unique


@pytest.mark.filterwarnings("ignore:Did not recognize type .geometry.")
def test_migrations_from_empty_and_from_the_previous_version_on_both_backends(empty_store_url: str, sample_kit) -> None:
    """Empty → current; then back to version 3 (v4 tables and columns gone) → reopened, migrated, data kept."""
    from mapping.store.schema import meta as schema

    store = open_store(empty_store_url)
    assert store.schema_version == SCHEMA_VERSION
    store.load_kit(sample_kit, user=CLI_USER)
    with store.writer.begin() as conn:
        for table in ("aggregations", "meetings", "best_cases", "dong_settings", "accounts"):
            conn.execute(sa.text(f'DROP TABLE "{table}"'))
        for table, column in (("reports", "version"), ("staff", "public_card")):
            conn.execute(sa.text(f'ALTER TABLE "{table}" DROP COLUMN "{column}"'))
        conn.execute(sa.text("UPDATE meta SET value = '3' WHERE key = 'schema_version'"))
    store.close()
    again = open_store(empty_store_url)
    assert again.schema_version == SCHEMA_VERSION
    assert len(again.reports(SAMPLE_CODE)) == 90 and again.accounts().empty
    inspector = sa.inspect(again.engine)
    assert {"version"} <= {c["name"] for c in inspector.get_columns("reports")}
    assert set(schema.tables) <= set(inspector.get_table_names())
    again.close()


@pytest.mark.filterwarnings("ignore:Did not recognize type .geometry.")
def test_a_version_9_store_gains_the_keys_of_notes_and_notices_on_both_backends(
    empty_store_url: str, sample_kit
) -> None:
    """v9 → v10: report_history and report_notifications gain client_key and a unique index per report."""
    store = open_store(empty_store_url)
    store.load_kit(sample_kit, user=CLI_USER)
    tables = ("report_history", "report_notifications")
    with store.writer.begin() as conn:
        for table in tables:
            conn.execute(sa.text(f'DROP INDEX "ux_{table}_client_key"'))
            conn.execute(sa.text(f'ALTER TABLE "{table}" DROP COLUMN "client_key"'))
        conn.execute(sa.text("UPDATE meta SET value = '9' WHERE key = 'schema_version'"))
    store.close()
    again = open_store(empty_store_url)
    assert again.schema_version == SCHEMA_VERSION == 10
    inspector = sa.inspect(again.engine)
    for table in tables:
        assert "client_key" in {c["name"] for c in inspector.get_columns(table)}
        assert any(i["name"] == f"ux_{table}_client_key" and i["unique"] for i in inspector.get_indexes(table))
    officer = staff_user("강도윤")
    place = again.tongs(SAMPLE_CODE).geometry.iloc[2].representative_point()
    rid = again.file_report(SAMPLE_CODE, lonlat=(place.x, place.y), memo="이전 저장소", user=officer)
    again.move_report(rid, "in_progress", user=officer)
    for key in ("note-0001", "note-0001", None, None):  # old callers send no key: each note is its own
        again.add_progress(rid, "업체 연락", user=officer, client_key=key)
    assert (again.report_history(rid)["action"] == "progress").sum() == 3
    again.close()


def _table_counts(store: Store) -> dict[str, int]:
    from mapping.store.schema import meta as schema

    with store.engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one() for t in schema.sorted_tables
        }


def test_a_load_failing_midway_leaves_the_store_as_it_was(
    sample_store: Store, sample_kit, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kit's dong, tongs, staff and zones are rewritten before its points: a failure there undoes them all."""
    before, zones = _table_counts(sample_store), sample_store.zones(SAMPLE_CODE)
    real = Store._sync_points

    def failing(self, conn, name, *args, **kwargs):
        if name == "households":
            raise OSError("디스크가 가득 찼습니다 (시험)")
        return real(self, conn, name, *args, **kwargs)

    monkeypatch.setattr(Store, "_sync_points", failing)
    with pytest.raises(OSError):
        sample_store.load_kit(sample_kit, user=CLI_USER)
    assert _table_counts(sample_store) == before
    assert sample_store.zones(SAMPLE_CODE)[["zone_id", "officer"]].equals(zones[["zone_id", "officer"]])


def test_a_save_failing_midway_leaves_the_zones_as_they_were(
    sample_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    staff = sample_store.staff(SAMPLE_CODE)
    staff.loc[staff["name"] == "신유나", "tongs"] = pd.Series([[14]], index=staff.index[staff["name"] == "신유나"])
    staff.loc[staff["name"] == "조예린", "tongs"] = pd.Series([[13]], index=staff.index[staff["name"] == "조예린"])
    before = _table_counts(sample_store), sample_store.zones(SAMPLE_CODE)[["zone_id", "officer"]]

    def failing(self, *args, **kwargs):
        raise OSError("연결이 끊겼습니다 (시험)")

    monkeypatch.setattr(Store, "_record_owners", failing)
    with pytest.raises(OSError):
        sample_store.save_assignments(SAMPLE_CODE, staff, user=CLI_USER)
    assert _table_counts(sample_store) == before[0]
    assert sample_store.zones(SAMPLE_CODE)[["zone_id", "officer"]].equals(before[1])
