"""Reports exported as CSV, XLSX or GeoJSON import back losing nothing the export carries."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from mapping.access import CLI_USER
from mapping.cli import main
from mapping.errors import ValidationError
from mapping.exports import export_reports
from mapping.kit.reader import read_kit, read_reports_file
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE, SAMPLE_KIT
from tests.helpers import staff_user


@pytest.fixture
def sample_store(backend_store: Store) -> Store:
    """The store's own tests run on both backends: the embedded SQLite file and PostgreSQL + PostGIS."""
    return backend_store


COMPARED = ["created_at", "finder", "activity", "field", "memo", "action", "status", "reported", "tong", "zone_id"]


@pytest.fixture
def empty_dong(tmp_path):
    """A store with the sample dong loaded but no reports."""
    kit = tmp_path / "kit"
    shutil.copytree(SAMPLE_KIT, kit)
    (kit / "reports.xlsx").unlink()
    store = open_store(tmp_path / "empty.sqlite")
    store.load_kit(read_kit(kit), user=CLI_USER)
    return store


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.sort_values(["created_at", "finder", "memo"])[COMPARED].reset_index(drop=True)
    return out.assign(reported=out["reported"].astype(bool), tong=out["tong"].astype("Int64"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
def test_round_trip_through_each_format(sample_store, empty_dong, tmp_path, fmt):
    reports = sample_store.reports(SAMPLE_CODE)
    reports.loc[reports.index[0], "memo"] = "=1+1 은 수식이 아니라 메모"
    path = export_reports(reports, tmp_path / f"out.{fmt}", fmt=fmt)
    frame = read_reports_file(path, staff_names=set(empty_dong.staff(SAMPLE_CODE)["name"]))
    assert empty_dong.import_reports(SAMPLE_CODE, frame, user=CLI_USER) == (90, 0)
    assert empty_dong.import_reports(SAMPLE_CODE, frame, user=CLI_USER) == (0, 90)  # again: nothing doubled
    pd.testing.assert_frame_equal(comparable(empty_dong.reports(SAMPLE_CODE)), comparable(reports), check_dtype=False)


def test_import_refuses_unknown_officers_naming_the_rows(sample_store, empty_dong, tmp_path):
    reports = sample_store.reports(SAMPLE_CODE)
    reports.loc[reports.index[[3, 7]], "finder"] = "외부인"
    path = export_reports(reports, tmp_path / "out.csv", fmt="csv")
    with pytest.raises(ValidationError, match=r"out.csv 5행 \[작성자\].*외부인") as info:
        read_reports_file(path, staff_names=set(empty_dong.staff(SAMPLE_CODE)["name"]))
    assert len(info.value.problems) == 2


def test_cli_import_reports(sample_store, empty_dong, tmp_path, capsys):
    path = export_reports(sample_store.reports(SAMPLE_CODE), tmp_path / "out.geojson", fmt="geojson")
    db = empty_dong.url.removeprefix("sqlite:///")
    assert main(["import-reports", str(path), "--db", db]) == 0
    assert "보고 90건을 가져왔습니다" in capsys.readouterr().out
    (tmp_path / "bad.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null}]}'
    )
    assert main(["import-reports", str(tmp_path / "bad.geojson"), "--db", db]) == 2


def test_import_keeps_the_assignee_and_writes_history(sample_store, empty_dong, tmp_path):
    reports = sample_store.reports(SAMPLE_CODE)
    reports.loc[reports.index[0], ["status", "assignee"]] = ["handed_over", "강도윤"]
    path = export_reports(reports, tmp_path / "out.xlsx", fmt="xlsx")
    frame = read_reports_file(path, staff_names=set(empty_dong.staff(SAMPLE_CODE)["name"]))
    empty_dong.import_reports(SAMPLE_CODE, frame, user=CLI_USER)
    first = reports.iloc[0]
    stored = empty_dong.reports(SAMPLE_CODE)
    handed = stored[(stored["created_at"] == first["created_at"]) & (stored["memo"] == first["memo"])]
    assert list(handed["status"]) == ["handed_over"] and list(handed["assignee"]) == ["강도윤"]
    assert list(empty_dong.report_history(int(handed["id"].iloc[0]))["action"]) == ["import"]
    assert "강도윤" in empty_dong.inbox(SAMPLE_CODE, user=staff_user("강도윤"))["assigned"]["assignee"].tolist()


def test_a_report_without_activity_or_field_imports(sample_store, empty_dong, tmp_path):
    reports = sample_store.reports(SAMPLE_CODE).head(3)
    reports.loc[reports.index[0], ["activity", "field"]] = [None, None]
    path = export_reports(reports, tmp_path / "out.csv", fmt="csv")
    frame = read_reports_file(path, staff_names=set(empty_dong.staff(SAMPLE_CODE)["name"]))
    assert empty_dong.import_reports(SAMPLE_CODE, frame, user=CLI_USER) == (3, 0)
