"""What every command of ``python -m mapping`` shares: exit codes, ``--out``/option checks, the store and dong, printing a database URL.

The command modules (:mod:`mapping.cli.commands`, :mod:`mapping.cli.month`, :mod:`mapping.cli.publish`,
:mod:`mapping.cli.admin`) import this one; it imports none of them.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from mapping.errors import NotFoundError, Problem, ValidationError

if TYPE_CHECKING:
    from mapping.store import Store

EXIT_OK, EXIT_ERROR, EXIT_BAD_INPUT = 0, 1, 2
_PLAIN_WORD = re.compile(r"[\w@%+=:,./-]+")  # what a shell reads as one word without quotes
_URL_PASSWORD = re.compile(r"(://[^:/@]*:).*@", re.DOTALL)  # scheme://user:PASSWORD@host, up to the last @
_In = TypeVar("_In")
_Out = TypeVar("_Out")


def zone_profile_command(args: argparse.Namespace, zone_id: str, *, out: str | None = None) -> str:
    """The ``zone-profile`` command line that makes ``zone_id``'s sheet alone, on the store and dong of ``args``.

    Parameters
    ----------
    args : argparse.Namespace
        The command's arguments: ``db`` and ``dong`` are repeated (a password in ``--db`` as ``***``).
    zone_id : str
        The zone.
    out : str, optional
        The file to write; default ``구역현황_<zone_id>.pdf`` in the current folder.

    Returns
    -------
    str
        One shell line, each word quoted where the shell needs it.
    """
    words = ["python", "-m", "mapping", "zone-profile", "--zone", zone_id, "--out", out or f"구역현황_{zone_id}.pdf"]
    db = shown_db(str(args.db)) if args.db else None
    words += [w for option, value in (("--db", db), ("--dong", args.dong)) if value for w in (option, str(value))]
    return " ".join(w if _PLAIN_WORD.fullmatch(w) else shlex.quote(w) for w in words)  # Korean names need no quotes


def shown_db(db: str) -> str:
    """``--db`` (a path or a database URL) as it may be printed: a URL's password replaced by ``***``.

    Everything from ``user:`` to the last ``@`` is masked, so a password holding a raw ``@`` does not
    show either (a later ``@`` in the query masks a little more than needed, never less).

    Parameters
    ----------
    db : str
        A file path or a URL such as ``postgresql://user:secret@host/db``.

    Returns
    -------
    str
        ``db`` as given, except for the password.
    """
    return _URL_PASSWORD.sub(r"\1***@", db)


def masked_db(args: argparse.Namespace) -> bool:
    """Whether :func:`shown_db` hides a password of ``args.db`` (a printed command then needs it put back)."""
    return bool(args.db) and shown_db(str(args.db)) != str(args.db)


def out_path(text: str, suffixes: tuple[str, ...], *, what: str) -> Path:
    """``--out`` as a Path, refused (exit 2) unless it ends with one of ``suffixes``."""
    out = Path(text)
    if out.suffix.lower() not in suffixes:
        message = f"파일 이름은 {' 또는 '.join(suffixes)}로 끝나야 합니다."
        raise ValidationError([Problem(str(out), None, "--out", message)], what=what)
    return out


def parsed(parse: Callable[[_In], _Out], value: _In, *, option: str, what: str) -> _Out:
    """``parse(value)``, with a ValueError turned into bad input (exit 2) naming the option."""
    try:
        return parse(value)
    except ValueError as exc:
        raise ValidationError([Problem(option, None, None, str(exc))], what=what) from None


def store_and_dong(args: argparse.Namespace) -> tuple[Store, str]:
    """The store of ``--db`` and the dong of ``--dong`` (or the only one it holds)."""
    from mapping.store import open_store

    store = open_store(args.db)
    return store, args.dong or only_dong(store)


def only_dong(store: Store) -> str:
    codes = list(store.dongs()["dong_code"])
    if len(codes) != 1:
        raise NotFoundError(f"저장소에 동이 {len(codes)}개 있습니다. --dong 행정동코드로 고르세요: {', '.join(codes)}")
    return codes[0]
