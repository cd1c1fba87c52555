"""The database under the store: its URL, its engine, additive migrations, and rows ↔ frames.

SQLite (the embedded default) gets WAL, a 30 s busy wait and ``BEGIN IMMEDIATE`` for writes;
PostgreSQL gets a PostGIS ``geom_pg`` column beside each portable geometry.  The row helpers turn
stored rows into GeoDataFrames (WKB or lon/lat in EPSG:4326) and frames into plain-Python rows.
"""

from __future__ import annotations

import os
import sqlite3
import warnings
from pathlib import Path
from typing import Any, SupportsInt

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import sqlalchemy as sa

from mapping.crs import WEB_CRS
from mapping.errors import StoreError
from mapping.store.schema import POINT_TABLES, meta

DEFAULT_DB = Path(__file__).resolve().parents[2] / "data" / "mapping.sqlite"


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


def _tong(value: SupportsInt | None) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _new_id(result: sa.CursorResult[Any]) -> int:
    """The id of the row an ``INSERT`` of one row just wrote."""
    key = result.inserted_primary_key
    if key is None:
        raise StoreError("새 행의 번호를 알 수 없습니다: 한 행을 넣는 INSERT가 아닙니다.")
    return int(key[0])


def _as_list(value: object) -> list:
    """A list from a JSON/list cell that may be ``None`` or NaN."""
    return list(value) if isinstance(value, list | tuple | np.ndarray) else []


# ---- the engine and the schema ------------------------------------------
def _engine(url: str) -> sa.Engine:
    """An engine for ``url``: SQLite with WAL, a 30 s busy wait and BEGIN IMMEDIATE for writes; PostgreSQL as is."""
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _record: object) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy emits BEGIN itself (_sqlite_begin)
    cur = dbapi_conn.cursor()
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


def _add_missing_columns(conn: sa.Connection) -> None:
    """Migrate an older store whose changes were additive: add the columns (and indexes) it lacks."""
    inspector = sa.inspect(conn)
    for table in meta.sorted_tables:
        with warnings.catch_warnings():  # PostGIS's geometry type (geom_pg) is unknown to plain SQLAlchemy
            warnings.simplefilter("ignore", sa.exc.SAWarning)
            have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in have:
                kind = column.type.compile(dialect=conn.dialect)
                conn.execute(sa.text(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'))
        for index in table.indexes:  # after the columns it may cover
            index.create(conn, checkfirst=True)
