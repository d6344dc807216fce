"""Serving an app with uvicorn: its options from Settings, and the limits uvicorn lacks.

uvicorn bounds the idle time between requests (`timeout_keep_alive`) and, with h11,
the size of a request's head (`h11_max_incomplete_event_size`), but it has no time
limit on receiving a request's headers or body, and httptools (its default parser
where installed) no limit on their size. So:

- `guarded_protocol()` wraps uvicorn's HTTP protocol: a request's head must be in
  within `header_timeout` seconds of the connection (or of the previous response), else
  the connection gets a 408 and is closed (quietly, when nothing of a request came); a
  head over `max_header_bytes` gets a 431.
- `BodyDeadline` wraps the app: a body that has not fully arrived `body_timeout`
  seconds after its headers raises `RequestTimeout` from `receive()`, which the routes
  answer (408, with `connection: close`) and record as the client's failure.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import anyio
import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from pixmill.errors import RequestTimeout
from pixmill.settings import Settings

log = logging.getLogger(__name__)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """`uvicorn.run()`'s (or `uvicorn.Config`'s) options for the settings' address and limits;
    serve `BodyDeadline(app, settings.body_timeout)` with them."""
    return {
        "host": settings.host,
        "port": settings.port,
        "http": guarded_protocol(settings.header_timeout, settings.max_header_bytes),
        "timeout_keep_alive": settings.keep_alive_timeout,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "log_level": settings.log_level,
    }


def uvicorn_config(app: ASGIApp, settings: Settings, **options: Any) -> uvicorn.Config:
    """uvicorn's Config for `app` with the settings' address and limits; `options` on top."""
    values = uvicorn_options(settings) | options
    return uvicorn.Config(BodyDeadline(app, settings.body_timeout), **values)


def _response(status: bytes, text: bytes) -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\ncontent-type: text/plain; charset=utf-8\r\n"
        b"content-length: " + str(len(text)).encode() + b"\r\nconnection: close\r\n\r\n" + text
    )


class _HeaderGuard:
    """Mixed in before uvicorn's protocol class (h11 or httptools): limits on the head."""

    header_timeout: float
    max_header_bytes: int
    # Attributes of uvicorn's protocols that this reads.
    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any

    _header_timer: asyncio.TimerHandle | None = None
    _head_bytes = 0
    _tail = b""
    """The last bytes of the head so far: its end, a blank line, may span two reads."""

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._await_head()

    def data_received(self, data: bytes) -> None:
        if self._awaiting_head():
            # Count the head only: a body may follow it in the same read.
            window = self._tail + data
            end = window.find(b"\r\n\r\n")
            self._head_bytes += len(data) if end < 0 else end + 4 - len(self._tail)
            self._tail = window[-3:]
            if self._head_bytes > self.max_header_bytes:
                self._refuse(b"431 Request Header Fields Too Large", b"Request headers too large.")
                return
        super().data_received(data)  # type: ignore[misc]

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timer()
        super().connection_lost(exc)  # type: ignore[misc]

    def _awaiting_head(self) -> bool:
        """True between requests: no request's headers are complete and unanswered."""
        return self.cycle is None or self.cycle.response_complete

    def _await_head(self) -> None:
        self._cancel_timer()
        self._head_bytes, self._tail = 0, b""
        if not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout, self._head_late)

    def _head_late(self) -> None:
        self._header_timer = None
        if not self._awaiting_head() or self.transport.is_closing():
            return
        if not self._head_bytes:
            self.transport.close()  # nothing asked: an idle connection, closed quietly
            return
        log.info("closed a connection whose request headers took over %gs", self.header_timeout)
        self._refuse(b"408 Request Timeout", b"Request headers took too long.")

    def _refuse(self, status: bytes, text: bytes) -> None:
        self._cancel_timer()
        if not self.transport.is_closing():
            self.transport.write(_response(status, text))
            self.transport.close()

    def _cancel_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None


def guarded_protocol(
    header_timeout: float, max_header_bytes: int, base: type[asyncio.Protocol] = AutoHTTPProtocol
) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class (`base`: httptools where installed, else h11), with the
    head's limits."""
    return type(
        "GuardedHTTPProtocol",
        (_HeaderGuard, base),
        {"header_timeout": header_timeout, "max_header_bytes": max_header_bytes},
    )


class BodyDeadline:
    """ASGI middleware: the whole request body must arrive within `seconds` of its headers."""

    def __init__(self, app: ASGIApp, seconds: float):
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline = anyio.current_time() + self.seconds
        state = {"body_done": False, "timed_out": False}

        async def receive_in_time() -> Message:
            if state["body_done"]:
                return await receive()  # after the body: waiting for a disconnect, unbounded
            with anyio.move_on_after(deadline - anyio.current_time()):
                message = await receive()
                if message["type"] != "http.request" or not message.get("more_body", False):
                    state["body_done"] = True
                return message
            state["timed_out"] = True
            raise RequestTimeout(
                f"The request body did not arrive within {self.seconds:g} seconds."
            )

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start" and state["timed_out"]:
                # The rest of the body may still trickle in: end the connection.
                headers = [*message.get("headers", []), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive_in_time, send_closing)
