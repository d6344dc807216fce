"""Text roles, line breaks, quote punctuation, and text over transparency."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest

from pixmill.engines.design import typeset
from pixmill.engines.design.contrast import luminance_map
from pixmill.engines.design.palette import contrast


def _size(block) -> float:
    return max(line.size for line in block.lines)


@pytest.mark.parametrize(
    ("prompt", "biggest"),
    [
        (
            'a magazine cover "Wild Coast" issue "No. 42" headline "Surfing the Cold Atlantic"',
            "Wild Coast",
        ),
        ('a poster "Jazz Night" date "March 14" "Doors 8 pm" "The Blue Room"', "Jazz Night"),
        ('a sale poster "Summer Clearance" "70% OFF" "This weekend only"', "70% OFF"),
        # a discount with a number outranks a named offer
        ('a flyer "Big Sale" "Everything 50% off" "Saturday only"', "Everything 50% off"),
        ('a book cover titled "Ember Crown" by "L. Hart" "Book One"', "Ember Crown"),
        ('a cafe menu "Morning Menu" items "Espresso" "Cappuccino" "Croissant"', "Morning Menu"),
    ],
)
def test_the_title_or_offer_is_the_biggest_text(engine, make_spec, prompt, biggest):
    for seed in range(3):
        design = engine.design(make_spec(prompt, 512, 768, seed=seed))
        top = max(design.blocks, key=_size)
        assert top.source == biggest, (seed, [(b.source, _size(b)) for b in design.blocks])
        others = [_size(b) for b in design.blocks if b.source != biggest]
        assert all(size < _size(top) for size in others)


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("Open 7 am to 4 pm", ["Open", "7 am", "to", "4 pm"]),
        ("Maple & Oak Bakery", ["Maple", "& Oak", "Bakery"]),
        ("70% OFF everything", ["70% OFF", "everything"]),
        ("Margherita $ 12", ["Margherita", "$ 12"]),
        ("Call +1 555 010 2233", ["Call", "+1 555 010 2233"]),
        ("Dr. Elena Vasquez", ["Dr. Elena Vasquez"]),
        ("Priya Raman", ["Priya Raman"]),
        ("by L. Hart", ["by", "L. Hart"]),
        ("200 g spaghetti", ["200 g", "spaghetti"]),
        ("Saturday 12 September", ["Saturday", "12 September"]),
        ("10 Hidden Cafés You'll Love", ["10", "Hidden", "Cafés", "You'll", "Love"]),
    ],
)
def test_units_a_break_never_splits(text, units):
    assert typeset._glued(text) == units


_UNIT_START = re.compile(r"^(pm|am|g|kg|ml|%|OFF|Oak|September)\b", re.I)


@pytest.mark.parametrize(
    "prompt",
    [
        'a wedding invitation "Maya & Tom" "Saturday, 12 September 2026 at 4 pm"',
        'a bakery flyer "Fresh Bread Daily" "Open 7 am to 4 pm" "Maple & Oak Bakery"',
        'a business card "Dr. Elena Vasquez" "Veterinarian" "+1 555 010 2233"',
        'a concert poster "The Velvet Owls" "Live at The Roxy" "Friday 9 pm" "$25"',
    ],
)
def test_set_lines_keep_numbers_with_units_and_names_whole(engine, make_spec, prompt):
    for width, height in ((256, 384), (384, 384), (512, 256)):
        for seed in range(3):
            design = engine.design(make_spec(prompt, width, height, seed=seed))
            for block in design.blocks:
                texts = [line.text for line in block.lines]
                for before, after in itertools.pairwise(texts):
                    assert not (re.search(r"\d$", before) and _UNIT_START.match(after)), texts
                    assert not before.endswith("&"), texts
                    assert not (before.endswith("+1 555") or before.endswith("Elena")), texts


def test_quote_punctuation_stays_titles_included(engine, make_spec):
    design = engine.design(
        make_spec('a quote card "Stay hungry, stay foolish." "Steve Jobs"', 512, 512)
    )
    assert "Stay hungry, stay foolish." in {b.source for b in design.blocks}
    design = engine.design(make_spec('a magazine cover called "Urban Pulse."', 512, 768))
    assert "Urban Pulse." in {b.source for b in design.blocks}


TRANSPARENT_PROMPTS = [
    'a black and gold logo for a jewelry brand "Aurum"',
    'a minimal logo "Quanta" tagline "Fast answers"',
    'a white logo "Snow Peak" for a ski school',
    'a badge "Verified Seller" with a ribbon',
    'a cute avocado sticker "Holy Guacamole"',
    'a dark neon logo "Night Howlers" with a wolf',
]


@pytest.mark.parametrize("prompt", TRANSPARENT_PROMPTS)
@pytest.mark.parametrize("page", [(255, 255, 255), (0, 0, 0)], ids=["white", "black"])
def test_text_on_transparency_reads_on_white_and_black(engine, make_spec, prompt, page):
    for seed in range(3):
        spec = make_spec(prompt, 384, 384, background="transparent", seed=seed)
        design = engine.design(spec)
        image = np.asarray(engine.generate(spec)[0].image).astype(float)
        alpha = image[..., 3:] / 255
        flat = (image[..., :3] * alpha + np.array(page) * (1 - alpha)).round().astype(np.uint8)
        lum = luminance_map(flat)
        page_lum = luminance_map(np.array([[page]], dtype=np.uint8))[0, 0]
        for block in design.blocks:
            box = block.box
            region = lum[int(box.y) : int(box.bottom) + 1, int(box.x) : int(box.right) + 1]
            # the most distinct pixels of the text's box stand out from the page
            far = region.min() if page_lum > 0.5 else region.max()
            ratio = (max(far, page_lum) + 0.05) / (min(far, page_lum) + 0.05)
            assert ratio >= 4.5, (prompt, seed, block.source, page, ratio)
            for line in block.lines:
                if line.outline is not None:  # ink on white, outline on black
                    assert contrast(line.fill, (255, 255, 255)) >= 4.5
                    assert contrast(line.outline, (0, 0, 0)) >= 4.5
