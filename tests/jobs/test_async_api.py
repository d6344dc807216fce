"""Segmind's async API: submit, poll, fetch, list, cancel, expire; one account's jobs only."""

from __future__ import annotations

import base64
import io
import threading
import time

import httpx
import pytest
from PIL import Image

from tests.conftest import API_KEY, TEST_CREDITS, make_settings, running_server
from tests.fakes import FakeEngine, SteppedEngine

BODY = {"prompt": "a lighthouse", "size": "256x256", "quality": "low"}


def wait_for(client: httpx.Client, request_id: str, statuses: set[str], timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/v2/requests/{request_id}/status")
        if status.json()["status"] in statuses:
            return status
        time.sleep(0.05)
    raise AssertionError(f"{request_id} never reached {statuses}: {status.json()}")


def test_submit_poll_and_fetch(client, engine):
    submitted = client.post("/v2/gpt-image-1", json={**BODY, "n": 2})
    assert submitted.status_code == 200
    job = submitted.json()
    assert job["status"] == "QUEUED"
    request_id = job["request_id"]
    assert len(request_id) >= 32
    base = str(client.base_url).rstrip("/")
    assert job["status_url"] == f"{base}/v2/requests/{request_id}/status"
    assert job["response_url"] == f"{base}/v2/requests/{request_id}"
    assert job["poll_url"] == f"{base}/v1/requests/{request_id}"
    held = float(submitted.headers["x-remaining-credits"])
    assert held < TEST_CREDITS  # the price is held at submit

    processing = wait_for(client, request_id, {"PROCESSING"})
    assert 0 <= processing.json()["progress"] < 1
    engine.gate.set()
    done = wait_for(client, request_id, {"COMPLETED"})
    assert done.json()["progress"] == 1.0

    for url in (job["response_url"], job["poll_url"]):
        answer = client.get(url)
        assert answer.status_code == 200
        body = answer.json()
        assert body["status"] == "COMPLETED"
        assert body["metrics"]["queue_seconds"] >= 0 and body["metrics"]["run_seconds"] >= 0
        output = body["output"]
        assert [image["index"] for image in output["images"]] == [0, 1]
        seeds = [image["seed"] for image in output["images"]]
        assert seeds[1] == seeds[0] + 1 == output["parameters"]["seed"] + 1
        for image in output["images"]:
            picture = Image.open(io.BytesIO(base64.b64decode(image["b64_json"])))
            assert picture.size == (256, 256) and picture.format == "PNG"
            assert image["size"] == "256x256" and image["output_format"] == "png"
        assert output["parameters"]["quality"] == "low"
        assert output["usage"]["output_tokens"] > 0
        charged = float(output["credits"])
        assert charged > 0
        assert float(answer.headers["x-remaining-credits"]) == pytest.approx(TEST_CREDITS - charged)


def test_another_accounts_key_gets_404_everywhere(client, other, engine):
    request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
    for method, path in [
        ("GET", f"/v2/requests/{request_id}/status"),
        ("GET", f"/v2/requests/{request_id}"),
        ("GET", f"/v1/requests/{request_id}"),
        ("GET", f"/v2/requests/{request_id}/events"),
        ("DELETE", f"/v2/requests/{request_id}"),
    ]:
        response = other.request(method, path)
        assert response.status_code == 404, path
        assert "error" in response.json()
    assert request_id not in str(other.get("/v2/requests").json())
    engine.gate.set()
    wait_for(client, request_id, {"COMPLETED"})
    assert other.get(f"/v2/requests/{request_id}").status_code == 404
    # Unknown ids look the same as other accounts' ids.
    assert client.get("/v2/requests/req_" + "0" * 32).status_code == 404


def test_cancel_a_queued_job_it_never_starts_and_costs_nothing(job_settings):
    engine = SteppedEngine(steps=2, gate=True)
    settings = job_settings.model_copy(update={"max_concurrent_renders": 1})
    with running_server(settings, {"design": engine}) as (url, _):
        client = httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY})
        before = float(client.get("/v1/get-user-credits").json()["credits"])
        first = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        wait_for(client, first, {"PROCESSING"})
        second = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        status = client.get(f"/v2/requests/{second}/status").json()
        assert status["status"] == "QUEUED" and status["queue_position"] == 0
        cancelled = client.delete(f"/v2/requests/{second}")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
        engine.gate.set()
        wait_for(client, first, {"COMPLETED"})
        time.sleep(0.3)
        assert len(engine.calls) == 1  # the cancelled job never ran
        answer = client.get(f"/v2/requests/{second}")
        assert answer.status_code == 200 and answer.json()["status"] == "CANCELLED"
        charged = float(client.get(f"/v2/requests/{first}").json()["output"]["credits"])
        after = float(client.get("/v1/get-user-credits").json()["credits"])
        assert after == pytest.approx(before - charged)
        client.close()


def test_cancel_a_running_job_stops_it_at_its_next_step_and_releases(client, engine):
    before = float(client.get("/v1/get-user-credits").json()["credits"])
    request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
    wait_for(client, request_id, {"PROCESSING"})
    cancelled = client.delete(f"/v2/requests/{request_id}")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "CANCELLED"  # as promised, though it stops later
    engine.gate.set()
    wait_for(client, request_id, {"CANCELLED"})
    assert not engine.finished.is_set()  # stopped between steps, never finished
    after = float(client.get("/v1/get-user-credits").json()["credits"])
    assert after == pytest.approx(before)


class SilentEngine(FakeEngine):
    """Renders without a progress report: a cancel is seen only once the images exist."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def generate(self, spec, progress=None):
        self.started.set()
        if not self.gate.wait(60):
            raise RuntimeError("the test never opened the gate")
        return super().generate(spec)


def test_a_job_cancelled_while_its_engine_finishes_is_cancelled_and_free(job_settings):
    """DELETE answered CANCELLED: the images the engine made meanwhile are not charged."""
    engine = SilentEngine()
    with (
        running_server(job_settings, {"design": engine}) as (url, _),
        httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY}) as client,
    ):
        before = float(client.get("/v1/get-user-credits").json()["credits"])
        request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        assert engine.started.wait(30)
        assert client.delete(f"/v2/requests/{request_id}").json()["status"] == "CANCELLED"
        engine.gate.set()
        wait_for(client, request_id, {"CANCELLED", "COMPLETED"})
        assert client.get(f"/v2/requests/{request_id}").json()["status"] == "CANCELLED"
        after = float(client.get("/v1/get-user-credits").json()["credits"])
        assert after == pytest.approx(before)


def test_cancel_a_finished_job_is_409_and_changes_nothing(client, engine):
    engine.gate.set()
    request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
    wait_for(client, request_id, {"COMPLETED"})
    balance = client.get("/v1/get-user-credits").json()["credits"]
    response = client.delete(f"/v2/requests/{request_id}")
    assert response.status_code == 409
    assert response.json()["param"] == "request_id"
    assert client.get(f"/v2/requests/{request_id}").json()["status"] == "COMPLETED"
    assert client.get("/v1/get-user-credits").json()["credits"] == balance


def test_a_failed_job_answers_422_with_its_error_and_costs_nothing(job_settings):
    with running_server(job_settings, {"design": FakeEngine(fail=True)}) as (url, _):
        client = httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY})
        before = client.get("/v1/get-user-credits").json()["credits"]
        request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        status = wait_for(client, request_id, {"FAILED"})
        assert status.status_code == 422
        for path in (f"/v2/requests/{request_id}", f"/v1/requests/{request_id}"):
            answer = client.get(path)
            assert answer.status_code == 422
            assert answer.json()["status"] == "FAILED" and answer.json()["error"]
        assert client.get("/v1/get-user-credits").json()["credits"] == before
        client.close()


def test_bad_requests_are_refused_at_submit_naming_the_parameter(client):
    response = client.post("/v2/gpt-image-1", json={**BODY, "size": "big"})
    assert response.status_code == 400
    assert response.json()["param"] == "size"
    assert "x-remaining-credits" in response.headers
    assert client.post("/v2/no-such-model", json=BODY).status_code == 404
    broke = client.post("/v2/gpt-image-1", json={**BODY, "n": 10, "quality": "max"})
    assert broke.status_code in (200, 406)


def test_insufficient_credits_is_406_at_submit(job_settings, engine):
    settings = job_settings.model_copy(update={"prices": {"*": {"*": {"*": 5000}}}})
    with running_server(settings, {"design": engine}) as (url, _):
        response = httpx.post(url + "/v2/gpt-image-1", json=BODY, headers={"x-api-key": API_KEY})
        assert response.status_code == 406
        assert response.json()["error"] == "Insufficient credits"
        assert float(response.headers["x-remaining-credits"]) == TEST_CREDITS


def test_listing_is_newest_first_with_paging(client, engine):
    engine.gate.set()
    ids = [client.post("/v2/gpt-image-1", json=BODY).json()["request_id"] for _ in range(3)]
    first = client.get("/v2/requests", params={"limit": 2}).json()
    assert [job["request_id"] for job in first["data"]] == ids[::-1][:2]
    assert first["has_more"] is True
    second = client.get("/v2/requests", params={"limit": 2, "after": first["next_cursor"]}).json()
    assert [job["request_id"] for job in second["data"]] == [ids[0]]
    assert second["has_more"] is False and second["next_cursor"] is None
    assert second["data"][0]["prompt"] == BODY["prompt"]
    assert client.get("/v2/requests", params={"after": "nonsense"}).status_code == 400
    # The cursor needs no escaping: pasted into a URL as it is, it gives the same page.
    pasted = client.get(f"/v2/requests?limit=2&after={first['next_cursor']}")
    assert pasted.status_code == 200, pasted.text
    assert [job["request_id"] for job in pasted.json()["data"]] == [ids[0]]


def test_the_same_idempotency_key_returns_the_same_job(client, engine):
    headers = {"Idempotency-Key": "submit-once"}
    first = client.post("/v2/gpt-image-1", json=BODY, headers=headers)
    second = client.post("/v2/gpt-image-1", json=BODY, headers=headers)
    assert first.json()["request_id"] == second.json()["request_id"]
    assert second.headers["idempotent-replayed"] == "true"
    engine.gate.set()
    wait_for(client, first.json()["request_id"], {"COMPLETED"})
    assert len(engine.calls) == 1
    other_body = client.post("/v2/gpt-image-1", json={**BODY, "n": 2}, headers=headers)
    assert other_body.status_code == 400 and other_body.json()["param"] == "Idempotency-Key"


def test_results_expire_and_then_answer_404(tmp_path):
    settings = make_settings(data_dir=tmp_path, result_retention_seconds=1)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        client = httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY})
        request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        wait_for(client, request_id, {"COMPLETED"})
        assert client.get(f"/v2/requests/{request_id}").status_code == 200
        time.sleep(1.2)
        assert client.get(f"/v2/requests/{request_id}").status_code == 404
        assert client.get(f"/v2/requests/{request_id}/status").status_code == 404
        client.close()


def test_status_polling_has_its_own_rate_limit(tmp_path):
    settings = make_settings(data_dir=tmp_path, status_polls_per_minute=3)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        client = httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY})
        request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
        answers = [client.get(f"/v2/requests/{request_id}/status") for _ in range(4)]
        assert [a.status_code for a in answers[:3]] == [200] * 3
        assert answers[3].status_code == 429
        assert int(answers[3].headers["retry-after"]) >= 1
        # Submitting is not counted against polls.
        assert client.post("/v2/gpt-image-1", json=BODY).status_code == 200
        client.close()


def test_sync_calls_are_jobs_too_and_a_disconnect_cancels_theirs(client, engine):
    results: list[httpx.Response] = []
    thread = threading.Thread(
        target=lambda: results.append(client.post("/v1/images/generations", json=BODY))
    )
    thread.start()
    assert engine.started.wait(10)
    listed = client.get("/v2/requests").json()["data"]
    assert listed[0]["status"] == "PROCESSING"
    engine.gate.set()
    thread.join()
    assert results[0].status_code == 200
    assert results[0].headers["x-request-id"] == listed[0]["request_id"]
