"""What every generation route shares: from an HTTP request to a submitted job, and back.

One call, in order: authenticate the key, read and validate the body, rate-limit,
then submit it to the scheduler (`pixmill.jobs`), which moderates, prices, holds,
enqueues and, through an Idempotency-Key, replays. The route then answers in its
form: it waits for the job (sync), streams its events, or answers at once (async).
Every answer to an authenticated caller carries the balance in `x-remaining-credits`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
from fastapi import Request
from fastapi.responses import Response

from pixmill.accounts.db import unavailable_from
from pixmill.accounts.idempotency import HEADER as IDEMPOTENCY_HEADER
from pixmill.accounts.keys import KeyInfo
from pixmill.accounts.ratelimit import Quota, RateLimiter, RateLimitExceeded, RateLimitState
from pixmill.accounts.store import AccountStore
from pixmill.accounts.usage_log import UsageWriter
from pixmill.api.body import read_json_object
from pixmill.api.disconnect import ClientDisconnected, cancel_on_disconnect
from pixmill.api.errors import Dialect
from pixmill.api.metrics import Metrics
from pixmill.api.public_url import job_base
from pixmill.api.ratelimit import rate_limit_headers, rate_limited
from pixmill.api.workers import require_live_worker
from pixmill.errors import ApiError, InvalidRequest, NotFound
from pixmill.jobs.local import LocalRun
from pixmill.jobs.results import error_of, result_of
from pixmill.jobs.scheduler import Scheduler, Submission
from pixmill.jobs.store import COMPLETED, Job
from pixmill.request import ImageRequest, parse_request
from pixmill.service import ImageResult, ImageService, new_request_id
from pixmill.settings import Settings
from pixmill.usage import format_credits

log = logging.getLogger(__name__)

Respond = Callable[[ImageResult], Response]
"""Builds a dialect's success response from a result."""
Reader = Callable[[], Awaitable[tuple[ImageRequest, dict[str, Any], dict[str, Any]]]]
"""Reads a body its own way: (request, JSON to fingerprint, extra submit arguments)."""


@dataclass(frozen=True)
class AppState:
    """Everything a route needs, built once by create_app()."""

    settings: Settings
    service: ImageService
    accounts: AccountStore
    usage_writer: UsageWriter
    limiter: RateLimiter
    metrics: Metrics
    scheduler: Scheduler


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


class Call:
    """One generation call over HTTP, through the steps every form shares."""

    def __init__(self, http_request: Request, dialect: Dialect, form: str):
        self.http = http_request
        self.dialect = dialect
        self.form = form
        self.state = app_state(http_request)
        self.request_id = new_request_id()
        http_request.state.request_id = self.request_id
        self.started = time.perf_counter()
        self.key: KeyInfo | None = None
        self.request: ImageRequest | None = None
        self.limits: RateLimitState | None = None
        self.job: Job | None = None
        self.local: LocalRun | None = None
        self.status = 500
        self.delivered = 0

    async def submit(
        self,
        wire_model: type[ImageRequest],
        path_model: str | None = None,
        *,
        body_hook: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        reader: Reader | None = None,
        vet: Callable[[ImageRequest], None] | None = None,
    ) -> Submission:
        """Key, body, rate limit, then the scheduler. Errors carry the accounting headers.

        `reader`, when given, reads the body itself (an edit's): it answers the request,
        the JSON the Idempotency-Key fingerprint is made of, and extra submit arguments.
        `vet`, when given, checks the request before anything is counted or held: what
        the route could not answer is refused there (a 400).
        """
        self.key = await authenticate(self.http)
        try:
            if reader is not None:
                self.request, body, extras = await reader()
            else:
                body = await read_json_object(self.http, self.state.settings.max_body_bytes)
                if path_model is not None:
                    if path_model not in self.state.service.catalog:
                        raise NotFound(
                            f"Model '{path_model}' not found on this server.", param="model"
                        )
                    if not isinstance(body.get("model"), str | None):
                        raise InvalidRequest(
                            "Invalid value for 'model': the path names the model; leave "
                            "'model' out of the body, or give it as a string.",
                            param="model",
                        )
                    body["model"] = path_model
                # After the model's 404: an unknown model is not a misused generation model.
                extras = body_hook(body) if body_hook is not None else {}
                self.request = parse_request(body, wire_model)
            if vet is not None:
                vet(self.request)
            if self.request.stream:
                self.form = "stream"
            if self.form != "async":
                await require_live_worker(self.state, self.request)
            await self.rate_limit(self.request.n)
            submission = await anyio.to_thread.run_sync(
                lambda: self.state.scheduler.submit(
                    self.key,
                    self.request,
                    form=self.form,
                    idempotency_key=self.http.headers.get(IDEMPOTENCY_HEADER),
                    fingerprint=self.fingerprint(body),
                    base_url=job_base(self.http, self.state.settings),
                    **extras,
                )
            )
        except Exception as exc:
            raise await self.failed(exc, refused=True) from None
        self.job = submission.job
        self.local = submission.local
        self.request_id = submission.job.id
        self.http.state.request_id = self.request_id
        return submission

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

    async def failed(self, exc: Exception, *, refused: bool = False) -> ApiError:
        """The error to answer with, its headers added; a call refused before it became a
        job leaves its usage record here (a job's is left by its worker)."""
        error = exc if isinstance(exc, ApiError) else self.unexpected(exc)
        self.status = error.status
        if refused and self.key is not None:
            latency = round((time.perf_counter() - self.started) * 1000)
            self.state.scheduler.refused(self.key, self.request_id, self.request, error, latency)
        try:
            error.headers.update(await self.accounting_headers())
        except Exception:
            log.exception("no balance for the error answer of %s", self.request_id)
        return error

    async def accounting_headers(self) -> dict[str, str]:
        assert self.key is not None
        if self.local is not None and self.local.balance_micro is not None:
            # As the run left it: no need to read it again.
            headers = {"x-remaining-credits": format_credits(self.local.balance_micro)}
        else:
            headers = await remaining_credits(self.http, self.key)
        if self.limits is not None:
            headers.update(rate_limit_headers(self.dialect, self.limits))
        return headers

    async def wait(self, submission: Submission) -> ImageResult:
        """Wait for the job and return its result, or raise its error. A client that goes
        away cancels its job (not a replayed one, which another request may wait on)."""
        scheduler = self.state.scheduler
        job_id = submission.job.id
        try:
            job = await cancel_on_disconnect(
                self.http, lambda: scheduler.wait(job_id, submission.local)
            )
        except ClientDisconnected:
            if not submission.replayed:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(
                        cancel_quietly, scheduler, job_id, submission.job.account_id
                    )
            raise
        return await self.outcome(job)

    async def respond(self, submission: Submission, respond: Respond) -> Response:
        """Wait for the submitted job and answer with its result, or raise its error."""
        try:
            result = await self.wait(submission)
        except Exception as exc:
            raise await self.failed(exc) from None
        return await self.answer(result, respond(result), submission.replayed)

    async def outcome(self, job: Job) -> ImageResult:
        scheduler = self.state.scheduler
        if job.ready:
            # The hand-off: taken to be sent to this caller, the result is charged now.
            handed = await anyio.to_thread.run_sync(scheduler.hand_off, job)
            if handed is None:
                raise ApiError("The request's result is no longer kept.")
            job = handed
        self.job = job  # final: its expiry is known
        if job.status != COMPLETED:
            raise error_of(job)
        if self.local is not None and self.local.images is not None:
            images = self.local.images  # as stored, without reading them back
        else:
            images = await anyio.to_thread.run_sync(scheduler.store.images, job.id)
        return result_of(job, images)

    async def answer(self, result: ImageResult, response: Response, replayed: bool) -> Response:
        response.headers.update(result_headers(result))
        response.headers.update(await self.accounting_headers())
        if replayed:
            response.headers["idempotent-replayed"] = "true"
        self.status, self.delivered = response.status_code, len(result.images)
        return response

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

    def observe(self) -> None:
        request = self.request
        model = request.model if request and request.model in self.state.service.catalog else None
        quality = (self.job.spec.get("quality") if self.job else None) or (
            request.quality if request else "unknown"
        )
        self.state.metrics.observe(
            dialect=self.dialect.value,
            model=model or "unknown",
            status=self.status,
            quality=quality,
            seconds=time.perf_counter() - self.started,
            images=self.delivered,
        )


async def generate(
    http_request: Request,
    dialect: Dialect,
    wire_model: type[ImageRequest],
    respond: Respond,
    *,
    path_model: str | None = None,
    body_hook: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    reader_for: Callable[[Call], Reader] | None = None,
) -> Response:
    """Answer one generation request synchronously: submit its job, wait, answer."""
    call = Call(http_request, dialect, "sync")
    try:
        reader = reader_for(call) if reader_for is not None else None
        submission = await call.submit(wire_model, path_model, body_hook=body_hook, reader=reader)
        return await call.respond(submission, respond)
    finally:
        call.observe()


def cancel_quietly(scheduler: Scheduler, job_id: str, account_id: str) -> None:
    """Stop a job nobody waits for any more; one that ended meanwhile is left as it is."""
    with contextlib.suppress(ApiError):
        scheduler.cancel(job_id, account_id)


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


def result_body(result: ImageResult, urls: list[str] | None = None) -> dict[str, object]:
    """OpenAI's success body, with every "auto" replaced by what was used: the images in
    base64, or, given `urls` (one per image), as links."""
    spec = result.spec
    if urls is not None:
        data = [{"url": url} for url in urls]
    else:
        data = [{"b64_json": base64.b64encode(image.data).decode()} for image in result.images]
    return {
        "created": result.created,
        "data": data,
        "background": spec.background,
        "output_format": spec.output_format,
        "quality": spec.quality,
        "size": spec.size,
        "usage": result.usage.as_openai(),
    }
