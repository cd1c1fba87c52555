"""Reading an HSDS 3.0 tabular folder (ours or anyone's) back into our welfare-resource columns.

The mirror of :mod:`mapping.publish.hsds.export`: one resource per service_at_location, its type from
the service's attribute → taxonomy_term, its phone and hours from what hangs off the
service_at_location (else the service, else the location).  Every broken id, coordinate and table
is collected before anything is raised.  Import :func:`read_hsds` from :mod:`mapping.publish.hsds`.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapping.crs import WEB_CRS
from mapping.domain import RESOURCE_TYPES
from mapping.errors import Problem, ValidationError
from mapping.publish.hsds.package import (
    _DAY_LABELS,
    COUNTRY,
    REQUIRED_TABLES,
    UNKNOWN_POSTAL_CODE,
    CsvRow,
    _read_rows,
    official_package,
)

_READ_TABLES = (*REQUIRED_TABLES, "organization", "address", "phone", "schedule", "attribute", "taxonomy_term")

RESOURCE_COLUMNS = ("kit_key", "type", "name", "address", "phone", "hours", "public", "lon", "lat")
"""Columns of :func:`read_hsds` (plus ``geometry``)."""


def read_hsds(folder: Path) -> gpd.GeoDataFrame:
    """Read an HSDS 3.0 tabular folder back into our resource columns.

    One resource per service_at_location row (plus one per location with coordinates that no
    service uses).  Type comes from the service's attributes: a taxonomy term whose code or
    name is a resource type (our own export, or e.g. ``pharmacy``), else ``other``.

    Parameters
    ----------
    folder : Path
        A folder of HSDS CSV tables (``services.csv``, ``locations.csv``,
        ``service_at_location.csv`` at least).

    Returns
    -------
    GeoDataFrame
        :data:`RESOURCE_COLUMNS` and points in EPSG:4326; ``public`` is ``True`` and
        ``kit_key`` is derived from the service_at_location, service and location ids.  Rows left out (no
        coordinates, a dangling location id) are listed in ``.attrs["warnings"]``.

    Raises
    ------
    ValidationError
        Naming file, row and column: a required table missing, an ``id`` missing or
        repeated, a latitude or longitude that is not a number or is half missing.
    """
    folder = Path(folder)
    problems: list[Problem] = []
    tables = _read_tables(folder, problems)
    places = _places(tables.get("location", []), problems) if not _errors(problems) else {}
    if _errors(problems):
        raise ValidationError(problems, what=f"HSDS 폴더 {folder.name}")
    rows = _resource_rows(tables, places, problems)
    frame = pd.DataFrame(rows, columns=list(RESOURCE_COLUMNS))
    table = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=WEB_CRS)
    table.attrs["warnings"] = list(problems)
    return table


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _read_tables(folder: Path, problems: list[Problem]) -> dict[str, list[CsvRow]]:
    """Rows of the HSDS tables we use (``_row`` = the row number as a spreadsheet shows it)."""
    if not folder.is_dir():
        problems.append(Problem(str(folder), None, None, "폴더가 없습니다."))
        return {}
    tables = {}
    for resource in official_package()["resources"]:
        path = folder / resource["path"]
        if resource["name"] not in _READ_TABLES:
            continue
        if not path.is_file():
            if resource["name"] in REQUIRED_TABLES:
                problems.append(Problem(path.name, None, None, f"HSDS 필수 표 {resource['path']}이(가) 없습니다."))
            continue
        tables[resource["name"]] = _read_rows(path, problems)
    return tables


def _places(locations: list[CsvRow], problems: list[Problem]) -> dict[str, tuple[float, float] | None]:
    """``location id → (lon, lat)``, or ``None`` for a location without coordinates."""
    places: dict[str, tuple[float, float] | None] = {}
    for row in locations:
        values = {c: _number(row, c, "locations.csv", problems) for c in ("longitude", "latitude")}
        given = [c for c in values if row.get(c)]
        if len(given) == 1:
            missing = "latitude" if given == ["longitude"] else "longitude"
            problems.append(
                Problem("locations.csv", row["_row"], missing, f"{given[0]}만 있고 {missing}가 비어 있습니다.")
            )
        lon, lat = values["longitude"], values["latitude"]
        places[row["id"]] = (lon, lat) if lon is not None and lat is not None else None
    return places


def _number(row: CsvRow, column: str, file: str, problems: list[Problem]) -> float | None:
    text = row.get(column, "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        problems.append(
            Problem(file, row["_row"], column, f"{text!r}는 숫자가 아닙니다. 십진 도(예: 37.5665)로 적으세요.")
        )
        return None
    limit = 90 if column == "latitude" else 180
    if abs(value) > limit:
        problems.append(
            Problem(file, row["_row"], column, f"{value}는 ±{limit}° 밖입니다. 좌표를 확인하세요.", "warning")
        )
    return value


def _resource_rows(tables: dict[str, list[CsvRow]], places: dict, problems: list[Problem]) -> list[dict]:
    """One of our resource rows per service_at_location (and per location no service uses)."""
    by_id = {name: {r["id"]: r for r in rows} for name, rows in tables.items()}
    linked = defaultdict(list)
    for name in ("phone", "schedule", "address", "attribute"):
        for row in tables.get(name, []):
            for column in ("service_at_location_id", "service_id", "location_id", "link_id"):
                if row.get(column):
                    linked[name, column, row[column]].append(row)
    pairs: list[tuple[CsvRow | None, str, str]] = [
        (r, r.get("service_id", ""), r.get("location_id", "")) for r in tables.get("service_at_location", [])
    ]
    used = {location for _, _, location in pairs}
    pairs += [(None, "", lid) for lid in by_id.get("location", {}) if lid not in used and places.get(lid)]
    rows = []
    for sal, service_id, location_id in pairs:
        file_row = (sal or by_id["location"][location_id])["_row"]
        file = "service_at_location.csv" if sal else "locations.csv"
        if location_id not in places or places[location_id] is None:
            why = "없는 location_id를 가리켜" if location_id not in places else "위치에 좌표가 없어"
            problems.append(
                Problem(file, file_row, "location_id", f"{why} 지도에 올릴 수 없습니다. 건너뜁니다.", "warning")
            )
            continue
        ids = {"service_at_location_id": sal["id"] if sal else "", "service_id": service_id, "location_id": location_id}
        rows.append(_resource_row(by_id, linked, ids, places[location_id]))
    return rows


def _resource_row(by_id: dict, linked: dict, ids: dict[str, str], point: tuple[float, float]) -> dict:
    service = by_id.get("service", {}).get(ids["service_id"], {})
    location = by_id["location"][ids["location_id"]]
    organization = by_id.get("organization", {}).get(service.get("organization_id", ""), {})
    kind = _type_of(linked[("attribute", "link_id", ids["service_id"])], by_id.get("taxonomy_term", {}))
    label = RESOURCE_TYPES.label(kind)
    # our export names organization and service after the type when the resource has no name: not a name
    names = [location.get("name", ""), service.get("name", ""), organization.get("name", "")]
    name = next((n for i, n in enumerate(names) if n and (i == 0 or n != label)), "")
    phones = _first_linked(linked, "phone", ids)
    schedules = _first_linked(linked, "schedule", ids)
    addresses = linked[("address", "location_id", ids["location_id"])]
    addresses = sorted(addresses, key=lambda a: a.get("address_type") != "physical")
    key = hashlib.sha1(":".join(["hsds", *ids.values()]).encode()).hexdigest()[:16]  # stable: HSDS ids only
    return {
        "kit_key": key,
        "type": kind,
        "name": name or None,
        "address": _address_text(addresses[0]) if addresses else None,
        "phone": ", ".join(dict.fromkeys(p["number"] for p in phones if p.get("number"))) or None,
        "hours": "; ".join(dict.fromkeys(filter(None, map(_hours_text, schedules)))) or None,
        "public": True,
        "lon": point[0],
        "lat": point[1],
    }


def _first_linked(linked: dict, table: str, ids: dict[str, str]) -> list[dict[str, str]]:
    """Rows of ``table`` for the service_at_location, else the service, else the location."""
    for column in ("service_at_location_id", "service_id", "location_id"):
        if ids[column] and linked[(table, column, ids[column])]:
            return linked[(table, column, ids[column])]
    return []


def _type_of(attributes: list[dict[str, str]], terms: dict[str, dict[str, str]]) -> str:
    for attribute in attributes:
        term = terms.get(attribute.get("taxonomy_term_id", ""), {})
        for value in filter(None, (term.get("code"), term.get("name"))):
            try:
                return RESOURCE_TYPES.parse(value)
            except ValueError:
                continue
    return "other"


def _address_text(row: dict[str, str]) -> str | None:
    """One line: a Korean address is ``address_1 address_2``; others add city, state and postcode."""
    lines = [row.get("address_1", ""), row.get("address_2", "")]
    if row.get("country", "").upper() != COUNTRY:
        postal = "" if row.get("postal_code") == UNKNOWN_POSTAL_CODE else row.get("postal_code", "")
        lines += [row.get("city", ""), f"{row.get('state_province', '')} {postal}".strip()]
        return ", ".join(p for p in lines if p) or None
    return " ".join(p for p in lines if p) or None


def _hours_text(row: dict[str, str]) -> str:
    if row.get("description"):
        return row["description"]
    if not (row.get("opens_at") and row.get("closes_at")):
        return ""
    days = _DAY_LABELS.get(row.get("byday", "").replace(" ", ""), row.get("byday", ""))
    return f"{days} {row['opens_at'][:5]}-{row['closes_at'][:5]}".strip()
