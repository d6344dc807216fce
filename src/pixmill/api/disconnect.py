"""Cancelling a request's work when its client goes away, so it is neither done nor charged."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from fastapi import Request

from pixmill.errors import ApiError

T = TypeVar("T")


class ClientDisconnected(ApiError):
    """The client closed the connection before the answer; nobody will read this error."""

    status = 499
    code = "client_disconnected"
    type = "invalid_request_error"


async def cancel_on_disconnect(request: Request, work: Callable[[], Awaitable[T]]) -> T:
    """Run `work`, cancelling it if the client disconnects first (then ClientDisconnected).

    Call it once the body has been read: from then on the server's next message on this
    request can only be the disconnect.
    """
    finished: list[T] = []
    failed: list[Exception] = []

    async def watch(scope: anyio.CancelScope) -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
        scope.cancel()

    async with anyio.create_task_group() as group:
        group.start_soon(watch, group.cancel_scope)
        try:
            finished.append(await work())
        except Exception as exc:
            # Raised outside the task group, which would wrap it in an ExceptionGroup.
            failed.append(exc)
        group.cancel_scope.cancel()
    if failed:
        raise failed[0]
    if not finished:
        # Only the watcher cancels this scope: the client is gone, the work was cancelled.
        raise ClientDisconnected("The client closed the connection before the answer.")
    # Finished, even if the client left meanwhile: the work (and its charge) is done.
    return finished[0]
