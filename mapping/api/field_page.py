"""The field page, ``/field/``: an installable web app that files reports without a signal.

Its files are in the top-level ``field/`` folder (HTML, ES modules, a service worker, a web app manifest, icons);
Leaflet comes from the offline vendor copy (``static/vendor/leaflet``, see :mod:`mapping.assets`) at
``/field/vendor/leaflet/``, so the service worker's scope covers every file the page needs and nothing is fetched
from a CDN.  ``/field/vocab.json`` gives the page the Korean labels of :mod:`mapping.domain` (one table, here and
in the app).  The page talks to the server only through the field API (:mod:`mapping.api.web`).
"""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from mapping.domain import ACTIVITIES, DUTIES, FIELDS, Vocabulary

ROOT = Path(__file__).resolve().parent.parent.parent
FIELD_DIR = ROOT / "field"
LEAFLET_DIR = ROOT / "static" / "vendor" / "leaflet"
PREFIX = "/field"
mimetypes.add_type("application/manifest+json", ".webmanifest")  # not every platform's table knows it


class _FieldFiles(StaticFiles):
    """Static files revalidated on every load (ETag), so a new version reaches phones; ``sw.js`` scoped to /field/."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = "no-cache"
        if Path(full_path).name == "sw.js":
            response.headers["service-worker-allowed"] = f"{PREFIX}/"
        return response


def vocabularies() -> dict[str, list[list[str]]]:
    """The choices of the field page's form: ``[key, Korean label]`` pairs of fields, activities and duties."""

    def pairs(vocab: Vocabulary) -> list[list[str]]:
        return [[key, label] for key, label in vocab.items]

    return {"fields": pairs(FIELDS), "activities": pairs(ACTIVITIES), "duties": pairs(DUTIES)}


async def _vocab(request: Request) -> Response:
    return JSONResponse(vocabularies(), headers={"cache-control": "no-cache"})


async def _to_slash(request: Request) -> Response:
    return RedirectResponse(f"{PREFIX}/", status_code=308)


def field_routes(*, files: Path = FIELD_DIR, leaflet: Path = LEAFLET_DIR) -> list[BaseRoute]:
    """The routes of the field page, for :class:`streamlit.starlette.App` (``routes=``).

    Raises
    ------
    FileNotFoundError
        If Leaflet's offline copy is missing (``make assets`` installs it): the page would open without its map.
    """
    if not (leaflet / "leaflet.js").exists():
        raise FileNotFoundError(f"{leaflet / 'leaflet.js'}가 없습니다. 먼저 `make assets`를 실행하세요.")
    return [
        Route(PREFIX, _to_slash, methods=["GET"]),
        Route(f"{PREFIX}/vocab.json", _vocab, methods=["GET"]),
        Mount(f"{PREFIX}/vendor/leaflet", app=_FieldFiles(directory=leaflet)),
        Mount(PREFIX, app=_FieldFiles(directory=files, html=True)),
    ]


__all__ = ["FIELD_DIR", "field_routes", "vocabularies"]
