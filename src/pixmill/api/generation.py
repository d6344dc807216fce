"""The part of a generation route both dialects share.

One call, in order: authenticate the key, read and validate the body, rate-limit,
replay an idempotent answer or run the pipeline with the key's account paying,
then record usage. Every answer to an authenticated caller carries the account's
balance in `x-remaining-credits`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request
from fastapi.responses import Response

from pixmill.accounts.billing import Billing
from pixmill.accounts.db import unavailable_from
from pixmill.accounts.idempotency import HEADER as IDEMPOTENCY_HEADER
from pixmill.accounts.idempotency import StoredResponse
from pixmill.accounts.keys import KeyInfo
from pixmill.accounts.ratelimit import Quota, RateLimiter, RateLimitExceeded, RateLimitState
from pixmill.accounts.store import AccountStore
from pixmill.accounts.usage_log import CallUsage, UsageWriter
from pixmill.api.body import read_json_object
from pixmill.api.disconnect import cancel_on_disconnect
from pixmill.api.errors import Dialect
from pixmill.api.metrics import Metrics
from pixmill.api.ratelimit import rate_limit_headers, rate_limited
from pixmill.errors import ApiError, ModerationBlocked, NotFound
from pixmill.request import ImageRequest, parse_request
from pixmill.service import ImageResult, ImageService, new_request_id
from pixmill.settings import Settings
from pixmill.usage import format_credits

log = logging.getLogger(__name__)

Respond = Callable[[ImageResult], Response]
"""Builds a dialect's success response from a result."""


@dataclass(frozen=True)
class AppState:
    """Everything a route needs, built once by create_app()."""

    settings: Settings
    service: ImageService
    accounts: AccountStore
    usage_writer: UsageWriter
    limiter: RateLimiter
    metrics: Metrics


def app_state(request: Request) -> AppState:
    return request.app.state.pixmill


def api_key_of(request: Request) -> str | None:
    """The caller's key from 'x-api-key' or 'Authorization: Bearer', on either dialect."""
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


async def authenticate(http_request: Request) -> KeyInfo:
    accounts = app_state(http_request).accounts
    return await anyio.to_thread.run_sync(accounts.keys.authenticate, api_key_of(http_request))


async def remaining_credits(http_request: Request, key: KeyInfo) -> dict[str, str]:
    balance = await anyio.to_thread.run_sync(
        app_state(http_request).accounts.ledger.balance, key.account_id
    )
    return {"x-remaining-credits": format_credits(balance)}


async def generate(
    http_request: Request,
    dialect: Dialect,
    wire_model: type[ImageRequest],
    respond: Respond,
    *,
    path_model: str | None = None,
) -> Response:
    """Answer one generation request; `path_model` is the model named by Segmind's path."""
    call = GenerationCall(http_request, dialect)
    try:
        return await call.run(wire_model, respond, path_model)
    finally:
        call.observe()


class GenerationCall:
    """The state of one generation request as it goes through the steps of generate()."""

    def __init__(self, http_request: Request, dialect: Dialect):
        self.http = http_request
        self.dialect = dialect
        self.state = app_state(http_request)
        self.request_id = new_request_id()
        http_request.state.request_id = self.request_id
        self.started = time.perf_counter()
        self.key: KeyInfo | None = None
        self.request: ImageRequest | None = None
        self.billing: Billing | None = None
        self.limits: RateLimitState | None = None
        self.status = 500
        self.delivered = 0

    async def run(
        self, wire_model: type[ImageRequest], respond: Respond, path_model: str | None
    ) -> Response:
        self.key = await authenticate(self.http)
        claimed: str | None = None
        try:
            body = await read_json_object(self.http, self.state.settings.max_body_bytes)
            if path_model is not None:
                if path_model not in self.state.service.catalog:
                    raise NotFound(f"Model '{path_model}' not found on this server.", param="model")
                body["model"] = path_model
            self.request = parse_request(body, wire_model)
            await self.rate_limit(self.request.n)
            idempotency_key = self.http.headers.get(IDEMPOTENCY_HEADER)
            if idempotency_key is not None:
                stored = await anyio.to_thread.run_sync(
                    self.state.accounts.idempotency.begin,
                    self.key.id,
                    idempotency_key,
                    self.fingerprint(body),
                )
                if stored is not None:
                    return await self.replay(stored)
                claimed = idempotency_key
            self.billing = Billing(
                self.state.accounts.ledger, self.state.accounts.prices, self.key.account_id
            )
            result = await cancel_on_disconnect(
                self.http,
                lambda: self.state.service.generate(
                    self.request, request_id=self.request_id, billing=self.billing
                ),
            )
            response = respond(result)
            response.headers.update(result_headers(result))
            response.headers.update(await self.accounting_headers())
            if claimed is not None:
                await anyio.to_thread.run_sync(
                    self.state.accounts.idempotency.complete,
                    self.key.id,
                    claimed,
                    StoredResponse(
                        200, dict(response.headers), response.media_type or "", response.body
                    ),
                )
                claimed = None
            self.status, self.delivered = 200, len(result.images)
            self.record(result=result)
            return response
        except Exception as exc:
            error = exc if isinstance(exc, ApiError) else self.unexpected(exc)
            self.status = error.status
            self.record(error=error)
            try:
                error.headers.update(await self.accounting_headers())
            except Exception:
                log.exception("no balance for the error answer of %s", self.request_id)
            if error is exc:
                raise
            raise error from exc
        finally:
            if claimed is not None:
                # Failed, or cancelled by a shutdown: a retry should run the request again.
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(
                        self.state.accounts.idempotency.abandon, self.key.id, claimed
                    )

    async def rate_limit(self, images: int) -> None:
        assert self.key is not None
        settings, key = self.state.settings, self.key
        quota = Quota(
            requests_per_minute=_or_default(key.requests_per_minute, settings.requests_per_minute),
            images_per_minute=_or_default(key.images_per_minute, settings.images_per_minute),
        )
        try:
            self.limits = await self.state.limiter.check(self.key.id, quota, images)
        except RateLimitExceeded as exc:
            self.limits = exc.state
            raise rate_limited(self.dialect, exc) from None

    async def accounting_headers(self) -> dict[str, str]:
        assert self.key is not None
        if self.billing is not None and self.billing.balance_micro is not None:
            headers = {"x-remaining-credits": format_credits(self.billing.balance_micro)}
        else:
            headers = await remaining_credits(self.http, self.key)
        if self.limits is not None:
            headers.update(rate_limit_headers(self.dialect, self.limits))
        return headers

    async def replay(self, stored: StoredResponse) -> Response:
        self.status = stored.status
        headers = {**stored.headers, **await self.accounting_headers()}
        headers["idempotent-replayed"] = "true"
        headers.pop("content-length", None)
        return Response(stored.body, stored.status, headers, media_type=stored.media_type)

    def fingerprint(self, body: dict[str, Any]) -> str:
        canonical = json.dumps(
            [self.http.url.path, self.http.headers.get("accept", ""), body], sort_keys=True
        )
        return hashlib.sha256(canonical.encode()).hexdigest()

    def unexpected(self, exc: Exception) -> ApiError:
        unavailable = unavailable_from(exc)  # the database away, below another library
        if unavailable is not None:
            return unavailable
        log.exception("request %s failed unexpectedly", self.request_id, exc_info=exc)
        return ApiError("The server had an error while processing your request.")

    def record(self, *, result: ImageResult | None = None, error: ApiError | None = None) -> None:
        """Leave the usage record, written in the background after the answer."""
        assert self.key is not None
        spec = result.spec if result is not None else (self.billing and self.billing.spec)
        stage = category = None
        if isinstance(error, ModerationBlocked):
            stage, category = error.stage, error.category
        elif result is not None and result.withheld_category is not None:
            stage, category = "output", result.withheld_category
        if result is not None:
            status, outcome = 200, "partial" if result.withheld else "ok"
        else:
            assert error is not None
            status, outcome = error.status, error.code
        params: dict[str, Any] = {}
        if spec is not None:
            params = {
                "n": spec.n,
                "size": spec.size,
                "quality": spec.quality,
                "background": spec.background,
                "output_format": spec.output_format,
                "output_compression": spec.output_compression,
                "moderation": spec.moderation,
                "seed": spec.seed,
                "prompt_chars": len(spec.prompt),
            }
        elif self.request is not None:
            params = self.request.model_dump(exclude={"prompt"}, exclude_none=True, mode="json")
            params["prompt_chars"] = len(self.request.prompt)
        usage = CallUsage(
            request_id=self.request_id,
            account_id=self.key.account_id,
            key_id=self.key.id,
            model=self.request.model if self.request is not None else None,
            status=status,
            outcome=outcome,
            latency_ms=round((time.perf_counter() - self.started) * 1000),
            params=params,
            images=len(result.images) if result is not None else 0,
            cost_micro=result.cost_micro if result is not None else 0,
            upstream_cost_micro=result.upstream_cost_micro if result is not None else None,
            user=self.request.end_user if self.request is not None else None,
            moderation_stage=stage,
            moderation_category=category,
        )
        self.state.usage_writer.submit(usage)

    def observe(self) -> None:
        request = self.request
        model = request.model if request and request.model in self.state.service.catalog else None
        quality = self.billing.spec.quality if self.billing and self.billing.spec else None
        self.state.metrics.observe(
            dialect=self.dialect.value,
            model=model or "unknown",
            status=self.status,
            quality=quality or (request.quality if request else "unknown"),
            seconds=time.perf_counter() - self.started,
            images=self.delivered,
        )


def _or_default(value: int | None, default: int) -> int | None:
    limit = default if value is None else value
    return limit or None


def result_headers(result: ImageResult) -> dict[str, str]:
    headers = {
        "x-request-id": result.request_id,
        "x-generation-time": f"{result.seconds:.3f}",
        "x-seed-value": str(result.images[0].seed),
        "x-cost": format_credits(result.cost_micro),
    }
    if result.withheld:
        headers["x-images-withheld"] = str(result.withheld)
    return headers


def result_body(result: ImageResult) -> dict[str, object]:
    """OpenAI's success body, with every "auto" replaced by what was used."""
    spec = result.spec
    return {
        "created": result.created,
        "data": [{"b64_json": base64.b64encode(image.data).decode()} for image in result.images],
        "background": spec.background,
        "output_format": spec.output_format,
        "quality": spec.quality,
        "size": spec.size,
        "usage": result.usage.as_openai(),
    }
