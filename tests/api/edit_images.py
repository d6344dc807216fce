"""Pictures to edit in tests: a photo-like subject on a plain ground, and masks."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageDraw


def photo(width: int = 512, height: int = 384, colour=(200, 40, 40), fmt: str = "PNG") -> bytes:
    """A red disc (the subject) right of centre on a textured grey-blue ground."""
    rng = np.random.default_rng(width * 7 + height)
    ground = np.clip(rng.normal(205, 12, (height, width, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(ground, "RGB")
    ImageDraw.Draw(image).ellipse(
        (width * 0.55, height * 0.3, width * 0.9, height * 0.8), fill=colour
    )
    return encode(image, fmt)


def mask(width: int, height: int, box: tuple[int, int, int, int], mode: str = "RGBA") -> bytes:
    """Opaque everywhere but `box`, which is transparent: where the picture may change."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 255))
    ImageDraw.Draw(image).rectangle(box, fill=(0, 0, 0, 0))
    return encode(image.convert(mode), "PNG")


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def decoded(b64: str) -> Image.Image:
    image = Image.open(io.BytesIO(base64.b64decode(b64)))
    image.load()
    return image


def data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"
