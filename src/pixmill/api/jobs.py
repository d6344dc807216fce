"""Segmind's async API (v2) and pixmill's job extensions: submit, poll, fetch, cancel,
list, and follow a job's events as server-sent events.

    POST   /v2/{model}                    submit: {request_id, status, *_url, events_token}
    GET    /v2/requests                   the account's jobs, newest first (pixmill)
    GET    /v2/requests/{id}/status       {request_id, status, metrics, progress?, queue_position?}
    GET    /v2/requests/{id}              ... and output once COMPLETED
    GET    /v1/requests/{id}              the same, v1's poll_url form
    DELETE /v2/requests/{id}              cancel (pixmill)
    GET    /v2/requests/{id}/events       server-sent events (pixmill)

A job is seen only by keys of the account that made it: others get 404, never 403.
FAILED answers HTTP 422 with `error` (and `param`), as Segmind does.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import Field

from pixmill.accounts.keys import KeyInfo
from pixmill.accounts.ratelimit import Quota, RateLimitExceeded
from pixmill.api.answer_headers import keyless
from pixmill.api.edits import refusing_edit_fields, segmind_edit_reader
from pixmill.api.edits_forms import edit_base_model
from pixmill.api.errors import CATCH_ALL, Dialect, allowed_methods
from pixmill.api.generation import Call, app_state, authenticate, remaining_credits
from pixmill.api.public_url import job_base
from pixmill.api.ratelimit import rate_limited
from pixmill.api.responses import GENERATION_ERRORS, job_responses
from pixmill.api.segmind import SegmindImageRequest
from pixmill.errors import AuthenticationError, InvalidRequest
from pixmill.jobs.links import job_links, job_metrics
from pixmill.jobs.store import CANCELLED, COMPLETED, FAILED, PROCESSING, QUEUED, Job
from pixmill.security.urls import check_url
from pixmill.usage import format_credits

router = APIRouter(tags=["jobs"])
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR_PATTERN = r"^[0-9]{1,16}\.[A-Za-z0-9_]{1,64}$"
"""A cursor: the last job's creation time in microseconds since 1970 (UTC), and its id.
Any string of this form is a position, so a page after it is always a valid question
(the query's pattern checks it)."""

HEARTBEAT_SECONDS = 15.0
_READ_RESPONSES = job_responses((401, 404, 422, 429, 503))
MAX_LIST = 100


class SegmindJobRequest(SegmindImageRequest):
    """Segmind's body, plus `partial_images` for event streams and `webhook_url`."""

    webhook_url: str | None = Field(
        default=None,
        max_length=2048,
        json_schema_extra={"format": "uri", "pattern": "^https?://"},
        description="Posted to when the job ends (Standard Webhooks). It must reach a public "
        "address, or one PIXMILL_URL_ALLOW_LIST names: others are a 400 naming it.",
    )


@router.post(
    "/v2/{model}",
    name=CATCH_ALL,
    summary="Submit a job (Segmind's async form)",
    responses=job_responses((*GENERATION_ERRORS, 406), description="The queued job's links."),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SegmindJobRequest.model_json_schema()}},
        }
    },
)
async def submit(model: str, request: Request) -> Response:
    served_with = allowed_methods(request)
    if "POST" not in served_with:
        # Another route serves this path (GET /v2/requests): not a model, and its Allow.
        raise HTTPException(405, "Method Not Allowed", {"Allow": ", ".join(served_with)})
    call = Call(request, Dialect.SEGMIND, "async")
    allow_list = call.state.settings.url_allow_list

    def take_webhook(body: dict[str, Any]) -> dict[str, Any]:
        url = body.pop("webhook_url", None)
        if url is None:
            return {}
        if not isinstance(url, str) or len(url) > 2048:
            raise InvalidRequest("'webhook_url' must be a URL string.", param="webhook_url")
        check_url(url, allow_list, param="webhook_url")
        return {"webhook_url": url}

    try:
        base = edit_base_model(model, list(call.state.settings.model_table()))
        if base is not None:
            # A `{name}-edit` model: Segmind's edit form, run on `name`.
            reader = segmind_edit_reader(call, base, take_webhook)
            submission = await call.submit(SegmindJobRequest, reader=reader)
        else:
            submission = await call.submit(
                SegmindJobRequest, model, body_hook=refusing_edit_fields(model, take_webhook)
            )
        job = submission.job
        call.status = 200
        body = {
            "request_id": job.id,
            "status": job.status,
            **job_links(job_base(request, call.state.settings), job.id),
            "events_token": call.state.scheduler.tokens.make(job.id, job.account_id),
        }
        headers = await call.accounting_headers()
        if submission.replayed:
            headers["idempotent-replayed"] = "true"
        return JSONResponse(body, headers=headers)
    finally:
        call.observe()


@router.get(
    "/v2/requests",
    summary="The account's recent jobs (pixmill)",
    responses=job_responses((400, 401, 429, 503), description="A page of jobs."),
)
async def list_jobs(
    request: Request,
    limit: int = Query(20, ge=1, le=MAX_LIST),
    after: str | None = Query(
        None,
        pattern=CURSOR_PATTERN,
        description="`next_cursor` of the page before: the page after it.",
    ),
) -> JSONResponse:
    key = await _reader(request)
    cursor = _cursor(after)
    scheduler = app_state(request).scheduler
    jobs = await anyio.to_thread.run_sync(
        lambda: scheduler.store.list(key.account_id, limit=limit + 1, before=cursor)
    )
    page, more = jobs[:limit], len(jobs) > limit
    data = [
        {
            "request_id": job.id,
            "status": job.status,
            "model": job.model,
            "prompt": job.request.get("prompt", ""),
            "n": job.request.get("n", 1),
            "edit": "edit" in job.spec,  # the spec keeps an edit's input sizes under "edit"
            "created_at": job.created_at.isoformat(),
            "metrics": job_metrics(job),
        }
        for job in page
    ]
    last = page[-1] if page else None
    body = {
        "data": data,
        "has_more": more,
        "next_cursor": _make_cursor(last) if more and last else None,
    }
    return JSONResponse(body, headers=await remaining_credits(request, key))


@router.get("/v2/requests/{request_id}/status", summary="A job's status", responses=_READ_RESPONSES)
async def job_status(request_id: str, request: Request) -> JSONResponse:
    key = await _reader(request)
    job = await _job(request, request_id, key)
    return await _answer(request, key, job, await _status_body(request, job))


@router.get(
    "/v2/requests/{request_id}", summary="A job's status and result", responses=_READ_RESPONSES
)
async def job_response(request_id: str, request: Request) -> JSONResponse:
    return await _full(request_id, request)


@router.get(
    "/v1/requests/{request_id}",
    summary="A job's status and result (v1's poll form)",
    responses=_READ_RESPONSES,
)
async def job_poll(request_id: str, request: Request) -> JSONResponse:
    return await _full(request_id, request)


@router.delete(
    "/v2/requests/{request_id}",
    summary="Cancel a job (pixmill)",
    responses=job_responses((401, 404, 409, 503), description="The cancelled job."),
)
async def cancel_job(request_id: str, request: Request) -> JSONResponse:
    key = await authenticate(request)
    scheduler = app_state(request).scheduler
    job = await anyio.to_thread.run_sync(scheduler.cancel, request_id, key.account_id)
    # A running job stops at its next step, after this answer: the cancel is taken, and
    # saying PROCESSING would read as refused. No new status, which clients switch on.
    status = CANCELLED if job.status == PROCESSING and job.cancel_requested else job.status
    body = {"request_id": job.id, "status": status, "metrics": job_metrics(job)}
    return JSONResponse(body, headers=await remaining_credits(request, key))


@router.get(
    "/v2/requests/{request_id}/events",
    summary="A job's events (server-sent events)",
    responses=job_responses((400, 401, 404, 429, 503), events=True, description="The events."),
)
async def job_events(
    request_id: str, request: Request, token: str | None = Query(None, max_length=1000)
) -> StreamingResponse:
    state = app_state(request)
    if token is not None:
        keyless(request)
        account_id = state.scheduler.tokens.account_of(token, request_id)
    else:
        account_id = (await _reader(request)).account_id
    job = await anyio.to_thread.run_sync(state.scheduler.get, request_id, account_id)
    if token is not None and not await anyio.to_thread.run_sync(
        state.accounts.keys.active, job.key_id
    ):
        # A token stands in for the key that made the job: it ends with it.
        raise AuthenticationError(
            "The key that made this request was revoked or has expired; so has its events token."
        )
    offset = _resume_offset(request.headers.get("last-event-id", ""))
    return StreamingResponse(
        _event_stream(request, job, offset),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _event_stream(request: Request, job: Job, offset: int) -> AsyncIterator[bytes]:
    scheduler = app_state(request).scheduler
    if offset == 0:
        yield _sse("status", await _status_body(request, job))
    if job.final:
        final = await _full_body(request, job)
        yield _sse(job.status.lower(), final)
        return
    send, receive = anyio.create_memory_object_stream[tuple[int, dict[str, Any]]](16)

    async def pump() -> None:
        async with send:
            async for item in scheduler.follow(job.id, offset=offset):
                await send.send(item)

    async with anyio.create_task_group() as group:
        group.start_soon(pump)
        async with receive:
            while True:
                with anyio.move_on_after(HEARTBEAT_SECONDS) as timer:
                    try:
                        position, event = await receive.receive()
                    except anyio.EndOfStream:
                        break
                if timer.cancelled_caught:
                    yield b": heartbeat\n\n"
                    continue
                kind = event.get("type", "status")
                data = {key: value for key, value in event.items() if key != "type"}
                data["request_id"] = job.id
                if kind in ("completed", "failed", "cancelled"):
                    latest = await anyio.to_thread.run_sync(scheduler.store.get, job.id)
                    data = await _full_body(request, latest or job)
                yield _sse(kind, data, position if position >= 0 else None)
        group.cancel_scope.cancel()


MAX_EVENT_ID_DIGITS = 18
"""An event id is a stream position: 18 digits fit the database's 64-bit integer."""


def _resume_offset(last: str) -> int:
    """Where a stream resumes: after `Last-Event-ID`. A value that is no event id this
    server sends (EventSource echoes what it got, so nothing else reaches here honestly)
    starts from the beginning, unless it is digits too long to be one: a 400."""
    if not (last.isascii() and last.isdigit()):  # "²" is a digit to isdigit(), not to int()
        return 0
    if len(last) > MAX_EVENT_ID_DIGITS:
        raise InvalidRequest(
            f"'Last-Event-ID' must be an event id this stream sent "
            f"(at most {MAX_EVENT_ID_DIGITS} digits).",
            param="Last-Event-ID",
        )
    return int(last) + 1


def _sse(event: str, data: dict[str, Any], event_id: int | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.append(f"data: {json.dumps(data, separators=(',', ':'))}")
    return ("\n".join(lines) + "\n\n").encode()


async def _full(request_id: str, request: Request) -> JSONResponse:
    key = await _reader(request)
    job = await _job(request, request_id, key)
    return await _answer(request, key, job, await _full_body(request, job))


async def _answer(request: Request, key: KeyInfo, job: Job, body: dict[str, Any]) -> JSONResponse:
    status = 422 if job.status == FAILED else 200
    return JSONResponse(body, status_code=status, headers=await remaining_credits(request, key))


async def _status_body(request: Request, job: Job) -> dict[str, Any]:
    body: dict[str, Any] = {"request_id": job.id, "status": job.status, "metrics": job_metrics(job)}
    if job.status == PROCESSING:
        body["progress"] = round(job.progress, 4)
    elif job.status == QUEUED:
        scheduler = app_state(request).scheduler
        body["queue_position"] = await anyio.to_thread.run_sync(scheduler.queue_position, job)
        body["progress"] = 0.0
    elif job.status == COMPLETED:
        body["progress"] = 1.0
    if job.status == FAILED:
        error = job.error or {}
        body["error"] = error.get("message", "The request failed.")
        if error.get("param"):
            body["param"] = error["param"]
    return body


async def _full_body(request: Request, job: Job) -> dict[str, Any]:
    body = await _status_body(request, job)
    if job.status == COMPLETED:
        body["output"] = await _output(request, job)
    elif job.status == CANCELLED:
        body["error"] = "The request was cancelled; nothing was charged."
    return body


async def _output(request: Request, job: Job) -> dict[str, Any]:
    """A completed job's images and what was used to make them (documented in the README)."""
    scheduler = app_state(request).scheduler
    images = await anyio.to_thread.run_sync(scheduler.store.images, job.id)
    result = job.result or {}
    spec = result.get("spec", job.spec)
    size = f"{spec['width']}x{spec['height']}"
    return {
        "images": [
            {
                "index": image.index,
                "b64_json": base64.b64encode(image.data).decode(),
                "output_format": spec["output_format"],
                "size": size,
                "seed": image.seed,
            }
            for image in images
        ],
        "parameters": {
            "model": job.model,
            "n": spec["n"],
            "size": size,
            "quality": spec["quality"],
            "background": spec["background"],
            "output_format": spec["output_format"],
            "output_compression": spec["output_compression"],
            "moderation": spec["moderation"],
            "seed": spec["seed"],
        },
        "usage": result.get("usage"),
        "credits": format_credits(result.get("cost_micro", 0)),
        "generation_time": round(result.get("seconds", 0.0), 3),
        "images_withheld": result.get("withheld", 0),
    }


async def _reader(request: Request) -> KeyInfo:
    """The key of a status read, within its own, generous rate limit."""
    key = await authenticate(request)
    state = app_state(request)
    quota = Quota(requests_per_minute=state.settings.status_polls_per_minute or None)
    try:
        await state.limiter.check(f"{key.id}:reads", quota, 1)
    except RateLimitExceeded as exc:
        error = rate_limited(Dialect.SEGMIND, exc)
        error.headers.update(await remaining_credits(request, key))
        raise error from None
    return key


async def _job(request: Request, request_id: str, key: KeyInfo) -> Job:
    scheduler = app_state(request).scheduler
    return await anyio.to_thread.run_sync(scheduler.get, request_id, key.account_id)


def _make_cursor(job: Job) -> str:
    """Where the next page starts, URL-safe as it is (no escaping, no '+' to become ' ')."""
    micros = (job.created_at - EPOCH) // timedelta(microseconds=1)
    return f"{micros}.{job.id}"


def _cursor(after: str | None) -> tuple[datetime, str] | None:
    if after is None:
        return None
    micros, _, job_id = after.partition(".")
    # 16 digits are at most year 2286: within datetime's range, and the database's.
    return EPOCH + timedelta(microseconds=int(micros)), job_id
