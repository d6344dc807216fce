"""Text encoders kept in float16 where the engine computes in float32: half the memory of
their linear weights, the images within the stated tolerance of float32 weights."""

from __future__ import annotations

import torch

from pixmill.engines.diffusion import DiffusionEngine

from .conftest import NATIVE_SIDE, make_spec
from .tolerance import assert_close


def build(tiny_model_dir, dtype="float32", **options):
    return DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, device="cpu",
        dtype=dtype, runtime="torch", channels_last=False, **options,
    )  # fmt: skip


def linear_dtypes(engine) -> set[torch.dtype]:
    encoder = engine.pipeline.text_encoder
    return {
        layer.parametrizations.weight.original.dtype
        if hasattr(layer, "parametrizations")
        else layer.weight.dtype
        for layer in encoder.modules()
        if isinstance(layer, torch.nn.Linear)
    }


def test_float32_on_a_cpu_keeps_the_text_encoder_in_half_within_the_tolerance(tiny_model_dir):
    half = build(tiny_model_dir)
    full = build(tiny_model_dir, half_text_encoder=False)
    assert linear_dtypes(half) == {torch.float16}
    assert linear_dtypes(full) == {torch.float32}
    # The layers still compute in float32, and the pipeline still reads float32.
    assert half.pipeline.text_encoder.dtype == torch.float32
    layer = next(m for m in half.pipeline.text_encoder.modules() if hasattr(m, "parametrizations"))
    assert layer.weight.dtype == torch.float32
    for seed in (3, 4):
        (image,) = half.generate(make_spec(seed=seed))
        (reference,) = full.generate(make_spec(seed=seed))
        assert_close(image.image, reference.image)


def test_bfloat16_leaves_the_text_encoder_as_loaded(tiny_model_dir):
    engine = build(tiny_model_dir, dtype="bfloat16")
    assert linear_dtypes(engine) == {torch.bfloat16}
