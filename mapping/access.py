"""Who is acting, and what they may see.

Accounts and roles come with a later issue; until then the app runs as
:data:`SAMPLE_USER`, who may see the sample dong's personal data.  Functions
that return personal data take the acting user now, so that callers will
not change when accounts arrive, and every such read is logged.
"""

from __future__ import annotations

from dataclasses import dataclass

PERSONAL_TABLES = frozenset({"households"})


@dataclass(frozen=True)
class User:
    """The person acting: account name, display name and role."""

    account: str
    name: str
    role: str
    client: str | None = None


SAMPLE_USER = User("sample", "샘플 사용자", "sample")
PUBLIC_USER = User("public", "주민(공개)", "public")
CLI_USER = User("cli", "명령줄", "admin")

_PERSONAL_ROLES = frozenset({"sample", "admin"})


def can_read_personal(user: User) -> bool:
    """Whether ``user`` may read personal data (households, resident contacts)."""
    return user.role in _PERSONAL_ROLES
