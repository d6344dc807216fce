"""Device and precision choices, each one kept because bench/diffusion_cpu.py shows it helps.

CUDA: fp16, or bf16 for the pipelines trained in it (FLUX, SD3, Sana, PixArt), whose
activations overflow fp16.

CPU (measured on a 2-core AVX512-BF16 server, the SD-Turbo architecture at 512x512,
1 step; docs/diffusion.md has the table):

- bf16 weights and activations when this CPU has native bf16 kernels (AVX512-BF16 or
  AMX; `cpu_capabilities()`, which ONEDNN_MAX_CPU_ISA and ATEN_CPU_CAPABILITY cap), else
  fp32 (bf16 without them runs reference kernels, many times slower than fp32). With
  them, bf16 matmuls reach about 4x the fp32 throughput here; the UNet and the full VAE
  decoder each run 2x faster.
- Attention one head and 512 queries at a time (attention.py) instead of PyTorch's
  fused CPU kernel: about 2.5x faster attention, more than a quarter off the bf16 UNet.
  Not on every CPU kind (slower in bf16 on AMX, in fp32 on AVX2), so where the tuning
  runs torch's UNet it measures the two (tuning.py).
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
import os
from collections.abc import Mapping
from dataclasses import dataclass
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


# oneDNN's ISA levels (ONEDNN_MAX_CPU_ISA's values), lowest first, and the CPU flag each
# needs. A level caps every one above it: ONEDNN_MAX_CPU_ISA=AVX2 makes an AMX CPU run
# oneDNN's AVX2 kernels, which is how an AVX2-only CPU is emulated for measurements.
_ISA_LEVELS = (
    ("sse41", "sse4_1"),
    ("avx", "avx"),
    ("avx2", "avx2"),
    ("avx512_core", "avx512bw"),
    ("avx512_core_vnni", "avx512_vnni"),
    ("avx512_core_bf16", "avx512_bf16"),
    ("avx512_core_amx", "amx_bf16"),
    ("avx512_core_amx_fp16", "amx_fp16"),
)
_ISA_ALIASES = {
    "avx10_1_512": "avx512_core_bf16",
    "avx512_core_fp16": "avx512_core_bf16",
    "avx10_1_512_amx": "avx512_core_amx",
    "avx10_1_512_amx_fp16": "avx512_core_amx_fp16",
    "avx2_vnni": "avx2",
    "avx2_vnni_2": "avx2",
}
_ATEN_LEVELS = {"default": "sse41", "avx2": "avx2", "avx512": "avx512_core_amx_fp16"}
"""ATEN_CPU_CAPABILITY caps torch's own vectorised kernels (avx512 is its highest)."""


@dataclass(frozen=True)
class CpuCapabilities:
    """What this CPU runs natively, as far as oneDNN and torch are allowed to use it."""

    isa: str
    """The highest oneDNN ISA level in use, e.g. "avx2", "avx512_core_bf16", "avx512_core_amx"."""
    native_dtypes: tuple[str, ...]
    """Dtypes with native matmul kernels, fp32 first: "float32", "bfloat16", "float16"."""
    name: str = ""
    """The CPU's model name."""
    int8_dot: bool = False
    """Whether it has int8 dot-product instructions (VNNI, AMX): without them, int8 weights
    can only be widened before use, so they save reading memory and no computing."""

    @property
    def kind(self) -> str:
        """The CPU's matmul class: "AMX", "AVX-512 BF16", "AVX-512", "AVX2" or "other"."""
        level = _level(self.isa)
        for kind, at_least in (("AMX", "avx512_core_amx"), ("AVX-512 BF16", "avx512_core_bf16"),
                               ("AVX-512", "avx512_core"), ("AVX2", "avx2")):  # fmt: skip
            if level >= _level(at_least):
                return kind
        return "other"

    def runs(self, dtype: str | torch.dtype) -> bool:
        """Whether `dtype` has native kernels here (fp32 always has)."""
        name = str(dtype).removeprefix("torch.")
        return name in self.native_dtypes


def cpu_capabilities(
    flags: set[str] | None = None, environ: Mapping[str, str] | None = None
) -> CpuCapabilities:
    """This CPU's capabilities: its flags (/proc/cpuinfo), capped by ONEDNN_MAX_CPU_ISA and
    ATEN_CPU_CAPABILITY as oneDNN and torch cap themselves. Tests pass `flags` and
    `environ` to stand for another CPU."""
    info = _cpuinfo() if flags is None else {}
    flags = set(info.get("flags", "").split()) if flags is None else flags
    environ = os.environ if environ is None else environ
    level = -1
    for index, (_, flag) in enumerate(_ISA_LEVELS):
        if flag not in flags:
            break
        level = index
    avx_vnni = "avx_vnni" in flags  # AVX2's VNNI, which a cap below it takes away
    for variable, table in (("ONEDNN_MAX_CPU_ISA", None), ("DNNL_MAX_CPU_ISA", None),
                            ("ATEN_CPU_CAPABILITY", _ATEN_LEVELS)):  # fmt: skip
        value = environ.get(variable, "").strip().lower()
        if value and value not in ("all", "default" if table is None else ""):
            name = table.get(value, "sse41") if table is not None else value
            capped = _level(_ISA_ALIASES.get(name, name))
            level = min(level, capped)
            avx_vnni &= name.startswith("avx2_vnni") or capped >= _level("avx512_core_vnni")
    isa = _ISA_LEVELS[level][0] if level >= 0 else "none"
    native = ["float32"]
    if level >= _level("avx512_core_bf16"):
        native.append("bfloat16")
    if level >= _level("avx512_core_amx_fp16") or (
        "avx512_fp16" in flags and level >= _level("avx512_core_bf16")
    ):
        native.append("float16")
    int8_dot = level >= _level("avx512_core_vnni") or (avx_vnni and level >= _level("avx2"))
    return CpuCapabilities(isa, tuple(native), info.get("model name", ""), int8_dot)


def _level(isa: str) -> int:
    names = [name for name, _ in _ISA_LEVELS]
    return names.index(isa) if isa in names else -1


def cpu_has_fast_bf16() -> bool:
    """Whether this CPU has native bf16 kernels (AVX512-BF16 or AMX, and not capped)."""
    return cpu_capabilities().runs("bfloat16")


def cpu_kind() -> str:
    """The CPU's matmul class as the issue names it: "AMX", "AVX-512 BF16", "AVX2" or "other"."""
    return cpu_capabilities().kind


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
            chosen = _DTYPES[dtype.lower()]
        except KeyError:
            known = ", ".join(_DTYPES)
            raise ValueError(f"Unknown dtype {dtype!r}; use one of {known}.") from None
        if device.type == "cpu" and not cpu_capabilities().runs(chosen):
            logger.warning("dtype %s has no native kernels on this CPU: expect it many times "
                           "slower than float32", dtype)  # fmt: skip
        return chosen
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
