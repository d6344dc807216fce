"""Renders run off the event loop, a bounded number at a time, and shutdown drains them."""

import threading

import httpx

from tests.conftest import API_KEY, make_settings, running_server
from tests.fakes import FakeEngine, SteppedEngine

BODY = {"prompt": "slow", "size": "256x256"}
HEADERS = {"x-api-key": API_KEY}


def _post_in_thread(url: str, results: list) -> threading.Thread:
    def post() -> None:
        results.append(
            httpx.post(url + "/v1/images/generations", json=BODY, headers=HEADERS, timeout=60)
        )

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def test_a_slow_render_does_not_block_health_checks(tmp_path):
    engine = SteppedEngine(gate=True)
    settings = make_settings(data_dir=tmp_path)
    with running_server(settings, {"design": engine}) as (url, _):
        results: list[httpx.Response] = []
        thread = _post_in_thread(url, results)
        assert engine.started.wait(10)
        health = httpx.get(url + "/healthz", timeout=5)
        assert health.status_code == 200
        assert not engine.finished.is_set()  # answered while the render was held
        engine.gate.set()
        thread.join()
    assert results[0].status_code == 200


def test_renders_are_bounded(tmp_path):
    active = 0
    peak = 0
    lock = threading.Lock()

    class CountingEngine(FakeEngine):
        def generate(self, spec, progress=None):
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
            try:
                return super().generate(spec, progress)
            finally:
                with lock:
                    active -= 1

    # One account may fill every slot here: this test is about the bound, not fairness.
    settings = make_settings(data_dir=tmp_path, max_concurrent_renders=2, account_share=1.0)
    with running_server(settings, {"design": CountingEngine(delay=0.3)}) as (url, _):
        results: list[httpx.Response] = []
        threads = [_post_in_thread(url, results) for _ in range(6)]
        for thread in threads:
            thread.join()
    assert [r.status_code for r in results] == [200] * 6
    assert peak == 2


def test_shutdown_finishes_in_flight_requests(tmp_path):
    engine = FakeEngine(delay=1.0)
    settings = make_settings(data_dir=tmp_path)
    results: list[httpx.Response] = []
    with running_server(settings, {"design": engine}) as (url, server):
        thread = _post_in_thread(url, results)
        assert engine.started.wait(10)
        server.should_exit = True  # what uvicorn does on SIGTERM
        thread.join()
    assert results[0].status_code == 200
    assert results[0].json()["data"][0]["b64_json"]
