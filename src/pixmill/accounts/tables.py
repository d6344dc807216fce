"""The accounts schema: accounts, API keys, the credits ledger, usage records, idempotency.

Alembic migrations in `migrations/` create these tables; change both together.
Amounts are integer micro-credits (1 credit = 1,000,000).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Account(Base):
    """Who pays: holds the balance that every key of the account spends."""

    __tablename__ = "accounts"
    __table_args__ = (CheckConstraint("balance_micro >= 0", name="balance_not_negative"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    balance_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    """The ledger's sum, kept beside it in the same transactions so a reserve is one UPDATE."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApiKey(Base):
    """A key of an account, stored as its SHA-256 digest; the secret is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    """The secret's first characters, so a person can tell keys apart."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    requests_per_minute: Mapped[int | None] = mapped_column(Integer)
    images_per_minute: Mapped[int | None] = mapped_column(Integer)
    """Per-key limits; None takes the server's defaults."""


class LedgerEntry(Base):
    """One movement of credits. Append-only: rows are never updated or deleted."""

    __tablename__ = "ledger"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('grant', 'reserve', 'charge', 'release')", name="ledger_kind_known"
        ),
        Index("ix_ledger_account", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount_micro: Mapped[int] = mapped_column(BigInteger)
    """Signed: grants and releases add, reserves and charges subtract."""
    request_id: Mapped[str | None] = mapped_column(String(64), index=True)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class HoldRecord(Base):
    """Credits held for one call: held, then settled or released exactly once.

    The state moves only forward, by conditional UPDATEs, so a step that runs again
    after a crash, or a sweep racing a live job, can never charge or release twice.
    """

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("state IN ('held', 'settled', 'released')", name="hold_state_known"),
        Index("ix_holds_state_created", "state", "created_at"),
    )

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    amount_micro: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(16), default="held")
    charged_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UsageRecord(Base):
    """One generation call by a known key, whatever its outcome."""

    __tablename__ = "usage"
    __table_args__ = (Index("ix_usage_key_created", "key_id", "created_at"),)

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    model: Mapped[str | None] = mapped_column(String(200))
    """The model name the client asked for (an alias, maybe)."""
    resolved_model: Mapped[str | None] = mapped_column(String(200))
    """The configured model that name resolved to; None when it named none."""
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    """The resolved parameters (the prompt's length, not the prompt)."""
    images: Mapped[int] = mapped_column(Integer, default=0)
    cost_micro: Mapped[int] = mapped_column(BigInteger, default=0)
    upstream_cost_micro: Mapped[int | None] = mapped_column(BigInteger)
    latency_ms: Mapped[int] = mapped_column(Integer)
    status: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(64))
    """"ok", "partial", or the error code ("moderation_blocked", "insufficient_quota", ...)."""
    user: Mapped[str | None] = mapped_column(String(500))
    moderation_stage: Mapped[str | None] = mapped_column(String(16))
    moderation_category: Mapped[str | None] = mapped_column(String(64))


class IdempotentResponse(Base):
    """A request sent with an Idempotency-Key and the job it made, kept 24 hours per key."""

    __tablename__ = "idempotency"
    __table_args__ = (UniqueConstraint("key_id", "idempotency_key"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the route and body: the same key with another request is refused."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    job_id: Mapped[str | None] = mapped_column(String(64))
    """The first request's job; None while that request is being submitted."""
