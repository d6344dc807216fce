"""Credits through the real server, on SQLite and on PostgreSQL: reserve, charge, release."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx
import pytest

from pixmill.accounts.store import AccountStore
from pixmill.accounts.tables import utcnow
from pixmill.settings import Settings
from pixmill.usage import MICRO
from tests.conftest import running_server, state_of
from tests.fakes import FakeEngine, SteppedEngine

OPENAI = "/v1/images/generations"
SEGMIND = "/v1/gpt-image-1"
BODY = {"prompt": "a kite", "size": "1024x1024", "quality": "low"}
PRICE = 10_880  # GPT-Image-1's low 1024x1024 image, in micro-credits


@contextmanager
def accounts(settings: Settings) -> Iterator[AccountStore]:
    store = AccountStore.open(settings)
    store.db.upgrade()
    try:
        yield store
    finally:
        store.db.dispose()


def funded_key(store: AccountStore, micro: int, **key_options) -> tuple[str, str]:
    """A new account holding `micro` micro-credits and a key for it: (account id, secret)."""
    account_id = store.keys.create_account("payer", micro)
    return account_id, store.keys.create_key(account_id, "payer", **key_options).secret


@pytest.fixture
def settings(tmp_path, database_url) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        requests_per_minute=0,
        images_per_minute=0,
        _env_file=None,
    )


def assert_ledger_balances(store: AccountStore, account_id: str) -> None:
    assert store.ledger.balance(account_id) == store.ledger.ledger_sum(account_id)


def test_100_concurrent_requests_for_37_paid(settings):
    """Exactly the paid-for requests succeed; the balance ends at 0, never below."""
    with accounts(settings) as store:
        account_id, key = funded_key(store, 37 * PRICE)
        with running_server(settings, {"design": FakeEngine()}) as (url, _):

            async def fire() -> list[httpx.Response]:
                limits = httpx.Limits(max_connections=100)
                async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
                    return await asyncio.gather(
                        *(
                            client.post(
                                OPENAI if i % 2 else SEGMIND,
                                json=BODY,
                                headers={"x-api-key": key},
                            )
                            for i in range(100)
                        )
                    )

            responses = asyncio.run(fire())
        statuses = [r.status_code for r in responses]
        assert 500 not in statuses
        assert statuses.count(200) == 37
        for response in responses:
            if response.status_code == 200:
                assert response.headers["x-cost"] == "0.01088"
            elif response.request.url.path == SEGMIND:
                assert response.status_code == 406
                assert response.json() == {"error": "Insufficient credits"}
            else:
                assert response.status_code == 429
                assert response.json()["error"]["code"] == "insufficient_quota"
            assert "x-remaining-credits" in response.headers
        assert store.ledger.balance(account_id) == 0
        assert_ledger_balances(store, account_id)
        kinds = [entry.kind for entry in store.ledger.entries(account_id)]
        assert kinds.count("charge") == 37
        assert kinds.count("reserve") == kinds.count("release") == 37


def test_success_charges_the_price_and_reports_the_balance(settings):
    with accounts(settings) as store:
        account_id, key = funded_key(store, 1 * MICRO)
        with running_server(settings, {"design": FakeEngine()}) as (url, _):
            response = httpx.post(
                url + OPENAI,
                json={**BODY, "n": 2, "user": "user-7"},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert response.status_code == 200, response.text
            assert response.headers["x-cost"] == "0.02176"
            assert response.headers["x-remaining-credits"] == "0.97824"
            credits = httpx.get(url + "/v1/get-user-credits", headers={"x-api-key": key})
            assert credits.json() == {"credits": "0.97824"}
        record = store.usage.get(response.headers["x-request-id"])
        assert record is not None
        assert (record.outcome, record.status, record.images) == ("ok", 200, 2)
        assert record.cost_micro == 2 * PRICE
        assert record.user == "user-7"
        assert record.params["size"] == "1024x1024" and record.params["quality"] == "low"
        assert "prompt" not in record.params
        assert record.latency_ms >= 0
        assert_ledger_balances(store, account_id)


def test_a_render_that_fails_midway_charges_nothing(settings):
    with accounts(settings) as store:
        account_id, key = funded_key(store, 1 * MICRO)
        with running_server(settings, {"design": FakeEngine(delay=0.2, fail=True)}) as (url, _):
            response = httpx.post(url + SEGMIND, json=BODY, headers={"x-api-key": key})
        assert response.status_code == 500
        assert response.headers["x-remaining-credits"] == "1"
        assert store.ledger.balance(account_id) == MICRO
        kinds = [(e.kind, e.amount_micro) for e in store.ledger.entries(account_id)]
        assert kinds == [("grant", MICRO), ("reserve", -PRICE), ("release", PRICE)]
        record = store.usage.get(response.headers["x-request-id"])
        assert record is not None and record.outcome == "engine_error" and record.cost_micro == 0


def test_a_client_that_disconnects_is_charged_nothing(settings):
    engine = FakeEngine(delay=6)
    with accounts(settings) as store:
        account_id, key = funded_key(store, 1 * MICRO)
        with running_server(settings, {"design": engine}) as (url, _):
            with pytest.raises(httpx.ReadTimeout):
                httpx.post(url + OPENAI, json=BODY, headers={"x-api-key": key}, timeout=3)
            assert engine.started.is_set()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if [e.kind for e in store.ledger.entries(account_id)][-1:] == ["release"]:
                    break
                time.sleep(0.05)
        assert store.ledger.balance(account_id) == MICRO
        kinds = [e.kind for e in store.ledger.entries(account_id)]
        assert kinds == ["grant", "reserve", "release"]
        assert_ledger_balances(store, account_id)


def test_a_blocked_prompt_is_neither_charged_nor_rendered(settings):
    engine = FakeEngine()
    with accounts(settings) as store:
        account_id, key = funded_key(store, 1 * MICRO)
        with running_server(settings, {"design": engine}) as (url, _):
            body = {**BODY, "prompt": "a nude photo of a woman"}
            response = httpx.post(url + OPENAI, json=body, headers={"x-api-key": key})
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "moderation_blocked"
        assert response.headers["x-remaining-credits"] == "1"
        assert engine.calls == []
        assert store.ledger.balance(account_id) == MICRO
        record = store.usage.get(response.headers["x-request-id"])
        assert record is not None
        assert (record.outcome, record.moderation_stage) == ("moderation_blocked", "input")
        assert record.moderation_category


@pytest.mark.parametrize("path", [OPENAI, SEGMIND])
def test_keys_are_refused_in_the_callers_dialect(settings, path):
    with accounts(settings) as store:
        account_id, good = funded_key(store, MICRO)
        revoked = store.keys.create_key(account_id, "old")
        store.keys.revoke(revoked.key.id)
        expired = store.keys.create_key(account_id, "gone", expires_at=utcnow() - timedelta(1))
        with running_server(settings, {"design": FakeEngine()}) as (url, _):
            for headers in (
                {},
                {"x-api-key": "pm_not-a-key"},
                {"x-api-key": revoked.secret},
                {"Authorization": f"Bearer {expired.secret}"},
            ):
                response = httpx.post(url + path, json=BODY, headers=headers)
                assert response.status_code == 401
                error = response.json()["error"]
                if path == SEGMIND:
                    assert isinstance(error, str) and error
                else:
                    assert error["code"] == "invalid_api_key"
                assert "x-remaining-credits" not in response.headers
            for headers in ({"x-api-key": good}, {"Authorization": f"Bearer {good}"}):
                assert httpx.post(url + path, json=BODY, headers=headers).status_code == 200
            unauthenticated = httpx.get(url + "/v1/get-user-credits")
            assert unauthenticated.status_code == 401
            assert isinstance(unauthenticated.json()["error"], str)


def test_bad_input_from_a_known_key_still_reports_the_balance(settings):
    with accounts(settings) as store:
        _, key = funded_key(store, MICRO)
        with running_server(settings, {"design": FakeEngine()}) as (url, _):
            response = httpx.post(
                url + OPENAI, json={**BODY, "size": "1000x100"}, headers={"x-api-key": key}
            )
        assert response.status_code == 400
        assert response.json()["error"]["param"] == "size"
        assert response.headers["x-remaining-credits"] == "1"


def test_an_idempotent_retry_gets_the_same_answer_once_charged(settings):
    with accounts(settings) as store:
        account_id, key = funded_key(store, MICRO)
        headers = {"x-api-key": key, "Idempotency-Key": "retry-1"}
        with running_server(settings, {"design": FakeEngine()}) as (url, _):
            first = httpx.post(url + OPENAI, json=BODY, headers=headers)
            again = httpx.post(url + OPENAI, json=BODY, headers=headers)
            other = httpx.post(url + OPENAI, json={**BODY, "n": 2}, headers=headers)
            fresh = httpx.post(
                url + OPENAI, json=BODY, headers={**headers, "Idempotency-Key": "retry-2"}
            )
        assert first.status_code == again.status_code == 200
        assert again.content == first.content
        assert again.headers["x-request-id"] == first.headers["x-request-id"]
        assert again.headers["idempotent-replayed"] == "true"
        assert other.status_code == 400 and other.json()["error"]["param"] == "Idempotency-Key"
        assert fresh.status_code == 200 and fresh.content != first.content
        assert store.ledger.balance(account_id) == MICRO - 2 * PRICE
        assert_ledger_balances(store, account_id)


def test_a_retry_while_the_first_is_running_waits_for_the_same_job(settings):
    engine = SteppedEngine(steps=1, gate=True)
    with accounts(settings) as store:
        account_id, key = funded_key(store, MICRO)
        headers = {"x-api-key": key, "Idempotency-Key": "slow"}
        with running_server(settings, {"design": engine}) as (url, server):
            # The retry finds the first's job still running and takes over the wait for
            # it (JobStore.adopt): seen here, so the first is let finish only then.
            jobs = state_of(server).scheduler.store
            adopted = threading.Event()
            adopt = jobs.adopt

            def adopt_and_tell(job_id: str, caller: str) -> None:
                adopt(job_id, caller)
                adopted.set()

            jobs.adopt = adopt_and_tell

            async def both() -> list[httpx.Response]:
                async with httpx.AsyncClient(base_url=url, timeout=120) as client:
                    first = asyncio.ensure_future(client.post(OPENAI, json=BODY, headers=headers))
                    assert await asyncio.to_thread(engine.started.wait, 120)
                    second = asyncio.ensure_future(client.post(OPENAI, json=BODY, headers=headers))
                    assert await asyncio.to_thread(adopted.wait, 120)
                    engine.gate.set()
                    return [await first, await second]

            first, second = asyncio.run(both())
        assert first.status_code == second.status_code == 200
        assert second.headers["idempotent-replayed"] == "true"
        assert second.json()["data"] == first.json()["data"]
        assert len(engine.calls) == 1
        assert store.ledger.balance(account_id) == MICRO - PRICE


def test_a_failed_request_lets_its_idempotency_key_go(settings):
    with accounts(settings) as store:
        account_id, key = funded_key(store, MICRO)
        headers = {"x-api-key": key, "Idempotency-Key": "flaky"}
        with running_server(settings, {"design": FakeEngine(fail=True)}) as (url, _):
            assert httpx.post(url + OPENAI, json=BODY, headers=headers).status_code == 500
        with running_server(settings, {"design": FakeEngine()}) as (url, _):
            retry = httpx.post(url + OPENAI, json=BODY, headers=headers)
        assert retry.status_code == 200
        assert "idempotent-replayed" not in retry.headers
        assert store.ledger.balance(account_id) == MICRO - PRICE
