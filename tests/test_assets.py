"""mapping.assets: maps load Leaflet and friends from our own folder, never a CDN."""

from __future__ import annotations

import re
from pathlib import Path
from typing import ClassVar

import folium
import pytest
from branca.element import MacroElement

from mapping.assets import DROPPED, NODE_MODULES, RESOURCES, AssetError, install_assets, localize_assets
from tests.helpers import asset_urls

BASE = "/static/test/"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    if not NODE_MODULES.is_dir():
        pytest.skip("node_modules missing: run `npm ci`")
    dest = tmp_path_factory.mktemp("assets") / "vendor"
    return dest, install_assets(dest)


@pytest.mark.parametrize(
    "relative",
    [
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/images/marker-icon.png",
        "leaflet/images/marker-shadow.png",
        "fontawesome/webfonts/fa-solid-900.woff2",
        "fontawesome/css/all.min.css",
        "leaflet-imagepath.js",
        "awesome-rotate.css",
    ],
)
def test_install_copies_what_maps_need(installed, relative: str) -> None:
    dest, _ = installed
    assert (dest / relative).is_file()
    assert (dest / relative).stat().st_size > 0


def test_install_reports_what_it_wrote(installed) -> None:
    dest, written = installed
    assert written and all(p.exists() and dest in p.parents for p in written)
    assert dest / "leaflet-imagepath.js" in written


def test_our_imagepath_script_points_leaflet_at_its_images(installed) -> None:
    dest, _ = installed
    script = (dest / "leaflet-imagepath.js").read_text(encoding="utf-8")
    folder = re.search(r'new URL\("([^"]+)"', script).group(1)
    assert (dest / folder / "marker-icon.png").is_file()


@pytest.mark.parametrize("name", sorted(RESOURCES))
def test_every_localized_resource_is_installed(installed, name: str) -> None:
    dest, _ = installed
    assert (dest / RESOURCES[name]).is_file(), RESOURCES[name]


def test_every_url_in_installed_stylesheets_resolves(installed) -> None:
    dest, _ = installed
    missing = []
    for css in (dest / p for p in RESOURCES.values() if p.endswith(".css")):
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css.read_text(encoding="utf-8")):
            if url.startswith(("data:", "#", "http:", "https:", "//")):
                continue
            if not (css.parent / url.split("?")[0].split("#")[0]).exists():
                missing.append(f"{css.relative_to(dest)} → {url}")
    assert missing == []


def test_install_without_npm_packages_says_what_to_run(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"먼저 `npm ci`를 실행하세요"):
        install_assets(tmp_path / "dest", node_modules=tmp_path / "empty")


class _Mystery(MacroElement):
    default_js: ClassVar = [("mystery_js", "https://cdn.example.org/mystery.js")]


def test_unknown_resource_is_refused() -> None:
    m = folium.Map(tiles=None)
    _Mystery().add_to(m)
    with pytest.raises(
        AssetError, match=r"지도 자원 'mystery_js' \(https://cdn\.example\.org/mystery\.js\)의 로컬 사본이 없습니다"
    ):
        localize_assets(m, base_url=BASE)


def test_glyphicons_are_dropped() -> None:
    m = folium.Map(tiles=None)
    assert "glyphicons_css" in dict(m.default_css)  # folium asks for it
    localize_assets(m, base_url=BASE)
    assert DROPPED & set(dict(m.default_css)) == set()
    assert "glyphicons" not in m.get_root().render()


def test_localized_map_loads_only_local_files() -> None:
    m = folium.Map(tiles=None)
    folium.Marker([37.56, 126.91], icon=folium.Icon(icon="book", prefix="fa")).add_to(m)
    html = localize_assets(m, base_url=BASE).get_root().render()
    urls = asset_urls(html)
    assert urls and all(u.startswith(BASE) for u in urls), urls
    assert f"{BASE}leaflet-imagepath.js" in urls


def test_already_local_urls_are_kept() -> None:
    m = folium.Map(tiles=None)
    localize_assets(m, base_url=BASE)
    first = list(m.default_js)
    localize_assets(m, base_url=BASE)
    assert list(m.default_js) == first
    assert [name for name, _ in first].count("leaflet_imagepath") == 1
