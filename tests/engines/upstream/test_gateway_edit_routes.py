"""Edits through a real gateway server to the fake providers: sync, streamed and async."""

from __future__ import annotations

import base64

import openai
import pytest
from tests.api.edit_images import decoded, mask, photo
from tests.conftest import API_KEY
from tests.engines.upstream.fake_upstreams import OPENAI_EDITS_PATH, OPENAI_VARIATIONS_PATH
from tests.jobs.test_async_api import wait_for

PROMPT = "put it on a marble counter"


def test_openai_sdk_edit_through_the_gateway(gateway, openai_upstream):
    sdk = openai.OpenAI(base_url=gateway + "/v1", api_key=API_KEY, max_retries=0)
    result = sdk.images.edit(
        model="gpt-image-1",
        image=[("a.png", photo(), "image/png"), ("b.png", photo(300, 300), "image/png")],
        prompt=PROMPT,
        size="1024x1024",
        quality="low",
    )
    assert decoded(result.data[0].b64_json).size == (1024, 1024)
    [call] = openai_upstream.calls
    assert call.path == OPENAI_EDITS_PATH
    assert [f.data for f in call.files] == [photo(), photo(300, 300)]


def test_streamed_edit_through_the_gateway(gateway, openai_upstream):
    sdk = openai.OpenAI(base_url=gateway + "/v1", api_key=API_KEY, max_retries=0)
    events = list(
        sdk.images.edit(
            image=("a.png", photo(512, 384), "image/png"),
            mask=("m.png", mask(512, 384, (0, 0, 100, 100)), "image/png"),
            prompt=PROMPT,
            quality="low",
            stream=True,
        )
    )
    assert [event.type for event in events] == ["image_edit.completed"]
    assert decoded(events[0].b64_json).size == (512, 384)
    assert {f.field for f in openai_upstream.calls[0].files} == {"image", "mask"}


def test_async_segmind_edit_through_the_gateway(client, segmind_upstream):
    body = {"prompt": PROMPT, "image_urls": [base64.b64encode(photo()).decode()], "quality": "low"}
    submitted = client.post("/v2/segmind-gpt-image-1-edit", json=body)
    assert submitted.status_code == 200, submitted.text
    job_id = submitted.json()["request_id"]
    wait_for(client, job_id, {"COMPLETED"})
    output = client.get(f"/v2/requests/{job_id}").json()["output"]
    assert output["images"][0]["b64_json"]
    [call] = segmind_upstream.calls
    assert call.path == "/v1/gpt-image-1-edit"
    assert base64.b64decode(call.body["image_urls"][0]) == photo()


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
def test_openai_sdk_variation_is_forwarded(gateway, openai_upstream):
    sdk = openai.OpenAI(base_url=gateway + "/v1", api_key=API_KEY, max_retries=0)
    result = sdk.images.create_variation(
        model="gpt-image-1", image=("a.png", photo(), "image/png"), n=2, size="1024x1024",
        response_format="b64_json",
    )  # fmt: skip
    assert [decoded(datum.b64_json).size for datum in result.data] == [(1024, 1024)] * 2
    [call] = openai_upstream.calls
    assert call.path == OPENAI_VARIATIONS_PATH
    assert [(f.field, f.data) for f in call.files] == [("image", photo())]
    assert "prompt" not in call.body
    assert (call.body["n"], call.body["size"]) == ("2", "1024x1024")


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
def test_segmind_gateway_cannot_vary(gateway):
    sdk = openai.OpenAI(base_url=gateway + "/v1", api_key=API_KEY, max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.images.create_variation(
            model="segmind-gpt-image-1", image=("a.png", photo(), "image/png")
        )
    assert refused.value.body["param"] == "model"
