"""The design engine's edits, engine-level: layouts, grids, cut-outs and refusals."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from tests.api.edit_images import encode, mask, photo

from pixmill.engines.design import arrangements, cutout, edits
from pixmill.engines.design.brief import parse
from pixmill.engines.design.engine import DesignEngine
from pixmill.errors import InvalidRequest
from pixmill.imaging.inputs import InputLimits, decode_image, decode_mask
from pixmill.request import RenderSpec

LIMITS = InputLimits()
IMAGE = decode_image(photo(400, 300), param="image", limits=LIMITS)
SPEC = RenderSpec(
    prompt='A label for "Tide Coffee"', model="design", n=1, width=512, height=768,
    quality="low", background="opaque", output_format="png", output_compression=100, seed=5,
    inputs=(IMAGE,),
)  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> DesignEngine:
    return DesignEngine()


def test_the_subject_is_found_off_centre():
    subject = edits.find_subject(edits.open_input(IMAGE))
    # The disc spans 55-90 % of the width and 30-80 % of the height.
    cx, cy = subject.centre
    assert 0.6 < cx < 0.85 and 0.4 < cy < 0.7
    left, top, right, bottom = subject.box
    assert 0.5 < left < 0.6 and 0.25 < top < 0.35 and 0.85 < right < 0.95 and 0.75 < bottom < 0.85


def test_a_transparent_edit_cuts_the_subject_out(engine):
    [result] = engine.generate(replace(SPEC, background="transparent"))
    alpha = np.asarray(result.image.getchannel("A"))
    visual = alpha[: round(768 * arrangements.VISUAL_SHARE)]
    assert visual[5, 5] == 0  # the photo's ground is gone
    assert visual.max() == 255  # its subject stays


def test_a_grid_has_a_tile_per_image(engine):
    boxes = arrangements.grid((0, 0, 1000, 600), 4, 1000, 1000)
    assert len(boxes) == 4 and len({box[:2] for box in boxes}) == 4
    for left, top, right, bottom in boxes:
        assert 0 <= left < right <= 1000 and 0 <= top < bottom <= 600
    # Three in a tall band: one column of near-square tiles, not two columns and a hole.
    band = arrangements.grid((700, 0, 1000, 950), 3, 1000, 1000)
    assert len({box[0] for box in band}) == 1
    spec = replace(SPEC, n=2, inputs=(IMAGE,) * 4)
    results = engine.generate(spec)
    assert [r.image.size for r in results] == [(512, 768)] * 2
    assert results[0].seed != results[1].seed


def test_refusals(engine):
    with pytest.raises(InvalidRequest) as caught:
        engine.check_spec(replace(SPEC, output_format="svg"))
    assert caught.value.param == "output_format"
    checked = decode_mask(mask(400, 300, (0, 0, 9, 9)), limits=LIMITS, first=IMAGE)
    engine.check_spec(replace(SPEC, mask=checked, prompt="a sign"))  # another size: scaled
    quoted = replace(SPEC, mask=checked, prompt='a sign saying "Grand Opening"')
    with pytest.raises(InvalidRequest) as caught:  # too small a box for the text
        engine.check_spec(replace(quoted, width=400, height=300))
    assert caught.value.param == "mask"


def test_a_mask_with_nothing_to_change_gives_the_input_back(engine):
    opaque = encode(Image.new("RGBA", (400, 300), (0, 0, 0, 255)))
    untouched = decode_mask(opaque, limits=LIMITS, first=IMAGE)
    [result] = engine.generate(replace(SPEC, mask=untouched, width=400, height=300))
    before = np.asarray(edits.open_input(IMAGE).convert("RGB"))
    assert np.array_equal(np.asarray(result.image.convert("RGB")), before)


# Further images: a grid, a collage or product tiles, as the prompt asks

DISCS = ((200, 40, 40), (40, 150, 50), (40, 70, 210), (235, 160, 20))
"""Each input's subject has its own colour, so each can be found in the output."""
SIZES = ((400, 300), (300, 300), (300, 420), (500, 260))
FOUR = tuple(
    decode_image(photo(w, h, colour), param=f"image[{i}]", limits=LIMITS)
    for i, ((w, h), colour) in enumerate(zip(SIZES, DISCS, strict=True))
)
ARRANGED = {
    "grid": 'A poster for "Night Market" with these photos',
    "collage": 'A summer moodboard "Golden Hour"',
    "tiles": 'A product catalog for "Tide Coffee"',
}


def test_the_arrangement_follows_the_prompt():
    assert {kind: parse(prompt).arrangement for kind, prompt in ARRANGED.items()} == {
        kind: kind for kind in ARRANGED
    }
    assert parse("a scrapbook page of our trip").arrangement == "collage"
    assert parse("a vintage product label for honey").arrangement == "tiles"  # a label's genre
    assert parse("an ad for our new sneakers").arrangement == "tiles"
    assert parse("a shop's lineup, as a collage").arrangement == "collage"  # collage wins
    # Quoted words are text to set, not directions; "orange of" is not "range of".
    assert parse('a poster "Collage Shop"').arrangement == "grid"
    assert parse("an orange of joy poster").arrangement == "grid"


@pytest.fixture(scope="module")
def arranged(engine) -> dict[str, tuple[RenderSpec, Image.Image, str]]:
    """One 4-image edit per arrangement, at high fidelity so the discs keep their colours."""
    made = {}
    for kind, prompt in ARRANGED.items():
        spec = replace(SPEC, prompt=prompt, inputs=FOUR, input_fidelity="high", seed=21)
        [result] = engine.generate(spec)
        made[kind] = (spec, result.image, result.layout)
    return made


def disc_pixels(image: Image.Image, colour) -> np.ndarray:
    pixels = np.asarray(image.convert("RGB")).astype(int)
    return np.all(np.abs(pixels - np.array(colour)) < 28, axis=2)


@pytest.mark.parametrize("kind", list(ARRANGED))
def test_each_subject_appears_whole_in_its_place(arranged, kind):
    _, image, layout = arranged[kind]
    assert layout == kind and image.size == (512, 768)
    visual, _ = arrangements.regions(512, 768)
    aspect = arrangements.TILE_ASPECT if kind == "tiles" else 1.0
    hero, boxes = arrangements.split(visual, 3, 512, 768, aspect)
    assert len(boxes) == 3
    places = [hero, *boxes]
    for picture, colour, (left, top, right, bottom) in zip(FOUR, DISCS, places, strict=True):
        found = disc_pixels(image.crop(visual), colour)  # the panel's art may share a colour
        ys, xs = np.nonzero(found)
        assert len(xs) > 0.08 * (right - left) * (bottom - top), (kind, colour)
        # Its subject sits in its own place (a collage card may lean out a little) ...
        assert left <= xs.mean() <= right and top <= ys.mean() <= bottom, (kind, colour)
        # ... whole, not cut by its tile: its extent has the input's disc's proportions
        # (photo() draws it 35 % of the width wide and 50 % of the height tall).
        width, height = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
        expected = 0.35 * picture.width / (0.5 * picture.height)
        assert 0.85 < width / height / expected < 1.15, (kind, colour, width, height)


def test_product_tiles_are_equal_and_cut_out_on_a_clean_ground(arranged):
    image = arranged["tiles"][1]
    visual, _ = arrangements.regions(512, 768)
    _, boxes = arrangements.split(visual, 3, 512, 768, arrangements.TILE_ASPECT)
    assert len({(right - left, bottom - top) for left, top, right, bottom in boxes}) == 1
    pixels = np.asarray(image.convert("RGB")).astype(int)
    for left, top, right, bottom in boxes:
        # The photo's textured grey-blue ground is gone: the tile's ground is one flat colour.
        corner = pixels[top + 6 : top + 14, left + 6 : left + 14].reshape(-1, 3)
        assert np.ptp(corner, axis=0).max() <= 2
        # The caption strip across the foot of the tile is darker than the ground.
        strip = pixels[bottom - 3, left + (right - left) // 2]
        assert strip.sum() < corner[0].sum() - 150


def test_a_collage_tilts_its_cards_by_the_seed(engine, arranged):
    spec, image, _ = arranged["collage"]
    [again] = engine.generate(spec)
    assert np.array_equal(np.asarray(again.image), np.asarray(image))  # same seed, same bytes
    [other] = engine.generate(replace(spec, seed=22))
    assert not np.array_equal(np.asarray(other.image), np.asarray(image))


def test_a_transparent_collage_is_of_cut_outs(engine):
    spec = replace(SPEC, prompt=ARRANGED["collage"], inputs=FOUR[:3], background="transparent")
    [result] = engine.generate(spec)
    alpha = np.asarray(result.image.getchannel("A"))[: round(768 * arrangements.VISUAL_SHARE)]
    assert alpha.min() == 0 and alpha.max() == 255
    # No card borders: what is opaque is the subjects (and their soft shadows), a small part.
    assert (alpha == 255).mean() < 0.35


# A cut-out: the first image's subject on the engine's own backdrop

CUT_OUT = 'A poster of this photo cut out, titled "Tide"'
SHADOW_INK = 10
"""The grey of `arrangements.with_shadow`'s shadow."""


def test_the_cutout_follows_the_prompt():
    for prompt in (
        CUT_OUT,
        "a cutout of my dog for a flyer",
        "an ad with the bottle cut-out",
        "the product isolated on a poster",
        "a poster, background removed",
    ):
        assert parse(prompt).cutout == "cutout", prompt
    assert parse("make a sticker of this photo").cutout == "sticker"
    assert parse("a die-cut label").cutout == "sticker"
    # Quoted words are text to set; nothing else asks for a cut-out.
    for prompt in ('a poster "Cut Out"', "a poster of a cutting board", "A poster for a cut"):
        assert parse(prompt).cutout is None, prompt


@pytest.fixture(scope="module")
def cut_out(engine) -> tuple[RenderSpec, Image.Image, str]:
    spec = replace(SPEC, prompt=CUT_OUT, input_fidelity="high", seed=31)
    [result] = engine.generate(spec)
    return spec, result.image, result.layout


def test_a_cutout_sets_the_subject_on_the_engines_backdrop(cut_out):
    spec, image, layout = cut_out
    assert layout == "cutout" and image.size == (512, 768)
    visual, _ = arrangements.regions(512, 768)
    width, height = arrangements.size_of(visual)
    out = np.asarray(image.convert("RGB"))[: visual[3]].astype(int)
    # The subject's pixels are the photo's own (only scaled): the disc's flat red, exactly,
    # and as large as the region allows, with its proportions (35 % of the photo's width
    # by 50 % of its height).
    ys, xs = np.nonzero(np.all(out == (200, 40, 40), axis=2))
    disc_w, disc_h = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    assert 0.9 < (disc_w / disc_h) / (0.35 * 400 / (0.5 * 300)) < 1.1
    assert disc_h > 0.7 * height and len(xs) > 0.6 * disc_w * disc_h
    # Everywhere else the picture is the engine's drawing of the prompt, darkened only by
    # the subject's soft shadow (black at some opacity: the same share off every channel),
    # and pixel for pixel away from it: none of the photo's grey textured ground.
    drawn = cutout.backdrop(parse(CUT_OUT), spec, spec.seed, width, height).image
    drawn = np.asarray(drawn.convert("RGB")).astype(int)
    outside = ~ndimage.binary_dilation(np.all(out == (200, 40, 40), axis=2), iterations=16)
    lit = drawn[outside] - SHADOW_INK
    share = np.where(lit > 40, (drawn[outside] - out[outside]) / np.maximum(lit, 1), np.nan)
    rows = ~np.all(np.isnan(share), axis=1)
    low, high = np.nanmin(share[rows], axis=1), np.nanmax(share[rows], axis=1)
    assert rows.mean() > 0.9
    assert low.min() > -0.02 and high.max() < 0.5 and (high - low).max() < 0.05
    reach = 4 * round(min(width, height) * cutout.SHADOW) + 8
    away = np.ones((height, width), bool)
    away[
        max(0, ys.min() - reach) : ys.max() + reach, max(0, xs.min() - reach) : xs.max() + reach
    ] = False
    assert away.mean() > 0.04
    assert np.array_equal(out[away], drawn[away])
    # Under the subject's foot: its shadow, darker than the drawing.
    below = (slice(ys.max() + 2, ys.max() + reach // 2), slice(xs.min() + disc_w // 4, xs.max()))
    assert out[below].sum() < drawn[below].sum() - 1000


def test_a_cutout_is_the_same_for_a_seed_and_follows_fidelity(engine, cut_out):
    spec, image, _ = cut_out
    [again] = engine.generate(spec)
    assert np.array_equal(np.asarray(again.image), np.asarray(image))
    [other] = engine.generate(replace(spec, seed=32))
    assert other.layout == "cutout"
    assert not np.array_equal(np.asarray(other.image), np.asarray(image))
    [low] = engine.generate(replace(spec, input_fidelity="low"))
    visual = np.asarray(low.image.convert("RGB"))[: round(768 * arrangements.VISUAL_SHARE)]
    assert np.all(visual == (200, 40, 40), axis=2).sum() < 50  # tinted to the palette


def test_a_sticker_has_a_white_edge(engine):
    spec = replace(SPEC, prompt='A sticker of this photo "Tide"', input_fidelity="high")
    [result] = engine.generate(spec)
    assert result.layout == "cutout"
    out = np.asarray(result.image.convert("RGB"))[: round(768 * arrangements.VISUAL_SHARE)]
    red = np.all(out == (200, 40, 40), axis=2)
    ys, xs = np.nonzero(red)
    middle = (ys.min() + ys.max()) // 2
    # Left of the disc, along its middle row: white between it and the drawing, which has
    # no white there.
    span = (middle, slice(max(0, xs.min() - 30), xs.min()))
    assert np.all(out[span] >= 240, axis=1).sum() >= 3
    drawn = cutout.backdrop(parse(spec.prompt), spec, spec.seed, *out.shape[1::-1]).image
    assert np.all(np.asarray(drawn.convert("RGB"))[span] >= 240, axis=1).sum() == 0


def test_a_mask_or_a_transparent_background_wins_over_a_cutout(engine):
    checked = decode_mask(mask(400, 300, (0, 0, 99, 99)), limits=LIMITS, first=IMAGE)
    spec = replace(SPEC, prompt=CUT_OUT, mask=checked, width=400, height=300)
    [masked] = engine.generate(spec)
    assert masked.layout == "mask"
    before = np.asarray(edits.open_input(IMAGE).convert("RGB"))
    assert np.array_equal(np.asarray(masked.image.convert("RGB"))[150:], before[150:])
    [clear] = engine.generate(replace(SPEC, prompt=CUT_OUT, background="transparent"))
    assert clear.layout == "grid"  # the transparent edit's own cut-out, no backdrop drawn
    assert np.asarray(clear.image.getchannel("A"))[5, 5] == 0
