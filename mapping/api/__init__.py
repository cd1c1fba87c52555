"""The app's own web API, served by the same server as the Streamlit app (``server.py``).

- :mod:`mapping.api.field` — the field API's work: my zone, a report filed once per client key, my reports;
- :mod:`mapping.api.open311` — Open311 GeoReport v2, read side, through the one privacy filter;
- :mod:`mapping.api.web` — their Starlette routes, JSON errors and the security-headers middleware;
- :mod:`mapping.api.field_page` — the installable field page (``field/`` at ``/field/``) that uses the field API.

Nothing here imports streamlit; the store checks roles and logs personal reads as it does for the pages.
"""
