"""Welfare resources as Open Referral HSDS 3.0 in its tabular form (CSV tables + ``datapackage.json``).

One resource becomes one organization, one service run by it, one physical location (with
its address when known) and the service_at_location joining the two; its phone and opening
hours hang off that service_at_location.  Ids are UUIDv5 of the dong and the resource's
``kit_key`` (or store id), so exporting the same store twice gives the same files.

The resource type is a term of our own taxonomy (code = the English key of
:data:`mapping.domain.RESOURCE_TYPES`, name = the Korean label) attached to the service by an
attribute: HSDS 3.0 classifies services through ``attribute`` → ``taxonomy_term``, never through
a service's free-text name, and a code survives renaming and translation.

Every export goes through :func:`mapping.privacy.strip_personal` first: private resources
(``public`` not ``True``) never reach a file.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import math
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapping.crs import WEB_CRS, to_web
from mapping.domain import RESOURCE_TYPES
from mapping.errors import ExportError, NotFoundError, Problem, ValidationError
from mapping.privacy import strip_personal

_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_PATHS = (
    _ROOT / "data" / "schemas" / "hsds-3.0" / "datapackage.json",  # the official package, vendored (CC BY-SA 4.0)
)
"""Where the official HSDS 3.0 data package is looked for, in order."""

TABLES = (
    "organization",
    "service",
    "location",
    "service_at_location",
    "address",
    "phone",
    "schedule",
    "taxonomy",
    "taxonomy_term",
    "attribute",
)
"""The HSDS tables an export writes (every one, even when empty, so re-exports diff cleanly)."""

REQUIRED_TABLES = ("service", "location", "service_at_location")
"""Tables :func:`read_hsds` cannot do without."""
_READ_TABLES = (*REQUIRED_TABLES, "organization", "address", "phone", "schedule", "attribute", "taxonomy_term")

TAXONOMY_NAME = "우동주 복지자원 유형"
UNKNOWN_POSTAL_CODE = "-"  # HSDS requires a postal code; our addresses rarely carry one
COUNTRY = "KR"
KST_OFFSET = "+09:00"

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://openreferral.org/hsds/3.0/udongju-map")
_STATE_CITY_RE = re.compile(r"^\s*(\S+?(?:특별시|광역시|특별자치시|특별자치도|도))\s*(\S+?[시군구])(?:\s|$)")
_POSTAL_RE = re.compile(r"^\s*(\d{5})\s|\(우\)\s*(\d{5})|\((\d{5})\)|\[(\d{5})\]")
_HOURS_RE = re.compile(r"^(평일|매일|주말|토요일|일요일)\s*(\d{1,2}):(\d{2})\s*[-~–]\s*(\d{1,2}):(\d{2})$")
_DAYS = {
    "평일": "MO,TU,WE,TH,FR",
    "매일": "MO,TU,WE,TH,FR,SA,SU",
    "주말": "SA,SU",
    "토요일": "SA",
    "일요일": "SU",
}
_DAY_LABELS = {days: label for label, days in _DAYS.items()}


# ---- the official package ---------------------------------------------------


def official_package() -> dict:
    """The official HSDS 3.0 tabular data package descriptor (a fresh copy).

    Raises
    ------
    NotFoundError
        If none of :data:`PACKAGE_PATHS` exists.
    """
    for path in PACKAGE_PATHS:
        if path.is_file():
            return json.loads(path.read_text(encoding="utf-8"))
    tried = ", ".join(str(p) for p in PACKAGE_PATHS)
    raise NotFoundError(f"HSDS 3.0 datapackage.json을 찾을 수 없습니다 (찾아본 곳: {tried}).")


def _package_descriptor(names: Iterable[str]) -> dict:
    """The official package restricted to ``names``, without foreign keys to tables left out."""
    official = official_package()
    keep = set(names)
    resources = []
    for resource in official["resources"]:
        if resource["name"] not in keep:
            continue
        resource = copy.deepcopy(resource)
        schema = resource["schema"]
        keys = [fk for fk in schema.pop("foreignKeys", []) if fk["reference"]["resource"] in keep | {""}]
        if keys:
            schema["foreignKeys"] = keys
        resources.append(resource)
    return {k: v for k, v in official.items() if k != "resources"} | {"resources": resources}


# ---- export -----------------------------------------------------------------


def export_hsds(resources: gpd.GeoDataFrame, folder: Path, *, dong_name: str) -> Path:
    """Write the public resources of a dong as an HSDS 3.0 tabular data package.

    Parameters
    ----------
    resources : GeoDataFrame
        Rows of ``Store.resources(code)``, in any CRS; never modified.  Rows whose
        ``public`` is not ``True`` are dropped by the privacy filter.
    folder : Path
        Folder to write into (created if missing); our tables in it are overwritten.
    dong_name : str
        The dong's full name (e.g. ``서울특별시 마포구 성산2동``), for descriptions and for
        the city of addresses that do not name one.

    Returns
    -------
    Path
        The written ``datapackage.json`` (listing exactly the tables written).

    Raises
    ------
    CRSError
        If ``resources`` has no CRS.
    ExportError
        If a column is missing, a type is not a resource type, or a row has neither
        ``kit_key`` nor ``id`` to derive its ids from.
    """
    public = _check_resources(resources)
    tables = _hsds_tables(public, dong_name=dong_name)
    descriptor = _package_descriptor(TABLES)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for resource in descriptor["resources"]:
        fields = [f["name"] for f in resource["schema"]["fields"]]
        _write_csv(folder / resource["path"], fields, tables[resource["name"]])
    target = folder / "datapackage.json"
    target.write_text(json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return target


def _check_resources(resources: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    public = to_web(strip_personal(resources, table="resources"), name="복지자원")
    if "type" not in public.columns:
        raise ExportError(
            f"복지자원 표에 'type' 열이 없습니다 (있는 열: {', '.join(map(str, public.columns))}). "
            "Store.resources()가 돌려준 표를 그대로 넘기세요."
        )
    bad = sorted({str(t) for t in public["type"] if t not in RESOURCE_TYPES.keys})
    if bad:
        raise ExportError(f"알 수 없는 유형 {bad}: 유형은 {', '.join(RESOURCE_TYPES.keys)} 중 하나여야 합니다.")
    keys = pd.Series([_resource_key(row) for row in public.to_dict("records")], index=public.index)
    clashing = list(public.index[keys.isna() | keys.duplicated(keep=False)])
    if clashing:
        raise ExportError(
            f"kit_key(또는 id)가 없거나 겹치는 자원이 있어 안정된 HSDS id를 만들 수 없습니다 (행 번호 {clashing[:10]}). "
            "Store.resources()가 돌려준 표를 그대로 넘기세요."
        )
    return public


def _resource_key(row: dict) -> str | None:
    for column in ("kit_key", "id"):
        text = _text(row.get(column))
        if text:
            return f"{column}={text}"
    return None


def _hsds_tables(public: gpd.GeoDataFrame, *, dong_name: str) -> dict[str, list[dict[str, str]]]:
    tables: dict[str, list[dict[str, str]]] = {name: [] for name in TABLES}
    tables["taxonomy"].append(_taxonomy_record())
    tables["taxonomy_term"] += [_term_record(key, label) for key, label in RESOURCE_TYPES.items]
    for row, point in zip(public.to_dict("records"), public.geometry, strict=True):
        for name, records in _resource_records(row, point.x, point.y, dong_name=dong_name).items():
            tables[name] += records
    return tables


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def _taxonomy_record() -> dict[str, str]:
    return {
        "id": _uuid("taxonomy"),
        "name": TAXONOMY_NAME,
        "description": "우리동네주무관 지도의 복지자원 유형 (code = 영문 키, name = 한글 이름)",
        "version": "1",
    }


def _term_record(key: str, label: str) -> dict[str, str]:
    return {
        "id": _uuid("taxonomy_term", key),
        "code": key,
        "name": label,
        "description": f"복지자원 유형: {label} ({key})",
        "taxonomy": TAXONOMY_NAME,
        "language": "ko",
        "taxonomy_id": _uuid("taxonomy"),
    }


def _resource_records(row: dict, lon: float, lat: float, *, dong_name: str) -> dict[str, list[dict[str, str]]]:
    """The HSDS records of one resource (organization → service ↔ location, and what hangs off them)."""
    scope = (_text(row.get("dong_code")) or dong_name, _resource_key(row) or "")
    ids = {name: _uuid(*scope, name) for name in TABLES}
    label = RESOURCE_TYPES.label(row["type"])
    name = _text(row.get("name"))
    title = name or label  # organization and service names are required; the location keeps the real (empty) name
    links = {"service_id": ids["service"], "location_id": ids["location"]}
    sal = {"service_at_location_id": ids["service_at_location"]}
    records = {
        "organization": [{"id": ids["organization"], "name": title, "description": f"{dong_name}의 {label}"}],
        "service": [{"id": ids["service"], "organization_id": ids["organization"], "name": title, "status": "active"}],
        "location": [
            {
                "id": ids["location"],
                "location_type": "physical",
                "organization_id": ids["organization"],
                "name": name,
                "latitude": repr(float(lat)),
                "longitude": repr(float(lon)),
            }
        ],
        "service_at_location": [{"id": ids["service_at_location"], **links}],
        "attribute": [
            {
                "id": ids["attribute"],
                "link_id": ids["service"],
                "taxonomy_term_id": _uuid("taxonomy_term", row["type"]),
                "link_entity": "service",
            }
        ],
    }
    address, phone, hours = (_text(row.get(c)) for c in ("address", "phone", "hours"))
    if address:
        records["address"] = [_address_record(address, ids["address"], ids["location"], dong_name=dong_name)]
    if phone:
        records["phone"] = [{"id": ids["phone"], **links, **sal, "number": phone, "type": "voice"}]
    if hours:
        records["schedule"] = [{"id": ids["schedule"], **links, **sal, **_schedule_fields(hours)}]
    return records


def _address_record(address: str, address_id: str, location_id: str, *, dong_name: str) -> dict[str, str]:
    """A single-line Korean address in ``address_1``; state and city read from it (or the dong)."""
    found = _STATE_CITY_RE.match(address) or _STATE_CITY_RE.match(dong_name)
    state, city = found.groups() if found else ("서울특별시", dong_name or "서울특별시")
    postal = _POSTAL_RE.search(address)
    return {
        "id": address_id,
        "location_id": location_id,
        "address_1": address,
        "city": city,
        "state_province": state,
        "postal_code": next((g for g in postal.groups() if g), UNKNOWN_POSTAL_CODE) if postal else UNKNOWN_POSTAL_CODE,
        "country": COUNTRY,
        "address_type": "physical",
    }


def _schedule_fields(hours: str) -> dict[str, str]:
    """The free text always; RRULE fields too when it is the simple ``평일 09:00-18:00`` form."""
    fields = {"description": hours}
    found = _HOURS_RE.match(hours.strip())
    if not found:
        return fields
    days, h1, m1, h2, m2 = found.groups()
    times = [(int(h1), int(m1)), (int(h2), int(m2))]
    if any(h > 23 or m > 59 for h, m in times):
        return fields
    opens, closes = (f"{h:02d}:{m:02d}:00{KST_OFFSET}" for h, m in times)
    return fields | {"freq": "WEEKLY", "byday": _DAYS[days], "opens_at": opens, "closes_at": closes, "timezone": "9"}


def _write_csv(path: Path, fields: list[str], records: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)


def _text(value: object) -> str:
    """Text of a cell; ``""`` for None, NaN and ``pd.NA``."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


# ---- import -----------------------------------------------------------------

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


def _read_tables(folder: Path, problems: list[Problem]) -> dict[str, list[dict[str, str]]]:
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


def _read_rows(path: Path, problems: list[Problem]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = [{k: (v or "").strip() for k, v in r.items() if k} | {"_row": n} for n, r in enumerate(reader, 2)]
            header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(path.name, None, None, f"UTF-8 CSV로 읽을 수 없습니다: {exc}"))
        return []
    if "id" not in header:
        problems.append(Problem(path.name, None, "id", f"'id' 열이 없습니다. 있는 열: {', '.join(header)}"))
        return []
    seen: dict[str, int] = {}
    for row in rows:
        if not row["id"]:
            problems.append(Problem(path.name, row["_row"], "id", "id가 비어 있습니다."))
        elif row["id"] in seen:
            message = f"id {row['id']!r}가 {seen[row['id']]}행과 겹칩니다. id는 표 안에서 하나뿐이어야 합니다."
            problems.append(Problem(path.name, row["_row"], "id", message))
        seen.setdefault(row["id"], row["_row"])
    return rows


def _places(locations: list[dict[str, str]], problems: list[Problem]) -> dict[str, tuple[float, float] | None]:
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
        places[row["id"]] = (values["longitude"], values["latitude"]) if None not in values.values() else None
    return places


def _number(row: dict[str, str], column: str, file: str, problems: list[Problem]) -> float | None:
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


def _resource_rows(tables: dict[str, list[dict[str, str]]], places: dict, problems: list[Problem]) -> list[dict]:
    """One of our resource rows per service_at_location (and per location no service uses)."""
    by_id = {name: {r["id"]: r for r in rows} for name, rows in tables.items()}
    linked = defaultdict(list)
    for name in ("phone", "schedule", "address", "attribute"):
        for row in tables.get(name, []):
            for column in ("service_at_location_id", "service_id", "location_id", "link_id"):
                if row.get(column):
                    linked[name, column, row[column]].append(row)
    pairs = [(r, r.get("service_id", ""), r.get("location_id", "")) for r in tables.get("service_at_location", [])]
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


# ---- validation -------------------------------------------------------------


def validate_hsds(folder: Path) -> list[str]:
    """Validate an HSDS folder's tables against the official HSDS 3.0 package with frictionless.

    The folder's own ``datapackage.json`` is ignored: every CSV table of the official
    package present in ``folder`` is checked against the official schema (types, required
    fields, enums, unique ids, foreign keys between the tables present).

    Parameters
    ----------
    folder : Path
        A folder of HSDS CSV tables.

    Returns
    -------
    list of str
        One message per problem, naming file, row and field; empty when valid.
    """
    from frictionless import Package  # slow to import; only validation needs it

    folder = Path(folder)
    present = [r for r in official_package()["resources"] if (folder / r["path"]).is_file()]
    if not present:
        return [str(Problem(str(folder), None, None, "HSDS 표(CSV)가 하나도 없습니다."))]
    names = {r["name"] for r in present}
    problems = _references_to_absent(folder, present, names)
    report = Package(_package_descriptor(names), basepath=str(folder)).validate()
    for task in report.tasks:
        for error in task.errors:
            field = getattr(error, "field_name", None) or ", ".join(getattr(error, "field_names", None) or [])
            problems.append(Problem(Path(task.place).name, getattr(error, "row_number", None), field, error.message))
    problems += [Problem(str(folder), None, None, error.message) for error in report.errors]
    return [str(p) for p in problems]


def _references_to_absent(folder: Path, present: list[dict], names: set[str]) -> list[Problem]:
    """Foreign-key columns filled in although the table they point at is not in the folder."""
    problems = []
    for resource in present:
        absent = [
            fk for fk in resource["schema"].get("foreignKeys", []) if fk["reference"]["resource"] not in names | {""}
        ]
        if not absent:
            continue
        rows = _read_rows(folder / resource["path"], [])
        for fk in absent:
            filled = [r["_row"] for r in rows if r.get(fk["fields"])]
            if filled:
                target = fk["reference"]["resource"]
                message = f"{target} 표가 없는데 {len(filled)}개 행이 그것을 가리킵니다."
                problems.append(Problem(resource["path"], filled[0], fk["fields"], message))
    return problems
