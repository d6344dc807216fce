"""The design engine's edits, engine-level: layouts, grids, cut-outs and refusals."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from tests.api.edit_images import encode, mask, photo

from pixmill.engines.design import edits
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
    cx, cy = edits.subject_centre(edits.open_input(IMAGE))
    # The disc spans 55-90 % of the width and 30-80 % of the height.
    assert 0.6 < cx < 0.85 and 0.4 < cy < 0.7


def test_a_transparent_edit_cuts_the_subject_out(engine):
    [result] = engine.generate(replace(SPEC, background="transparent"))
    alpha = np.asarray(result.image.getchannel("A"))
    visual = alpha[: round(768 * edits.VISUAL_SHARE)]
    assert visual[5, 5] == 0  # the photo's ground is gone
    assert visual.max() == 255  # its subject stays


def test_a_grid_has_a_tile_per_image(engine):
    boxes = edits.grid((0, 0, 1000, 600), 4, 1000, 1000)
    assert len(boxes) == 4 and len({box[:2] for box in boxes}) == 4
    for left, top, right, bottom in boxes:
        assert 0 <= left < right <= 1000 and 0 <= top < bottom <= 600
    spec = replace(SPEC, n=2, inputs=(IMAGE,) * 4)
    results = engine.generate(spec)
    assert [r.image.size for r in results] == [(512, 768)] * 2
    assert results[0].seed != results[1].seed


def test_refusals(engine):
    with pytest.raises(InvalidRequest) as caught:
        engine.check_spec(replace(SPEC, output_format="svg"))
    assert caught.value.param == "output_format"
    checked = decode_mask(mask(400, 300, (0, 0, 9, 9)), limits=LIMITS, first=IMAGE)
    with pytest.raises(InvalidRequest) as caught:
        engine.check_spec(replace(SPEC, mask=checked))
    assert caught.value.param == "size"
    engine.check_spec(replace(SPEC, mask=checked, width=400, height=300))


def test_a_mask_with_nothing_to_change_gives_the_input_back(engine):
    opaque = encode(Image.new("RGBA", (400, 300), (0, 0, 0, 255)))
    untouched = decode_mask(opaque, limits=LIMITS, first=IMAGE)
    [result] = engine.generate(replace(SPEC, mask=untouched, width=400, height=300))
    before = np.asarray(edits.open_input(IMAGE).convert("RGB"))
    assert np.array_equal(np.asarray(result.image.convert("RGB")), before)
