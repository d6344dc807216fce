"""Edits on the diffusion engine through the real server: the official openai SDK's
`images.edit` (multipart) and Segmind's `-edit` JSON over httpx, outputs decoded.

The tiny random-weight pipeline decodes with a pass-through autoencoder, so that what
an edit keeps of its input can be measured in the pixels.
"""

from __future__ import annotations

import base64
import io

import numpy as np
import openai
import pytest
from PIL import Image
from tests.api.edit_images import decoded, mask, photo
from tests.conftest import API_KEY, make_settings, running_server
from tests.openai_schema import check

from .conftest import NATIVE_SIDE

PROMPT = "a red apple on a table"


@pytest.fixture(scope="module")
def edit_server(tiny_model_dir, pass_through_vae_dir, tmp_path_factory):
    options = {
        "model": str(tiny_model_dir),
        "family": "sd-turbo",
        "native_side": NATIVE_SIDE,
        "tiny_vae": str(pass_through_vae_dir),
        "channels_last": False,
        "dtype": "float32",
    }
    settings = make_settings(
        data_dir=tmp_path_factory.mktemp("data"), engine="diffusion", engine_options=options
    )
    with running_server(settings) as (url, _):
        yield url


@pytest.fixture
def sdk(edit_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=edit_server + "/v1", api_key=API_KEY, max_retries=0)


def pixels(image: Image.Image | bytes) -> np.ndarray:
    if isinstance(image, bytes):
        image = Image.open(io.BytesIO(image))
    return np.asarray(image.convert("RGB")).astype(int)


def test_sdk_edit_one_image_at_the_asked_size(sdk):
    result = sdk.images.edit(
        image=("photo.png", photo(256, 256), "image/png"),
        prompt=PROMPT,
        size="512x256",
        quality="low",
        extra_body={"seed": 3},
    )
    check("ImagesResponse", result.model_dump(exclude_unset=True))
    image = decoded(result.data[0].b64_json)
    assert (image.format, image.size) == ("PNG", (512, 256))


def test_input_fidelity_high_keeps_more_of_the_picture(sdk):
    source = photo(256, 256)

    def change(**extra) -> float:
        result = sdk.images.edit(
            image=("photo.png", source, "image/png"),
            prompt=PROMPT,
            size="256x256",
            quality="low",
            extra_body={"seed": 7, **extra},
        )
        return float(np.abs(pixels(decoded(result.data[0].b64_json)) - pixels(source)).mean())

    high, low = change(input_fidelity="high"), change(input_fidelity="low")
    generated = sdk.images.generate(
        prompt=PROMPT, size="256x256", quality="low", extra_body={"seed": 7}
    )
    scratch = float(np.abs(pixels(decoded(generated.data[0].b64_json)) - pixels(source)).mean())
    # Measured on this model: about 30, 52 and 108 levels.
    assert high < low < scratch
    assert high < 0.75 * low


def test_sdk_masked_edit_keeps_the_input_outside_the_mask(sdk):
    source = photo(320, 240)
    box = (30, 20, 170, 130)
    result = sdk.images.edit(
        image=("photo.png", source, "image/png"),
        mask=("mask.png", mask(320, 240, box), "image/png"),
        prompt=PROMPT,
        quality="low",
        extra_body={"seed": 5},
    )
    assert result.size == "320x240"  # size auto: the input's own
    out, before = pixels(decoded(result.data[0].b64_json)), pixels(source)
    assert out.shape == before.shape
    outside = np.ones(out.shape[:2], bool)
    outside[box[1] : box[3] + 1, box[0] : box[2] + 1] = False
    assert np.array_equal(out[outside], before[outside])
    assert np.abs(out[~outside] - before[~outside]).mean() > 20  # the masked area was redrawn


def test_sdk_streamed_edit_sends_a_partial_image(sdk):
    events = list(
        sdk.images.edit(
            image=("photo.png", photo(256, 256), "image/png"),
            prompt=PROMPT,
            size="256x256",
            quality="low",
            stream=True,
            partial_images=1,
        )
    )
    assert [event.type for event in events] == ["image_edit.partial_image", "image_edit.completed"]
    assert decoded(events[-1].b64_json).size == (256, 256)


def test_segmind_json_masked_edit(edit_server, client_for):
    source = photo(256, 192)
    box = (100, 40, 220, 150)
    body = {
        "prompt": PROMPT,
        "image_urls": [base64.b64encode(source).decode()],
        "mask": base64.b64encode(mask(256, 192, box)).decode(),
        "quality": "low",
    }
    response = client_for(edit_server).post("/v1/gpt-image-1-edit", json=body)
    assert response.status_code == 200, response.text
    image = decoded(response.json()["data"][0]["b64_json"])
    assert (image.format, image.size) == ("PNG", (256, 192))
    out, before = pixels(image), pixels(source)
    outside = np.ones(out.shape[:2], bool)
    outside[box[1] : box[3] + 1, box[0] : box[2] + 1] = False
    assert np.array_equal(out[outside], before[outside])


def test_what_this_model_refuses(sdk):
    two = [("a.png", photo(256, 256), "image/png"), ("b.png", photo(256, 256), "image/png")]
    with pytest.raises(openai.BadRequestError) as refused:
        sdk.images.edit(image=two, prompt=PROMPT, quality="low")
    assert refused.value.body["param"] == "image[1]"


def test_masked_edit_at_another_size_is_scaled_to_it(sdk):
    result = sdk.images.edit(
        image=("photo.png", photo(320, 240), "image/png"),
        mask=("mask.png", mask(320, 240, (0, 0, 60, 60)), "image/png"),
        prompt=PROMPT,
        size="512x384",
        quality="low",
    )
    assert decoded(result.data[0].b64_json).size == (512, 384)


@pytest.mark.filterwarnings("ignore:deprecated:DeprecationWarning")
def test_sdk_create_variation_is_image_to_image_without_a_prompt(sdk):
    source = photo(256, 256)
    result = sdk.images.create_variation(
        image=("photo.png", source, "image/png"), size="256x256", response_format="b64_json"
    )
    check("ImagesResponse", result.model_dump(exclude_unset=True))
    out = pixels(decoded(result.data[0].b64_json))
    assert out.shape == (256, 256, 3)
    assert np.abs(out - pixels(source)).mean() > 1  # redrawn, at a moderate strength


def test_models_say_the_diffusion_model_can_edit(edit_server, client_for):
    models = client_for(edit_server).get("/v1/models").json()["data"]
    assert models and all(model["capabilities"]["edit"] is True for model in models)


def test_a_transparent_masked_edit_cuts_out_only_within_the_mask(sdk):
    """The background remover runs after the engine; outside the mask it changes nothing."""
    source = photo(256, 192)
    box = (0, 0, 127, 191)
    result = sdk.images.edit(
        image=("photo.png", source, "image/png"),
        mask=("mask.png", mask(256, 192, box), "image/png"),
        prompt=PROMPT,
        quality="low",
        background="transparent",
    )
    image = decoded(result.data[0].b64_json)
    assert image.mode == "RGBA"
    out = np.asarray(image).astype(int)
    right = out[:, 128:]
    assert (right[..., 3] == 255).all()
    assert np.array_equal(right[..., :3], pixels(source)[:, 128:])
