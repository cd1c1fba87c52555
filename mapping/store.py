"""The store: every read and write of the project goes through here.

The embedded default is one SQLite file (``MAPPING_DB`` or
``data/mapping.sqlite``); the same SQLAlchemy Core tables will run on
PostgreSQL + PostGIS.  Geometry is kept as WKB in EPSG:4326.  A point's tong
and zone are attached when it is written, never recomputed per query.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from mapping.access import WHOLE_DONG, User, personal_zones
from mapping.crs import WEB_CRS
from mapping.domain import OPEN_STATUSES
from mapping.errors import NotFoundError, Problem, StoreError, ValidationError
from mapping.kit import Kit
from mapping.schema import (
    ACCESS_LOG,
    ADDRESSES,
    PATHS,
    POINT_TABLES,
    REPORT_HISTORY,
    REVISION_KEY,
    SCHEMA_VERSION,
    bump_reference_revision,
    meta,
)
from mapping.store_accounts import AccountsMixin
from mapping.store_contacts import ContactsMixin
from mapping.store_month import MonthMixin
from mapping.store_outreach import OutreachMixin
from mapping.store_reports import PERSONAL, ReportsMixin
from mapping.tong_index import attach_tong_zone
from mapping.zones import zone_of_tong, zones_from_tongs

DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "mapping.sqlite"
REFERENCE_TABLES = {
    "dongs": ("dong_code", "geom"),
    "tongs": ("tong", "geom"),
    "zones": ("zone_id", "geom"),
    "staff": ("sort_order", None),
}
LIST_COLUMNS = ("tongs", "duties")  # list cells: copied per read so that no caller can edit the cached lists


@dataclass
class LoadSummary:
    """What :meth:`Store.load_kit` did, table by table."""

    dong_code: str
    dong_name: str
    counts: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)


def resolve_url(url: str | Path | None = None) -> str:
    """SQLAlchemy URL for a path, a URL or ``MAPPING_DB`` (default ``data/mapping.sqlite``)."""
    url = url or os.environ.get("MAPPING_DB") or DEFAULT_DB
    text = str(url)
    if "://" in text:
        return (
            "postgresql+psycopg://" + text.split("://", 1)[1]
            if text.startswith(("postgresql://", "postgres://"))
            else text
        )
    Path(text).expanduser().parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def _wkb(geom: shapely.Geometry) -> bytes:
    return shapely.to_wkb(geom)


def _frame(frame: pd.DataFrame, geom: str) -> gpd.GeoDataFrame:
    """Rows with a WKB column (``geom="geom"``) or lon/lat (``geom="point"``) as a GeoDataFrame."""
    if geom == "point":
        geometry = gpd.points_from_xy(frame["lon"], frame["lat"])
    else:
        geometry = shapely.from_wkb(frame.pop(geom).to_numpy())
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=WEB_CRS)


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain Python values, missing ones (NaN, NaT, NA) as None: PostgreSQL refuses NaN in integers."""
    out = []
    for record in frame.to_dict("records"):
        for key, value in record.items():
            if isinstance(value, float | np.floating | type(pd.NaT) | type(pd.NA)) and pd.isna(value):
                record[key] = None
            elif isinstance(value, np.generic):
                record[key] = value.item()
        out.append(record)
    return out


def _tong(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[arg-type]


def _as_list(value: object) -> list:
    """A list from a JSON/list cell that may be ``None`` or NaN."""
    return list(value) if isinstance(value, list | tuple | np.ndarray) else []


class Store(ReportsMixin, MonthMixin, AccountsMixin, ContactsMixin, OutreachMixin):
    """The project's store; open it with :func:`open_store`."""

    def __init__(self, url: str | Path | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = _engine(self.url)
        # writes take the write lock when they begin (SQLite: BEGIN IMMEDIATE), so a transaction that
        # reads before it writes never fails half-way under concurrent writers
        self.writer = self.engine.execution_options(write=True)
        self._reference_cache: dict[tuple[str, str], tuple[str, pd.DataFrame]] = {}
        self._ensure_schema()
        self.cleanup_photos()

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.dialect.name

    def _ensure_schema(self) -> None:
        with self.writer.begin() as conn:
            if self.backend == "postgresql":  # two processes opening a new database must not both create it
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(7436001)"))
            t = meta.tables["meta"]
            meta.tables["meta"].create(conn, checkfirst=True)
            found = conn.execute(sa.select(t.c.value).where(t.c.key == "schema_version")).scalar()
            if found is not None and int(found) > SCHEMA_VERSION:
                raise StoreError(
                    f"저장소 {self.url}의 스키마 버전은 {found}인데 이 프로그램은 {SCHEMA_VERSION}까지만 압니다. "
                    "프로그램을 새 버전으로 올리세요."
                )
            meta.create_all(conn)
            if self.backend == "postgresql":
                _add_postgis_columns(conn)
            _add_missing_columns(conn)  # every change so far is additive: a store of any older version gains them
            if found is None:
                conn.execute(t.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(found) < SCHEMA_VERSION:
                conn.execute(t.update().where(t.c.key == "schema_version").values(value=str(SCHEMA_VERSION)))
            revision = conn.execute(sa.select(t.c.value).where(t.c.key == REVISION_KEY)).scalar()
            if revision is None or found is None or int(found) < SCHEMA_VERSION:  # under the lock: one INSERT
                bump_reference_revision(conn)

    def close(self) -> None:
        """Close every connection (SQLite then folds its write-ahead log into the file)."""
        self.engine.dispose()

    @property
    def schema_version(self) -> int:
        with self.engine.connect() as conn:
            t = meta.tables["meta"]
            return int(conn.execute(sa.select(t.c.value).where(t.c.key == "schema_version")).scalar_one())

    # ---- writing ---------------------------------------------------------
    def load_kit(self, kit: Kit, *, user: User) -> LoadSummary:
        """Load a checked kit in one transaction; loading it again duplicates nothing.

        Reference data (dong, tongs, staff, zones) is replaced; kit rows of the
        point tables are matched by content, so unchanged rows keep their ids
        and rows added in the app are left alone.
        """
        zones = zones_from_tongs(kit.tongs, kit.staff, dong=kit.dong)
        summary = LoadSummary(kit.adm_cd2, kit.adm_nm)
        now = dt.datetime.now().replace(microsecond=0)
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
        """Resources, households and blind spots follow their tong's current zone.

        Reports keep the zone they were filed in: that is history.
        """
        zone_of = zone_of_tong(zones)
        for name in ("resources", "households", "blind_spots"):
            t = POINT_TABLES[name]
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
        ValidationError
            With every problem; nothing is saved.
        """
        zones = zones_from_tongs(self.tongs(code), staff, dong=self.dong(code))
        now = dt.datetime.now().replace(microsecond=0)
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
        NotFoundError
            If the zone or the successor is not there.
        ValidationError
            If the successor already owns a zone.
        """
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
        now = dt.datetime.now().replace(microsecond=0)
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

    def load_addresses(self, rows: pd.DataFrame, *, source: str, user: User) -> int:
        """Replace the address points of ``source`` with ``rows`` in one transaction.

        ``rows`` has ``address``, ``norm``, ``adm_cd2``, ``lon``, ``lat``.
        """
        records = rows.assign(source=source)[["source", "address", "norm", "adm_cd2", "lon", "lat"]]
        with self.writer.begin() as conn:
            conn.execute(ADDRESSES.delete().where(ADDRESSES.c.source == source))
            if len(records):
                conn.execute(ADDRESSES.insert(), _records(records))
            self._log(conn, user, "입력", f"addresses:{source}", f"rows={len(records)}")
        return len(records)

    def address_candidates(self, norm: str, *, limit: int = 20) -> pd.DataFrame:
        """Known addresses whose normalised form starts with ``norm``.

        Searched: loaded juso address points, and the addresses of resources,
        reports and households (only their positions are used, never shown).
        """
        pattern = norm.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        with self.engine.connect() as conn:
            found = (
                conn.execute(
                    sa.select(ADDRESSES.c.address, ADDRESSES.c.norm, ADDRESSES.c.lon, ADDRESSES.c.lat)
                    .where(ADDRESSES.c.norm.like(pattern, escape="\\"))
                    .limit(limit)
                )
                .mappings()
                .all()
            )
            stored = []
            for t in (t for t in POINT_TABLES.values() if "address" in t.c):
                rows = conn.execute(sa.select(t.c.address, t.c.lon, t.c.lat).where(t.c.address.is_not(None)))
                stored += [dict(r) for r in rows.mappings()]
        return pd.DataFrame([*map(dict, found), *stored], columns=["address", "norm", "lon", "lat"])

    def import_reports(self, code: str, frame: gpd.GeoDataFrame, *, user: User) -> tuple[int, int]:
        """Add reports read by :func:`mapping.kit.read_reports_file`; ones already there are skipped.

        Returns
        -------
        (int, int)
            Reports added and reports skipped as already in the store.
        """
        t = POINT_TABLES["reports"]
        with self.writer.begin() as conn:
            known = {k for (k,) in conn.execute(sa.select(t.c.kit_key).where(t.c.dong_code == code))}
            new = frame[~frame["kit_key"].isin(known)] if len(frame) else frame
            if len(new):
                rows = self._import_rows(code, t, new)
                conn.execute(t.insert(), rows)
                keys = list(new["kit_key"])
                ids = conn.execute(sa.select(t.c.id, t.c.status).where(t.c.dong_code == code, t.c.kit_key.in_(keys)))
                history = [
                    {
                        "report_id": i,
                        "at": dt.datetime.now().replace(microsecond=0),
                        "actor": user.name,
                        "action": "import",
                        "to_status": s,
                    }
                    for i, s in ids
                ]
                conn.execute(REPORT_HISTORY.insert(), history)
            self._log(conn, user, "입력", f"reports:{code}", f"imported={len(new)}")
        return len(new), len(frame) - len(new)

    def _import_rows(self, code: str, table: sa.Table, new: gpd.GeoDataFrame) -> list[dict]:
        """Rows to insert for imported points: their own columns, the place, and the tong and zone it falls in."""
        where = attach_tong_zone(new.geometry, self.tongs(code), self.zones(code))
        cols = {c.name for c in table.columns} - {"id", "lon", "lat"}
        return [
            {k: v for k, v in rec.items() if k in cols}
            | {"dong_code": code, "origin": "import", "lon": pt.x, "lat": pt.y, "tong": _tong(tong), "zone_id": zone}
            for rec, pt, tong, zone in zip(_records(new), new.geometry, where["tong"], where["zone_id"], strict=True)
        ]

    def import_resources(self, code: str, frame: gpd.GeoDataFrame, *, source: str, user: User) -> tuple[int, int]:
        """Add welfare resources (e.g. from :func:`mapping.hsds.read_hsds`); ones already there are skipped.

        A resource is already there when its ``kit_key`` is, or one of the same type, name and place
        (to 0.1 m) is — so importing our own HSDS export adds nothing.

        Returns
        -------
        (int, int)
            Resources added and skipped.
        """
        t = POINT_TABLES["resources"]
        have = self.resources(code)
        known = {_resource_key(r.type, r.name, r.lon, r.lat) for r in have.itertuples()}
        keys = set(have["kit_key"].dropna())
        fresh = [
            i
            for i, (kind, name, pt, key) in enumerate(
                zip(frame["type"], frame["name"], frame.geometry, frame["kit_key"], strict=True)
            )
            if key not in keys and _resource_key(kind, name, pt.x, pt.y) not in known
        ]
        new = frame.iloc[fresh]
        with self.writer.begin() as conn:
            if len(new):
                rows = [r | {"public": bool(r.get("public", True))} for r in self._import_rows(code, t, new)]
                conn.execute(t.insert(), rows)
            self._log(conn, user, "입력", f"resources:{code}", f"imported={len(new)} from {source}")
        return len(new), len(frame) - len(new)

    def log_event(self, user: User, action: str, subject: str, detail: str = "") -> None:
        """Append one entry to the access log on its own (a download with its reason, a monthly review)."""
        with self.writer.begin() as conn:
            self._log(conn, user, action, subject, detail)

    @staticmethod
    def _entry_hash(prev: str | None, at: dt.datetime, row: dict) -> str:
        text = (
            f"{prev}|{at.isoformat()}|{row['account']}|{row['client']}|{row['action']}|{row['subject']}|{row['detail']}"
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def _log(self, conn: sa.Connection, user: User, action: str, subject: str, detail: str = "") -> None:
        """Append to the tamper-evident access log (each entry hashes the previous).

        Writers are serialised on the log (PostgreSQL: a table lock; SQLite: the write lock every
        write transaction holds), so two entries never name the same previous one.
        """
        if self.backend == "postgresql":
            conn.execute(sa.text("LOCK TABLE access_log IN SHARE ROW EXCLUSIVE MODE"))
        prev = conn.execute(sa.select(ACCESS_LOG.c.hash).order_by(ACCESS_LOG.c.id.desc()).limit(1)).scalar()
        at = dt.datetime.now().replace(microsecond=0)
        entry = {"account": user.account, "client": user.client, "action": action, "subject": subject, "detail": detail}
        digest = self._entry_hash(prev, at, entry)
        conn.execute(
            ACCESS_LOG.insert().values(
                at=at,
                account=user.account,
                client=user.client,
                action=action,
                subject=subject,
                detail=detail,
                prev_hash=prev,
                hash=digest,
            )
        )

    # ---- reading ---------------------------------------------------------
    def dongs(self) -> pd.DataFrame:
        """Every loaded dong: ``dong_code``, ``name``, ``sample``, ``loaded_at``."""
        t = meta.tables["dongs"]
        with self.engine.connect() as conn:
            return pd.DataFrame(
                conn.execute(sa.select(t.c.dong_code, t.c.name, t.c.sample, t.c.loaded_at).order_by(t.c.name))
                .mappings()
                .all(),
                columns=["dong_code", "name", "sample", "loaded_at"],
            )

    def _rows(self, table: str, code: str, *, order: str) -> pd.DataFrame:
        t = meta.tables[table]
        query = sa.select(t).where(t.c.dong_code == code).order_by(t.c[order])
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all(), columns=[c.name for c in t.columns])
        if frame.empty and table == "dongs":
            raise NotFoundError(
                f"동 코드 {code}는 저장소에 없습니다. 먼저 `python -m mapping load KIT_DIR`로 자료를 넣으세요."
            )
        return frame

    def _select(self, table: str, code: str, *, order: str, geom: str = "geom") -> gpd.GeoDataFrame:
        return _frame(self._rows(table, code, order=order), geom)

    def _shared(self, code: str, *tables: str) -> list[pd.DataFrame]:
        """Reference tables' rows of one dong, kept by this Store while the revision token is unchanged.

        The frames are shared between calls: read them, never change them (the public readers return copies).
        The token is read once, before any rows, so a change committed in between makes the next call reload.
        """
        with self.engine.connect() as conn:
            t = meta.tables["meta"]
            token = conn.execute(sa.select(t.c.value).where(t.c.key == REVISION_KEY)).scalar()
        frames = []
        for table in tables:
            hit = self._reference_cache.get((table, code))
            if hit is not None and token is not None and hit[0] == token:
                frames.append(hit[1])
                continue
            order, geom = REFERENCE_TABLES[table]
            rows = self._rows(table, code, order=order)
            frame = rows if geom is None else _frame(rows, geom)
            if token is not None:
                self._reference_cache[(table, code)] = (token, frame)
            frames.append(frame)
        return frames

    def _reference(self, table: str, code: str) -> pd.DataFrame:
        copy = self._shared(code, table)[0].copy()
        for column in LIST_COLUMNS:
            if column in copy.columns:
                copy[column] = [list(v) if isinstance(v, list) else v for v in copy[column]]
        return copy

    def dong(self, code: str) -> gpd.GeoDataFrame:
        """The dong boundary (one row)."""
        return self._reference("dongs", code)  # type: ignore[return-value]

    def tongs(self, code: str) -> gpd.GeoDataFrame:
        """Tong polygons, by number."""
        return self._reference("tongs", code)  # type: ignore[return-value]

    def zones(self, code: str) -> gpd.GeoDataFrame:
        """Zones with officer, team, substitute, office phone, tongs and area."""
        return self._reference("zones", code)  # type: ignore[return-value]

    def staff(self, code: str) -> pd.DataFrame:
        """Staff list in the kit's order (office phones only, no personal data)."""
        return self._reference("staff", code)

    def resources(self, code: str, *, public_only: bool = False) -> gpd.GeoDataFrame:
        """Welfare resources; ``public_only`` drops those marked 공개=N."""
        frame = self._select("resources", code, order="id", geom="point")
        return frame[frame["public"].astype(bool)] if public_only and len(frame) else frame

    def reports(self, code: str) -> gpd.GeoDataFrame:
        """Field reports with their attached tong and zone, without the resident's contact.

        The contact is personal data: read it per report with :meth:`report`.
        """
        return self._select("reports", code, order="created_at", geom="point").drop(columns=list(PERSONAL))

    def blind_spots(self, code: str) -> gpd.GeoDataFrame:
        """Safety blind spots."""
        return self._select("blind_spots", code, order="id", geom="point")

    def households(self, code: str, *, user: User) -> gpd.GeoDataFrame:
        """Move-in households and care-needed neighbours (personal data; the read is logged).

        Raises
        ------
        PermissionError
            If ``user`` may not read personal data of any zone of the dong.
        """
        reach = self.personal_zones(code, user=user)
        if not reach:
            raise PermissionError(f"{user.name}({user.role})은(는) 이 동의 개인정보(세대)를 볼 수 없습니다.")
        frame = self._select("households", code, order="id", geom="point")
        if user.role not in WHOLE_DONG:  # only the zones in reach (a household outside every zone: the whole dong's)
            frame = frame[frame["zone_id"].isin(reach)]
        with self.writer.begin() as conn:
            self._log(conn, user, "조회", f"households:{code}", f"rows={len(frame)} zones={len(reach)}")
        return frame

    def personal_zones(self, code: str, *, user: User) -> frozenset[str]:
        """The zones of dong ``code`` whose personal data ``user`` may see (see :mod:`mapping.access`)."""
        return personal_zones(user, code, self.zones(code), self.staff(code))

    def paths(self, code: str) -> gpd.GeoDataFrame:
        """The dong's walking network lines (empty when the kit had none)."""
        with self.engine.connect() as conn:
            blobs = [r for (r,) in conn.execute(sa.select(PATHS.c.geom).where(PATHS.c.dong_code == code))]
        return gpd.GeoDataFrame(geometry=list(shapely.from_wkb(blobs)) if blobs else [], crs=WEB_CRS)

    def household_zones(self, code: str) -> pd.DataFrame:
        """Kind, tong and zone of each household, without any personal field (for counts)."""
        t = POINT_TABLES["households"]
        with self.engine.connect() as conn:
            rows = (
                conn.execute(sa.select(t.c.kind, t.c.tong, t.c.zone_id).where(t.c.dong_code == code)).mappings().all()
            )
        return pd.DataFrame(rows, columns=["kind", "tong", "zone_id"])

    def access_log(self) -> pd.DataFrame:
        """The access log, oldest first."""
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(sa.select(ACCESS_LOG).order_by(ACCESS_LOG.c.id)).mappings().all())

    def verify_access_log(self) -> int | None:
        """The id of the first entry that was changed, removed before or inserted (None: the chain is whole).

        Each entry's hash covers the previous entry's hash and its own fields, so editing, deleting
        or slipping in an entry breaks the chain from there on.
        """
        table = meta.tables["meta"]
        with self.engine.connect() as conn:
            # after a retention purge the chain starts from the last removed entry's hash (mapping.retention)
            prev = conn.execute(sa.select(table.c.value).where(table.c.key == "access_log_anchor")).scalar()
            for row in conn.execute(sa.select(ACCESS_LOG).order_by(ACCESS_LOG.c.id)).mappings():
                if row["prev_hash"] != prev or row["hash"] != self._entry_hash(prev, row["at"], dict(row)):
                    return int(row["id"])
                prev = row["hash"]
        return None


def _add_missing_columns(conn: sa.Connection) -> None:
    """Migrate an older store whose changes were additive: add the columns it lacks."""
    inspector = sa.inspect(conn)
    for table in meta.sorted_tables:
        with warnings.catch_warnings():  # PostGIS's geometry type (geom_pg) is unknown to plain SQLAlchemy
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(sa.text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))


def _resource_key(kind: object, name: object, lon: float, lat: float) -> tuple[object, str, float, float]:
    text = name.strip() if isinstance(name, str) else ""
    return (kind, text, round(float(lon), 6), round(float(lat), 6))


def _engine(url: str) -> sa.Engine:
    """An engine for ``url``: SQLite with WAL, a 30 s busy wait and BEGIN IMMEDIATE for writes; PostgreSQL as is."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    dbapi_conn.isolation_level = None  # type: ignore[attr-defined]  # SQLAlchemy emits BEGIN itself (_sqlite_begin)
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("write") else "BEGIN")


def _add_postgis_columns(conn: sa.Connection) -> None:
    """PostGIS geometry beside the portable WKB / lon-lat columns, computed by the database, GiST-indexed.

    The tables stay the same on both backends (WKB in ``geom``, points as ``lon``/``lat``); on
    PostgreSQL each also gets a generated ``geom_pg`` for spatial SQL and its index.
    """
    conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS postgis"))
    polygons = ("dongs", "tongs", "zones", "paths")
    for name in (*polygons, *POINT_TABLES):
        expression = "ST_GeomFromWKB(geom, 4326)" if name in polygons else "ST_SetSRID(ST_MakePoint(lon, lat), 4326)"
        conn.execute(
            sa.text(
                f'ALTER TABLE "{name}" ADD COLUMN IF NOT EXISTS geom_pg geometry '
                f"GENERATED ALWAYS AS ({expression}) STORED"
            )
        )
        conn.execute(sa.text(f'CREATE INDEX IF NOT EXISTS "{name}_geom_pg" ON "{name}" USING gist (geom_pg)'))


def open_store(url: str | Path | None = None) -> Store:
    """Open (creating if needed) the store at ``url`` or ``MAPPING_DB``."""
    return Store(url)


__all__ = ["LoadSummary", "Store", "attach_tong_zone", "open_store"]
