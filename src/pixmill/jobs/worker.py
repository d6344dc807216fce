"""The job workflow: a worker runs one call's pipeline, then settles it exactly once.

    job workflow (DBOS, on the model's queue, partitioned by account)
      1. render step   QUEUED -> PROCESSING; render, post-process, moderate, encode;
                       store the images; report progress and partial images
      2. finish step   settle the hold for what was delivered, or release it;
                       COMPLETED | FAILED | CANCELLED; usage record; final event
      3. webhook       a child workflow posts the job's end to its webhook_url

DBOS records each step's outcome. A worker that dies in step 1 runs it again when
it (or another worker) recovers the workflow; one that dies after step 1 only runs
step 2. Step 2 moves the hold and the job by conditional UPDATEs, so a second run,
or a sweep racing it, changes nothing.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import threading
import time
from typing import Any

from dbos import DBOS

from pixmill.errors import ApiError, Cancelled, EngineError, ModerationBlocked, PayloadTooLarge
from pixmill.jobs import events
from pixmill.jobs.local import ROW_PROGRESS_EVERY, LocalRun
from pixmill.jobs.store import CANCELLED, COMPLETED, FAILED, ResultTooLarge, StoredImage
from pixmill.request import RenderSpec
from pixmill.usage import input_params

log = logging.getLogger(__name__)

MAX_RECOVERY_ATTEMPTS = 3
"""A job whose worker died this many times ends FAILED, with its credits released."""
JOB_WORKFLOW = "pixmill.job"
PROGRESS_EVERY = 0.2
"""Seconds between progress events and cancel checks: enough for a progress bar (a
partial image brings both at once, whenever it comes)."""


def park_if_handed_back() -> None:
    """After a drain put this process's running jobs back on their queues, their threads
    here must record nothing more: each waits at its next step for the process to end."""
    from pixmill.jobs.runtime import JobRuntime

    runtime = JobRuntime._current
    if runtime is not None and runtime.parked.is_set():
        threading.Event().wait()


def _runtime() -> Any:
    from pixmill.jobs.runtime import JobRuntime

    runtime = JobRuntime._current
    if runtime is None:
        raise RuntimeError("the job engine is not running in this process")
    return runtime


def _context(namespace: str) -> Any:
    from pixmill.jobs.runtime import JobRuntime

    park_if_handed_back()
    runtime = JobRuntime._current
    context = runtime.contexts.get(namespace) if runtime is not None else None
    if context is None:
        raise RuntimeError(f"no app serves jobs namespace {namespace!r} in this process")
    return context


@DBOS.workflow(name=JOB_WORKFLOW, max_recovery_attempts=MAX_RECOVERY_ATTEMPTS)
def job_workflow(namespace: str, job_id: str) -> str:
    outcome = render_step(namespace, job_id)
    status = finish_step(namespace, job_id, outcome)
    events.close()
    _runtime().waker.wake_when_done(job_id)  # its slot is free for the next job
    if _context(namespace).has_webhook(job_id):
        DBOS.start_workflow(webhook_workflow, namespace, job_id)
    return status


@DBOS.step(name="pixmill.render")
def render_step(namespace: str, job_id: str) -> dict[str, Any]:
    return _context(namespace).runner.render(job_id)


# Settling must land: while the database is away the step is tried again, for about
# 17 minutes in all; after that the sweep releases the hold (jobs.sweeper).
@DBOS.step(
    name="pixmill.finish", retries_allowed=True, max_attempts=10, interval_seconds=1.0,
    backoff_rate=2.0,
)  # fmt: skip
def finish_step(namespace: str, job_id: str, outcome: dict[str, Any]) -> str:
    return _context(namespace).runner.finish(job_id, outcome)


@DBOS.workflow(name="pixmill.webhook")
def webhook_workflow(namespace: str, job_id: str) -> None:
    context = _context(namespace)
    for attempt in range(1, context.webhooks.max_attempts + 1):
        if deliver_step(namespace, job_id, attempt):
            return
        if attempt < context.webhooks.max_attempts:
            DBOS.sleep(context.webhooks.backoff(attempt))


@DBOS.step(name="pixmill.webhook.deliver")
def deliver_step(namespace: str, job_id: str, attempt: int) -> bool:
    return _context(namespace).webhooks.deliver(job_id, attempt)


_IMAGE_FIELDS = ("inputs", "mask")
"""An edit's images: bytes, stored in `job_inputs`, never in the JSON columns."""


def spec_to_dict(spec: RenderSpec) -> dict[str, Any]:
    """The spec as JSON, an edit's images left out: under "edit", what the usage record
    keeps of them (counts, sizes, formats)."""
    values = dataclasses.asdict(dataclasses.replace(spec, inputs=(), mask=None))
    for name in _IMAGE_FIELDS:
        del values[name]
    if spec.is_edit:
        values["edit"] = input_params(spec.inputs, spec.mask)
    return values


def spec_from_dict(values: dict[str, Any]) -> RenderSpec:
    """The spec back, without an edit's images: `with_inputs` adds them from the store."""
    known = {f.name for f in dataclasses.fields(RenderSpec)} - set(_IMAGE_FIELDS)
    return RenderSpec(**{name: value for name, value in values.items() if name in known})


def with_inputs(spec: RenderSpec, store: Any, job_id: str, job_spec: dict[str, Any], *,
                with_data: bool = True) -> RenderSpec:  # fmt: skip
    """An edit job's spec with its images read back from `job_inputs`."""
    if not job_spec.get("edit"):
        return spec
    inputs, mask = store.inputs(job_id, with_data=with_data)
    return dataclasses.replace(spec, inputs=inputs, mask=mask)


def error_dict(error: ApiError) -> dict[str, Any]:
    values: dict[str, Any] = {
        "status": error.status,
        "code": error.code,
        "type": error.type,
        "message": error.message,
        "param": error.param,
    }
    if isinstance(error, ModerationBlocked):
        values["stage"], values["category"] = error.stage, error.category
    if error.headers.get("Retry-After"):
        values["retry_after"] = error.headers["Retry-After"]
    return values


class Progress:
    """The progress callback a job's engine calls: throttled events, cancel checks, and
    partial images encoded in the job's own format, signed as the finished ones are."""

    def __init__(
        self,
        runner: JobRunner,
        job_id: str,
        spec: RenderSpec,
        engine: Any,
        run: LocalRun | None = None,
    ):
        self.runner = runner
        self.job_id = job_id
        self.spec = spec
        self.engine = engine
        """The job's engine: its name signs the partials, its capabilities pick the PNG
        filter (flat colour for a vector engine, as the finished picture)."""
        self.run = run
        self.emit = run.emit if run is not None else events.emit
        self._last = 0.0
        self._row_written = time.monotonic()
        self._partials: dict[int, int] = {}
        self._lock = threading.Lock()

    def __call__(self, done: int, total: int, partial: Any = None) -> None:
        park_if_handed_back()
        fraction = min(1.0, done / total) if total else 0.0
        now = time.monotonic()
        write_row = True
        with self._lock:
            if partial is not None:
                # Partials are few and heavy: each is followed by a cancel check, so that
                # a cancelled job sends no more of them (and an upstream stream stops).
                self._send_partial(partial)
            elif now - self._last < PROGRESS_EVERY and fraction < 1.0:
                return
            self._last = now
            if self.run is not None:
                # A local run's readers here have its events at once; the row, read by
                # other processes, hears of its progress less often.
                write_row = now - self._row_written >= ROW_PROGRESS_EVERY
                if write_row:
                    self._row_written = now
        self.emit({"type": "progress", "progress": round(fraction, 4)})
        if self.run is not None:
            if self.run.cancelled.is_set():
                raise Cancelled("The job was cancelled.")
            if not write_row:
                return
        if self.runner.store.set_progress(self.job_id, fraction):
            raise Cancelled("The job was cancelled.")

    def _send_partial(self, partial: Any) -> None:
        number = self._partials.get(partial.index, 0)
        if number >= self.spec.partial_images:
            return
        self._partials[partial.index] = number + 1
        from pixmill.service import encode_partial

        service = self.runner.context.service
        data, fmt = encode_partial(
            partial.image,
            self.spec,
            self.engine.name,
            service.credentials,
            drawn=self.engine.capabilities.vector,
        )
        self.emit(
            {
                "type": "partial_image",
                "index": partial.index,
                "partial_image_index": number,
                "b64_json": base64.b64encode(data).decode(),
                "output_format": fmt,
                "size": self.spec.size,
            }
        )


class JobRunner:
    """What the steps do, for one app: its service, accounts and job store."""

    def __init__(self, context: Any):
        self.context = context
        self.store = context.store

    def render(self, job_id: str, run: LocalRun | None = None) -> dict[str, Any]:
        """Make the job's images and store them: the outcome `finish` settles. A local
        run comes with its job and spec; a queued job is read and started here."""
        from pixmill.service import build_result

        emit = run.emit if run is not None else events.emit
        if run is None:
            job = self.store.get(job_id)
            if job is None or not self.store.start(job_id):
                return {"status": CANCELLED}
            self.context.share_slots(job.queue)
        emit({"type": "status", "status": "PROCESSING"})
        started = time.perf_counter()
        try:
            if run is not None:
                spec = run.spec
            else:
                spec = with_inputs(spec_from_dict(job.spec), self.store, job_id, job.spec)
            entry = self.context.service.catalog.get(spec.model)
            made = self.context.service.make_images(
                entry.engine, spec, Progress(self, job_id, spec, entry.engine, run)
            )
            stored = [
                StoredImage(index, image.media_type, image.seed, image.data)
                for index, image in enumerate(made.images)
            ]
            if run is None or not self.store.blobs_in_database:
                self.store.save_images(job_id, stored)
            if run is not None:
                run.images = stored  # finish_local stores them with the settle
        except Cancelled:
            return {"status": CANCELLED}
        except ResultTooLarge:
            return {"status": FAILED, "error": _storage_full()}
        except ApiError as exc:
            return {"status": FAILED, "error": error_dict(exc)}
        except Exception:
            log.exception("job %s failed unexpectedly", job_id)
            error = EngineError("The server had an error while processing your request.")
            return {"status": FAILED, "error": error_dict(error)}
        seconds = time.perf_counter() - started
        result = build_result(
            job_id, spec, made, seconds, native_alpha=entry.engine.capabilities.native_alpha
        )
        return {
            "status": COMPLETED,
            "delivered": len(made.images),
            "seconds": seconds,
            "spec": spec_to_dict(result.spec),
            "usage": result.usage.as_openai(),
            "usage_tokens": dataclasses.asdict(result.usage),
            "withheld": result.withheld,
            "withheld_category": result.withheld_category,
            "upstream_cost_micro": result.upstream_cost_micro,
            "created": result.created,
        }

    def finish(self, job_id: str, outcome: dict[str, Any]) -> str:
        """Settle the hold for what was delivered, or release it; end the job; leave its
        usage record and its final event. A sync or streamed job is left ready for its
        caller's process instead (`Scheduler.hand_off`)."""
        job = self.store.get(job_id)
        if job is None:
            return FAILED
        status = outcome["status"]
        accounts = self.context.accounts
        held = accounts.ledger.hold(job_id)
        if status == COMPLETED:
            # An edit's input images are priced from their sizes: no need for their bytes.
            spec = with_inputs(
                spec_from_dict(job.spec), self.store, job_id, job.spec, with_data=False
            )
            charge = accounts.prices.call_price(spec, outcome["delivered"])
            outcome = {**outcome, "cost_micro": charge}
            if job.caller is not None:
                # A sync or streamed call is charged when its caller's process takes the
                # result (Scheduler.hand_off), or released if that process is gone.
                self.store.make_ready(job_id, outcome)
                if job.spec.get("edit"):
                    self.store.drop_inputs(job_id)
                events.emit({"type": "completed", "status": COMPLETED})
                return COMPLETED
            # COMPLETED first, then the charge: a cancel asked for meanwhile keeps the job
            # from completing, and it is released below. A step run again after a crash
            # finds it COMPLETED and settles (settling is idempotent).
            moved = self.store.complete(job_id, outcome) is not None
            current = self.store.get(job_id)
            if current is not None and current.status == COMPLETED:
                if held is not None:
                    accounts.ledger.settle(held[0], charge)
            else:
                status, outcome = CANCELLED, {"status": CANCELLED}
        if status != COMPLETED:
            if held is not None:
                accounts.ledger.release(held[0])
            moved = self.store.finish(job_id, status, outcome.get("error"))
        if moved:
            self.context.job_ended(job, outcome)
        if job.spec.get("edit"):
            self.store.drop_inputs(job_id)
        final = self.store.get(job_id)
        status = final.status if final is not None else status
        events.emit(final_event(final, status))
        return status

    def finish_local(self, run: LocalRun, outcome: dict[str, Any]) -> None:
        """`finish` for a local run, whose caller is here: it settles at once. Its images,
        its end and its settle are one transaction, whose commit is the run's one wait
        for the disk (with images in a bucket, `render` stored them)."""
        job, store, accounts = run.job, self.store, self.context.accounts
        assert run.hold is not None
        status, final, balance = outcome["status"], None, None
        if status == COMPLETED:
            charge = accounts.prices.call_price(run.spec, outcome["delivered"])
            outcome = {**outcome, "cost_micro": charge}
            try:
                with store.db.begin() as connection:
                    final = store.complete_in(connection, job.id, outcome)
                    if final is not None:
                        if store.blobs_in_database:
                            store.save_images_in(connection, job.id, run.images or [])
                        balance = accounts.ledger.settle_in(connection, run.hold, charge)
            except ResultTooLarge:
                status, outcome = FAILED, {"status": FAILED, "error": _storage_full()}
            else:
                if final is None:  # a cancel came first
                    status, outcome = CANCELLED, {"status": CANCELLED}
        if status != COMPLETED:
            with store.db.begin() as connection:
                balance = accounts.ledger.settle_in(connection, run.hold, 0)
                final = store.finish_in(connection, job.id, status, outcome.get("error"))
        if final is not None:
            self.context.job_ended(job, outcome)
        else:
            final = store.get(job.id)  # ended meanwhile by another party (a sweep)
        run.final, run.balance_micro = final, balance
        run.emit(final_event(final, status))


def final_event(final: Any, status: str) -> dict[str, Any]:
    """A job's last event from its ended row (`status` when the row is gone)."""
    status = final.status if final is not None else status
    event: dict[str, Any] = {"type": status.lower(), "status": status}
    if status == FAILED and final is not None and final.error:
        event["error"] = final.error
    return event


def _storage_full() -> dict[str, Any]:
    return error_dict(
        PayloadTooLarge(
            "The account's stored results are over their size limit: fetch or wait for "
            "earlier results to expire, or ask for fewer or smaller images.",
            code="result_storage_full",
        )
    )
