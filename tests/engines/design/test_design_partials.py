"""Partial images and cancellation through the progress callback; credits; styles."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from pixmill.engines.base import PartialImage
from pixmill.engines.design import brief as brief_module
from pixmill.engines.design import styles
from pixmill.engines.design.subjects import library
from pixmill.errors import Cancelled
from pixmill.service import encode_one

PROMPT = 'a poster for a bakery with a croissant "Fresh Bread Daily" "Open 7 am"'


class Recorder:
    def __init__(self, cancel_after: int | None = None):
        self.calls: list[tuple[int, int, PartialImage | None]] = []
        self.cancel_after = cancel_after

    def __call__(self, done, total, partial=None):
        self.calls.append((done, total, partial))
        if self.cancel_after is not None and partial is None and done >= self.cancel_after:
            raise Cancelled("stop")

    @property
    def partials(self) -> list[PartialImage]:
        return [p for _, _, p in self.calls if p is not None]


@pytest.mark.parametrize("count", [0, 1, 2, 3])
def test_partial_images_are_real_layers_at_most_as_many_as_asked(engine, make_spec, count):
    spec = make_spec(PROMPT, 256, 384, n=2, partial_images=count)
    recorder = Recorder()
    images = engine.generate(spec, recorder)
    partials = recorder.partials
    assert len(partials) == 2 * count
    for index in range(2):
        mine = [p for p in partials if p.index == index]
        assert len(mine) == count
        for partial in mine:
            assert partial.image.size == (256, 384)
            assert partial.image.mode in ("RGB", "RGBA")
        if count >= 2:  # the background, then the art over it: two different states
            first, second = (np.asarray(p.image) for p in mine[:2])
            assert not np.array_equal(first, second)
        if count:  # no partial is the finished picture before the type, except the last
            final = np.asarray(images[index].image)
            assert not np.array_equal(np.asarray(mine[0].image), final)
    assert [(d, t) for d, t, p in recorder.calls if p is None] == [(1, 2), (2, 2)]


def test_partials_are_not_sent_when_not_asked(engine, make_spec):
    recorder = Recorder()
    engine.generate(make_spec(PROMPT, 128, 128, n=2), recorder)
    assert recorder.partials == []


def test_cancelled_from_the_callback_stops_between_images(engine, make_spec):
    recorder = Recorder(cancel_after=1)
    with pytest.raises(Cancelled):
        engine.generate(make_spec(PROMPT, 128, 128, n=4, partial_images=1), recorder)
    assert [p.index for p in recorder.partials] == [0]  # image 1 was never started


def test_a_png_using_twemoji_art_carries_the_attribution(engine, make_spec):
    spec = make_spec("a bowl of ramen", 256, 256)
    [picture] = engine.generate(spec)
    assert picture.credits == (library.CREDIT,)
    encoded = encode_one(picture, spec, 0)
    meta = json.loads(Image.open(io.BytesIO(encoded.data)).info["Description"])
    assert any("Twemoji" in credit and "CC-BY 4.0" in credit for credit in meta["credits"])


def test_an_svg_using_twemoji_art_carries_the_attribution(engine, make_spec):
    [picture] = engine.generate(make_spec("a bowl of ramen", 256, 256, output_format="svg"))
    assert b"<metadata>" in picture.svg and b"Twemoji" in picture.svg


def test_pictures_without_library_art_owe_nothing(engine, make_spec):
    [picture] = engine.generate(make_spec('a minimal logo "Northwind"', 256, 256, seed=2))
    spec = make_spec('a minimal logo "Northwind"', 256, 256, seed=2)
    meta = json.loads(Image.open(io.BytesIO(encode_one(picture, spec, 0).data)).info["Description"])
    assert picture.credits == () and "credits" not in meta


@pytest.mark.parametrize(
    ("prompt", "style"),
    [
        ("a watercolour painting of a fox", "watercolor"),
        ("a line art sketch of a cat", "sketch"),
        ("pixel art of a castle", "pixel"),
        ("a neon glow sign of a cocktail", "neon"),
        ("a vintage print of a sailboat", "vintage"),
        ("a landscape in the style of Van Gogh", "painterly"),
        ('a poster "Neon Dreams" for a bakery', None),  # words in quotes are not styles
        ("a flat illustration of a house", None),
    ],
)
def test_style_words_pick_a_style(prompt, style):
    assert styles.style_of(brief_module.parse(prompt)) == style


def _colours(image: Image.Image) -> int:
    return len(np.unique(np.asarray(image.convert("RGB")).reshape(-1, 3), axis=0))


def test_styles_change_the_rendering(engine, make_spec):
    plain = engine.generate(make_spec("a castle on a hill", 256, 256))[0].image
    pixel = engine.generate(make_spec("pixel art of a castle on a hill", 256, 256))[0].image
    sketch = engine.generate(make_spec("a sketch of a castle on a hill", 256, 256))[0].image
    neon = engine.generate(make_spec("a neon castle on a hill", 256, 256))[0].image
    assert _colours(pixel) < _colours(plain) / 2  # few colours on a coarse grid
    grid = np.asarray(pixel.convert("RGB")).astype(int)
    assert (np.abs(np.diff(grid, axis=1)).sum(axis=2) > 0).mean() < 0.2
    assert np.asarray(sketch.convert("L")).mean() > np.asarray(plain.convert("L")).mean()
    assert np.asarray(neon.convert("L")).mean() < np.asarray(plain.convert("L")).mean()


def test_vivid_is_saturated_and_natural_muted():
    import random

    from pixmill.engines.design.palette import make_palette, to_hsl

    brief = brief_module.parse("a bowl of fruit on a table")
    sats = {}
    for style in ("vivid", None, "natural"):
        palettes = [make_palette(brief, random.Random(seed), style) for seed in range(20)]
        sats[style] = np.mean([to_hsl(p.accent)[1] for p in palettes])
    assert sats["vivid"] > sats[None] > sats["natural"]


def test_the_engine_reads_the_spec_style_when_there_is_one(engine, make_spec):
    import dataclasses

    spec = make_spec("a bowl of fruit on a table", 128, 128)
    vivid = engine.generate(dataclasses.replace(spec, style="vivid"))[0].image
    natural = engine.generate(dataclasses.replace(spec, style="natural"))[0].image
    sat = [np.asarray(i.convert("HSV"))[..., 1].mean() for i in (vivid, natural)]
    assert sat[0] > sat[1]
