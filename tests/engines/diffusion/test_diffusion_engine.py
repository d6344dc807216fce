"""The diffusion engine on a tiny random-weight pipeline: sizes, n, seeds, quality, errors."""

from __future__ import annotations

import shutil
import sys

import numpy as np
import pytest

from pixmill.engines import Engine, build_engine
from pixmill.engines.diffusion import (
    FAMILIES,
    DiffusionEngine,
    MissingExtraError,
    ModelNotFoundError,
)

from .conftest import NATIVE_SIDE, make_spec
from .tolerance import MEAN_LEVELS


def pixels(generated) -> np.ndarray:
    return np.asarray(generated.image)


def test_is_an_engine_built_by_the_registry(tiny_model_dir):
    engine = build_engine(
        "diffusion",
        model=str(tiny_model_dir),
        family="sd-turbo",
        native_side=NATIVE_SIDE,
        max_batch=3,
    )
    assert isinstance(engine, Engine)
    assert engine.name == "diffusion"
    assert not engine.capabilities.native_alpha
    assert not engine.capabilities.vector
    assert engine.capabilities.default_quality == "medium"
    assert engine.capabilities.max_n == 3
    assert engine.capabilities.max_batch == 3
    assert engine.info["max_batch"] == 3


@pytest.mark.parametrize("size", [(256, 256), (1536, 1024), (1024, 1536), (512, 768)])
def test_images_have_exactly_the_requested_size(turbo_engine, size):
    width, height = size
    (image,) = turbo_engine.generate(make_spec(width=width, height=height))
    assert image.image.size == size
    assert image.image.mode == "RGBA"


def test_renders_at_the_native_budget_and_the_requested_aspect(turbo_engine):
    geometry = turbo_engine.geometry
    assert geometry.native_side == NATIVE_SIDE
    width, height = geometry.render_size(1536, 1024)
    assert width > height
    assert width % geometry.multiple == 0
    assert height % geometry.multiple == 0
    assert abs(width * height - NATIVE_SIDE**2) <= NATIVE_SIDE * geometry.multiple * 2


def test_n_runs_in_batches_with_progress_per_step(turbo_engine):
    calls: list[tuple[int, int]] = []
    images = turbo_engine.generate(make_spec(n=3), lambda done, total: calls.append((done, total)))
    assert len(images) == 3
    steps = FAMILIES["sd-turbo"].steps["low"]
    assert {total for _, total in calls} == {steps * 3}  # steps of every image
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert calls[-1] == (steps * 3, steps * 3)
    assert [image.seed for image in images] == [1234, 1235, 1236]
    assert max(turbo_engine._batches.batches) <= 2  # max_batch=2


def test_the_same_seed_gives_the_same_image(turbo_engine):
    first = turbo_engine.generate(make_spec(seed=7))
    again = turbo_engine.generate(make_spec(seed=7))
    other = turbo_engine.generate(make_spec(seed=8))
    assert np.array_equal(pixels(first[0]), pixels(again[0]))
    assert not np.array_equal(pixels(first[0]), pixels(other[0]))


def test_each_image_has_its_own_generator(tiny_model_dir):
    engine = DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, max_batch=1
    )
    pair = engine.generate(make_spec(n=2, seed=40))
    second_alone = engine.generate(make_spec(n=1, seed=41))
    assert pair[1].seed == 41
    assert np.array_equal(pixels(pair[1]), pixels(second_alone[0]))
    assert not np.array_equal(pixels(pair[0]), pixels(pair[1]))


@pytest.mark.parametrize("quality", ["low", "medium", "high", "xhigh", "max"])
def test_quality_maps_to_the_family_table(tiny_model_dir, quality):
    engine = DiffusionEngine(str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE)
    steps, guidance = engine.steps_and_guidance(make_spec(quality=quality))
    assert (steps, guidance) == (FAMILIES["sd-turbo"].steps[quality], 0.0)
    calls: list[tuple[int, int]] = []
    engine.generate(make_spec(quality=quality), lambda done, total: calls.append((done, total)))
    assert calls[-1] == (steps, steps)


def test_a_full_step_model_runs_its_table_steps(tiny_model_dir):
    engine = DiffusionEngine(str(tiny_model_dir))
    assert engine.family.name == "sd1"  # detected: a StableDiffusionPipeline, CLIP-L width
    assert engine.geometry.native_side == NATIVE_SIDE  # from the UNet and VAE configs
    calls: list[int] = []
    engine.generate(make_spec(quality="low"), lambda done, total: calls.append(total))
    assert calls[-1] == FAMILIES["sd1"].steps["low"] == 15


def test_turbo_and_full_step_families_do_not_share_numbers():
    assert FAMILIES["sd-turbo"].steps["medium"] == 1
    assert FAMILIES["flux-dev"].steps["medium"] == 28
    assert FAMILIES["flux-dev"].guidance == 3.5


def test_decodes_with_a_tiny_autoencoder(tiny_model_dir, tiny_vae_dir):
    engine = DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, tiny_vae=str(tiny_vae_dir)
    )
    assert type(engine.pipeline.vae).__name__ == "AutoencoderTiny"
    (image,) = engine.generate(make_spec(width=512, height=256))
    assert image.image.size == (512, 256)


def test_loads_a_repo_id_from_the_hugging_face_cache_offline(tiny_model_dir, tmp_path):
    revision = "0" * 40
    repo = tmp_path / "hub" / "models--pixmill-test--tiny-sd"
    shutil.copytree(tiny_model_dir, repo / "snapshots" / revision)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(revision)
    engine = DiffusionEngine("pixmill-test/tiny-sd", cache_dir=str(tmp_path / "hub"))
    assert engine.folder == repo / "snapshots" / revision


def test_a_missing_local_model_says_where_it_looked(tmp_path):
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelNotFoundError) as caught:
        DiffusionEngine(str(missing), cache_dir=str(tmp_path / "hub"))
    message = str(caught.value)
    assert str(missing) in message
    assert str(tmp_path / "hub") in message
    assert "save_pretrained" in message


def test_a_missing_repo_id_says_how_to_put_the_weights_there(tmp_path):
    with pytest.raises(ModelNotFoundError) as caught:
        DiffusionEngine("stabilityai/sd-turbo", cache_dir=str(tmp_path / "hub"))
    message = str(caught.value)
    assert "downloads nothing at start-up" in message
    assert "pixmill models pull stabilityai/sd-turbo" in message
    assert "models--stabilityai--sd-turbo" in message
    assert "hf download stabilityai/sd-turbo" in message
    assert isinstance(caught.value, FileNotFoundError)


def test_a_folder_that_is_not_a_pipeline_is_refused(tmp_path):
    with pytest.raises(ModelNotFoundError, match=r"model_index\.json"):
        DiffusionEngine(str(tmp_path))


def test_a_missing_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "diffusers", None)
    with pytest.raises(MissingExtraError, match=r"install pixmill\[diffusion\]"):
        DiffusionEngine("anything")


def test_concurrent_calls_do_not_mix_their_images(turbo_engine):
    from concurrent.futures import ThreadPoolExecutor

    specs = [make_spec(seed=seed, quality="high") for seed in (11, 12, 13, 14)]
    alone = [pixels(turbo_engine.generate(spec)[0]) for spec in specs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda spec: pixels(turbo_engine.generate(spec)[0]), specs))
    # Batched with each other: each within the tolerance of its own image alone, and far
    # from the others' (test_batching.py has the rest).
    for number, image in enumerate(together):
        differences = [np.abs(image.astype(int) - other.astype(int)).mean() for other in alone]
        assert min(range(len(alone)), key=differences.__getitem__) == number
        assert differences[number] <= MEAN_LEVELS


def test_loads_fp16_variant_weights(tiny_model_dir, tmp_path):
    from diffusers import DiffusionPipeline

    pipeline = DiffusionPipeline.from_pretrained(tiny_model_dir, local_files_only=True)
    folder = tmp_path / "fp16-only"
    pipeline.save_pretrained(folder, variant="fp16")
    assert not list((folder / "unet").glob("diffusion_pytorch_model.safetensors"))
    engine = DiffusionEngine(str(folder), family="sd-turbo", native_side=NATIVE_SIDE)
    assert engine.generate(make_spec())[0].image.size == (256, 256)
