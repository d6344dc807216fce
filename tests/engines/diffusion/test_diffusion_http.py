"""The tiny pipeline served over HTTP by the real server, built from settings as users run it."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image
from tests.conftest import make_settings, running_server

from pixmill.settings import ModelConfig

from .conftest import NATIVE_SIDE

OPENAI = "/v1/images/generations"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="module")
def diffusion_server(tiny_model_dir, data_dir):
    """`--engine diffusion --model PATH`, plus a second model configured under a name."""
    turbo = {"model": str(tiny_model_dir), "family": "sd-turbo", "native_side": NATIVE_SIDE}
    settings = make_settings(
        data_dir=data_dir,
        engine="diffusion",
        engine_options=turbo,
        models={"tiny-sd": ModelConfig(engine="diffusion", options={"model": str(tiny_model_dir)})},
    )
    with running_server(settings) as (url, _):
        yield url


def _images(response) -> list[Image.Image]:
    assert response.status_code == 200, response.text
    return [
        Image.open(io.BytesIO(base64.b64decode(item["b64_json"])))
        for item in response.json()["data"]
    ]


def test_serves_sizes_n_and_seeds_over_http(diffusion_server, client_for):
    client = client_for(diffusion_server)
    body = {"prompt": "a lighthouse at dusk", "size": "1536x1024", "n": 2, "seed": 5}
    first = _images(client.post(OPENAI, json=body))
    assert [image.size for image in first] == [(1536, 1024)] * 2
    again = _images(client.post(OPENAI, json=body))
    assert np.array_equal(np.asarray(first[0]), np.asarray(again[0]))
    assert not np.array_equal(np.asarray(first[0]), np.asarray(first[1]))


def test_the_request_model_picks_a_configured_model(diffusion_server, client_for):
    client = client_for(diffusion_server)
    body = {"prompt": "a lighthouse at dusk", "size": "256x256", "seed": 5, "quality": "low"}
    default = _images(client.post(OPENAI, json=body))[0]
    named = _images(client.post(OPENAI, json={**body, "model": "tiny-sd"}))[0]
    assert named.size == default.size == (256, 256)
    # One turbo step against the sd1 row's 15 steps: not the same picture.
    assert not np.array_equal(np.asarray(default), np.asarray(named))


def test_the_measured_path_is_kept_in_the_servers_data_directory(
    diffusion_server, client_for, data_dir, tiny_model_dir
):
    """Under the server's data directory, not ./data (both models share one measurement:
    the same weights at the same size)."""
    # The measurement runs in the background from start-up; a call waits for it.
    body = {"prompt": "a lighthouse at dusk", "size": "256x256", "quality": "low"}
    assert client_for(diffusion_server).post(OPENAI, json=body).status_code == 200
    table = json.loads((data_dir / "diffusion" / "tuning.json").read_text())
    assert [str(tiny_model_dir) in key for key in table] == [True]
