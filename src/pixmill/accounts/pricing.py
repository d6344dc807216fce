"""What a call costs: a price per image by model, quality and size, times n.

The defaults are GPT-Image-1's public per-image prices (its output tokens at $40 per
million), with 1 credit = 1 USD. An operator's table, in credits, replaces them per
model; "*" stands for any model, quality or size. A size missing from a table costs
that table's 1024x1024 price scaled by area, as GPT-Image-1's token counts do.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import get_args

from pixmill.request import ConcreteQuality
from pixmill.usage import IMAGE_OUTPUT_MICRO_PER_TOKEN, MICRO, OUTPUT_TOKENS

ANY = "*"
QUALITIES = get_args(ConcreteQuality)
Table = Mapping[str, Mapping[str, Mapping[str, int]]]
"""model -> quality -> size -> micro-credits per image."""


def default_table() -> Table:
    per_image = {
        quality: {size: tokens * IMAGE_OUTPUT_MICRO_PER_TOKEN for size, tokens in sizes.items()}
        for quality, sizes in OUTPUT_TOKENS.items()
    }
    return {ANY: per_image}


class PriceTable:
    def __init__(self, overrides: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None):
        """`overrides`: model -> quality -> size -> credits (numbers or decimal strings)."""
        table = dict(default_table())
        for model, qualities in (overrides or {}).items():
            table[model] = {
                quality: {
                    size: to_micro(price, f"{model}/{quality}/{size}")
                    for size, price in sizes.items()
                }
                for quality, sizes in qualities.items()
            }
        for model, qualities in table.items():
            for quality in qualities:
                if quality != ANY and quality not in QUALITIES:
                    raise ValueError(f"price table: unknown quality {quality!r} for {model!r}")
        self._table = table

    def per_image(self, model: str, quality: ConcreteQuality, width: int, height: int) -> int:
        qualities = self._table.get(model) or self._table[ANY]
        sizes = qualities.get(quality) or qualities.get(ANY)
        if sizes is None:
            raise ValueError(f"price table has no price for model {model!r} at {quality!r}")
        exact = sizes.get(f"{width}x{height}", sizes.get(ANY))
        if exact is not None:
            return exact
        square = sizes.get("1024x1024")
        if square is None:
            raise ValueError(f"price table has no price for {model!r} {quality} {width}x{height}")
        return max(1, round(square * width * height / (1024 * 1024)))

    def price(self, model: str, quality: ConcreteQuality, width: int, height: int, n: int) -> int:
        """Micro-credits for n images."""
        return self.per_image(model, quality, width, height) * n


def to_micro(credits: object, where: str = "credits") -> int:
    """A decimal amount of credits as whole micro-credits (half up): '0.011' -> 11000."""
    try:
        amount = Decimal(str(credits).strip())
    except InvalidOperation:
        raise ValueError(f"{where}: {credits!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{where}: {credits!r} is not a finite number")
    return int((amount * MICRO).to_integral_value(rounding=ROUND_HALF_UP))
