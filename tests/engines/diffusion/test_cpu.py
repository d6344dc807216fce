"""Device and precision choices."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


def test_cpu_precision_choice():
    from pixmill.engines.diffusion.cpu import cpu_has_fast_bf16, pick_dtype

    cpu = torch.device("cpu")
    assert pick_dtype(cpu, None) == (torch.bfloat16 if cpu_has_fast_bf16() else torch.float32)
    assert pick_dtype(cpu, "float32") == torch.float32
    with pytest.raises(ValueError, match="bfloat16"):
        pick_dtype(cpu, "int8")


def test_cuda_defaults_to_fp16_and_bf16_for_transformer_families(monkeypatch):
    from pixmill.engines.diffusion.cpu import pick_dtype

    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda: True)
    cuda = torch.device("cuda")
    assert pick_dtype(cuda, None, "StableDiffusionXLPipeline") == torch.float16
    assert pick_dtype(cuda, None, "FluxPipeline") == torch.bfloat16
