"""An API-only replica whose model no live worker serves: ready, but says which queues
lack a worker; sync and streamed calls get a 503 with Retry-After after a bounded wait,
nothing held; async calls queue, and a worker that starts later takes them."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack

import httpx
import pytest

from tests.conftest import API_KEY, TEST_CREDITS, make_settings, running_server
from tests.fakes import FakeEngine
from tests.jobs.test_recovery import KEY, deployment
from tests.processes import Process, environment, free_port, running, serve

BODY = {"prompt": "a lighthouse", "size": "256x256", "quality": "low"}


def balance(client: httpx.Client) -> float:
    return float(client.get("/v1/get-user-credits").json()["credits"])


def test_without_a_live_worker_sync_calls_get_503_and_async_calls_queue(tmp_path):
    settings = make_settings(data_dir=tmp_path, worker=False, no_worker_wait_seconds=0)
    with (
        running_server(settings, {"design": FakeEngine()}) as (url, _),
        httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY}) as client,
    ):
        ready = client.get("/readyz")
        assert ready.status_code == 200
        [queue] = ready.json()["queues_without_workers"]
        assert queue.startswith(settings.jobs_namespace + ".")

        calls = [
            ("/v1/images/generations", {**BODY, "model": "gpt-image-1"}),
            ("/v1/images/generations", {**BODY, "model": "gpt-image-1", "stream": True}),
            ("/v1/gpt-image-1", BODY),
        ]
        for path, body in calls:
            refused = client.post(path, json=body)
            assert refused.status_code == 503, (path, refused.text)
            assert refused.headers["retry-after"] == "15"
            assert "No worker serves model 'gpt-image-1'" in refused.text
        assert balance(client) == TEST_CREDITS  # nothing held

        queued = client.post("/v2/gpt-image-1", json=BODY)
        assert queued.status_code == 200, queued.text
        assert queued.json()["status"] == "QUEUED"


@pytest.mark.slow
def test_a_worker_that_starts_during_the_wait_takes_the_sync_call(tmp_path):
    """Real processes on PostgreSQL: an API-only `pixmill serve`, then a `pixmill worker`,
    whose `--metrics-port` serves the metrics of the jobs it ran."""
    with ExitStack() as stack:
        _, shared = deployment(stack)
        api = serve(
            tmp_path / "api.log", worker="false", no_worker_wait_seconds="120",
            data_dir=str(tmp_path / "api"), **shared,
        )  # fmt: skip
        headers = {"x-api-key": KEY}
        with running(api):
            ready = httpx.get(api.url + "/readyz").json()
            assert ready["queues_without_workers"] != []
            answers: list[httpx.Response] = []
            call = threading.Thread(
                target=lambda: answers.append(
                    httpx.post(api.url + "/v1/gpt-image-1", json=BODY, headers=headers,
                               timeout=180)
                )
            )  # fmt: skip
            call.start()
            queued = httpx.post(api.url + "/v2/gpt-image-1", json=BODY, headers=headers)
            assert queued.json()["status"] == "QUEUED"
            port = free_port()
            late = Process(
                ["worker", "--metrics-port", str(port)],
                environment(worker_id="w-late", **shared), tmp_path / "worker.log", None,
            )  # fmt: skip
            with running(late):
                call.join(timeout=180)
                assert answers and answers[0].status_code == 200, answers
                assert answers[0].json()["data"][0]["b64_json"]
                deadline = time.monotonic() + 60
                while httpx.get(api.url + "/readyz").json()["queues_without_workers"]:
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
                status_url = f"{api.url}/v2/requests/{queued.json()['request_id']}/status"
                while httpx.get(status_url, headers=headers).json()["status"] != "COMPLETED":
                    assert time.monotonic() < deadline
                    time.sleep(0.2)
                # A job is counted where it ends: the async one in the worker, the sync one
                # in the API process that handed its result to the caller.
                completed = 'pixmill_jobs_total{model="gpt-image-1",status="COMPLETED"} 1.0'
                scraped = httpx.get(f"http://127.0.0.1:{port}/metrics").text
                assert completed in scraped
                assert 'pixmill_job_run_seconds_count{model="gpt-image-1"} 1.0' in scraped
                assert completed in httpx.get(api.url + "/metrics").text
                assert "pixmill_live_workers 1.0" in scraped
