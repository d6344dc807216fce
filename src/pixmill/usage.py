"""Token usage and price of a generation or an edit, in GPT-Image-1's terms.

GPT-Image-1 bills text input at $5, image input at $10 and image output at $40 per
million tokens; an image's output tokens depend on its quality and size, an input
image's tokens on its size (`input_image_tokens`). pixmill reports the same usage, and
prices in micro-credits (1 credit = 1 USD by default).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pixmill.request import ConcreteQuality, InputImage

MICRO = 1_000_000
TEXT_INPUT_MICRO_PER_TOKEN = 5
IMAGE_INPUT_MICRO_PER_TOKEN = 10
IMAGE_OUTPUT_MICRO_PER_TOKEN = 40

# GPT-Image-1's input images, by the tile method of OpenAI's vision guide ("Calculating
# costs") with GPT Image 1's numbers: fit within 2048x2048, scale down so the shortest
# side is 512 px, then 65 base tokens plus 129 per 512 px tile. Sides scale with rounding
# down, as the API was measured to bill (1024x1025 costs one tile, 194 tokens; 512x513
# two, 323). What this rests on: docs/edits.md.
INPUT_IMAGE_MAX_SIDE = 2048
INPUT_IMAGE_SHORT_SIDE = 512
INPUT_IMAGE_TILE = 512
INPUT_IMAGE_BASE_TOKENS = 65
INPUT_IMAGE_TILE_TOKENS = 129

# GPT-Image-1's published output tokens per image. xhigh and max are pixmill's
# extrapolation (1.5x and 2x high) for OpenAI's newer quality values.
OUTPUT_TOKENS: dict[ConcreteQuality, dict[str, int]] = {
    "low": {"1024x1024": 272, "1024x1536": 408, "1536x1024": 400},
    "medium": {"1024x1024": 1056, "1024x1536": 1584, "1536x1024": 1568},
    "high": {"1024x1024": 4160, "1024x1536": 6240, "1536x1024": 6208},
    "xhigh": {"1024x1024": 6240, "1024x1536": 9360, "1536x1024": 9312},
    "max": {"1024x1024": 8320, "1024x1536": 12480, "1536x1024": 12416},
}


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    """Every input token: the prompt's text and, for an edit, its input images."""
    output_tokens: int
    image_input_tokens: int = 0
    """The part of `input_tokens` that the input images make."""

    @property
    def text_input_tokens(self) -> int:
        return self.input_tokens - self.image_input_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def cost_micro(self) -> int:
        return (
            self.text_input_tokens * TEXT_INPUT_MICRO_PER_TOKEN
            + self.image_input_tokens * IMAGE_INPUT_MICRO_PER_TOKEN
            + self.output_tokens * IMAGE_OUTPUT_MICRO_PER_TOKEN
        )

    def as_openai(self) -> dict[str, object]:
        return {
            "total_tokens": self.total_tokens,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "input_tokens_details": {
                "text_tokens": self.text_input_tokens,
                "image_tokens": self.image_input_tokens,
            },
        }


def image_output_tokens(quality: ConcreteQuality, width: int, height: int) -> int:
    """Output tokens of one image; sizes off the table scale with area."""
    table = OUTPUT_TOKENS[quality]
    exact = table.get(f"{width}x{height}")
    if exact is not None:
        return exact
    return max(1, round(table["1024x1024"] * width * height / (1024 * 1024)))


def prompt_tokens(prompt: str) -> int:
    """An estimate of the prompt's text tokens: about four characters each."""
    return max(1, math.ceil(len(prompt) / 4))


def input_image_tokens(width: int, height: int) -> int:
    """The input tokens of one image of this size to GPT-Image-1 (see the constants)."""
    if max(width, height) > INPUT_IMAGE_MAX_SIDE:
        scale = INPUT_IMAGE_MAX_SIDE / max(width, height)
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
    if min(width, height) > INPUT_IMAGE_SHORT_SIDE:
        scale = INPUT_IMAGE_SHORT_SIDE / min(width, height)
        width, height = max(1, int(width * scale)), max(1, int(height * scale))
    tiles = math.ceil(width / INPUT_IMAGE_TILE) * math.ceil(height / INPUT_IMAGE_TILE)
    return INPUT_IMAGE_BASE_TOKENS + INPUT_IMAGE_TILE_TOKENS * tiles


def inputs_tokens(inputs: Sequence[InputImage]) -> int:
    """The input tokens of an edit's images. The mask is not counted: it is the first
    image's alpha, not another picture for the model to read."""
    return sum(input_image_tokens(image.width, image.height) for image in inputs)


def usage_for(
    prompt: str,
    quality: ConcreteQuality,
    width: int,
    height: int,
    images: int,
    inputs: Sequence[InputImage] = (),
) -> Usage:
    per_image = image_output_tokens(quality, width, height)
    image_tokens = inputs_tokens(inputs)
    return Usage(
        input_tokens=prompt_tokens(prompt) + image_tokens,
        output_tokens=per_image * images,
        image_input_tokens=image_tokens,
    )


def input_params(inputs: Sequence[InputImage], mask: InputImage | None) -> dict[str, Any]:
    """What a usage record keeps of an edit's images: how many, their sizes and formats,
    and the mask's size (never their bytes)."""
    if not inputs:
        return {}
    return {
        "input_images": len(inputs),
        "input_sizes": [image.size for image in inputs],
        "input_formats": [image.format for image in inputs],
        "input_bytes": sum(len(image.data) for image in inputs),
        "mask": mask.size if mask is not None else None,
    }


def format_credits(micro: int) -> str:
    """Micro-credits as a decimal string of credits: 166400 -> '0.1664'."""
    text = format(Decimal(micro) / MICRO, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
