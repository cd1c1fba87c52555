"""Every public output, scanned for every personal value in the store: none may appear.

Public outputs: the public map site (every file), the tour map of several zones, the dong poster,
and the HSDS 3.0 export.  Personal values (:func:`mapping.publish.privacy.personal_values_of`): household
names, phones and addresses, residents' names and phones on reports, report memos, the names and
phones of officers who did not agree to a public card, and resources marked 공개=N.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from mapping.access import CLI_USER
from mapping.publish.hsds import export_hsds
from mapping.publish.privacy import assert_no_personal_values, personal_values_of, public_view
from mapping.publish.public_site import export_public_site
from mapping.publish.tour_map import export_poster_pdf, export_tour_pdf
from mapping.store import Store
from tests.conftest import SAMPLE_CODE
from tests.helpers import staff_user

URL = "https://example.org/udongju/"
RESIDENT, RESIDENT_PHONE = "홍길순비밀", "010-9876-5432"
MEMO = "302호 할머니가 며칠째 식사를 못 하셨다고 이웃이 알려 줌"
PRIVATE_SHOP = "비공개나눔이웃김씨댁"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, sample_db: Path) -> Store:
    import shutil

    from mapping.store import open_store

    path = tmp_path_factory.mktemp("outputs") / "store.sqlite"
    shutil.copy(sample_db, path)
    store = open_store(path)
    centre = store.resources(SAMPLE_CODE).query("type == 'community_centre'").geometry.iloc[0]
    store.file_report(
        SAMPLE_CODE,
        lonlat=(centre.x + 0.001, centre.y),
        memo=MEMO,
        field="복지",
        resident_name=RESIDENT,
        resident_phone=RESIDENT_PHONE,
        user=staff_user("노아린"),
    )
    hidden = gpd.GeoDataFrame(
        {"kit_key": ["private-1"], "type": ["sharing_neighbour"], "name": [PRIVATE_SHOP], "address": ["성산동 비밀주소 9-9"],
         "phone": ["010-1111-2222"], "hours": [None], "public": [False]},
        geometry=[shapely.Point(centre.x - 0.001, centre.y)],
        crs="EPSG:4326",
    )  # fmt: skip
    store.import_resources(SAMPLE_CODE, hidden, source="test", user=CLI_USER)
    return store


@pytest.fixture(scope="module")
def personal(store: Store) -> set[str]:
    values = personal_values_of(store, SAMPLE_CODE, user=CLI_USER)
    households = store.households(SAMPLE_CODE, user=CLI_USER)
    expected = {
        RESIDENT,
        RESIDENT_PHONE,
        MEMO,
        PRIVATE_SHOP,
        "윤지호",
        "차은호",
        *households["name"],
        *households["phone"],
    }
    contacts = store.contacts(SAMPLE_CODE, user=CLI_USER)  # the zone contact book (issue 11)
    assert len(contacts) >= 10
    expected |= set(contacts["name"]) | set(contacts["phone"].dropna())
    assert expected <= values  # the scan looks for what matters
    return values


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _folder_text(folder: Path) -> str:
    return "\n".join(
        p.read_text(encoding="utf-8-sig")
        for p in sorted(folder.rglob("*"))
        if p.suffix in {".html", ".js", ".csv", ".json"} and "vendor" not in p.parts
    )


def test_public_site_holds_no_personal_value(store: Store, personal: set[str], tmp_path: Path) -> None:
    view = public_view(store, SAMPLE_CODE)
    export_public_site(view, tmp_path, personal_values=personal)  # its own guard passes …
    assert_no_personal_values(_folder_text(tmp_path), personal)  # … and so does the scan of every file
    rows = (tmp_path / "counts.csv").read_text(encoding="utf-8-sig").splitlines()[1:]
    cells = [c for row in rows for c in row.split(",")[1:]]
    assert all(c == "*" or int(c) == 0 or int(c) >= 5 for c in cells)  # no small count published


@pytest.mark.parametrize("officer", ["윤지호", "차은호", "오민재"])  # two declined a public card; one has move-ins
def test_tour_maps_hold_no_personal_value(store: Store, personal: set[str], tmp_path: Path, officer: str) -> None:
    zone_id = store.zones(SAMPLE_CODE).set_index("officer").loc[officer, "zone_id"]
    pdf = export_tour_pdf(public_view(store, SAMPLE_CODE), tmp_path / "tour.pdf", zone_id=zone_id, public_url=URL)
    text = _pdf_text(pdf)
    assert zone_id in text
    assert_no_personal_values(text, personal)


def test_poster_holds_no_personal_value(store: Store, personal: set[str], tmp_path: Path) -> None:
    text = _pdf_text(export_poster_pdf(public_view(store, SAMPLE_CODE), tmp_path / "poster.pdf", public_url=URL))
    assert "우리동네주무관" in text
    assert_no_personal_values(text, personal)


def test_hsds_export_holds_no_personal_value(store: Store, personal: set[str], tmp_path: Path) -> None:
    export_hsds(store.resources(SAMPLE_CODE), tmp_path, dong_name="서울특별시 마포구 성산2동")
    text = _folder_text(tmp_path)
    assert "약국" in text
    assert_no_personal_values(text, personal)


def test_the_scan_would_catch_a_leak(personal: set[str]) -> None:
    with pytest.raises(AssertionError, match=RESIDENT):
        assert_no_personal_values(f"… 방문 대상: {RESIDENT} …", personal)
    with pytest.raises(AssertionError):
        assert_no_personal_values("연락처 01098765432", personal)  # digits only still match
