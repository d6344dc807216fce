"""Partial images: cheaply decoded intermediate latents through the progress callback."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from pixmill.engines import PartialImage
from pixmill.engines.diffusion import DiffusionEngine
from pixmill.engines.diffusion.batching import partial_steps
from pixmill.errors import Cancelled

from .conftest import NATIVE_SIDE, make_spec


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    """4 steps a request (turbo family, quality max); fp32 for speed (see test_batching)."""
    return DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, channels_last=False,
        runtime="torch", dtype="float32", max_batch=2,
    )  # fmt: skip


def collect(engine, **changes):
    partials: list[tuple[int, PartialImage]] = []

    def progress(done, total, partial=None):
        if partial is not None:
            partials.append((done, partial))

    images = engine.generate(make_spec(quality="max", **changes), progress)
    return images, partials


def test_partial_steps_are_spread_over_the_steps():
    assert partial_steps(4, 0) == frozenset()
    assert partial_steps(4, 3) == {1, 2, 3}
    assert partial_steps(30, 2) == {10, 20}
    assert partial_steps(1, 3) == {1}  # one step: at most one partial


def test_sends_the_asked_number_of_partials_per_image(engine):
    images, partials = collect(engine, n=2, partial_images=2)
    assert len(images) == 2
    assert sorted(p.index for _, p in partials) == [0, 0, 1, 1]
    for done, partial in partials:
        assert partial.image.mode == "RGB"
        assert partial.image.size == (NATIVE_SIDE // 2, NATIVE_SIDE // 2)  # one latent pixel each
        assert 0 < done < 8  # sent while rendering, before the last step of both images
    # Real intermediate states: they change from one partial to the next.
    first = [np.asarray(p.image) for _, p in partials if p.index == 0]
    assert not np.array_equal(first[0], first[1])


def test_no_partials_when_none_are_asked(engine):
    _, partials = collect(engine, partial_images=0)
    assert partials == []


def test_partials_are_decoded_by_the_tiny_autoencoder_when_loaded(tiny_model_dir, tiny_vae_dir):
    engine = DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, channels_last=False,
        runtime="torch", dtype="float32", tiny_vae=str(tiny_vae_dir),
    )  # fmt: skip
    _, partials = collect(engine, partial_images=1)
    ((_, partial),) = partials
    assert isinstance(partial.image, Image.Image)
    assert partial.image.size == (NATIVE_SIDE, NATIVE_SIDE)  # decoded, not the latent's size


def test_a_cancel_from_a_partial_stops_between_steps(engine):
    seen: list[int] = []

    def progress(done, total, partial=None):
        seen.append(done)
        if partial is not None:
            raise Cancelled("seen enough")

    with pytest.raises(Cancelled):
        engine.generate(make_spec(quality="max", partial_images=1), progress)
    assert seen[-1] == 2  # the partial after step 2 of 4; nothing after it
