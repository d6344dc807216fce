"""Generation end to end: the real server, the real design engine, real decoded images."""

import base64
import io

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.content_credentials import unsigned_b64

OPENAI = "/v1/images/generations"
SEGMIND = "/v1/gpt-image-1"


def _images(response: httpx.Response) -> list[Image.Image]:
    assert response.status_code == 200, response.text
    return [
        Image.open(io.BytesIO(base64.b64decode(item["b64_json"])))
        for item in response.json()["data"]
    ]


@pytest.fixture
def client(design_server, client_for) -> httpx.Client:
    return client_for(design_server)


@pytest.mark.parametrize("size", ["1024x1024", "1536x1024", "1024x1536", "256x256", "512x1280"])
def test_sizes_are_exact(client, size):
    response = client.post(OPENAI, json={"prompt": "a quiet lake", "size": size, "quality": "low"})
    (image,) = _images(response)
    assert f"{image.width}x{image.height}" == size == response.json()["size"]


def test_extreme_custom_size(client):
    response = client.post(
        OPENAI, json={"prompt": 'a tall banner "SALE"', "size": "256x3840", "quality": "low"}
    )
    assert _images(response)[0].size == (256, 3840)


@pytest.mark.parametrize(
    ("fmt", "pil_format"), [("png", "PNG"), ("jpeg", "JPEG"), ("webp", "WEBP")]
)
def test_formats(client, fmt, pil_format):
    response = client.post(
        OPENAI, json={"prompt": "a red bicycle", "size": "512x512", "output_format": fmt}
    )
    (image,) = _images(response)
    assert image.format == pil_format
    assert response.json()["output_format"] == fmt


@pytest.mark.parametrize("fmt", ["jpeg", "webp"])
def test_compression_changes_lossy_formats(client, fmt):
    body = {"prompt": "a garden party flyer", "size": "512x512", "output_format": fmt, "seed": 3}
    low = client.post(OPENAI, json={**body, "output_compression": 10})
    high = client.post(OPENAI, json={**body, "output_compression": 95})
    assert len(low.json()["data"][0]["b64_json"]) < len(high.json()["data"][0]["b64_json"])


def test_png_is_lossless_whatever_the_compression(client):
    body = {"prompt": "a garden party flyer", "size": "512x512", "seed": 3}
    a = client.post(OPENAI, json={**body, "output_compression": 0}).json()["data"][0]
    b = client.post(OPENAI, json={**body, "output_compression": 100}).json()["data"][0]
    assert unsigned_b64(a["b64_json"]) == unsigned_b64(b["b64_json"])


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_transparent_background_has_real_alpha(client, fmt):
    response = client.post(
        OPENAI,
        json={
            "prompt": 'a logo for "Fox & Co"',
            "size": "512x512",
            "background": "transparent",
            "output_format": fmt,
        },
    )
    (image,) = _images(response)
    alpha = np.asarray(image.convert("RGBA"))[..., 3]
    assert image.mode == "RGBA"
    assert alpha.min() == 0, "no transparent pixel"
    assert alpha.max() == 255, "nothing opaque drawn"
    assert response.json()["background"] == "transparent"


def test_opaque_background_is_opaque(client):
    response = client.post(
        OPENAI, json={"prompt": "a logo", "size": "256x256", "background": "opaque"}
    )
    (image,) = _images(response)
    assert image.mode == "RGB" or np.asarray(image.convert("RGBA"))[..., 3].min() == 255


def test_auto_values_are_resolved_and_echoed(client):
    body = client.post(OPENAI, json={"prompt": "a sticker of a happy cactus"}).json()
    assert body["size"] == "1024x1024"
    assert body["quality"] == "medium"
    assert body["background"] == "transparent"
    assert body["output_format"] == "png"
    banner = client.post(OPENAI, json={"prompt": "a web banner for a bakery", "quality": "low"})
    assert banner.json()["size"] == "1536x1024"


def test_same_seed_same_bytes_other_seed_other_bytes(client):
    body = {"prompt": 'a poster for "Jazz Night"', "size": "512x768", "seed": 42}
    first = client.post(OPENAI, json=body).json()["data"][0]["b64_json"]
    again = client.post(SEGMIND, json=body).json()["data"][0]["b64_json"]
    other = client.post(OPENAI, json={**body, "seed": 43}).json()["data"][0]["b64_json"]
    assert first != again  # the manifests' signatures differ...
    assert unsigned_b64(first) == unsigned_b64(again)  # ...and nothing else
    assert unsigned_b64(first) != unsigned_b64(other)


def test_n_images_each_with_its_own_seed(client):
    response = client.post(
        OPENAI, json={"prompt": 'a flyer for "Open Day"', "n": 3, "size": "256x384", "seed": 10}
    )
    images = _images(response)
    assert len(images) == 3
    assert response.headers["x-seed-value"] == "10"
    pixels = [np.asarray(image.convert("RGB")) for image in images]
    assert not np.array_equal(pixels[0], pixels[1])
    single = client.post(
        OPENAI, json={"prompt": 'a flyer for "Open Day"', "size": "256x384", "seed": 11}
    )
    assert unsigned_b64(single.json()["data"][0]["b64_json"]) == unsigned_b64(
        response.json()["data"][1]["b64_json"]
    )


@pytest.mark.parametrize("quality", ["low", "medium", "high", "xhigh", "max"])
def test_every_quality(client, quality):
    response = client.post(
        OPENAI, json={"prompt": "a bowl of ramen", "size": "256x256", "quality": quality}
    )
    assert _images(response)[0].size == (256, 256)
    assert response.json()["quality"] == quality
    assert response.json()["usage"]["output_tokens"] > 0


def test_moderation_user_and_safety_identifier_are_accepted(client):
    response = client.post(
        OPENAI,
        json={
            "prompt": "a lighthouse",
            "size": "256x256",
            "moderation": "low",
            "user": "u-1",
            "safety_identifier": "s-1",
        },
    )
    assert response.status_code == 200


def test_svg_output(client):
    response = client.post(
        OPENAI,
        json={"prompt": 'a poster for "Jazz Night"', "size": "512x768", "output_format": "svg"},
    )
    assert response.status_code == 200, response.text
    document = base64.b64decode(response.json()["data"][0]["b64_json"]).decode()
    assert "<svg" in document
    assert "<text" not in document
    assert response.json()["output_format"] == "svg"


def test_segmind_answers_raw_bytes_for_image_accept(client):
    response = client.post(
        SEGMIND,
        json={"prompt": "a lighthouse", "size": "256x256", "output_format": "jpeg"},
        headers={"accept": "image/*"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (256, 256)
    for header in ("x-request-id", "x-generation-time", "x-seed-value", "x-cost"):
        assert response.headers[header]


def test_segmind_answers_json_for_several_images(client):
    response = client.post(
        SEGMIND,
        json={"prompt": "a lighthouse", "size": "256x256", "n": 2},
        headers={"accept": "image/*"},
    )
    assert len(_images(response)) == 2


def test_success_headers(client):
    response = client.post(OPENAI, json={"prompt": "a lighthouse", "size": "256x256", "seed": 9})
    assert response.headers["x-seed-value"] == "9"
    assert float(response.headers["x-generation-time"]) > 0
    assert float(response.headers["x-cost"]) > 0
    assert response.headers["x-request-id"].startswith("req_")


def test_every_configured_model_has_a_segmind_route(client):
    models = client.get("/v1/models").json()["data"]
    assert {"gpt-image-1", "design"} <= {m["id"] for m in models}
    for model in models:
        response = client.post(f"/v1/{model['id']}", json={"prompt": "a kite", "size": "256x256"})
        assert response.status_code == 200


def test_health_metrics_and_docs(client):
    client.post(OPENAI, json={"prompt": "a kite", "size": "256x256", "quality": "low"})
    assert client.get("/healthz").json() == {"status": "ok"}
    metrics = client.get("/metrics").text
    assert (
        'pixmill_requests_total{dialect="openai",model="gpt-image-1",quality="low",status="200"}'
        in metrics
    )
    assert 'pixmill_images_total{model="gpt-image-1",quality="low"}' in metrics
    assert "pixmill_request_duration_seconds_bucket" in metrics
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/v1/images/generations" in spec["paths"]
    assert "/v1/{model}" in spec["paths"]
