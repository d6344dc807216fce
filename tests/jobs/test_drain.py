"""SIGTERM drains a `pixmill worker`: it takes no new job, finishes and settles what it
runs within the drain time, puts back at once what it could not finish, and exits."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest
from sqlalchemy import create_engine, text

from pixmill.accounts.db import normalise_url
from tests.conftest import POSTGRES
from tests.jobs.test_recovery import (
    SLEEPY,
    _executors,
    check_ledger,
    deployment,
    statuses,
    submit,
    wait_until,
)
from tests.processes import running, serve, worker

pytestmark = pytest.mark.slow


def test_sigterm_lets_a_running_job_finish_and_settle_then_exits(tmp_path):
    with ExitStack() as stack:
        database, shared = deployment(stack)
        shared |= {**SLEEPY, "engine_options": '{"seconds": 2}', "worker_drain_seconds": "30"}
        api = serve(tmp_path / "api.log", worker="false", data_dir=str(tmp_path / "api"), **shared)
        draining = worker(tmp_path / "a.log", worker_id="worker-a", **shared)
        with running(api, draining):
            ids = submit(api.url, 2)
            wait_until(api.url, ids[:1], {"PROCESSING"}, 30)
            asked = time.monotonic()
            code = draining.stop(timeout=40)
            lived = time.monotonic() - asked
            # No other worker runs: what is COMPLETED now, the drained worker settled.
            after = statuses(api.url, ids)
            print(f"worker exited {lived:.1f} s after SIGTERM (code {code}): {after}")
            assert after[ids[0]] == "COMPLETED", draining.output()
            assert lived < 30 + 5
            # It took no new job once told to stop; the second waits for the next worker.
            if after[ids[1]] != "COMPLETED":
                assert after[ids[1]] in {"QUEUED", "PROCESSING"}
                rescuer = worker(tmp_path / "b.log", worker_id="worker-b", **shared)
                with running(rescuer):
                    wait_until(api.url, ids, {"COMPLETED"}, 60)
        check_ledger(database)


def test_what_the_drain_cannot_finish_goes_back_at_once(tmp_path):
    with ExitStack() as stack:
        database, shared = deployment(stack)
        shared |= {**SLEEPY, "engine_options": '{"seconds": 20}', "worker_drain_seconds": "1"}
        api = serve(tmp_path / "api.log", worker="false", data_dir=str(tmp_path / "api"), **shared)
        draining = worker(tmp_path / "a.log", worker_id="worker-a", **shared)
        with running(api, draining):
            ids = submit(api.url, 1)
            wait_until(api.url, ids, {"PROCESSING"}, 30)
            asked = time.monotonic()
            draining.stop(timeout=40)
            lived = time.monotonic() - asked
            assert lived < 1 + 5, draining.output()
            # Back on its queue as soon as the worker is gone, not when it is found dead.
            assert _workflow_states(shared["jobs_schema"], ids) == {ids[0]: "ENQUEUED"}
            rescuer = worker(tmp_path / "b.log", worker_id="worker-b", **shared)
            with running(rescuer):
                ended = wait_until(api.url, ids, {"COMPLETED", "FAILED"}, 90)
                assert set(ended.values()) == {"COMPLETED"}
        assert _executors(shared["jobs_schema"], ids) == {ids[0]: "worker-b"}
        check_ledger(database)


def _workflow_states(schema: str, ids: list[str]) -> dict[str, str]:
    engine = create_engine(normalise_url(POSTGRES))
    with engine.connect() as connection:
        rows = connection.execute(
            text(f'SELECT workflow_uuid, status FROM "{schema}".workflow_status')
        ).all()
    engine.dispose()
    return {row[0]: row[1] for row in rows if row[0] in ids}
