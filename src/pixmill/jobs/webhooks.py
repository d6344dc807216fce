"""Webhooks: when a job ends, POST its status and a link to its result, signed per the
Standard Webhooks specification (`standardwebhooks`), under the SSRF rules.

Each account has its own signing secret (`whsec_...`), shown and rotated through the
CLI and the admin API. A delivery that fails is retried with exponential backoff by
the job's webhook workflow, and every attempt is recorded in `webhook_attempts`.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
from sqlalchemy import insert, select
from standardwebhooks import Webhook

from pixmill.accounts.db import Database
from pixmill.jobs.links import job_links, job_metrics
from pixmill.jobs.store import JobStore
from pixmill.jobs.tables import WebhookAttempt, WebhookSecret
from pixmill.security.urls import guarded_client

log = logging.getLogger(__name__)


class WebhookSecrets:
    def __init__(self, db: Database):
        self.db = db

    def get(self, account_id: str) -> str:
        """The account's secret, made on first use."""
        with self.db.transaction() as session:
            row = session.get(WebhookSecret, account_id)
            if row is not None:
                return row.secret
        return self.rotate(account_id)

    def rotate(self, account_id: str) -> str:
        """A new secret for the account; the old one stops signing at once."""
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
        with self.db.transaction() as session:
            row = session.get(WebhookSecret, account_id)
            if row is None:
                session.add(WebhookSecret(account_id=account_id, secret=secret))
            else:
                row.secret, row.created_at = secret, datetime.now(UTC)
        return secret


class WebhookSender:
    def __init__(
        self,
        store: JobStore,
        *,
        allow_list: list[str],
        timeout: float,
        max_attempts: int,
        backoff_seconds: float = 2.0,
        public_url: str | None = None,
    ):
        self.store = store
        self.secrets = WebhookSecrets(store.db)
        self.allow_list = allow_list
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff_seconds = backoff_seconds
        self.public_url = public_url

    def backoff(self, attempt: int) -> float:
        """Seconds before the attempt after `attempt`: the base, doubled each time, up to
        5 minutes."""
        return min(300.0, self.backoff_seconds * 2 ** (attempt - 1))

    def payload(self, job_id: str) -> dict[str, Any] | None:
        job = self.store.get(job_id)
        if job is None:
            return None
        links = job_links(job.base_url or self.public_url or "", job.id)
        return {
            "type": f"image.{job.status.lower()}",
            "request_id": job.id,
            "status": job.status,
            "metrics": job_metrics(job),
            "response_url": links["response_url"],
            "status_url": links["status_url"],
        }

    def deliver(self, job_id: str, attempt: int) -> bool:
        """One attempt; True when the receiver answered 2xx (or there is nothing to send)."""
        job = self.store.get(job_id)
        payload = self.payload(job_id)
        if job is None or payload is None or job.webhook_url is None:
            return True
        body = json.dumps(payload, separators=(",", ":"))
        message_id = f"msg_{job_id}"
        now = datetime.now(UTC)
        signature = Webhook(self.secrets.get(job.account_id)).sign(message_id, now, body)
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signature,
            "user-agent": "pixmill-webhooks",
        }
        status: int | None = None
        error: str | None = None
        try:
            status = anyio.run(self._post, job.webhook_url, body, headers)
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        ok = status is not None and 200 <= status < 300
        if status is not None and not ok:
            error = f"HTTP {status}"
        with self.store.db.begin() as connection:
            connection.execute(
                insert(WebhookAttempt).values(
                    job_id=job_id, attempt=attempt, at=now, status=status, error=error
                )
            )
        if not ok:
            log.info("webhook of %s failed (attempt %d): %s", job_id, attempt, error)
        return ok

    async def _post(self, url: str, body: str, headers: dict[str, str]) -> int:
        async with guarded_client(self.allow_list, timeout=self.timeout) as client:
            response = await client.post(url, content=body, headers=headers)
            return response.status_code

    def attempts(self, job_id: str) -> list[WebhookAttempt]:
        with self.store.db.transaction() as session:
            return list(
                session.scalars(
                    select(WebhookAttempt)
                    .where(WebhookAttempt.job_id == job_id)
                    .order_by(WebhookAttempt.id)
                )
            )
