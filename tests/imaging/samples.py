"""Real image files for the input tests: photos-like gradients, masks, and crafted headers."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
from PIL import Image


def picture(size: tuple[int, int] = (64, 48), *, alpha: bool = False) -> Image.Image:
    """A gradient with a red square: enough structure that decoding errors would show."""
    width, height = size
    xs = np.linspace(0, 255, width, dtype=np.float32)[None, :]
    ys = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    rgb = np.stack([xs + 0 * ys, ys + 0 * xs, (xs + ys) / 2], axis=2).astype(np.uint8)
    rgb[height // 4 : height // 2, width // 4 : width // 2] = (255, 0, 0)
    image = Image.fromarray(rgb, "RGB")
    if alpha:
        image.putalpha(Image.new("L", size, 200))
    return image


def encoded(
    fmt: str = "png", size: tuple[int, int] = (64, 48), *, alpha: bool = False, **options: object
) -> bytes:
    """A picture encoded as png, jpeg or webp (or anything Pillow writes, e.g. gif)."""
    buffer = io.BytesIO()
    picture(size, alpha=alpha).save(buffer, fmt.upper(), **options)
    return buffer.getvalue()


def mask(
    size: tuple[int, int] = (64, 48),
    hole: tuple[int, int, int, int] = (8, 8, 24, 24),
    mode: str = "RGBA",
    fmt: str = "png",
) -> bytes:
    """A mask: opaque black, with a fully transparent rectangle `hole` (left, top, right,
    bottom) where the picture may change."""
    image = Image.new("RGBA", size, (0, 0, 0, 255))
    left, top, right, bottom = hole
    image.paste((0, 0, 0, 0), (left, top, right, bottom))
    buffer = io.BytesIO()
    image.convert(mode).save(buffer, fmt.upper())
    return buffer.getvalue()


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A 1-bit PNG whose header claims width x height, with only a few rows of data: what a
    decompression bomb looks like before it is decoded."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * 4)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )
