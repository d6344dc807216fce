"""What a call costs: a price per image by model, quality and size, times n, plus, for
an edit, its input images' tokens at an input-image price.

The defaults are GPT-Image-1's public prices (its output tokens at $40 per million,
input image tokens at $10 per million), with 1 credit = 1 USD. An operator's table, in
credits, replaces them per model; "*" stands for any model, quality or size. A size
missing from a table costs that table's 1024x1024 price scaled by area, as
GPT-Image-1's token counts do. The input-image price is the entry
`{"input": {"image_tokens": credits per million input image tokens}}` of a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pixmill.errors import InvalidRequest, excerpt
from pixmill.request import CONCRETE_QUALITIES, ConcreteQuality, RenderSpec
from pixmill.usage import (
    IMAGE_INPUT_MICRO_PER_TOKEN,
    IMAGE_OUTPUT_MICRO_PER_TOKEN,
    MICRO,
    OUTPUT_TOKENS,
    inputs_tokens,
)

MAX_CREDITS = Decimal(10) ** 9
"""The largest amount one call may grant: far below what the BIGINT balance can hold."""

ANY = "*"
INPUT = "input"
"""The entry of a model's prices that holds its input-image price, beside its qualities."""
IMAGE_TOKENS = "image_tokens"
DEFAULT_INPUT_MICRO_PER_MILLION = IMAGE_INPUT_MICRO_PER_TOKEN * MICRO
Table = Mapping[str, Mapping[str, Mapping[str, int]]]
"""model -> quality -> size -> micro-credits per image."""


def default_table() -> Table:
    per_image = {
        quality: {size: tokens * IMAGE_OUTPUT_MICRO_PER_TOKEN for size, tokens in sizes.items()}
        for quality, sizes in OUTPUT_TOKENS.items()
    }
    return {ANY: per_image}


class PriceTable:
    def __init__(
        self,
        overrides: Mapping[str, Mapping[str, Mapping[str, object]]] | None = None,
        art: Mapping[str, str] | None = None,
    ):
        """`overrides`: model -> quality -> size -> credits (numbers or decimal strings);
        `art`: composed design model -> the model drawing its art (issue 25), whose price
        for the same quality and size is added to the design's own.

        A model's listed qualities replace GPT-Image-1's, the others keep them; a "*"
        quality replaces them all. A model "*" prices every model not listed. Each quality
        needs a "*" or a "1024x1024" price, so that every size has one.
        """
        default = default_table()[ANY]
        table: dict[str, Mapping[str, Mapping[str, int]]] = {ANY: default}
        self._input: dict[str, int] = {ANY: DEFAULT_INPUT_MICRO_PER_MILLION}
        """model -> micro-credits per million input image tokens."""
        for model, entries in (overrides or {}).items():
            qualities = {k: v for k, v in entries.items() if k != INPUT}
            if INPUT in entries:
                self._input[model] = self._input_price(model, entries[INPUT])
            if not qualities:
                continue
            listed = {
                quality: {
                    size: to_micro(price, f"prices.{model}.{quality}.{size}")
                    for size, price in sizes.items()
                }
                for quality, sizes in qualities.items()
            }
            table[model] = listed if ANY in listed else {**default, **listed}
        for model, qualities in table.items():
            for quality, sizes in qualities.items():
                if quality != ANY and quality not in CONCRETE_QUALITIES:
                    raise ValueError(f"prices.{model}: unknown quality {quality!r}")
                if ANY not in sizes and "1024x1024" not in sizes:
                    raise ValueError(f"prices.{model}.{quality}: needs a '*' or '1024x1024' price")
        self._table = table
        self._art = dict(art or {})

    @staticmethod
    def _input_price(model: str, entry: Mapping[str, object]) -> int:
        unknown = set(entry) - {IMAGE_TOKENS}
        if unknown or IMAGE_TOKENS not in entry:
            raise ValueError(
                f"prices.{model}.{INPUT}: give only '{IMAGE_TOKENS}', the credits per million "
                "input image tokens"
            )
        micro = to_micro(entry[IMAGE_TOKENS], f"prices.{model}.{INPUT}.{IMAGE_TOKENS}")
        if micro < 0:
            raise ValueError(f"prices.{model}.{INPUT}.{IMAGE_TOKENS}: must not be negative")
        return micro

    def listing(self, model: str) -> dict[ConcreteQuality, dict[str, int]]:
        """A model's per-image prices in micro-credits, quality -> size -> price. A size
        not listed costs the "*" price, else the "1024x1024" price scaled by area. A
        composed model's prices are its own plus its art model's, at the sizes either lists."""
        qualities = self._table.get(model) or self._table[ANY]
        own = {
            quality: dict(qualities.get(quality) or qualities[ANY])
            for quality in CONCRETE_QUALITIES
        }
        if model not in self._art:
            return own
        art = self.listing(self._art[model])
        listed: dict[ConcreteQuality, dict[str, int]] = {}
        for quality in CONCRETE_QUALITIES:
            sizes = set(own[quality]) | set(art[quality])
            if not (ANY in own[quality] and ANY in art[quality]):
                sizes.discard(ANY)  # a flat price on one side: priced at the other's sizes
                sizes.add("1024x1024")
            listed[quality] = {
                size: self._sized(own[quality], size) + self._sized(art[quality], size)
                for size in sizes
            }
        return listed

    @staticmethod
    def _sized(sizes: Mapping[str, int], size: str) -> int:
        exact = sizes.get(size, sizes.get(ANY))
        if exact is not None:
            return exact
        width, height = (int(side) for side in size.split("x"))
        return max(1, round(sizes["1024x1024"] * width * height / (1024 * 1024)))

    def input_per_million(self, model: str) -> int:
        """Micro-credits per million input image tokens."""
        return self._input.get(model, self._input[ANY])

    def input_price(self, model: str, image_tokens: int) -> int:
        """Micro-credits for `image_tokens` input image tokens (half up)."""
        per_million = self.input_per_million(model)
        return (image_tokens * per_million * 2 + MICRO) // (2 * MICRO)

    def call_price(self, spec: RenderSpec, images: int) -> int:
        """Micro-credits for a call that delivers `images` images: their price, plus the
        input images' once when any image is delivered (nothing delivered, nothing owed)."""
        if images <= 0:
            return 0
        output = self.price(spec.model, spec.quality, spec.width, spec.height, images)
        return output + self.input_price(spec.model, inputs_tokens(spec.inputs))

    def per_image(self, model: str, quality: ConcreteQuality, width: int, height: int) -> int:
        """Micro-credits for one image; a composed model's adds its art model's."""
        qualities = self._table.get(model) or self._table[ANY]
        sizes = qualities.get(quality) or qualities[ANY]
        own = self._sized(sizes, f"{width}x{height}")
        art = self._art.get(model)
        return own + (self.per_image(art, quality, width, height) if art is not None else 0)

    def price(self, model: str, quality: ConcreteQuality, width: int, height: int, n: int) -> int:
        """Micro-credits for n images."""
        return self.per_image(model, quality, width, height) * n


def to_micro(credits: object, where: str = "credits") -> int:
    """A decimal amount of credits as whole micro-credits (half up): '0.011' -> 11000."""
    try:
        amount = Decimal(str(credits).strip())
        fits = amount.is_finite() and -MAX_CREDITS <= amount <= MAX_CREDITS
    except ArithmeticError:  # not a number, or an exponent beyond Decimal's range
        fits = False
    if not fits:
        raise ValueError(f"{where}: {credits!r} is not a number of credits up to {MAX_CREDITS}")
    return int((amount * MICRO).to_integral_value(rounding=ROUND_HALF_UP))


def parse_credits(value: object, param: str = "credits", *, positive: bool = False) -> int:
    """A decimal amount of credits (a string or a JSON number) as micro-credits.

    Refuses booleans, non-numbers, NaN and infinities, negatives (and zero when
    `positive`) and amounts over MAX_CREDITS, with an InvalidRequest naming `param`.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InvalidRequest(f"{param} must be a decimal number of credits.", param=param)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidRequest(
            f"{param} must be a decimal number of credits, not {excerpt(str(value))}.", param=param
        ) from None
    if not amount.is_finite():
        raise InvalidRequest(
            f"{param} must be a finite number, not {excerpt(str(value))}.", param=param
        )
    if amount < 0:
        raise InvalidRequest(f"{param} must not be negative.", param=param)
    if amount > MAX_CREDITS:
        raise InvalidRequest(f"{param} must be at most {MAX_CREDITS} credits.", param=param)
    micro = to_micro(amount, param)
    if positive and micro <= 0:
        raise InvalidRequest(f"{param} must be more than 0 credits.", param=param)
    return micro
