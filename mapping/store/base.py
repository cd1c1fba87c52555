"""The base every part of the store inherits: engine, schema, clock, access log, reference reads, who may act.

:class:`StoreBase` is the declared contract of the store's parts (:mod:`mapping.store.loading`,
:mod:`mapping.store.reports`, :mod:`mapping.store.month` …): what one part may use of the others is here,
typed, so a type checker sees every call.  Open a store with :func:`mapping.store.open_store`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from mapping import clock
from mapping.access import OWNER, User, account_role_of, check_staff, personal_zones, sees_whole_dong
from mapping.crs import WEB_CRS
from mapping.domain import ACCOUNT_ROLES
from mapping.errors import NotFoundError, Problem, StoreError, ValidationError
from mapping.store.audit import AccessLogMixin
from mapping.store.engine import _add_missing_columns, _add_postgis_columns, _frame
from mapping.store.schema import (
    PATHS,
    PERSONAL,
    POINT_TABLES,
    REVISION_KEY,
    SCHEMA_VERSION,
    bump_reference_revision,
    meta,
)
from mapping.zones import zone_of_tong

REFERENCE_TABLES = {
    "dongs": ("dong_code", "geom"),
    "tongs": ("tong", "geom"),
    "zones": ("zone_id", "geom"),
    "staff": ("sort_order", None),
}
LIST_COLUMNS = ("tongs", "duties")  # list cells: copied per read so that no caller can edit the cached lists


class StoreBase(AccessLogMixin):
    """Engine, schema, the one clock, the access log, the reads of reference data, and who may act where."""

    url: str
    engine: sa.Engine
    writer: sa.Engine  # writes take the write lock when they begin (SQLite: BEGIN IMMEDIATE)
    _reference_cache: dict[tuple[str, str], tuple[str, pd.DataFrame]]
    clock: Callable[[], dt.datetime] = staticmethod(clock.now)  # the store's "now"; tests move it instead of sleeping

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

    def _rows(self, table: str, code: str, *, order: str, without: frozenset[str] = frozenset()) -> pd.DataFrame:
        t = meta.tables[table]
        columns = [c for c in t.columns if c.name not in without]
        query = sa.select(*columns).where(t.c.dong_code == code).order_by(t.c[order])
        with self.engine.connect() as conn:  # plain tuples: a dong's 10,000 reports in half the time of mappings
            rows = [tuple(row) for row in conn.execute(query)]
        frame = pd.DataFrame.from_records(rows, columns=[c.name for c in columns])
        if frame.empty and table == "dongs":
            raise NotFoundError(
                f"동 코드 {code}는 저장소에 없습니다. 먼저 `python -m mapping load KIT_DIR`로 자료를 넣으세요."
            )
        return frame

    def _select(
        self, table: str, code: str, *, order: str, geom: str = "geom", without: frozenset[str] = frozenset()
    ) -> gpd.GeoDataFrame:
        return _frame(self._rows(table, code, order=order, without=without), geom)

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
        return self._reference("dongs", code)

    def tongs(self, code: str) -> gpd.GeoDataFrame:
        """Tong polygons, by number."""
        return self._reference("tongs", code)

    def zones(self, code: str) -> gpd.GeoDataFrame:
        """Zones with officer, team, substitute, office phone, tongs and area."""
        return self._reference("zones", code)

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
        return self._select("reports", code, order="created_at", geom="point", without=frozenset(PERSONAL))

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
        reach = self._reach(code, user, "세대")
        frame = self._select("households", code, order="id", geom="point")
        frame = frame[frame["zone_id"].isin(reach) | (frame["zone_id"].isna() & (None in reach))]
        with self.writer.begin() as conn:
            self._log(conn, user, "조회", f"households:{code}", f"rows={len(frame)} zones={len(reach - {None})}")
        return frame

    def personal_zones(self, code: str, *, user: User) -> frozenset[str]:
        """The zones of dong ``code`` whose personal data ``user`` may see (see :mod:`mapping.access`)."""
        return personal_zones(user, code, self.zones(code), self.staff(code), sample=self.is_sample(code))

    def is_sample(self, code: str) -> bool:
        """Whether dong ``code`` is open to sample browsing: a sample dong (invented people) in a store of sample dongs only.

        Once any real dong is loaded no dong is (sample browsing ends; :func:`mapping.access.sample_browsing_allowed`).
        """
        t = meta.tables["dongs"]
        with self.engine.connect() as conn:
            flags = dict(conn.execute(sa.select(t.c.dong_code, t.c.sample)).all())
        return code in flags and all(bool(f) for f in flags.values())

    def _reach(self, code: str, user: User, what: str) -> frozenset[str | None]:
        """The zones whose ``what`` (personal data) ``user`` may see, with ``None`` (outside every zone) for the whole dong.

        Raises
        ------
        PermissionError
            If ``user`` may see none of the dong's.
        """
        reach: frozenset[str | None] = frozenset(self.personal_zones(code, user=user))
        if not reach:
            raise PermissionError(f"{user.name}({user.role_label})은(는) 이 동의 개인정보({what})를 볼 수 없습니다.")
        return reach | {None} if sees_whole_dong(user, code, sample=self.is_sample(code)) else reach

    def _actor_in(self, code: str, user: User, *, doing: str, roles: frozenset[str] | None = None) -> str:
        """The staff name ``user`` acts under in dong ``code``, after checking they may do ``doing`` there.

        A staff account acts as its own staff member; the command line (the owner) as the staff member it
        names (``owner_user(staff_name=…)``), which must be on the dong's list, or as itself.

        Raises
        ------
        AccessError
            For anyone but the dong's own staff (of ``roles``) or the owner.
        ValidationError
            For a staff name the dong's list does not have.
        """
        check_staff(user, code, doing=doing, **({"roles": roles} if roles else {}))
        if user.staff_name is None:
            return user.name  # the owner acting as itself
        staff = self._shared(code, "staff")[0]  # read only: no copy per filed report
        found = staff[staff["name"] == user.staff_name]
        if found.empty:
            problem = Problem("직원", None, "성명", f"{user.staff_name!r}는 동 {code}의 직원 명단에 없습니다.")
            raise ValidationError([problem], what=doing)
        role = account_role_of(str(found["role"].iloc[0]), str(found["team"].iloc[0]))
        if (
            user.role == OWNER and roles and role not in roles
        ):  # the command line names who does it: they must be entitled
            allowed = "·".join(ACCOUNT_ROLES.label(r) for r in ACCOUNT_ROLES.keys if r in roles)
            problem = Problem(
                "직원",
                None,
                "성명",
                f"{user.staff_name}({ACCOUNT_ROLES.label(role)})은(는) {doing}을(를) 할 수 없습니다: {allowed}만 합니다.",
            )
            raise ValidationError([problem], what=doing)
        return user.staff_name

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

    # ---- provided by one part, used by another ------------------------------------------------------------------
    def contacts(self, code: str, *, user: User, today: dt.date | None = None) -> pd.DataFrame:
        """The contact book of the zones ``user`` may see (:meth:`mapping.store.contacts.ContactsMixin.contacts`)."""
        raise NotImplementedError("ContactsMixin provides the contact book")

    # ---- reach of personal data, zone by zone -----------------------------------------------------------------
    def _zone_of_tong(self, code: str) -> dict[int, str]:
        return zone_of_tong(self.zones(code))

    @staticmethod
    def _in_reach(reach: frozenset[str | None], zone: object) -> bool:
        return (None if zone is None or (isinstance(zone, float) and math.isnan(zone)) else zone) in reach

    def _reach_mask(self, reach: frozenset[str | None], zones: pd.Series) -> np.ndarray:
        return np.array([self._in_reach(reach, z) for z in zones], dtype=bool)
