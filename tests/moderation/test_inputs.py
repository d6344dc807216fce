"""Input images of an edit go through the image classifier, named by their parameter."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from pixmill.errors import ModerationBlocked
from pixmill.imaging.inputs import InputLimits, decode_image, preview
from pixmill.moderation import ImageModerator
from pixmill.moderation.inputs import blocked_input
from tests.imaging.samples import encoded
from tests.moderation.test_images import drawn_images


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def inputs():
    return [
        decode_image(_png(image), param=f"image[{i}]", limits=InputLimits())
        for i, image in enumerate(drawn_images(3))
    ]


def test_benign_inputs_pass(inputs) -> None:
    assert blocked_input(ImageModerator(), inputs, "auto") is None
    assert blocked_input(ImageModerator(), [], "auto") is None


def test_the_first_blocked_image_is_named(inputs) -> None:
    """A threshold between two real scores blocks the higher-scoring image only."""
    scores = ImageModerator().scores([preview(image) for image in inputs])
    order = sorted(range(len(scores)), key=scores.__getitem__)
    low, high = scores[order[-2]], scores[order[-1]]
    assert low < high
    strict = ImageModerator(auto_threshold=(low + high) / 2)
    error = blocked_input(strict, inputs, "auto")
    assert isinstance(error, ModerationBlocked)
    assert error.param == f"image[{order[-1]}]"
    assert error.stage == "input_image" and error.status == 400
    assert error.code == "moderation_blocked"


def test_previews_are_small_and_upright() -> None:
    big = decode_image(encoded("jpeg", (3000, 1000)), param="image", limits=InputLimits())
    small = preview(big)
    assert max(small.size) == 512 and small.mode == "RGB"
    assert abs(small.size[0] / small.size[1] - 3) < 0.05
