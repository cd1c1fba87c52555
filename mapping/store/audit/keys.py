"""Where the access log's secret key and its head anchors live: outside the database, beside it.

The key makes each entry's hash an HMAC that nobody holding only the database can recompute; the
anchor file records the log's head (count, last id, hash) at each monthly review and each
``verify-log``, in a file the database cannot rewrite, so that cutting off the newest entries shows.

Where (first that applies):

- the key: ``MAPPING_LOG_KEY`` (the secret itself), else the file ``MAPPING_LOG_KEY_FILE``, else
  ``<store>.logkey`` beside a SQLite store, or ``data/pg-<host>-<port>-<db>.logkey`` for a PostgreSQL
  store (``MAPPING_LOG_DIR`` moves that folder); created (mode 0600) when missing and the log has no
  keyed entry yet.  A key file may hold several keys, one a line: the first signs, all verify (an older
  key, or the key of the installation a backup came from);
- the anchors: ``MAPPING_LOG_ANCHORS``, else beside the default key file (``<store>.anchors``, or
  ``data/pg-<host>-<port>-<db>.anchors``): one file per store, whatever key file it uses.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import sqlalchemy as sa

from mapping import clock
from mapping.errors import StoreError

KEY_ENV = "MAPPING_LOG_KEY"
KEY_FILE_ENV = "MAPPING_LOG_KEY_FILE"
ANCHORS_ENV = "MAPPING_LOG_ANCHORS"
DIR_ENV = "MAPPING_LOG_DIR"
PROJECT_DATA = Path(__file__).resolve().parents[3] / "data"
_KEY_ID_MESSAGE = b"udongju access log key id"
KEY_HINT = f"{KEY_FILE_ENV}(열쇠 파일) 또는 {KEY_ENV}(열쇠 값)로 지정하세요."


def key_id(key: bytes) -> str:
    """A short public name of ``key`` (16 hex digits): stored with each entry, reveals nothing of the key."""
    return hmac.new(key, _KEY_ID_MESSAGE, hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class LogKeys:
    """The keys of one store's access log and where its anchors go.

    ``keys`` may be empty (the key is missing: nothing can be logged or verified); the first signs.
    """

    keys: tuple[bytes, ...]
    source: str
    key_file: Path | None
    anchors: Path | None

    @property
    def signing(self) -> bytes | None:
        """The key new entries are made with (None: missing)."""
        return self.keys[0] if self.keys else None

    @property
    def signing_id(self) -> str | None:
        """The :func:`key_id` of :attr:`signing`."""
        return key_id(self.keys[0]) if self.keys else None

    def by_id(self) -> dict[str, bytes]:
        """Every key by its id."""
        return {key_id(k): k for k in self.keys}


def default_paths(url: str) -> tuple[Path | None, Path | None]:
    """The default key file and anchor file of the store at ``url`` (None, None: an in-memory store)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            return None, None
        base = Path(parsed.database)
        return base.with_name(base.name + ".logkey"), base.with_name(base.name + ".anchors")
    folder = Path(os.environ.get(DIR_ENV) or PROJECT_DATA)
    label = re.sub(r"[^A-Za-z0-9_.-]", "_", f"pg-{parsed.host or 'localhost'}-{parsed.port or 5432}-{parsed.database}")
    return folder / f"{label}.logkey", folder / f"{label}.anchors"


def find_keys(url: str) -> LogKeys:
    """The log keys of the store at ``url`` as configured, without creating anything (none found: empty)."""
    key_file, anchors = default_paths(url)
    anchors = Path(os.environ[ANCHORS_ENV]) if os.environ.get(ANCHORS_ENV) else anchors
    if os.environ.get(KEY_ENV):
        return LogKeys((os.environ[KEY_ENV].encode(),), f"환경변수 {KEY_ENV}", None, anchors)
    if os.environ.get(KEY_FILE_ENV):
        key_file = Path(os.environ[KEY_FILE_ENV])
    if key_file is None:
        return LogKeys((), "메모리 저장소", None, anchors)
    return LogKeys(_read_key_file(key_file), f"열쇠 파일 {key_file}", key_file, anchors)


def _read_key_file(path: Path) -> tuple[bytes, ...]:
    """The keys in ``path``, one a line (blank lines and ``#`` comments skipped); none if it does not exist.

    Raises
    ------
    StoreError
        If the file exists but cannot be read.
    """
    if not path.is_file():
        return ()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise StoreError(f"접근 기록 열쇠 파일 {path}을(를) 읽을 수 없습니다: {err}") from err
    return tuple(s.encode() for line in lines if (s := line.strip()) and not s.startswith("#"))


def create_key(keys: LogKeys) -> LogKeys:
    """``keys`` with a new random key written to its key file (mode 0600); an in-memory store gets one in memory.

    Two processes creating it at once end up with the same key: the file is linked into place only if absent.

    Raises
    ------
    StoreError
        If the key file cannot be written.
    """
    if keys.key_file is None:
        return LogKeys((secrets.token_hex(32).encode(),), keys.source, None, keys.anchors)
    path = keys.key_file
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_hex(32) + "\n")
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs is kept
            os.link(partial, path)
    except OSError as err:
        raise StoreError(f"접근 기록 열쇠 파일 {path}을(를) 만들 수 없습니다: {err}") from err
    finally:
        partial.unlink(missing_ok=True)
    return LogKeys(_read_key_file(path), keys.source, path, keys.anchors)


# ---- anchors: the log's head, recorded outside the database ------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    """The log's head at one moment: how many entries, how many purged so far, the last id and its hash.

    ``reset`` marks a restore: the anchors before it belong to the log the restore replaced.
    """

    at: str
    entries: int
    removed: int
    last_id: int | None
    head: str | None
    why: str
    reset: bool = False

    def line(self) -> str:
        """The anchor in Korean, to print on a review or a CSV (enough to compare by eye later)."""
        head = self.head or "-"
        return (
            f"접근 기록 앵커 {self.at}: 기록 {self.entries}건 (보존기간 삭제 누계 {self.removed}건), "
            f"마지막 {self.last_id if self.last_id is not None else '-'}번, 머리 해시 {head}"
        )


def append_anchor(path: Path | None, anchor: Anchor) -> None:
    """Append ``anchor`` as one JSON line to the anchor file (created if missing; never rewritten).

    Raises
    ------
    StoreError
        If the file cannot be written.
    """
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        with os.fdopen(fd, "a", encoding="utf-8") as out:
            out.write(json.dumps(asdict(anchor), ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
    except OSError as err:
        raise StoreError(f"접근 기록 앵커 파일 {path}에 쓸 수 없습니다: {err}") from err


def read_anchors(path: Path | None) -> tuple[list[Anchor], list[int]]:
    """The anchors since the last reset (a restore), and the line numbers that could not be read."""
    if path is None or not path.is_file():
        return [], []
    anchors: list[Anchor] = []
    bad: list[int] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            anchor = Anchor(**json.loads(line))
        except (ValueError, TypeError):
            bad.append(number)
            continue
        anchors = [] if anchor.reset else anchors
        anchors.append(anchor)
    return anchors, bad


def now_text() -> str:
    """The time of an anchor, to the second."""
    return clock.now().isoformat()
