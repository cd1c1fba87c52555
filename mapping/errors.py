"""Error classes of the project.

Every error subclasses :class:`MappingError` and a builtin, so callers may
catch either.  Messages say what was got, what was expected and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass


class MappingError(Exception):
    """Base class of every error raised on purpose by :mod:`mapping`."""


class CRSError(MappingError, ValueError):
    """A frame or coordinate has no CRS, or one we do not accept."""


class StoreError(MappingError, RuntimeError):
    """The store cannot be opened or is of another schema version."""


class NotFoundError(MappingError, LookupError):
    """A dong, officer, point or address asked for is not there."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Parameters
    ----------
    file : str
        File name inside the kit (e.g. ``staff.csv``).
    row : int or None
        1-based data row as a person sees it in Excel (header is row 1, so
        the first data row is 2); ``None`` for a problem with the whole file.
    column : str or None
        Column (header) name, or ``None``.
    message : str
        What is wrong and how to fix it.
    severity : str
        ``"error"`` (blocks loading) or ``"warning"`` (reported only).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" {self.row}행"
        if self.column:
            where += f" [{self.column}]"
        tag = "오류" if self.severity == "error" else "경고"
        return f"{tag}: {where}: {self.message}"


class ValidationError(MappingError, ValueError):
    """An input has one or more problems; all of them are in ``problems``."""

    def __init__(self, problems: list[Problem], *, what: str = "입력") -> None:
        self.problems = list(problems)
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"{what}에 오류 {len(errors)}건이 있어 아무것도 저장하지 않았습니다:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class TransitionError(MappingError, ValueError):
    """A report cannot move to the status asked for (or not by this person)."""


class PrivacyError(MappingError, PermissionError):
    """Personal data was about to reach a public output."""


class ExportError(MappingError, ValueError):
    """An export cannot be written as asked (format, columns, CRS)."""


class ConflictError(MappingError, RuntimeError):
    """Someone else changed a record since it was read: nothing was overwritten."""


class AuthError(MappingError, PermissionError):
    """A login was refused (wrong account or password, locked, disabled)."""


class AccessError(MappingError, PermissionError):
    """The acting account may not see or do this (role, dong, gu, or read-only sample browsing)."""


class ApiError(MappingError, ValueError):
    """A request to the web API is refused: HTTP ``status``, a stable ``code``, a Korean message, the ``problems``."""

    def __init__(self, status: int, code: str, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.problems = status, code, message, list(problems or [])
