"""The official openai package, unchanged, against the real server."""

import base64
import io

import openai
import pytest
from PIL import Image

from tests.conftest import API_KEY


@pytest.fixture
def sdk(design_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=design_server + "/v1", api_key=API_KEY, max_retries=0)


def test_images_generate(sdk):
    result = sdk.images.generate(
        model="gpt-image-1",
        prompt='A book cover for "The Quiet Tide"',
        size="1024x1536",
        quality="low",
        output_format="webp",
        output_compression=80,
        background="opaque",
        moderation="low",
        n=2,
        user="sdk-test",
    )
    assert len(result.data) == 2
    assert result.size == "1024x1536"
    assert result.quality == "low"
    assert result.output_format == "webp"
    assert result.background == "opaque"
    assert result.usage.output_tokens == 2 * 408
    image = Image.open(io.BytesIO(base64.b64decode(result.data[0].b64_json)))
    assert (image.format, image.size) == ("WEBP", (1024, 1536))


def test_auto_is_resolved(sdk):
    result = sdk.images.generate(model="gpt-image-1", prompt="a logo for a bakery")
    assert result.size == "1024x1024"
    assert result.background == "transparent"
    assert result.quality == "medium"


def test_raw_response_headers(sdk):
    raw = sdk.images.with_raw_response.generate(prompt="a kite", size="1024x1024", quality="low")
    # GPT-Image-1's price of a low 1024x1024 image: 272 output tokens at $40/M.
    assert raw.headers["x-cost"] == "0.01088"
    assert raw.headers["x-remaining-credits"]
    assert raw.parse().data[0].b64_json


def test_bad_parameter_raises_bad_request(sdk):
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.images.generate(prompt="a kite", size="1000x100")
    assert caught.value.status_code == 400
    assert caught.value.param == "size"
    assert caught.value.code == "invalid_value"


def test_wrong_key_raises_authentication_error(design_server):
    client = openai.OpenAI(base_url=design_server + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        client.images.generate(prompt="a kite")
    assert caught.value.code == "invalid_api_key"


def test_models_list(sdk):
    assert "gpt-image-1" in {model.id for model in sdk.models.list()}
