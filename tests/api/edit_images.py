"""Pictures to edit in tests: a photo-like subject on a plain ground, and masks."""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def photo(width: int = 512, height: int = 384, colour=(200, 40, 40), fmt: str = "PNG") -> bytes:
    """A red disc (the subject) right of centre on a textured grey-blue ground."""
    rng = np.random.default_rng(width * 7 + height)
    ground = np.clip(rng.normal(205, 12, (height, width, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(ground, "RGB")
    ImageDraw.Draw(image).ellipse(
        (width * 0.55, height * 0.3, width * 0.9, height * 0.8), fill=colour
    )
    return encode(image, fmt)


def night_city(width: int = 480, height: int = 320) -> bytes:
    """A night skyline filling the frame: dark towers of lit windows, no one subject."""
    rng = np.random.default_rng(7)
    image = Image.new("RGB", (width, height), (14, 16, 34))
    draw = ImageDraw.Draw(image)
    lights = [(255, 214, 110), (255, 240, 200), (120, 190, 255)]
    x = -10
    while x < width:
        tower, top = int(rng.integers(25, 60)), int(rng.integers(0, height // 5))
        shade = int(rng.integers(6, 22))
        draw.rectangle((x, top, x + tower, height), fill=(shade, shade, shade + 8))
        for wy in range(top + 4, height - 2, 7):
            for wx in range(x + 3, x + tower - 3, 6):
                if rng.random() < 0.5:
                    colour = lights[int(rng.integers(0, len(lights)))]
                    draw.rectangle((wx, wy, wx + 2, wy + 3), fill=colour)
        x += tower + 1
    return encode(image.filter(ImageFilter.GaussianBlur(0.8)))


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
