"""The command line: ``python -m mapping load KIT_DIR --db PATH`` and its exit status."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from mapping.cli import main
from mapping.cli.common import EXIT_BAD_INPUT, EXIT_ERROR, EXIT_OK
from mapping.errors import ValidationError
from mapping.kit.reader import read_kit
from mapping.store import open_store
from mapping.store.schema import POINT_TABLES, meta
from tests.conftest import ROOT, SAMPLE_CODE

# Everything a load writes except the load time and the access log.
STORED = ("tongs", "staff", "zones", "tong_owners", *POINT_TABLES)


# ---- helpers -------------------------------------------------------------------
def run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run the CLI in-process; return (exit status, stdout, stderr)."""
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def load(capsys: pytest.CaptureFixture[str], kit: Path, db: Path) -> tuple[int, str, str]:
    return run(capsys, "load", kit, "--db", db)


def snapshot(db: Path, tables: tuple[str, ...] = STORED) -> dict[str, pd.DataFrame]:
    """Every row of ``tables``, ordered by primary key, as frames."""
    store = open_store(db)
    try:
        with store.engine.connect() as conn:
            result = {}
            for name in tables:
                t = meta.tables[name]
                rows = conn.execute(sa.select(t).order_by(*t.primary_key.columns)).mappings().all()
                result[name] = pd.DataFrame(rows, columns=[c.name for c in t.columns])
            return result
    finally:
        store.close()


def assert_same(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> None:
    assert before.keys() == after.keys()
    for name in before:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def store_reports(db: Path) -> pd.DataFrame:
    store = open_store(db)
    try:
        return pd.DataFrame(store.reports(SAMPLE_CODE).drop(columns="geometry"))
    finally:
        store.close()


def edit_reports(kit: Path, change: Callable[[pd.DataFrame], pd.DataFrame]) -> None:
    frame = pd.read_excel(kit / "reports.xlsx", dtype=object)
    frame = change(frame)
    frame.to_excel(kit / "reports.xlsx", index=False)


def break_kit(kit: Path) -> None:
    """Three independent errors in three files."""
    staff = pd.read_csv(kit / "staff.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    staff.loc[staff["성명"] == "오민재", "담당통"] = "2,99"
    staff.to_csv(kit / "staff.csv", index=False, encoding="utf-8-sig")
    spots = pd.read_csv(kit / "blind_spots.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    spots.loc[1, "경도"] = "abc"
    spots.to_csv(kit / "blind_spots.csv", index=False, encoding="utf-8-sig")

    def unknown_finder(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[3, "작성자"] = "김없음"
        return frame

    edit_reports(kit, unknown_finder)


def insert_app_report(db: Path) -> int:
    """A report filed in the app (origin 'app'); return its id."""
    store = open_store(db)
    try:
        with store.engine.begin() as conn:
            result = conn.execute(
                POINT_TABLES["reports"]
                .insert()
                .values(
                    dong_code=SAMPLE_CODE,
                    origin="app",
                    kit_key=None,
                    lon=126.9,
                    lat=37.568,
                    created_at=dt.datetime(2026, 11, 20, 9, 0),
                    finder="한서윤",
                    activity="diary",
                    field="general",
                    memo="앱에서 쓴 보고",
                    status="received",
                    reported=False,
                )
            )
            return int(result.inserted_primary_key[0])
    finally:
        store.close()


# ---- tests -----------------------------------------------------------------------
def test_help_lists_load() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mapping", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "load" in done.stdout
    assert "assets" in done.stdout


def test_load_prints_counts(capsys: pytest.CaptureFixture[str], kit_copy: Path, tmp_path: Path) -> None:
    code, out, err = load(capsys, kit_copy, tmp_path / "m.sqlite")
    assert code == EXIT_OK, err
    assert "성산2동" in out and SAMPLE_CODE in out
    for line in ["reports: 90 (추가 90, 삭제 0)", "resources: 48", "households: 24", "blind_spots: 12"]:
        assert line in out
    for line in ["tongs: 36", "staff: 20", "zones: 18"]:
        assert line in out
    assert len(store_reports(tmp_path / "m.sqlite")) == 90


def test_load_twice_duplicates_nothing(capsys: pytest.CaptureFixture[str], kit_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    assert load(capsys, kit_copy, db)[0] == EXIT_OK
    before = snapshot(db)
    code, out, _ = load(capsys, kit_copy, db)
    assert code == EXIT_OK
    assert "reports: 90 (추가 0, 삭제 0)" in out
    assert_same(before, snapshot(db))


def test_broken_kit_exit_2_lists_every_problem_and_store_untouched(
    capsys: pytest.CaptureFixture[str], kit_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "m.sqlite"
    assert load(capsys, kit_copy, db)[0] == EXIT_OK
    before = snapshot(db, (*STORED, "dongs", "access_log"))
    break_kit(kit_copy)
    with pytest.raises(ValidationError) as info:
        read_kit(kit_copy)
    problems = info.value.problems
    assert len([p for p in problems if p.severity == "error"]) == 3

    code, out, err = load(capsys, kit_copy, db)
    assert code == EXIT_BAD_INPUT
    assert out == ""
    assert "오류 3건" in err
    for problem in problems:
        assert str(problem) in err
    for where in ["staff.csv 3행 [담당통]", "blind_spots.csv 3행 [경도]", "5행 [작성자]"]:
        assert where in err
    assert_same(before, snapshot(db, (*STORED, "dongs", "access_log")))


def test_modified_kit_keeps_unchanged_ids_and_app_reports(
    capsys: pytest.CaptureFixture[str], kit_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "m.sqlite"
    assert load(capsys, kit_copy, db)[0] == EXIT_OK
    app_id = insert_app_report(db)
    before = store_reports(db)
    assert len(before) == 91

    # a plain reload leaves the app's report alone
    assert load(capsys, kit_copy, db)[0] == EXIT_OK
    pd.testing.assert_frame_equal(store_reports(db), before)

    added_memo = "[샘플] 새로 추가한 보고"
    removed = {"created_at": dt.datetime(2026, 10, 5, 16, 30), "finder": "한서윤", "memo": "[샘플] 하수구 냄새 민원"}

    def change(frame: pd.DataFrame) -> pd.DataFrame:
        assert (frame.loc[0, "일시"], frame.loc[0, "작성자"], frame.loc[0, "내용"]) == (
            "2026-10-05 16:30",
            removed["finder"],
            removed["memo"],
        )
        added = frame.iloc[[1]].assign(내용=added_memo)
        return pd.concat([frame.iloc[1:], added], ignore_index=True)

    [removed_id] = before.loc[(before[list(removed)] == pd.Series(removed)).all(axis=1), "id"]
    edit_reports(kit_copy, change)
    code, out, err = load(capsys, kit_copy, db)
    assert code == EXIT_OK, err
    assert "reports: 90 (추가 1, 삭제 1)" in out

    after = store_reports(db).set_index("id").sort_index()
    assert len(after) == 91
    assert removed_id not in after.index
    [new_id] = after.index[after["memo"] == added_memo]
    assert new_id not in set(before["id"])
    # every other report, the app's included, is unchanged and keeps its id
    kept = before.set_index("id").drop(index=removed_id).sort_index()
    pd.testing.assert_frame_equal(after.drop(index=new_id), kept)
    assert after.loc[app_id, "origin"] == "app"


def test_missing_kit_dir_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = load(capsys, tmp_path / "nope", tmp_path / "m.sqlite")
    assert code == EXIT_BAD_INPUT
    assert "폴더가 없습니다" in err


def test_unexpected_error_exit_1(capsys: pytest.CaptureFixture[str], kit_copy: Path, tmp_path: Path) -> None:
    folder = tmp_path / "a_directory"
    folder.mkdir()
    code, out, err = load(capsys, kit_copy, folder)
    assert code == EXIT_ERROR
    assert out == ""
    assert err.startswith("오류:")


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_moved_point_updated_on_reload(capsys: pytest.CaptureFixture[str], kit_copy: Path, tmp_path: Path) -> None:
    db = tmp_path / "m.sqlite"
    assert load(capsys, kit_copy, db)[0] == EXIT_OK
    path = kit_copy / "blind_spots.csv"
    spots = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    spots.loc[0, ["경도", "위도"]] = ["126.9000", "37.5660"]
    spots.to_csv(path, index=False, encoding="utf-8-sig")
    assert load(capsys, kit_copy, db)[0] == EXIT_OK
    stored = snapshot(db, ("blind_spots",))["blind_spots"]
    same = (stored["memo"] == spots.loc[0, "내용"]) & (stored["found_on"].astype(str) == spots.loc[0, "발견일"])
    first = stored[same].iloc[0]
    assert (first["lon"], first["lat"]) == pytest.approx((126.9, 37.566))
