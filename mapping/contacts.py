"""The zone's contact book (personal data): who the officer knows in the neighbourhood, and when they last spoke.

통장·반장, 직능단체 members, 아파트 관리사무소, 입주자대표, 경로당 대표, and the neighbours who visit people
needing care (도시가스 검침원, 요구르트 배달원, 나눔이웃 참여 주민).  Each contact belongs to a tong, so to the
zone that owns the tong; only staff who may see that zone's personal data see them
(:func:`mapping.access.personal_zones`), and every view is logged.

Everything here is pure: parsing the vocabularies (:data:`mapping.domain.CONTACT_KINDS`,
:data:`mapping.domain.CONTACT_EVENTS`), the kit's columns, phone numbers and the 90-day "stale" flag.
The store's part is :mod:`mapping.store.outreach`.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from mapping.domain import CONTACT_EVENTS, CONTACT_KINDS, Vocabulary
from mapping.kit.tables import Column, parse_tong

STALE_DAYS = 90  # a contact untouched this long is flagged for the officer


def _loose(vocab: Vocabulary, value: object) -> str:
    """The key of ``value`` in ``vocab``, ignoring spaces and a ``·`` (``아파트관리사무소`` = ``아파트 관리사무소``)."""
    try:
        return vocab.parse(value)
    except ValueError:
        squeezed = re.sub(r"[\s·]", "", str(value))
        for key, label in vocab.items:
            if squeezed == re.sub(r"[\s·]", "", label):
                return key
        raise


def parse_contact_kind(value: object) -> str:
    """``"통장"``, ``"tong_leader"`` or ``"아파트관리사무소"`` → the English key.

    Raises
    ------
    ValueError
        Listing the accepted kinds.
    """
    return _loose(CONTACT_KINDS, value)


def parse_contact_event(value: object) -> str:
    """``"만남"``, ``"통화"``, ``"동장 동행 소개"`` (or the keys) → the English key.

    Raises
    ------
    ValueError
        Listing the accepted kinds of contact.
    """
    return _loose(CONTACT_EVENTS, value)


_MOBILE = re.compile(r"(01[016789])(\d{3,4})(\d{4})")
_SEOUL = re.compile(r"(02)(\d{3,4})(\d{4})")
_AREA = re.compile(r"(0[3-6][1-5]|070|050\d)(\d{3,4})(\d{4})")
_NATIONWIDE = re.compile(r"(1[5-9]\d{2})(\d{4})")  # 1588-1234, 1644-…, 1899-…
PHONE_EXAMPLES = "02-123-4567, 010-1234-5678, 031-123-4567, 1588-1234"


def parse_phone(text: str) -> str:
    """A Korean phone number, with or without hyphens, as ``02-123-4567`` / ``010-1234-5678`` / ``1588-1234``.

    Spaces, dots, brackets and a leading ``+82`` are accepted.

    Raises
    ------
    ValueError
        Saying what was got and what is expected (and that Excel may have dropped a leading 0).
    """
    raw = str(text).strip()
    digits = re.sub(r"[\s\-.()]", "", raw)
    if digits.startswith("+82"):
        digits = "0" + digits[3:].lstrip("0")
    if digits.isdigit():
        for pattern in (_SEOUL, _MOBILE, _AREA, _NATIONWIDE):
            match = pattern.fullmatch(digits)
            if match:
                return "-".join(match.groups())
    hint = ""
    lost_zero = digits.isdigit() and not digits.startswith("0")
    if lost_zero and (_MOBILE.fullmatch("0" + digits) or _SEOUL.fullmatch("0" + digits)):
        hint = " 맨 앞의 0이 빠진 것 같습니다: Excel에서 셀 서식을 '텍스트'로 바꾸고 다시 적으세요."
    raise ValueError(f"전화번호 {raw!r}를 읽을 수 없습니다 (예: {PHONE_EXAMPLES}).{hint}")


CONTACT_COLUMNS = [
    Column("kind", "구분", parse=parse_contact_kind),
    Column("name", "성명"),
    Column("organisation", "소속", required=False, aliases=("organization",)),
    Column("phone", "연락처", required=False, parse=parse_phone),
    Column("tong", "통", parse=parse_tong),
    Column("note", "비고", required=False, aliases=("상시연락체계",)),
]


def contact_status(
    contacts: pd.DataFrame, log: pd.DataFrame, *, today: dt.date, stale_days: int = STALE_DAYS
) -> pd.DataFrame:
    """Each contact's last contact and whether it is stale (untouched ``stale_days`` or more before ``today``).

    A contact never contacted counts from when it was added (``added_at``).

    Parameters
    ----------
    contacts : DataFrame
        The contacts, with ``id`` and ``added_at``.
    log : DataFrame
        Contact events, with ``contact_id`` and ``on_date``.
    today : datetime.date
        The day to count from.
    stale_days : int
        How many days untouched make a contact stale (default 90).

    Returns
    -------
    DataFrame
        A copy of ``contacts`` with ``last_contacted`` (date or None), ``days_since`` (int) and ``stale`` (bool).
    """
    last: dict[int, dt.date] = {}
    for contact_id, on_date in zip(log.get("contact_id", []), log.get("on_date", []), strict=True):
        day = pd.Timestamp(on_date).date()
        key = int(contact_id)
        last[key] = max(last.get(key, day), day)
    out = contacts.copy()
    out["last_contacted"] = [last.get(int(i)) for i in out["id"]] if len(out) else []
    since = [
        (today - (seen or pd.Timestamp(added).date())).days
        for seen, added in zip(out["last_contacted"], out["added_at"], strict=True)
    ]
    out["days_since"] = pd.Series(since, index=out.index, dtype="int64")
    out["stale"] = out["days_since"] >= stale_days
    return out
