"""The job engine, DBOS Transact: one per process, shared by the apps in it.

DBOS is a process-wide singleton (`DBOS(config)` then `DBOS.launch()`), so the
runtime is too: the first app that starts launches it, the last that stops shuts
it down. Workflows find the app they belong to by its namespace
(`Settings.jobs_namespace`); a deployment uses one namespace everywhere, and tests
running several apps in one process give each its own.

DBOS finds work by polling; pixmill wakes it when it knows there is some
(`jobs.wakeups`), so the polls (`jobs_poll_interval`, 2 s by default) are a fallback.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from dbos import DBOS
from dbos._dbos import _get_dbos_instance

from pixmill import __version__
from pixmill.accounts.db import use_wal
from pixmill.jobs.wakeups import STREAM_POLL, Notifier, NotifyListener, QueueWaker

log = logging.getLogger(__name__)

APP_NAME = "pixmill"


@dataclass(frozen=True)
class QueueConfig:
    name: str
    worker_concurrency: int
    """Jobs of this queue running at once on one worker: its render slots."""
    account_concurrency: int
    """Jobs of one account running at once on one worker while other accounts wait (the
    queue is partitioned by account; see Scheduler.share_slots)."""


class JobRuntime:
    """The launched DBOS of this process, and which app each namespace is."""

    _lock = threading.Lock()
    _current: JobRuntime | None = None
    keep_running = False
    """Keep DBOS up when the last app detaches: for a process that starts apps one after
    another (a test session), sparing a relaunch each time."""

    def __init__(self, database_url: str, executor_id: str, schema: str, poll: float):
        self.database_url = database_url
        self.executor_id = executor_id
        self.poll = poll
        self.contexts: dict[str, Any] = {}
        self.parked = threading.Event()
        """Set when a drain puts running jobs back: their threads stop at their next step."""
        self._users = 0
        config: dict[str, Any] = {
            "name": APP_NAME,
            "system_database_url": database_url,
            "executor_id": executor_id,
            "application_version": f"pixmill-{__version__}",
            "notification_listener_polling_interval_sec": STREAM_POLL,
            "log_level": "WARNING",
        }
        self._engine: sa.Engine | None = None
        if database_url.startswith("sqlite"):
            config["system_database_engine"] = self._engine = _sqlite_engine(database_url)
        else:
            config["dbos_system_schema"] = schema
        DBOS(config=config)  # type: ignore[arg-type]
        # Listen to no queue until an app says which it serves: a worker never takes
        # a job for a model it lacks.
        DBOS.listen_queues([])
        DBOS.launch()
        self.schema = schema
        self.waker = QueueWaker()
        self.notifier = Notifier(database_url, schema)
        self._listener: NotifyListener | None = None
        log.info("job engine started: executor %s", executor_id)

    @classmethod
    def acquire(
        cls, *, database_url: str, executor_id: str, schema: str, poll: float
    ) -> JobRuntime:
        """The process's runtime, launched on first use."""
        with cls._lock:
            runtime = cls._current
            if runtime is None:
                runtime = cls._current = JobRuntime(database_url, executor_id, schema, poll)
            elif runtime.database_url != database_url:
                raise RuntimeError(
                    "one job database per process: this process already runs jobs on "
                    "another database"
                )
            runtime._users += 1
            return runtime

    def attach(self, namespace: str, context: Any) -> None:
        with self._lock:
            if namespace in self.contexts:
                raise RuntimeError(f"jobs namespace {namespace!r} is already served here")
            self.contexts[namespace] = context

    def serve(self, queues: Iterable[QueueConfig]) -> None:
        """Register the queues and take their jobs in this process, from now on."""
        names = []
        for queue in queues:
            self._register(queue, on_conflict="always_update")
            self.listen(queue.name)
            names.append(queue.name)
        if names and self._listener is None and self._engine is None:
            self._listener = NotifyListener(self.database_url, self.schema, self.waker)
        # DBOS's queue manager starts a worker thread for a new queue on its next pass,
        # up to a second later: wait for them, so the first job waits for nothing.
        deadline = time.monotonic() + 5
        wanted = {f"queue-worker-{name}" for name in names}
        while time.monotonic() < deadline:
            running = {thread.name for thread in threading.enumerate() if thread.is_alive()}
            if wanted <= running:
                return
            time.sleep(0.02)
        log.warning("the job engine has not started every queue yet: %s", ", ".join(names))

    def declare(self, queues: Iterable[QueueConfig]) -> None:
        """Register the queues without serving them (an API-only process)."""
        for queue in queues:
            self._register(queue, on_conflict="never_update")

    def _register(self, queue: QueueConfig, *, on_conflict: str) -> None:
        DBOS.register_queue(
            queue.name,
            worker_concurrency=queue.worker_concurrency,
            partition_worker_concurrency=queue.account_concurrency,
            polling_interval_sec=self.poll,
            on_conflict=on_conflict,  # type: ignore[arg-type]
        )

    def listen(self, queue: str) -> None:
        # DBOS reads its list of listened queues anew on every pass of its queue
        # manager (once a second), so appending here makes this process serve the
        # queue from its next pass; listen_queues() itself only works before launch.
        listening = _listening_queues()
        if queue not in listening:
            listening.append(queue)

    def detach(self, namespace: str, *, drain_seconds: int = 0) -> None:
        """Forget the app; the last one out drains (see `_drain`) and shuts DBOS down."""
        with self._lock:
            self._users -= 1
            if self._users > 0 or self.keep_running:
                self.contexts.pop(namespace, None)
                return
        # The apps stay attached while their running jobs finish: a job's last step needs
        # its app to settle.
        self._drain(drain_seconds)
        with self._lock:
            JobRuntime._current = None
            self.contexts.clear()
        self.waker.stop()
        if self._listener is not None:
            self._listener.stop()
        DBOS.destroy(workflow_completion_timeout_sec=0)
        self.notifier.close()
        if self._engine is not None:
            self._engine.dispose()  # DBOS leaves an engine it was given to its owner
        log.info("job engine stopped")

    def _drain(self, seconds: float) -> None:
        """Take no new job; let running ones finish for up to `seconds`; put what is left
        back on its queue at once, for another worker (or this one's next start).

        A job put back may still be running here: its thread is parked at its next step
        (`parked`), so it records nothing more, and the process ends without it."""
        dbos = _get_dbos_instance()
        # DBOS.destroy() does this first too; doing it here lets the apps stay attached
        # while the running jobs finish (DBOS offers no public "stop dequeuing").
        for event in dbos.background_thread_stop_events:
            event.set()
        deadline = time.monotonic() + seconds
        while dbos._active_workflows_set.activeList() and time.monotonic() < deadline:
            time.sleep(0.05)
        left = list(dbos._active_workflows_set.activeList())
        if not left:
            return
        self.parked.set()
        by_queue: dict[str | None, list[str]] = {}
        for workflow_id in left:
            status = DBOS.get_workflow_status(workflow_id)
            if status is not None and status.status == "PENDING":
                by_queue.setdefault(status.queue_name, []).append(workflow_id)
        for queue, ids in by_queue.items():
            DBOS.resume_workflows(ids, queue_name=queue)
        self.notifier.notify()
        log.warning("drain time over: %d running job(s) went back to their queues", len(left))


def _sqlite_engine(url: str) -> sa.Engine:
    """DBOS's SQLite engine as DBOS makes it, but in WAL mode, as pixmill's own database
    is: DBOS's default rollback journal syncs the disk several times per commit, and a
    job commits a dozen times (each event is one): about a sixth of a sync design call."""
    engine = sa.create_engine(url, pool_size=20, max_overflow=0, pool_timeout=30)

    @sa.event.listens_for(engine, "connect")
    def connect(connection: Any, _record: Any) -> None:
        # As DBOS's own: writers take the lock when they begin, and wait for each other.
        connection.isolation_level = "IMMEDIATE"
        connection.execute("PRAGMA busy_timeout=30000")
        connection.execute("PRAGMA foreign_keys=ON")
        use_wal(connection)

    return engine


def default_executor_id(sqlite: bool) -> str:
    """A single SQLite process is always "local", so a restart recovers its own jobs; on
    PostgreSQL each process needs its own id (see docs/jobs.md)."""
    if sqlite:
        return "local"
    return f"{socket.gethostname()}-{os.getpid()}"


def _listening_queues() -> list[str]:
    """DBOS's own list of the queues this process takes jobs from (a private attribute)."""
    dbos = _get_dbos_instance()
    if dbos._listening_queues is None:
        dbos._listening_queues = []
    return dbos._listening_queues
