"""Writing welfare resources as an Open Referral HSDS 3.0 tabular data package (see :mod:`mapping.publish.hsds`).

Ids are UUIDv5 of the dong and the resource's ``kit_key`` (or store id), so exporting the same
store twice gives the same files.  HSDS 3.0 classifies services through ``attribute`` →
``taxonomy_term``, never through a service's free-text name, and a code survives renaming and
translation: so the resource type is a term of our own taxonomy, not part of the name.

Every export goes through :func:`mapping.publish.privacy.strip_personal` first: private resources
(``public`` not ``True``) never reach a file.  Values are written unchanged, without a formula
guard (why: :mod:`mapping.publish.hsds`).  Import :func:`export_hsds` from :mod:`mapping.publish.hsds`.
"""

from __future__ import annotations

import csv
import json
import re
import uuid
from pathlib import Path

import geopandas as gpd
import pandas as pd

from mapping.crs import to_web
from mapping.domain import RESOURCE_TYPES
from mapping.errors import ExportError
from mapping.publish.hsds.package import (
    _DAYS,
    COUNTRY,
    KST_OFFSET,
    TABLES,
    TAXONOMY_NAME,
    UNKNOWN_POSTAL_CODE,
    _package_descriptor,
)
from mapping.publish.privacy import strip_personal

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://openreferral.org/hsds/3.0/udongju-map")
_STATE_CITY_RE = re.compile(r"^\s*(\S+?(?:특별시|광역시|특별자치시|특별자치도|도))\s*(\S+?[시군구])(?:\s|$)")
_POSTAL_RE = re.compile(r"^\s*(\d{5})\s|\(우\)\s*(\d{5})|\((\d{5})\)|\[(\d{5})\]")
_HOURS_RE = re.compile(r"^(평일|매일|주말|토요일|일요일)\s*(\d{1,2}):(\d{2})\s*[-~–]\s*(\d{1,2}):(\d{2})$")


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
