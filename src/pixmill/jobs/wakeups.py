"""Waking the job engine when there is something to do, rather than polling for it.

DBOS finds queued jobs by polling each queue, and a stream's new events by polling on
SQLite. Fast polling costs an idle worker CPU; slow polling costs every call latency.
pixmill polls slowly (`jobs_poll_interval`, a fallback) and wakes DBOS when it knows:

- a job was submitted in this process, or a job ended here and freed a slot: the
  queue threads look now (`QueueWaker.wake`);
- a job was submitted in another process, on PostgreSQL: a NOTIFY on one channel
  reaches every worker's listener (`NotifyListener`), which wakes its queue threads;
- an event was written in this process: the stream's readers here read now
  (`wake_stream_readers`); other processes' readers on PostgreSQL hear DBOS's own
  NOTIFY, and on SQLite poll every `STREAM_POLL` seconds.

DBOS (3.4) has no public hook for any of these. What this reaches into, and why, is in
docs/architecture.md: the queue threads' shared stop event (its class is swapped for
one whose wait can end early without being set) and the system database's map of
stream listeners.
"""

from __future__ import annotations

import logging
import queue
import select
import threading
import time

import sqlalchemy as sa
from dbos._dbos import _get_dbos_instance
from dbos._queue import queue_thread

log = logging.getLogger(__name__)

CHANNEL = "pixmill_jobs"
"""The PostgreSQL channel submits notify; the payload is the job engine's schema."""
STREAM_POLL = 0.25
"""Seconds between a SQLite stream reader's looks when no local wake-up comes."""
AFTER_END_LOOKS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
"""Seconds between the looks for a finished job's slot to be free (0.39 s in all)."""


class WakeableEvent(threading.Event):
    """A stop event whose wait() can also end early, unset, when woken: DBOS's queue
    threads wait on their stop event between polls, and poll again when it returns
    unset.

    A wake-up notifies a condition of its own (`_wakes`), never the event's: a wait
    begun before the class was swapped is the plain Event.wait, which returns True when
    its condition is notified, and DBOS's queue manager would take that for "stop" and
    end for good.

    A wake-up is counted (`_woken`), and each thread remembers the count it last saw: a
    thread that was polling when it came, not waiting, polls again at its next wait
    instead of sleeping a whole poll interval (which DBOS doubles, up to 120 s, after
    contention on the queue)."""

    _wakes: threading.Condition
    _woken: int
    _seen: threading.local

    @classmethod
    def swap(cls, event: threading.Event) -> WakeableEvent:
        """Make `event` wakeable in place, so the threads already holding it see it."""
        event._wakes = threading.Condition(threading.Lock())  # type: ignore[attr-defined]
        event._woken = 0  # type: ignore[attr-defined]
        event._seen = threading.local()  # type: ignore[attr-defined]
        event.__class__ = cls
        return event  # type: ignore[return-value]

    def wait(self, timeout: float | None = None) -> bool:
        with self._wakes:
            seen = getattr(self._seen, "woken", self._woken)
            if not self.is_set() and seen == self._woken:
                self._wakes.wait(timeout)
            self._seen.woken = self._woken
        return self.is_set()

    def set(self) -> None:
        super().set()
        with self._wakes:
            self._wakes.notify_all()

    def wake(self) -> None:
        with self._wakes:
            self._woken += 1
            self._wakes.notify_all()


class QueueWaker:
    """Wakes this process's DBOS queue threads."""

    def __init__(self) -> None:
        event = _queue_stop_event()
        self._event = None if event is None else WakeableEvent.swap(event)
        self._ended: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._after_ends, name="job-waker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        if self._event is not None:
            self._event.wake()

    def wake_when_done(self, workflow_id: str) -> None:
        """Wake once the workflow has left DBOS's count of running ones: its slot is free
        only then (a wake-up before would find the slot still taken)."""
        self._ended.put(workflow_id)

    def stop(self) -> None:
        self._ended.put(None)

    def _after_ends(self) -> None:
        while (workflow_id := self._ended.get()) is not None:
            try:
                active = _get_dbos_instance()._active_workflows_set
                # A few looks, further and further apart (DBOS records the workflow's
                # end after its last line): never a busy loop beside running jobs.
                for delay in AFTER_END_LOOKS:
                    time.sleep(delay)
                    if workflow_id not in active.activeList():
                        break
            except Exception:  # DBOS shut down meanwhile: nothing to wake
                continue
            self.wake()


def _queue_stop_event() -> threading.Event | None:
    """The stop event DBOS's queue manager and all its queue threads wait on."""
    for thread in _get_dbos_instance()._background_threads:
        if getattr(thread, "_target", None) is queue_thread:
            return thread._args[0]  # type: ignore[attr-defined]
    log.warning("DBOS's queue thread was not found: jobs start at the next poll only")
    return None


def wake_stream_readers(workflow_id: str, key: str) -> None:
    """Tell this process's readers of a stream that it was written."""
    sys_db = _get_dbos_instance()._sys_db
    payload, _ = sys_db._waiter(workflow_id, key)
    signal = sys_db.streams_map.get(payload)
    if signal is not None:
        signal.set()


class NotifyListener:
    """LISTENs on PostgreSQL for submits from other processes and wakes the queues."""

    def __init__(self, url: str, schema: str, waker: QueueWaker):
        self.dsn = sa.make_url(url).set(drivername="postgresql").render_as_string(False)
        self.schema = schema
        self.waker = waker
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="job-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self.dsn, autocommit=True) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    # A look now: a submit may have come while this was not listening.
                    self.waker.wake()
                    # libpq directly, waiting in select() (psycopg's notifies() generator
                    # slowed every other thread of the process here, measured).
                    pgconn = connection.pgconn
                    while not self._stop.is_set():
                        readable, _, _ = select.select([pgconn.socket], [], [], 1.0)
                        if not readable:
                            continue
                        pgconn.consume_input()
                        woken = False
                        while (notice := pgconn.notifies()) is not None:
                            woken |= notice.extra.decode() == self.schema
                        if woken:
                            self.waker.wake()
            except Exception as exc:
                log.warning("job notifications lost (%s); polling until they are back", exc)
                self._stop.wait(5)


class Notifier:
    """Sends the NOTIFY a submit makes, on PostgreSQL; nothing on SQLite."""

    def __init__(self, url: str, schema: str):
        self.schema = schema
        self.engine: sa.Engine | None = None
        if not url.startswith("sqlite"):
            self.engine = sa.create_engine(
                url, pool_size=2, max_overflow=8, isolation_level="AUTOCOMMIT"
            )

    def notify(self) -> None:
        if self.engine is None:
            return
        try:
            with self.engine.connect() as connection:
                connection.execute(
                    sa.text("SELECT pg_notify(:channel, :schema)"),
                    {"channel": CHANNEL, "schema": self.schema},
                )
        except Exception as exc:  # the job is queued all the same: a poll finds it
            log.warning("could not notify the workers of a new job: %s", exc)

    def close(self) -> None:
        if self.engine is not None:
            self.engine.dispose()
