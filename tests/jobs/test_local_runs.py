"""Sync and streamed calls that may start at once run in their caller's process without a
durable workflow (jobs.local), yet go through the one scheduler: they take its slots,
count against their account's share, and leave a stored, charged-once result."""

from __future__ import annotations

import base64
import threading
from contextlib import ExitStack

import httpx
import pytest
from dbos import DBOS

from pixmill.usage import MICRO
from tests.conftest import API_KEY, make_settings, provision, running_server, state_of
from tests.fakes import FakeEngine
from tests.jobs.conftest import OTHER_KEY, read_events
from tests.jobs.test_async_api import BODY
from tests.jobs.test_caller_gone import PROCESSING, query, wait_for_rows
from tests.jobs.test_fairness import TurnEngine, _clients
from tests.jobs.test_recovery import BODY as SLOW_BODY
from tests.jobs.test_recovery import KEY, SLEEPY, check_ledger, deployment
from tests.processes import running, serve


def _call_in_thread(client: httpx.Client, prompt: str, answers: dict[str, httpx.Response]):
    def call() -> None:
        answers[prompt] = client.post("/v1/images/generations", json={**BODY, "prompt": prompt})

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


def test_a_sync_call_runs_here_without_a_workflow_and_its_result_is_kept(tmp_path):
    settings = make_settings(data_dir=tmp_path)
    with running_server(settings, {"design": FakeEngine()}) as (url, server):
        client, _ = _clients(url)
        state = state_of(server)
        account = state.accounts.keys.authenticate(API_KEY).account_id
        before = state.accounts.ledger.balance(account)
        answer = client.post("/v1/images/generations", json=BODY)
        assert answer.status_code == 200, answer.text
        job_id = answer.headers["x-request-id"]
        # No workflow in the job engine: the call ran in this process, from its submit.
        assert DBOS.get_workflow_status(job_id) is None
        # Kept for the request's own endpoints, the same bytes as sent.
        assert client.get(f"/v2/requests/{job_id}").json()["status"] == "COMPLETED"
        sent = base64.b64decode(answer.json()["data"][0]["b64_json"])
        assert [image.data for image in state.scheduler.store.images(job_id)] == [sent]
        # Charged once, and the balance in the answer is the ledger's after the charge.
        after = state.accounts.ledger.balance(account)
        assert before - after == round(float(answer.headers["x-cost"]) * MICRO)
        assert round(float(answer.headers["x-remaining-credits"]) * MICRO) == after
        assert state.accounts.ledger.ledger_sum(account) == after
        client.close()


def test_a_lone_accounts_sync_calls_start_in_every_slot(tmp_path):
    settings = make_settings(data_dir=tmp_path, max_concurrent_renders=2)  # account_share 0.5
    engine = TurnEngine()
    answers: dict[str, httpx.Response] = {}
    with running_server(settings, {"design": engine}) as (url, _):
        client, _ = _clients(url)
        threads = [_call_in_thread(client, name, answers) for name in ("first", "second")]
        # Both run at once: the second started before the first ended.
        engine.wait_running({"first", "second"})
        engine.gate("first").set()
        engine.gate("second").set()
        for thread in threads:
            thread.join(60)
        assert {name: answer.status_code for name, answer in answers.items()} == {
            "first": 200,
            "second": 200,
        }
        client.close()


def test_sync_calls_take_turns_with_another_accounts_call(tmp_path):
    settings = make_settings(data_dir=tmp_path, max_concurrent_renders=2)  # account_share 0.5
    provision(settings, OTHER_KEY, 10, name="other")
    engine = TurnEngine()
    answers: dict[str, httpx.Response] = {}
    with running_server(settings, {"design": engine}) as (url, server):
        greedy, other = _clients(url)
        scheduler = state_of(server).scheduler
        [queue] = {config.name for config in scheduler.queues.values()}
        threads = [_call_in_thread(greedy, "large 0", answers)]
        threads.append(_call_in_thread(greedy, "large 1", answers))
        engine.wait_running({"large 0", "large 1"})  # alone, it filled every slot
        assert scheduler.local.running() == 2  # both started at once, in this process
        threads += [_call_in_thread(greedy, f"large {i}", answers) for i in (2, 3)]
        _wait(lambda: scheduler.store.queued(queue) == 2)  # no slot: they wait in the queue
        threads.append(_call_in_thread(other, "small", answers))
        _wait(lambda: scheduler.store.queued(queue) == 3)
        # A slot frees: the greedy account is over its share while another waits.
        engine.gate("large 0").set()
        engine.wait_running({"large 1", "small"})
        assert set(engine.order[:2]) == {"large 0", "large 1"} and engine.order[2] == "small"
        for name in ("large 1", "large 2", "large 3", "small"):
            engine.gate(name).set()
        for thread in threads:
            thread.join(60)
        assert {answer.status_code for answer in answers.values()} == {200}
        assert engine.order.index("small") < engine.order.index("large 2")
        greedy.close()
        other.close()


def _wait(condition, timeout: float = 60) -> None:
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        done.wait(0.05)
    raise AssertionError("the condition never held")


@pytest.mark.slow
def test_another_replica_follows_a_local_runs_progress_and_cancels_it(tmp_path):
    with ExitStack() as stack:
        database, shared = deployment(stack)
        shared |= {**SLEEPY, "engine_options": '{"seconds": 60}'}
        runner = serve(tmp_path / "a.log", data_dir=str(tmp_path / "a"), **shared)
        reader = serve(tmp_path / "b.log", worker="false", data_dir=str(tmp_path / "b"), **shared)
        headers = {"x-api-key": KEY}
        answers: dict[str, httpx.Response] = {}

        def call() -> None:
            answers["call"] = httpx.post(
                runner.url + "/v1/images/generations", json=SLOW_BODY, headers=headers, timeout=90
            )

        with running(runner, reader):
            caller = threading.Thread(target=call, daemon=True)
            caller.start()
            [(job_id,)] = wait_for_rows(database, PROCESSING)
            kinds = []
            path = f"{reader.url}/v2/requests/{job_id}/events"
            with httpx.stream("GET", path, headers=headers, timeout=90) as events:
                for _, kind, data in read_events(events):
                    kinds.append(kind)
                    if kind == "progress" and data["progress"] > 0 and "cancel" not in kinds:
                        # Seen from the other replica while it runs: cancel it from there.
                        kinds.append("cancel")
                        cancel = httpx.delete(f"{reader.url}/v2/requests/{job_id}", headers=headers)
                        assert cancel.status_code == 200, cancel.text
            caller.join(90)
            assert kinds[0] == "status" and "cancel" in kinds, kinds
            assert kinds[-1] == "cancelled", kinds
            assert answers["call"].status_code == 499, answers["call"].text
        assert query(database, f"SELECT status FROM jobs WHERE id = '{job_id}'") == [("CANCELLED",)]
        assert query(database, "SELECT COUNT(*) FROM ledger WHERE kind = 'charge'") == [(0,)]
        check_ledger(database)
