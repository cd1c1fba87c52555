"""Store methods that add rows from outside files (mixed into :class:`mapping.store.Store`).

Reports and welfare resources read from a file join the dong with the tong and zone they fall in;
rows already in the store are skipped, so importing the same file twice adds nothing.  Address
points (juso) are kept per source for the address search.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import sqlalchemy as sa

from mapping.access import User, check_admin
from mapping.store.base import StoreBase
from mapping.store.engine import _records, _tong
from mapping.store.schema import ADDRESSES, POINT_TABLES, REPORT_HISTORY
from mapping.tong_index import attach_tong_zone


def _resource_key(kind: object, name: object, lon: float, lat: float) -> tuple[object, str, float, float]:
    text = name.strip() if isinstance(name, str) else ""
    return (kind, text, round(float(lon), 6), round(float(lat), 6))


class ImportsMixin(StoreBase):
    """Importing reports and resources, and the address points for the address search."""

    # ---- reports and resources ---------------------------------------------
    def import_reports(self, code: str, frame: gpd.GeoDataFrame, *, user: User) -> tuple[int, int]:
        """Add reports read by :func:`mapping.kit.reader.read_reports_file`; ones already there are skipped.

        Returns
        -------
        (int, int)
            Reports added and reports skipped as already in the store.

        Raises
        ------
        AccessError
            Unless ``user`` administers dong ``code`` (or is the owner).
        """
        check_admin(user, code, doing="보고 가져오기")
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
                        "at": self.clock(),
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
        """Add welfare resources (e.g. from :func:`mapping.publish.hsds.read_hsds`); ones already there are skipped.

        A resource is already there when its ``kit_key`` is, or one of the same type, name and place
        (to 0.1 m) is — so importing our own HSDS export adds nothing.

        Returns
        -------
        (int, int)
            Resources added and skipped.

        Raises
        ------
        AccessError
            Unless ``user`` administers dong ``code`` (or is the owner).
        """
        check_admin(user, code, doing="복지자원 가져오기")
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

    # ---- address points ----------------------------------------------------
    def load_addresses(self, rows: pd.DataFrame, *, source: str, user: User) -> int:
        """Replace the address points of ``source`` with ``rows`` in one transaction.

        ``rows`` has ``address``, ``norm``, ``adm_cd2``, ``lon``, ``lat``.

        Raises
        ------
        AccessError
            Unless ``user`` administers the whole store (or is the owner): address files cover many dongs.
        """
        check_admin(user, None, doing="주소 자료 불러오기")
        records = rows.assign(source=source)[["source", "address", "norm", "adm_cd2", "lon", "lat"]]
        with self.writer.begin() as conn:
            conn.execute(ADDRESSES.delete().where(ADDRESSES.c.source == source))
            if len(records):
                conn.execute(ADDRESSES.insert(), _records(records))
            self._log(conn, user, "입력", f"addresses:{source}", f"rows={len(records)}")
        return len(records)

    def address_files(self, code: str) -> pd.DataFrame:
        """The loaded address files (juso.go.kr), one row each: ``source``, ``rows``, ``in_dong`` (rows whose
        관할행정동 is dong ``code``) and ``example`` (one of those addresses, or None)."""
        here = ADDRESSES.c.adm_cd2 == code
        query = (
            sa.select(
                ADDRESSES.c.source,
                sa.func.count().label("rows"),
                sa.func.sum(sa.case((here, 1), else_=0)).label("in_dong"),
                sa.func.min(sa.case((here, ADDRESSES.c.address), else_=None)).label("example"),
            )
            .group_by(ADDRESSES.c.source)
            .order_by(ADDRESSES.c.source)
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame(rows, columns=["source", "rows", "in_dong", "example"])

    def address_candidates(self, norm: str, *, limit: int = 20) -> pd.DataFrame:
        """Known addresses whose normalised form starts with ``norm``.

        Searched: the loaded juso address points and the addresses of public resources.  Never the
        addresses of households, reports or blind spots: the matched address is shown to whoever typed
        the query (the public map's 주무관 찾기 too), and a prefix would reveal those homes.
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
            public = POINT_TABLES["resources"]
            rows = conn.execute(
                sa.select(public.c.address, public.c.lon, public.c.lat).where(
                    public.c.address.is_not(None), public.c.public.is_(True)
                )
            )
            stored = [dict(r) for r in rows.mappings()]
        return pd.DataFrame([*map(dict, found), *stored], columns=["address", "norm", "lon", "lat"])

    def address_points(self, *, bounds: tuple[float, float, float, float]) -> pd.DataFrame:
        """The loaded juso address points inside ``bounds`` (min lon, min lat, max lon, max lat): ``address``, ``lon``, ``lat``."""
        x0, y0, x1, y1 = bounds
        query = sa.select(ADDRESSES.c.address, ADDRESSES.c.lon, ADDRESSES.c.lat).where(
            ADDRESSES.c.lon.between(x0, x1), ADDRESSES.c.lat.between(y0, y1)
        )
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        return pd.DataFrame(rows, columns=["address", "lon", "lat"])
