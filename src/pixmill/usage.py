"""Token usage and price of a generation, in GPT-Image-1's terms.

GPT-Image-1 bills text input at $5 and image output at $40 per million tokens,
and an image's output tokens depend on its quality and size. pixmill reports the
same usage, and prices in micro-credits (1 credit = 1 USD by default).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from pixmill.request import ConcreteQuality

MICRO = 1_000_000
TEXT_INPUT_MICRO_PER_TOKEN = 5
IMAGE_OUTPUT_MICRO_PER_TOKEN = 40

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
    output_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def cost_micro(self) -> int:
        return (
            self.input_tokens * TEXT_INPUT_MICRO_PER_TOKEN
            + self.output_tokens * IMAGE_OUTPUT_MICRO_PER_TOKEN
        )

    def as_openai(self) -> dict[str, object]:
        return {
            "total_tokens": self.total_tokens,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "input_tokens_details": {"text_tokens": self.input_tokens, "image_tokens": 0},
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


def usage_for(prompt: str, quality: ConcreteQuality, width: int, height: int, images: int) -> Usage:
    per_image = image_output_tokens(quality, width, height)
    return Usage(input_tokens=prompt_tokens(prompt), output_tokens=per_image * images)


def format_credits(micro: int) -> str:
    """Micro-credits as a decimal string of credits: 166400 -> '0.1664'."""
    text = format(Decimal(micro) / MICRO, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
