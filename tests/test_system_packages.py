"""tools/system-packages.sh: what `make run` / `make test` need from Debian, installed as root or asked for.

The script runs against a fake machine: its files under ``SYSTEM_ROOT``, its commands on a PATH of stubs
(``id`` says who we are, ``apt-get`` records what it was asked and "installs" by creating the files), so
both the install and the stop paths run without touching this machine's packages.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCRIPT = ROOT / "tools" / "system-packages.sh"
REAL_TOOLS = ("dirname", "sed", "head", "grep", "sort", "tail", "mkdir", "touch", "chmod", "cat")
# what installing each package puts on the fake machine (relative to SYSTEM_ROOT, or a stub on PATH)
FILES = {
    "chromium": ["usr/bin/chromium"],
    "fonts-nanum": ["usr/share/fonts/truetype/nanum/NanumGothic.ttf"],
    "postgresql": ["usr/lib/postgresql/15/bin/initdb"],
    "postgresql-15-postgis-3": ["usr/share/postgresql/15/extension/postgis.control"],
    "postgresql-16-postgis-3": ["usr/share/postgresql/16/extension/postgis.control"],
}
COMMANDS = {"poppler-utils": ["pdftotext"], "npm": ["npm"], "nodejs": ["node"]}


def _stub(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/bash\n" + body + "\n")
    path.chmod(0o755)


class Machine:
    """A fake Debian machine and a fresh clone of the repository on it."""

    def __init__(self, tmp: Path) -> None:
        self.root = tmp / "root"
        self.bin = tmp / "bin"
        self.repo = tmp / "repo"
        self.log = tmp / "apt.log"
        self.root.mkdir()
        (self.root / "var/lib/apt/lists").mkdir(parents=True)
        (self.root / "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages").touch()
        (self.repo / "tools").mkdir(parents=True)
        shutil.copy(SCRIPT, self.repo / "tools")
        for name in ("package.json", "package-lock.json"):
            shutil.copy(ROOT / name, self.repo)
        for tool in REAL_TOOLS:
            (self.bin / tool).parent.mkdir(exist_ok=True)
            (self.bin / tool).symlink_to(shutil.which(tool))
        self.uid(1000)
        installs = "\n".join(f"    {pkg}) {'; '.join(self._install(pkg))} ;;" for pkg in {**FILES, **COMMANDS})
        _stub(
            self.bin / "apt-get",
            f'echo "DEBIAN_FRONTEND=$DEBIAN_FRONTEND apt-get $*" >> {self.log}\n'
            f'[ "$1" = install ] || exit 0\nfor p in "$@"; do\n  case $p in\n{installs}\n  esac\ndone',
        )
        _stub(self.bin / "apt-cache", "exit 0")  # apt knows no package: the script's own defaults apply

    def _install(self, pkg: str) -> list[str]:
        steps = [
            f"mkdir -p {(self.root / f).parent} && touch {self.root / f} && chmod +x {self.root / f}"
            for f in FILES.get(pkg, [])
        ]
        return steps + [
            f"printf '#!/bin/bash\\n' > {self.bin / c} && chmod +x {self.bin / c}" for c in COMMANDS.get(pkg, [])
        ]

    def uid(self, uid: int) -> None:
        _stub(self.bin / "id", f"echo {uid}")

    def has(self, *packages: str) -> Machine:
        for pkg in packages:
            for step in self._install(pkg):
                subprocess.run(["bash", "-c", step], check=True)
        return self

    def built(self) -> Machine:
        """The clone after a first `make setup`: the venv and node_modules are there."""
        _stub(self.repo / ".venv/bin/python", "exit 0")
        (self.repo / "node_modules").mkdir()
        (self.repo / "node_modules/.package-lock.json").touch()
        return self

    def run(self, what: str, *, py: str = "python3.11") -> subprocess.CompletedProcess:
        env = {"PATH": str(self.bin), "SYSTEM_ROOT": str(self.root), "PY": py, "LC_ALL": "C.UTF-8"}
        return subprocess.run(
            ["/bin/bash", str(self.repo / "tools/system-packages.sh"), what], env=env, capture_output=True, text=True
        )

    def apt(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def _python(machine: Machine, *, venv: bool) -> str:
    """A python3.11 on the fake machine, with or without the venv module (Debian's python3.11-venv)."""
    py = machine.bin / "python3.11"
    _stub(py, "exit 0" if venv else "exit 1")
    return str(py)


ALL_TEST = ("chromium", "fonts-nanum", "poppler-utils", "postgresql", "postgresql-15-postgis-3")


def test_nothing_missing_is_silent_and_asks_apt_nothing(machine: Machine) -> None:
    machine.built().has(*ALL_TEST)
    for what in ("run", "test"):
        done = machine.run(what)
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert machine.apt() == []


def test_not_root_stops_with_the_one_command_to_run(machine: Machine) -> None:
    py = _python(machine, venv=False)
    done = machine.run("test", py=py)
    assert done.returncode == 1 and machine.apt() == []
    [line] = done.stderr.splitlines()
    wanted = "python3.11-venv nodejs npm chromium fonts-nanum poppler-utils postgresql postgresql-15-postgis-3"
    assert f"run  sudo apt-get install -y --no-install-recommends {wanted}  then make test again." in line


def test_run_needs_only_the_venv_and_npm(machine: Machine) -> None:
    done = machine.run("run", py=str(machine.bin / "python3.11"))  # no python3.11 at all
    assert done.returncode == 1
    assert "--no-install-recommends python3.11 python3.11-venv nodejs npm  then make run again" in done.stderr
    assert not ({"chromium", "fonts-nanum", "postgresql"} & set(done.stderr.split()))
    machine.has("nodejs")  # Debian's nodejs comes without npm
    _python(machine, venv=True)
    assert "--no-install-recommends npm  then" in machine.run("run").stderr
    assert machine.built().run("run").returncode == 0  # built: no python or npm needed any more


def test_root_installs_what_is_missing_through_apt_once(machine: Machine) -> None:
    machine.uid(0)
    machine.built().has("chromium", "postgresql")
    done = machine.run("test")
    assert done.returncode == 0, done.stderr
    assert machine.apt() == [
        "DEBIAN_FRONTEND= apt-get update -qq",
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-nanum poppler-utils postgresql-15-postgis-3",
    ]
    assert machine.run("test").stderr == "" and len(machine.apt()) == 2  # installed: nothing more to do


def test_root_stops_when_apt_did_not_install_it(machine: Machine) -> None:
    machine.uid(0)
    machine.built().has(*ALL_TEST)
    (machine.root / "usr/bin/chromium").chmod(0o644)  # there, but not a program
    _stub(machine.bin / "apt-get", f'echo "apt-get $*" >> {machine.log}')  # installs nothing
    done = machine.run("test")
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "make test: still missing after apt-get install: chromium"


def test_postgis_follows_the_installed_postgresql(machine: Machine) -> None:
    machine.built().has(*ALL_TEST)
    machine.has("postgresql-16-postgis-3")
    initdb = machine.root / "usr/lib/postgresql/16/bin/initdb"
    initdb.parent.mkdir(parents=True)
    shutil.copy(machine.root / "usr/lib/postgresql/15/bin/initdb", initdb)
    assert machine.run("test").returncode == 0  # the tests' cluster uses the newest: 16, with its PostGIS
    (machine.root / "usr/share/postgresql/16/extension/postgis.control").unlink()
    _stub(
        machine.bin / "apt-cache",
        "echo postgresql-16-postgis-3-scripts; echo postgresql-16-postgis-3; echo postgresql-16-postgis-4",
    )
    done = machine.run("test")
    assert "--no-install-recommends postgresql-16-postgis-4  then" in done.stderr


def test_a_fresh_image_gets_apt_get_update_in_the_command(machine: Machine) -> None:
    shutil.rmtree(machine.root / "var/lib/apt/lists")
    machine.built().has("chromium", "fonts-nanum", "poppler-utils")
    done = machine.run("test")
    assert (
        "run  sudo apt-get update && sudo apt-get install -y --no-install-recommends postgresql postgresql-15-postgis-3  then"
        in done.stderr
    )
