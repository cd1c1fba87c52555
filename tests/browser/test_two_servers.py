"""Two app servers, one store: a gu's deployment runs several Streamlit processes over one PostgreSQL + PostGIS
database and one photo folder (issue [14]).  What one server writes, the other shows on its next run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, STAFF_ACCOUNTS, guarded_page, log_in, serve_app
from tests.browser.test_report_flow import choose, go, map_frame
from tests.conftest import SAMPLE_KIT
from tests.test_photos import jpeg_with_gps


@pytest.fixture(scope="module")
def shared_store(pg_cluster, pg_sample_template, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path, str]:
    """A PostgreSQL store of the sample dong with the sample staff's accounts, the photo folder both servers share,
    and the label of 조예린's zone as the hand-over select shows it."""
    from mapping.access import CLI_USER
    from mapping.store import open_store
    from tests.helpers import SAMPLE_DONG, SAMPLE_ROLES

    url = pg_cluster.new_database(template=pg_sample_template)
    store = open_store(url)
    for account, name in STAFF_ACCOUNTS.items():
        store.create_account(
            account, name=name, password=PASSWORD, role=SAMPLE_ROLES[name], staff_name=name, dong_code=SAMPLE_DONG,
            user=CLI_USER,
        )  # fmt: skip
    zones = store.zones(SAMPLE_DONG)
    store.close()
    zone_id = str(zones.set_index("officer").loc["조예린", "zone_id"])
    return url, tmp_path_factory.mktemp("shared-photos"), f"{zone_id} · 조예린"


@pytest.fixture(scope="module")
def two_servers(shared_store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    url, photos, _ = shared_store
    env = {"MAPPING_PHOTOS": str(photos)}
    with (
        serve_app(url, tmp_path_factory.mktemp("log1"), env=env) as first,
        serve_app(url, tmp_path_factory.mktemp("log2"), env=env) as second,
    ):
        assert first != second
        yield first, second


def test_a_report_and_a_hand_over_on_one_server_show_on_the_other(browser, shared_store, two_servers, tmp_path) -> None:
    first, second = two_servers
    zone_label = shared_store[2]
    tong1 = gpd.read_file(SAMPLE_KIT / "tongs.geojson").set_index("tong").loc[1, "geometry"].representative_point()
    photo = tmp_path / "bench.jpg"
    photo.write_bytes(jpeg_with_gps(tong1.x, tong1.y))
    one, two = guarded_page(browser), guarded_page(browser)
    try:
        log_in(two, second, "hansy")  # the dong head on the second server, its pages read before anything changes
        go(two, "구역 편집")
        successor = two.get_by_label("후임자 (구역 없는 직원)", exact=True)
        expect(successor).to_have_value("신유나", timeout=30_000)  # the only staff member without a zone

        log_in(one, first, "hansy")  # the same person on the first server, in another session
        go(one, "보고 접수")
        one.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(photo))
        one.get_by_text("사진의 GPS").click()
        expect(one.get_by_text("사진의 GPS 위치를 썼습니다")).to_be_visible(timeout=30_000)
        memo = one.get_by_label("내용 (메모)")
        memo.fill("벤치 다리가 부러졌습니다 (두 서버 시험)")
        memo.press("Control+Enter")
        save = one.get_by_role("button", name="저장")
        expect(save).to_be_enabled(timeout=30_000)
        save.click()
        saved = one.get_by_test_id("stToast").filter(
            has_text=re.compile(r"보고 #\d+을\(를\) 저장했습니다 \(사진 1장\)")
        )
        expect(saved).to_be_visible(timeout=30_000)
        rid = re.search(r"#(\d+)", saved.inner_text()).group(1)

        go(one, "구역 편집")
        choose(one, "구역", zone_label)
        choose(one, "후임자 (구역 없는 직원)", "신유나")
        one.get_by_role("button", name="인계", exact=True).click()
        expect(one.get_by_label("후임자 (구역 없는 직원)", exact=True)).to_have_value("조예린", timeout=30_000)

        go(two, "내 구역")  # the second server's next run: the report filed on the first, with its photo
        marker = map_frame(two).locator(f'.leaflet-marker-pane [title="보고 #{rid}"]')
        marker.wait_for(timeout=30_000)
        marker.dispatch_event("click")
        popup = map_frame(two).locator(".leaflet-popup-content")
        expect(popup).to_contain_text("벤치 다리가 부러졌습니다")
        expect(popup.locator('img[src^="data:image/jpeg;base64,"]')).to_have_count(1)  # the shared photo folder
        go(two, "구역 편집")  # and the hand-over made on the first: 조예린 is the one without a zone now
        expect(two.get_by_label("후임자 (구역 없는 직원)", exact=True)).to_have_value("조예린", timeout=30_000)
        assert one.blocked == [] and two.blocked == []
    finally:
        one.context.close()
        two.context.close()
