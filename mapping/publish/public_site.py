"""The public welfare-resource map as a self-contained static site (``index.html`` + assets).

Made only from a :class:`mapping.publish.privacy.PublicView` (the one privacy filter).
The data goes into ``data.js`` (a script, so the page works from ``file://``
where ``fetch`` of a local file is refused); the page builds every element
from it with ``textContent``, so no text from the data is read as HTML.
Leaflet is copied beside the page: the vector layers show with no network;
base tiles load from OpenStreetMap when the viewer is online.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from mapping.assets import NODE_MODULES, OWN_FILES
from mapping.crs import to_web
from mapping.domain import RESOURCE_TYPES
from mapping.map_controls import TWO_FINGER_HINT
from mapping.publish.privacy import PublicView, guard_public_text
from mapping.style import CREDITS, RESOURCE_ICONS, TOUCH_HINT_CSS
from mapping.text import text_of

SITE_FILES = OWN_FILES / "public_site"
OSM = {
    "url": "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "지도: © OpenStreetMap contributors (ODbL)",
}


def site_data(view: PublicView, *, tiles: bool = True) -> dict:
    """What the page shows, as plain JSON-ready data (everything comes from ``view``)."""
    zones = to_web(view.zones, name="구역")
    resources = to_web(view.resources, name="복지자원")
    present = [k for k in RESOURCE_TYPES.keys if k in set(resources["type"])]
    sample = " (통 경계·직원·보고는 샘플)" if view.sample else ""
    published = view.report_counts.published()
    return {
        "title": f"{view.dong_name} 복지자원 지도",
        "subtitle": f"병원·약국·학교·경로당·나눔가게와 우리동네주무관{sample}",
        "dong_name": view.dong_name,
        "dong": json.loads(to_web(view.dong, name="동 경계").to_json()),
        "zones": json.loads(
            zones.assign(tongs=[", ".join(f"{t}통" for t in ts) for ts in zones["tongs"]])[
                ["zone_id", "tongs", "officer", "team", "phone", "title", "geometry"]
            ].to_json(na="null")
        ),
        "resources": [
            {
                "type": r.type,
                "type_label": RESOURCE_TYPES.label(r.type),
                "colour": RESOURCE_ICONS.get(r.type, RESOURCE_ICONS["other"])[2],
                "name": text_of(r.name) or None,
                "address": text_of(r.address) or None,
                "phone": text_of(r.phone) or None,
                "hours": text_of(r.hours) or None,
                "lon": round(float(r.geometry.x), 7),
                "lat": round(float(r.geometry.y), 7),
            }
            for r in resources.itertuples()
        ],
        "types": [
            {
                "key": k,
                "label": RESOURCE_TYPES.label(k),
                "colour": RESOURCE_ICONS.get(k, RESOURCE_ICONS["other"])[2],
                "count": int((resources["type"] == k).sum()),
            }
            for k in present
        ],
        "counts": {
            "columns": ["구역", *published.columns],
            "rows": [[str(i), *(None if v is None else int(v) for v in row)] for i, row in published.iterrows()],
            "note": f"{view.period} 보고. {view.report_counts.note}",
        },
        "centre": view.centre,
        "credits": f"{CREDITS} | 지도: © OpenStreetMap contributors{sample}",
        "credits_short": "SGIS·공공누리 제1유형 / LOCALDATA",
        "two_finger_hint": TWO_FINGER_HINT,  # on a touch screen one finger scrolls the page, two move the map
        "tiles": OSM if tiles else None,
    }


def _script(data: dict) -> str:
    """``window.UDONGJU = …;`` safe inside a script file (no ``</script>``, no line separators)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return f"window.UDONGJU = {text};\n"


def export_public_site(view: PublicView, out: Path, *, tiles: bool = True, personal_values: Iterable[str] = ()) -> Path:
    """Write the public map site into folder ``out``; returns ``out / "index.html"``.

    Beside the page: ``data.js`` (what it shows), ``counts.csv`` (the suppressed activity counts
    as open data), ``app.js``, ``site.css`` and Leaflet under ``vendor/``.

    Parameters
    ----------
    view : PublicView
        From :func:`mapping.publish.privacy.public_view`.
    out : Path
        The folder (created; files of an earlier export are replaced).
    tiles : bool
        Whether the page loads OpenStreetMap base tiles when online.
    personal_values : iterable of str
        Values that must not be published (:func:`mapping.publish.privacy.personal_values_of`): the
        export is refused, and nothing written, if any of them is in the page's data.

    Raises
    ------
    PrivacyError
        If a personal value would be published.
    """
    data = site_data(view, tiles=tiles)
    script = _script(data)
    guard_public_text(script, personal_values, what="공개 지도")
    page = (SITE_FILES / "index.html").read_text(encoding="utf-8")
    page = page.replace("__TITLE__", _html(data["title"]))
    out = Path(out)
    leaflet = NODE_MODULES / "leaflet" / "dist"
    if not leaflet.exists():
        raise FileNotFoundError(f"{leaflet}가 없습니다. 먼저 `make assets`(npm ci)를 실행하세요.")
    out.mkdir(parents=True, exist_ok=True)
    shutil.copytree(leaflet, out / "vendor" / "leaflet", dirs_exist_ok=True)
    shutil.copy2(SITE_FILES / "app.js", out / "app.js")
    css = (SITE_FILES / "site.css").read_text(encoding="utf-8")
    (out / "site.css").write_text(css + TOUCH_HINT_CSS, encoding="utf-8")  # the app's maps' touch hint, the same
    (out / "data.js").write_text(script, encoding="utf-8")
    counts = view.report_counts.published().map(lambda v: "*" if v is None else v)
    counts.rename_axis("구역").to_csv(out / "counts.csv", encoding="utf-8-sig")  # the same table, as open data
    (out / "index.html").write_text(page, encoding="utf-8")
    return out / "index.html"


def _html(text: str) -> str:
    import html

    return html.escape(text, quote=True)
