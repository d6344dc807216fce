"""Job events as server-sent events, and OpenAI's streamed partial images."""

from __future__ import annotations

import base64
import io

import httpx
import pytest
from openai import OpenAI
from PIL import Image

from tests.conftest import API_KEY
from tests.jobs.conftest import read_events
from tests.jobs.test_async_api import BODY, wait_for


def test_events_show_status_progress_partials_and_the_result(client, engine):
    job = client.post("/v2/gpt-image-1", json={**BODY, "n": 2, "partial_images": 2}).json()
    engine.gate.set()
    with client.stream("GET", f"/v2/requests/{job['request_id']}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = list(read_events(response))
    kinds = [kind for _, kind, _ in events]
    assert kinds[0] == "status" and kinds[-1] == "completed"
    progress = [data["progress"] for _, kind, data in events if kind == "progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0
    partials = [data for _, kind, data in events if kind == "partial_image"]
    assert sorted((p["index"], p["partial_image_index"]) for p in partials) == [
        (0, 0), (0, 1), (1, 0), (1, 1),
    ]  # fmt: skip
    for partial in partials:
        picture = Image.open(io.BytesIO(base64.b64decode(partial["b64_json"])))
        assert picture.size == (256, 256)
        # A real intermediate state of the fake engine: a red layer, not the final image.
        assert picture.convert("RGB").getpixel((5, 5))[1:] == (0, 0)
    final = events[-1][2]
    assert final["status"] == "COMPLETED" and len(final["output"]["images"]) == 2
    assert all(event_id is not None for event_id, kind, _ in events[1:])


def test_events_resume_from_last_event_id(client, engine):
    job = client.post("/v2/gpt-image-1", json={**BODY, "partial_images": 1}).json()
    engine.gate.set()
    wait_for(client, job["request_id"], {"COMPLETED"})
    url = f"/v2/requests/{job['request_id']}/events"
    # A finished job's stream is its status and its end.
    with client.stream("GET", url) as response:
        assert [kind for _, kind, _ in read_events(response)] == ["status", "completed"]


def test_a_resumed_stream_starts_after_the_last_event_seen(client, engine):
    job = client.post("/v2/gpt-image-1", json={**BODY, "partial_images": 2}).json()
    url = f"/v2/requests/{job['request_id']}/events"
    engine.gate.set()
    with client.stream("GET", url) as response:
        first = list(read_events(response))
    wait_for(client, job["request_id"], {"COMPLETED"})
    ids = [int(event_id) for event_id, _, _ in first if event_id is not None]
    middle = ids[len(ids) // 2]
    # Resuming a finished job gives its end; a running one continues after the id.
    with client.stream("GET", url, headers={"Last-Event-ID": str(middle)}) as response:
        resumed = list(read_events(response))
    assert resumed[-1][1] == "completed"
    assert all(int(i) > middle for i, _, _ in resumed if i is not None)


def test_events_accept_a_signed_token_instead_of_a_key(job_server, client, engine):
    job = client.post("/v2/gpt-image-1", json=BODY).json()
    engine.gate.set()
    url = f"{job_server}/v2/requests/{job['request_id']}/events"
    with httpx.stream("GET", url, params={"token": job["events_token"]}, timeout=30) as response:
        assert response.status_code == 200
        assert list(read_events(response))[-1][1] == "completed"
    other = client.post("/v2/gpt-image-1", json=BODY).json()
    wrong = httpx.get(
        f"{job_server}/v2/requests/{other['request_id']}/events",
        params={"token": job["events_token"]},
    )
    assert wrong.status_code == 401
    assert httpx.get(url, params={"token": "forged"}).status_code == 401
    assert httpx.get(url).status_code == 401


def test_the_openai_sdk_streams_partial_then_completed_images(job_server, engine):
    engine.gate.set()
    sdk = OpenAI(base_url=f"{job_server}/v1", api_key=API_KEY)
    stream = sdk.images.generate(
        prompt="a lighthouse", size="1024x1024", quality="low", stream=True, partial_images=2
    )
    events = list(stream)
    kinds = [event.type for event in events]
    assert kinds == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    assert [e.partial_image_index for e in events[:2]] == [0, 1]
    completed = events[-1]
    assert completed.usage.output_tokens > 0 and completed.size == "1024x1024"
    picture = Image.open(io.BytesIO(base64.b64decode(completed.b64_json)))
    assert picture.size == (1024, 1024)


def test_an_error_after_the_stream_started_ends_it_with_an_error_event(job_settings):
    from tests.conftest import running_server
    from tests.fakes import FakeEngine

    with running_server(job_settings, {"design": FakeEngine(fail=True)}) as (url, _):
        body = {**BODY, "stream": True, "partial_images": 1}
        headers = {"authorization": f"Bearer {API_KEY}"}
        before = httpx.get(url + "/v1/get-user-credits", headers=headers).json()["credits"]
        with httpx.stream(
            "POST", url + "/v1/images/generations", json=body, headers=headers, timeout=30
        ) as response:
            assert response.status_code == 200
            events = list(read_events(response))
        assert events[-1][1] == "error"
        assert events[-1][2]["error"]["code"] == "engine_error"
        after = httpx.get(url + "/v1/get-user-credits", headers=headers).json()["credits"]
        assert after == before


@pytest.mark.parametrize("route", ["/v1/gpt-image-1"])
def test_segmind_v1_refuses_stream_naming_it(client, route):
    response = client.post(route, json={**BODY, "stream": True})
    assert response.status_code == 400 and response.json()["param"] == "stream"
