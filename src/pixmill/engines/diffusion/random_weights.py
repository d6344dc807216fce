"""Random-weight Stable Diffusion pipelines built from configs in code, for tests and benches.

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
