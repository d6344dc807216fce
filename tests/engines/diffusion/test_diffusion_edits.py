"""Edits on the diffusion engine, engine-level: which pipelines run them, on which
modules; a pipeline made for editing (a tiny random-weight FLUX Kontext); batching."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from tests.api.edit_images import mask, photo

from pixmill.engines.diffusion import DiffusionEngine
from pixmill.engines.diffusion.edits import scheduled_steps
from pixmill.engines.diffusion.random_weights import build_flux_kontext_pipeline, save_pipeline
from pixmill.imaging.inputs import InputLimits, decode_image, decode_mask

from .conftest import NATIVE_SIDE, make_spec

FAST = {
    "native_side": NATIVE_SIDE,
    "channels_last": False,
    "dtype": "float32",
    "device": "cpu",
    "runtime": "torch",
}


@pytest.fixture(scope="module")
def engine(tiny_model_dir, pass_through_vae_dir):
    return DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", tiny_vae=str(pass_through_vae_dir), max_batch=2,
        **FAST,
    )  # fmt: skip


@pytest.fixture(scope="module")
def kontext_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models") / "tiny-kontext"
    return save_pipeline(build_flux_kontext_pipeline(folder), folder)


def inputs(width: int = 256, height: int = 256, box=None):
    image = decode_image(photo(width, height), param="image", limits=InputLimits())
    if box is None:
        return {"inputs": (image,)}
    area = decode_mask(mask(width, height, box), limits=InputLimits(), first=image)
    return {"inputs": (image,), "mask": area}


def pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def test_steps_asked_so_that_the_quality_s_steps_run():
    assert scheduled_steps(1, 0.35) == 3  # diffusers runs int(3 * 0.35) = 1
    assert scheduled_steps(1, 0.65) == 2
    assert scheduled_steps(25, 0.65) == 39
    assert scheduled_steps(4, 1.0) == 4
    for steps in range(1, 60):
        for strength in (0.35, 0.4, 0.65, 0.75, 1.0):
            assert int(scheduled_steps(steps, strength) * strength) == steps


def test_edits_run_on_the_loaded_modules_with_their_own_scheduler(engine):
    pipelines = engine.edits
    assert type(pipelines.image_to_image).__name__ == "StableDiffusionImg2ImgPipeline"
    assert type(pipelines.inpainting).__name__ == "StableDiffusionInpaintPipeline"
    for derived in (pipelines.image_to_image, pipelines.inpainting):
        assert derived.unet is engine.pipeline.unet and derived.vae is engine.pipeline.vae
        assert derived.scheduler is not engine.pipeline.scheduler
    assert engine.capabilities.edits
    # An edit in between leaves generations as they were.
    before = engine.generate(make_spec(seed=9))[0].image
    engine.generate(make_spec(seed=9, **inputs(box=(0, 0, 99, 99))))
    after = engine.generate(make_spec(seed=9))[0].image
    assert np.array_equal(pixels(before), pixels(after))


def test_an_edit_s_images_share_one_batch_each_with_its_seed(engine):
    images = engine.generate(make_spec(n=2, seed=21, **inputs()))
    assert engine._batches.batches[-1] == 2
    assert not np.array_equal(pixels(images[0].image), pixels(images[1].image))
    again = engine.generate(make_spec(n=1, seed=22, **inputs()))[0].image
    # Seed 22 is the second image's: alone it gives the same picture (fp32, same path).
    assert np.abs(pixels(again) - pixels(images[1].image)).max() <= 8


def test_a_kontext_model_edits_with_itself(kontext_dir):
    engine = DiffusionEngine(str(kontext_dir), family="flux-schnell", **FAST)
    pipelines = engine.edits
    assert pipelines.made_for_editing
    assert pipelines.image_to_image is engine.pipeline
    assert type(pipelines.inpainting).__name__ == "FluxKontextInpaintPipeline"
    assert pipelines.inpainting.transformer is engine.pipeline.transformer
    [edited] = engine.generate(make_spec(width=384, height=256, **inputs()))
    assert edited.image.size == (384, 256)
    box = (10, 10, 120, 90)
    [filled] = engine.generate(make_spec(width=256, height=192, **inputs(256, 192, box)))
    out, before = pixels(filled.image), pixels(Image.open(io.BytesIO(photo(256, 192))))
    outside = np.ones(out.shape[:2], bool)
    outside[box[1] : box[3] + 1, box[0] : box[2] + 1] = False
    assert np.array_equal(out[outside], before[outside])
    assert np.abs(out[~outside] - before[~outside]).mean() > 10
