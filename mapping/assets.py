"""Front-end files for folium maps, served locally instead of from CDNs.

folium's HTML loads Leaflet and its plugins from CDNs; where those cannot be
reached (tests, a closed office network) the map is blank.  Setup installs
the pinned npm packages (``package.json``) and :func:`install_assets` copies
the files a map needs into one folder; :func:`localize_assets` points every
script and stylesheet of a map at that folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import folium
from branca.element import Element

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
OWN_FILES = Path(__file__).resolve().parent / "static_src"
STREAMLIT_BASE = "/app/static/vendor/"  # Streamlit serves ./static at /app/static

# folder in the asset dir ← file or folder under node_modules (or our own files)
COPIES: dict[str, str] = {
    "leaflet": "leaflet/dist",
    "jquery/jquery.min.js": "jquery/dist/jquery.min.js",
    "bootstrap/bootstrap.bundle.min.js": "bootstrap/dist/js/bootstrap.bundle.min.js",
    "bootstrap/bootstrap.min.css": "bootstrap/dist/css/bootstrap.min.css",
    "fontawesome/css": "@fortawesome/fontawesome-free/css",
    "fontawesome/webfonts": "@fortawesome/fontawesome-free/webfonts",
    "awesome-markers": "leaflet.awesome-markers/dist",
    "markercluster": "leaflet.markercluster/dist",
    "fullscreen": "leaflet.fullscreen",
    "heat/leaflet-heat.js": "leaflet.heat/dist/leaflet-heat.js",
}
OWN = ("leaflet-imagepath.js", "awesome-rotate.css")

# folium resource name → path under the asset folder
RESOURCES: dict[str, str] = {
    "leaflet": "leaflet/leaflet.js",
    "leaflet_imagepath": "leaflet-imagepath.js",
    "jquery": "jquery/jquery.min.js",
    "bootstrap": "bootstrap/bootstrap.bundle.min.js",
    "awesome_markers": "awesome-markers/leaflet.awesome-markers.min.js",
    "leaflet_css": "leaflet/leaflet.css",
    "bootstrap_css": "bootstrap/bootstrap.min.css",
    "awesome_markers_font_css": "fontawesome/css/all.min.css",
    "awesome_markers_css": "awesome-markers/leaflet.awesome-markers.css",
    "awesome_rotate_css": "awesome-rotate.css",
    "markerclusterjs": "markercluster/leaflet.markercluster.js",
    "markerclustercss": "markercluster/MarkerCluster.css",
    "markerclusterdefaultcss": "markercluster/MarkerCluster.Default.css",
    "Control.Fullscreen.js": "fullscreen/Control.FullScreen.js",
    "Control.FullScreen.css": "fullscreen/Control.FullScreen.css",
    "leaflet-heat.js": "heat/leaflet-heat.js",
}
# Bootstrap 3 glyphicons are not on npm; our maps use Font Awesome icons only.
DROPPED = frozenset({"glyphicons_css"})


class AssetError(RuntimeError):
    """A map needs a front-end file we do not serve locally."""


def install_assets(dest: Path, *, node_modules: Path = NODE_MODULES) -> list[Path]:
    """Copy the files maps need from ``node_modules`` into ``dest``.

    Raises
    ------
    FileNotFoundError
        If ``npm ci`` has not been run (a package is missing).
    """
    dest.mkdir(parents=True, exist_ok=True)
    written = []
    for target, source in COPIES.items():
        src, dst = node_modules / source, dest / target
        if not src.exists():
            raise FileNotFoundError(f"{src}가 없습니다. 먼저 `npm ci`를 실행하세요 (make assets).")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        else:
            shutil.copy2(src, dst)
        written.append(dst)
    for name in OWN:
        shutil.copy2(OWN_FILES / name, dest / name)
        written.append(dest / name)
    return written


def _local(links: list[tuple[str, str]], base_url: str) -> list[tuple[str, str]]:
    out = []
    for name, url in links:
        if name in DROPPED:
            continue
        if url.startswith(base_url):
            out.append((name, url))
            continue
        if name not in RESOURCES:
            raise AssetError(
                f"지도 자원 {name!r} ({url})의 로컬 사본이 없습니다: mapping/assets.py RESOURCES에 추가하세요."
            )
        out.append((name, base_url + RESOURCES[name]))
        if name == "leaflet":
            out.append(("leaflet_imagepath", base_url + RESOURCES["leaflet_imagepath"]))
    return out


def localize_assets(m: folium.Map, *, base_url: str = STREAMLIT_BASE) -> folium.Map:
    """Point every script and stylesheet of ``m`` and its children at ``base_url``.

    Works on instances only (folium's class defaults are left alone), so
    call it after every layer has been added.

    Raises
    ------
    AssetError
        If an element asks for a resource without a local copy.
    """
    stack: list[Element] = [m]
    while stack:
        element = stack.pop()
        if hasattr(element, "default_js"):  # folium's JSCSSMixin: its own Leaflet/plugin files
            setattr(element, "default_js", _local(list(element.default_js), base_url))  # noqa: B010
            setattr(element, "default_css", _local(list(getattr(element, "default_css")), base_url))  # noqa: B009, B010
        stack.extend(element._children.values())
    return m
