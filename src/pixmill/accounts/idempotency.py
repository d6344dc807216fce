"""Idempotency-Key: a retried request gets the first request's job, without a second charge.

Keys are scoped to the API key that sent them and kept 24 hours. A key refers to its
request's job, not to a copy of its answer: a retry waits on, or replays, that job's
stored result while the result is kept. A request that failed charged nothing, so the
caller lets its key go and a retry runs again.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError

from pixmill.accounts.db import Database
from pixmill.accounts.tables import IdempotentResponse, utcnow
from pixmill.errors import Conflict, InvalidRequest

TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"


class IdempotencyStore:
    def __init__(self, db: Database):
        self.db = db

    def begin(self, key_id: str, idempotency_key: str, fingerprint: str) -> str | None:
        """The job of the first request with this key, or None after claiming the key."""
        if not 1 <= len(idempotency_key) <= 255:
            raise InvalidRequest(f"{HEADER} must be 1 to 255 characters.", param=HEADER)
        try:
            with self.db.transaction() as session:
                # Expired answers go first, in the claim's own transaction: this key's
                # among them, which frees it for reuse.
                session.execute(
                    delete(IdempotentResponse).where(IdempotentResponse.created_at < utcnow() - TTL)
                )
                session.add(
                    IdempotentResponse(
                        key_id=key_id, idempotency_key=idempotency_key, fingerprint=fingerprint
                    )
                )
            return None
        except IntegrityError:
            pass
        with self.db.transaction() as session:
            row = session.scalar(self._row(key_id, idempotency_key))
        if row is None:
            # The first request failed and let the key go between our two steps.
            return self.begin(key_id, idempotency_key, fingerprint)
        if row.fingerprint != fingerprint:
            raise InvalidRequest(
                f"This {HEADER} was already used with a different request; "
                "use a new key for a new request.",
                param=HEADER,
            )
        if row.job_id is None:
            raise Conflict(
                f"A request with this {HEADER} is still being submitted; retry later.",
                param=HEADER,
            )
        return row.job_id

    def attach(self, key_id: str, idempotency_key: str, job_id: str) -> None:
        """Point the claimed key at its request's job."""
        with self.db.transaction() as session:
            row = session.scalar(self._row(key_id, idempotency_key))
            if row is not None:
                row.job_id = job_id

    def abandon(self, key_id: str, idempotency_key: str) -> None:
        """Let the key go: its request failed, and a retry should run it again."""
        with self.db.transaction() as session:
            session.execute(
                delete(IdempotentResponse).where(
                    IdempotentResponse.key_id == key_id,
                    IdempotentResponse.idempotency_key == idempotency_key,
                )
            )

    @staticmethod
    def _row(key_id: str, idempotency_key: str) -> Select[tuple[IdempotentResponse]]:
        return select(IdempotentResponse).where(
            IdempotentResponse.key_id == key_id,
            IdempotentResponse.idempotency_key == idempotency_key,
        )
