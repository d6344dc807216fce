"""A job's events: written by its worker to the job engine's stream, read by any process.

Each event is a small JSON-able dict with a "type": status, progress, partial_image,
then one of completed, failed or cancelled, after which the stream is closed. The
final result is not in the stream: readers load it from the job store, so a stream
never carries a job's images twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from dbos import DBOS
from dbos._error import DBOSStreamTimeoutError as StreamTimeout

from pixmill.jobs.wakeups import wake_stream_readers

STREAM = "events"
FINAL_TYPES = frozenset({"completed", "failed", "cancelled"})

__all__ = ["FINAL_TYPES", "STREAM", "StreamTimeout", "close", "emit", "read"]


def emit(event: dict[str, Any]) -> None:
    """Append an event to the running job's stream (inside its workflow or a step), and
    tell this process's readers of it at once."""
    DBOS.write_stream(STREAM, event)
    workflow_id = DBOS.workflow_id
    if workflow_id is not None:
        wake_stream_readers(workflow_id, STREAM)


def close() -> None:
    DBOS.close_stream(STREAM)


async def read(
    job_id: str, *, offset: int = 0, poll: float, timeout: float
) -> AsyncIterator[tuple[int, dict]]:
    """(offset, event) pairs from `offset` on, until the stream closes or the job ends;
    StreamTimeout when no event comes for `timeout` seconds."""
    position = offset
    async for event in DBOS.read_stream_async(
        job_id, STREAM, offset=offset, polling_interval_sec=poll, timeout_seconds=timeout
    ):
        yield position, event
        position += 1
