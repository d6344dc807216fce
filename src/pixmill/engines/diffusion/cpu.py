"""Device and precision choices, each one kept because bench/diffusion_cpu.py shows it helps.

CUDA: fp16, or bf16 for the pipelines trained in it (FLUX, SD3, Sana, PixArt), whose
activations overflow fp16.

CPU (measured on a 2-core AVX512-BF16 server, the SD-Turbo architecture at 512x512,
1 step; docs/diffusion.md has the table):

- bf16 weights and activations when oneDNN has bf16 kernels for this CPU (AVX512-BF16
  or AMX): bf16 matmuls reach about 4x the fp32 throughput here; the UNet and the
  full VAE decoder each run 2x faster.
- Attention one head and 512 queries at a time (attention.py) instead of PyTorch's
  fused CPU kernel: about 2.5x faster attention, more than a quarter off the bf16 UNet.
- channels_last for the UNet and the VAE where it pays: oneDNN's bf16 convolutions are
  faster in NHWC at high resolution on some CPUs (the full VAE decoder 1.2-1.3x on the
  first benchmark machine) and not on others, so tuning.py measures it per machine.
- The tiny autoencoder for decoding, when the operator has its weights: the full SD VAE
  decoder costs 2.5 TFLOP at 512x512, three times the 1-step UNet.
- Threads: one per physical core (torch's default), which the operator can change.

torch.compile is an option (`compile`), measured against eager by tuning.py with
`compile: auto`: the UNet 5-8% faster on the first benchmark machine, but a minute or
more of compiling for the first image (cached across restarts in the tuning directory).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import torch

logger = logging.getLogger(__name__)

_DTYPES = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}
_BF16_PIPELINES = ("Flux", "StableDiffusion3", "Sana", "PixArt")
"""Pipelines (by class-name prefix) trained in bf16, whose activations overflow fp16."""


def pick_device(device: str | None) -> torch.device:
    """The operator's device, else CUDA when there is one, else the CPU."""
    if device:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def cpu_has_fast_bf16() -> bool:
    """Whether oneDNN has native bf16 kernels on this CPU (AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def cpu_kind() -> str:
    """The CPU's matmul class as the issue names it: "AMX", "AVX-512 BF16", "AVX2" or "other"."""
    flags = set(_cpuinfo().get("flags", "").split())
    if "amx_bf16" in flags:
        return "AMX"
    if "avx512_bf16" in flags:
        return "AVX-512 BF16"
    if "avx2" in flags:
        return "AVX2"
    return "other"


def cpu_name() -> str:
    """The CPU's model name, as /proc/cpuinfo says it (empty where there is none)."""
    return _cpuinfo().get("model name", "")


def _cpuinfo() -> dict[str, str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return {}
    first = text.split("\n\n", 1)[0]
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in first.splitlines())
    }


def pick_dtype(device: torch.device, dtype: str | None, pipeline_class: str = "") -> torch.dtype:
    """The operator's dtype, else the fastest one this device runs well."""
    if dtype:
        try:
            return _DTYPES[dtype.lower()]
        except KeyError:
            known = ", ".join(_DTYPES)
            raise ValueError(f"Unknown dtype {dtype!r}; use one of {known}.") from None
    if device.type == "cuda":
        if pipeline_class.startswith(_BF16_PIPELINES) and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float16
    if device.type == "cpu":
        return torch.bfloat16 if cpu_has_fast_bf16() else torch.float32
    return torch.float16 if device.type == "mps" else torch.float32


def set_threads(threads: int | None) -> None:
    """Use `threads` intra-op threads; torch's default is one per physical core."""
    if threads:
        torch.set_num_threads(threads)


def use_chunked_attention_in(pipeline: Any) -> None:
    """Chunked attention (attention.py) in the denoiser and the VAE."""
    from pixmill.engines.diffusion.attention import use_chunked_attention

    denoiser = getattr(pipeline, "unet", None) or getattr(pipeline, "transformer", None)
    for module in (denoiser, getattr(pipeline, "vae", None)):
        if module is not None:
            use_chunked_attention(module)
