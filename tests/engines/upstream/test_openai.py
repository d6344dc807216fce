"""Gateway mode with OpenAI upstream: every parameter forwarded, its answer passed back."""

from __future__ import annotations

import base64
import io

import openai
import pytest
from PIL import Image
from tests.conftest import API_KEY
from tests.content_credentials import without_manifest
from tests.engines.upstream.fake_upstreams import (
    OPENAI_INPUT_TOKENS,
    OPENAI_KEY,
    openai_error,
    openai_success,
    picture,
)

OPENAI = "/v1/images/generations"


def decoded(item: dict) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(item["b64_json"])))
    image.load()
    return image


def test_a_generation_is_forwarded_and_its_answer_passed_back(client, openai_upstream):
    body = {
        "model": "gpt-image-1",
        "prompt": "a poster for a jazz night",
        "size": "1024x1536",
        "quality": "high",
        "background": "opaque",
        "moderation": "low",
        "user": "end-user-7",
    }
    response = client.post(OPENAI, json=body)
    assert response.status_code == 200, response.text
    [call] = openai_upstream.calls
    assert call.path == "/v1/images/generations"
    assert call.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert call.body == {
        "model": "gpt-image-1",
        "prompt": "a poster for a jazz night",
        "n": 1,
        "size": "1024x1536",
        "quality": "high",
        "background": "opaque",
        "moderation": "low",
        "output_format": "png",
        "user": "end-user-7",
    }
    answer = response.json()
    assert (answer["size"], answer["quality"], answer["background"], answer["output_format"]) == (
        "1024x1536",
        "high",
        "opaque",
        "png",
    )
    usage = answer["usage"]
    assert usage["input_tokens"] == OPENAI_INPUT_TOKENS
    assert usage["output_tokens"] == 6240
    # The upstream's bytes reach the client as they are: no decode, no re-encode.
    raw = base64.b64decode(answer["data"][0]["b64_json"])
    assert without_manifest(raw) == picture("1024x1536", "png", "opaque", 100)
    assert decoded(answer["data"][0]).size == (1024, 1536)
    # What the client is charged is the accounts layer's business (x-cost); what the
    # upstream charged is on the result (test_upstream_service.py).
    assert float(response.headers["x-cost"]) > 0


def test_auto_values_are_resolved_before_forwarding(client, openai_upstream):
    response = client.post(OPENAI, json={"prompt": "a wide banner for a coffee shop"})
    assert response.status_code == 200, response.text
    [call] = openai_upstream.calls
    assert (call.body["size"], call.body["quality"], call.body["background"]) == (
        "1536x1024",
        "medium",
        "opaque",
    )
    assert response.json()["size"] == "1536x1024"


def test_jpeg_and_compression_are_forwarded_and_passed_through(client, openai_upstream):
    body = {"prompt": "a cat", "size": "1024x1024", "output_format": "jpeg"}
    response = client.post(OPENAI, json=body | {"output_compression": 40})
    assert response.status_code == 200, response.text
    assert openai_upstream.calls[0].body["output_format"] == "jpeg"
    assert openai_upstream.calls[0].body["output_compression"] == 40
    item = response.json()["data"][0]
    raw = without_manifest(base64.b64decode(item["b64_json"]))
    assert raw == picture("1024x1024", "jpeg", "opaque", 40)
    assert decoded(item).format == "JPEG"


def test_a_format_the_upstream_lacks_is_converted_by_pixmill(client, openai_upstream):
    body = {"model": "openai-png-only", "prompt": "a cat", "size": "1024x1024"}
    response = client.post(OPENAI, json=body | {"output_format": "webp", "output_compression": 60})
    assert response.status_code == 200, response.text
    assert openai_upstream.calls[0].body["output_format"] == "png"
    assert "output_compression" not in openai_upstream.calls[0].body
    answer = response.json()
    assert answer["output_format"] == "webp"
    image = decoded(answer["data"][0])
    assert (image.format, image.size) == ("WEBP", (1024, 1024))


def test_transparent_backgrounds_come_from_the_upstream(client, openai_upstream):
    body = {"prompt": "a sticker of a fox", "size": "1024x1024"}
    response = client.post(OPENAI, json=body)
    assert response.status_code == 200, response.text
    assert openai_upstream.calls[0].body["background"] == "transparent"
    answer = response.json()
    assert answer["background"] == "transparent"
    alpha = decoded(answer["data"][0]).getchannel("A")
    assert alpha.getpixel((512, 10)) == 0 and alpha.getpixel((512, 1000)) == 255


def test_n_images_in_one_call_or_in_concurrent_calls(client, openai_upstream):
    body = {"prompt": "a cat", "size": "1024x1024", "n": 3}
    response = client.post(OPENAI, json=body)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 3
    assert [call.body["n"] for call in openai_upstream.calls] == [3]

    openai_upstream.reset()
    response = client.post(OPENAI, json=body | {"model": "openai-one-per-call"})
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 3
    assert [call.body["n"] for call in openai_upstream.calls] == [1, 1, 1]
    assert response.json()["usage"]["input_tokens"] == 3 * OPENAI_INPUT_TOKENS


def test_any_size_when_the_operator_says_the_upstream_makes_it(client, openai_upstream):
    body = {"model": "openai-any-size", "prompt": "a cat", "size": "512x768", "quality": "max"}
    response = client.post(OPENAI, json=body)
    assert response.status_code == 200, response.text
    assert openai_upstream.calls[0].body["size"] == "512x768"
    assert decoded(response.json()["data"][0]).size == (512, 768)


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"size": "512x512"}, "size"),
        ({"quality": "xhigh"}, "quality"),
        ({"seed": 7}, "seed"),
        ({"output_format": "svg"}, "output_format"),
    ],
)
def test_what_the_upstream_lacks_is_refused_before_calling_it(
    client, openai_upstream, extra, param
):
    response = client.post(OPENAI, json={"prompt": "a cat"} | extra)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == param
    assert param in error["message"]
    assert openai_upstream.calls == []


def test_stream_is_refused_on_the_segmind_route_too(client, openai_upstream):
    response = client.post("/v1/gpt-image-1", json={"prompt": "a cat", "stream": True})
    assert response.status_code == 400
    assert "stream" in response.json()["error"]
    assert openai_upstream.calls == []


def test_a_blocked_prompt_never_reaches_the_upstream(client, openai_upstream):
    response = client.post(OPENAI, json={"prompt": "a decapitated body in the street"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "moderation_blocked"
    assert openai_upstream.calls == []


def test_the_segmind_route_serves_an_openai_upstream_model(client, openai_upstream):
    response = client.post(
        "/v1/gpt-image-1",
        json={"prompt": "a cat", "size": "1024x1024"},
        headers={"accept": "image/png"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert without_manifest(response.content) == picture("1024x1024", "png", "opaque", 100)


def test_local_models_still_render_beside_the_gateway(client, openai_upstream):
    response = client.post(OPENAI, json={"model": "design", "prompt": "a cat", "size": "256x256"})
    assert response.status_code == 200, response.text
    assert openai_upstream.calls == []


def test_the_upstreams_resolved_values_and_usage_reach_the_client(client, openai_upstream):
    openai_upstream.then(lambda body: openai_success(body | {"quality": "high"}))
    response = client.post(OPENAI, json={"prompt": "a cat", "size": "1024x1024"})
    assert response.status_code == 200, response.text
    assert openai_upstream.calls[0].body["quality"] == "medium"
    answer = response.json()
    assert answer["quality"] == "high"
    assert answer["usage"]["output_tokens"] == 4160


def test_the_official_sdk_through_the_gateway(gateway, openai_upstream):
    sdk = openai.OpenAI(base_url=gateway + "/v1", api_key=API_KEY, max_retries=0)
    result = sdk.images.generate(model="gpt-image-1", prompt="a fox", size="1024x1024", n=2)
    assert len(result.data) == 2 and result.usage.input_tokens == OPENAI_INPUT_TOKENS
    openai_upstream.then(openai_error(401, f"Incorrect API key provided: {OPENAI_KEY}"))
    with pytest.raises(openai.InternalServerError) as caught:
        sdk.images.generate(model="gpt-image-1", prompt="a fox")
    assert caught.value.status_code == 502
    assert caught.value.code == "gateway_misconfigured"
    assert OPENAI_KEY not in str(caught.value)
