"""Chunked CPU attention gives what the fused kernel gives."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from pixmill.engines.diffusion.attention import (  # noqa: E402
    MIN_TOKENS,
    QUERY_CHUNK,
    ChunkedAttnProcessor,
    chunked_attention,
    use_chunked_attention,
)

from .conftest import TINY_UNET  # noqa: E402


@pytest.mark.parametrize("keys", [77, MIN_TOKENS + QUERY_CHUNK // 2 + 3])
def test_matches_the_fused_kernel(keys):
    generator = torch.Generator().manual_seed(0)
    tokens = MIN_TOKENS + QUERY_CHUNK // 2 + 3  # uneven chunks
    query = torch.randn(2, 3, tokens, 8, generator=generator)
    key, value = (torch.randn(2, 3, keys, 8, generator=generator) for _ in range(2))
    expected = torch.nn.functional.scaled_dot_product_attention(query, key, value, scale=0.3)
    assert torch.allclose(chunked_attention(query, key, value, 0.3), expected, atol=1e-5)


def test_replaces_the_default_processors_of_a_unet():
    from diffusers import UNet2DConditionModel

    unet = UNet2DConditionModel(**TINY_UNET)
    swapped = use_chunked_attention(unet)
    assert swapped == len(unet.attn_processors) > 0
    assert all(isinstance(p, ChunkedAttnProcessor) for p in unet.attn_processors.values())
