"""Bearer tokens of the field API: short-lived, random, bound to one account, kept only as SHA-256 hashes.

A token is issued after a password login (:meth:`mapping.store.accounts.AccountsMixin.authenticate`, with
its lock-out) and stands for that account until it expires (``MAPPING_TOKEN_HOURS``, 12 by default) or is
revoked.  Every use reads the account again, so a disabled account or a changed role takes effect at once.
The store keeps the hash only: a stolen backup holds no usable token.  Issuing one is in the access log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets

import sqlalchemy as sa

from mapping.access import User
from mapping.errors import AuthError, StoreError
from mapping.store.accounts import account_scope, account_user
from mapping.store.base import StoreBase
from mapping.store.schema import ACCOUNTS, API_TOKENS

TOKEN_HOURS_ENV = "MAPPING_TOKEN_HOURS"
DEFAULT_TOKEN_HOURS = 12
EXPIRED = "로그인이 필요합니다: 토큰이 없거나, 만료되었거나, 취소되었습니다. 다시 로그인하세요."


def token_lifetime() -> dt.timedelta:
    """How long an API token lasts: ``MAPPING_TOKEN_HOURS`` (whole hours, 1–24), default 12.

    Raises
    ------
    StoreError
        If the variable is not a whole number of hours from 1 to 24.
    """
    text = os.environ.get(TOKEN_HOURS_ENV, "").strip()
    try:
        hours = int(text) if text else DEFAULT_TOKEN_HOURS
    except ValueError:
        hours = 0
    if not 1 <= hours <= 24:
        raise StoreError(
            f"{TOKEN_HOURS_ENV}={text!r}: 토큰 유효 시간은 1~24시간의 정수로 적으세요 (기본 {DEFAULT_TOKEN_HOURS})."
        )
    return dt.timedelta(hours=hours)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class TokensMixin(StoreBase):
    """Methods of :class:`mapping.store.Store` for the field API's bearer tokens."""

    def issue_token(self, user: User) -> tuple[str, dt.datetime]:
        """A new token for ``user``, an account that has just logged in: the token and when it expires.

        Raises
        ------
        AuthError
            If ``user`` is not an active account (sample browsing, the public and the command line get none).
        """
        row = self._token_account(user.account)
        if row is None:
            raise AuthError(EXPIRED)
        token = secrets.token_urlsafe(32)
        now = self.clock()
        until = now + token_lifetime()
        with self.writer.begin() as conn:
            ended = API_TOKENS.c.revoked_at.is_not(None) | (API_TOKENS.c.expires_at <= now)
            conn.execute(API_TOKENS.delete().where(ended))  # they open nothing: the table holds live tokens only
            conn.execute(
                API_TOKENS.insert().values(
                    token_hash=_digest(token), account=user.account, issued_at=now, expires_at=until, client=user.client
                )
            )
            detail = f"api token until {until:%Y-%m-%d %H:%M}"
            self._log(conn, user, "로그인", f"accounts:{user.account}", detail, dong_code=account_scope(row))
        return token, until

    def user_for_token(self, token: str, *, client: str | None = None) -> User:
        """The account a token stands for, read afresh (role, binding), seen from ``client``.

        Raises
        ------
        AuthError
            For an unknown, expired or revoked token, or an account since disabled or removed.
        """
        if not token:
            raise AuthError(EXPIRED)
        query = sa.select(API_TOKENS).where(API_TOKENS.c.token_hash == _digest(token))
        with self.engine.connect() as conn:
            found = conn.execute(query).mappings().first()
        if found is None or found["revoked_at"] is not None or found["expires_at"] <= self.clock():
            raise AuthError(EXPIRED)
        row = self._token_account(str(found["account"]))
        if row is None:
            raise AuthError(EXPIRED)
        return account_user(row, client=client)

    def revoke_token(self, token: str) -> bool:
        """End a token now (logging out of the API); whether it was valid."""
        now = self.clock()
        with self.writer.begin() as conn:
            done = conn.execute(
                API_TOKENS.update()
                .where(API_TOKENS.c.token_hash == _digest(token), API_TOKENS.c.revoked_at.is_(None))
                .where(API_TOKENS.c.expires_at > now)
                .values(revoked_at=now)
            ).rowcount
        return bool(done)

    def _token_account(self, account: str) -> dict | None:
        """The active account row (None: no such account, or disabled)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(ACCOUNTS).where(ACCOUNTS.c.account == account)).mappings().first()
        return None if row is None or row["disabled"] else dict(row)
