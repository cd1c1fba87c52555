"""The zone profile sheet as files: a PDF (one A4 page per zone) or an XLSX (one sheet per zone), logged.

:func:`write_zone_profiles` builds the profiles (:func:`mapping.zone_profile.facts.zone_profiles`), writes them
and logs the print or download of the personal data they hold; :func:`export_zone_profile_xlsx` is the
workbook (the PDF page is :mod:`mapping.zone_profile.pdf`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook

from mapping.access import User
from mapping.errors import ExportError
from mapping.printing import xlsx_cell, xlsx_page_setup, xlsx_section, xlsx_table, xlsx_title
from mapping.zone_profile.facts import HANDLING, MARK, SPOT_HEAD, ZoneProfile, profile_list, zone_profiles
from mapping.zone_profile.pdf import export_zone_profile_pdf

if TYPE_CHECKING:
    from mapping.store import Store

_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def write_zone_profiles(
    store: Store, code: str, path: Path, *, user: User, zone_ids: Sequence[str] | None = None
) -> Path:
    """Build the profiles of ``zone_ids`` (default every zone), write them to ``path`` and log it.

    A ``.pdf`` is a print (logged ``출력``), a ``.xlsx`` a download (``다운로드``); the subject is the
    contact book of the zones, as in :meth:`mapping.store.Store.contacts`.

    Parameters
    ----------
    store : mapping.store.Store
        The store.
    code : str
        The dong's 행정동코드.
    path : Path
        The file to write: ``.pdf`` (one A4 page per zone) or ``.xlsx`` (one sheet per zone).
    user : User
        Who prints: the contacts are read, and the file logged, as this user.
    zone_ids : sequence of str, optional
        The zones, in the order wanted; default every zone of the dong.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    mapping.errors.ExportError
        If ``path`` ends in neither ``.pdf`` nor ``.xlsx`` (nothing is read).
    mapping.errors.NotFoundError, PermissionError
        See :func:`mapping.zone_profile.facts.zone_profiles`.
    """
    path = Path(path)
    writers = {".pdf": (export_zone_profile_pdf, "출력"), ".xlsx": (export_zone_profile_xlsx, "다운로드")}
    if path.suffix.lower() not in writers:
        raise ExportError(f"구역 현황 파일 {path.name!r}: 이름이 .pdf 또는 .xlsx로 끝나야 합니다.")
    profiles = zone_profiles(store, code, user=user, zone_ids=zone_ids)
    write, action = writers[path.suffix.lower()]
    write(profiles, path)
    zones = ",".join(p.zone_id for p in profiles)
    subject = f"contacts:{code}:{zones}" if zone_ids is not None else f"contacts:{code}"
    detail = f"구역 현황 {path.suffix[1:]} zones={len(profiles)} rows={sum(len(p.contacts) for p in profiles)}"
    store.log_event(user, action, subject, detail)
    return path


def export_zone_profile_xlsx(profiles: ZoneProfile | Sequence[ZoneProfile], path: Path) -> Path:
    """Write one print-ready sheet per zone (named by zone id; every row of every list) and return ``path``.

    Every text cell passes :func:`mapping.printing.safe_text`: a contact named ``=HYPERLINK(…)`` stays text.

    Parameters
    ----------
    profiles : ZoneProfile or sequence of ZoneProfile
        The zones, one sheet each, in this order (see :func:`mapping.zone_profile.facts.zone_profiles`).
    path : Path
        The workbook to write.

    Returns
    -------
    Path
        ``path``.
    """
    wb = Workbook()
    wb.remove(wb.active)
    widths = (12, 16, 24, 15, 7, 12, 9)
    for profile in profile_list(profiles):
        ws = wb.create_sheet(_sheet_name(profile.zone_id, wb.sheetnames))
        subtitle = f"{profile.dong_line} · {MARK} · 출력 {profile.made_on} {profile.made_by}"
        row = xlsx_title(ws, f"{profile.zone_id} 구역 현황", last_col=len(widths), subtitle=subtitle)
        row = xlsx_section(ws, row, "1. 구역")
        for label, text in profile.summary:
            xlsx_cell(ws, row, 1, label, head=True)
            xlsx_cell(ws, row, 2, text, merge_to=len(widths))
            row += 1
        for title, frame in (("2. 주요 시설", profile.places), ("3. 연락처", profile.contacts)):
            row = xlsx_section(ws, row + 1, title)
            row = xlsx_table(ws, row, [list(frame.columns), *frame.to_numpy().tolist()], widths=widths, centre=(0,))
        row = xlsx_section(ws, row + 1, "4. 취약지점 (청소·안전)")
        row = xlsx_table(ws, row, [list(SPOT_HEAD), *profile.spots.to_numpy().tolist()], widths=widths, centre=(0,))
        row = xlsx_section(ws, row + 1, "5. 평소 순회 경로")
        xlsx_cell(ws, row, 1, profile.walk_summary, merge_to=len(widths), border=False)
        stops = [[str(i), s.label, s.reason] for i, s in enumerate(profile.walk.stops if profile.walk else [], 1)]
        row = xlsx_table(ws, row + 1, [["순번", "장소", "이유"], *stops], widths=widths, centre=(0,))
        xlsx_page_setup(ws, widths=widths, last_row=row - 1)
        ws.page_setup.fitToHeight = 1  # one page per zone
        ws.oddHeader.right.text = MARK
        ws.oddFooter.center.text = f"{MARK} — {HANDLING}"
    wb.save(path)
    return Path(path)


def _sheet_name(zone_id: str, taken: list[str]) -> str:
    name = _SHEET_BAD.sub("_", zone_id)[:28] or "구역"
    return name if name not in taken else f"{name}_{len(taken)}"
