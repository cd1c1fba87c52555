"""The store: every read and write of the project goes through here.

The embedded default is one SQLite file (``MAPPING_DB`` or
``data/mapping.sqlite``); the same SQLAlchemy Core tables will run on
PostgreSQL + PostGIS.  Geometry is kept as WKB in EPSG:4326.  A point's tong
and zone are attached when it is written, never recomputed per query.

The :class:`Store` itself holds the engine, the schema and the reads of reference
data (cached per revision); the rest comes from mixins: :mod:`mapping.store.audit` (the access log),
:mod:`mapping.store.loading` (kit, zone ownership), :mod:`mapping.store.imports`
(files, address points), :mod:`mapping.store.reports` and :mod:`mapping.store.report_flow`
(reports), :mod:`mapping.store.month`, :mod:`mapping.store.accounts`, :mod:`mapping.store.tokens` (the field API's tokens),
:mod:`mapping.store.contacts`, :mod:`mapping.store.missions`, :mod:`mapping.store.referrals` and
:mod:`mapping.store.outreach` (notice posts, who may see what), :mod:`mapping.store.region`
(many dongs' counts for the gu and the city) and :mod:`mapping.store.cases` (a best case's way up, the library).  The database
plumbing is in :mod:`mapping.store.engine`.
"""

from __future__ import annotations

from pathlib import Path

from mapping.store.accounts import AccountsMixin
from mapping.store.base import StoreBase
from mapping.store.cases import CasesMixin
from mapping.store.contacts import ContactsMixin
from mapping.store.engine import DEFAULT_DB as DEFAULT_DB
from mapping.store.engine import _engine, resolve_url
from mapping.store.imports import ImportsMixin
from mapping.store.loading import LoadingMixin, LoadSummary
from mapping.store.missions import MissionsMixin
from mapping.store.month import MonthMixin
from mapping.store.outreach import OutreachMixin
from mapping.store.referrals import ReferralsMixin
from mapping.store.region import RegionMixin
from mapping.store.report_flow import ReportFlowMixin
from mapping.store.reports import ReportsMixin
from mapping.store.tokens import TokensMixin
from mapping.tong_index import attach_tong_zone


class Store(
    LoadingMixin,
    ImportsMixin,
    CasesMixin,
    ReportsMixin,
    ReportFlowMixin,
    MonthMixin,
    AccountsMixin,
    TokensMixin,
    ContactsMixin,
    MissionsMixin,
    ReferralsMixin,
    OutreachMixin,
    RegionMixin,
    StoreBase,
):
    """The project's store; open it with :func:`open_store`."""

    def __init__(self, url: str | Path | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = _engine(self.url)
        # writes take the write lock when they begin (SQLite: BEGIN IMMEDIATE), so a transaction that
        # reads before it writes never fails half-way under concurrent writers
        self.writer = self.engine.execution_options(write=True)
        self._reference_cache = {}
        self._ensure_schema()
        self._open_log()  # the access log's key (outside the database); a log of before v7 is keyed once
        self.cleanup_photos()


def open_store(url: str | Path | None = None) -> Store:
    """Open (creating if needed) the store at ``url`` or ``MAPPING_DB``."""
    return Store(url)


__all__ = ["DEFAULT_DB", "LoadSummary", "Store", "StoreBase", "attach_tong_zone", "open_store"]
