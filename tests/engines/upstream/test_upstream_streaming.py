"""Partial images in gateway mode: the upstream's own, streamed to pixmill and passed on.

The fake OpenAI streams real server-sent events (its partials flat grey PNGs of
PARTIAL_SHADES); a real pixmill gateway reads them and streams its own to real clients.
"""

from __future__ import annotations

import base64
import io
import threading

import httpx
import openai
import pytest
from PIL import Image
from tests.api.edit_images import photo
from tests.conftest import API_KEY
from tests.content_credentials import without_manifest
from tests.engines.upstream.fake_upstreams import (
    OPENAI_INPUT_TOKENS,
    PARTIAL_SHADES,
    openai_error,
    picture,
    stream_cut,
    stream_error,
)
from tests.jobs.conftest import read_events
from tests.jobs.test_async_api import wait_for
from tests.openai_schema import check

from pixmill.usage import image_output_tokens

BODY = {"prompt": "a cat", "size": "1024x1024", "quality": "low", "background": "opaque"}


def shade(b64: str) -> tuple[int, ...]:
    """The colour in the middle of a base64 image (the fake's partials are flat)."""
    image = Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB")
    return image.getpixel((image.width // 2, image.height // 2))


def grey(index: int) -> tuple[int, int, int]:
    return (PARTIAL_SHADES[index],) * 3


def credits(client: httpx.Client) -> float:
    return float(client.get("/v1/get-user-credits").json()["credits"])


def job_events(client: httpx.Client, model: str, body: dict) -> list:
    """Submit a job on the async route and read its whole event stream."""
    submitted = client.post(f"/v2/{model}", json=body)
    assert submitted.status_code == 200, submitted.text
    job_id = submitted.json()["request_id"]
    with client.stream("GET", f"/v2/requests/{job_id}/events") as response:
        return list(read_events(response))


def streamed(client: httpx.Client, body: dict) -> tuple[str, list]:
    """pixmill's own stream (OpenAI's form) of a generation: its job id and events."""
    body = {**BODY, "stream": True, **body}
    with client.stream("POST", "/v1/images/generations", json=body) as response:
        assert response.status_code == 200
        return response.headers["x-request-id"], list(read_events(response))


def kinds(events: list) -> list[str]:
    return [kind for _, kind, _ in events]


def error_code(events: list) -> str:
    assert events[-1][1] == "error"
    return events[-1][2]["error"]["code"]


@pytest.fixture
def sdk(gateway: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway + "/v1", api_key=API_KEY, max_retries=0)


def test_the_sdk_gets_the_upstreams_own_partials_then_its_image(sdk, openai_upstream):
    events = list(sdk.images.generate(model="gpt-image-1", stream=True, partial_images=2, **BODY))
    assert [event.type for event in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]
    schemas = ["ImageGenPartialImageEvent"] * 2 + ["ImageGenCompletedEvent"]
    for schema, event in zip(schemas, events, strict=True):
        check(schema, event.model_dump(exclude_unset=True))
    # The partials are the upstream's, in its order: one grey after the other.
    assert [e.partial_image_index for e in events[:2]] == [0, 1]
    assert [shade(e.b64_json) for e in events[:2]] == [grey(0), grey(1)]
    completed = events[-1]
    raw = without_manifest(base64.b64decode(completed.b64_json))
    assert raw == picture("1024x1024", "png", "opaque", 100)
    assert completed.usage.input_tokens == OPENAI_INPUT_TOKENS
    assert completed.usage.output_tokens == image_output_tokens("low", 1024, 1024)
    # The upstream was asked to stream, with the partials asked of pixmill.
    [call] = openai_upstream.calls
    assert (call.body["stream"], call.body["partial_images"], call.body["n"]) == (True, 2, 1)
    [stream] = openai_upstream.streams
    assert stream.ended == "finished"


def test_job_events_show_each_images_partials(client, openai_upstream):
    events = job_events(client, "gpt-image-1", {**BODY, "n": 2, "partial_images": 1})
    partials = [data for _, kind, data in events if kind == "partial_image"]
    assert sorted((p["index"], p["partial_image_index"]) for p in partials) == [(0, 0), (1, 0)]
    assert all(shade(p["b64_json"]) == grey(0) for p in partials)
    assert events[-1][1] == "completed"
    output = events[-1][2]["output"]
    assert len(output["images"]) == 2
    # One streamed call per image (OpenAI's events name no image), usage summed.
    assert [c.body["n"] for c in openai_upstream.calls] == [1, 1]
    assert all(c.body["stream"] is True for c in openai_upstream.calls)
    assert output["usage"]["input_tokens"] == 2 * OPENAI_INPUT_TOKENS
    assert output["usage"]["output_tokens"] == 2 * image_output_tokens("low", 1024, 1024)


def test_a_streamed_edit_passes_on_the_upstreams_partials(sdk, openai_upstream):
    events = list(
        sdk.images.edit(
            model="gpt-image-1",
            image=("a.png", photo(), "image/png"),
            prompt="put it on a marble counter",
            size="1024x1024",
            quality="low",
            stream=True,
            partial_images=1,
        )
    )
    assert [event.type for event in events] == ["image_edit.partial_image", "image_edit.completed"]
    check("ImageEditPartialImageEvent", events[0].model_dump(exclude_unset=True))
    assert shade(events[0].b64_json) == grey(0)
    [call] = openai_upstream.calls
    assert call.path == "/v1/images/edits"
    assert (call.body["stream"], call.body["partial_images"]) == ("true", "1")
    assert [f.data for f in call.files] == [photo()]


def test_an_error_event_mid_stream_fails_the_call_and_releases_its_credits(client, openai_upstream):
    openai_upstream.then(stream_error(after=1))
    before = credits(client)
    job_id, events = streamed(client, {"partial_images": 2})
    assert kinds(events) == ["image_generation.partial_image", "error"]
    assert error_code(events) == "upstream_error"
    assert "broke" not in events[-1][2]["error"]["message"]  # the upstream's words stay there
    assert client.get(f"/v2/requests/{job_id}").status_code == 422  # FAILED
    assert credits(client) == pytest.approx(before)


def test_a_stream_that_ends_before_its_image_is_a_502(client, openai_upstream):
    openai_upstream.then(stream_cut(after=2))
    before = credits(client)
    _, events = streamed(client, {"partial_images": 2})
    assert kinds(events).count("image_generation.partial_image") == 2
    assert error_code(events) == "upstream_error"
    assert credits(client) == pytest.approx(before)


def test_upstream_moderation_mid_stream_is_moderation_blocked(client, openai_upstream):
    openai_upstream.then(stream_error(after=1, code="moderation_blocked", message="no"))
    _, events = streamed(client, {"partial_images": 1})
    assert error_code(events) == "moderation_blocked"


def test_a_stream_that_stalls_times_out_per_event(client, openai_upstream):
    openai_upstream.paced = threading.Semaphore(0)  # the first event, then nothing
    before = credits(client)
    _, events = streamed(client, {"model": "openai-quick-timeout", "partial_images": 2})
    assert kinds(events).count("image_generation.partial_image") == 1
    assert error_code(events) == "upstream_timeout"
    assert credits(client) == pytest.approx(before)


def test_a_retry_after_answer_is_retried_before_the_stream_starts(client, openai_upstream):
    openai_upstream.then(openai_error(429, "slow down", headers={"retry-after": "0"}))
    _, events = streamed(client, {"partial_images": 1})
    assert kinds(events) == ["image_generation.partial_image", "image_generation.completed"]
    assert len(openai_upstream.calls) == 2 and len(openai_upstream.streams) == 1


def test_cancel_stops_reading_the_upstreams_stream(client, openai_upstream):
    openai_upstream.paced = threading.Semaphore(0)
    before = credits(client)
    submitted = client.post("/v2/gpt-image-1", json={**BODY, "partial_images": 3}).json()
    job_id = submitted["request_id"]
    with client.stream("GET", f"/v2/requests/{job_id}/events") as response:
        for _, kind, _ in read_events(response):
            if kind == "partial_image":
                break  # the first partial reached the job: its stream is open, held
    assert client.delete(f"/v2/requests/{job_id}").status_code == 200
    openai_upstream.paced.release()  # one more partial: pixmill then stops reading
    [stream] = openai_upstream.streams
    assert stream.over.wait(30)
    assert stream.ended == "abandoned"
    assert stream.sent == ["image_generation.partial_image"] * 2
    wait_for(client, job_id, {"CANCELLED"})
    assert credits(client) == pytest.approx(before)


def test_without_partials_the_upstream_is_not_asked_to_stream(client, openai_upstream):
    plain = client.post("/v1/images/generations", json=BODY)
    assert plain.status_code == 200, plain.text
    # pixmill's own stream with no partials asked for needs none from the upstream.
    assert kinds(streamed(client, {})[1]) == ["image_generation.completed"]
    assert len(openai_upstream.calls) == 2
    assert all(
        "stream" not in c.body and "partial_images" not in c.body for c in openai_upstream.calls
    )
    assert openai_upstream.streams == []


def test_segmind_is_never_streamed(client, segmind_upstream):
    events = job_events(client, "segmind-gpt-image-1", {**BODY, "partial_images": 2})
    assert kinds(events)[-1] == "completed" and "partial_image" not in kinds(events)
    [call] = segmind_upstream.calls
    assert "stream" not in call.body and "partial_images" not in call.body
