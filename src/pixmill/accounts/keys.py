"""Accounts and their API keys: creation, lookup by hash, revocation and expiry."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.orm import Session

from pixmill.accounts.db import Database
from pixmill.accounts.ledger import grant
from pixmill.accounts.tables import Account, ApiKey, utcnow
from pixmill.errors import AuthenticationError, InvalidRequest, NotFound, excerpt

KEY_PREFIX = "pm_"
_BY_DIGEST = select(ApiKey).where(ApiKey.digest == bindparam("digest"))
"""Built once: every request runs it."""
_MISSING = "Missing API key: send it in the 'x-api-key' header or as 'Authorization: Bearer KEY'."


@dataclass(frozen=True)
class KeyInfo:
    """A key as the rest of pixmill sees it: never the secret."""

    id: str
    account_id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    requests_per_minute: int | None
    images_per_minute: int | None

    @classmethod
    def of(cls, row: ApiKey | Row[Any]) -> KeyInfo:
        """From an ORM row, or a Core row of the same columns."""
        return cls(
            id=row.id,
            account_id=row.account_id,
            name=row.name,
            prefix=row.prefix,
            created_at=row.created_at,
            expires_at=row.expires_at,
            revoked_at=row.revoked_at,
            requests_per_minute=row.requests_per_minute,
            images_per_minute=row.images_per_minute,
        )

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= utcnow():
            return "expired"
        return "active"


@dataclass(frozen=True)
class NewKey:
    """A key just made: the only time its secret exists outside the client's hands."""

    secret: str
    key: KeyInfo


class KeyStore:
    def __init__(self, db: Database):
        self.db = db

    def create_account(self, name: str, credits_micro: int = 0) -> str:
        """A new account, with an opening grant when credits_micro > 0; its id."""
        _check_name(name)
        _check_credits(credits_micro)
        with self.db.transaction() as session:
            return _add_account(session, name, credits_micro)

    def create_key(
        self,
        account_id: str | None,
        name: str,
        *,
        credits_micro: int = 0,
        expires_at: datetime | None = None,
        requests_per_minute: int | None = None,
        images_per_minute: int | None = None,
        secret: str | None = None,
    ) -> NewKey:
        """A new key for the account, or for a new account named `name` when account_id is
        None; `credits_micro` is granted to that account in the same transaction. `secret`
        imports an existing key instead of making one."""
        _check_name(name)
        _check_credits(credits_micro)
        if expires_at is not None and expires_at.tzinfo is None:
            raise InvalidRequest("expires_at needs a timezone, e.g. 'Z'.", param="expires_at")
        for param, value in (
            ("requests_per_minute", requests_per_minute),
            ("images_per_minute", images_per_minute),
        ):
            if value is not None and value < 0:
                raise InvalidRequest(f"{param} must not be negative.", param=param)
        secret = secret or KEY_PREFIX + secrets.token_urlsafe(32)
        key_id = new_id("key")
        with self.db.transaction() as session:
            if account_id is None:
                account_id = _add_account(session, name, credits_micro)
            elif session.get(Account, account_id) is None:
                raise NotFound(f"No account {excerpt(account_id)}.", param="account_id")
            elif credits_micro:
                grant(session.connection(), account_id, credits_micro, f"with key {key_id}")
            row = ApiKey(
                id=key_id,
                account_id=account_id,
                name=name,
                digest=digest(secret),
                prefix=secret[:8],
                created_at=utcnow(),
                expires_at=expires_at,
                requests_per_minute=requests_per_minute,
                images_per_minute=images_per_minute,
            )
            session.add(row)
        return NewKey(secret, KeyInfo.of(row))

    def authenticate(self, secret: str | None) -> KeyInfo:
        """The active key with this secret; AuthenticationError (401) otherwise."""
        if not secret:
            raise AuthenticationError(_MISSING)
        wanted = digest(secret)
        with self.db.read() as connection:
            row = connection.execute(_BY_DIGEST, {"digest": wanted}).first()
        # The lookup is by a hash of the secret, so its timing says nothing about the
        # secret; compare the digests in constant time all the same.
        if row is None or not hmac.compare_digest(row.digest, wanted):
            raise AuthenticationError("Invalid API key.")
        key = KeyInfo.of(row)
        if key.state == "revoked":
            raise AuthenticationError("This API key has been revoked.")
        if key.state == "expired":
            raise AuthenticationError("This API key has expired.")
        return key

    def get(self, key_id: str) -> KeyInfo:
        with self.db.transaction() as session:
            row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFound(f"No API key {excerpt(key_id)}.", param="key_id")
        return KeyInfo.of(row)

    def active(self, key_id: str) -> bool:
        """Whether the key exists and is neither revoked nor expired: what a credential
        made from it (an events token, an image link) lives as long as."""
        with self.db.transaction() as session:
            row = session.get(ApiKey, key_id)
        return row is not None and KeyInfo.of(row).state == "active"

    def list(self, account_id: str | None = None) -> list[KeyInfo]:
        query = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
        if account_id is not None:
            query = query.where(ApiKey.account_id == account_id)
        with self.db.transaction() as session:
            return [KeyInfo.of(row) for row in session.scalars(query)]

    def revoke(self, key_id: str) -> KeyInfo:
        """Revoke the key from now on; revoking twice keeps the first time."""
        with self.db.transaction() as session:
            row = session.get(ApiKey, key_id)
            if row is None:
                raise NotFound(f"No API key {excerpt(key_id)}.", param="key_id")
            if row.revoked_at is None:
                row.revoked_at = utcnow()
            return KeyInfo.of(row)

    def accounts(self, account_id: str | None = None) -> list[tuple[str, str, int]]:
        """(id, name, balance in micro-credits) of every account, or of the one asked for."""
        query = select(Account.id, Account.name, Account.balance_micro).order_by(
            Account.created_at, Account.id
        )
        if account_id is not None:
            query = query.where(Account.id == account_id)
        with self.db.transaction() as session:
            return [(row.id, row.name, row.balance_micro) for row in session.execute(query)]

    def has_accounts(self) -> bool:
        with self.db.transaction() as session:
            return session.scalar(select(Account.id).limit(1)) is not None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_id(kind: str) -> str:
    return f"{kind}_{secrets.token_hex(8)}"


def _add_account(session: Session, name: str, credits_micro: int) -> str:
    account_id = new_id("acct")
    session.add(Account(id=account_id, name=name, balance_micro=0))
    session.flush()
    if credits_micro:
        grant(session.connection(), account_id, credits_micro, "opening balance")
    return account_id


def _check_credits(credits_micro: int) -> None:
    if credits_micro < 0:
        raise InvalidRequest("credits must not be negative.", param="credits")


def _check_name(name: str) -> None:
    if not name.strip() or len(name) > 200:
        raise InvalidRequest("name must be 1 to 200 characters.", param="name")
