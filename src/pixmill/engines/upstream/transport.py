"""The HTTP client the upstream engines share: timeouts, bounded retries, errors translated.

    UpstreamClient.post(path, json) -> httpx.Response      the final answer, 2xx or not
    UpstreamClient.post(path, fields, files=[...])          the same, as multipart (edits)
    with UpstreamClient.stream(path, json) as response:     the same, asking for events;
        for event in client.events(response): ...          a 2xx answer's events as they come

A 429 or 5xx answer, or a connection that could not be made, is retried up to
`max_retries` times, waiting what the upstream's `Retry-After` (or `retry-after-ms`)
asks, else an exponential backoff with jitter. A read timeout is not retried: the
upstream may have made (and billed) the images, and the client has waited long enough.
A stream is retried only until its answer's headers come: once events flow, nothing is.

httpx's exceptions never leave this module (`map_transport_errors`): a timeout becomes
UpstreamTimeout (504), any other transport failure UpstreamError (502), `from` the cause.
"""

from __future__ import annotations

import contextlib
import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import httpx
from httpx_sse import EventSource, ServerSentEvent

from pixmill.engines.upstream.errors import malformed
from pixmill.engines.upstream.options import UpstreamOptions
from pixmill.errors import UpstreamError, UpstreamTimeout

log = logging.getLogger(__name__)

RetryPredicate = Callable[[httpx.Response], bool]
FilePart = tuple[str, tuple[str, bytes, str]]
"""A multipart file: (field name, (file name, bytes, media type))."""

_SECRET_LIKE = re.compile(r"\b(sk|SG)[-_][A-Za-z0-9_\-*.]{4,}")


def retryable_status(response: httpx.Response) -> bool:
    """Rate limited, or a server-side failure that may pass."""
    return response.status_code in (408, 409, 429) or response.status_code >= 500


class UpstreamClient:
    """One pooled httpx.Client per engine, safe to share between worker threads."""

    def __init__(
        self,
        provider: str,
        options: UpstreamOptions,
        auth_headers: Mapping[str, str],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.provider = provider
        self.options = options
        self._sleep = sleep
        self._secret = options.api_key
        self._client = httpx.Client(
            base_url=options.base_url,
            headers=dict(auth_headers),
            timeout=httpx.Timeout(options.timeout, connect=options.connect_timeout),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def post(
        self,
        path: str,
        json: Any,
        *,
        retryable: RetryPredicate = retryable_status,
        files: Sequence[FilePart] | None = None,
    ) -> httpx.Response:
        """POST with retries; return the last answer, whatever its status.

        With `files`, the body is multipart: `json` holds its text fields.
        """
        return self._send(path, json, files, retryable, stream=False)

    @contextlib.contextmanager
    def stream(
        self,
        path: str,
        json: Any,
        *,
        retryable: RetryPredicate = retryable_status,
        files: Sequence[FilePart] | None = None,
    ) -> Iterator[httpx.Response]:
        """POST asking for server-sent events, with post()'s retries until an answer's
        headers come; yield that answer. A 2xx answer is open, its events read with
        `events()`; any other has its (error) body read. Closed on leaving.
        """
        response = self._send(path, json, files, retryable, stream=True)
        try:
            yield response
        finally:
            response.close()

    def events(self, response: httpx.Response) -> Iterator[ServerSentEvent]:
        """A streamed answer's events as they come (httpx-sse parses them).

        The read timeout bounds the wait for each event, not the whole stream. A stream
        that breaks or stalls raises UpstreamError or UpstreamTimeout, like a call would.
        """
        media_type = response.headers.get("content-type", "").partition(";")[0].strip()
        if media_type != "text/event-stream":
            raise malformed(self.provider, f"a stream was asked for, {media_type!r} came")
        try:
            with map_transport_errors(self.provider):
                yield from EventSource(response).iter_sse()
        except _CouldNotConnect as exc:  # cannot happen once connected; mapped all the same
            raise exc.error from exc.__cause__

    def _send(
        self,
        path: str,
        json: Any,
        files: Sequence[FilePart] | None,
        retryable: RetryPredicate,
        *,
        stream: bool,
    ) -> httpx.Response:
        """The retry loop of post() and stream(): the last answer, whatever its status."""
        attempt = 0
        while True:
            try:
                with map_transport_errors(self.provider):
                    response = self._attempt(path, json, files, stream=stream)
            except _CouldNotConnect as exc:
                if attempt >= self.options.max_retries:
                    raise exc.error from exc.__cause__
                delay = self._backoff(attempt)
                log.warning(
                    "%s: %s; retry %d in %.2fs", self.provider, exc.error, attempt + 1, delay
                )
            else:
                if attempt >= self.options.max_retries or not retryable(response):
                    return response
                response.close()
                delay = self._retry_delay(response.headers, attempt)
                if delay is None:
                    log.warning(
                        "%s: HTTP %d asks to wait longer than max_backoff (%.1fs); giving up",
                        self.provider, response.status_code, self.options.max_backoff,
                    )  # fmt: skip
                    return response
                log.warning(
                    "%s: HTTP %d; retry %d in %.2fs",
                    self.provider, response.status_code, attempt + 1, delay,
                )  # fmt: skip
            self._sleep(delay)
            attempt += 1

    def _attempt(
        self, path: str, json: Any, files: Sequence[FilePart] | None, *, stream: bool
    ) -> httpx.Response:
        """One POST. Streamed, the body of an answer that is not 2xx is read all the same:
        its error message and the retry predicate need it."""
        if files is None:
            request = self._client.build_request("POST", path, json=json, headers=_accept(stream))
        else:
            request = self._client.build_request(
                "POST", path, data=json, files=list(files), headers=_accept(stream)
            )
        response = self._client.send(request, stream=stream)
        if stream and not response.is_success:
            try:
                response.read()
            finally:
                response.close()
        return response

    def redact(self, text: str) -> str:
        """Text from the upstream, with the operator's key (and anything like a key) masked."""
        if self._secret:
            text = text.replace(self._secret, "***")
        return _SECRET_LIKE.sub("***", text)

    def _backoff(self, attempt: int) -> float:
        # Full jitter spreads the retries of many clients hit by the same outage.
        ceiling = min(self.options.max_backoff, self.options.backoff * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)

    def _retry_delay(self, headers: Mapping[str, str], attempt: int) -> float | None:
        """Seconds to wait before the next attempt; None when the upstream asks for too long."""
        asked = retry_after(headers)
        if asked is None:
            return self._backoff(attempt)
        return asked if asked <= self.options.max_backoff else None


def _accept(stream: bool) -> dict[str, str]:
    return {"accept": "text/event-stream"} if stream else {}


def retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds an answer asks to wait: `retry-after-ms`, or `Retry-After` (seconds or a date)."""
    value = headers.get("retry-after-ms")
    if value:
        with contextlib.suppress(ValueError):
            return max(0.0, float(value) / 1000)
    value = headers.get("retry-after")
    if not value:
        return None
    with contextlib.suppress(ValueError):
        return max(0.0, float(value))
    with contextlib.suppress(TypeError, ValueError):
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    return None


class _CouldNotConnect(Exception):
    """Nothing reached the upstream, so another attempt is safe; carries the error to raise."""

    def __init__(self, error: UpstreamError | UpstreamTimeout):
        super().__init__(error.message)
        self.error = error


@contextlib.contextmanager
def map_transport_errors(provider: str) -> Iterator[None]:
    """Translate httpx's exceptions into pixmill's, at this one boundary."""
    try:
        yield
    except httpx.ConnectTimeout as exc:
        error = UpstreamTimeout(f"The upstream provider ({provider}) could not be reached in time.")
        raise _CouldNotConnect(error) from exc
    except httpx.ConnectError as exc:
        error = UpstreamError(f"The upstream provider ({provider}) could not be reached.")
        raise _CouldNotConnect(error) from exc
    except httpx.TimeoutException as exc:
        raise UpstreamTimeout(
            f"The upstream provider ({provider}) did not answer in time."
        ) from exc
    except httpx.HTTPError as exc:
        raise UpstreamError(
            f"The upstream provider ({provider}) broke off its answer ({type(exc).__name__})."
        ) from exc
