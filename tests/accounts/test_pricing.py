"""The input-image price of edits, beside the per-image output prices."""

from __future__ import annotations

from dataclasses import replace

import pytest

from pixmill.accounts.pricing import PriceTable
from pixmill.request import ImageRequest, InputImage, resolve


def _spec(inputs: tuple[InputImage, ...] = (), model: str = "gpt-image-1"):
    spec = resolve(ImageRequest(prompt="x", model=model, size="1024x1024", quality="low"))
    return replace(spec, inputs=inputs)


def _input(width: int, height: int) -> InputImage:
    return InputImage(b"", "png", width, height, False, "image")


def test_default_input_price_is_gpt_image_1s() -> None:
    table = PriceTable()
    assert table.input_price("gpt-image-1", 194) == 1_940  # $10 per million tokens
    assert table.input_price("gpt-image-1", 0) == 0
    spec = _spec((_input(1024, 1024), _input(1920, 1080)))
    assert table.call_price(spec, 1) == 10_880 + (194 + 323) * 10
    assert table.call_price(spec, 2) == 2 * 10_880 + (194 + 323) * 10  # inputs once per call
    assert table.call_price(spec, 0) == 0  # nothing delivered, nothing owed
    assert table.call_price(_spec(), 1) == 10_880  # a generation: as before


def test_operators_set_input_prices_per_model() -> None:
    table = PriceTable(
        {
            "sd-turbo": {"*": {"*": "0.002"}, "input": {"image_tokens": "1"}},
            "design": {"input": {"image_tokens": 0}},
            "*": {"input": {"image_tokens": "20"}},
        }
    )
    assert table.input_price("sd-turbo", 1_000_000) == 1_000_000
    assert table.input_price("design", 5000) == 0
    assert table.input_price("other", 194) == 3_880
    # An input-only entry leaves the model's output prices as they were.
    assert table.price("design", "low", 1024, 1024, 1) == 10_880
    assert table.price("sd-turbo", "low", 1024, 1024, 1) == 2_000
    assert table.input_price("sd-turbo", 1) == 1  # half up


@pytest.mark.parametrize(
    "entry",
    [{"image": 1}, {}, {"image_tokens": "ten"}, {"image_tokens": -1}, {"image_tokens": 1, "x": 2}],
)
def test_bad_input_prices_are_refused(entry: dict) -> None:
    with pytest.raises(ValueError):
        PriceTable({"m": {"input": entry}})
