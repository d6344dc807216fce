"""A tiny random-weight Stable Diffusion pipeline, built once per session into a tmp folder.

The folder is what `pipeline.save_pretrained` writes for users, so the engine loads it
through the same offline loading code that serves real weights.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("transformers")

from pixmill.engines.diffusion import DiffusionEngine
from pixmill.engines.diffusion.random_weights import (
    build_pass_through_vae,
    build_sd_pipeline,
    build_tiny_vae,
    save_pipeline,
)
from pixmill.request import RenderSpec

TINY_UNET = {
    "sample_size": 16,
    "in_channels": 4,
    "out_channels": 4,
    "block_out_channels": (8, 16),
    "layers_per_block": 1,
    "norm_num_groups": 4,
    "cross_attention_dim": 16,
    "attention_head_dim": 2,
    "down_block_types": ("CrossAttnDownBlock2D", "DownBlock2D"),
    "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D"),
}
TINY_VAE = {
    "sample_size": 32,
    "block_out_channels": (8, 16),
    "layers_per_block": 1,
    "norm_num_groups": 4,
    "latent_channels": 4,
    "down_block_types": ("DownEncoderBlock2D", "DownEncoderBlock2D"),
    "up_block_types": ("UpDecoderBlock2D", "UpDecoderBlock2D"),
}
TINY_TEXT_ENCODER = {
    "hidden_size": 16,
    "intermediate_size": 32,
    "num_hidden_layers": 2,
    "num_attention_heads": 2,
    "projection_dim": 16,
}
TINY_AUTOENCODER_TINY = {
    "encoder_block_out_channels": (8, 8),
    "decoder_block_out_channels": (8, 8),
    "num_encoder_blocks": (1, 1),
    "num_decoder_blocks": (1, 1),
}
NATIVE_SIDE = 32
"""The tiny UNet's sample_size (16) times the tiny VAE's scale factor (2)."""


@pytest.fixture(scope="session", autouse=True)
def tuning_dir(tmp_path_factory):
    """Engines cache their measured path here, not in the checkout's ./data."""
    folder = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIXMILL_DATA_DIR", str(folder))
        yield folder / "diffusion"


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models") / "tiny-sd"
    pipeline = build_sd_pipeline(
        folder, unet=TINY_UNET, vae=TINY_VAE, text_encoder=TINY_TEXT_ENCODER
    )
    return save_pipeline(pipeline, folder)


@pytest.fixture(scope="session")
def tiny_vae_dir(tmp_path_factory):
    return build_tiny_vae(tmp_path_factory.mktemp("models") / "tiny-taesd", TINY_AUTOENCODER_TINY)


@pytest.fixture(scope="session")
def pass_through_vae_dir(tmp_path_factory):
    """A tiny autoencoder that gives pictures back: edits' changes show in the pixels."""
    folder = tmp_path_factory.mktemp("models") / "pass-through-taesd"
    return build_pass_through_vae(folder, TINY_AUTOENCODER_TINY)


@pytest.fixture(scope="session")
def turbo_engine(tiny_model_dir):
    """The tiny pipeline served as a 1-step turbo model, two images per batch.

    Turbo families render at 512 whatever the config says; the tiny model keeps its own
    32 pixels so that tests stay fast.
    """
    return DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, max_batch=2,
        device="cpu", runtime="torch",
    )  # fmt: skip


def make_spec(**changes) -> RenderSpec:
    values = {
        "prompt": "a red fox in the snow",
        "model": "gpt-image-1",
        "n": 1,
        "width": 256,
        "height": 256,
        "quality": "low",
        "background": "opaque",
        "output_format": "png",
        "output_compression": 100,
        "seed": 1234,
    }
    values.update(changes)
    return RenderSpec(**values)
