"""Retries honouring Retry-After, their bound, timeouts, and a slow upstream among others."""

from __future__ import annotations

import email.utils
import threading
import time

import httpx
from tests.conftest import API_KEY
from tests.engines.upstream.fake_upstreams import openai_error, segmind_error

OPENAI = "/v1/images/generations"
BODY = {"prompt": "a cat", "size": "1024x1024"}


def test_429_and_5xx_are_retried_waiting_what_retry_after_asks(client, openai_upstream):
    openai_upstream.then(
        openai_error(503, "The server is overloaded.", type="server_error",
                     headers={"retry-after": "0.2"}),
        openai_error(429, "Rate limit reached for images.", type="requests",
                     code="rate_limit_exceeded", headers={"retry-after-ms": "100"}),
    )  # fmt: skip
    started = time.perf_counter()
    response = client.post(OPENAI, json=BODY)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.text
    assert len(openai_upstream.calls) == 3
    assert elapsed >= 0.3  # 0.2 s, then 0.1 s, as the upstream asked


def test_an_http_date_retry_after_is_honoured(client, segmind_upstream):
    soon = email.utils.formatdate(time.time() + 1, usegmt=True)
    segmind_upstream.then(segmind_error(500, "Server Error", headers={"retry-after": soon}))
    response = client.post("/v1/segmind-gpt-image-1", json=BODY)
    assert response.status_code == 200, response.text
    assert len(segmind_upstream.calls) == 2


def test_retries_are_bounded_then_502(client, openai_upstream):
    failing = openai_error(500, "The server had an error.", type="server_error")
    openai_upstream.then(*[failing] * 5)
    response = client.post(OPENAI, json=BODY)
    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_error"
    assert "x-cost" not in response.headers
    assert len(openai_upstream.calls) == 3  # the first attempt and max_retries=2


def test_a_retry_after_beyond_max_backoff_fails_at_once(client, openai_upstream):
    openai_upstream.then(
        openai_error(429, "Rate limit reached.", code="rate_limit_exceeded",
                     headers={"retry-after": "60"}),
    )  # fmt: skip
    started = time.perf_counter()
    response = client.post(OPENAI, json=BODY | {"model": "openai-patient"})
    assert response.status_code == 502
    assert "rate limiting" in response.json()["error"]["message"]
    assert len(openai_upstream.calls) == 1
    assert time.perf_counter() - started < 2


def test_a_timeout_is_a_504_in_either_dialect(client, openai_upstream):
    openai_upstream.held.set()  # the upstream never answers: only the 0.3 s timeout ends it
    response = client.post(OPENAI, json=BODY | {"model": "openai-quick-timeout"})
    assert response.status_code == 504
    assert response.json()["error"]["code"] == "upstream_timeout"
    assert len(openai_upstream.calls) == 1  # a read timeout is not retried

    response = client.post("/v1/openai-quick-timeout", json=BODY)
    assert response.status_code == 504
    assert "in time" in response.json()["error"]


def test_an_unreachable_upstream_is_retried_then_502(client):
    response = client.post(OPENAI, json=BODY | {"model": "openai-unreachable"})
    assert response.status_code == 502
    assert "could not be reached" in response.json()["error"]["message"]


def test_a_slow_upstream_does_not_hold_other_requests(gateway, client, openai_upstream):
    """Six slow upstream calls run at once (not two by two in the render slots), and a local
    render and a Segmind request go through while they wait."""
    # First calls pay one-time costs (the moderation model, the signing key): pay them now.
    local_body = {"model": "design", "prompt": "a cat", "size": "256x256"}
    assert client.post(OPENAI, json=local_body).status_code == 200
    assert client.post("/v1/segmind-gpt-image-1", json=BODY).status_code == 200
    openai_upstream.reset()
    openai_upstream.held.set()
    # A long read timeout: the six must still be waiting when the other two have answered.
    held = BODY | {"model": "openai-long-timeout"}
    results: list[httpx.Response] = []

    def post() -> None:
        results.append(
            httpx.post(gateway + OPENAI, json=held, headers={"x-api-key": API_KEY}, timeout=150)
        )

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(openai_upstream.calls) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(openai_upstream.calls) == 6  # all six waiting upstream at the same time

    # While the six are still held upstream, a local render and a Segmind call go through.
    local = client.post(OPENAI, json=local_body)
    other = client.post("/v1/segmind-gpt-image-1", json=BODY)
    assert local.status_code == 200 and other.status_code == 200
    assert results == []
    openai_upstream.held.clear()

    for thread in threads:
        thread.join()
    assert [r.status_code for r in results] == [200] * 6
    # All six were upstream at once (above): not two by two in the render slots.
