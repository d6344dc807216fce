"""An upstream's error answer, translated into pixmill's ApiError; nothing leaks through.

400 moderation_blocked         -> 400 moderation_blocked  (the provider's safety system)
400 other                      -> 400 invalid_value       (its message, keys masked)
401, 403, 404                  -> 502 gateway_misconfigured (the key or base URL is wrong)
406, 429 insufficient_quota    -> 502 upstream_error      (the operator's account is empty)
429, 5xx after the retries     -> 502 upstream_error
anything else                  -> 502 upstream_error

An `error` event in the middle of a stream maps the same way by its code (moderation,
quota); any other is a 502 upstream_error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from pixmill.errors import (
    ApiError,
    InvalidRequest,
    ModerationBlocked,
    UpstreamError,
    UpstreamMisconfigured,
)

log = logging.getLogger(__name__)

MODERATION_CODES = frozenset({"moderation_blocked", "content_policy_violation"})
QUOTA_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached"})


@dataclass(frozen=True)
class UpstreamFailure:
    """An error answer, as read from the provider's body (already redacted)."""

    provider: str
    status: int
    message: str
    code: str | None = None
    param: str | None = None


def error_for(failure: UpstreamFailure) -> ApiError:
    """The error our client gets for an upstream's error answer."""
    provider, status, code = failure.provider, failure.status, failure.code
    log.warning(
        "upstream %s answered %d code=%s: %s", provider, status, code or "-", failure.message[:300]
    )
    if code in MODERATION_CODES or (status == 400 and "safety system" in failure.message):
        return ModerationBlocked(
            "Your request was rejected by the upstream provider's safety system.",
            stage="upstream",
            category=None,
        )
    if status in (401, 403, 404):
        what = "model or route" if status == 404 else "credentials"
        return UpstreamMisconfigured(
            f"The gateway is misconfigured: the upstream provider ({provider}) refused the "
            f"operator's {what} (HTTP {status}). Please tell the server's operator."
        )
    if status == 406 or code in QUOTA_CODES:
        return UpstreamError(
            f"The upstream provider ({provider}) refused the request: the operator's account "
            "there is out of credits or quota. Please tell the server's operator."
        )
    if status == 400 or status == 422:
        return InvalidRequest(
            f"The upstream provider ({provider}) refused the request: {failure.message}",
            param=failure.param,
        )
    if status == 429:
        return UpstreamError(
            f"The upstream provider ({provider}) is rate limiting this server; please retry later."
        )
    return UpstreamError(f"The upstream provider ({provider}) failed (HTTP {status}).")


def stream_error_for(failure: UpstreamFailure) -> ApiError:
    """The error our client gets for an `error` event in a stream already answered 2xx."""
    if failure.code in MODERATION_CODES or failure.code in QUOTA_CODES:
        return error_for(failure)
    log.warning(
        "upstream %s sent an error event code=%s: %s",
        failure.provider, failure.code or "-", failure.message[:300],
    )  # fmt: skip
    return UpstreamError(
        f"The upstream provider ({failure.provider}) failed while streaming the image."
    )


def malformed(provider: str, what: str) -> UpstreamError:
    """A 2xx answer that is not what the protocol promises."""
    log.warning("upstream %s sent a malformed answer: %s", provider, what)
    return UpstreamError(f"The upstream provider ({provider}) sent a malformed answer: {what}.")
