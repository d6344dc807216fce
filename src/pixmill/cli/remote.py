"""The CLI's submits to a server: one Idempotency-Key per call, and retries with the same
key, so a call whose answer was lost is collected, not charged again (docs/accounts.md)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from pixmill.accounts.idempotency import HEADER as IDEMPOTENCY_HEADER

ATTEMPTS = 4
MAX_WAIT_SECONDS = 30.0
# A job still being submitted (409), a rate limit, an overloaded server or gateway.
RETRY_STATUSES = frozenset({409, 429, 502, 503, 504})


class _Retryable(Exception):
    def __init__(self, response: httpx.Response):
        super().__init__(f"the server answered {response.status_code}")
        self.response = response


def _should_retry(response: httpx.Response) -> bool:
    """The server's `x-should-retry` where it says, else the status (never a 429 that
    means too little credit: waiting does not add any)."""
    hint = response.headers.get("x-should-retry")
    if hint in ("true", "false"):
        return hint == "true"
    if response.status_code == 429 and _error_code(response) == "insufficient_quota":
        return False
    return response.status_code in RETRY_STATUSES


def _error_code(response: httpx.Response) -> str | None:
    try:
        error = response.json().get("error")
    except ValueError:
        return None
    return error.get("code") if isinstance(error, dict) else None


def _transient(exc: BaseException) -> bool:
    return isinstance(exc, _Retryable | httpx.TransportError)


_backoff = wait_exponential_jitter(multiplier=0.5, max=MAX_WAIT_SECONDS)


def _wait(state: RetryCallState) -> float:
    """The answer's Retry-After (seconds, at most 30) where it has one, else backoff."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, _Retryable):
        try:
            return min(MAX_WAIT_SECONDS, max(0.0, float(exc.response.headers["retry-after"])))
        except (KeyError, ValueError):
            pass
    return _backoff(state)


def _last_answer(state: RetryCallState) -> httpx.Response:
    """After the last attempt: the server's answer, or the transport error raised."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, _Retryable):
        return exc.response
    assert exc is not None
    raise exc


def submit(
    url: str,
    *,
    headers: dict[str, str],
    notice: Callable[[str], None],
    **request: Any,
) -> httpx.Response:
    """POST once under a fresh Idempotency-Key; retry with that key when the connection
    failed or the answer says a retry can help. `notice` hears each retry."""
    headers = {**headers, IDEMPOTENCY_HEADER: uuid.uuid4().hex}

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        notice(
            f"{str(exc).rstrip('.')}: retrying with the same {IDEMPOTENCY_HEADER} "
            f"(attempt {state.attempt_number + 1} of {ATTEMPTS})"
        )

    def once() -> httpx.Response:
        response = httpx.post(url, headers=headers, **request)
        if _should_retry(response):
            raise _Retryable(response)
        return response

    retrying = Retrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=_wait,
        retry=retry_if_exception(_transient),
        before_sleep=before_sleep,
        retry_error_callback=_last_answer,
    )
    return retrying(once)
