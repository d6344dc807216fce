"""Coalescing concurrent generate() calls into pipeline batches.

Each generate() call turns its n images into `Job`s and hands them to the engine's
`Coalescer`. One worker thread per engine takes the oldest waiting job, waits a short
window for more jobs with the same key (steps, guidance, size), and runs up to
`max_batch` of them as one pipeline call; so the engine runs one batch at a time per
pipeline, and two users asking for the same thing share one UNet pass. An edit's jobs
are keyed by their call (its prepared inputs), so they batch only with each other.

The worker never calls a caller's progress callback: it posts events (steps done,
partial images, the finished picture, an error) to the job's inbox, and the caller's
own thread reads them and calls its callback. A `Cancelled` raised there marks that
caller's jobs cancelled; the worker drops them from the batch at the next step, and the
other jobs of the batch go on.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

IDLE_SECONDS = 5.0
"""The worker thread ends after this long without jobs (a new job starts another)."""


@dataclass(eq=False)
class Job:
    """One image of one generate() call."""

    key: Hashable
    """Jobs run in one batch only when their keys are equal."""
    prompt: str
    seed: int
    index: int
    """The image's index within its generate() call."""
    partial_steps: frozenset[int]
    """The steps (1-based) after which to send a partial image."""
    inbox: queue.SimpleQueue
    """Where the worker posts (kind, job, value) events for the caller."""
    cancelled: threading.Event = field(default_factory=threading.Event)
    edit: Any = None
    """An edit's prepared inputs (`edits.EditWork`), shared by its call's jobs; None for a
    generation."""

    def post(self, kind: str, value: Any) -> None:
        self.inbox.put((kind, self, value))


def partial_steps(steps: int, partials: int) -> frozenset[int]:
    """Up to `partials` steps (1-based), spread evenly over `steps`, after which to send one."""
    if partials <= 0:
        return frozenset()
    return frozenset(max(1, round(steps * (k + 1) / (partials + 1))) for k in range(partials))


class Coalescer:
    """Runs jobs in batches of compatible keys, one batch at a time, on one worker thread.

    `run(jobs)` makes the pictures of a batch and posts each job's events (it is called
    only from the worker thread); an exception it raises is posted to every job it was
    given that has no picture yet.
    """

    def __init__(self, run: Callable[[list[Job]], None], *, max_batch: int, window: float):
        self._run = run
        self.max_batch = max_batch
        self.window = window
        self._pending: list[Job] = []
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self.batches: list[int] = []
        """Sizes of the batches run so far, newest last (the last 100): for tests and logs."""

    def submit(self, jobs: list[Job]) -> None:
        with self._cond:
            self._pending.extend(jobs)
            if self._worker is None:
                self._worker = threading.Thread(
                    target=self._work, name="pixmill-diffusion-batches", daemon=True
                )
                self._worker.start()
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                batch = self._next_batch()
                if batch is None:
                    self._worker = None
                    return
            if not batch:
                continue
            self.batches = [*self.batches[-99:], len(batch)]
            try:
                self._run(batch)
            except BaseException as exc:  # handed to the callers, who raise it
                for job in batch:
                    job.post("error", exc)

    def _next_batch(self) -> list[Job] | None:
        """Called with the lock held: the next batch, [] when only cancelled jobs were
        waiting, None after IDLE_SECONDS without jobs."""
        if not self._pending and not self._cond.wait_for(lambda: self._pending, IDLE_SECONDS):
            return None
        # Wait up to the window for the oldest job's key to fill a batch.
        key = self._pending[0].key
        deadline = time.monotonic() + self.window
        while self._count(key) < self.max_batch:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._cond.wait(left)
        batch = [job for job in self._pending if job.key == key][: self.max_batch]
        taken = {id(job) for job in batch}
        self._pending = [job for job in self._pending if id(job) not in taken]
        return [job for job in batch if not job.cancelled.is_set()]

    def _count(self, key: Hashable) -> int:
        return sum(1 for job in self._pending if job.key == key)
