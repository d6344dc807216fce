"""Dependencies away: PostgreSQL and Redis behind a TCP proxy on loopback the test kills.

While the database is away, every route that needs it answers 503 `service_unavailable`
with `Retry-After` in its dialect (it was a generic 500), `/readyz` says 503 and
`/healthz` stays 200; when it is back, so is service. Redis matters to readiness only
when rate limits fail closed.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pixmill.settings import Settings
from tests.conftest import API_KEY, make_settings, postgres_schema, running_server
from tests.fakes import FakeEngine
from tests.tcp_proxy import TcpProxy, tcp_proxy

TOKEN = "admin-token-for-outages"
OPENAI = "/v1/images/generations"
SEGMIND = "/v1/gpt-image-1"
BODY = {"prompt": "a red fox", "size": "256x256", "quality": "low"}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[TcpProxy, Settings]]:
    """Settings whose PostgreSQL is reached through a proxy, and the proxy."""
    with postgres_schema() as url, tcp_proxy("127.0.0.1", 5432) as proxy:
        proxied = url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
        yield proxy, make_settings(data_dir=tmp_path, database_url=proxied, admin_token=TOKEN)


def client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=30, headers={"x-api-key": API_KEY})


def wait_until(check, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.1)


def test_the_database_away_is_a_503_with_retry_after_in_each_dialect(database, caplog):
    proxy, settings = database
    caplog.set_level(logging.DEBUG)
    with running_server(settings, {"design": FakeEngine()}) as (url, _), client(url) as http:
        # 1. Up: served, and ready.
        assert http.post(OPENAI, json=BODY).status_code == 200
        assert http.get("/readyz").json() == {
            "status": "ok",
            "checks": {"database": "ok"},
            "queues_without_workers": [],  # this server works its own queues
        }

        # 2. Away: each route that needs the database says so, quickly.
        proxy.kill()
        started = time.monotonic()
        openai = http.post(OPENAI, json=BODY)
        assert openai.status_code == 503, openai.text
        assert openai.json()["error"]["code"] == "service_unavailable"
        assert openai.headers["retry-after"] == "5"
        segmind = http.post(SEGMIND, json=BODY)
        assert segmind.status_code == 503, segmind.text
        assert set(segmind.json()) == {"error"}
        assert segmind.headers["retry-after"] == "5"
        credits = http.get("/v1/get-user-credits")
        assert (credits.status_code, credits.headers["retry-after"]) == (503, "5")
        admin = http.get("/admin/accounts", headers={"authorization": f"Bearer {TOKEN}"})
        assert admin.status_code == 503, admin.text
        ready = http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "unavailable"}
        assert ready.headers["retry-after"] == "5"
        assert http.get("/healthz").status_code == 200
        assert time.monotonic() - started < 15

        # 3. Back: ready again, and served.
        proxy.restore()
        wait_until(lambda: http.get("/readyz").status_code == 200)
        assert http.post(OPENAI, json=BODY).status_code == 200
    digest = hashlib.sha256(API_KEY.encode()).hexdigest()
    assert digest not in caplog.text
    assert "unhandled error" not in caplog.text


@pytest.fixture
def redis() -> Iterator[TcpProxy]:
    with tcp_proxy("127.0.0.1", 6379) as proxy:
        yield proxy


def unchecked(url: str) -> float:
    for line in httpx.get(url + "/metrics").text.splitlines():
        if line.startswith("pixmill_rate_limit_unchecked_total "):
            return float(line.split()[1])
    raise AssertionError("no pixmill_rate_limit_unchecked_total metric")


def test_redis_away_under_fail_closed_is_a_503_and_not_ready(tmp_path, redis):
    settings = make_settings(
        data_dir=tmp_path,
        rate_limit_storage=f"redis://127.0.0.1:{redis.port}/0",
        rate_limit_fail_closed=True,
        requests_per_minute=1000,
    )
    with running_server(settings, {"design": FakeEngine()}) as (url, _), client(url) as http:
        assert http.post(OPENAI, json=BODY).status_code == 200
        assert http.get("/readyz").json()["checks"] == {"database": "ok", "rate_limits": "ok"}
        redis.kill()
        refused = http.post(OPENAI, json=BODY)
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["code"] == "service_unavailable"
        assert refused.headers["retry-after"] == "5"
        ready = http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "ok", "rate_limits": "unavailable"}
        redis.restore()
        wait_until(lambda: http.get("/readyz").status_code == 200)
        assert http.post(OPENAI, json=BODY).status_code == 200
        assert unchecked(url) == 0


def test_redis_away_by_default_lets_requests_through_and_counts_them(tmp_path, redis):
    settings = make_settings(
        data_dir=tmp_path,
        rate_limit_storage=f"redis://127.0.0.1:{redis.port}/0",
        requests_per_minute=1000,
    )
    with running_server(settings, {"design": FakeEngine()}) as (url, _), client(url) as http:
        assert http.post(OPENAI, json=BODY).status_code == 200
        assert unchecked(url) == 0
        redis.kill()
        for _ in range(2):
            assert http.post(OPENAI, json=BODY).status_code == 200
        assert unchecked(url) == 2
        # Redis is not checked for readiness: its outage takes no replica out of service.
        assert http.get("/readyz").json() == {
            "status": "ok",
            "checks": {"database": "ok"},
            "queues_without_workers": [],  # this server works its own queues
        }
