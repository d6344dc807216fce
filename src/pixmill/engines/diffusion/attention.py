"""Query-chunked attention for CPUs: the score matrix of each chunk stays in cache.

At 512x512, SD's first UNet level attends over 4096 tokens. PyTorch's fused CPU
attention kernel reaches about a quarter of the bf16 matmul throughput there; plain
matmuls, one head and 512 queries at a time, whose scores (512 x 4096) stay in the
cache, reach about 60%: the UNet's attention runs about 2.5x faster. Short key
sequences (cross-attention) take two plain batched matmuls, 1.6x faster than the fused
kernel too. Masked attention keeps the fused kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from diffusers.models.attention_processor import Attention, AttnProcessor2_0

QUERY_CHUNK = 512
MIN_TOKENS = 1024
"""Below this many keys (cross-attention's 77) the scores of all heads fit in the cache."""


def chunked_attention(
    query: torch.Tensor, key: torch.Tensor, value: torch.Tensor, scale: float
) -> torch.Tensor:
    """softmax(q k^T * scale) v over (batch, heads, tokens, head_dim), head by head, chunk by
    chunk; the operands are made contiguous once, so each matmul reads packed rows."""
    if key.shape[-2] < MIN_TOKENS:  # cross-attention, low-resolution levels: all at once
        scores = torch.matmul(query, (key * scale).transpose(-1, -2))
        return torch.matmul(scores.softmax(dim=-1), value)
    batch, heads, tokens, dim = query.shape
    queries = query.reshape(batch * heads, tokens, dim)
    keys_t = (key * scale).transpose(-1, -2).reshape(batch * heads, dim, -1)
    values = value.reshape(batch * heads, -1, value.shape[-1])
    out = query.new_empty(batch * heads, tokens, value.shape[-1])
    for head in range(batch * heads):
        for start in range(0, tokens, QUERY_CHUNK):
            stop = min(start + QUERY_CHUNK, tokens)
            scores = torch.matmul(queries[head, start:stop], keys_t[head])
            torch.matmul(scores.softmax(dim=-1), values[head], out=out[head, start:stop])
    return out.view(batch, heads, tokens, -1)


class ChunkedAttnProcessor(AttnProcessor2_0):
    """diffusers' AttnProcessor2_0 with `chunked_attention` in place of the fused kernel."""

    def __call__(
        self,
        attn: Attention,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> torch.Tensor:
        if attention_mask is not None or args or kwargs:
            return super().__call__(
                attn, hidden_states, encoder_hidden_states, attention_mask, temb, *args, **kwargs
            )
        # 1. Flatten an image to tokens, normalise.
        residual = hidden_states
        if attn.spatial_norm is not None:
            hidden_states = attn.spatial_norm(hidden_states, temb)
        image_shape = hidden_states.shape if hidden_states.ndim == 4 else None
        if image_shape is not None:
            batch, channels, height, width = image_shape
            hidden_states = hidden_states.view(batch, channels, height * width).transpose(1, 2)
        batch = hidden_states.shape[0]
        if attn.group_norm is not None:
            hidden_states = attn.group_norm(hidden_states.transpose(1, 2)).transpose(1, 2)
        # 2. Project to heads.
        query = attn.to_q(hidden_states)
        if encoder_hidden_states is None:
            encoder_hidden_states = hidden_states
        elif attn.norm_cross:
            encoder_hidden_states = attn.norm_encoder_hidden_states(encoder_hidden_states)
        key = attn.to_k(encoder_hidden_states)
        value = attn.to_v(encoder_hidden_states)
        head_dim = key.shape[-1] // attn.heads
        query, key, value = (
            t.view(batch, -1, attn.heads, head_dim).transpose(1, 2) for t in (query, key, value)
        )
        if attn.norm_q is not None:
            query = attn.norm_q(query)
        if attn.norm_k is not None:
            key = attn.norm_k(key)
        # 3. Attend, project out, restore the image layout.
        hidden_states = chunked_attention(query, key, value, attn.scale)
        hidden_states = hidden_states.transpose(1, 2).reshape(batch, -1, attn.heads * head_dim)
        hidden_states = attn.to_out[1](attn.to_out[0](hidden_states.to(query.dtype)))
        if image_shape is not None:
            hidden_states = hidden_states.transpose(-1, -2).reshape(image_shape)
        if attn.residual_connection:
            hidden_states = hidden_states + residual
        return hidden_states / attn.rescale_output_factor


def use_chunked_attention(model: Any) -> int:
    """Swap every default attention processor of `model` for the chunked one; count them."""
    return _swap(model, ChunkedAttnProcessor(), lambda p: type(p) is AttnProcessor2_0)


def use_fused_attention(model: Any) -> int:
    """Undo use_chunked_attention: PyTorch's fused kernel (SDPA) again; count them."""
    return _swap(model, AttnProcessor2_0(), lambda p: isinstance(p, ChunkedAttnProcessor))


def _swap(model: Any, new: Any, replaces: Callable[[Any], bool]) -> int:
    processors = getattr(model, "attn_processors", None)
    if not processors:
        return 0
    swapped = {name: new if replaces(old) else old for name, old in processors.items()}
    count = sum(1 for processor in swapped.values() if processor is new)
    model.set_attn_processor(swapped)  # consumes the dict
    return count
