"""Photo-like synthetic scenes with a known subject mask, for background removal tests."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _background(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    w, h = size
    yy = np.mgrid[0:h, 0:w][0].astype(np.float32)
    top = np.array([170, 190, 205], dtype=np.float32)
    bottom = np.array([120, 128, 120], dtype=np.float32)
    t = (yy / h)[..., None]
    bg = top * (1 - t) + bottom * t
    # Soft out-of-focus texture: low-frequency noise, as a defocused photo backdrop.
    noise = rng.normal(0, 1, (h // 16 + 2, w // 16 + 2)).astype(np.float32)
    noise_img = Image.fromarray(noise, mode="F").resize((w, h), Image.Resampling.BICUBIC)
    bg += np.asarray(noise_img)[..., None] * 6
    bg += rng.normal(0, 2.0, bg.shape).astype(np.float32)
    return bg


def _subject_mask(size: tuple[int, int]) -> Image.Image:
    """A person-like silhouette: head, neck and shoulders, centred."""
    w, h = size
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    cx = w / 2
    draw.ellipse((cx - 0.13 * w, 0.16 * h, cx + 0.13 * w, 0.48 * h), fill=255)  # head
    draw.rectangle((cx - 0.06 * w, 0.44 * h, cx + 0.06 * w, 0.58 * h), fill=255)  # neck
    draw.rounded_rectangle(
        (cx - 0.3 * w, 0.55 * h, cx + 0.3 * w, 1.2 * h), radius=int(0.12 * w), fill=255
    )  # shoulders and torso, cut by the bottom edge
    return mask


def portrait(size: tuple[int, int] = (512, 512), seed: int = 0) -> tuple[Image.Image, np.ndarray]:
    """A shaded silhouette on a textured gradient; returns (RGB image, bool truth mask)."""
    rng = np.random.default_rng(seed)
    w, h = size
    mask_img = _subject_mask(size)
    truth = np.asarray(mask_img) > 127
    bg = _background(size, rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    # Shading: light from the upper left, falling off across the subject.
    light = 1.0 - 0.55 * np.clip(((xx - 0.3 * w) / w) + ((yy - 0.2 * h) / h) * 0.5, 0, 1)
    skin = np.array([205, 150, 120], dtype=np.float32)
    shirt = np.array([40, 60, 140], dtype=np.float32)
    subject = np.where((yy < 0.56 * h)[..., None], skin, shirt) * light[..., None]
    subject += rng.normal(0, 3.0, subject.shape).astype(np.float32)
    # Anti-aliased edge from a slightly blurred mask.
    soft = np.asarray(mask_img.filter(ImageFilter.GaussianBlur(1.2)), dtype=np.float32) / 255
    img = subject * soft[..., None] + bg * (1 - soft[..., None])
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), truth


def iou(alpha: np.ndarray, truth: np.ndarray) -> float:
    pred = alpha > 0.5
    return float((pred & truth).sum() / max((pred | truth).sum(), 1))


def product(size: tuple[int, int] = (512, 512), seed: int = 1) -> tuple[Image.Image, np.ndarray]:
    """A shaded red ball on a textured wall and floor; returns (RGB image, bool truth mask)."""
    rng = np.random.default_rng(seed)
    w, h = size
    bg = _background(size, rng)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy, r = 0.5 * w, 0.55 * h, 0.28 * min(w, h)
    d2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / r**2
    truth = d2 <= 1.0
    # Lambertian shading from the upper left, plus a specular highlight.
    nz = np.sqrt(np.clip(1 - d2, 0, 1))
    nx, ny = (xx - cx) / r, (yy - cy) / r
    light = np.clip(-0.5 * nx - 0.5 * ny + 0.7 * nz, 0, 1)
    ball = np.array([200, 40, 35], dtype=np.float32) * (0.25 + 0.75 * light[..., None])
    ball += 255 * np.clip(light - 0.9, 0, 1)[..., None] * 4
    # A soft contact shadow on the backdrop under the ball.
    shadow = np.exp(-(((xx - cx) / (1.1 * r)) ** 2 + ((yy - cy - r) / (0.2 * r)) ** 2))
    bg = bg * (1 - 0.5 * shadow[..., None])
    edge = np.clip((1.0 - np.sqrt(d2)) * r + 0.5, 0, 1)[..., None]
    img = ball * edge + bg * (1 - edge)
    return Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)), truth
