"""Store methods for the zone's contact book and its dated log (mixed into :class:`mapping.store.Store`).

Personal data: seen zone by zone like households (the reach helpers are in :mod:`mapping.store.outreach`),
every view and change in the access log.  Pure rules live in :mod:`mapping.contacts`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import SupportsFloat, cast

import pandas as pd
import sqlalchemy as sa

from mapping.access import User
from mapping.contacts import contact_status, parse_contact_event, parse_contact_kind, parse_phone
from mapping.crs import plausible_lonlat
from mapping.errors import ConflictError, NotFoundError, Problem
from mapping.kit.tables import parse_tong
from mapping.store.base import StoreBase
from mapping.store.engine import _new_id
from mapping.store.outreach import _raise, _text, _too_long
from mapping.store.schema import CONTACT_LOG, CONTACTS

CONTACT_FIELDS = ("kind", "name", "organisation", "phone", "tong", "lonlat", "note")


def _checked_tong(values: Mapping[str, object]) -> int:
    """The tong of :meth:`ContactsMixin._contact_values` (``parse_tong`` made it a number, or it raised)."""
    tong = values["tong"]
    if not isinstance(tong, int):
        raise TypeError(f"통 {tong!r}은(는) 확인된 통 번호가 아닙니다.")
    return tong


class ContactsMixin(StoreBase):
    """The contact book: loading from the kit, reading (logged) and writing (versioned, logged)."""

    # ---- loading ---------------------------------------------------------------------------------------------------
    def _sync_contacts(self, conn: sa.Connection, code: str, frame: pd.DataFrame | None) -> tuple[int, int]:
        """Match the kit's contacts by content: unchanged rows keep their ids (and log); gone ones go."""
        frame = frame if frame is not None else pd.DataFrame(columns=["kit_key"])
        existing = dict(
            conn.execute(
                sa.select(CONTACTS.c.kit_key, CONTACTS.c.id).where(
                    CONTACTS.c.dong_code == code, CONTACTS.c.origin == "kit"
                )
            ).all()
        )
        wanted = set(frame["kit_key"])
        gone = [i for k, i in existing.items() if k not in wanted]
        if gone:
            conn.execute(CONTACT_LOG.delete().where(CONTACT_LOG.c.contact_id.in_(gone)))
            conn.execute(CONTACTS.delete().where(CONTACTS.c.id.in_(gone)))
        new = frame[~frame["kit_key"].isin(existing)]
        now = self.clock()
        rows = [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in rec.items() if k in CONTACTS.c}
            | {"dong_code": code, "origin": "kit", "added_at": now, "version": 1, "tong": int(rec["tong"])}
            for rec in new.to_dict("records")
        ]
        if rows:
            conn.execute(CONTACTS.insert(), rows)
        return len(rows), len(gone)

    # ---- reading ---------------------------------------------------------------------------------------------------
    def _contact_row(self, contact_id: int, user: User) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(CONTACTS).where(CONTACTS.c.id == int(contact_id))).mappings().first()
        if row is None:
            raise NotFoundError(f"연락처 {contact_id}이(가) 없습니다.")
        contact = dict(row) | {"zone_id": self._zone_of_tong(row["dong_code"]).get(int(row["tong"]))}
        if not self._in_reach(self._reach(row["dong_code"], user, "연락처"), contact["zone_id"]):
            raise PermissionError(
                f"{user.name}은(는) 연락처 {contact_id}({row['tong']}통, 구역 {contact['zone_id'] or '없음'})를 "
                "볼 수 없습니다: 그 구역 담당·대직자·팀장·동장만 봅니다."
            )
        return contact

    def contacts(self, code: str, *, user: User, today: dt.date | None = None) -> pd.DataFrame:
        """The contact book of the zones ``user`` may see (personal data; the read is logged).

        Returns
        -------
        DataFrame
            The ``contacts`` columns plus ``zone_id`` (the tong's current zone), ``last_contacted``,
            ``days_since`` and ``stale`` (untouched 90 days before ``today``; see
            :func:`mapping.contacts.contact_status`).

        Raises
        ------
        PermissionError
            If ``user`` may not read personal data of any zone of the dong.
        """
        reach = self._reach(code, user, "연락처")
        zone_of = self._zone_of_tong(code)
        query = sa.select(CONTACTS).where(CONTACTS.c.dong_code == code).order_by(CONTACTS.c.tong, CONTACTS.c.id)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in CONTACTS.columns])
            frame["zone_id"] = [zone_of.get(int(t)) for t in frame["tong"]]
            frame = frame[self._reach_mask(reach, frame["zone_id"])].reset_index(drop=True)
            ids = [int(i) for i in frame["id"]]
            log = pd.DataFrame(
                conn.execute(
                    sa.select(CONTACT_LOG.c.contact_id, CONTACT_LOG.c.on_date).where(CONTACT_LOG.c.contact_id.in_(ids))
                ).all(),
                columns=["contact_id", "on_date"],
            )
        self.log_event(user, "조회", f"contacts:{code}", f"rows={len(frame)} zones={len(reach)}")
        return contact_status(frame, log, today=today or self.clock().date())

    def contact(self, contact_id: int, *, user: User) -> dict:
        """One contact with its ``zone_id`` (personal data; logged).

        Raises
        ------
        NotFoundError
            If there is none with that id.
        PermissionError
            If its zone is not in ``user``'s reach.
        """
        contact = self._contact_row(contact_id, user)
        self.log_event(user, "조회", f"contacts:{contact_id}")
        return contact

    def contact_log(self, contact_id: int, *, user: User) -> pd.DataFrame:
        """The dated log of a contact, oldest first (personal data; logged)."""
        self._contact_row(contact_id, user)
        query = sa.select(CONTACT_LOG).where(CONTACT_LOG.c.contact_id == int(contact_id))
        with self.writer.begin() as conn:
            rows = conn.execute(query.order_by(CONTACT_LOG.c.on_date, CONTACT_LOG.c.id)).mappings().all()
            self._log(conn, user, "조회", f"contact_log:{contact_id}", f"rows={len(rows)}")
        return pd.DataFrame(rows, columns=[c.name for c in CONTACT_LOG.columns])

    # ---- contacts: writing ---------------------------------------------------------------------------------------
    def _contact_values(self, code: str, given: Mapping[str, object]) -> dict[str, object]:
        """Checked column values for the fields in ``given``; every problem at once."""
        problems: list[Problem] = []
        values: dict[str, object] = {}
        unknown = set(given) - set(CONTACT_FIELDS)
        problems += [
            Problem("연락처", None, k, f"고칠 수 없는 항목입니다. 가능한 항목: {', '.join(CONTACT_FIELDS)}")
            for k in sorted(unknown)
        ]
        parsers = {"kind": ("구분", parse_contact_kind), "phone": ("연락처", parse_phone)}
        for key, (label, parse) in parsers.items():
            if key in given and _text(given[key]):
                try:
                    values[key] = parse(str(given[key]))
                except ValueError as err:
                    problems.append(Problem("연락처", None, label, str(err)))
            elif key in given:
                values[key] = None
        for key, label in (("name", "성명"), ("organisation", "소속"), ("note", "비고")):
            if key in given:
                text = _text(given[key])
                values[key] = text
                problems += _too_long("연락처", label, text)
        if "name" in given and not values["name"]:
            problems.append(Problem("연락처", None, "성명", "성명을 적으세요."))
        if "kind" in given and values.get("kind") is None and not any(p.column == "구분" for p in problems):
            problems.append(Problem("연락처", None, "구분", "구분(통장, 반장, 직능단체 …)을 고르세요."))
        if "tong" in given:
            tongs = {int(t) for t in self.tongs(code)["tong"]}
            try:
                values["tong"] = parse_tong(str(given["tong"]))
            except ValueError as err:
                problems.append(Problem("연락처", None, "통", str(err)))
            if values.get("tong") is not None and values["tong"] not in tongs:
                shown = f"{min(tongs)}–{max(tongs)}"
                problems.append(
                    Problem("연락처", None, "통", f"통 {values['tong']}은(는) 이 동에 없습니다 (있는 통: {shown}).")
                )
        if "lonlat" in given:
            values["lon"], values["lat"] = None, None
            if given["lonlat"] is not None:
                lon, lat = (float(v) for v in cast("Iterable[SupportsFloat]", given["lonlat"]))  # a (lon, lat) pair
                if not (math.isfinite(lon) and math.isfinite(lat) and plausible_lonlat(lon, lat)):
                    problems.append(Problem("연락처", None, "위치", f"위치 ({lon}, {lat})가 서울이 아닙니다."))
                values["lon"], values["lat"] = lon, lat
        _raise(problems, "연락처")
        return values

    def _check_contact_zone(self, code: str, tong: int, user: User) -> str:
        """The name ``user`` records under, once they may keep the contacts of ``tong`` (staff of the dong, in reach)."""
        actor = self._actor_in(code, user, doing="연락망 기록")
        zone = self._zone_of_tong(code).get(int(tong))
        if not self._in_reach(self._reach(code, user, "연락처"), zone):
            raise PermissionError(f"{user.name}은(는) {tong}통(구역 {zone or '없음'})의 연락처를 다룰 수 없습니다.")
        return actor

    def add_contact(
        self,
        code: str,
        *,
        kind: str,
        name: str,
        tong: int,
        user: User,
        organisation: str | None = None,
        phone: str | None = None,
        lonlat: tuple[float, float] | None = None,
        note: str | None = None,
    ) -> int:
        """Add a contact to the book of the tong's zone; returns its id (logged).

        Raises
        ------
        ValidationError
            For an unknown kind or tong, an empty name, a bad phone number or place; nothing is stored.
        PermissionError
            If the tong's zone is not in ``user``'s reach.
        """
        given = {"kind": kind, "name": name, "tong": tong, "organisation": organisation, "phone": phone}
        values = self._contact_values(code, given | {"lonlat": lonlat, "note": note})
        actor = self._check_contact_zone(code, _checked_tong(values), user)
        row = values | {"dong_code": code, "origin": "app", "added_at": self.clock(), "version": 1}
        with self.writer.begin() as conn:
            contact_id = _new_id(conn.execute(CONTACTS.insert().values(**row, updated_by=actor)))
            self._log(conn, user, "입력", f"contacts:{contact_id}", f"tong={values['tong']}")
        return contact_id

    def update_contact(
        self, contact_id: int, changes: Mapping[str, object], *, user: User, expected_version: int | None = None
    ) -> None:
        """Change a contact's fields (``kind, name, organisation, phone, tong, lonlat, note``); logged.

        Raises
        ------
        ConflictError
            If someone changed it since ``expected_version`` (what the editor saw): nothing is overwritten.
        ValidationError, PermissionError
            As for :meth:`add_contact` (a new tong must also be in reach).
        """
        contact = self._contact_row(contact_id, user)
        actor = self._check_contact_zone(contact["dong_code"], int(contact["tong"]), user)
        values = self._contact_values(contact["dong_code"], changes)
        if "tong" in values:
            self._check_contact_zone(contact["dong_code"], _checked_tong(values), user)
        seen = int(expected_version) if expected_version is not None else int(contact["version"])
        with self.writer.begin() as conn:
            done = conn.execute(
                CONTACTS.update()
                .where(CONTACTS.c.id == int(contact_id), CONTACTS.c.version == seen)
                .values(**values, updated_at=self.clock(), updated_by=actor, version=seen + 1)
            ).rowcount
            if done != 1:
                raise ConflictError(self._contact_conflict(contact_id))
            self._log(conn, user, "변경", f"contacts:{contact_id}", ",".join(sorted(changes)))

    def _contact_conflict(self, contact_id: int) -> str:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(CONTACTS.c.updated_by, CONTACTS.c.updated_at).where(CONTACTS.c.id == int(contact_id))
            ).first()
        who = f"{row[0]}({row[1]:%H:%M})" if row and row[0] and row[1] else "다른 사람"
        return (
            f"연락처 {contact_id}을(를) 그 사이에 {who}이(가) 먼저 고쳤습니다. "
            "덮어쓰지 않았습니다: 새로 불러와 확인하고 다시 하세요."
        )

    def delete_contact(self, contact_id: int, *, user: User, expected_version: int | None = None) -> None:
        """Delete a contact and its log (logged).

        Raises
        ------
        ConflictError
            If someone changed it since ``expected_version``.
        """
        contact = self._contact_row(contact_id, user)
        self._check_contact_zone(contact["dong_code"], int(contact["tong"]), user)
        seen = int(expected_version) if expected_version is not None else int(contact["version"])
        with self.writer.begin() as conn:
            where = (CONTACTS.c.id == int(contact_id)) & (CONTACTS.c.version == seen)
            if conn.execute(CONTACTS.delete().where(where)).rowcount != 1:
                raise ConflictError(self._contact_conflict(contact_id))
            conn.execute(CONTACT_LOG.delete().where(CONTACT_LOG.c.contact_id == int(contact_id)))
            self._log(conn, user, "삭제", f"contacts:{contact_id}")

    def log_contact(
        self,
        contact_id: int,
        *,
        kind: str,
        on_date: dt.date,
        user: User,
        by_whom: str | None = None,
        note: str | None = None,
    ) -> int:
        """Record a contact with this person (만남 / 통화 / 동장 동행 소개) on ``on_date``; returns its id.

        ``by_whom``: the staff member who met or called (``user`` when not given).

        Raises
        ------
        ValidationError
            For an unknown kind, a date in the future, or ``by_whom`` not on the staff list.
        """
        contact = self._contact_row(contact_id, user)
        actor = self._check_contact_zone(contact["dong_code"], int(contact["tong"]), user)
        by_whom = by_whom or actor
        problems = []
        try:
            kind = parse_contact_event(kind)
        except ValueError as err:
            problems.append(Problem("연락 기록", None, "방법", str(err)))
        if on_date > self.clock().date():
            problems.append(Problem("연락 기록", None, "날짜", f"{on_date}은(는) 아직 오지 않은 날입니다."))
        if by_whom not in set(self.staff(contact["dong_code"])["name"]):
            problems.append(Problem("연락 기록", None, "담당", f"{by_whom!r}는 직원 명단에 없습니다."))
        problems += _too_long("연락 기록", "비고", _text(note))
        _raise(problems, "연락 기록")
        row = {"contact_id": int(contact_id), "kind": kind, "on_date": on_date, "by_whom": by_whom}
        with self.writer.begin() as conn:
            entry = conn.execute(CONTACT_LOG.insert().values(**row, note=_text(note), recorded_at=self.clock()))
            self._log(conn, user, "입력", f"contact_log:{contact_id}", kind)
        return _new_id(entry)
