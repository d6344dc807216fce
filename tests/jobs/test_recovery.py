"""Crashes lose nothing: kill -9 of a server or a worker mid-job, then recovery. Each job
ends COMPLETED or FAILED, is charged at most once, and every ledger still balances.

These run pixmill as real processes (tests.processes), so they are slow and few.
"""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack

import httpx
import pytest
from sqlalchemy import create_engine, text

from pixmill.accounts.db import normalise_url
from pixmill.settings import Settings
from tests.conftest import POSTGRES, postgres_schema, provision
from tests.processes import running, serve, worker

pytestmark = pytest.mark.slow

KEY = "pm-recovery-test-key"
BODY = {"prompt": "a slow picture", "size": "256x256", "quality": "low"}
# The tests poll each job's status several times a second: no status-poll limit.
SLEEPY = {"engine": "sleepy", "engine_options": '{"seconds": 5}', "account_share": "1",
          "status_polls_per_minute": "0"}  # fmt: skip


def submit(url: str, n: int) -> list[str]:
    headers = {"x-api-key": KEY}
    ids = []
    for _ in range(n):
        response = httpx.post(url + "/v2/gpt-image-1", json=BODY, headers=headers, timeout=30)
        assert response.status_code == 200, response.text
        ids.append(response.json()["request_id"])
    return ids


def statuses(url: str, ids: list[str]) -> dict[str, str]:
    headers = {"x-api-key": KEY}
    return {
        job: httpx.get(f"{url}/v2/requests/{job}/status", headers=headers, timeout=30).json()[
            "status"
        ]
        for job in ids
    }


def wait_until(
    url: str, ids: list[str], wanted: set[str], timeout: float, *, every: bool = True
) -> dict[str, str]:
    """Poll until every job (or, with every=False, any) has one of the wanted statuses."""
    deadline = time.monotonic() + timeout
    while True:
        now = statuses(url, ids)
        if (all if every else any)(status in wanted for status in now.values()):
            return now
        assert time.monotonic() < deadline, now
        time.sleep(0.2)


def check_ledger(database_url: str) -> None:
    """Balance equals the sum of the ledger; no hold left held; each request charged once."""
    engine = create_engine(normalise_url(database_url))
    with engine.connect() as connection:
        for account, balance in connection.execute(text("SELECT id, balance_micro FROM accounts")):
            total = connection.scalar(
                text("SELECT COALESCE(SUM(amount_micro), 0) FROM ledger WHERE account_id = :a"),
                {"a": account},
            )
            assert total == balance
        assert connection.scalar(text("SELECT COUNT(*) FROM holds WHERE state = 'held'")) == 0
        charges = connection.execute(
            text(
                "SELECT request_id, COUNT(*) FROM ledger WHERE kind = 'charge' "
                "GROUP BY request_id HAVING COUNT(*) > 1"
            )
        ).all()
        assert charges == []
    engine.dispose()


def test_kill_9_of_serve_on_sqlite_then_restart(tmp_path):
    data = tmp_path / "data"
    settings = Settings(_env_file=None, data_dir=data)
    provision(settings, KEY, 100)
    first = serve(tmp_path / "first.log", data_dir=str(data), **SLEEPY)
    with running(first):
        ids = submit(first.url, 3)
        wait_until(first.url, ids, {"PROCESSING"}, 30, every=False)
        first.kill()
    started = time.monotonic()
    second = serve(tmp_path / "second.log", data_dir=str(data), **SLEEPY)
    with running(second):
        ended = wait_until(second.url, ids, {"COMPLETED", "FAILED"}, 60)
        print(f"recovered {ended} {time.monotonic() - started:.1f} s after restart")
        assert set(ended.values()) == {"COMPLETED"}  # the jobs ran again, from the start
    check_ledger(settings.accounts_database_url())


def test_kill_9_of_a_worker_on_postgresql_another_takes_its_job(tmp_path):
    with ExitStack() as stack:
        database, shared = deployment(stack)
        shared |= {"worker_dead_after_seconds": "5", **SLEEPY}
        api = serve(tmp_path / "api.log", worker="false", data_dir=str(tmp_path / "api"), **shared)
        doomed = worker(tmp_path / "a.log", worker_id="worker-a", **shared)
        with running(api, doomed):
            ids = submit(api.url, 1)
            wait_until(api.url, ids, {"PROCESSING"}, 30)
            doomed.kill()
            killed = time.monotonic()
            rescuer = worker(tmp_path / "b.log", worker_id="worker-b", **shared)
            with running(rescuer):
                ended = wait_until(api.url, ids, {"COMPLETED", "FAILED"}, 60)
                taken = time.monotonic() - killed
                print(f"job taken over and finished {taken:.1f} s after the kill")
                assert set(ended.values()) == {"COMPLETED"}
                # Dead after 5 s, found by a sweep within 5 s more, then 5 s of work.
                assert taken < 40
        check_ledger(database)


def test_two_workers_and_two_api_processes_share_one_queue(tmp_path):
    with ExitStack() as stack:
        database, shared = deployment(stack)
        shared |= {"max_concurrent_renders": "1", **SLEEPY, "engine_options": '{"seconds": 1}'}
        apis = [
            serve(
                tmp_path / f"api{i}.log", worker="false", data_dir=str(tmp_path / f"a{i}"), **shared
            )
            for i in range(2)
        ]
        workers = [worker(tmp_path / f"w{i}.log", worker_id=f"w{i}", **shared) for i in range(2)]
        with running(*apis, *workers):
            ids = submit(apis[0].url, 3) + submit(apis[1].url, 3)
            ended = wait_until(apis[1].url, ids, {"COMPLETED"}, 60)
            assert len(ended) == 6
        executors = _executors(shared["jobs_schema"], ids)
        assert set(executors.values()) == {"w0", "w1"}, executors
        check_ledger(database)


def deployment(stack: ExitStack) -> tuple[str, dict[str, str]]:
    """A PostgreSQL deployment for pixmill processes: accounts in a schema of their own
    (the test key funded), the job engine in another; both dropped with the stack."""
    database = stack.enter_context(postgres_schema())
    jobs_schema = f"dbos_test_{uuid.uuid4().hex[:12]}"
    stack.callback(_drop, jobs_schema)
    provision(Settings(_env_file=None, database_url=database), KEY, 100)
    shared = {"database_url": database, "jobs_database_url": POSTGRES, "jobs_schema": jobs_schema}
    return database, shared


def _executors(schema: str, ids: list[str]) -> dict[str, str]:
    engine = create_engine(normalise_url(POSTGRES))
    with engine.connect() as connection:
        rows = connection.execute(
            text(f'SELECT workflow_uuid, executor_id FROM "{schema}".workflow_status')
        ).all()
    engine.dispose()
    return {row[0]: row[1] for row in rows if row[0] in ids}


def _drop(schema: str) -> None:
    engine = create_engine(normalise_url(POSTGRES), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
