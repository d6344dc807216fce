"""OpenAI's dialect: POST /v1/images/generations and /v1/images/edits, errors as
{"error": {...}}, and with `stream: true` server-sent events of partial and completed
images."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ConfigDict

from pixmill.api.edits import openai_edit_reader, openai_variation_reader
from pixmill.api.edits_forms import OpenAIEditFields, edit_body_schemas
from pixmill.api.errors import Dialect
from pixmill.api.generation import Call, Respond, cancel_quietly, result_body
from pixmill.api.image_links import answer_format, image_urls, links_check
from pixmill.api.responses import generation_responses
from pixmill.errors import ApiError
from pixmill.jobs.scheduler import Submission
from pixmill.request import ImageRequest, ResponseFormat
from pixmill.service import ImageResult


class OpenAIImageRequest(ImageRequest):
    """The body of OpenAI's images.generate; unknown arguments are refused, as OpenAI does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    response_format: ResponseFormat | None = None
    """`url`: links this server serves (`api.image_links`); `b64_json`: the images in the
    body. Null or absent: `url` for dall-e-2 and dall-e-3, as on OpenAI's API; else base64."""


router = APIRouter(tags=["openai"])


@router.post(
    "/v1/images/generations",
    summary="Create images (OpenAI's form)",
    description="With `stream: true`, answers server-sent events: up to `partial_images` "
    "`image_generation.partial_image` events per image, then one "
    "`image_generation.completed` per image.",
    responses=generation_responses(Dialect.OPENAI, stream=True),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": OpenAIImageRequest.model_json_schema()}},
        }
    },
)
async def create_images(request: Request) -> Response:
    call = Call(request, Dialect.OPENAI, "sync")
    try:
        submission = await call.submit(OpenAIImageRequest, vet=links_check(call))
    except BaseException:
        call.observe()
        raise
    if call.form == "stream":
        return await _stream_response(call, submission, "image_generation")
    try:
        return await call.respond(submission, _responder(call))
    finally:
        call.observe()


@router.post(
    "/v1/images/edits",
    summary="Edit images (OpenAI's form)",
    responses=generation_responses(Dialect.OPENAI, stream=True),
    description="multipart/form-data (`image` or `image[]`: 1 to 16 png, jpeg or webp "
    "files, `mask`, and the parameters as text fields) or JSON (`images: [{image_url}]`, "
    "`mask: {image_url}`). With `stream: true`, answers server-sent events: "
    "`image_edit.partial_image`, then one `image_edit.completed` per image.",
    openapi_extra={"requestBody": {"required": True, "content": edit_body_schemas()}},
)
async def edit_images(request: Request) -> Response:
    call = Call(request, Dialect.OPENAI, "sync")
    try:
        submission = await call.submit(
            OpenAIEditFields, reader=openai_edit_reader(call), vet=links_check(call)
        )
    except BaseException:
        call.observe()
        raise
    if call.form == "stream":
        return await _stream_response(call, submission, "image_edit")
    try:
        return await call.respond(submission, _responder(call))
    finally:
        call.observe()


@router.post(
    "/v1/images/variations",
    summary="Variations of an image (OpenAI's form)",
    responses=generation_responses(Dialect.OPENAI),
    description="multipart/form-data: `image` (one png, jpeg or webp file), `n`, `size`, "
    "`response_format`, `user` and `model`; no prompt. Priced and moderated as an edit of "
    "one image. The design engine makes a new design of the picture's own subject and "
    "palette; diffusion engines run image-to-image at moderate strength with no prompt; "
    "the OpenAI gateway forwards it. A model whose engine cannot vary answers 400 "
    "naming `model`.",
)
async def create_variation(request: Request) -> Response:
    call = Call(request, Dialect.OPENAI, "sync")
    try:
        submission = await call.submit(
            OpenAIEditFields, reader=openai_variation_reader(call), vet=links_check(call)
        )
        return await call.respond(submission, _responder(call))
    finally:
        call.observe()


async def _stream_response(call: Call, submission: Submission, kind: str) -> Response:
    call.status = 200
    headers = await call.accounting_headers()
    headers.update({"cache-control": "no-cache", "x-request-id": submission.job.id})
    return StreamingResponse(
        _stream(call, submission, kind), media_type="text/event-stream", headers=headers
    )


def _responder(call: Call) -> Respond:
    """The answer in the form the call asked for: base64, or links."""
    assert call.request is not None
    as_links = answer_format(call.request) == "url"

    def respond(result: ImageResult) -> Response:
        urls = image_urls(call, result) if as_links else None
        return JSONResponse(result_body(result, urls))

    return respond


async def _stream(call: Call, submission: Submission, kind: str) -> AsyncIterator[bytes]:
    """OpenAI's events (`kind` is "image_generation" or "image_edit") from the job's
    own; an error ends the stream."""
    scheduler = call.state.scheduler
    job = submission.job
    spec = job.spec
    common = {
        "size": f"{spec['width']}x{spec['height']}",
        "quality": spec["quality"],
        "background": spec["background"],
        "output_format": "png" if spec["output_format"] == "svg" else spec["output_format"],
    }
    try:
        async for _, event in scheduler.follow(job.id, run=submission.local):
            if event.get("type") == "partial_image":
                yield _event(
                    f"{kind}.partial_image",
                    {
                        "b64_json": event["b64_json"],
                        "created_at": int(time.time()),
                        **common,
                        "partial_image_index": event["partial_image_index"],
                    },
                )
        final = submission.local.final if submission.local is not None else None
        if final is None:
            final = await anyio.to_thread.run_sync(scheduler.store.get, job.id)
        if final is None:
            raise ApiError("The request's result is no longer kept.")
        result = await call.outcome(final)
        usage = result.usage.as_openai()
        for image in result.images:
            yield _event(
                f"{kind}.completed",
                {
                    "b64_json": base64.b64encode(image.data).decode(),
                    "created_at": result.created,
                    **common,
                    "usage": usage,
                },
            )
        call.delivered = len(result.images)
    except ApiError as error:
        call.status = error.status
        yield _event(
            "error",
            {
                "error": {
                    "message": error.message,
                    "type": error.type,
                    "param": error.param,
                    "code": error.code,
                }
            },
        )
    finally:
        call.observe()
        if call.delivered == 0 and not submission.replayed:
            # The client went away, or the stream broke: stop the work, charge nothing.
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(cancel_quietly, scheduler, job.id, job.account_id)


def _event(kind: str, data: dict[str, Any]) -> bytes:
    payload = json.dumps({"type": kind, **data}, separators=(",", ":"))
    return f"event: {kind}\ndata: {payload}\n\n".encode()
