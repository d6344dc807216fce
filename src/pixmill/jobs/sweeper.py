"""Keeping jobs honest when processes die: heartbeats, recovery of dead workers' jobs,
holds that no job will settle, and results past their retention.

Every process runs one sweep at start and then every few seconds; every step is
idempotent, so several processes sweeping at once do no harm.

- A worker writes a heartbeat. One silent for `worker_dead_after_seconds` is declared
  dead: its PENDING workflows go back to their queues (DBOS's own recovery, which
  also restarts them, once, whoever asks), so another worker runs them. A job whose
  worker never comes back is picked up within that time plus one sweep.
- A hold still held after a grace period is released when its job has ended, never
  existed (the process died between the hold and the job), or its workflow can no
  longer run (it failed, was cancelled, or died too often): such a job ends FAILED.
  A hold whose job recovery will run again is left for that job to settle.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from dbos import DBOS
from sqlalchemy import delete, select, update

from pixmill.accounts.tables import utcnow
from pixmill.errors import EngineError, ServiceUnavailable
from pixmill.jobs.store import FAILED, PROCESSING, QUEUED
from pixmill.jobs.tables import CallerRecord, WorkerRecord
from pixmill.jobs.worker import error_dict

log = logging.getLogger(__name__)

HOLD_GRACE = timedelta(seconds=30)
"""A hold younger than this may belong to a submit still under way."""
DEAD_WORKFLOW_STATES = frozenset(
    {"SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"}
)


class Sweeper:
    def __init__(self, scheduler: Any, *, interval: float = 5.0):
        self.scheduler = scheduler
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.sweep()
        self._thread = threading.Thread(target=self._run, name="job-sweeper", daemon=True)
        self._thread.start()

    def stop_sweeping(self) -> None:
        """End the periodic sweep (this process's heartbeats with it)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def stop(self, *, handing_back: bool) -> None:
        """Stop sweeping; `handing_back` marks this worker dead at once, so others take
        whatever it could not finish without waiting for its heartbeat to age."""
        self.stop_sweeping()
        with self.scheduler.accounts.db.begin() as connection:
            connection.execute(
                delete(CallerRecord).where(CallerRecord.id == self.scheduler.caller_id)
            )
        executor = self.scheduler.executor_id
        if self.scheduler.served_queues():
            with self.scheduler.accounts.db.begin() as connection:
                if handing_back:
                    connection.execute(
                        update(WorkerRecord)
                        .where(WorkerRecord.executor_id == executor)
                        .values(seen_at=utcnow() - timedelta(days=1))
                    )
                else:
                    connection.execute(
                        delete(WorkerRecord).where(WorkerRecord.executor_id == executor)
                    )

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sweep()
            except Exception:
                log.exception("job sweep failed; retrying in %.0f s", self.interval)

    def sweep(self) -> None:
        self.heartbeat()
        self.recover_dead_workers()
        self.give_up_on_old_queued_jobs()
        for queue in {config.name for config in self.scheduler.served_queues()}:
            # Waiting jobs may have gone without starting (cancelled, given up).
            self.scheduler.share_slots(queue)
        self.release_jobs_of_gone_callers()
        self.release_orphan_holds()
        self.scheduler.store.purge_expired()

    def heartbeat(self) -> None:
        self._caller_heartbeat()
        executor = self.scheduler.executor_id
        queues = [queue.name for queue in self.scheduler.served_queues()]
        if not queues:
            return
        db = self.scheduler.accounts.db
        with db.begin() as connection:
            moved = connection.execute(
                update(WorkerRecord)
                .where(WorkerRecord.executor_id == executor)
                .values(seen_at=utcnow(), queues=queues)
            ).rowcount
            if not moved:
                connection.execute(
                    WorkerRecord.__table__.insert().values(
                        executor_id=executor, queues=queues, started_at=utcnow(), seen_at=utcnow()
                    )
                )

    def _caller_heartbeat(self) -> None:
        """This process holds callers' connections (any process may): say it lives."""
        caller = self.scheduler.caller_id
        with self.scheduler.accounts.db.begin() as connection:
            moved = connection.execute(
                update(CallerRecord).where(CallerRecord.id == caller).values(seen_at=utcnow())
            ).rowcount
            if not moved:
                connection.execute(
                    CallerRecord.__table__.insert().values(id=caller, seen_at=utcnow())
                )

    def release_jobs_of_gone_callers(self) -> None:
        """A sync or streamed job for a process that is gone (killed, or silent for
        `worker_dead_after_seconds`, 15 s at least) is never charged: nobody can send
        its result. That covers a job rendered and left ready, and a local run
        (jobs.local) that died with its process, or that this process could not settle."""
        scheduler = self.scheduler
        # Three missed heartbeats at least: a late sweep must not pass for a dead process.
        silent = max(scheduler.settings.worker_dead_after_seconds, 3 * self.interval)
        horizon = utcnow() - timedelta(seconds=silent)
        with scheduler.accounts.db.begin() as connection:
            connection.execute(delete(CallerRecord).where(CallerRecord.seen_at < horizon))
            live = set(connection.scalars(select(CallerRecord.id)))
        for job in scheduler.store.orphaned(live):
            if job.ready:
                scheduler.drop_ready(job)
            elif not scheduler.queued_durably(job.id):
                scheduler.drop_local(job)
            else:
                continue  # still rendering in a worker: dropped once it is ready
            log.info("released %s: its caller's process is gone", job.id)
        # This process's own local runs that no longer run (they could not settle); a
        # submit still under way is younger than the grace.
        for job in scheduler.store.running_for(scheduler.caller_id, utcnow() - HOLD_GRACE):
            if (
                not job.ready
                and scheduler.local.get(job.id) is None
                and not scheduler.queued_durably(job.id)
            ):
                scheduler.drop_local(job)
                log.info("released %s: it could not be settled", job.id)

    def live_workers(self) -> int:
        horizon = utcnow() - timedelta(seconds=self.scheduler.settings.worker_dead_after_seconds)
        with self.scheduler.accounts.db.read() as connection:
            return len(
                connection.execute(
                    select(WorkerRecord.executor_id).where(WorkerRecord.seen_at >= horizon)
                ).all()
            )

    def recover_dead_workers(self) -> None:
        horizon = utcnow() - timedelta(seconds=self.scheduler.settings.worker_dead_after_seconds)
        db = self.scheduler.accounts.db
        with db.read() as connection:
            dead = [
                row.executor_id
                for row in connection.execute(
                    select(WorkerRecord.executor_id).where(WorkerRecord.seen_at < horizon)
                )
            ]
        if not dead:
            return
        handles = DBOS._recover_pending_workflows(dead)
        log.warning(
            "workers %s stopped answering: %d of their jobs went back to the queues",
            ", ".join(dead),
            len(handles),
        )
        with db.begin() as connection:
            connection.execute(delete(WorkerRecord).where(WorkerRecord.executor_id.in_(dead)))

    def give_up_on_old_queued_jobs(self) -> None:
        """A job queued longer than max_queue_seconds ends FAILED (503), released: its
        caller is better told to come back than kept waiting without end."""
        scheduler = self.scheduler
        horizon = utcnow() - timedelta(seconds=scheduler.settings.max_queue_seconds)
        error = error_dict(
            ServiceUnavailable(
                "The request waited too long in the queue and was dropped; nothing was "
                "charged. Try again later.",
                retry_after=60,
            )
        )
        for job in scheduler.store.unfinished(older_than=horizon):
            if job.status != QUEUED or not scheduler.store.give_up_queued(job.id, error):
                continue
            DBOS.cancel_workflow(job.id)
            held = scheduler.accounts.ledger.hold(job.id)
            if held is not None:
                scheduler.accounts.ledger.release(held[0])
            scheduler.job_ended(job, {"status": FAILED, "error": error})

    def release_orphan_holds(self) -> None:
        scheduler = self.scheduler
        ledger, store = scheduler.accounts.ledger, scheduler.store
        for hold in ledger.open_holds(older_than=utcnow() - HOLD_GRACE):
            job = store.get(hold.request_id)
            if job is not None and job.ready:
                continue  # its caller's process settles it, or the caller sweep releases it
            if job is not None and not job.final:
                status = DBOS.get_workflow_status(job.id)
                if status is not None and status.status not in DEAD_WORKFLOW_STATES:
                    continue  # queued, running or recoverable: the job settles it
                if status is None and job.status == PROCESSING and job.caller is not None:
                    continue  # a local run: settled by it, or released with its caller
                error = EngineError("The job could not be finished; nothing was charged.")
                if store.finish(job.id, FAILED, error_dict(error)):
                    scheduler.job_ended(job, {"status": FAILED, "error": error_dict(error)})
            ledger.release(hold)
            log.info("released the hold of %s, which no job will settle", hold.request_id)
