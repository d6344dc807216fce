"""Bad edits, on both dialects, through a real server: every one a 400 naming its
parameter, nothing charged; URL inputs under the SSRF rules; a blocked input is free."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.api.edit_images import data_url, encode, mask, photo
from tests.conftest import API_KEY, TEST_CREDITS, make_settings, running_server

OPENAI = "/v1/images/edits"
SEGMIND = "/v1/gpt-image-1-edit"
PROMPT = 'A poster for "Open Day"'
NOT_AN_IMAGE = b"GIF89a not really an image"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def openai_multipart(client, images, mask_data=None, **fields):
    files = [("image[]" if len(images) > 1 else "image", ("f", data)) for data in images]
    if mask_data is not None:
        files.append(("mask", ("mask.png", mask_data)))
    data = {"prompt": PROMPT, "quality": "low", **{k: str(v) for k, v in fields.items()}}
    return client.post(OPENAI, data=data, files=files)


def segmind_json(client, images, mask_data=None, path=SEGMIND, **fields):
    body = {"prompt": PROMPT, "quality": "low", "image_urls": [_b64(d) for d in images], **fields}
    if mask_data is not None:
        body["mask"] = _b64(mask_data)
    return client.post(path, json=body)


def param_of(response: httpx.Response) -> str:
    body = response.json()
    error = body["error"]
    return error["param"] if isinstance(error, dict) else body["param"]


SMALL = photo(256, 192)
CASES = {
    # name: (images, mask, OpenAI's param, Segmind's param)
    "unreadable image": ([SMALL, NOT_AN_IMAGE], None, "image[1]", "image_urls[1]"),
    "too many images": ([SMALL] * 17, None, "image", "image_urls"),
    "mask of another size": ([SMALL], mask(200, 200, (0, 0, 50, 50)), "mask", "mask"),
    "mask without alpha": ([SMALL], mask(256, 192, (0, 0, 50, 50), mode="RGB"), "mask", "mask"),
}


@pytest.mark.parametrize("case", CASES)
def test_error_table_openai(design_server, client_for, case):
    images, mask_data, param, _ = CASES[case]
    response = openai_multipart(client_for(design_server), images, mask_data)
    assert response.status_code == 400, response.text
    assert param_of(response) == param
    assert "x-cost" not in response.headers


@pytest.mark.parametrize("case", CASES)
def test_error_table_segmind(design_server, client_for, case):
    images, mask_data, _, param = CASES[case]
    response = segmind_json(client_for(design_server), images, mask_data)
    assert response.status_code == 400, response.text
    assert param_of(response) == param


def test_segmind_edits_do_not_stream(design_server, client_for):
    response = segmind_json(client_for(design_server), [SMALL], stream=True)
    assert response.status_code == 400
    assert param_of(response) == "stream"


def test_quoted_text_too_large_for_the_mask_names_mask(design_server, client_for):
    client = client_for(design_server)
    tiny = mask(256, 192, (0, 0, 12, 10))
    response = openai_multipart(client, [SMALL], tiny, prompt='a sign saying "Grand Opening"')
    assert response.status_code == 400
    assert param_of(response) == "mask"
    roomy = mask(256, 192, (0, 0, 200, 120))
    response = openai_multipart(client, [SMALL], roomy, prompt='a sign saying "Grand Opening"')
    assert response.status_code == 200, response.text


def test_image_urls_on_a_generation_model_points_to_the_edit_model(design_server, client_for):
    client = client_for(design_server)
    for path in ("/v1/gpt-image-1", "/v2/gpt-image-1"):
        response = segmind_json(client, [SMALL], path=path)
        assert response.status_code == 400, path
        assert param_of(response) == "image_urls"
        assert "gpt-image-1-edit" in response.json()["error"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/photo.png", "http://169.254.169.254/latest/meta-data"]
)
def test_url_inputs_follow_the_ssrf_rules(design_server, client_for, url):
    client = client_for(design_server)
    response = client.post(
        OPENAI,
        json={"prompt": PROMPT, "images": [{"image_url": data_url(SMALL)}, {"image_url": url}]},
    )
    assert response.status_code == 400
    assert param_of(response) == "images[1]"
    response = client.post(SEGMIND, json={"prompt": PROMPT, "image_urls": [url]})
    assert response.status_code == 400
    assert param_of(response) == "image_urls[0]"


def test_an_engine_that_cannot_edit_names_the_image(fake_server, client_for):
    client = client_for(fake_server)
    response = openai_multipart(client, [SMALL])
    assert response.status_code == 400
    assert param_of(response) == "image"
    assert "cannot edit" in response.json()["error"]["message"]
    response = segmind_json(client, [SMALL])
    assert response.status_code == 400
    assert param_of(response) == "image_urls"
    models = client.get("/v1/models").json()["data"]
    assert {model["capabilities"]["edit"] for model in models} == {False}


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory) -> Iterator[str]:
    """Every image is blocked (threshold 0), and input images are limited to 4 KiB."""
    settings = make_settings(
        data_dir=tmp_path_factory.mktemp("strict"),
        image_moderation_threshold_auto=0.0,
        edit_max_image_bytes=4096,
    )
    with running_server(settings) as (url, _):
        yield url


def test_oversized_image(strict_server, client_for):
    noise = np.random.default_rng(1).integers(0, 255, (128, 128, 3), dtype=np.uint8)
    big = encode(Image.fromarray(noise, "RGB"))
    assert len(big) > 4096
    client = client_for(strict_server)
    response = openai_multipart(client, [big])
    assert response.status_code == 400
    assert param_of(response) == "image"
    response = segmind_json(client, [big])
    assert response.status_code == 400
    assert param_of(response) == "image_urls[0]"


def test_a_blocked_input_image_costs_nothing(strict_server, client_for):
    client = client_for(strict_server)
    plain = encode(Image.new("RGB", (64, 48), (120, 80, 60)))  # small enough for the limit
    response = openai_multipart(client, [plain])
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("moderation_blocked", "image")
    assert "image" in error["message"]
    credits = client.get("/v1/get-user-credits").json()["credits"]
    assert float(credits) == TEST_CREDITS
    assert client.get("/v2/requests").json()["data"] == []  # no job was made


def test_an_edit_needs_a_key(design_server):
    response = httpx.post(design_server + OPENAI, files=[("image", ("f", SMALL))])
    assert response.status_code == 401
    assert API_KEY not in response.text


@pytest.mark.parametrize("field", ["n", "seed"])
def test_a_5000_digit_number_in_a_multipart_edit_is_a_400(design_server, client_for, field):
    response = openai_multipart(client_for(design_server), [SMALL], **{field: "9" * 5000})
    assert response.status_code == 400, response.text
    assert param_of(response) == field


def test_image_urls_as_a_bare_string_is_refused(design_server, client_for):
    client = client_for(design_server)
    response = client.post(SEGMIND, json={"prompt": PROMPT, "image_urls": _b64(SMALL)})
    assert response.status_code == 400
    assert param_of(response) == "image_urls"
    assert "array" in response.json()["error"]


@pytest.mark.parametrize("path", ["/v1/nope-edit", "/v2/nope-edit", "/v1/nope"])
def test_an_unknown_model_is_a_404_even_with_images_to_edit(design_server, client_for, path):
    body = {"prompt": PROMPT, "image_urls": [_b64(SMALL)]}
    response = client_for(design_server).post(path, json=body)
    assert response.status_code == 404, response.text
    assert param_of(response) == "model"
