"""Accounts: one per person, argon2 password hashes, lock-out after 5 failed logins, grants logged.

Every grant and change of permissions (create, role, disable, unlock, password reset) is written to
the access log with the action ``권한`` and kept at least 3 years (안전성 확보조치 기준 제5조); every
login and failed login too.  Only an account with the ``admin`` flag may manage accounts; the
command line acts as the store's owner.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mapping.access import ACCOUNT_ROLES, User
from mapping.errors import AuthError, NotFoundError, Problem, ValidationError
from mapping.schema import ACCOUNTS

MAX_FAILURES = 5
MIN_LENGTH = 10
_ACCOUNT_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_HASHER = PasswordHasher()  # argon2id, the library's recommended parameters
_DUMMY = _HASHER.hash("not-a-real-password-0")  # verified against when the account is unknown: same time either way
_COLUMNS = (
    "account",
    "name",
    "role",
    "admin",
    "staff_name",
    "dong_code",
    "email",
    "failed",
    "locked",
    "disabled",
    "created_at",
    "last_login",
)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def password_problem(password: str) -> str | None:
    """Why ``password`` is too weak (None when it is fine): 10+ characters of at least two kinds."""
    kinds = sum(bool(re.search(p, password)) for p in (r"[A-Za-z]", r"\d", r"[^A-Za-z0-9]"))
    if len(password) < MIN_LENGTH or kinds < 2:
        return f"비밀번호는 {MIN_LENGTH}자 이상, 영문·숫자·기호 중 두 가지 이상을 섞어야 합니다."
    return None


class AccountsMixin:
    """Methods of :class:`mapping.store.Store` for accounts and logins."""

    engine: sa.Engine
    writer: sa.Engine

    def _require_admin(self, by: User) -> None:
        if not (by.admin or by.role == "owner"):
            raise PermissionError(f"{by.name}은(는) 계정을 관리할 수 없습니다: 관리자만 합니다.")

    def _grant_log(self, conn: sa.Connection, by: User, subject: str, detail: str) -> None:
        self._log(conn, by, "권한", f"accounts:{subject}", detail)  # type: ignore[attr-defined]

    def create_account(
        self,
        account: str,
        *,
        name: str,
        password: str | None,
        role: str | None,
        by: User,
        staff_name: str | None = None,
        dong_code: str | None = None,
        admin: bool = False,
        email: str | None = None,
    ) -> None:
        """Create one person's account (a password, or only an e-mail for single sign-on).

        Raises
        ------
        PermissionError
            If ``by`` is not an administrator.
        ValidationError
            With every problem: account name, role, weak password, an account or e-mail taken.
        """
        self._require_admin(by)
        problems = self._account_problems(account, role=role, password=password, email=email)
        if problems:
            raise ValidationError(problems, what="계정")
        row = {
            "account": account,
            "name": name.strip() or account,
            "role": role,
            "admin": bool(admin),
            "staff_name": staff_name,
            "dong_code": dong_code,
            "email": (email or "").strip().lower() or None,
            "password_hash": _HASHER.hash(password) if password else None,
            "failed": 0,
            "locked": False,
            "disabled": False,
            "created_at": _now(),
        }
        with self.writer.begin() as conn:
            conn.execute(ACCOUNTS.insert().values(**row))
            self._grant_log(
                conn, by, account, f"create role={role} admin={bool(admin)} staff={staff_name} dong={dong_code}"
            )

    def _account_problems(
        self, account: str, *, role: str | None, password: str | None, email: str | None
    ) -> list[Problem]:
        problems = []
        if not _ACCOUNT_RE.match(account or ""):
            problems.append(Problem("계정", None, "계정", f"{account!r}: 영문 소문자·숫자·._- 3~64자로 정하세요."))
        elif self._account_row(account) is not None:
            problems.append(Problem("계정", None, "계정", f"{account!r}은(는) 이미 있습니다. 한 사람에 한 계정입니다."))
        if role is not None and role not in ACCOUNT_ROLES.keys:
            problems.append(Problem("계정", None, "권한", f"{role!r}: 가능한 값 {', '.join(ACCOUNT_ROLES.keys)}"))
        if password is None and not email:
            problems.append(Problem("계정", None, "비밀번호", "비밀번호 또는 통합로그인(SSO) 이메일이 있어야 합니다."))
        if password is not None and (weak := password_problem(password)):
            problems.append(Problem("계정", None, "비밀번호", weak))
        if email and self._by_email(email) is not None:
            problems.append(Problem("계정", None, "이메일", f"{email!r}은(는) 이미 다른 계정의 이메일입니다."))
        return problems

    def _account_row(self, account: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(ACCOUNTS).where(ACCOUNTS.c.account == account)).mappings().first()
        return dict(row) if row else None

    def _by_email(self, email: str) -> dict | None:
        with self.engine.connect() as conn:
            query = sa.select(ACCOUNTS).where(ACCOUNTS.c.email == email.strip().lower())
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    def accounts(self) -> pd.DataFrame:
        """Every account, without password hashes."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*(ACCOUNTS.c[c] for c in _COLUMNS)).order_by(ACCOUNTS.c.account)).mappings()
            return pd.DataFrame(list(rows), columns=list(_COLUMNS))

    def authenticate(self, account: str, password: str, *, client: str | None = None) -> User:
        """Check a password login; five failures in a row lock the account until an administrator unlocks it.

        Raises
        ------
        AuthError
            For a wrong account or password (one message for both), a locked or disabled account.
        """
        row = self._account_row(account)
        try:
            ok = _HASHER.verify((row or {}).get("password_hash") or _DUMMY, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        ok = ok and row is not None and bool(row.get("password_hash"))
        who = User(account, account, None, client=client)
        blocked = row is not None and bool(row["locked"] or row["disabled"])
        with self.writer.begin() as conn:
            if blocked:
                detail = "locked" if row["locked"] else "disabled"  # type: ignore[index]
                self._log(conn, who, "로그인 실패", f"accounts:{account}", detail)  # type: ignore[attr-defined]
            elif not ok:
                if row is not None:
                    failed = int(row["failed"]) + 1
                    values = {"failed": failed, "locked": failed >= MAX_FAILURES}
                    conn.execute(ACCOUNTS.update().where(ACCOUNTS.c.account == account).values(**values))
                self._log(conn, who, "로그인 실패", f"accounts:{account}", "")  # type: ignore[attr-defined]
            else:
                conn.execute(ACCOUNTS.update().where(ACCOUNTS.c.account == account).values(failed=0, last_login=_now()))
                self._log(conn, who, "로그인", f"accounts:{account}", "password")  # type: ignore[attr-defined]
        if blocked:  # raised after the commit, so the log and the failure count are kept
            reason = (
                "잠겨 있습니다 (5회 실패): 관리자에게 잠금 해제를 요청하세요"
                if row["locked"]
                else "사용이 중지되었습니다"
            )  # type: ignore[index]
            raise AuthError(f"계정 {account}은(는) {reason}.")
        if not ok:
            raise AuthError("계정 또는 비밀번호가 맞지 않습니다.")
        return _user(row, client=client)  # type: ignore[arg-type]

    def user_for_email(self, email: str, *, client: str | None = None) -> User:
        """The account of a single-sign-on login (OIDC e-mail).

        Raises
        ------
        AuthError
            If no active account has that e-mail.
        """
        row = self._by_email(email or "")
        who = User(email or "?", email or "?", None, client=client)
        if row is None or row["disabled"] or row["locked"]:
            with self.writer.begin() as conn:
                self._log(conn, who, "로그인 실패", f"accounts:{email}", "sso")  # type: ignore[attr-defined]
            raise AuthError(f"{email}에 연결된 사용 중인 계정이 없습니다. 관리자에게 계정을 요청하세요.")
        with self.writer.begin() as conn:
            conn.execute(ACCOUNTS.update().where(ACCOUNTS.c.account == row["account"]).values(last_login=_now()))
            self._log(conn, who, "로그인", f"accounts:{row['account']}", "sso")  # type: ignore[attr-defined]
        return _user(row, client=client)

    def update_account(self, account: str, *, by: User, **changes: object) -> None:
        """Change ``role``, ``staff_name``, ``dong_code``, ``admin``, ``disabled``, ``locked`` (unlock) or ``password``.

        Raises
        ------
        PermissionError
            If ``by`` is not an administrator.
        NotFoundError
            If there is no such account.
        ValidationError
            For an unknown field, role or a weak password.
        """
        self._require_admin(by)
        if self._account_row(account) is None:
            raise NotFoundError(f"계정 {account!r}이(가) 없습니다.")
        allowed = {"role", "staff_name", "dong_code", "admin", "disabled", "locked", "password", "name", "email"}
        problems = [Problem("계정", None, k, "바꿀 수 없는 항목입니다.") for k in changes if k not in allowed]
        if "role" in changes and changes["role"] is not None and changes["role"] not in ACCOUNT_ROLES.keys:
            problems.append(
                Problem("계정", None, "권한", f"{changes['role']!r}: 가능한 값 {', '.join(ACCOUNT_ROLES.keys)}")
            )
        if "password" in changes and (weak := password_problem(str(changes["password"]))):
            problems.append(Problem("계정", None, "비밀번호", weak))
        if problems:
            raise ValidationError(problems, what="계정")
        values = {k: v for k, v in changes.items() if k != "password"}
        if "password" in changes:
            values["password_hash"] = _HASHER.hash(str(changes["password"]))
        if changes.get("locked") is False:
            values["failed"] = 0
        shown = {k: ("(새 비밀번호)" if k == "password" else v) for k, v in changes.items()}
        with self.writer.begin() as conn:
            conn.execute(ACCOUNTS.update().where(ACCOUNTS.c.account == account).values(**values))
            self._grant_log(conn, by, account, f"change {shown}")


def _user(row: dict, *, client: str | None) -> User:
    return User(
        row["account"],
        row["name"],
        row["role"],
        client=client,
        staff_name=row["staff_name"],
        dong_code=row["dong_code"],
        admin=bool(row["admin"]),
    )
