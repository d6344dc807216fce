"""The scheduler's limits: accounts take turns, the queue is bounded, nobody waits
forever, renders stay within their memory, and no hold outlives its call."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import httpx
from sqlalchemy import update

from pixmill.accounts.tables import HoldRecord, utcnow
from pixmill.engines import ProgressCallback
from pixmill.request import RenderSpec
from pixmill.usage import MICRO
from tests.conftest import (
    API_KEY,
    make_settings,
    postgres_schema,
    provision,
    running_server,
    state_of,
)
from tests.fakes import FakeEngine, SteppedEngine
from tests.jobs.conftest import OTHER_KEY
from tests.jobs.test_async_api import BODY, wait_for
from tests.tcp_proxy import tcp_proxy


def _clients(url: str) -> tuple[httpx.Client, httpx.Client]:
    return (
        httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY}),
        httpx.Client(base_url=url, timeout=60, headers={"x-api-key": OTHER_KEY}),
    )


class TurnEngine(FakeEngine):
    """Each call waits until the test lets its prompt finish; `started` keeps the order of
    starts, and `running` the prompts now under way."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[str, threading.Event] = {}
        self.running: set[str] = set()
        self.changed = threading.Condition()

    def gate(self, prompt: str) -> threading.Event:
        with self.changed:
            return self.gates.setdefault(prompt, threading.Event())

    def generate(self, spec: RenderSpec, progress: ProgressCallback | None = None):
        gate = self.gate(spec.prompt)
        with self.changed:
            self.calls.append(spec)
            self.running.add(spec.prompt)
            self.changed.notify_all()
        try:
            if not gate.wait(60):
                raise RuntimeError("the test never let this call finish")
            return FakeEngine().generate(spec)
        finally:
            with self.changed:
                self.running.discard(spec.prompt)
                self.changed.notify_all()

    def wait_running(self, prompts: set[str]) -> None:
        with self.changed:
            assert self.changed.wait_for(lambda: self.running == prompts, 60), self.running

    @property
    def order(self) -> list[str]:
        return [spec.prompt for spec in self.calls]


def test_a_lone_account_starts_jobs_in_every_slot(tmp_path):
    settings = make_settings(data_dir=tmp_path, max_concurrent_renders=2)  # account_share 0.5
    engine = TurnEngine()
    with running_server(settings, {"design": engine}) as (url, _):
        client, _ = _clients(url)
        for name in ("first", "second"):
            client.post("/v2/gpt-image-1", json={**BODY, "prompt": name})
        # Both run at once: the second started before the first ended.
        engine.wait_running({"first", "second"})
        engine.gate("first").set()
        engine.gate("second").set()
        client.close()


def test_another_accounts_small_call_starts_before_the_greedy_accounts_third(tmp_path):
    settings = make_settings(data_dir=tmp_path, max_concurrent_renders=2)  # account_share 0.5
    provision(settings, OTHER_KEY, 10, name="other")
    engine = TurnEngine()
    with running_server(settings, {"design": engine}) as (url, _):
        greedy, other = _clients(url)
        # "Large" in name only (n=4, 2048x2048, high in the issue): each call holds its
        # slot until the test lets it go, so the order of starts is what the test sees.
        large = [f"large {i}" for i in range(4)]
        ids = [
            greedy.post("/v2/gpt-image-1", json={**BODY, "prompt": name}).json()["request_id"]
            for name in large
        ]
        engine.wait_running({"large 0", "large 1"})  # alone, it filled every slot
        small = other.post("/v2/gpt-image-1", json={**BODY, "prompt": "small"}).json()
        wait_for(other, small["request_id"], {"QUEUED"})
        # A slot frees: the greedy account is over its share while another waits.
        engine.gate("large 0").set()
        engine.wait_running({"large 1", "small"})
        assert engine.order == ["large 0", "large 1", "small"]
        for name in [*large, "small"]:
            engine.gate(name).set()
        for job in ids:
            wait_for(greedy, job, {"COMPLETED"}, timeout=120)
        assert engine.order.index("small") < engine.order.index("large 2")
        greedy.close()
        other.close()


def test_a_full_queue_answers_503_with_retry_after_and_charges_nothing(tmp_path):
    settings = make_settings(
        data_dir=tmp_path, max_concurrent_renders=1, account_share=1.0, max_queued_jobs=1
    )
    engine = SteppedEngine(steps=1, gate=True)
    with running_server(settings, {"design": engine}) as (url, _):
        client, _ = _clients(url)
        running = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        wait_for(client, running, {"PROCESSING"})
        assert client.post("/v2/gpt-image-1", json=BODY).status_code == 200  # queued
        balance = client.get("/v1/get-user-credits").json()["credits"]
        for path in ("/v2/gpt-image-1", "/v1/gpt-image-1", "/v1/images/generations"):
            refused = client.post(path, json=BODY)
            assert refused.status_code == 503, path
            assert int(refused.headers["retry-after"]) >= 1
        openai_error = client.post("/v1/images/generations", json=BODY).json()["error"]
        assert openai_error["code"] == "service_unavailable"
        assert client.get("/v1/get-user-credits").json()["credits"] == balance
        engine.gate.set()
        client.close()


def test_a_job_queued_too_long_fails_503_and_is_released(tmp_path):
    settings = make_settings(
        data_dir=tmp_path, max_concurrent_renders=1, account_share=1.0, max_queue_seconds=1
    )
    engine = SteppedEngine(steps=1, gate=True)
    with running_server(settings, {"design": engine}) as (url, server):
        client, _ = _clients(url)
        before = client.get("/v1/get-user-credits").json()["credits"]
        first = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        wait_for(client, first, {"PROCESSING"})
        waiting = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        time.sleep(1.2)
        state_of(server).scheduler.sweeper.sweep()
        answer = client.get(f"/v2/requests/{waiting}")
        assert answer.status_code == 422
        assert answer.json()["status"] == "FAILED" and "queue" in answer.json()["error"]
        engine.gate.set()
        wait_for(client, first, {"COMPLETED"})
        charged = float(client.get(f"/v2/requests/{first}").json()["output"]["credits"])
        after = float(client.get("/v1/get-user-credits").json()["credits"])
        assert after == float(before) - charged  # the dropped job cost nothing
        assert len(engine.calls) == 1
        client.close()


def test_renders_stay_within_their_memory_budget(tmp_path):
    engine = FakeEngine()
    settings = make_settings(data_dir=tmp_path, render_memory_bytes=64 * 1024**2)
    with running_server(settings, {"design": engine}) as (url, _):
        client, _ = _clients(url)
        too_big = client.post(
            "/v1/images/generations", json={**BODY, "size": "3840x3840", "quality": "max"}
        )
        assert too_big.status_code == 400 and too_big.json()["error"]["param"] == "size"
        # 1024x1024 medium is about 12 MiB: ten of them are rendered five at a time.
        ten = client.post(
            "/v1/images/generations",
            json={**BODY, "size": "1024x1024", "quality": "medium", "n": 10},
        )
        assert ten.status_code == 200 and len(ten.json()["data"]) == 10
        assert [spec.n for spec in engine.calls[-2:]] == [5, 5]
        client.close()


def test_a_hold_no_job_will_settle_is_released_by_the_sweep(tmp_path):
    settings = make_settings(data_dir=tmp_path)
    with running_server(settings, {"design": FakeEngine()}) as (_, server):
        state = state_of(server)
        account = state.accounts.keys.authenticate(API_KEY).account_id
        before = state.accounts.ledger.balance(account)
        # A process that died between taking a hold and queuing its job left this.
        state.accounts.ledger.reserve(account, "req_orphan", 5 * MICRO)
        with state.accounts.db.begin() as connection:
            connection.execute(
                update(HoldRecord).values(created_at=utcnow() - timedelta(minutes=5))
            )
        state.scheduler.sweeper.sweep()
        assert state.accounts.ledger.balance(account) == before
        assert state.accounts.ledger.hold("req_orphan")[1] == "released"
        state.scheduler.sweeper.sweep()  # a second sweep changes nothing
        assert state.accounts.ledger.balance(account) == before
        assert state.accounts.ledger.ledger_sum(account) == before


def test_a_settle_while_the_database_is_away_lands_when_it_returns(tmp_path):
    with postgres_schema() as database, tcp_proxy("127.0.0.1", 5432) as proxy:
        proxied = database.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
        settings = make_settings(data_dir=tmp_path, database_url=proxied)
        engine = SteppedEngine(steps=1, gate=True)
        with running_server(settings, {"design": engine}) as (url, server):
            client, _ = _clients(url)
            job = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
            wait_for(client, job, {"PROCESSING"})
            proxy.kill()
            engine.gate.set()
            time.sleep(3)  # the job ends and its settle fails, and is tried again
            proxy.restore()
            state = state_of(server)
            deadline = time.monotonic() + 60
            while state.accounts.ledger.hold(job)[1] == "held":
                assert time.monotonic() < deadline, "the hold was never closed"
                time.sleep(0.2)
            account = state.accounts.keys.authenticate(API_KEY).account_id
            assert state.accounts.ledger.ledger_sum(account) == state.accounts.ledger.balance(
                account
            )
            client.close()
