"""The jobs schema: one row per call, its input and stored images, webhook attempts, live workers.

The job engine (DBOS) keeps its own workflow tables; these hold what the API shows:
who owns a job, its status and result, for as long as results are kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from pixmill.accounts.tables import Base, UtcDateTime, utcnow


class JobRecord(Base):
    """One call: a sync request, a stream or an async job, from submit to its end."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_account_created", "account_id", "created_at"),
        Index("ix_jobs_status_expires", "status", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"))
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    model: Mapped[str] = mapped_column(String(200))
    """The model the client asked for."""
    queue: Mapped[str] = mapped_column(String(200))
    form: Mapped[str] = mapped_column(String(16))
    """How it was called: "sync", "stream" or "async"."""
    status: Mapped[str] = mapped_column(String(16), default="QUEUED")
    """QUEUED, PROCESSING, COMPLETED, FAILED or CANCELLED."""
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The validated request, prompt included: what a worker runs."""
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The resolved request (every "auto" replaced) that was priced and held."""
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    """When the result is purged; set when the job ends."""
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """{status, code, message, param} of a failed job."""
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """What a completed job made: resolved parameters, usage, credits, time, seeds."""
    result_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    base_url: Mapped[str | None] = mapped_column(Text)
    caller: Mapped[str | None] = mapped_column(String(200))
    """A sync or streamed job's caller: the process holding its connection, which takes
    the result and charges it (the hand-off); None for an async job."""
    """Where the job was submitted (scheme and host): its links are made from it."""


class Blob(Base):
    """Bytes by key, for the database result store (jobs.blobs): stored images' data."""

    __tablename__ = "blobs"

    # Bytewise order on PostgreSQL too, so that a key prefix is a range of the index.
    key: Mapped[str] = mapped_column(
        String(512).with_variant(String(512, collation="C"), "postgresql"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class JobImage(Base):
    """One delivered image of a completed job, kept until the job expires; its bytes are
    in the result store (jobs.blobs) under `result_key(job_id, index)`."""

    __tablename__ = "job_images"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(BigInteger)


class JobInput(Base):
    """One input image (or the mask) of an edit job, kept apart from the job's JSON
    columns, written with the job and read by the worker before it renders; its bytes
    are in the result store under `input_key(job_id, index)`."""

    __tablename__ = "job_inputs"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    """The image's place among the inputs; the mask comes last."""
    role: Mapped[str] = mapped_column(String(8))
    """"image" or "mask"."""
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    has_alpha: Mapped[bool] = mapped_column()
    param: Mapped[str] = mapped_column(String(32))


class WebhookAttempt(Base):
    """One delivery attempt of a job's webhook, kept as a record of what happened."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    status: Mapped[int | None] = mapped_column(Integer)
    """The receiver's HTTP status; None when it could not be reached."""
    error: Mapped[str | None] = mapped_column(String(500))


class WorkerRecord(Base):
    """A live job executor: its heartbeat is how others know it has died."""

    __tablename__ = "workers"

    executor_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    queues: Mapped[list[str]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WebhookSecret(Base):
    """An account's webhook signing secret (Standard Webhooks `whsec_...`)."""

    __tablename__ = "webhook_secrets"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CallerRecord(Base):
    """A process that holds callers' connections: its heartbeat tells whether a finished
    sync or streamed job can still be handed to its caller."""

    __tablename__ = "callers"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
