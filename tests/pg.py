"""A throwaway PostgreSQL + PostGIS cluster for the tests (Debian's packages, which `make test` installs).

The cluster listens on 127.0.0.1 only, trusts local connections and lives in a temporary folder;
each test gets its own database, copied from a template (``CREATE DATABASE … TEMPLATE``), so a
test never sees another's rows.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa

INSTALL = "PostgreSQL + PostGIS are not installed: `apt-get install postgresql postgresql-15-postgis-3` (`make test` does it)."


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    if not found[-1]:
        raise RuntimeError(INSTALL)
    return found[-1]


def _as_postgres(args: list[str]) -> list[str]:
    """Run as the ``postgres`` user when we are root (PostgreSQL refuses to run as root)."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One running cluster; :meth:`new_database` hands out fresh databases.

    ``fsync=False`` (tests) trades durability for speed; the writers' benchmark keeps it on, as a server does.
    """

    def __init__(self, *, fsync: bool = False) -> None:
        if not glob.glob("/usr/share/postgresql/*/extension/postgis.control"):
            raise RuntimeError(INSTALL)
        # straight under /tmp: pytest's own temporary folders are closed to the postgres user
        folder = Path(tempfile.mkdtemp(prefix="udongju-pg-"))
        self.folder = folder
        data = folder / "data"
        data.mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            for path in (folder, data):
                os.chown(path, user.pw_uid, user.pw_gid)
        self.port = _free_port()
        init = [_bin("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]
        subprocess.run(_as_postgres(init), check=True, capture_output=True)
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {data} -c max_connections=200"
        options += "" if fsync else " -c fsync=off"
        start = [_bin("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"]
        subprocess.run(_as_postgres(start), check=True, capture_output=True)
        self.data = data
        self.base = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def url(self, database: str) -> str:
        return f"{self.base}/{database}"

    def new_database(self, *, template: str | None = None) -> str:
        """Create a database (empty, or a copy of ``template``) and return its URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        engine = sa.create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        engine.dispose()
        return self.url(name)

    def stop(self) -> None:
        stop = [_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        subprocess.run(_as_postgres(stop), check=False, capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)
