"""Store methods that write a dong's reference data (mixed into :class:`mapping.store.Store`).

- **loading a kit**: the dong, its tongs, staff and zones are replaced, the point tables are
  matched by content, all in one transaction;
- **zone ownership**: saving who owns which tong, handing a zone to a successor, and the
  ownership history that keeps the credit for the past.

Every write of the dong, tongs, staff or zones bumps the reference revision
(:func:`mapping.store.schema.bump_reference_revision`), so the store's cached reference frames reload.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from mapping.access import User, check_admin, check_staff
from mapping.domain import LEADER_ROLES, OPEN_STATUSES
from mapping.errors import NotFoundError, Problem, ValidationError
from mapping.kit.reader import Kit
from mapping.store.contacts import ContactsMixin
from mapping.store.engine import _as_list, _records, _tong, _wkb
from mapping.store.referrals import ReferralsMixin
from mapping.store.schema import NOTICE_POSTS, PATHS, POINT_TABLES, bump_reference_revision, meta
from mapping.tong_index import attach_tong_zone
from mapping.zones import zone_of_tong, zones_from_tongs


@dataclass
class LoadSummary:
    """What :meth:`Store.load_kit` did, table by table."""

    dong_code: str
    dong_name: str
    counts: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)


class LoadingMixin(ContactsMixin, ReferralsMixin):  # a kit brings contacts; a household gone takes its referrals
    """Loading a kit and saving who owns which tong."""

    # ---- the kit -----------------------------------------------------------
    def load_kit(self, kit: Kit, *, user: User) -> LoadSummary:
        """Load a checked kit in one transaction; loading it again duplicates nothing.

        Reference data (dong, tongs, staff, zones) is replaced; kit rows of the
        point tables are matched by content, so unchanged rows keep their ids
        and rows added in the app are left alone.

        Raises
        ------
        AccessError
            Unless ``user`` administers the kit's dong (or is the owner).
        """
        check_admin(user, kit.adm_cd2, doing=f"자료 키트 불러오기 ({kit.adm_nm})")
        zones = zones_from_tongs(kit.tongs, kit.staff, dong=kit.dong)
        summary = LoadSummary(kit.adm_cd2, kit.adm_nm)
        now = self.clock()
        sample = (
            bool(json.loads((kit.folder / "kit.json").read_text(encoding="utf-8")).get("sample"))
            if (kit.folder / "kit.json").exists()
            else False
        )
        with self.writer.begin() as conn:
            code = kit.adm_cd2
            self._replace_reference(conn, kit, sample=sample, now=now)
            self._write_staff_zones(conn, code, kit.staff, zones)
            self._record_owners(conn, code, kit.staff, now)
            conn.execute(PATHS.delete().where(PATHS.c.dong_code == code))
            if kit.paths is not None and len(kit.paths):
                conn.execute(PATHS.insert(), [{"dong_code": code, "geom": _wkb(g)} for g in kit.paths.geometry])
            for name, frame in kit.tables.items():
                added, removed = self._sync_points(conn, name, code, frame, kit.tongs, zones)
                summary.added[name], summary.removed[name] = added, removed
                summary.counts[name] = len(frame)
            added, removed = self._sync_contacts(conn, code, kit.contacts)
            summary.added["contacts"], summary.removed["contacts"] = added, removed
            summary.counts["contacts"] = 0 if kit.contacts is None else len(kit.contacts)
            summary.counts |= {"tongs": len(kit.tongs), "staff": len(kit.staff), "zones": len(zones)}
            self._log(conn, user, "입력", f"kit:{code}", f"households={len(kit.tables['households'])}")
        return summary

    def _replace_reference(self, conn: sa.Connection, kit: Kit, *, sample: bool, now: dt.datetime) -> None:
        code, t = kit.adm_cd2, meta.tables
        bump_reference_revision(conn)
        for name in ("dongs", "tongs"):
            conn.execute(t[name].delete().where(t[name].c.dong_code == code))
        dong_row = {"dong_code": code, "name": kit.adm_nm, "geom": _wkb(kit.dong.geometry.iloc[0])}
        conn.execute(t["dongs"].insert().values(**dong_row, sample=sample, loaded_at=now))
        conn.execute(
            t["tongs"].insert(),
            [{"dong_code": code, "tong": int(r.tong), "geom": _wkb(r.geometry)} for r in kit.tongs.itertuples()],
        )

    def _write_staff_zones(self, conn: sa.Connection, code: str, staff: pd.DataFrame, zones: gpd.GeoDataFrame) -> None:
        t = meta.tables
        bump_reference_revision(conn)
        for name in ("staff", "zones"):
            conn.execute(t[name].delete().where(t[name].c.dong_code == code))
        conn.execute(
            t["staff"].insert(),
            [
                {
                    "dong_code": code,
                    "name": r["name"],
                    "team": r["team"],
                    "role": r["role"],
                    "duties": r["duties"] or [],
                    "phone": r["phone"],
                    "substitute": r["substitute"] or None,
                    "tongs": sorted(int(n) for n in _as_list(r["tongs"])),
                    "sort_order": i,
                    "public_card": r.get("public_card") is True or r.get("public_card") == 1,
                }
                for i, r in enumerate(_records(staff))
            ],
        )
        if len(zones):
            conn.execute(
                t["zones"].insert(),
                [
                    {
                        "dong_code": code,
                        "zone_id": z.zone_id,
                        "officer": z.officer,
                        "team": z.team,
                        "substitute": z.substitute,
                        "phone": z.phone,
                        "tongs": [int(n) for n in z.tongs],
                        "area_m2": float(z.area_m2),
                        "contiguous": bool(z.contiguous),
                        "geom": _wkb(z.geometry),
                    }
                    for z in zones.itertuples()
                ],
            )
        self._reattach_zones(conn, code, zones)

    def _reattach_zones(self, conn: sa.Connection, code: str, zones: gpd.GeoDataFrame) -> None:
        """Resources, households, blind spots and notice posts follow their tong's current zone.

        Reports keep the zone they were filed in: that is history.
        """
        zone_of = zone_of_tong(zones)
        for t in (*(POINT_TABLES[name] for name in ("resources", "households", "blind_spots")), NOTICE_POSTS):
            conn.execute(t.update().where(t.c.dong_code == code).values(zone_id=None))
            for tong, zone in zone_of.items():
                conn.execute(t.update().where(t.c.dong_code == code, t.c.tong == tong).values(zone_id=zone))

    def _record_owners(self, conn: sa.Connection, code: str, staff: pd.DataFrame, now: dt.datetime) -> None:
        t = meta.tables["tong_owners"]
        current = {
            r.tong: (r.id, r.officer)
            for r in conn.execute(sa.select(t).where(t.c.dong_code == code, t.c.until.is_(None)))
        }
        wanted = {int(n): p["name"] for p in staff.to_dict("records") for n in _as_list(p["tongs"])}
        for tong, (row_id, officer) in current.items():
            if wanted.get(tong) != officer:
                conn.execute(t.update().where(t.c.id == row_id).values(until=now))
        new = [
            {"dong_code": code, "tong": n, "officer": o, "since": now}
            for n, o in wanted.items()
            if current.get(n, (None, None))[1] != o
        ]
        if new:
            conn.execute(t.insert(), new)

    def _sync_points(
        self,
        conn: sa.Connection,
        name: str,
        code: str,
        frame: gpd.GeoDataFrame,
        tongs: gpd.GeoDataFrame,
        zones: gpd.GeoDataFrame,
    ) -> tuple[int, int]:
        t = POINT_TABLES[name]
        existing = dict(
            conn.execute(sa.select(t.c.kit_key, t.c.id).where(t.c.dong_code == code, t.c.origin == "kit")).all()
        )
        wanted = set(frame["kit_key"]) if len(frame) else set()
        gone = [i for k, i in existing.items() if k not in wanted]
        if gone:
            if name == "households":  # a household the kit no longer has takes its referrals (and notes) with it
                self._drop_household_referrals(conn, gone)
            conn.execute(t.delete().where(t.c.id.in_(gone)))
        new = frame[~frame["kit_key"].isin(existing)] if len(frame) else frame
        if len(new):
            where = attach_tong_zone(new.geometry, tongs, zones)
            cols = {c.name for c in t.columns}
            rows = []
            for rec, tong, zone, pt in zip(_records(new), where["tong"], where["zone_id"], new.geometry, strict=True):
                row = {k: v for k, v in rec.items() if k in cols and k != "id"}
                rows.append(
                    row
                    | {
                        "dong_code": code,
                        "origin": "kit",
                        "lon": pt.x,
                        "lat": pt.y,
                        "tong": _tong(tong),
                        "zone_id": zone,
                    }
                )
            conn.execute(t.insert(), rows)
        return len(new), len(gone)

    # ---- zone ownership ----------------------------------------------------
    def save_assignments(self, code: str, staff: pd.DataFrame, *, user: User) -> gpd.GeoDataFrame:
        """Save who owns which tong (and substitutes) in one transaction, after full validation.

        Parameters
        ----------
        code : str
            The dong.
        staff : DataFrame
            The whole staff list as :meth:`staff` returns it, edited.
        user : User
            Who is saving (logged).

        Returns
        -------
        GeoDataFrame
            The new zones.

        Raises
        ------
        AccessError
            Unless ``user`` is a team leader, the administrative team leader or the dong head of dong ``code``.
        ValidationError
            With every problem; nothing is saved.
        """
        check_staff(user, code, doing="구역 저장", roles=LEADER_ROLES)
        zones = zones_from_tongs(self.tongs(code), staff, dong=self.dong(code))
        now = self.clock()
        with self.writer.begin() as conn:
            self._write_staff_zones(conn, code, staff, zones)
            self._record_owners(conn, code, staff, now)
            self._log(conn, user, "변경", f"zones:{code}", f"zones={len(zones)}")
        return zones

    def reassign(self, code: str, zone_id: str, successor: str, *, user: User) -> dict[str, object]:
        """Hand a zone, its open reports and its households to a successor, in one transaction.

        The former officer keeps the credit for the past: ownership history
        (:meth:`ownership`) records who owned each tong from when to when.

        Raises
        ------
        AccessError
            Unless ``user`` is a team leader, the administrative team leader or the dong head of dong ``code``.
        NotFoundError
            If the zone or the successor is not there.
        ValidationError
            If the successor already owns a zone.
        """
        check_staff(user, code, doing="구역 인계", roles=LEADER_ROLES)
        staff, zones = self.staff(code), self.zones(code)
        match = zones[zones["zone_id"] == zone_id]
        if match.empty:
            raise NotFoundError(f"구역 {zone_id}이(가) 없습니다. 있는 구역: {', '.join(zones['zone_id'])}")
        if successor not in set(staff["name"]):
            raise NotFoundError(f"후임자 {successor!r}가 직원 명단에 없습니다. 먼저 직원으로 추가하세요.")
        zone = match.iloc[0]
        former = zone["officer"]
        owned = zones[zones["officer"] == successor]
        if not owned.empty:
            raise ValidationError(
                [
                    Problem(
                        "reassign",
                        None,
                        "후임자",
                        f"{successor}은(는) 이미 구역 {owned.iloc[0]['zone_id']}를 맡고 있습니다.",
                    )
                ],
                what="구역 인계",
            )
        staff = staff.copy()
        staff["tongs"] = staff["tongs"].astype(object)
        is_former, is_successor = staff["name"] == former, staff["name"] == successor
        staff.loc[is_former, "tongs"] = pd.Series([[]] * int(is_former.sum()), index=staff.index[is_former])
        staff.loc[is_successor, "tongs"] = pd.Series([list(zone["tongs"])], index=staff.index[is_successor])
        if not staff.loc[is_successor, "substitute"].iloc[0] and zone["substitute"] != successor:
            staff.loc[is_successor, "substitute"] = zone["substitute"]
        new_zones = zones_from_tongs(self.tongs(code), staff, dong=self.dong(code))
        reports = POINT_TABLES["reports"]
        mine = sa.or_(reports.c.assignee == former, sa.and_(reports.c.assignee.is_(None), reports.c.finder == former))
        now = self.clock()
        with self.writer.begin() as conn:
            self._write_staff_zones(conn, code, staff, new_zones)
            self._record_owners(conn, code, staff, now)
            moved = conn.execute(
                reports.update()
                .where(
                    reports.c.dong_code == code, reports.c.zone_id == zone_id, reports.c.status.in_(OPEN_STATUSES), mine
                )
                .values(assignee=successor, version=sa.func.coalesce(reports.c.version, 1) + 1)
            ).rowcount
            households = POINT_TABLES["households"]
            visits = conn.execute(
                sa.select(sa.func.count()).where(households.c.dong_code == code, households.c.zone_id == zone_id)
            ).scalar_one()
            self._log(conn, user, "변경", f"zones:{code}:{zone_id}", f"{former} -> {successor}")
        return {"zone_id": zone_id, "former": former, "successor": successor, "reports": moved, "households": visits}

    def ownership(self, code: str) -> pd.DataFrame:
        """Who owned which tong from when (``since``) to when (``until``; open = now)."""
        t = meta.tables["tong_owners"]
        query = sa.select(t.c.tong, t.c.officer, t.c.since, t.c.until).where(t.c.dong_code == code)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(t.c.tong, t.c.since)).mappings().all()
        return pd.DataFrame(rows, columns=["tong", "officer", "since", "until"])
