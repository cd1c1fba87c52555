"""Many kits in one ``load``: each all-or-nothing, a summary table, exit 2 when any was refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from mapping.access import CLI_USER
from mapping.cli import main
from mapping.cli.common import EXIT_BAD_INPUT, EXIT_OK
from mapping.kit.batch import kit_folders, load_kits
from mapping.store import open_store
from tests.conftest import SAMPLE_CODE, SAMPLE_KIT
from tests.kits import BANGHAK3, write_banghak3


@pytest.fixture
def kits(tmp_path: Path) -> Path:
    """A folder of three kits: the sample dong, 방학3동, and a copy of 방학3동's kit with a broken staff list."""
    folder = tmp_path / "kits"
    shutil.copytree(SAMPLE_KIT, folder / "a_sample")
    write_banghak3(folder / "b_banghak3")
    broken = shutil.copytree(folder / "b_banghak3", folder / "c_broken")
    staff = pd.read_csv(broken / "staff.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    staff.loc[0, "담당통"] = "99"
    staff.to_csv(broken / "staff.csv", index=False, encoding="utf-8-sig")
    (folder / "notes").mkdir()  # not a kit: ignored inside a folder of kits
    return folder


def test_folder_of_kits_expands_to_each_kit_in_name_order(kits: Path) -> None:
    assert [p.name for p in kit_folders([kits])] == ["a_sample", "b_banghak3", "c_broken"]
    assert kit_folders([kits / "b_banghak3", kits, kits / "b_banghak3"])[0].name == "b_banghak3"
    assert len(kit_folders([kits / "b_banghak3", kits])) == 3  # each kit once


def test_refused_kit_changes_nothing_and_the_rest_load(kits: Path, tmp_path: Path, capsys) -> None:
    db = tmp_path / "m.sqlite"
    code = main(["load", str(kits), "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert "키트 3개: 불러옴 2, 거부 1" in out
    assert "c_broken" in out and "거부" in out and "오류 1건" in out
    assert "c_broken" in err and "담당통" in err  # the refused kit's problems, by file and column
    store = open_store(db)
    assert set(store.dongs()["dong_code"]) == {SAMPLE_CODE, BANGHAK3}


def test_refused_reload_keeps_what_was_loaded(kits: Path, tmp_path: Path) -> None:
    store = open_store(tmp_path / "m.sqlite")
    first = load_kits(store, [kits / "b_banghak3"], user=CLI_USER)
    assert first[0].loaded
    staff_before = store.staff(BANGHAK3)
    outcome = load_kits(store, [kits / "c_broken", kits / "a_sample"], user=CLI_USER)
    assert [o.loaded for o in outcome] == [False, True]
    assert outcome[0].problems and "담당통" in outcome[0].refusal
    pd.testing.assert_frame_equal(store.staff(BANGHAK3), staff_before)


def test_all_loaded_exit_0(kits: Path, tmp_path: Path, capsys) -> None:
    code = main(["load", str(kits / "a_sample"), str(kits / "b_banghak3"), "--db", str(tmp_path / "m.sqlite")])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "키트 2개: 불러옴 2, 거부 0" in out
