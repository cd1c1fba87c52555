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
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
import sqlalchemy as sa

from mapping.access import User, can_read_personal
from mapping.crs import WEB_CRS, require_crs
from mapping.errors import NotFoundError, StoreError
from mapping.kit import Kit
from mapping.zones import zones_from_tongs

SCHEMA_VERSION = 1
DEFAULT_DB = Path(__file__).resolve().parent.parent / "data" / "mapping.sqlite"

meta = sa.MetaData()


def _dong() -> sa.Column:
    return sa.Column("dong_code", sa.String(10), nullable=False, index=True)


sa.Table("meta", meta, sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text))
sa.Table(
    "dongs",
    meta,
    sa.Column("dong_code", sa.String(10), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("geom", sa.LargeBinary, nullable=False),
    sa.Column("sample", sa.Boolean, nullable=False),
    sa.Column("loaded_at", sa.DateTime, nullable=False),
)
sa.Table(
    "tongs",
    meta,
    _dong(),
    sa.Column("tong", sa.Integer, nullable=False),
    sa.Column("geom", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("dong_code", "tong"),
)
sa.Table(
    "staff",
    meta,
    _dong(),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("team", sa.Text),
    sa.Column("role", sa.String(16)),
    sa.Column("duties", sa.JSON),
    sa.Column("phone", sa.Text),
    sa.Column("substitute", sa.Text),
    sa.Column("sort_order", sa.Integer),
    sa.PrimaryKeyConstraint("dong_code", "name"),
)
sa.Table(
    "tong_owners",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    _dong(),
    sa.Column("tong", sa.Integer, nullable=False),
    sa.Column("officer", sa.Text, nullable=False),
    sa.Column("since", sa.DateTime, nullable=False),
    sa.Column("until", sa.DateTime),
)
sa.Table(
    "zones",
    meta,
    _dong(),
    sa.Column("zone_id", sa.String(8), nullable=False),
    sa.Column("officer", sa.Text),
    sa.Column("team", sa.Text),
    sa.Column("substitute", sa.Text),
    sa.Column("phone", sa.Text),
    sa.Column("tongs", sa.JSON),
    sa.Column("area_m2", sa.Float),
    sa.Column("contiguous", sa.Boolean),
    sa.Column("geom", sa.LargeBinary, nullable=False),
    sa.PrimaryKeyConstraint("dong_code", "zone_id"),
)


def _point_table(name: str, *columns: sa.Column) -> sa.Table:
    return sa.Table(
        name,
        meta,
        sa.Column("id", sa.Integer, primary_key=True),
        _dong(),
        sa.Column("origin", sa.String(8), nullable=False),
        sa.Column("kit_key", sa.String(16)),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("tong", sa.Integer),
        sa.Column("zone_id", sa.String(8)),
        *columns,
        sa.UniqueConstraint("dong_code", "kit_key"),
    )


POINT_TABLES = {
    "resources": _point_table(
        "resources",
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("hours", sa.Text),
        sa.Column("public", sa.Boolean, nullable=False),
    ),
    "reports": _point_table(
        "reports",
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("finder", sa.Text, nullable=False),
        sa.Column("address", sa.Text),
        sa.Column("activity", sa.String(24)),
        sa.Column("field", sa.String(16)),
        sa.Column("memo", sa.Text),
        sa.Column("action", sa.Text),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("reported", sa.Boolean, nullable=False),
    ),
    "households": _point_table(
        "households",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("phone", sa.Text),
        sa.Column("address", sa.Text),
        sa.Column("moved_in", sa.Date),
        sa.Column("traits", sa.JSON),
        sa.Column("visit_every_days", sa.Integer),
        sa.Column("last_visit", sa.Date),
    ),
    "blind_spots": _point_table(
        "blind_spots",
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("memo", sa.Text),
        sa.Column("found_on", sa.Date),
    ),
}
ACCESS_LOG = sa.Table(
    "access_log",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("account", sa.Text, nullable=False),
    sa.Column("client", sa.Text),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("subject", sa.Text, nullable=False),
    sa.Column("detail", sa.Text),
    sa.Column("prev_hash", sa.String(64)),
    sa.Column("hash", sa.String(64), nullable=False),
)


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
        return text
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


def attach_tong_zone(points: gpd.GeoSeries, tongs: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """Tong number and zone id of each point (``None`` outside every tong)."""
    tree = shapely.STRtree(tongs.geometry.values)
    pt_idx, tong_idx = tree.query(points.values, predicate="within")
    tong = pd.Series([None] * len(points), dtype=object)
    tong.iloc[pt_idx] = tongs["tong"].to_numpy()[tong_idx]
    zone_of = {t: z for z, ts in zip(zones["zone_id"], zones["tongs"], strict=True) for t in ts}
    return pd.DataFrame({"tong": tong, "zone_id": [zone_of.get(t) for t in tong]})


class Store:
    """The project's store; open it with :func:`open_store`."""

    def __init__(self, url: str | Path | None = None) -> None:
        self.url = resolve_url(url)
        self.engine = sa.create_engine(self.url)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        self._ensure_schema()

    def _ensure_schema(self) -> None:
        with self.engine.begin() as conn:
            meta.create_all(conn)
            t = meta.tables["meta"]
            found = conn.execute(sa.select(t.c.value).where(t.c.key == "schema_version")).scalar()
            if found is None:
                conn.execute(t.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            elif int(found) != SCHEMA_VERSION:
                raise StoreError(
                    f"저장소 {self.url}의 스키마 버전은 {found}인데 이 프로그램은 {SCHEMA_VERSION}을(를) 씁니다. 새 파일을 쓰거나 마이그레이션하세요."
                )

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
        with self.engine.begin() as conn:
            code = kit.adm_cd2
            self._replace_reference(conn, kit, zones, sample=sample, now=now)
            self._record_owners(conn, code, kit.staff, now)
            for name, frame in kit.tables.items():
                added, removed = self._sync_points(conn, name, code, frame, kit.tongs, zones)
                summary.added[name], summary.removed[name] = added, removed
                summary.counts[name] = len(frame)
            summary.counts |= {"tongs": len(kit.tongs), "staff": len(kit.staff), "zones": len(zones)}
            self._log(conn, user, "입력", f"kit:{code}", f"households={len(kit.tables['households'])}")
        return summary

    def _replace_reference(
        self, conn: sa.Connection, kit: Kit, zones: gpd.GeoDataFrame, *, sample: bool, now: dt.datetime
    ) -> None:
        code, t = kit.adm_cd2, meta.tables
        for name in ("dongs", "tongs", "staff", "zones"):
            conn.execute(t[name].delete().where(t[name].c.dong_code == code))
        conn.execute(
            t["dongs"]
            .insert()
            .values(dong_code=code, name=kit.adm_nm, geom=_wkb(kit.dong.geometry.iloc[0]), sample=sample, loaded_at=now)
        )
        conn.execute(
            t["tongs"].insert(),
            [{"dong_code": code, "tong": int(r.tong), "geom": _wkb(r.geometry)} for r in kit.tongs.itertuples()],
        )
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
                    "substitute": r["substitute"],
                    "sort_order": i,
                }
                for i, r in enumerate(kit.staff.to_dict("records"))
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

    def _record_owners(self, conn: sa.Connection, code: str, staff: pd.DataFrame, now: dt.datetime) -> None:
        t = meta.tables["tong_owners"]
        current = {
            r.tong: (r.id, r.officer)
            for r in conn.execute(sa.select(t).where(t.c.dong_code == code, t.c.until.is_(None)))
        }
        wanted = {int(n): p["name"] for p in staff.to_dict("records") for n in (p["tongs"] or [])}
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
            conn.execute(t.delete().where(t.c.id.in_(gone)))
        new = frame[~frame["kit_key"].isin(existing)] if len(frame) else frame
        if len(new):
            where = attach_tong_zone(new.geometry, tongs, zones)
            cols = {c.name for c in t.columns}
            rows = []
            for rec, tong, zone, pt in zip(
                new.to_dict("records"), where["tong"], where["zone_id"], new.geometry, strict=True
            ):
                row = {k: v for k, v in rec.items() if k in cols and k != "id"}
                rows.append(
                    row
                    | {
                        "dong_code": code,
                        "origin": "kit",
                        "lon": pt.x,
                        "lat": pt.y,
                        "tong": None if tong is None else int(tong),
                        "zone_id": zone,
                    }
                )
            conn.execute(t.insert(), rows)
        return len(new), len(gone)

    def _log(self, conn: sa.Connection, user: User, action: str, subject: str, detail: str = "") -> None:
        """Append to the tamper-evident access log (each entry hashes the previous)."""
        prev = conn.execute(sa.select(ACCESS_LOG.c.hash).order_by(ACCESS_LOG.c.id.desc()).limit(1)).scalar()
        at = dt.datetime.now().replace(microsecond=0)
        digest = hashlib.sha256(
            f"{prev}|{at.isoformat()}|{user.account}|{user.client}|{action}|{subject}|{detail}".encode()
        ).hexdigest()
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

    def dong(self, code: str) -> gpd.GeoDataFrame:
        """The dong boundary (one row)."""
        return self._select("dongs", code, order="dong_code")

    def tongs(self, code: str) -> gpd.GeoDataFrame:
        """Tong polygons, by number."""
        return self._select("tongs", code, order="tong")

    def zones(self, code: str) -> gpd.GeoDataFrame:
        """Zones with officer, team, substitute, office phone, tongs and area."""
        return self._select("zones", code, order="zone_id")

    def staff(self, code: str) -> pd.DataFrame:
        """Staff list in the kit's order (office phones only, no personal data)."""
        return self._rows("staff", code, order="sort_order")

    def resources(self, code: str, *, public_only: bool = False) -> gpd.GeoDataFrame:
        """Welfare resources; ``public_only`` drops those marked 공개=N."""
        frame = self._select("resources", code, order="id", geom="point")
        return frame[frame["public"].astype(bool)] if public_only and len(frame) else frame

    def reports(self, code: str) -> gpd.GeoDataFrame:
        """Field reports with their attached tong and zone."""
        return self._select("reports", code, order="created_at", geom="point")

    def blind_spots(self, code: str) -> gpd.GeoDataFrame:
        """Safety blind spots."""
        return self._select("blind_spots", code, order="id", geom="point")

    def households(self, code: str, *, user: User) -> gpd.GeoDataFrame:
        """Move-in households and care-needed neighbours (personal data; the read is logged).

        Raises
        ------
        PermissionError
            If ``user`` may not read personal data.
        """
        if not can_read_personal(user):
            raise PermissionError(f"{user.name}({user.role})은(는) 개인정보(세대)를 볼 수 없습니다.")
        frame = self._select("households", code, order="id", geom="point")
        with self.engine.begin() as conn:
            self._log(conn, user, "조회", f"households:{code}", f"rows={len(frame)}")
        return frame

    def access_log(self) -> pd.DataFrame:
        """The access log, oldest first."""
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(sa.select(ACCESS_LOG).order_by(ACCESS_LOG.c.id)).mappings().all())


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def open_store(url: str | Path | None = None) -> Store:
    """Open (creating if needed) the store at ``url`` or ``MAPPING_DB``."""
    return Store(url)


__all__ = ["LoadSummary", "Store", "attach_tong_zone", "open_store", "require_crs"]
