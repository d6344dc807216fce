"""Which job queues have a live worker, from the workers' heartbeats (see `sweeper`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from pixmill.accounts.db import Database
from pixmill.accounts.tables import utcnow
from pixmill.jobs.tables import WorkerRecord


def live_queues(db: Database, dead_after_seconds: float) -> set[str]:
    """The queues some worker whose heartbeat is younger than `dead_after_seconds` serves.

    Blocking: run it off the event loop."""
    horizon = utcnow() - timedelta(seconds=dead_after_seconds)
    with db.read() as connection:
        rows = connection.execute(
            select(WorkerRecord.queues).where(WorkerRecord.seen_at >= horizon)
        )
        return {queue for (queues,) in rows for queue in queues}
