"""The month's 취합: the source's example month (289 activities, 23 officers, 3 teams), read back from XLSX."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook

from mapping.access import CLI_USER
from mapping.kit.reader import read_kit
from mapping.month.aggregation import (
    ACTIVITY_COLUMNS,
    FIELD_COLUMNS,
    build_monthly_sheet,
    credit_reports,
    export_monthly_xlsx,
    format_tongs,
    monthly_sheet_for,
    parse_month,
)
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE, SAMPLE_KIT
from tests.helpers import staff_user

# The source's example month: 289 activities by field, 23 officers in 3 teams.
EXAMPLE = {"복지": 124, "환경": 129, "안전": 5, "민원": 1, "홍보": 4, "일반": 26}
TEAMS = {"행정민원팀": 8, "맞춤형복지팀": 8, "주민자치팀": 7}
MONTH = "2026-10"


def _example_staff() -> pd.DataFrame:
    """23 invented officers; the 36 sample tongs shared out (the first 13 get two, the rest one)."""
    rows, tong = [], 1
    for team, size in TEAMS.items():
        for i in range(size):
            n = len(rows)
            count = 2 if n < 13 else 1
            tongs = list(range(tong, tong + count))
            tong += count
            rows.append(
                {
                    "팀명": team,
                    "성명": f"{team[:2]}주무관{i + 1:02d}",
                    "역할": "팀장" if i == 0 else "주무관",
                    "담당업무": "복지" if "복지" in team else "청소",
                    "연락처": f"02-0000-{4000 + n}",
                    "담당통": ",".join(map(str, tongs)),
                    "대직자": None,
                }
            )
    staff = pd.DataFrame(rows)
    staff["대직자"] = [*staff["성명"].iloc[1:], staff["성명"].iloc[0]]
    return staff


def _example_reports(staff: pd.DataFrame, tongs: gpd.GeoDataFrame) -> pd.DataFrame:
    """289 submitted activities of the month placed in their officer's tong, and noise that must not count."""
    spot = {int(t): g.representative_point() for t, g in zip(tongs["tong"], tongs.geometry, strict=True)}
    fields = [f for f, n in EXAMPLE.items() for _ in range(n)]
    activities = ["주민소통창구", "생활민원청취", "돌봄이웃발견", "복지자원조사", "동네일기"]
    rows = []

    def add(i: int, officer: int, field: str, *, day: dt.datetime, status: str = "종료", reported: str = "Y") -> None:
        person = staff.iloc[officer]
        tong = int(person["담당통"].split(",")[0])
        rows.append(
            {
                "일시": f"{day:%Y-%m-%d %H:%M}",
                "작성자": person["성명"],
                "경도": spot[tong].x,
                "위도": spot[tong].y,
                "활동유형": activities[i % len(activities)],
                "분야": field,
                "내용": f"[샘플] 예시 활동 {i}",
                "상태": status,
                "보고완료": reported,
            }
        )

    for i, field in enumerate(fields):
        add(i, i % len(staff), field, day=dt.datetime(2026, 10, 1 + i % 31, 9 + i % 8, 0))
    for i in range(12):  # written in the month but their 활동보고서 was never submitted
        add(1000 + i, i % len(staff), "복지", day=dt.datetime(2026, 10, 20, 10), status="접수", reported="N")
    for i in range(4):  # the same activity filed twice
        add(2000 + i, i, "환경", day=dt.datetime(2026, 10, 21, 10), status="중복")
    for i, day in enumerate((dt.datetime(2026, 9, 30, 23, 59), dt.datetime(2026, 11, 1, 0, 0))):  # next door months
        add(3000 + i, i, "안전", day=day)
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def example_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    folder = tmp_path_factory.mktemp("example") / "kit"
    shutil.copytree(SAMPLE_KIT, folder)
    staff = _example_staff()
    staff.to_csv(folder / "staff.csv", index=False, encoding="utf-8-sig")
    (folder / "reports.xlsx").unlink()
    _example_reports(staff, gpd.read_file(folder / "tongs.geojson")).to_csv(
        folder / "reports.csv", index=False, encoding="utf-8-sig"
    )
    store = open_store(tmp_path_factory.mktemp("db") / "example.sqlite")
    store.load_kit(read_kit(folder), user=CLI_USER)
    return store


def _read_table(path: Path, sheet: str) -> list[dict[str, object]]:
    """The sheet's rows as dicts under the two-row heading, the merged team name carried down."""
    ws = load_workbook(path)[sheet]
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == "팀명")
    heading = ["팀명", "성명", *rows[top + 1][2:]]
    for j, label in enumerate(rows[top]):
        if label and j >= 2 and not heading[j]:
            heading[j] = label
    out, team = [], None
    for r in rows[top + 2 :]:
        if not any(v is not None for v in r[1:3]):
            break
        team = r[0] if r[0] is not None else team
        out.append(dict(zip(heading, (team, *r[1:]), strict=True)))
    return out


def test_example_month_totals_read_back_from_xlsx(example_store: Store, tmp_path: Path) -> None:
    sheet = monthly_sheet_for(example_store, SAMPLE_CODE, month=MONTH)
    path = export_monthly_xlsx(sheet, tmp_path / "취합.xlsx")
    rows = _read_table(path, "분야별")
    grand = rows[-1]
    assert grand["팀명"] == "합계"
    assert {f: grand[f] for f in FIELD_COLUMNS} == EXAMPLE
    assert grand["계"] == 289 == sheet.total
    officers = [r for r in rows if r["성명"] not in ("소계", None, "")]
    assert len(officers) == 23
    assert {r["팀명"] for r in officers} == set(TEAMS)
    assert sum(r["계"] for r in officers) == 289


def test_team_subtotals_add_up(example_store: Store, tmp_path: Path) -> None:
    path = export_monthly_xlsx(monthly_sheet_for(example_store, SAMPLE_CODE, month=MONTH), tmp_path / "m.xlsx")
    for sheet_name, columns in (("분야별", FIELD_COLUMNS), ("활동유형별", ACTIVITY_COLUMNS)):
        rows = _read_table(path, sheet_name)
        subtotals = [r for r in rows if r["성명"] == "소계"]
        assert [r["팀명"] for r in subtotals] == list(TEAMS)
        for sub in subtotals:
            members = [r for r in rows if r["팀명"] == sub["팀명"] and r["성명"] != "소계"]
            assert len(members) == TEAMS[sub["팀명"]]
            for column in ("계", *columns):
                assert sub[column] == sum(r[column] for r in members), (sheet_name, sub["팀명"], column)
            assert sub["계"] == sum(sub[c] for c in columns)
        assert rows[-1]["계"] == sum(r["계"] for r in subtotals) == 289


def test_unsubmitted_duplicate_and_other_months_are_not_counted(example_store: Store) -> None:
    sheet = monthly_sheet_for(example_store, SAMPLE_CODE, month=MONTH)
    assert sheet.unreported == 12
    assert len(sheet.counted) == 289
    assert not sheet.counted["memo"].str.contains("예시 활동 (?:1|2|3)0\\d\\d", regex=True).any()
    nothing = monthly_sheet_for(example_store, SAMPLE_CODE, month="2026-12")
    assert nothing.total == 0 and len(nothing.by_field) == 23 + 3 + 1  # everyone is listed, with zeros


def test_sheet_is_the_programmes_form(example_store: Store, tmp_path: Path) -> None:
    path = export_monthly_xlsx(monthly_sheet_for(example_store, SAMPLE_CODE, month=MONTH), tmp_path / "m.xlsx")
    ws = load_workbook(path)["분야별"]
    assert "2026년 10월" in ws["A1"].value and "취합" in ws["A1"].value
    heading = [c.value for c in ws[4]]
    assert heading[:3] == ["팀명", "성명", "활동실적"] and heading[9:11] == ["담당통", "대직자"]
    assert [c.value for c in ws[5]][2:9] == ["계", *FIELD_COLUMNS]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A5", "B4:B5", "C4:I4", "J4:J5", "K4:K5"} <= merged
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.print_title_rows == "$4:$5"  # the heading repeats on every printed page
    first = _read_table(path, "분야별")[0]
    assert first["담당통"] == "1, 2" and first["대직자"] == "행정주무관02"
    assert [c.value for c in load_workbook(path)["활동유형별"][5]][2:8] == ["계", *ACTIVITY_COLUMNS]


def _ownership(*rows: tuple[int, str, str, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        [(t, o, pd.Timestamp(s), pd.Timestamp(u) if u else None) for t, o, s, u in rows],
        columns=["tong", "officer", "since", "until"],
    )


def _reports(*rows: tuple[str, int | None, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "id": i,
                "created_at": pd.Timestamp(at),
                "tong": tong,
                "finder": finder,
                "field": "welfare",
                "activity": "counter",
                "status": "closed",
                "reported": True,
            }
            for i, (at, tong, finder) in enumerate(rows, 1)
        ]
    )


def test_mid_month_reassignment_credits_each_owner_for_their_days() -> None:
    ownership = _ownership(
        (1, "김앞", "2026-09-01 09:00", "2026-10-15 12:00"),
        (1, "이뒤", "2026-10-15 12:00", None),
        (2, "김앞", "2026-09-01 09:00", None),
    )
    reports = _reports(
        ("2026-10-03 10:00", 1, "김앞"),
        ("2026-10-15 11:59", 1, "김앞"),
        ("2026-10-15 12:00", 1, "김앞"),  # written by the former owner after the hand-over: the new owner's
        ("2026-10-20 10:00", 1, "이뒤"),
        ("2026-10-21 10:00", 2, "이뒤"),  # the new officer helping in a tong still the former's
        ("2026-10-22 10:00", None, "박밖"),  # outside every tong: the finder's
    )
    assert list(credit_reports(reports, ownership)) == ["김앞", "김앞", "이뒤", "이뒤", "김앞", "박밖"]
    staff = pd.DataFrame({"name": ["김앞", "이뒤"], "team": ["복지팀", "복지팀"], "substitute": ["이뒤", "김앞"]})
    sheet = build_monthly_sheet(reports, staff, ownership, month="2026-10", dong="테스트동")
    table = sheet.by_field.set_index("성명")
    assert table.loc["김앞", "계"] == 3 and table.loc["이뒤", "계"] == 2
    assert table.loc["박밖", "팀명"] == "명단 외" and table.loc["박밖", "계"] == 1
    assert table.loc["김앞", "담당통"] == "1, 2" and table.loc["이뒤", "담당통"] == "1"


def test_reports_before_the_first_record_go_to_the_first_owner() -> None:
    ownership = _ownership((1, "김앞", "2026-11-20 09:00", None))  # the kit was loaded after the month
    reports = _reports(("2026-10-03 10:00", 1, "대신쓴사람"))
    assert list(credit_reports(reports, ownership)) == ["김앞"]


def test_a_tong_left_unowned_credits_the_finder() -> None:
    ownership = _ownership((1, "김앞", "2026-09-01", "2026-10-10"))
    reports = _reports(("2026-10-12 10:00", 1, "이뒤"))
    assert list(credit_reports(reports, ownership)) == ["이뒤"]


def test_reassignment_in_the_store_credits_both_officers(sample_store: Store) -> None:
    code = SAMPLE_CODE
    zone = sample_store.zones(code).set_index("officer").loc["조예린"]
    point = sample_store.tongs(code).set_index("tong").loc[int(zone["tongs"][0]), "geometry"].representative_point()
    before_at = dt.datetime.now().replace(microsecond=0) - dt.timedelta(seconds=2)
    first = sample_store.file_report(
        code,
        lonlat=(point.x, point.y),
        memo="인계 전 활동",
        field="환경",
        user=staff_user("조예린"),
        created_at=before_at,
    )
    sample_store.reassign(code, zone["zone_id"], "신유나", user=CLI_USER)
    after_at = dt.datetime.now().replace(microsecond=0) + dt.timedelta(seconds=2)
    second = sample_store.file_report(
        code,
        lonlat=(point.x, point.y),
        memo="인계 뒤 대신 쓴 활동",
        field="환경",
        user=staff_user("조예린"),
        created_at=after_at,
    )
    sample_store.mark_reported(
        [first, second],
        user=staff_user("조예린"),
    )
    sheet = monthly_sheet_for(sample_store, code, month=after_at.strftime("%Y-%m"))
    credited = sheet.counted.set_index("id")["credited"]
    assert credited[first] == "조예린" and credited[second] == "신유나"
    assert str(zone["tongs"][0]) in sheet.by_field.set_index("성명").loc["신유나", "담당통"]


def test_formats_and_bad_months() -> None:
    assert format_tongs([7, 1, 2, 3, 9, 10]) == "1~3, 7, 9, 10"
    assert parse_month("2026.10").strftime("%Y-%m") == "2026-10"
    for bad in ("2026-13", "october", "1899-01"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_month(bad)


def test_month_counts_for_many_dongs_match_a_plain_crosstab() -> None:
    import numpy as np

    from mapping.month.aggregation import month_counts

    rng = np.random.default_rng(7)
    n = 5000
    at = np.sort(np.datetime64("2026-09-25") + rng.integers(0, 45 * 24 * 3600, n).astype("timedelta64[s]"))
    at[:2] = [np.datetime64("2026-09-30T23:59:59"), np.datetime64("2026-10-01T00:00:00")]
    at = np.sort(at)
    zone, field, reported = rng.integers(-1, 30, n), rng.integers(0, 6, n), rng.random(n) < 0.8
    table = month_counts(at, zone, field, reported, month="2026-10", zones=30, fields=6)
    frame = pd.DataFrame({"at": at, "zone": zone, "field": field, "reported": reported})
    mine = frame[
        (frame["at"] >= "2026-10-01") & (frame["at"] < "2026-11-01") & frame["reported"] & (frame["zone"] >= 0)
    ]
    expected = pd.crosstab(mine["zone"], mine["field"]).reindex(index=range(30), columns=range(6), fill_value=0)
    assert (table == expected.to_numpy()).all() and table.sum() == len(mine)
