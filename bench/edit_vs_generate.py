"""The added time of an edit over a generation of the same size, on the design engine.

    python bench/edit_vs_generate.py [--runs 3]

Per kind of call, at 1024x1536 (layouts) and at the input's 1024x768 (masked fill):
a generation (the baseline, same process), an unmasked edit with one 1024x768 JPEG, the
same with three images, and a masked edit. Shown apart: the input's decode, the saliency
crop (the background-removal model's saliency map and its centre), and the png encode
the pipeline adds to every call. Engine-level: no HTTP, jobs or moderation. Gateway
engines are not timed here: an edit's time there is the provider's.
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from pixmill.engines.design import edits  # noqa: E402
from pixmill.engines.design.engine import DesignEngine  # noqa: E402
from pixmill.imaging.encode import encode  # noqa: E402
from pixmill.imaging.inputs import InputLimits, decode_image, decode_mask, open_input  # noqa: E402
from pixmill.request import RenderSpec  # noqa: E402
from timing import median_seconds  # noqa: E402

LIMITS = InputLimits()


def photo(width: int, height: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = np.clip(rng.normal(200, 20, (height, width, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    ImageDraw.Draw(image).ellipse((width * 0.5, height * 0.2, width * 0.9, height * 0.8), "red")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    engine = DesignEngine()
    first = decode_image(photo(1024, 768), param="image[0]", limits=LIMITS)
    more = tuple(
        decode_image(photo(800, 800, s), param=f"image[{s}]", limits=LIMITS) for s in (1, 2)
    )
    canvas = Image.new("RGBA", (1024, 768), (0, 0, 0, 255))
    ImageDraw.Draw(canvas).rectangle((80, 80, 560, 420), fill=(0, 0, 0, 0))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    mask = decode_mask(buffer.getvalue(), limits=LIMITS, first=first)
    base = RenderSpec(
        prompt='A poster for "Night Market", summer sale',
        model="design", n=1, width=1024, height=1536, quality="low", background="opaque",
        output_format="png", output_compression=100, seed=7,
    )  # fmt: skip
    calls = {
        "generation 1024x1536": base,
        "edit, 1 image, 1024x1536": replace(base, inputs=(first,)),
        "edit, 3 images, 1024x1536": replace(base, inputs=(first, *more)),
        "generation 1024x768": replace(base, width=1024, height=768),
        "masked edit 1024x768": replace(base, width=1024, height=768, inputs=(first,), mask=mask),
    }
    times = {
        name: median_seconds(lambda s=spec: engine.generate(s), runs)
        for name, spec in calls.items()
    }
    print(f"{'call':<28}{'ms':>8}{'vs generation':>15}")
    for name, seconds in times.items():
        baseline = times["generation 1024x768" if "768" in name else "generation 1024x1536"]
        print(f"{name:<28}{seconds * 1000:>8.0f}{seconds / baseline:>14.2f}x")
    decoded = open_input(first)
    parts = {
        "decode 1024x768 jpeg": lambda: open_input(first),
        "saliency crop centre": lambda: edits.find_subject(decoded),
        "png encode 1024x1536": lambda: encode(Image.new("RGB", (1024, 1536), "white"), "png"),
    }
    print()
    for name, action in parts.items():
        print(f"{name:<28}{median_seconds(action, runs) * 1000:>8.0f} ms")


if __name__ == "__main__":
    main()
