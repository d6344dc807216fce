"""`pixmill models demo`: a tiny random-weight Stable Diffusion pipeline in the store.

It loads and runs through exactly the code that serves real weights, in seconds and
in a few MB, so `pixmill serve --model demo` checks a diffusion install end to end
without downloading anything. Its weights are random: every image it makes is noise.
"""

from __future__ import annotations

from pathlib import Path

from pixmill.modelstore.store import Manifest, StoredModel, model_folder

NAME = "demo"
NOTE = "random weights: its images are noise, it only checks the install"
OPTIONS = {
    # One step at its own tiny size, and nothing measured at start-up: it starts in
    # seconds wherever the engine runs at all.
    "family": "sd-turbo",
    "native_side": 64,
    "runtime": "torch",
    "channels_last": False,
}
UNET = {
    "sample_size": 32,
    "in_channels": 4,
    "out_channels": 4,
    "block_out_channels": (16, 32),
    "layers_per_block": 1,
    "norm_num_groups": 8,
    "cross_attention_dim": 32,
    "attention_head_dim": 4,
    "down_block_types": ("CrossAttnDownBlock2D", "DownBlock2D"),
    "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D"),
}
VAE = {
    "sample_size": 64,
    "block_out_channels": (16, 32),
    "layers_per_block": 1,
    "norm_num_groups": 8,
    "latent_channels": 4,
    "down_block_types": ("DownEncoderBlock2D", "DownEncoderBlock2D"),
    "up_block_types": ("UpDecoderBlock2D", "UpDecoderBlock2D"),
}
TEXT_ENCODER = {
    "hidden_size": 32,
    "intermediate_size": 64,
    "num_hidden_layers": 2,
    "num_attention_heads": 4,
    "projection_dim": 32,
}


def build(store: Path) -> StoredModel:
    """Build (or rebuild) the demo pipeline into `store/demo`; needs the diffusion extra."""
    import shutil

    from pixmill.engines.diffusion.random_weights import build_sd_pipeline, save_pipeline

    folder = model_folder(store, NAME)
    if folder.exists():
        shutil.rmtree(folder)
    pipeline = build_sd_pipeline(folder, unet=UNET, vae=VAE, text_encoder=TEXT_ENCODER)
    save_pipeline(pipeline, folder)
    manifest = Manifest(
        name=NAME,
        repo="(built here)",
        revision="local",
        variant=None,
        pipeline=type(pipeline).__name__,
        licence=None,
        gated=False,
        files=sum(1 for f in folder.rglob("*") if f.is_file()),
        note=NOTE,
        options=OPTIONS,
    )
    manifest.write(folder)
    return StoredModel(folder, manifest)
