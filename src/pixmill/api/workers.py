"""Calls for a model no live worker serves: what an API-only replica does about them.

A sync or streamed call would wait for a worker that is not there, so it waits at most
`no_worker_wait_seconds` for one to appear and then answers 503 with Retry-After,
before anything is held. An async call is queued: a worker that starts later takes it
(or `max_queue_seconds` ends it, uncharged). `/readyz` lists such queues, but stays 200:
workers restarting must not take API replicas out of a load balancer.
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

import anyio
import anyio.to_thread

from pixmill.accounts.db import Database
from pixmill.errors import ServiceUnavailable
from pixmill.jobs.liveness import live_queues
from pixmill.request import ImageRequest

if TYPE_CHECKING:  # generation calls this module
    from pixmill.api.generation import AppState

NO_WORKER_RETRY_AFTER = 15
"""Seconds a refused caller is told to wait: about what a worker takes to (re)start."""
LOOK_EVERY = 1.0
"""Seconds between looks at the heartbeats while a call waits for a worker, and how long
a look that found a queue served stands for the calls after it (a look is a query: not
one per call)."""
_looked: weakref.WeakKeyDictionary[Database, tuple[float, set[str]]] = weakref.WeakKeyDictionary()


async def queues_without_workers(state: AppState) -> list[str]:
    """This app's queues that no live worker serves, by name."""
    names = {queue.name for queue in state.scheduler.queues.values()}
    return sorted(names - await _live(state))


async def require_live_worker(state: AppState, request: ImageRequest) -> None:
    """Return once a live worker serves `request`'s model; 503 after the bounded wait."""
    scheduler = state.scheduler
    catalog = state.service.catalog
    if request.model not in catalog:
        return  # the scheduler's own 404 names it
    queue = scheduler.queues[catalog.get(request.model).name].name
    if queue in {served.name for served in scheduler.served_queues()}:
        return  # this process works the queue itself: nothing to ask
    looked = _looked.get(state.accounts.db)
    if looked is not None and time.monotonic() - looked[0] < LOOK_EVERY and queue in looked[1]:
        return
    deadline = time.monotonic() + state.settings.no_worker_wait_seconds
    while queue not in await _live(state):
        left = deadline - time.monotonic()
        if left <= 0:
            raise ServiceUnavailable(
                f"No worker serves model '{request.model}' now; nothing was charged. "
                "Try again later, or submit it as an async job (POST /v2/{model}), which "
                "waits in the queue for a worker.",
                retry_after=NO_WORKER_RETRY_AFTER,
            )
        await anyio.sleep(min(LOOK_EVERY, left))


async def _live(state: AppState) -> set[str]:
    db, dead_after = state.accounts.db, state.settings.worker_dead_after_seconds
    live = await anyio.to_thread.run_sync(live_queues, db, dead_after)
    _looked[db] = (time.monotonic(), live)
    return live
