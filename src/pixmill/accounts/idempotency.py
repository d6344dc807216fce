"""Idempotency-Key: a retried request gets the first answer again, without a second charge.

Keys are scoped to the API key that sent them and kept 24 hours. Only successful
answers are kept: a failed request charged nothing, so its retry simply runs again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Select, delete, select
from sqlalchemy.exc import IntegrityError

from pixmill.accounts.db import Database
from pixmill.accounts.tables import IdempotentResponse, utcnow
from pixmill.errors import Conflict, InvalidRequest

TTL = timedelta(hours=24)
HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class StoredResponse:
    status: int
    headers: dict[str, str]
    media_type: str
    body: bytes


class IdempotencyStore:
    def __init__(self, db: Database):
        self.db = db

    def begin(self, key_id: str, idempotency_key: str, fingerprint: str) -> StoredResponse | None:
        """The stored answer to replay, or None after claiming the key for this request."""
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
        if row.status is None:
            raise Conflict(
                f"A request with this {HEADER} is still being processed; retry later.",
                param=HEADER,
            )
        return StoredResponse(
            row.status, dict(row.headers or {}), row.media_type or "", row.body or b""
        )

    def complete(self, key_id: str, idempotency_key: str, response: StoredResponse) -> None:
        with self.db.transaction() as session:
            row = session.scalar(self._row(key_id, idempotency_key))
            if row is not None:
                row.status = response.status
                row.headers = response.headers
                row.media_type = response.media_type
                row.body = response.body

    def abandon(self, key_id: str, idempotency_key: str) -> None:
        """Let the key go: the request failed, and a retry should run it again."""
        with self.db.transaction() as session:
            session.execute(
                delete(IdempotentResponse).where(
                    IdempotentResponse.key_id == key_id,
                    IdempotentResponse.idempotency_key == idempotency_key,
                    IdempotentResponse.status.is_(None),
                )
            )

    @staticmethod
    def _row(key_id: str, idempotency_key: str) -> Select[tuple[IdempotentResponse]]:
        return select(IdempotentResponse).where(
            IdempotentResponse.key_id == key_id,
            IdempotentResponse.idempotency_key == idempotency_key,
        )
