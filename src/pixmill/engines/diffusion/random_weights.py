"""Random-weight pipelines (SD, SDXL, FLUX Kontext) built in code, for tests and benches.

Nothing is downloaded: the tokenizer's vocabulary is written here (a few dozen
tokens; every other word maps to the unknown token, so the text encoder still sees
77 positions and costs what the real one costs), and every model is initialised
from its config. `save_pipeline` writes a folder that the engine loads exactly as it
loads real weights.
"""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import torch

BOS, EOS = "<|startoftext|>", "<|endoftext|>"
MAX_TOKENS = 77


def tiny_vocabulary() -> dict[str, int]:
    """CLIP-style BPE vocabulary: the two specials, letters, and letters ending a word."""
    tokens = [BOS, EOS, *string.ascii_lowercase, *(c + "</w>" for c in string.ascii_lowercase)]
    return {token: index for index, token in enumerate(tokens)}


def write_tokenizer(folder: str | Path) -> Any:
    """Write a CLIPTokenizer with the tiny vocabulary into `folder` and return it loaded."""
    from transformers import CLIPTokenizer

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(tiny_vocabulary()))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer.from_pretrained(
        folder, model_max_length=MAX_TOKENS, local_files_only=True
    )
    tokenizer.save_pretrained(folder)
    return tokenizer


def build_sd_pipeline(
    folder: str | Path,
    *,
    unet: dict[str, Any],
    vae: dict[str, Any],
    text_encoder: dict[str, Any],
    scheduler: dict[str, Any] | None = None,
    seed: int = 0,
) -> Any:
    """A StableDiffusionPipeline with random weights from these configs (Euler, trailing)."""
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(seed)
    tokenizer = write_tokenizer(Path(folder) / "tokenizer")
    text_config = {"vocab_size": len(tiny_vocabulary()), "bos_token_id": 0, "eos_token_id": 1}
    text_config.update(text_encoder, pad_token_id=1, max_position_embeddings=MAX_TOKENS)
    schedule = {"timestep_spacing": "trailing", "prediction_type": "epsilon", "steps_offset": 1}
    schedule.update(scheduler or {})
    return StableDiffusionPipeline(
        vae=AutoencoderKL(**vae).eval(),
        text_encoder=CLIPTextModel(CLIPTextConfig(**text_config)).eval(),
        tokenizer=tokenizer,
        unet=UNet2DConditionModel(**unet).eval(),
        scheduler=EulerDiscreteScheduler(**schedule),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )


def save_pipeline(pipeline: Any, folder: str | Path) -> Path:
    """Save as a diffusers folder (safetensors), as `pipeline.save_pretrained` does for users."""
    folder = Path(folder)
    pipeline.save_pretrained(folder, safe_serialization=True)
    return folder


def build_tiny_vae(folder: str | Path, config: dict[str, Any], seed: int = 0) -> Path:
    """Save a random AutoencoderTiny with `config` into `folder`."""
    from diffusers import AutoencoderTiny

    torch.manual_seed(seed)
    AutoencoderTiny(**config).eval().save_pretrained(folder, safe_serialization=True)
    return Path(folder)


def build_pass_through_vae(
    folder: str | Path, config: dict[str, Any], scaling_factor: float = 10.0
) -> Path:
    """Save an AutoencoderTiny whose weights are set by hand so that decoding an encoded
    picture gives it back (at the latent's resolution, scaled up by nearest neighbour).

    A random autoencoder decodes anything to noise, so nothing could measure how much
    of a picture an edit kept; this one makes the latent the picture itself (half its
    values, in [-0.5, 0.5]), so every change a denoiser makes shows in the pixels.
    `scaling_factor` is how far the pipeline spreads those latents against its noise:
    at 10, a strength of 0.35 changes a picture about half as much as 0.65 does, and a
    generation twice as much again (on the tiny random UNet of the tests).
    """
    from diffusers import AutoencoderTiny
    from torch import nn

    vae = AutoencoderTiny(**{**config, "scaling_factor": scaling_factor}).eval()
    with torch.no_grad():
        for parameter in vae.parameters():
            parameter.zero_()  # residual blocks become identities: their convs add nothing
        encoder = [m for m in vae.encoder.layers if isinstance(m, nn.Conv2d)]
        decoder = [m for m in vae.decoder.layers if isinstance(m, nn.Conv2d)]
        for conv in encoder + decoder:
            for channel in range(min(conv.in_channels, conv.out_channels)):
                conv.weight[channel, channel, 1, 1] = 1.0  # centre tap: channel to itself
        # The encoder sees the picture in [0, 1]: the latent is that minus a half. The
        # decoder adds the half back (so its ReLUs pass it) and maps [0, 1] to [-1, 1].
        encoder[-1].bias.fill_(-0.5)
        decoder[0].bias.fill_(0.5)
    vae.save_pretrained(folder, safe_serialization=True)
    return Path(folder)


def build_sdxl_pipeline(
    folder: str | Path,
    *,
    unet: dict[str, Any],
    vae: dict[str, Any],
    text_encoder: dict[str, Any],
    text_encoder_2: dict[str, Any],
    seed: int = 0,
) -> Any:
    """A StableDiffusionXLPipeline with random weights from these configs (Euler, leading)."""
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionXLPipeline,
        UNet2DConditionModel,
    )
    from transformers import (
        CLIPTextConfig,
        CLIPTextModel,
        CLIPTextModelWithProjection,
    )

    torch.manual_seed(seed)
    tokenizer = write_tokenizer(Path(folder) / "tokenizer")
    tokenizer_2 = write_tokenizer(Path(folder) / "tokenizer_2")

    def text_config(config: dict[str, Any]) -> Any:
        values = {"vocab_size": len(tiny_vocabulary()), "bos_token_id": 0, "eos_token_id": 1}
        values.update(config, pad_token_id=1, max_position_embeddings=MAX_TOKENS)
        return CLIPTextConfig(**values)

    return StableDiffusionXLPipeline(
        vae=AutoencoderKL(**vae).eval(),
        text_encoder=CLIPTextModel(text_config(text_encoder)).eval(),
        text_encoder_2=CLIPTextModelWithProjection(text_config(text_encoder_2)).eval(),
        tokenizer=tokenizer,
        tokenizer_2=tokenizer_2,
        unet=UNet2DConditionModel(**unet).eval(),
        scheduler=EulerDiscreteScheduler(timestep_spacing="leading", steps_offset=1),
    )


def build_flux_kontext_pipeline(folder: str | Path, seed: int = 0) -> Any:
    """A FluxKontextPipeline (an editing model) with random weights: one-block transformer,
    one-channel autoencoder, two-layer CLIP and T5 encoders, tokenizers written here."""
    from diffusers import (
        AutoencoderKL,
        FlowMatchEulerDiscreteScheduler,
        FluxKontextPipeline,
        FluxTransformer2DModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, T5Config, T5EncoderModel, T5Tokenizer

    torch.manual_seed(seed)
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    pieces += [(letter, -3.0) for letter in string.ascii_lowercase]
    clip = CLIPTextConfig(
        vocab_size=len(tiny_vocabulary()), bos_token_id=0, eos_token_id=1, pad_token_id=1,
        max_position_embeddings=MAX_TOKENS, hidden_size=32, intermediate_size=37,
        num_hidden_layers=2, num_attention_heads=4, projection_dim=32,
    )  # fmt: skip
    t5 = T5Config(
        vocab_size=len(pieces), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
        relative_attention_num_buckets=8,
    )  # fmt: skip
    vae = dict(
        block_out_channels=(4,), layers_per_block=1, latent_channels=1, norm_num_groups=1,
        use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.0609,
        scaling_factor=1.5035,
    )  # fmt: skip
    transformer = dict(
        patch_size=1, in_channels=4, num_layers=1, num_single_layers=1, attention_head_dim=16,
        num_attention_heads=2, joint_attention_dim=32, pooled_projection_dim=32,
        axes_dims_rope=[4, 4, 8], guidance_embeds=True,
    )  # fmt: skip
    return FluxKontextPipeline(
        scheduler=FlowMatchEulerDiscreteScheduler(),
        vae=AutoencoderKL(**vae).eval(),
        text_encoder=CLIPTextModel(clip).eval(),
        tokenizer=write_tokenizer(Path(folder) / "tokenizer"),
        text_encoder_2=T5EncoderModel(t5).eval(),
        tokenizer_2=T5Tokenizer(vocab=pieces, extra_ids=0),
        transformer=FluxTransformer2DModel(**transformer).eval(),
    )
