"""Accounts: one per person, argon2 password hashes, lock-out for a period, grants logged, every write scoped.

Every grant and change of permissions (create, role, binding, disable, unlock, password reset) is written
to the access log with the action ``권한`` and kept at least 3 years (안전성 확보조치 기준 제5조); every
login attempt too.  Only an administrator manages accounts, and only within their scope (their dong, their
gu, or every dong when bound to neither; :func:`mapping.access.check_admin`); nobody changes their own
role, administrator flag or binding — a second administrator or the command line (the owner) does.

Logins: each attempt is reserved — counted as a failure — inside one write transaction *before* the
password is verified, so that with one try left only one of many simultaneous attempts is verified at all;
a success then resets the count.  Five failures lock the account for ``MAPPING_LOCK_MINUTES`` (15), twenty
from one client address within that period block the address for every account.  Unknown account, wrong
password, locked, disabled or blocked: the same message and the same work (one argon2 verification).
"""

from __future__ import annotations

import datetime as dt
import os
import re

import pandas as pd
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.dialects import postgresql, sqlite

from mapping.access import OWNER, User, check_admin, check_writer, in_admin_scope
from mapping.domain import ACCOUNT_ROLES, STAFF_ROLES
from mapping.errors import AccessError, AuthError, NotFoundError, Problem, StoreError, ValidationError
from mapping.organisation import gu_names, gu_of
from mapping.store.base import StoreBase
from mapping.store.schema import ACCOUNTS, API_TOKENS, LOGIN_CLIENTS

MAX_FAILURES = 5
CLIENT_FAILURES = 20  # from one address within the lock period: that address is blocked for every account
LOCK_ENV = "MAPPING_LOCK_MINUTES"
DEFAULT_LOCK_MINUTES = 15
MIN_LENGTH = 10
_ACCOUNT_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_GU_RE = re.compile(r"^\d{5}$")
_HASHER = PasswordHasher()  # argon2id, the library's recommended parameters
_DUMMY = _HASHER.hash("not-a-real-password-0")  # verified against when no real check happens: same time either way
BINDING = frozenset({"role", "admin", "dong_code", "gu_code", "staff_name"})  # nobody changes their own
_COLUMNS = (
    "account",
    "name",
    "role",
    "admin",
    "staff_name",
    "dong_code",
    "gu_code",
    "email",
    "failed",
    "locked",
    "locked_until",
    "disabled",
    "created_at",
    "last_login",
)


def lock_period() -> dt.timedelta:
    """How long five failures lock an account (and twenty block an address): ``MAPPING_LOCK_MINUTES``, default 15.

    Raises
    ------
    StoreError
        If the variable is not a whole number of minutes, 1 or more.
    """
    text = os.environ.get(LOCK_ENV, "").strip()
    try:
        minutes = int(text) if text else DEFAULT_LOCK_MINUTES
    except ValueError:
        minutes = 0
    if minutes < 1:
        raise StoreError(
            f"{LOCK_ENV}={text!r}: 잠금 시간은 1 이상의 분 단위 정수로 적으세요 (기본 {DEFAULT_LOCK_MINUTES})."
        )
    return dt.timedelta(minutes=minutes)


def refusal_message() -> str:
    """The one message of every refused password login (unknown, wrong, locked, disabled, blocked address)."""
    minutes = int(lock_period().total_seconds() // 60)
    return (
        f"계정 또는 비밀번호가 맞지 않거나, 잠시 잠겨 있습니다. 비밀번호를 {MAX_FAILURES}번 틀리면 {minutes}분 동안 "
        "로그인할 수 없습니다: 잠시 뒤에 다시 하거나 관리자에게 문의하세요."
    )


def password_problem(password: str) -> str | None:
    """Why ``password`` is too weak (None when it is fine): 10+ characters of at least two kinds."""
    kinds = sum(bool(re.search(p, password)) for p in (r"[A-Za-z]", r"\d", r"[^A-Za-z0-9]"))
    if len(password) < MIN_LENGTH or kinds < 2:
        return f"비밀번호는 {MIN_LENGTH}자 이상, 영문·숫자·기호 중 두 가지 이상을 섞어야 합니다."
    return None


def _verify(hashed: str, password: str) -> bool:
    """One argon2 verification (the only one per login attempt)."""
    try:
        return _HASHER.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def account_scope(row: dict) -> str | None:
    """The code an account lives in, for administrator scope: its dong, else its gu, else None (the whole store)."""
    for key in ("dong_code", "gu_code"):
        if isinstance(row.get(key), str) and row[key]:  # a frame's missing cell is NaN, not None
            return row[key]
    return None


class AccountsMixin(StoreBase):
    """Methods of :class:`mapping.store.Store` for accounts and logins."""

    def _grant_log(self, conn: sa.Connection, user: User, row: dict, detail: str) -> None:
        scope = account_scope(row)
        self._log(conn, user, "권한", f"accounts:{row['account']}", detail, dong_code=scope)

    @staticmethod
    def _check_manager(user: User, code: str | None, *, doing: str) -> None:
        """Refuse unless ``user`` may manage accounts living in ``code`` (sample browsing never may)."""
        check_writer(user, doing=doing)
        check_admin(user, code, doing=doing)

    # ---- creating and changing ------------------------------------------------------------------------------
    def create_account(
        self,
        account: str,
        *,
        name: str,
        password: str | None,
        role: str | None,
        user: User,
        staff_name: str | None = None,
        dong_code: str | None = None,
        gu_code: str | None = None,
        admin: bool = False,
        email: str | None = None,
    ) -> None:
        """Create one person's account (a password, or only an e-mail for single sign-on).

        A staff role (주무관·팀장·행정팀장·동장) is bound to a loaded dong and a name on its staff list; a
        구 담당 to a gu (5-digit code) that a loaded dong or Seoul's boundaries know.

        Raises
        ------
        AccessError
            If ``user`` is not an administrator whose scope holds the new account (an unscoped one, for an
            account bound to no dong or gu), or is sample browsing.
        ValidationError
            With every problem: account name, role, binding (dong, staff name, gu), weak password, an
            account or e-mail taken.
        """
        mail = (email or "").strip().lower() or None
        row: dict[str, object] = {
            "account": account,
            "name": (name or "").strip() or account,
            "role": role,
            "admin": bool(admin),
            "staff_name": (staff_name or "").strip() or None,
            "dong_code": (dong_code or "").strip() or None,
            "gu_code": (gu_code or "").strip() or None,
            "email": mail,
        }
        self._check_manager(user, account_scope(row), doing="계정 만들기")
        problems = self._account_problems(account, role=role, password=password, email=mail)
        problems += self._binding_problems(row)
        if problems:
            raise ValidationError(problems, what="계정")
        row |= {
            "password_hash": _HASHER.hash(password) if password else None,
            "failed": 0,
            "locked": False,
            "disabled": False,
            "created_at": self.clock(),
        }
        with self.writer.begin() as conn:
            conn.execute(ACCOUNTS.insert().values(**row))
            self._grant_log(conn, user, row, "create " + _binding_text(row))

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

    def known_gus(self) -> dict[str, str]:
        """Gu codes an account may be bound to: those of loaded dongs and of Seoul's boundaries, with names."""
        gus = dict(gu_names())
        for code in self.dongs()["dong_code"]:
            gus.setdefault(gu_of(str(code)), "")
        return gus

    def _binding_problems(self, row: dict) -> list[Problem]:
        """Whether role, dong, staff name and gu fit together and exist (every problem, each naming its field)."""
        role, dong, staff, gu = row["role"], row["dong_code"], row["staff_name"], row["gu_code"]
        if role is not None and role not in ACCOUNT_ROLES.keys:
            return []  # already said
        problems = []
        dongs = set(self.dongs()["dong_code"])
        if role in STAFF_ROLES:
            label = ACCOUNT_ROLES.label(role)
            if not dong:
                problems.append(
                    Problem("계정", None, "동", f"{label} 계정은 동에 묶입니다: 행정동코드(10자리)를 적으세요.")
                )
            if not staff:
                problems.append(
                    Problem("계정", None, "직원", f"{label} 계정은 직원 명단의 한 사람에 묶입니다: 성명을 적으세요.")
                )
            if gu:
                problems.append(Problem("계정", None, "구", f"{label} 계정은 동에 묶입니다: 구는 비워 두세요."))
        elif role == "gu":
            if not gu:
                problems.append(
                    Problem("계정", None, "구", "구 담당 계정은 구에 묶입니다: 구 코드(5자리, 예: 11440)를 적으세요.")
                )
            if dong or staff:
                problems.append(Problem("계정", None, "동", "구 담당 계정에는 동·직원을 두지 않습니다: 비워 두세요."))
        elif role == "city":
            if dong or staff or gu:
                problems.append(
                    Problem("계정", None, "동", "시 담당 계정은 서울시 전체를 봅니다: 동·직원·구는 비워 두세요.")
                )
        else:
            if not row["admin"]:
                problems.append(
                    Problem("계정", None, "권한", "권한이 없으면 관리자여야 합니다: 권한을 고르거나 관리자로 하세요.")
                )
            if staff:
                problems.append(Problem("계정", None, "직원", "직원 연결은 주무관·팀장·행정팀장·동장 계정에만 둡니다."))
            if dong and gu:
                problems.append(
                    Problem("계정", None, "구", "관리자는 동 하나나 구 하나, 또는 어느 쪽에도 묶이지 않습니다.")
                )
        if dong and dong not in dongs:
            loaded = ", ".join(sorted(dongs)) or "없음"
            problems.append(
                Problem("계정", None, "동", f"{dong!r}: 저장소에 불러온 동이 아닙니다 (불러온 동: {loaded}).")
            )
        elif dong and staff and staff not in set(self.staff(dong)["name"]):
            problems.append(Problem("계정", None, "직원", f"{staff!r}: 동 {dong}의 직원 명단에 없습니다."))
        if gu and (not _GU_RE.match(gu) or gu not in self.known_gus()):
            problems.append(
                Problem(
                    "계정",
                    None,
                    "구",
                    f"{gu!r}: 알려진 구 코드가 아닙니다 (서울 25개 구의 5자리 코드, 예: 11440 마포구).",
                )
            )
        return problems

    def update_account(self, account: str, *, user: User, **changes: object) -> None:
        """Change ``role``, ``staff_name``, ``dong_code``, ``gu_code``, ``admin``, ``disabled``, ``locked=False``
        (unlock), ``password``, ``name`` or ``email``.

        A new password, or a changed role, administrator flag or binding, revokes the account's API tokens
        (the field app must log in again).

        Raises
        ------
        AccessError
            If ``user`` is not an administrator whose scope holds the account, before and after the change;
            or changes their own role, administrator flag or binding.
        NotFoundError
            If there is no such account.
        ValidationError
            For an unknown field, a role, binding or e-mail that does not fit, or a weak password.
        """
        if not (user.admin or user.role == OWNER):
            self._check_manager(user, None, doing="계정 관리")  # raises, naming who may
        row = self._account_row(account)
        if row is None:
            raise NotFoundError(f"계정 {account!r}이(가) 없습니다.")
        self._check_manager(user, account_scope(row), doing="계정 관리")
        for key in ("staff_name", "dong_code", "gu_code", "email"):
            value = changes.get(key)
            if isinstance(value, str):
                value = value.strip().lower() if key == "email" else value.strip()
                changes[key] = value or None
        mine = sorted(k for k in BINDING & set(changes) if changes[k] != row[k])
        if user.account == account and mine:
            raise AccessError(
                f"{user.name}은(는) 자기 계정의 {', '.join(mine)}을(를) 바꿀 수 없습니다: 다른 관리자나 명령줄이 바꿉니다."
            )
        merged = {**row, **{k: v for k, v in changes.items() if k in ACCOUNTS.c}}
        if BINDING & set(changes):
            self._check_manager(user, account_scope(merged), doing="계정 관리")
        problems = self._change_problems(row, merged, changes)
        if problems:
            raise ValidationError(problems, what="계정")
        values = {k: v for k, v in changes.items() if k != "password"}
        if "password" in changes:
            values["password_hash"] = _HASHER.hash(str(changes["password"]))
        if changes.get("locked") is False:
            values |= {"failed": 0, "locked_until": None}
        shown = {k: ("(새 비밀번호)" if k == "password" else v) for k, v in changes.items()}
        # a new password or another role/binding ends the account's field-app tokens (a lost phone stays logged out)
        revoke = "password" in changes or any(changes[k] != row[k] for k in BINDING & set(changes))
        with self.writer.begin() as conn:
            conn.execute(ACCOUNTS.update().where(ACCOUNTS.c.account == account).values(**values))
            if revoke:
                live = (API_TOKENS.c.account == account) & API_TOKENS.c.revoked_at.is_(None)
                conn.execute(API_TOKENS.update().where(live).values(revoked_at=self.clock()))
            self._grant_log(conn, user, merged, f"change {shown}")

    def _change_problems(self, row: dict, merged: dict, changes: dict) -> list[Problem]:
        allowed = {
            "role",
            "staff_name",
            "dong_code",
            "gu_code",
            "admin",
            "disabled",
            "locked",
            "password",
            "name",
            "email",
        }
        problems = [Problem("계정", None, k, "바꿀 수 없는 항목입니다.") for k in changes if k not in allowed]
        if "role" in changes and changes["role"] is not None and changes["role"] not in ACCOUNT_ROLES.keys:
            problems.append(
                Problem("계정", None, "권한", f"{changes['role']!r}: 가능한 값 {', '.join(ACCOUNT_ROLES.keys)}")
            )
        if changes.get("locked") is True:
            problems.append(
                Problem("계정", None, "잠김", "잠금은 로그인 실패로만 걸립니다: 막으려면 '사용 중지'를 쓰세요.")
            )
        if "password" in changes and (weak := password_problem(str(changes["password"]))):
            problems.append(Problem("계정", None, "비밀번호", weak))
        email = changes.get("email")
        if email and (other := self._by_email(str(email))) is not None and other["account"] != row["account"]:
            problems.append(Problem("계정", None, "이메일", f"{email!r}은(는) 이미 다른 계정의 이메일입니다."))
        if BINDING & set(changes):
            problems += self._binding_problems(merged)
        return problems

    # ---- reading --------------------------------------------------------------------------------------------
    def _account_row(self, account: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(ACCOUNTS).where(ACCOUNTS.c.account == account)).mappings().first()
        return dict(row) if row else None

    def _by_email(self, email: str) -> dict | None:
        with self.engine.connect() as conn:
            query = sa.select(ACCOUNTS).where(ACCOUNTS.c.email == email.strip().lower())
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    def accounts(self, *, user: User | None = None) -> pd.DataFrame:
        """Every account without password hashes (``user``: only those within that administrator's scope).

        ``locked`` says whether the account is locked now (its ``locked_until`` has not passed).

        Raises
        ------
        AccessError
            If ``user`` is given and is not an administrator (or is sample browsing).
        """
        if user is not None:
            check_writer(user, doing="계정 보기")  # sample browsing has no accounts to see
            if not (user.admin or user.role == OWNER):
                check_admin(user, None, doing="계정 보기")
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(*(ACCOUNTS.c[c] for c in _COLUMNS)).order_by(ACCOUNTS.c.account)).mappings()
            frame = pd.DataFrame([dict(r) for r in rows], columns=list(_COLUMNS))
        now = self.clock()
        frame["locked"] = [until is not None and not pd.isna(until) and until > now for until in frame["locked_until"]]
        if user is not None:
            keep = pd.Series([in_admin_scope(user, account_scope(r)) for r in frame.to_dict("records")], dtype=bool)
            frame = frame[keep.to_numpy()].reset_index(drop=True)  # a mask, so no account keeps every column
        return frame

    # ---- logging in -----------------------------------------------------------------------------------------
    def authenticate(self, account: str, password: str, *, client: str | None = None) -> User:
        """Check a password login: reserve the attempt, verify once, then record success or failure.

        Raises
        ------
        AuthError
            For every refusal, with one message (:func:`refusal_message`): unknown account, wrong password,
            locked account, disabled account, an account without a password, a blocked client address.
        """
        period = lock_period()
        now = self.clock()
        with self.writer.begin() as conn:
            row, verdict = self._reserve_attempt(conn, account, client, now, period)
        hashed = row["password_hash"] if row is not None and verdict == "try" else _DUMMY
        ok = _verify(hashed, password) and verdict == "try"
        who = User(account, account, None, client=client)
        scope = account_scope(row) if row else None
        with self.writer.begin() as conn:
            if ok:  # the client's row first, then the account's: the order every login transaction locks them in
                self._undo_client_attempt(conn, client, now)
                reset = {"failed": 0, "locked": False, "locked_until": None, "last_login": now}
                conn.execute(ACCOUNTS.update().where(ACCOUNTS.c.account == account).values(**reset))
                self._log(conn, who, "로그인", f"accounts:{account}", "password", dong_code=scope)
            else:
                detail = "wrong password" if verdict == "try" else verdict
                self._log(conn, who, "로그인 실패", f"accounts:{account}", detail, dong_code=scope)
        if not ok or row is None:  # raised after the commit, so the log and the failure count are kept
            raise AuthError(refusal_message())
        return account_user(row, client=client)

    def _reserve_attempt(
        self, conn: sa.Connection, account: str, client: str | None, now: dt.datetime, period: dt.timedelta
    ) -> tuple[dict | None, str]:
        """Count the attempt as a failure before any password is verified; say whether it may be verified (``try``).

        Inside one write transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: the rows locked FOR UPDATE), so
        that two attempts never both see the last try left.
        """
        blocked = self._reserve_client(conn, client, now, period)
        found = (
            conn.execute(sa.select(ACCOUNTS).where(ACCOUNTS.c.account == account).with_for_update()).mappings().first()
        )
        row = dict(found) if found else None
        if row is None:
            return None, "unknown account"
        if row["disabled"]:
            return row, "disabled"
        if not row["password_hash"]:
            return row, "no password (single sign-on only)"
        if blocked:
            return row, "client blocked"
        until = row["locked_until"]
        if until is not None and until > now:
            return row, "locked"
        failed = (
            1 if (until is not None or row["locked"]) else int(row["failed"]) + 1
        )  # a lock that ended starts afresh
        values = {
            "failed": failed,
            "locked": failed >= MAX_FAILURES,
            "locked_until": now + period if failed >= MAX_FAILURES else None,
        }
        conn.execute(ACCOUNTS.update().where(ACCOUNTS.c.account == account).values(**values))
        return row, "try"

    def _reserve_client(self, conn: sa.Connection, client: str | None, now: dt.datetime, period: dt.timedelta) -> bool:
        """Count an attempt from ``client``; whether the address was blocked already (no address: never)."""
        if not client:
            return False
        t = LOGIN_CLIENTS
        stale = (t.c.since < now - period) & (t.c.blocked_until.is_(None) | (t.c.blocked_until <= now))
        quiet = sa.select(t.c.client).where(stale, t.c.client != client).with_for_update(skip_locked=True)
        conn.execute(t.delete().where(t.c.client.in_(quiet)))  # forget addresses quiet for a period (never wait on one)
        insert = (postgresql if self.engine.dialect.name == "postgresql" else sqlite).insert(t)
        conn.execute(
            insert.values(client=client, failed=0, since=now).on_conflict_do_nothing(index_elements=["client"])
        )
        row = conn.execute(sa.select(t).where(t.c.client == client).with_for_update()).mappings().one()
        if row["blocked_until"] is not None and row["blocked_until"] > now:
            return True
        fresh = row["since"] < now - period or row["blocked_until"] is not None
        failed = 1 if fresh else int(row["failed"]) + 1
        values = {"failed": failed, "since": now if fresh else row["since"]}
        values["blocked_until"] = now + period if failed >= CLIENT_FAILURES else None
        conn.execute(t.update().where(t.c.client == client).values(**values))
        return False

    def _undo_client_attempt(self, conn: sa.Connection, client: str | None, now: dt.datetime) -> None:
        """A successful login was no failure: take its reservation back."""
        if not client:
            return
        t = LOGIN_CLIENTS
        row = conn.execute(sa.select(t).where(t.c.client == client).with_for_update()).mappings().first()
        if row is None or int(row["failed"]) < 1:
            return
        failed = int(row["failed"]) - 1
        values = {"failed": failed, "blocked_until": row["blocked_until"] if failed >= CLIENT_FAILURES else None}
        conn.execute(t.update().where(t.c.client == client).values(**values))

    def user_for_email(self, email: str, *, client: str | None = None) -> User:
        """The account of a single-sign-on login (OIDC e-mail).

        The password lock-out does not apply: a stranger's guesses at the password must not keep the
        person out of single sign-on.

        Raises
        ------
        AuthError
            If no active account has that e-mail.
        """
        row = self._by_email(email or "")
        who = User(email or "?", email or "?", None, client=client)
        if row is None or row["disabled"]:
            with self.writer.begin() as conn:
                self._log(conn, who, "로그인 실패", f"accounts:{email}", "sso")
            raise AuthError(f"{email}에 연결된 사용 중인 계정이 없습니다. 관리자에게 계정을 요청하세요.")
        with self.writer.begin() as conn:
            conn.execute(ACCOUNTS.update().where(ACCOUNTS.c.account == row["account"]).values(last_login=self.clock()))
            self._log(conn, who, "로그인", f"accounts:{row['account']}", "sso", dong_code=account_scope(row))
        return account_user(row, client=client)


def _binding_text(row: dict) -> str:
    return (
        f"role={row['role']} admin={bool(row['admin'])} staff={row['staff_name']} "
        f"dong={row['dong_code']} gu={row['gu_code']}"
    )


def account_user(row: dict, *, client: str | None) -> User:
    """The :class:`User` an account row stands for, seen from ``client``."""
    return User(
        row["account"],
        row["name"],
        row["role"],
        client=client,
        staff_name=row["staff_name"],
        dong_code=row["dong_code"],
        admin=bool(row["admin"]),
        gu_code=row.get("gu_code"),
    )
