"""The one server: the Streamlit app (``app.py``) with the field API and Open311 beside it, on one port.

``streamlit run server.py`` (what ``make run`` does) finds :data:`app` and serves it with uvicorn: every page,
Streamlit's own routes (static files, login, health), our routes (:mod:`mapping.api.web`) and the installable
field page at ``/field/`` (:mod:`mapping.api.field_page`) share the server,
its address and port.  ``streamlit run app.py`` still serves the pages alone, without the API.
"""

from __future__ import annotations

import os
from functools import cache

from streamlit.starlette import App

from mapping.api.field_page import field_routes
from mapping.api.web import api_middleware, api_routes, configured_origins
from mapping.store import Store, open_store


@cache
def _store() -> Store:
    """The API's store at ``MAPPING_DB`` (one per server process, opened on the first API request)."""
    return open_store()


routes = [*api_routes(_store), *field_routes()]  # the field page (/field/) talks only to the API beside it
app = App("app.py", routes=routes, middleware=api_middleware(origins=configured_origins(dict(os.environ))))
