"""The quality table, family detection and native-budget sizes, on stand-in pipelines."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pixmill.engines.diffusion.families import (
    FAMILIES,
    Geometry,
    detect_family,
    get_family,
    model_geometry,
)


def fake_pipeline(class_name: str, scheduler: str = "EulerDiscreteScheduler", **parts):
    pipeline_class = type(class_name, (), {})
    pipeline = pipeline_class()
    pipeline.scheduler = type(scheduler, (), {})()
    for name, config in parts.items():
        setattr(pipeline, name, SimpleNamespace(config=SimpleNamespace(**config)))
    return pipeline


@pytest.mark.parametrize(
    ("class_name", "ref", "parts", "scheduler", "family"),
    [
        ("StableDiffusionPipeline", "stabilityai/sd-turbo", {}, "Euler", "sd-turbo"),
        ("StableDiffusionXLPipeline", "/m/sdxl-turbo", {}, "Euler", "sdxl-turbo"),
        ("StableDiffusionXLPipeline", "/m/sdxl", {}, "Euler", "sdxl"),
        ("StableDiffusionPipeline", "/m/v1-5", {"unet": {"cross_attention_dim": 768}}, "P", "sd1"),
        ("StableDiffusionPipeline", "/m/2-1", {"unet": {"cross_attention_dim": 1024}}, "P", "sd2"),
        ("StableDiffusionPipeline", "/m/sd", {}, "LCMScheduler", "lcm-lora"),
        ("LatentConsistencyModelPipeline", "/m/lcm", {}, "LCMScheduler", "lcm"),
        ("FluxPipeline", "/m/flux", {"transformer": {"guidance_embeds": True}}, "F", "flux-dev"),
        ("FluxPipeline", "/m/f", {"transformer": {"guidance_embeds": False}}, "F", "flux-schnell"),
        ("SanaPipeline", "/m/sana", {}, "F", "sana"),
        ("PixArtSigmaPipeline", "/m/pixart", {}, "D", "pixart"),
        ("StableDiffusion3Pipeline", "/m/sd3", {}, "F", "sd3"),
        ("KandinskyPipeline", "/m/k", {}, "D", "generic"),
    ],
)
def test_detects_the_family(class_name, ref, parts, scheduler, family):
    assert detect_family(fake_pipeline(class_name, scheduler, **parts), ref).name == family


def test_every_family_has_every_quality_and_more_quality_is_never_fewer_steps():
    for family in FAMILIES.values():
        steps = [family.steps[q] for q in ("low", "medium", "high", "xhigh", "max")]
        assert steps == sorted(steps), family.name


def test_unknown_family_names_the_known_ones():
    with pytest.raises(ValueError, match="sd-turbo"):
        get_family("sd-trubo")


@pytest.mark.parametrize("size", [(1024, 1024), (1536, 1024), (1024, 1536), (256, 3840)])
def test_native_budget_at_the_requested_aspect(size):
    geometry = Geometry(native_side=512, multiple=64)
    width, height = geometry.render_size(*size)
    assert width % 64 == 0
    assert height % 64 == 0
    assert 0.6 < width * height / 512**2 < 1.4
    assert (width >= height) == (size[0] >= size[1])


def test_geometry_from_configs():
    sdxl = fake_pipeline(
        "StableDiffusionXLPipeline",
        unet={"sample_size": 128, "down_block_types": ["a", "b", "c"]},
        vae={"block_out_channels": [128, 256, 512, 512]},
    )
    assert model_geometry(sdxl, FAMILIES["sdxl"]) == Geometry(1024, 32)
    # A turbo model renders at 512 whatever its UNet's sample_size says.
    assert model_geometry(sdxl, FAMILIES["sdxl-turbo"]).native_side == 512
    flux = fake_pipeline("FluxPipeline", transformer={"patch_size": 1})
    flux.vae_scale_factor, flux.default_sample_size = 8, 128
    assert model_geometry(flux, FAMILIES["flux-dev"]) == Geometry(1024, 16)
