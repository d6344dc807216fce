"""Usage in GPT-Image-1's terms, input images included."""

from __future__ import annotations

import pytest

from pixmill.request import InputImage
from pixmill.usage import input_image_tokens, input_params, inputs_tokens, usage_for


def _input(width: int, height: int, param: str = "image") -> InputImage:
    return InputImage(b"x" * 10, "png", width, height, False, param)


@pytest.mark.parametrize(
    ("width", "height", "tokens"),
    [
        (512, 512, 194),  # one tile
        (1024, 1024, 194),  # scaled to 512x512
        (1024, 1025, 194),  # 512x512 after rounding down, as the API bills it
        (1023, 1024, 194),
        (512, 513, 323),  # two tiles: the shortest side is already 512
        (1920, 1080, 323),  # 16:9 -> 910x512: two tiles
        (1024, 1536, 323),  # 512x768
        (4096, 1024, 65 + 129 * 4),  # -> 2048x512: four tiles
        (100, 80, 194),  # small images are not scaled up
        (8000, 400, 65 + 129 * 4),  # -> 2048x102 -> four tiles in a row
    ],
)
def test_input_image_tokens_follow_gpt_image_1(width: int, height: int, tokens: int) -> None:
    assert input_image_tokens(width, height) == tokens


def test_usage_of_an_edit_counts_images_apart_from_text() -> None:
    inputs = [_input(1024, 1024), _input(1920, 1080, "image[1]")]
    usage = usage_for("a" * 40, "medium", 1024, 1024, 2, inputs)
    assert usage.image_input_tokens == 194 + 323
    assert usage.text_input_tokens == 10
    assert usage.input_tokens == 10 + 517
    assert usage.output_tokens == 2 * 1056
    body = usage.as_openai()
    assert body["input_tokens_details"] == {"text_tokens": 10, "image_tokens": 517}
    assert body["total_tokens"] == 10 + 517 + 2112
    # Text at $5, input images at $10, output at $40 per million tokens (micro per token).
    assert usage.cost_micro == 10 * 5 + 517 * 10 + 2112 * 40


def test_a_generation_has_no_image_input_tokens() -> None:
    usage = usage_for("a" * 40, "low", 1024, 1024, 1)
    assert usage.as_openai()["input_tokens_details"] == {"text_tokens": 10, "image_tokens": 0}
    assert inputs_tokens([]) == 0


def test_input_params_for_the_usage_record() -> None:
    inputs = [_input(64, 48), _input(48, 64, "image[1]")]
    params = input_params(inputs, _input(64, 48, "mask"))
    assert params == {
        "input_images": 2,
        "input_sizes": ["64x48", "48x64"],
        "input_formats": ["png", "png"],
        "input_bytes": 20,
        "mask": "64x48",
    }
    assert input_params([], None) == {}
