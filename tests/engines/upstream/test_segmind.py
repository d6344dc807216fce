"""Gateway mode with Segmind upstream: its form, its raw image answers, its cost header."""

from __future__ import annotations

import base64
import io

from PIL import Image
from tests.content_credentials import unsigned_b64, without_manifest
from tests.engines.upstream.fake_upstreams import SEGMIND_KEY, picture

MODEL = "segmind-gpt-image-1"


def test_a_generation_is_forwarded_in_segmind_form(client, segmind_upstream):
    body = {"prompt": "a poster", "size": "1024x1536", "quality": "low", "output_format": "webp"}
    response = client.post(f"/v1/{MODEL}", json=body | {"output_compression": 70})
    assert response.status_code == 200, response.text
    [call] = segmind_upstream.calls
    assert call.path == "/v1/gpt-image-1"
    assert call.headers["x-api-key"] == SEGMIND_KEY
    assert call.body == {
        "prompt": "a poster",
        "size": "1024x1536",
        "quality": "low",
        "moderation": "auto",
        "background": "opaque",
        "output_compression": 70,
        "output_format": "webp",
    }
    answer = response.json()
    assert (answer["size"], answer["quality"], answer["output_format"]) == (
        "1024x1536",
        "low",
        "webp",
    )
    raw = base64.b64decode(answer["data"][0]["b64_json"])
    assert without_manifest(raw) == picture("1024x1536", "webp", "opaque", 70)
    assert Image.open(io.BytesIO(raw)).size == (1024, 1536)


def test_raw_image_answers_on_the_segmind_route(client, segmind_upstream):
    response = client.post(
        f"/v1/{MODEL}",
        json={"prompt": "a logo for a bakery", "size": "1024x1024"},
        headers={"accept": "image/*"},
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.mode == "RGBA" and image.getchannel("A").getpixel((5, 5)) == 0
    assert segmind_upstream.calls[0].body["background"] == "transparent"


def test_n_images_are_concurrent_single_image_calls(client, segmind_upstream):
    body = {"model": MODEL, "prompt": "a cat", "size": "1024x1024", "n": 4}
    response = client.post("/v1/images/generations", json=body)
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 4
    assert len(segmind_upstream.calls) == 4
    assert all("n" not in call.body for call in segmind_upstream.calls)


def test_a_json_answer_with_base64_is_read_too(client, segmind_upstream):
    data = base64.b64encode(picture("1024x1024", "png", "opaque", 100)).decode()

    def json_answer(_):
        from starlette.responses import JSONResponse

        return JSONResponse({"image": data})

    segmind_upstream.then(json_answer)
    response = client.post(f"/v1/{MODEL}", json={"prompt": "a cat", "size": "1024x1024"})
    assert response.status_code == 200, response.text
    assert unsigned_b64(response.json()["data"][0]["b64_json"]) == base64.b64decode(data)
