"""Text safety, in one leaf module: what counts as a value, and text made inert for HTML maps and spreadsheets.

Imports nothing from :mod:`mapping`, so every module may use it without cycles:

- :func:`present` / :func:`filled` / :func:`text_of`: missing values (None, NaN, NaT, pd.NA) and blanks;
- :func:`esc`: user text in a folium popup or tooltip (HTML, a JavaScript template literal, a Jinja template);
- :func:`safe_cell` / :func:`safe_text`: spreadsheet cells that never become formulas (CSV/formula injection);
- :func:`shorten`, :func:`without_city`: short display forms.

Markdown in Streamlit labels is made inert by ``app_pages.common.md`` (the pages' own concern).
"""

from __future__ import annotations

import html
import math
import re

import pandas as pd
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# folium puts popup and tooltip HTML inside JavaScript template literals (`…`): besides HTML,
# a backtick would end the literal and ${…} would run code, so those are escaped as entities too;
# and it compiles rendered popups and tooltips as a Jinja template once more, so braces are too.
JS_LITERAL = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})
_JS_ENTITIES = tuple((chr(code), entity) for code, entity in JS_LITERAL.items())
_CITY = re.compile(r"^서울(특별)?시\s*")


def present(value: object) -> bool:
    """False for None and NaN-like values (NaN, NaT, pd.NA); True for anything else (containers included)."""
    if value is None:
        return False
    try:
        return not bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers
        return True


def filled(value: object) -> bool:
    """Whether a map cell holds something to show: not None, not a float NaN, not blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(str(value).strip())


def text_of(value: object) -> str:
    """``value`` as stripped text; ``""`` when missing."""
    return str(value).strip() if present(value) else ""


def shorten(text: object, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with "…"."""
    text = " ".join(text_of(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def without_city(address: str) -> str:
    """An address or place name without the leading 서울특별시 (every place here is in Seoul)."""
    return _CITY.sub("", address)


def esc(value: object) -> str:
    """User text made safe for a folium popup or tooltip (HTML and JS template literal); ``""`` when empty."""
    if not filled(value):
        return ""
    text = html.escape(str(value), quote=True)
    for char, entity in _JS_ENTITIES:  # str.replace: translate() is ten times slower on Korean text
        if char in text:
            text = text.replace(char, entity)
    return text


def safe_cell(value: object) -> object:
    """Defuse a spreadsheet cell that would start a formula (CSV/formula injection).

    Following the OWASP advice on CSV injection, a string starting with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a
    single quote ``'`` so that Excel and LibreOffice show it as text.

    Parameters
    ----------
    value : object
        A cell value.

    Returns
    -------
    object
        The quoted string, or ``value`` unchanged (numbers, including
        negative ones, stay numbers).
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_text(value: object) -> str:
    """Text for a spreadsheet cell that no spreadsheet will evaluate.

    Missing values (None, NaN) become ``""``; characters XLSX cannot hold are
    dropped; text starting with ``= + - @``, a tab or a CR gets a leading ``'``
    so it stays a string (openpyxl writes data type ``'s'``, never ``'f'``).
    """
    if not present(value):
        return ""
    return str(safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value))))


def xlsx_safe_chars(value: str) -> str:
    """``value`` without the control characters an XLSX cell cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)
