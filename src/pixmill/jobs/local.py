"""Sync and streamed calls run where their caller is, without a durable workflow.

A sync call or a stream delivers to one connection, held by one process. If that
process dies, nobody can receive the result, so the call is released, never charged
(the sweep does it: `Sweeper.release_jobs_of_gone_callers`), and a durable workflow
that would survive the crash buys nothing. Such a call skips the job engine when the
scheduler may start it at once (`Scheduler._claim_slot`): this process serves the
model's queue, one of its slots is free and nobody waits on that queue. It then costs
a hold and a job row at its start and its images, end and settle at its end (two
transactions); its events stay in memory here, and its progress reaches the job row
every `ROW_PROGRESS_EVERY` seconds for readers in other processes.

Such a run takes its slot in the job engine's own count of running jobs (see
`LocalRuns.claim`), so queued jobs never start beyond a worker's slots, and the
account's share of them counts it, as if it had come through the queue.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from dbos._core import ActiveWorkflowEntry
from dbos._dbos import _get_dbos_instance

from pixmill.accounts.ledger import Hold
from pixmill.jobs.events import FINAL_TYPES
from pixmill.jobs.store import Job, StoredImage
from pixmill.request import RenderSpec

log = logging.getLogger(__name__)

Slot = ActiveWorkflowEntry
_CLAIMS = threading.Lock()
"""One claim at a time in this process, whichever app makes it."""

ROW_PROGRESS_EVERY = 0.5
"""Seconds between a local run's progress writes to its job row (and its looks for a
cancel asked in another process): within 1 s for readers elsewhere."""


@dataclass
class LocalRun:
    """One call running in this process: its events in memory, and how it ended."""

    job: Job
    spec: RenderSpec
    events: list[dict[str, Any]] = field(default_factory=list)
    cancelled: threading.Event = field(default_factory=threading.Event)
    images: list[StoredImage] | None = None
    """The images as stored, kept for the caller's answer (no read back)."""
    final: Job | None = None
    hold: Hold | None = None
    """Its hold, as the submit took it."""
    balance_micro: int | None = None
    """The account's balance as the run last left it (its hold, then its settle): the
    answer's x-remaining-credits, with no need to read it again."""

    _lock: threading.Lock = field(default_factory=threading.Lock)
    _waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.hold is not None and self.balance_micro is None:
            self.balance_micro = self.hold.balance_micro

    @property
    def id(self) -> str:
        return self.job.id

    def emit(self, event: dict[str, Any]) -> None:
        """Append an event and wake this process's readers of it."""
        with self._lock:
            self.events.append(event)
            waiters, self._waiters = self._waiters, []
        for loop, woken in waiters:
            # A reader whose loop has closed meanwhile has nothing left to wake.
            if not loop.is_closed():
                loop.call_soon_threadsafe(woken.set)

    async def read(self, offset: int = 0) -> AsyncIterator[tuple[int, dict[str, Any]]]:
        """(position, event) pairs from `offset` on, ending with the final event."""
        position = offset
        while True:
            with self._lock:
                batch = self.events[position:]
                if not batch:
                    woken = asyncio.Event()
                    self._waiters.append((asyncio.get_running_loop(), woken))
            if not batch:
                await woken.wait()
                continue
            for event in batch:
                yield position, event
                position += 1
                if event.get("type") in FINAL_TYPES:
                    return


class LocalRuns:
    """The local runs of one app, by job id, while they run."""

    def __init__(self) -> None:
        self._runs: dict[str, LocalRun] = {}
        self._lock = threading.Lock()

    def get(self, job_id: str) -> LocalRun | None:
        with self._lock:
            return self._runs.get(job_id)

    def running(self) -> int:
        with self._lock:
            return len(self._runs)

    def claim(self, job_id: str, queue: str, account_id: str, slots: int) -> Slot | None:
        """One of the queue's `slots` in this process for the job, if one is free.

        The slot is an entry in DBOS's registry of running workflows, which its queue
        threads count against a worker's concurrency and an account's share (DBOS 3.4
        has no public way to count work it does not run; docs/architecture.md). The
        look and the taking are one step, so two calls never take the last slot."""
        active = _get_dbos_instance()._active_workflows_set
        with _CLAIMS:
            if active.count_for_queue(queue) >= slots:
                return None
            return active.add(job_id, queue, account_id)

    def start(
        self,
        run: LocalRun,
        slot: Slot,
        work: Callable[[LocalRun], None],
        on_end: Callable[[], None],
    ) -> None:
        """Run `work(run)` in a thread of its own, in the slot claimed for it."""
        with self._lock:
            self._runs[run.id] = run

        def main() -> None:
            try:
                work(run)
            except Exception:
                log.exception("local run of job %s failed unexpectedly", run.id)
            finally:
                with self._lock:
                    self._runs.pop(run.id, None)
                slot.release()
                on_end()

        _THREADS.submit(main)


class _Threads:
    """Threads kept for the next run, one set per process: starting one per call costs
    the caller a hand-over of the interpreter lock, milliseconds on a busy machine. An
    idle thread ends after IDLE_SECONDS. Daemons, unlike a ThreadPoolExecutor's: a run
    left at a drain's end must not hold the process."""

    IDLE_SECONDS = 60.0

    def __init__(self) -> None:
        self._work: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = 0
        self._lock = threading.Lock()

    def submit(self, work: Callable[[], None]) -> None:
        with self._lock:
            idle = self._idle > 0
            if idle:
                self._idle -= 1
        if not idle:
            threading.Thread(target=self._serve, name="job-local", daemon=True).start()
        self._work.put(work)

    def _serve(self) -> None:
        while True:
            try:
                work = self._work.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # else a submit counted on this thread: stay
                        self._idle -= 1
                        return
                continue
            work()
            with self._lock:
                self._idle += 1


_THREADS = _Threads()
