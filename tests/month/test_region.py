"""The gu's and the city's month: the dongs' own 취합 added up, the steps by the 5th/7th/10th, who may read it."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from mapping.access import CLI_USER, PUBLIC_USER, User
from mapping.cli import main
from mapping.domain import FIELDS
from mapping.errors import AccessError
from mapping.kit.reader import read_kit
from mapping.month.aggregation import monthly_sheet_for
from mapping.month.deadlines import DONE, LATE, OVERDUE, OutingTarget, weekly_outings
from mapping.month.region import ACTIVITY_COLUMNS, SUBTOTAL, export_region_xlsx, outing_rates, region_month_for
from mapping.store import Store, open_store
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user
from tests.kits import BANGHAK3, write_small_kit

DOBONG, MAPO = "11320", "11440"
SSANGMUN1 = "1132066000"  # 도봉구 쌍문1동: a second dong of the gu
MONTH = "2026-10"
GU_DOBONG = User("gu-dobong", "도봉구 담당", "gu", gu_code=DOBONG)
CITY = User("city-seoul", "서울시 담당", "city")
STAFF = [
    ("동장", "가상동장", "동장", "주민자치", "1", "가상주무"),
    ("행정민원팀", "가상팀장", "팀장", "민원", "2", "가상주무"),
    ("행정민원팀", "가상주무", "주무관", "청소", "3,4", "가상팀장"),
]
# (dong, finder, day of October, field, submitted)
FILED = [
    (BANGHAK3, "가상주무", 6, "환경", True),
    (BANGHAK3, "가상주무", 7, "복지", True),
    (BANGHAK3, "가상팀장", 14, "안전", True),
    (BANGHAK3, "가상주무", 20, "안전", False),  # its 활동보고서 not submitted: not counted anywhere
    (SSANGMUN1, "가상주무", 8, "민원", True),
    (SSANGMUN1, "가상동장", 21, "환경", True),
]


@pytest.fixture(scope="module")
def region_db(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Path:
    """The sample dong (마포구) and two 도봉구 dongs, with October reports filed in the 도봉구 dongs."""
    folder = tmp_path_factory.mktemp("region")
    db = folder / "region.sqlite"
    shutil.copy(sample_db, db)
    store = open_store(db)
    for code in (BANGHAK3, SSANGMUN1):
        store.load_kit(read_kit(write_small_kit(folder / code, code, staff=STAFF)), user=CLI_USER)
    for code, finder, day, field, submitted in FILED:
        where = store.tongs(code).geometry.representative_point().iloc[0]
        role = {"가상동장": "dong_head", "가상팀장": "team_leader", "가상주무": "officer"}[finder]
        user = staff_user(finder, code=code, role=role)
        report = store.file_report(
            code,
            lonlat=(where.x, where.y),
            memo=f"{finder} {day}일",
            field=field,
            user=user,
            created_at=dt.datetime(2026, 10, day, 10, 0),
            has_resident=False,
        )
        if submitted:
            store.mark_reported([report], user=user)
    store.close()
    return db


@pytest.fixture
def store(region_db: Path, tmp_path: Path) -> Store:
    shutil.copy(region_db, tmp_path / "s.sqlite")
    return open_store(tmp_path / "s.sqlite")


def test_gu_sheet_is_the_sum_of_its_dongs_sheets(store: Store) -> None:
    region = region_month_for(store, DOBONG, month=MONTH, user=GU_DOBONG, today=dt.date(2026, 11, 20))
    units = region.by_field[region.by_field["kind"] == "unit"].set_index("코드")
    assert len(units) == 14  # every dong of 도봉구, loaded or not
    for column in (*FIELDS.labels,):
        dongs = sum(
            int(monthly_sheet_for(store, c, month=MONTH).by_field[column].iloc[-1]) for c in (BANGHAK3, SSANGMUN1)
        )
        assert int(region.by_field[column].iloc[-1]) == dongs, column
    assert region.total == 5  # the unsubmitted report is left out, as in the dongs' own sheets
    assert units.loc[BANGHAK3, SUBTOTAL] == 3 and units.loc[SSANGMUN1, SUBTOTAL] == 2
    assert units.loc[BANGHAK3, "안전"] == 1 and units.loc[SSANGMUN1, "민원"] == 1
    assert units.drop([BANGHAK3, SSANGMUN1])[SUBTOTAL].sum() == 0
    assert SAMPLE_CODE not in units.index  # 마포구's dong is not 도봉구's
    by_activity = region.by_activity.set_index("코드")
    assert by_activity.loc[BANGHAK3, list(ACTIVITY_COLUMNS)].sum() == 3


def test_city_sheet_has_every_gu_and_equals_the_gu_sheets(store: Store) -> None:
    city = region_month_for(store, None, month=MONTH, user=CITY, today=dt.date(2026, 11, 20))
    gus = city.by_field[city.by_field["kind"] == "unit"].set_index("코드")
    assert len(gus) == 25
    for gu in (DOBONG, MAPO):
        assert gus.loc[gu, SUBTOTAL] == region_month_for(store, gu, month=MONTH, user=CITY).total
    assert city.total == gus[SUBTOTAL].sum()
    progress = city.progress.set_index("코드")
    assert progress.loc[DOBONG, "불러온 동"] == 2 and progress.loc[DOBONG, "동"] == 14


def test_steps_judged_by_the_5th_7th_10th(store: Store) -> None:
    sheet = monthly_sheet_for(store, BANGHAK3, month=MONTH)
    store.clock = lambda: dt.datetime(2026, 11, 4, 17, 0)  # the store's one clock
    store.confirm_aggregation(BANGHAK3, sheet, user=staff_user("가상팀장", code=BANGHAK3, role="team_leader"))
    store.clock = lambda: dt.datetime(2026, 11, 6, 9, 0)
    late = monthly_sheet_for(store, SSANGMUN1, month=MONTH)
    store.confirm_aggregation(SSANGMUN1, late, user=staff_user("가상팀장", code=SSANGMUN1, role="team_leader"))
    region = region_month_for(store, DOBONG, month=MONTH, user=GU_DOBONG, today=dt.date(2026, 11, 12))
    progress = region.progress.set_index("코드")
    assert progress.loc[BANGHAK3, "취합"] == DONE and progress.loc[BANGHAK3, "취합 확정일"] == dt.date(2026, 11, 4)
    assert progress.loc[SSANGMUN1, "취합"] == LATE
    assert progress.loc[BANGHAK3, "회의"] == OVERDUE and progress.loc[BANGHAK3, "사례"] == OVERDUE
    assert progress.loc["1132051100", "자료"] == "미등록"


def test_outing_rates_agree_with_the_dong_page(store: Store) -> None:
    today = dt.date(2026, 11, 20)
    staff = store.staff(BANGHAK3).assign(dong_code=BANGHAK3)
    reports = store.reports(BANGHAK3)
    walks = store.walks(BANGHAK3)
    page = weekly_outings(reports, walks, staff, month=MONTH, target=OutingTarget(), today=today)
    days = (
        reports.assign(day=reports["created_at"].dt.normalize())
        .groupby(["dong_code", "finder", "day"])
        .size()
        .rename("n")
        .reset_index()
    )
    rates = outing_rates(days, walks, staff, {}, month=MONTH, today=today)
    assert rates.loc[BANGHAK3, "met"] == int((page["미달"] == 0).sum())
    weeks = len([c for c in page.columns if c.endswith(tuple("0123456789")) and "주" in c])
    on_target = sum(int((page[c] >= 1).sum()) for c in page.columns if "주 " in c)
    assert rates.loc[BANGHAK3, "rate"] == pytest.approx(on_target / (len(staff) * weeks))


@pytest.mark.parametrize(
    ("user", "gu", "allowed"),
    [
        (GU_DOBONG, DOBONG, True),
        (GU_DOBONG, MAPO, False),  # another gu
        (GU_DOBONG, None, False),  # the city
        (CITY, DOBONG, True),
        (CITY, None, True),
        (staff_user("가상동장", code=BANGHAK3, role="dong_head"), DOBONG, False),  # a dong's staff: their dong only
        (PUBLIC_USER, None, False),
    ],
)
def test_who_reads_a_region(store: Store, user: User, gu: str | None, allowed: bool) -> None:
    codes = {DOBONG: [BANGHAK3], MAPO: [SAMPLE_CODE], None: [BANGHAK3, SAMPLE_CODE]}[gu]
    reads = (
        lambda: region_month_for(store, gu, month=MONTH, user=user),
        lambda: store.region_counts(codes, month=MONTH, user=user),
        lambda: store.region_progress(codes, MONTH, user=user),
    )
    for read in reads:  # the page's figures and the store's own reads: the same answer
        if allowed:
            read()
        else:
            with pytest.raises(AccessError):
                read()


def test_region_reads_are_counts_never_reports(store: Store) -> None:
    counts = store.region_counts([BANGHAK3, SSANGMUN1, SAMPLE_CODE], month=MONTH, user=CITY)
    assert set(counts["month"].columns) == {"dong_code", "zone_id", "field", "activity", "n"}
    assert set(counts["days"].columns) == {"dong_code", "finder", "day", "n"}
    assert int(counts["month"].loc[counts["month"]["dong_code"] == BANGHAK3, "n"].sum()) == 3  # submitted only
    assert int(counts["days"].loc[counts["days"]["dong_code"] == BANGHAK3, "n"].sum()) == 4  # every report filed


def test_gu_monthly_xlsx_prints_the_same_totals(
    store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "구취합.xlsx"
    code = main(
        [
            "gu-monthly",
            "--gu",
            DOBONG,
            "--month",
            MONTH,
            "--out",
            str(out),
            "--db",
            store.url.removeprefix("sqlite:///"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    ws = load_workbook(out)["분야별"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[0] == "동")
    assert rows[head][1:8] == [SUBTOTAL, *FIELDS.labels]
    total = next(r for r in rows if r[0] == "합계")
    assert total[1] == 5 and total[2:8] == [
        int(region_month_for(store, DOBONG, month=MONTH, user=CLI_USER).by_field[c].iloc[-1]) for c in FIELDS.labels
    ]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert sorted(load_workbook(out).sheetnames) == sorted(["분야별", "활동유형별", "진행"])
    assert "2026년 10월" in rows[0][0] and "도봉구" in rows[0][0]


def test_gu_monthly_refuses_an_unknown_gu(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "gu-monthly",
            "--gu",
            "99999",
            "--month",
            MONTH,
            "--out",
            str(tmp_path / "g.xlsx"),
            "--db",
            str(tmp_path / "m.sqlite"),
        ]
    )
    assert code == 2
    assert "99999" in capsys.readouterr().err
    assert not (tmp_path / "g.xlsx").exists()


def test_city_xlsx_lists_each_gu_with_its_steps(store: Store, tmp_path: Path) -> None:
    city = region_month_for(store, None, month=MONTH, user=CITY, today=dt.date(2026, 11, 20))
    ws = load_workbook(export_region_xlsx(city, tmp_path / "c.xlsx"))["진행"]
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "도봉구" in values and "마포구" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    pd.testing.assert_series_equal(city.previous["이름"], city.by_field["이름"])


def test_dong_states_for_the_gu_administrator(store: Store) -> None:
    gu_admin = User("admin-dobong", "도봉구 관리자", None, admin=True, gu_code=DOBONG)
    states = store.dong_states(DOBONG, user=gu_admin).set_index("dong_code")
    assert len(states) == 14 and states["loaded"].sum() == 2
    assert states.loc[BANGHAK3, "staff"] == 3 and states.loc[BANGHAK3, "zones"] == 3
    assert states.loc[BANGHAK3, "unowned_tongs"] == 2  # the kit's six tongs, four of them held (1, 2, 3, 4)
    assert states.loc[BANGHAK3, "last_report"].date() == dt.date(2026, 10, 20)
    assert pd.isna(states.loc["1132051100", "loaded_at"])  # a dong of the gu with no kit yet
    with pytest.raises(AccessError):  # another gu's administrator
        store.dong_states(MAPO, user=gu_admin)
    with pytest.raises(AccessError):  # a dong's officer
        store.dong_states(DOBONG, user=staff_user("가상주무", code=BANGHAK3, role="officer"))
    assert len(store.dong_states(DOBONG, user=GU_DOBONG)) == 14


def test_region_map_greys_dongs_without_a_kit_and_reports_the_dong_a_click_picks(store: Store) -> None:
    from mapping.month.region import build_region_map, region_units

    region = region_month_for(store, DOBONG, month=MONTH, user=GU_DOBONG, today=dt.date(2026, 11, 20))
    units = region_units(region, by="dong", measure="total")
    assert len(units) == 14 and units["value"].notna().sum() == 2  # 12 dongs with no kit: no value, not 0
    assert units.set_index("code").loc[BANGHAK3, "value"] == 3
    html = build_region_map(region, by="dong", measure="total").get_root().render()
    assert html.count('"className": "no-data"') == 1  # the 12 dongs with no kit, one grey area
    assert f'"{BANGHAK3}"' in html and "properties: {unit: unit[3]}" in html  # a click names the dong
    with pytest.raises(ValueError, match="구 현황"):
        region_units(region, by="gu")
