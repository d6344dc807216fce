"""Errors the pipeline raises; each dialect in `pixmill.api` renders them.

    ApiError(status, code, message, param)
     ├── InvalidRequest        400 invalid_value         a parameter is wrong
     │    └── UnsupportedMediaType  415                   the body is not JSON
     ├── PayloadTooLarge       413 payload_too_large     the body is over the limit
     ├── RequestTimeout        408 request_timeout       the client sent its body too slowly
     ├── AuthenticationError   401 invalid_api_key       missing, unknown, revoked or expired key
     ├── InsufficientCredits   429 insufficient_quota    the account cannot pay (Segmind: 406)
     ├── RateLimited           429 rate_limit_exceeded   the key is over its per-minute limits
     ├── NotFound              404 not_found             unknown route or model
     ├── Conflict              409 conflict              the same Idempotency-Key is in flight
     ├── Cancelled             499 cancelled             the caller cancelled the work (a job)
     ├── ServiceUnavailable    503 service_unavailable   the queue is full, or the database away
     ├── ModerationBlocked     400 moderation_blocked    prompt, input image or output refused
     ├── EngineError           500 engine_error          the engine failed
     ├── UpstreamError         502 upstream_error        the upstream provider failed (gateway)
     │    └── UpstreamMisconfigured  502 gateway_misconfigured  it refused the operator's key
     └── UpstreamTimeout       504 upstream_timeout      the upstream provider did not answer

An exception that is not an ApiError is a bug: the HTTP layer logs it and
answers 500 without details. Messages quote what a caller sent through `excerpt()`, so a
32 KB prompt is never echoed back whole.
"""

from __future__ import annotations


class ApiError(Exception):
    """An error with its HTTP status, machine code and, when one is to blame, the parameter."""

    status: int = 500
    code: str = "server_error"
    type: str = "server_error"
    segmind_status: int | None = None
    """Where Segmind answers with another status than OpenAI."""

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.param = param
        self.headers = dict(headers or {})
        """Response headers that go with the error in either dialect."""
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class InvalidRequest(ApiError):
    status = 400
    code = "invalid_value"
    type = "invalid_request_error"


class UnsupportedMediaType(InvalidRequest):
    status = 415
    code = "unsupported_media_type"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"
    type = "invalid_request_error"


class RequestTimeout(ApiError):
    status = 408
    code = "request_timeout"
    type = "invalid_request_error"


class AuthenticationError(ApiError):
    status = 401
    code = "invalid_api_key"
    type = "invalid_request_error"


class InsufficientCredits(ApiError):
    """OpenAI answers 429 insufficient_quota; Segmind answers 406 "Insufficient credits"."""

    status = 429
    code = "insufficient_quota"
    type = "insufficient_quota"
    segmind_status = 406


class RateLimited(ApiError):
    """Over a per-key limit; `retry_after` is in seconds, `headers` are the dialect's."""

    status = 429
    code = "rate_limit_exceeded"
    type = "requests"

    def __init__(self, message: str, *, retry_after: float, headers: dict[str, str]):
        super().__init__(message, headers=headers)
        self.retry_after = retry_after


class NotFound(ApiError):
    status = 404
    code = "not_found"
    type = "invalid_request_error"


class Conflict(ApiError):
    status = 409
    code = "conflict"
    type = "invalid_request_error"


class Cancelled(ApiError):
    """The work was cancelled by its caller; engines let it propagate from their progress
    callback, and nothing is charged."""

    status = 499
    code = "cancelled"
    type = "invalid_request_error"


class ServiceUnavailable(ApiError):
    """Try again later: `retry_after` seconds (the queue is full, the database is away)."""

    status = 503
    code = "service_unavailable"
    type = "server_error"

    def __init__(self, message: str, *, retry_after: int = 5, param: str | None = None):
        super().__init__(message, param=param, headers={"Retry-After": str(retry_after)})
        self.retry_after = retry_after


class ModerationBlocked(ApiError):
    status = 400
    code = "moderation_blocked"
    type = "image_generation_user_error"

    def __init__(self, message: str, *, stage: str, category: str | None, param: str | None = None):
        super().__init__(message, param=param or ("prompt" if stage == "input" else None))
        self.stage = stage
        """"input" (the prompt), "input_image" (an image to edit, named by `param`) or
        "output" (the images)."""
        self.category = category


class EngineError(ApiError):
    status = 500
    code = "engine_error"
    type = "server_error"


class UpstreamError(ApiError):
    """The upstream provider (gateway mode) failed, after any retries, or answered nonsense."""

    status = 502
    code = "upstream_error"
    type = "server_error"


class UpstreamMisconfigured(UpstreamError):
    """The upstream refused the operator's key (401/403): the gateway's configuration is wrong."""

    code = "gateway_misconfigured"


class UpstreamTimeout(ApiError):
    status = 504
    code = "upstream_timeout"
    type = "server_error"


EXCERPT_CHARS = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """`repr(value)` cut to about `limit` characters: what an error message may quote."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return "a very long integer"  # repr() of a huge int is slow, or refused outright
    shown = repr(value)
    return shown if len(shown) <= limit else f"{shown[:limit]}... ({len(shown)} characters)"
