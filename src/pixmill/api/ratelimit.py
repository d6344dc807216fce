"""A key's rate limit state as each dialect's response headers, and its 429.

OpenAI, on every answer to a limited key, for each limited dimension (requests, images):

    x-ratelimit-limit-requests: 60        the limit per minute
    x-ratelimit-remaining-requests: 59    what is left of it now
    x-ratelimit-reset-requests: 1s        until room comes back, as OpenAI writes durations

and on a 429 also ``Retry-After`` in whole seconds. Segmind, on a 429:
``x-rate-limit-reset-at-utc`` (ISO 8601, UTC, to the second) and ``Retry-After``.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from pixmill.accounts.ratelimit import RateLimitExceeded, RateLimitState
from pixmill.api.errors import Dialect
from pixmill.errors import RateLimited


def openai_duration(seconds: float) -> str:
    """A duration as OpenAI's headers write it (Go's style): ``20ms``, ``1.5s``, ``6m0s``.

    Rounded up to the millisecond, so that a client waiting that long is not early.
    """
    # round() first: 0.02 * 1000 is 20.000000000000004, which must not become 21ms.
    ms = max(0, math.ceil(round(seconds * 1000, 6)))
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest // 1000}.{rest % 1000:03d}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{secs}"
    if minutes:
        return f"{minutes}m{secs}"
    return secs


def utc_timestamp(epoch: float) -> str:
    """Epoch seconds as ISO 8601 UTC, rounded up to the second: ``2026-11-24T05:17:06Z``."""
    return datetime.fromtimestamp(math.ceil(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def retry_after(seconds: float) -> str:
    """HTTP's Retry-After: whole seconds, rounded up, at least 1 (0 would invite a spin)."""
    return str(max(1, math.ceil(seconds)))


def rate_limit_headers(dialect: Dialect, state: RateLimitState) -> dict[str, str]:
    """The headers `dialect` answers with for `state`, a refused one or not."""
    headers: dict[str, str] = {}
    refused = state.refused
    if dialect is Dialect.OPENAI:
        for window in state.windows:
            name = window.dimension.value
            headers[f"x-ratelimit-limit-{name}"] = str(window.limit)
            headers[f"x-ratelimit-remaining-{name}"] = str(window.remaining)
            headers[f"x-ratelimit-reset-{name}"] = openai_duration(window.reset_at - state.at)
    elif refused is not None:
        # Segmind has one reset header, and a refused client only cares about the limit
        # that refused it: when it can try again.
        assert refused.retry_after is not None
        headers["x-rate-limit-reset-at-utc"] = utc_timestamp(state.at + refused.retry_after)
    if refused is not None:
        assert refused.retry_after is not None
        headers["Retry-After"] = retry_after(refused.retry_after)
    return headers


def rate_limited(dialect: Dialect, refusal: RateLimitExceeded) -> RateLimited:
    """The 429 for `dialect`: `refusal` with its headers. Raise it ``from refusal``."""
    return RateLimited(
        refusal.message,
        retry_after=refusal.retry_after,
        headers=rate_limit_headers(dialect, refusal.state),
    )
