"""mapping.exports: every public format, read back, holds no personal value and no live formula."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import LineString

from mapping.domain import OPEN_STATUSES, REPORT_STATUSES
from mapping.errors import CRSError
from mapping.exports import (
    DEFAULT_AGENCY,
    FORMATS,
    GEOJSON_KEYS,
    SHEET_COLUMNS,
    ExportError,
    export_reports,
)
from mapping.publish.privacy import assert_no_personal_values
from mapping.store import Store
from mapping.text import safe_cell
from tests.conftest import SAMPLE_CODE
from tests.helpers import without_crs

NAME, PHONE = "홍길동샘플", "010-9999-0000"
DANGEROUS = ['=HYPERLINK("http://evil")', "+1+1", "@SUM(A1)", "-2+3"]
XSS = "<script>alert(1)</script>"
TAB_TITLE = "\t탭으로 시작하는 제목"
LONG_MEMO = "가" * 100
OPEN311_KEYS = {
    "service_request_id",
    "service_code",
    "service_name",
    "status",
    "status_notes",
    "description",
    "requested_datetime",
    "updated_datetime",
    "lat",
    "long",
    "address",
    "media_url",
    "agency_responsible",
}
SUFFIX = {"csv": "csv", "xlsx": "xlsx", "geojson": "geojson", "open311": "json"}


@pytest.fixture
def reports(sample_store: Store) -> gpd.GeoDataFrame:
    """The sample reports with residents' contacts, formula-like memos and a tabbed title."""
    frame = sample_store.reports(SAMPLE_CODE).copy()
    idx = frame.index
    frame.loc[idx[:3], "resident_name"] = NAME
    frame.loc[idx[:3], "resident_phone"] = PHONE
    frame.loc[idx[:3], "has_resident"] = True
    for i, memo in enumerate([*DANGEROUS, XSS, LONG_MEMO]):
        frame.loc[idx[i], "memo"] = memo
    frame.loc[idx[6], "title"] = TAB_TITLE
    frame.loc[idx[7], "assignee"] = "담당자샘플"
    frame.loc[idx[8], "updated_at"] = pd.Timestamp("2026-10-02 09:30")
    return frame


def write(reports: gpd.GeoDataFrame, tmp_path: Path, fmt: str) -> Path:
    return export_reports(reports, tmp_path / f"reports.{SUFFIX[fmt]}", fmt=fmt)


def file_text(path: Path) -> str:
    """All text of a file; an XLSX is a zip, so every member is unpacked."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return path.read_bytes().decode("utf-8-sig")


def read_json(path: Path) -> object:
    return json.loads(path.read_text(encoding="utf-8"))


def kst(text: str) -> dt.datetime:
    stamp = dt.datetime.fromisoformat(text)
    assert stamp.utcoffset() == dt.timedelta(hours=9), text
    assert text.endswith("+09:00"), text
    return stamp


# ---- safe_cell -------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", *DANGEROUS])
def test_safe_cell_quotes_formula_starts(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["가로등", " =1", "1-1", "", XSS, -2, -2.5, 0, None, True])
def test_safe_cell_leaves_other_values_alone(value: object) -> None:
    assert safe_cell(value) == value
    assert type(safe_cell(value)) is type(value)


# ---- every format ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_value_in_any_format(reports: gpd.GeoDataFrame, tmp_path: Path, fmt: str) -> None:
    assert NAME in reports.to_csv(), "the fixture must hold personal values for this test to mean anything"
    path = write(reports, tmp_path, fmt)
    assert path.exists()
    assert_no_personal_values(file_text(path), [NAME, PHONE])
    assert NAME.encode() not in path.read_bytes()
    assert PHONE.encode() not in path.read_bytes()


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_does_not_mutate_its_input(reports: gpd.GeoDataFrame, tmp_path: Path, fmt: str) -> None:
    before = reports.copy(deep=True)
    write(reports, tmp_path, fmt)
    pd.testing.assert_frame_equal(pd.DataFrame(reports), pd.DataFrame(before))


def test_export_creates_the_folder(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = export_reports(reports, tmp_path / "a" / "b" / "r.csv", fmt="CSV")
    assert path == tmp_path / "a" / "b" / "r.csv"
    assert path.exists()


@pytest.mark.parametrize("fmt", ["pdf", "", "shp"])
def test_unknown_format_is_refused(reports: gpd.GeoDataFrame, tmp_path: Path, fmt: str) -> None:
    with pytest.raises(ValueError, match=r"지원하지 않습니다.*unsupported export format") as caught:
        export_reports(reports, tmp_path / "r.out", fmt=fmt)
    assert isinstance(caught.value, ExportError)
    assert not (tmp_path / "r.out").exists()


def test_a_frame_without_crs_is_refused(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    with pytest.raises(CRSError, match="좌표계"):
        export_reports(without_crs(reports), tmp_path / "r.csv", fmt="csv")


def test_missing_columns_and_non_points_are_named(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    broken = reports.drop(columns=["status"]).copy()
    broken.loc[broken.index[0], "geometry"] = LineString([(126.9, 37.56), (126.91, 37.57)])
    with pytest.raises(ExportError, match=r"'status' 열이 없습니다.*LineString"):
        export_reports(broken, tmp_path / "r.csv", fmt="csv")


def test_another_crs_is_written_as_lon_lat(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = export_reports(reports.to_crs("EPSG:5186"), tmp_path / "r.geojson", fmt="geojson")
    first = read_json(path)["features"][0]["geometry"]["coordinates"]
    assert first == pytest.approx([reports.geometry.iloc[0].x, reports.geometry.iloc[0].y], abs=1e-6)


# ---- CSV ---------------------------------------------------------------------------


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


def test_csv_has_a_bom_and_korean_headers(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = write(reports, tmp_path, "csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    table = read_csv(path)
    assert list(table.columns) == list(SHEET_COLUMNS)
    assert len(table) == len(reports)


def test_csv_defuses_formulas(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    table = read_csv(write(reports, tmp_path, "csv"))
    assert list(table["내용"].iloc[:4]) == ["'" + m for m in DANGEROUS]
    assert table["내용"].iloc[4] == XSS
    assert table["제목"].iloc[6] == "'" + TAB_TITLE
    for column in table.columns:
        assert not table[column].str.match(r"[=+@\t\r]").any(), column


def test_csv_values_are_labels_and_six_decimals(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    table = read_csv(write(reports, tmp_path, "csv"))
    first, row = reports.iloc[0], table.iloc[0]
    assert row["번호"] == str(first["id"])
    assert row["일시"] == first["created_at"].strftime("%Y-%m-%d %H:%M")
    assert row["경도"] == f"{first.geometry.x:.6f}"
    assert row["위도"] == f"{first.geometry.y:.6f}"
    assert row["상태"] == REPORT_STATUSES.label(first["status"])
    assert set(table["보고완료"]) <= {"Y", "N"}
    assert set(table["상태"]) <= set(REPORT_STATUSES.labels)


# ---- XLSX --------------------------------------------------------------------------


def test_xlsx_cells_are_strings_never_formulas(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write(reports, tmp_path, "xlsx")).active
    memo_col = list(SHEET_COLUMNS).index("내용") + 1
    for r, memo in enumerate(DANGEROUS, start=2):
        cell = sheet.cell(row=r, column=memo_col)
        assert cell.data_type == "s"
        assert cell.value == "'" + memo
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str):
                assert cell.data_type == "s", cell.coordinate
                assert not cell.value.startswith("="), cell.coordinate


def test_xlsx_header_is_bold_frozen_and_sized(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    sheet = openpyxl.load_workbook(write(reports, tmp_path, "xlsx")).active
    header = [c.value for c in sheet[1]]
    assert header == list(SHEET_COLUMNS)
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["F"].width == SHEET_COLUMNS["주소"]
    assert sheet.max_row == len(reports) + 1
    lon = sheet.cell(row=2, column=list(SHEET_COLUMNS).index("경도") + 1).value
    assert lon == pytest.approx(reports.geometry.iloc[0].x, abs=1e-6)


# ---- GeoJSON -----------------------------------------------------------------------


def test_geojson_has_one_feature_per_report(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    data = read_json(write(reports, tmp_path, "geojson"))
    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert [f["properties"]["id"] for f in features] == list(reports["id"])
    for feature, geom in zip(features, reports.geometry, strict=True):
        assert feature["geometry"]["type"] == "Point"
        assert feature["geometry"]["coordinates"] == pytest.approx([geom.x, geom.y], abs=1e-6)
        assert list(feature["properties"]) == list(GEOJSON_KEYS)
        kst(feature["properties"]["created_at"])


def test_geojson_keeps_keys_and_text_as_is(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    path = write(reports, tmp_path, "geojson")
    props = [f["properties"] for f in read_json(path)["features"]]
    assert props[0]["memo"] == DANGEROUS[0]
    assert props[4]["memo"] == XSS
    assert props[0]["status"] == reports["status"].iloc[0]
    assert "\\u" not in path.read_text(encoding="utf-8"), "Korean should be written as is"


# ---- Open311 -----------------------------------------------------------------------


def non_sensitive(reports: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The reports as if none could point at a vulnerable resident (all kept by Open311)."""
    # the sample's own 담당자 are cleared: only the one this module sets ("담당자샘플") stays
    return reports.assign(field="environment", activity="listening").assign(
        assignee=lambda r: r["assignee"].where(r["assignee"] == "담당자샘플")
    )


def test_open311_leaves_out_welfare_and_care_found_reports(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    mixed = non_sensitive(reports)
    mixed.loc[mixed.index[0], "field"] = "welfare"
    mixed.loc[mixed.index[1], "activity"] = "care_found"
    ids = {r["service_request_id"] for r in read_json(write(mixed, tmp_path, "open311"))}
    assert str(mixed["id"].iloc[0]) not in ids and str(mixed["id"].iloc[1]) not in ids
    assert len(ids) == len(mixed) - 2
    kept = read_json(write(mixed, tmp_path, "geojson"))["features"]  # staff exports keep them
    assert len(kept) == len(mixed)


def test_open311_leaves_out_unclassified_reports_and_residents_outside_public_fields(
    reports: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    mixed = non_sensitive(reports).assign(has_resident=True)
    mixed.loc[mixed.index[0], "field"] = None  # filed with 분야 "(나중에)"
    mixed.loc[mixed.index[1], "field"] = "general"  # 일반, a resident involved
    mixed.loc[mixed.index[2], ["field", "has_resident"]] = ["general", False]  # 일반, nobody involved
    ids = {r["service_request_id"] for r in read_json(write(mixed, tmp_path, "open311"))}
    first, second, third = (str(i) for i in mixed["id"].iloc[:3])
    assert first not in ids and second not in ids and third in ids


def test_open311_requests_have_the_v2_fields(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    reports = non_sensitive(reports)
    requests = read_json(write(reports, tmp_path, "open311"))
    assert isinstance(requests, list)
    assert len(requests) == len(reports)
    for request, (_, report) in zip(requests, reports.iterrows(), strict=True):
        assert set(request) >= OPEN311_KEYS, OPEN311_KEYS - set(request)
        assert request["service_request_id"] == str(report["id"])
        assert request["service_code"] == report["field"]
        assert request["status"] == ("open" if report["status"] in OPEN_STATUSES else "closed")
        assert request["status_notes"].startswith(REPORT_STATUSES.label(report["status"]))
        assert request["lat"] == pytest.approx(report.geometry.y, abs=1e-6)
        assert request["long"] == pytest.approx(report.geometry.x, abs=1e-6)
        assert request["media_url"] is None
        kst(request["requested_datetime"])
        kst(request["updated_datetime"])
    assert {r["status"] for r in requests} == {"open", "closed"}


def test_open311_times_description_and_agency(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    reports = non_sensitive(reports)
    requests = read_json(write(reports, tmp_path, "open311"))
    first = reports.iloc[0]
    assert kst(requests[0]["requested_datetime"]).replace(tzinfo=None) == first["created_at"]
    assert requests[0]["updated_datetime"] == requests[0]["requested_datetime"]
    assert requests[8]["updated_datetime"] == "2026-10-02T09:30:00+09:00"
    assert requests[5]["description"] == LONG_MEMO[:80]
    assert requests[6]["description"] == TAB_TITLE
    assert requests[7]["agency_responsible"] == "담당자샘플"
    assert requests[0]["agency_responsible"] == DEFAULT_AGENCY


def test_open311_uses_team_and_media_url_columns(reports: gpd.GeoDataFrame, tmp_path: Path) -> None:
    extra = non_sensitive(reports).assign(team="복지팀", media_url=None)
    extra.loc[extra.index[0], "media_url"] = "https://example.org/p.jpg"
    requests = read_json(write(extra, tmp_path, "open311"))
    assert requests[0]["media_url"] == "https://example.org/p.jpg"
    assert requests[1]["media_url"] is None
    assert requests[0]["agency_responsible"] == "복지팀"
    assert requests[7]["agency_responsible"] == "담당자샘플"
