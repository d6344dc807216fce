"""Per-key rate limits through the real server: both dialects' 429s, and Redis shared by servers."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from pixmill.accounts.store import AccountStore
from pixmill.settings import Settings
from pixmill.usage import MICRO
from tests.conftest import running_server
from tests.fakes import FakeEngine

OPENAI = "/v1/images/generations"
SEGMIND = "/v1/gpt-image-1"
BODY = {"prompt": "a kite", "size": "256x256", "quality": "low"}
REDIS = "redis://127.0.0.1:6379/0"


def keyed(settings: Settings, **limits: int) -> tuple[AccountStore, str, str]:
    store = AccountStore.open(settings)
    store.db.upgrade()
    account_id = store.keys.create_account("limited", 10 * MICRO)
    return store, account_id, store.keys.create_key(account_id, "limited", **limits).secret


def test_openai_429_carries_retry_after_and_ratelimit_headers(tmp_path):
    settings = Settings(data_dir=tmp_path, requests_per_minute=2, _env_file=None)
    store, account_id, key = keyed(settings)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        answers = [
            httpx.post(url + OPENAI, json=BODY, headers={"x-api-key": key}) for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit-requests"] == "2"
    assert answers[0].headers["x-ratelimit-remaining-requests"] == "1"
    refused = answers[2]
    assert refused.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining-requests"] == "0"
    assert refused.headers["x-remaining-credits"]
    # Refused before anything was reserved, and recorded.
    assert store.ledger.balance(account_id) == 10 * MICRO - 2 * _price(store)
    record = store.usage.get(refused.headers["x-request-id"])
    assert record is not None and record.outcome == "rate_limit_exceeded"
    store.db.dispose()


def test_segmind_429_says_when_the_limit_resets(tmp_path):
    settings = Settings(data_dir=tmp_path, _env_file=None)
    store, _, key = keyed(settings, images_per_minute=3)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        first = httpx.post(url + SEGMIND, json={**BODY, "n": 2}, headers={"x-api-key": key})
        refused = httpx.post(url + SEGMIND, json={**BODY, "n": 2}, headers={"x-api-key": key})
        single = httpx.post(url + SEGMIND, json=BODY, headers={"x-api-key": key})
    assert (first.status_code, refused.status_code, single.status_code) == (200, 429, 200)
    assert isinstance(refused.json()["error"], str)
    reset = datetime.fromisoformat(refused.headers["x-rate-limit-reset-at-utc"])
    assert reset.tzinfo is not None
    assert 0 < (reset - datetime.now(UTC)).total_seconds() <= 61
    store.db.dispose()


def test_redis_counters_are_shared_by_servers(tmp_path):
    """Two processes' worth of servers on one database and one Redis: one budget per key."""
    settings = Settings(
        data_dir=tmp_path, requests_per_minute=3, rate_limit_storage=REDIS, _env_file=None
    )
    store, _, key = keyed(settings)
    with (
        running_server(settings, {"design": FakeEngine()}) as (one, _),
        # Two apps in one process each need a jobs namespace of their own.
        running_server(
            settings.model_copy(update={"jobs_namespace": "two"}), {"design": FakeEngine()}
        ) as (two, _),
    ):
        statuses = [
            httpx.post(url + OPENAI, json=BODY, headers={"x-api-key": key}).status_code
            for url in (one, two, one, two)
        ]
    assert statuses == [200, 200, 200, 429]
    store.db.dispose()


@pytest.mark.parametrize("storage", ["memory://", REDIS])
def test_keys_are_limited_separately(tmp_path, storage):
    settings = Settings(
        data_dir=tmp_path, requests_per_minute=1, rate_limit_storage=storage, _env_file=None
    )
    store, account_id, first = keyed(settings)
    second = store.keys.create_key(account_id, "other").secret
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        statuses = [
            httpx.post(url + OPENAI, json=BODY, headers={"x-api-key": key}).status_code
            for key in (first, second, first)
        ]
    assert statuses == [200, 200, 429]
    store.db.dispose()


def _price(store: AccountStore) -> int:
    return store.prices.price("gpt-image-1", "low", 256, 256, 1)
