"""A sync call whose process is killed mid-job is never charged: its job, finished by a
worker or dead with its process (a local run), is released, and its usage record says
499 caller_gone. A retry with the same Idempotency-Key collects it, charged once."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack, suppress

import httpx
import pytest
from sqlalchemy import create_engine, text

from pixmill.accounts.db import normalise_url
from pixmill.settings import Settings
from tests.conftest import provision
from tests.jobs.test_recovery import BODY, KEY, SLEEPY, check_ledger, deployment
from tests.processes import running, serve, worker

pytestmark = pytest.mark.slow

GONE = {**SLEEPY, "engine_options": '{"seconds": 3}', "worker_dead_after_seconds": "5"}


def call_in_background(url: str, headers: dict[str, str] | None = None) -> threading.Thread:
    """A sync call whose caller never sees an answer: its server is killed under it."""

    def call() -> None:
        with suppress(httpx.TransportError):
            httpx.post(
                url + "/v1/images/generations",
                json=BODY,
                headers={"x-api-key": KEY, **(headers or {})},
                timeout=60,
            )

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


def query(database_url: str, sql: str) -> list[tuple]:
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(sql))]
    engine.dispose()
    return rows


def wait_for_rows(database_url: str, sql: str, timeout: float = 90) -> list[tuple]:
    deadline = time.monotonic() + timeout
    while not (rows := query(database_url, sql)):
        assert time.monotonic() < deadline, sql
        time.sleep(0.2)
    return rows


PROCESSING = "SELECT id FROM jobs WHERE status = 'PROCESSING'"
GONE_USAGE = "SELECT request_id, status, outcome FROM usage WHERE outcome = 'caller_gone'"


def check_released(database_url: str, job_id: str) -> None:
    assert wait_for_rows(database_url, GONE_USAGE) == [(job_id, 499, "caller_gone")]
    assert query(database_url, f"SELECT status FROM jobs WHERE id = '{job_id}'") == [("FAILED",)]
    charges = "SELECT COUNT(*) FROM ledger WHERE kind = 'charge'"
    assert query(database_url, charges) == [(0,)]
    check_ledger(database_url)


def test_kill_9_of_serve_during_a_sync_call_on_sqlite_charges_nothing(tmp_path):
    data = tmp_path / "data"
    settings = Settings(_env_file=None, data_dir=data)
    database = settings.accounts_database_url()
    provision(settings, KEY, 100)
    first = serve(tmp_path / "first.log", data_dir=str(data), **GONE)
    with running(first):
        call_in_background(first.url)
        [(job_id,)] = wait_for_rows(database, PROCESSING)
        first.kill()
    # The job ran here without a workflow: it died with the process, and the restarted
    # one releases it once the old process's heartbeat is old enough.
    second = serve(tmp_path / "second.log", data_dir=str(data), **GONE)
    with running(second):
        check_released(database, job_id)


def test_kill_9_of_an_api_process_during_a_sync_call_on_postgresql(tmp_path):
    with ExitStack() as stack:
        database, shared = deployment(stack)
        shared |= GONE
        api = serve(tmp_path / "api.log", worker="false", data_dir=str(tmp_path / "api"), **shared)
        runner = worker(tmp_path / "w.log", worker_id="worker-a", **shared)
        with running(api, runner):
            call_in_background(api.url)
            [(job_id,)] = wait_for_rows(database, PROCESSING)
            api.kill()
            # The worker finishes the job; its caller's process is gone: released.
            check_released(database, job_id)


def test_a_retry_with_the_idempotency_key_collects_the_job_charged_once(tmp_path):
    with ExitStack() as stack:
        database, shared = deployment(stack)
        shared |= GONE
        api = serve(tmp_path / "api.log", worker="false", data_dir=str(tmp_path / "api"), **shared)
        spare = serve(tmp_path / "b.log", worker="false", data_dir=str(tmp_path / "b"), **shared)
        runner = worker(tmp_path / "w.log", worker_id="worker-a", **shared)
        headers = {"Idempotency-Key": "retry-after-crash"}
        with running(api, spare, runner):
            call_in_background(api.url, headers)
            [(job_id,)] = wait_for_rows(database, PROCESSING)
            api.kill()
            retried = httpx.post(
                spare.url + "/v1/images/generations",
                json=BODY,
                headers={"x-api-key": KEY, **headers},
                timeout=60,
            )
            assert retried.status_code == 200, retried.text
            assert retried.headers["x-request-id"] == job_id
            assert retried.headers["idempotent-replayed"] == "true"
        charges = f"SELECT COUNT(*) FROM ledger WHERE kind = 'charge' AND request_id = '{job_id}'"
        assert query(database, charges) == [(1,)]
        assert query(database, GONE_USAGE) == []
        check_ledger(database)
