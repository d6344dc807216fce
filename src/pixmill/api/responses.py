"""What each route may answer, for the OpenAPI spec: statuses, bodies per dialect, headers.

Routes pass `responses=` built here to FastAPI, so `/openapi.json` lists every status a
route can give with the body its dialect renders (`pixmill.api.errors.error_response`):
OpenAI's `{"error": {"message", "type", "param", "code"}}`, Segmind's
`{"error": "...", "param"?: "..."}`. A client generated from the spec, or a fuzzer
checking responses against it, sees what the server really does.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from pixmill.api.errors import Dialect


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None
    code: str | None


class OpenAIError(BaseModel):
    """An error in OpenAI's form (the OpenAI route, the admin API, everything but Segmind's)."""

    error: OpenAIErrorDetail


class SegmindError(BaseModel):
    """An error in Segmind's form."""

    error: str
    param: str | None = Field(default=None, description="The parameter to blame, when one is.")


class ImageData(BaseModel):
    """One image: in base64, or a link to it (`response_format: "url"`)."""

    b64_json: str | None = None
    url: str | None = None


class ImagesResponse(BaseModel):
    """OpenAI's images answer, with every "auto" replaced by what was used."""

    created: int
    data: list[ImageData]
    background: str
    output_format: str
    quality: str
    size: str
    usage: dict[str, Any]


class CreditsResponse(BaseModel):
    credits: str = Field(description='The account\'s balance in credits, e.g. "4.97".')


_STRING = {"schema": {"type": "string"}}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.", **_STRING}}
REMAINING_CREDITS = {
    "x-remaining-credits": {"description": "The account's balance after this call.", **_STRING}
}
_SUCCESS_HEADERS = {
    name: {"description": description, **_STRING}
    for name, description in (
        ("x-request-id", "The request's id, as in the usage records."),
        ("x-cost", "Credits this call cost."),
        ("x-generation-time", "Seconds the call took."),
        ("x-seed-value", "The seed of the first image."),
    )
}

_DESCRIPTIONS = {
    400: "A parameter is wrong, or the body is not a JSON object; `param` names the parameter.",
    401: "The API key (or admin token) is missing, unknown, revoked or expired.",
    404: "No such model, account or key.",
    406: "Insufficient credits (Segmind's status for it).",
    408: "The request body did not arrive in time.",
    409: "A request with the same Idempotency-Key is still in flight.",
    413: "The request body is over the size limit.",
    415: "The body is not JSON.",
    422: "The job failed: `error` says why (and `param`, when one parameter is to blame).",
    429: "Over the key's rate limit (with Retry-After); on OpenAI's form also insufficient "
    "credits (`insufficient_quota`).",
    502: "The upstream provider failed (gateway mode).",
    503: "A dependency (the database, rate limit storage) is away, or the queue is full; "
    "try again after Retry-After.",
    504: "The upstream provider did not answer in time (gateway mode).",
}

GENERATION_ERRORS = (400, 401, 404, 408, 409, 413, 415, 429, 502, 503, 504)
"""What a generation call may answer besides 200; Segmind adds 406."""
ADMIN_ERRORS = (400, 401, 404, 408, 413, 415, 503)
"""What an admin call may answer besides 200."""


def error_responses(dialect: Dialect, statuses: tuple[int, ...]) -> dict[int | str, Any]:
    """FastAPI `responses=` for these error statuses, with the dialect's error body."""
    model = SegmindError if dialect is Dialect.SEGMIND else OpenAIError
    responses: dict[int | str, Any] = {}
    for status in statuses:
        headers = dict(REMAINING_CREDITS)
        if status in (429, 503):
            headers |= RETRY_AFTER
        responses[status] = {
            "model": model,
            "description": _DESCRIPTIONS[status],
            "headers": headers,
        }
    return responses


def job_responses(
    statuses: tuple[int, ...], *, events: bool = False, description: str = "The job."
) -> dict[int | str, Any]:
    """FastAPI `responses=` for a job route (Segmind's form): its JSON, or server-sent
    events, and these error statuses."""
    content = {"text/event-stream": {}} if events else {"application/json": {}}
    return {
        200: {"description": description, "content": content, "headers": REMAINING_CREDITS},
        **error_responses(Dialect.SEGMIND, statuses),
    }


def generation_responses(dialect: Dialect, *, stream: bool = False) -> dict[int | str, Any]:
    """Every answer of a generation route in `dialect`: the images, or an error; with
    `stream`, also OpenAI's server-sent events."""
    content: dict[str, Any] = {"application/json": {}}
    if stream:
        content["text/event-stream"] = {}
    statuses = GENERATION_ERRORS
    if dialect is Dialect.SEGMIND:
        # With `Accept: image/*` and n=1, Segmind's route answers the image itself.
        content |= {
            f"image/{kind}": {"schema": {"type": "string", "format": "binary"}}
            for kind in ("png", "jpeg", "webp", "svg+xml")
        }
        statuses = (*GENERATION_ERRORS, 406)
    return {
        200: {
            "model": ImagesResponse,
            "description": "The images, with what was used for each `auto`.",
            "content": content,
            "headers": REMAINING_CREDITS | _SUCCESS_HEADERS,
        },
        **error_responses(dialect, tuple(sorted(statuses))),
    }
