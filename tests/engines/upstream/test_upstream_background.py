"""An upstream without transparency: pixmill asks for opaque and removes the background."""

from __future__ import annotations

import base64
import io

import httpx
import pytest
from PIL import Image
from tests.conftest import API_KEY, make_settings, running_server
from tests.engines.upstream.conftest import FAST
from tests.engines.upstream.fake_upstreams import OPENAI_KEY


@pytest.mark.slow
def test_transparency_is_emulated_when_the_upstream_has_none(openai_upstream, tmp_path):
    options = {"base_url": openai_upstream.url, "api_key": OPENAI_KEY, "native_alpha": False}
    settings = make_settings(
        data_dir=tmp_path,
        models={"gpt-image-1": {"engine": "openai", "options": options | FAST}},
    )
    body = {"prompt": "a sticker of a fox", "size": "1024x1024", "background": "transparent"}
    with running_server(settings) as (url, _):
        response = httpx.post(
            url + "/v1/images/generations", json=body, headers={"x-api-key": API_KEY}, timeout=120
        )
    assert response.status_code == 200, response.text
    assert openai_upstream.calls[0].body["background"] == "opaque"
    answer = response.json()
    assert answer["background"] == "transparent"
    image = Image.open(io.BytesIO(base64.b64decode(answer["data"][0]["b64_json"])))
    assert image.mode == "RGBA"
    assert image.getchannel("A").getextrema()[0] < 255  # pixmill cut something out
