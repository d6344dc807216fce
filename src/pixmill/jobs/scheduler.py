"""The one scheduler: every call, sync, streamed or async, is submitted here as a job.

    submit   moderate and resolve the request, hold its price, store the job and
             enqueue it on its model's queue (partitioned by account, so accounts
             take turns); an Idempotency-Key returns the first request's job
    wait     follow a job's events until it ends (sync calls and streams)
    cancel   a queued job never starts; a running one stops at its next progress step

Workers take jobs from the queues of the models they serve (`jobs.worker`); the
sweeper (`jobs.sweeper`) hands a dead worker's jobs to the others and releases what
no job will settle.
"""

from __future__ import annotations

import logging
import math
import os
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import anyio
import anyio.to_thread
from dbos import DBOS, EnqueueOptions

from pixmill.accounts.db import normalise_url
from pixmill.accounts.keys import KeyInfo
from pixmill.accounts.store import AccountStore
from pixmill.accounts.tables import utcnow
from pixmill.accounts.usage_log import CallUsage, UsageWriter
from pixmill.catalog import ModelCatalog
from pixmill.engines.art_models import art_prompt_of
from pixmill.errors import ApiError, Conflict, EngineError, NotFound, ServiceUnavailable
from pixmill.jobs import events
from pixmill.jobs.blobs import open_blob_store
from pixmill.jobs.local import LocalRun, LocalRuns, Slot
from pixmill.jobs.runtime import JobRuntime, QueueConfig, default_executor_id
from pixmill.jobs.store import CANCELLED, FAILED, FINAL, QUEUED, Job, JobStore
from pixmill.jobs.sweeper import Sweeper
from pixmill.jobs.tokens import EventTokens, ImageLinks, signing_key
from pixmill.jobs.wakeups import STREAM_POLL
from pixmill.jobs.worker import JOB_WORKFLOW, JobRunner, error_dict, final_event, spec_to_dict
from pixmill.request import EditRequest, ImageRequest
from pixmill.service import ImageService
from pixmill.settings import Settings
from pixmill.usage import input_params

log = logging.getLogger(__name__)


def new_job_id() -> str:
    """Unguessable: 128 random bits, so ids cannot be probed."""
    return f"req_{secrets.token_hex(16)}"


@dataclass(frozen=True)
class Submission:
    job: Job
    replayed: bool = False
    """True when an Idempotency-Key returned an earlier request's job."""
    local: LocalRun | None = None
    """The run, when the call runs in this process without the job engine (jobs.local)."""


class Scheduler:
    """Jobs for one app: submit, follow, cancel; and run them when this process works."""

    def __init__(
        self,
        settings: Settings,
        service: ImageService,
        accounts: AccountStore,
        usage_writer: UsageWriter,
    ):
        self.settings = settings
        self.service = service
        self.accounts = accounts
        self.usage_writer = usage_writer
        self.store = JobStore(
            accounts.db,
            retention=timedelta(seconds=settings.result_retention_seconds),
            account_cap_bytes=settings.result_cap_bytes,
            blobs=open_blob_store(settings, accounts.db),
        )
        self.runner = JobRunner(self)
        self.local = LocalRuns()
        self.webhooks: Any = None
        self.observers: list[Any] = []
        """Called as observer(job, outcome) when a job ends in this process (metrics)."""
        self.queues = _queue_configs(service.catalog, settings)
        self.jobs_url = normalise_url(settings.jobs_url())
        self.executor_id = settings.worker_id or default_executor_id(
            self.jobs_url.startswith("sqlite")
        )
        self.sweeper = Sweeper(self)
        key = signing_key(settings)
        self.tokens = EventTokens(key)
        self.image_links = ImageLinks(key, max_seconds=settings.result_retention_seconds)
        self._runtime: JobRuntime | None = None
        self.caller_id = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        """This process, as the holder of sync and streamed callers' connections: a new
        id each start, so a restarted process does not pass for the one that died."""

    # -- lifecycle of the app -------------------------------------------------------

    def start(self) -> None:
        """Launch the job engine (once per process) and serve this app's queues."""
        # The heartbeat goes first: a worker restarted under its old id must not look
        # dead to others while it recovers its own jobs.
        self.sweeper.heartbeat()
        self._runtime = JobRuntime.acquire(
            database_url=self.jobs_url,
            executor_id=self.executor_id,
            schema=self.settings.jobs_schema,
            poll=self.settings.jobs_poll_interval,
        )
        self.executor_id = self._runtime.executor_id
        self._runtime.attach(self.settings.jobs_namespace, self)
        served = self.served_queues()
        self._runtime.serve(served)
        self._runtime.declare(q for q in self.queues.values() if q not in served)
        self.sweeper.start()

    def stop(self) -> None:
        """Stop taking jobs, let running ones finish (up to worker_drain_seconds), and
        hand what is left to other workers."""
        if self._runtime is None:
            return
        if self._runtime.keep_running:
            # The process goes on without this app: nothing may be left on its queues.
            for job in self.store.unfinished(older_than=utcnow()):
                DBOS.cancel_workflow(job.id)
            for queue in {q.name for q in self.queues.values()}:
                DBOS.delete_queue(queue)
        self._runtime.detach(
            self.settings.jobs_namespace, drain_seconds=self.settings.worker_drain_seconds
        )
        self._runtime = None
        self.sweeper.stop(handing_back=True)

    def served_queues(self) -> list[QueueConfig]:
        if not self.settings.worker:
            return []
        wanted = self.settings.worker_models
        # Several model names share one engine's queue (gpt-image-1 and the engine's own
        # name): each queue once.
        served = {
            config.name: config
            for model, config in self.queues.items()
            if wanted is None or model in wanted
        }
        return list(served.values())

    # -- submit -----------------------------------------------------------------------

    def submit(
        self,
        key: KeyInfo,
        request: ImageRequest,
        *,
        form: str,
        idempotency_key: str | None = None,
        fingerprint: str = "",
        webhook_url: str | None = None,
        base_url: str | None = None,
    ) -> Submission:
        """Check, price, hold and enqueue one call. Blocking: run it off the event loop."""
        if idempotency_key is not None:
            earlier = self._claim(key, idempotency_key, fingerprint)
            if earlier is not None:
                if earlier.caller is not None and form != "async" and not earlier.final:
                    self.store.adopt(earlier.id, self.caller_id)
                return Submission(earlier, replayed=True)
        try:
            # A retry with the same Idempotency-Key may collect a result whose first
            # caller is gone: that needs the job engine's durable workflow.
            submission = self._submit(
                key, request, form, webhook_url, base_url, durable=idempotency_key is not None
            )
        except BaseException:
            if idempotency_key is not None:
                self.accounts.idempotency.abandon(key.id, idempotency_key)
            raise
        if idempotency_key is not None:
            self.accounts.idempotency.attach(key.id, idempotency_key, submission.job.id)
        return submission

    def _claim(self, key: KeyInfo, idempotency_key: str, fingerprint: str) -> Job | None:
        for _ in range(3):
            job_id = self.accounts.idempotency.begin(key.id, idempotency_key, fingerprint)
            if job_id is None:
                return None
            job = self.store.get(job_id, key.account_id)
            if job is not None and job.status not in (FAILED, CANCELLED):
                return job
            # The first request failed, or its result expired: run this one anew.
            self.accounts.idempotency.abandon(key.id, idempotency_key)
        raise Conflict("This Idempotency-Key is busy; retry later.", param="Idempotency-Key")

    def _submit(
        self,
        key: KeyInfo,
        request: ImageRequest,
        form: str,
        webhook_url: str | None,
        base_url: str | None,
        *,
        durable: bool,
    ) -> Submission:
        entry, spec = self.service.prepare(request)
        queue = self.queues[entry.name]
        waiting = self.store.queued(queue.name)
        if waiting >= self.settings.max_queued_jobs:
            raise ServiceUnavailable(
                f"The queue for model '{entry.name}' is full; try again in a minute.",
                retry_after=30,
            )
        job_id = new_job_id()
        price = self.accounts.prices.call_price(spec, spec.n)
        fields: dict[str, Any] = {
            "job_id": job_id,
            "account_id": key.account_id,
            "key_id": key.id,
            "model": request.model,
            "queue": queue.name,
            "form": form,
            "request": request_to_dict(request),
            "spec": spec_to_dict(spec),
            "webhook_url": webhook_url,
            "base_url": base_url,
            "caller": None if form == "async" else self.caller_id,
        }
        slot = None
        if not durable and form != "async" and webhook_url is None and waiting == 0:
            # Claimed last: from here on every way out releases it (a slot left taken
            # would cost this process one of its renders for good).
            slot = self._claim_slot(queue, job_id, key.account_id)
        if slot is not None:
            try:
                # The hold and the job in one transaction; an edit's images stay in memory.
                with self.store.db.begin(durable=False) as connection:
                    hold = self.accounts.ledger.reserve_in(
                        connection, key.account_id, job_id, price
                    )
                    job = self.store.create_in(connection, **fields, running=True)
            except BaseException:
                slot.release()
                raise
            run = LocalRun(job, spec, hold=hold)
            self.local.start(
                run, slot, self._run_local, on_end=lambda: self._slot_freed(queue.name)
            )
            return Submission(job, local=run)
        # The cap for this job's account is set before the job exists: a worker may take
        # it as soon as it is queued.
        self.share_slots(queue.name, arriving=key.account_id)
        self.accounts.ledger.reserve(key.account_id, job_id, price)
        try:
            job = self.store.create(**fields, inputs=spec.inputs, mask=spec.mask)
            self._enqueue(queue, job_id, key.account_id)
        except BaseException:
            # Not queued: give the hold back now rather than leave it to the sweep.
            hold = self.accounts.ledger.hold(job_id)
            if hold is not None:
                self.accounts.ledger.release(hold[0])
            self.store.finish(job_id, FAILED)
            raise
        return Submission(job)

    def _claim_slot(self, queue: QueueConfig, job_id: str, account_id: str) -> Slot | None:
        """A slot to start a call in at once, without the queue: when this process serves
        the queue and has one free (the caller checked that nobody waits)."""
        if self._runtime is None or queue not in self.served_queues():
            return None
        return self.local.claim(job_id, queue.name, account_id, queue.worker_concurrency)

    def _enqueue(self, queue: QueueConfig, job_id: str, account_id: str) -> None:
        options: EnqueueOptions = {
            "workflow_name": JOB_WORKFLOW,
            "queue_name": queue.name,
            "workflow_id": job_id,
            "queue_partition_key": account_id,
        }
        DBOS.enqueue_workflow_with_options(options, self.settings.jobs_namespace, job_id)
        self._wake_workers()

    def _run_local(self, run: LocalRun) -> None:
        outcome = self.runner.render(run.id, run)
        try:
            self.runner.finish_local(run, outcome)
        finally:
            if run.final is None:
                # Not settled (the database went away): its caller hears of a failure now,
                # and this process's sweep releases the hold (release_jobs_of_gone_callers).
                error = EngineError("The server had an error while finishing your request.")
                run.emit({"type": "failed", "status": FAILED, "error": error_dict(error)})

    def share_slots(self, queue_name: str, arriving: str | None = None) -> None:
        """Work-conserving fairness, on starts only: while one account alone has jobs
        waiting, it may start them in every slot; once others wait too, an account may
        hold only its share (`account_share`) of a worker's slots, so the next free slot
        goes to one that waits. Running jobs are never stopped.

        Called when a job is about to be queued (its account `arriving`) or starts; the
        cap is DBOS's per-account limit on the queue, which every worker reads before
        each look."""
        queue = next(config for config in self.queues.values() if config.name == queue_name)
        waiting = self.store.waiting_accounts(queue_name) | ({arriving} if arriving else set())
        contended = len(waiting) > 1
        cap = queue.account_concurrency if contended else queue.worker_concurrency
        dbos_queue = DBOS.retrieve_queue(queue_name)
        if dbos_queue is not None and dbos_queue.partition_worker_concurrency != cap:
            dbos_queue.set_partition_worker_concurrency(cap)
            if cap > queue.account_concurrency:
                self._wake_workers()  # jobs the lower cap held back may start now

    def _slot_freed(self, queue_name: str) -> None:
        """A local run freed its slot: a job queued meanwhile may start in it. (Waking
        the queue threads costs a look at every queue: only when one waits.)"""
        if self._runtime is not None and self.store.queued(queue_name):
            self._runtime.waker.wake()

    def _wake_workers(self) -> None:
        """Have a worker look at the queues now rather than at its next poll."""
        runtime = self._runtime
        if runtime is None:
            return
        runtime.waker.wake()
        runtime.notifier.notify()

    # -- follow and cancel ------------------------------------------------------------

    def get(self, job_id: str, account_id: str) -> Job:
        """The job, if this account owns it and it is still kept; else 404."""
        job = self.store.get(job_id, account_id)
        if job is None:
            raise NotFound(f"No request '{_short(job_id)}'.", param="request_id")
        return job

    async def follow(
        self, job_id: str, *, offset: int = 0, run: LocalRun | None = None
    ) -> AsyncIterator[tuple[int, dict]]:
        """The job's events from `offset` on, ending with its final event. A local run's
        caller passes its run: its events stay readable after it ends."""
        run = run or self.local.get(job_id)
        if run is not None:
            async for item in run.read(offset):
                yield item
            return
        if not await anyio.to_thread.run_sync(self.queued_durably, job_id):
            # A local run of another process (or one that just ended here): its row.
            async for item in self._follow_row(job_id):
                yield item
            return
        following = offset
        while True:
            try:
                async for position, event in events.read(
                    job_id, offset=following, poll=STREAM_POLL, timeout=2.0
                ):
                    following = position + 1
                    yield position, event
                    if event.get("type") in events.FINAL_TYPES:
                        return
                break
            except events.StreamTimeout:
                # Quiet for a while: a job that ended without a last event (cancelled
                # while queued, or failed by the sweep) ends its stream here.
                job = await anyio.to_thread.run_sync(self.store.get, job_id)
                if job is None or job.final:
                    break
        job = await anyio.to_thread.run_sync(self.store.get, job_id)
        yield -1, final_event(job, CANCELLED)

    def queued_durably(self, job_id: str) -> bool:
        """Whether the job went through the job engine, which keeps its events."""
        return DBOS.get_workflow_status(job_id) is not None

    async def _follow_row(self, job_id: str) -> AsyncIterator[tuple[int, dict]]:
        """A job's progress and end as its row shows them (no event positions)."""
        shown = None
        while True:
            job = await anyio.to_thread.run_sync(self.store.get, job_id)
            if job is None or job.final:
                yield -1, final_event(job, CANCELLED)
                return
            if job.progress != shown:
                shown = job.progress
                yield -1, {"type": "progress", "progress": round(job.progress, 4)}
            await anyio.sleep(STREAM_POLL)

    async def wait(self, job_id: str, run: LocalRun | None = None) -> Job:
        """Wait for the job to end; its final state."""
        if run is not None:
            async for _, event in run.read():
                if event.get("type") in events.FINAL_TYPES and run.final is None:
                    raise EngineError("The server had an error while finishing your request.")
            assert run.final is not None
            return run.final
        async for _ in self.follow(job_id):
            pass
        job = await anyio.to_thread.run_sync(self.store.get, job_id)
        if job is not None and job.ready:
            job = await anyio.to_thread.run_sync(self.hand_off, job)
        if job is None or job.status not in FINAL:
            raise NotFound(f"No request '{_short(job_id)}'.", param="request_id")
        return job

    def hand_off(self, job: Job) -> Job | None:
        """This process takes a ready sync or streamed job's result to send it to its
        caller: the job is COMPLETED and charged now, once, whoever takes it first."""
        if job.ready and self.store.hand_off(job.id):
            assert job.result is not None
            held = self.accounts.ledger.hold(job.id)
            if held is not None:
                self.accounts.ledger.settle(held[0], job.result["cost_micro"])
            self.job_ended(job, job.result)
        return self.store.get(job.id)

    def drop_ready(self, job: Job) -> None:
        """Nobody will take this ready job (its caller's process is gone, or the caller
        hung up): release its hold; the usage record says 499 caller_gone."""
        error = _caller_gone("The caller was gone when the result was ready")
        if self.store.drop_ready(job.id, error):
            self._release(job, error)

    def drop_local(self, job: Job) -> None:
        """A local run that will never end (its process is gone, or it could not
        settle): FAILED and released, as a ready job nobody takes."""
        error = _caller_gone("The request's process stopped before it finished")
        if self.store.finish(job.id, FAILED, error):
            self._release(job, error)

    def _release(self, job: Job, error: dict[str, Any]) -> None:
        held = self.accounts.ledger.hold(job.id)
        if held is not None:
            self.accounts.ledger.release(held[0])
        self.job_ended(job, {"status": FAILED, "error": error})

    def cancel(self, job_id: str, account_id: str) -> Job:
        """Cancel a job of the account: 409 once it has ended."""
        job = self.get(job_id, account_id)
        if job.final:
            raise Conflict(
                f"Request '{_short(job_id)}' already ended ({job.status}); nothing to cancel.",
                param="request_id",
            )
        if job.ready:
            # Rendered, but the caller hung up before its process took the result.
            self.drop_ready(job)
            return self.get(job_id, account_id)
        status = self.store.request_cancel(job_id)
        run = self.local.get(job_id)
        if run is not None:
            run.cancelled.set()
        if status == CANCELLED and job.status == QUEUED:
            # It never started: it never will, and its hold goes back now.
            DBOS.cancel_workflow(job_id)
            hold = self.accounts.ledger.hold(job_id)
            if hold is not None:
                self.accounts.ledger.release(hold[0])
            self.job_ended(job, {"status": CANCELLED})
        return self.get(job_id, account_id)

    def queue_position(self, job: Job) -> int | None:
        return self.store.queue_position(job) if job.status == QUEUED else None

    def has_webhook(self, job_id: str) -> bool:
        job = self.store.get(job_id)
        return job is not None and job.webhook_url is not None and self.webhooks is not None

    # -- records ----------------------------------------------------------------------

    def job_ended(self, job: Job, outcome: dict[str, Any]) -> None:
        """Leave the usage record of a job that just ended, and tell the observers."""
        error = outcome.get("error") or {}
        status = outcome["status"]
        spec = outcome.get("spec") or job.spec
        params = {
            name: spec.get(name)
            for name in (
                "n", "size", "quality", "background", "output_format",
                "output_compression", "moderation", "seed",
            )
        }  # fmt: skip
        params["size"] = f"{spec.get('width')}x{spec.get('height')}"
        params["prompt_chars"] = len(job.request.get("prompt", ""))
        params["form"] = job.form
        params.update(spec.get("edit") or {})
        art = art_prompt_of(self.service.catalog, spec.get("model"), job.request.get("prompt", ""))
        if art is not None:
            params["art_prompt"] = art  # what a composed design sent its art model
        withheld = outcome.get("withheld_category")
        self.usage_writer.submit(
            CallUsage(
                request_id=job.id,
                account_id=job.account_id,
                key_id=job.key_id,
                model=job.model,
                resolved_model=spec.get("model"),
                status=200 if status == "COMPLETED" else error.get("status", 499),
                outcome=(
                    ("partial" if outcome.get("withheld") else "ok")
                    if status == "COMPLETED"
                    else error.get("code", status.lower())
                ),
                latency_ms=_latency_ms(job),
                params=params,
                images=outcome.get("delivered", 0),
                cost_micro=outcome.get("cost_micro", 0),
                upstream_cost_micro=outcome.get("upstream_cost_micro"),
                user=job.request.get("safety_identifier") or job.request.get("user"),
                moderation_stage=error.get("stage") or ("output" if withheld else None),
                moderation_category=error.get("category") or withheld,
            )
        )
        for observer in self.observers:
            observer(job, outcome)

    def refused(
        self, key: KeyInfo, request_id: str, request: ImageRequest | None, error: ApiError,
        latency_ms: int,
    ) -> None:  # fmt: skip
        """Leave the usage record of a call refused before it became a job."""
        params: dict[str, Any] = {}
        if request is not None:
            params = request_to_dict(request)
            params = {k: v for k, v in params.items() if k != "prompt" and v is not None}
            params["prompt_chars"] = len(request.prompt)
            if isinstance(request, EditRequest):
                params.update(input_params(request.inputs, request.mask))
        self.usage_writer.submit(
            CallUsage(
                request_id=request_id,
                account_id=key.account_id,
                key_id=key.id,
                model=request.model if request is not None else None,
                resolved_model=self._resolved(request),
                status=error.status,
                outcome=error.code,
                latency_ms=latency_ms,
                params=params,
                user=request.end_user if request is not None else None,
                moderation_stage=getattr(error, "stage", None),
                moderation_category=getattr(error, "category", None),
            )
        )

    def _resolved(self, request: ImageRequest | None) -> str | None:
        """The configured model a request's name resolves to, if it names one."""
        catalog = self.service.catalog
        if request is None or request.model not in catalog:
            return None
        return catalog.get(request.model).name


def request_to_dict(request: ImageRequest) -> dict[str, Any]:
    """The request as JSON; an edit's images (bytes) are kept apart, in `job_inputs`."""
    return request.model_dump(mode="json", exclude={"inputs", "mask"})


def _queue_configs(catalog: ModelCatalog, settings: Settings) -> dict[str, QueueConfig]:
    """One queue per engine: models sharing an engine share its queue and its slots."""
    by_engine: dict[int, QueueConfig] = {}
    queues: dict[str, QueueConfig] = {}
    for entry in catalog.entries():
        config = by_engine.get(id(entry.engine))
        if config is None:
            capabilities = entry.engine.capabilities
            slots = (
                settings.max_concurrent_upstream
                if capabilities.io_bound
                else settings.max_concurrent_renders
            )
            slots *= max(1, capabilities.max_batch)
            config = by_engine[id(entry.engine)] = QueueConfig(
                # The namespace keeps apps sharing one process (tests) on queues of
                # their own; a deployment has one, "pixmill": pixmill.gpt-image-1.
                name=f"{settings.jobs_namespace}.{entry.name}",
                worker_concurrency=slots,
                # What an account may hold while others wait (Scheduler.share_slots).
                account_concurrency=max(1, math.ceil(slots * settings.account_share)),
            )
        queues[entry.name] = config
    return queues


def _caller_gone(what: str) -> dict[str, Any]:
    return error_dict(ApiError(f"{what}; nothing was charged.", status=499, code="caller_gone"))


def _latency_ms(job: Job) -> int:
    return max(0, round((utcnow() - job.created_at).total_seconds() * 1000))


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
