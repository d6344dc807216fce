"""The headers every answer carries, whichever route or error handler made it.

- `x-request-id`: the route's own (a job's id, once it has one), else one made here.
- `x-remaining-credits`: the balance, on every answer to a request with a known key,
  errors included, unless the route already gave it. Keyless routes (image links, an
  events stream read with `?token=`) mark themselves with `keyless()` and never get it.

An ASGI middleware, not a route dependency: 404s, 405s and validation errors never reach
a route, and streamed answers must pass through unbuffered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import anyio.to_thread
from fastapi import Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pixmill.accounts.db import unavailable_from
from pixmill.api.generation import api_key_of
from pixmill.errors import ApiError
from pixmill.service import new_request_id

log = logging.getLogger(__name__)

Balance = Callable[[str], str]
"""The formatted balance of the account a key secret belongs to; raises for an unknown,
revoked or expired key."""


def keyless(request: Request) -> None:
    """Mark this request's answer as one that never carries a balance."""
    request.state.keyless = True


class AnswerHeaders:
    """ASGI middleware: adds the two headers to an answer's start where they are missing."""

    def __init__(self, app: ASGIApp, balance: Balance):
        self.app = app
        self.balance = balance

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Request.state lives in scope["state"]: routes replace the id, or mark keyless.
        state = scope.setdefault("state", {})
        state["request_id"] = new_request_id()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", []))
                headers = MutableHeaders(scope=message)
                if "x-request-id" not in headers:
                    headers["x-request-id"] = state["request_id"]
                if "x-remaining-credits" not in headers and not state.get("keyless"):
                    credits = await self._balance(scope)
                    if credits is not None:
                        headers["x-remaining-credits"] = credits
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _balance(self, scope: Scope) -> str | None:
        secret = api_key_of(Request(scope))
        if secret is None:
            return None
        try:
            return await anyio.to_thread.run_sync(self.balance, secret)
        except ApiError:
            return None  # not a known key (or the database is away): no balance to give
        except Exception as exc:
            if unavailable_from(exc) is None:
                log.exception("no balance for an answer's x-remaining-credits")
            return None
