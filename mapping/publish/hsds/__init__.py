"""Welfare resources as Open Referral HSDS 3.0 in its tabular form (CSV tables + ``datapackage.json``).

One resource becomes one organization, one service run by it, one physical location (with
its address when known) and the service_at_location joining the two; its phone and opening
hours hang off that service_at_location.  The resource type is a term of our own taxonomy
(code = the English key of :data:`mapping.domain.RESOURCE_TYPES`, name = the Korean label)
attached to the service by an attribute.

Import everything from here: what both directions share (the official package, tables, vocabulary,
:func:`validate_hsds`) lives in :mod:`mapping.publish.hsds.package`, the two directions in
:mod:`mapping.publish.hsds.export` (:func:`export_hsds`) and :mod:`mapping.publish.hsds.imports` (:func:`read_hsds`,
:data:`RESOURCE_COLUMNS`).

The CSV tables carry no formula guard (no ``'`` before a leading ``= + - @``), unlike the
spreadsheets this project makes for people (reports CSV/XLSX through
:func:`mapping.exports.safe_cell`, every XLSX cell through :func:`mapping.printing.safe_text`).
HSDS is a data-exchange format: the tables are machine data for HSDS tools, data portals and
our own :func:`read_hsds`, not a spreadsheet for people (no page of the app offers them), and
every value must round-trip unchanged.  A guard would change data: the unknown postal code
``-`` or a phone ``+82 2-…`` would reach every other reader with a stray ``'``.  Whoever opens
these files in a spreadsheet program should import the columns as text.
"""

from __future__ import annotations

from mapping.publish.hsds.export import export_hsds
from mapping.publish.hsds.imports import RESOURCE_COLUMNS, read_hsds
from mapping.publish.hsds.package import (
    COUNTRY,
    KST_OFFSET,
    PACKAGE_PATHS,
    REQUIRED_TABLES,
    TABLES,
    TAXONOMY_NAME,
    UNKNOWN_POSTAL_CODE,
    official_package,
    validate_hsds,
)

__all__ = [
    "COUNTRY",
    "KST_OFFSET",
    "PACKAGE_PATHS",
    "REQUIRED_TABLES",
    "RESOURCE_COLUMNS",
    "TABLES",
    "TAXONOMY_NAME",
    "UNKNOWN_POSTAL_CODE",
    "export_hsds",
    "official_package",
    "read_hsds",
    "validate_hsds",
]
