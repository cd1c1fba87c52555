"""The one privacy filter that every public output goes through.

:data:`PERSONAL_FIELDS` names the personal columns of each table the filter
knows.  :func:`strip_personal` returns a copy of a frame without them, drops
resources that are not public, and refuses the households table outright:
it is personal as a whole and may never reach a public output.  A table the
filter does not know is refused too (fail closed).

Staff and zone phones are *office* phones and are public.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TypeVar

import numpy as np
import pandas as pd

from mapping.errors import PrivacyError
from mapping.schema import POINT_TABLES

Frame = TypeVar("Frame", bound=pd.DataFrame)


_HOUSEHOLD_COLUMNS = frozenset(c.name for c in POINT_TABLES["households"].columns) | {"geometry"}

PERSONAL_FIELDS: dict[str, frozenset[str]] = {
    "reports": frozenset({"resident_name", "resident_phone"}),
    "households": _HOUSEHOLD_COLUMNS,  # the whole table is personal: refused, never filtered
    "resources": frozenset(),  # no personal column, but rows with public == False are dropped
    "staff": frozenset(),  # office phones are public
    "zones": frozenset(),  # officer names and office phones are public
    "tongs": frozenset(),
    "dongs": frozenset(),
    "blind_spots": frozenset(),
}
"""Personal columns of each table the filter knows."""

REFUSED_TABLES = frozenset({"households"})
"""Tables that are personal as a whole: no public output may include them."""

_MIN_LENGTH = 2
_PHONE_RE = re.compile(r"^[\d\s().+-]+$")


def strip_personal(frame: Frame, *, table: str) -> Frame:
    """Return a copy of ``frame`` fit for a public output.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Rows of one store table; never modified.
    table : str
        The table the rows come from (a key of :data:`PERSONAL_FIELDS`).

    Returns
    -------
    DataFrame or GeoDataFrame
        Same type as ``frame``, without the table's personal columns and,
        for ``resources``, without the rows whose ``public`` is not ``True``.

    Raises
    ------
    PrivacyError
        For ``households`` (personal as a whole), for a table the filter does
        not know, and for resources without a ``public`` column.
    """
    _check_table(table)
    personal = [c for c in frame.columns if c in PERSONAL_FIELDS[table]]
    public = frame.drop(columns=personal)
    if table == "resources":
        public = public.loc[_public_rows(frame)]
    return public.copy(deep=True)


# reports whose place may be the home of a vulnerable resident (a 돌봄이웃 found, a welfare case)
SENSITIVE_ACTIVITIES = frozenset({"care_found"})
SENSITIVE_FIELDS = frozenset({"welfare"})


def public_reports(frame: Frame) -> Frame:
    """Reports fit for a public output: no personal field, and none whose place could point
    at a vulnerable resident's home (돌봄이웃발견 or 복지 reports are left out entirely)."""
    stripped = strip_personal(frame, table="reports")
    sensitive = stripped.get("activity", pd.Series(index=stripped.index, dtype=object)).isin(SENSITIVE_ACTIVITIES)
    sensitive |= stripped.get("field", pd.Series(index=stripped.index, dtype=object)).isin(SENSITIVE_FIELDS)
    return stripped[~sensitive]


def _check_table(table: str) -> None:
    if table in REFUSED_TABLES:
        raise PrivacyError(
            f"'{table}' 표는 전체가 개인정보라 공개 출력에 넣을 수 없습니다. "
            "개인정보 없이 집계만 필요하면 Store.household_zones()를 쓰세요."
        )
    if table not in PERSONAL_FIELDS:
        known = ", ".join(sorted(PERSONAL_FIELDS))
        raise PrivacyError(
            f"'{table}' 표는 개인정보 필터가 모르는 표라 공개할 수 없습니다. "
            f"아는 표: {known}. 새 표라면 mapping/privacy.py의 PERSONAL_FIELDS에 먼저 추가하세요."
        )


def _public_rows(frame: pd.DataFrame) -> pd.Series:
    """Mask of rows whose ``public`` is ``True``; missing or unclear values count as private."""
    if "public" not in frame.columns:
        raise PrivacyError(
            "resources 표에 'public' 열이 없어 공개 여부를 알 수 없습니다. "
            "Store.resources()가 돌려준 표를 그대로 넘기세요."
        )
    return frame["public"].map(_is_true).astype(bool)


def _is_true(value: object) -> bool:
    """``True`` for a true boolean or the integer 1; anything else (None, NaN, text) is not."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return isinstance(value, int | np.integer) and value == 1


def personal_values(frame: pd.DataFrame, *, table: str) -> set[str]:
    """Every non-blank value of ``frame``'s personal columns, as text.

    Meant for tests: feed the result to :func:`assert_no_personal_values`.
    For ``households`` every cell counts, except the location columns.
    """
    columns = [c for c in frame.columns if c in PERSONAL_FIELDS.get(table, frozenset())]
    if table == "households":
        columns = [c for c in columns if c not in {"geometry", "lon", "lat", "tong", "zone_id", "dong_code", "id"}]
    values = (v for c in columns for v in frame[c].tolist())
    return {str(v).strip() for v in values if isinstance(v, str) and len(v.strip()) >= _MIN_LENGTH}


def assert_no_personal_values(text: str, values: Iterable[str]) -> None:
    """Raise :class:`AssertionError` if any personal value occurs in ``text``.

    Parameters
    ----------
    text : str
        The whole output (a file's decoded text, a rendered page).
    values : iterable of str
        Personal values that must not appear.  Values shorter than two
        characters (after stripping) and non-strings are skipped.  A
        phone-like value is also looked for with its digits only
        (``010-1234-5678`` and ``01012345678``).

    Raises
    ------
    AssertionError
        Listing every personal value found.
    """
    found = sorted({value for value in _needles(values) if value in text})
    if found:
        raise AssertionError(f"개인정보가 출력에 들어 있습니다 (personal values in output): {found}")


def _needles(values: Iterable[str]) -> list[str]:
    needles = []
    for value in values:
        if not isinstance(value, str) or len(value.strip()) < _MIN_LENGTH:
            continue
        needles.append(value.strip())
        digits = re.sub(r"\D", "", value)
        if _PHONE_RE.match(value) and len(digits) >= 7 and digits != value.strip():
            needles.append(digits)
    return needles
