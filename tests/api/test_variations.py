"""POST /v1/images/variations through the official SDKs (Python and Node), on the design
engine; an engine that cannot vary answers 400 naming `model`."""

from __future__ import annotations

import io
import itertools
import json
import os
import subprocess

import numpy as np
import openai
import pytest
from PIL import Image

from tests.api.edit_images import decoded, photo
from tests.api.test_clients import node_openai  # noqa: F401 (a fixture)
from tests.conftest import API_KEY
from tests.openai_schema import check

# The SDKs mark create_variation deprecated (DALL·E 2's endpoint); it is what is tested.
pytestmark = pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
RED = (200, 40, 40)


def red_share(image: Image.Image) -> float:
    """The share of pixels close to the photo's subject (a red disc)."""
    rgb = np.asarray(image.convert("RGB")).astype(int)
    return float((np.abs(rgb - RED).sum(axis=2) < 60).mean())


def check_variations(images: list[Image.Image], size: tuple[int, int], source: bytes) -> None:
    """Each image is the size asked for, shows the subject, is not the input redrawn, and
    differs from the others."""
    original = Image.open(io.BytesIO(source)).convert("RGB").resize(size)
    for image in images:
        assert image.size == size
        assert red_share(image) > 0.03  # the same subject
        difference = np.abs(np.asarray(image.convert("RGB"), int) - np.asarray(original, int))
        assert difference.mean() > 20  # a new layout and treatment, not the picture again
    for first, second in itertools.pairwise(images):
        assert not np.array_equal(np.asarray(first), np.asarray(second))


def test_python_sdk_create_variation(design_server):
    sdk = openai.OpenAI(base_url=design_server + "/v1", api_key=API_KEY, max_retries=0)
    source = photo(512, 384)
    result = sdk.images.create_variation(
        image=("photo.png", source, "image/png"), n=2, size="512x512",
        response_format="b64_json",
    )  # fmt: skip
    check("ImagesResponse", result.model_dump(exclude_none=True))
    assert result.size == "512x512" and len(result.data) == 2
    assert result.usage.input_tokens_details.image_tokens > 0  # priced as an edit
    check_variations([decoded(datum.b64_json) for datum in result.data], (512, 512), source)
    linked = sdk.images.create_variation(image=("photo.png", source, "image/png"),
                                         model="dall-e-2", size="256x256")  # fmt: skip
    assert linked.data[0].url  # dall-e-2 answers links by default, as on OpenAI's API


def test_variation_refuses_a_prompt_and_unknown_fields(design_server):
    sdk = openai.OpenAI(base_url=design_server + "/v1", api_key=API_KEY, max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.images.create_variation(
            image=("photo.png", photo(), "image/png"), extra_body={"prompt": "a cat"}
        )
    assert refused.value.body["param"] == "prompt"


def test_an_engine_that_cannot_vary_answers_400(fake_server):
    sdk = openai.OpenAI(base_url=fake_server + "/v1", api_key=API_KEY, max_retries=0)
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.images.create_variation(image=("photo.png", photo(), "image/png"))
    assert refused.value.body["param"] == "model"
    assert "cannot make variations" in refused.value.body["message"]


@pytest.mark.slow
def test_node_sdk_create_variation(node_openai, design_server, tmp_path):  # noqa: F811
    source = photo(512, 384)
    path = tmp_path / "photo.png"
    path.write_bytes(source)
    result = subprocess.run(
        ["node", "variations.mjs", design_server + "/v1", API_KEY, str(path)],
        cwd=node_openai, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    check("ImagesResponse", answer["varied"])
    images = [decoded(datum["b64_json"]) for datum in answer["varied"]["data"]]
    check_variations(images, (512, 512), source)
    assert answer["linked"]["data"][0]["url"]
