"""Open Referral HSDS 3.0, what export and import share: the official package, tables, vocabulary, validation.

The official data package is vendored (``data/schemas/hsds-3.0``, CC BY-SA 4.0).  The two directions
are :mod:`mapping.publish.hsds.export` and :mod:`mapping.publish.hsds.imports`; callers import all of it from
:mod:`mapping.publish.hsds`.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mapping.errors import NotFoundError, Problem
from mapping.kit.limits import size_problems, table_shape_problem, text_table_problems

_ROOT = Path(__file__).resolve().parents[3]
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

CsvRow = dict[str, Any]
"""One row of an HSDS CSV table: column → its stripped text, and ``"_row"`` → the row number a spreadsheet shows (int)."""

REQUIRED_TABLES = ("service", "location", "service_at_location")
"""Tables :func:`read_hsds` cannot do without."""

TAXONOMY_NAME = "우동주 복지자원 유형"
UNKNOWN_POSTAL_CODE = "-"  # HSDS requires a postal code; our addresses rarely carry one
COUNTRY = "KR"
KST_OFFSET = "+09:00"
_DAYS = {  # the day words of our ``hours`` text ↔ an RRULE's BYDAY
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


# ---- one table --------------------------------------------------------------


def _read_rows(path: Path, problems: list[Problem]) -> list[CsvRow]:
    """Rows of one HSDS CSV table (``_row`` = the row number as a spreadsheet shows it); bad ids go to ``problems``.

    A file over :mod:`mapping.kit.limits` (size, cells, rows) is refused before it is parsed.
    """
    refused = size_problems(path)
    if refused:
        problems += refused
        return []
    try:
        text = path.read_bytes().decode("utf-8-sig")
        refused = text_table_problems(text, file=path.name)
        if refused:
            problems += refused
            return []
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows: list[CsvRow] = [
            {k: (v or "").strip() for k, v in r.items() if k} | {"_row": n} for n, r in enumerate(reader, 2)
        ]
        header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(path.name, None, None, f"UTF-8 CSV로 읽을 수 없습니다: {exc}"))
        return []
    found = f"표에 행이 {len(rows):,}개, 열이 {len(header):,}개 있습니다"
    problem = table_shape_problem(file=path.name, rows=len(rows) + 1, columns=len(header), found=found)
    if problem:
        problems.append(problem)
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
