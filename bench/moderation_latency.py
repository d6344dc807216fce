"""The latency moderation and background removal add to one 1024x1024 render.

    python bench/moderation_latency.py [--runs 5] [--quality medium]

Reference: the built-in design engine rendering one 1024x1024 image (opaque, the
given quality). When the engine cannot be imported, a Pillow-drawn 1024x1024 scene is
timed instead, and the output says so. Each added step is printed in milliseconds and
as a ratio to the reference render. Model load times (once per process) are printed
apart; they are not part of a request.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pixmill.imaging.background import REFINE_PLANS, BackgroundRemover
from pixmill.moderation import ImageModerator, PromptModerator
from timing import median_seconds

PROMPT = (
    "A magazine cover of a red fox sitting in a snowy forest at dawn, soft light, "
    "the title 'WILD' in bold serif letters at the top"
)


def median_ms(action: Callable[[], object], runs: int) -> float:
    return median_seconds(action, runs) * 1000


def timed_ms(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def reference(quality: str) -> tuple[str, Callable[[], Image.Image]]:
    try:
        from pixmill.engines.design import DesignEngine
        from pixmill.request import parse_request, resolve

        engine = DesignEngine()
        request = parse_request(
            {"prompt": PROMPT, "size": "1024x1024", "quality": quality, "seed": 7}
        )
        spec = resolve(request)
        return (
            f"design engine, 1024x1024, quality={spec.quality}",
            lambda: engine.generate(spec)[0].image,
        )
    except Exception as exc:  # the engine is optional for this bench
        print(f"NOTE: design engine unavailable ({exc!r}); timing a Pillow-drawn reference")
        return "Pillow-drawn 1024x1024 scene (engine unavailable)", pillow_scene


def pillow_scene() -> Image.Image:
    size = 1024
    ramp = np.linspace(0, 1, size, dtype=np.float32)[:, None]
    sky = np.array([70, 110, 170]) * (1 - ramp) + np.array([230, 200, 180]) * ramp
    image = Image.fromarray(np.repeat(sky[:, None, :], size, 1).astype(np.uint8)[:, :, 0, :])
    draw = ImageDraw.Draw(image)
    for i in range(40):
        x = (i * 97) % size
        draw.polygon([(x, 700), (x - 60, 1000), (x + 60, 1000)], fill=(20, 60 + i, 40))
    draw.ellipse((380, 420, 660, 820), fill=(200, 90, 40))
    draw.ellipse((440, 300, 600, 460), fill=(210, 100, 50))
    return image.filter(ImageFilter.GaussianBlur(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quality", default="medium")
    args = parser.parse_args()

    name, render = reference(args.quality)
    render_ms = median_ms(render, args.runs)
    image = render().convert("RGB")
    print(f"reference render: {name}: {render_ms:.0f} ms (median of {args.runs})")

    print("\nload once per process:")
    prompt_load = timed_ms(lambda: PromptModerator())
    images = ImageModerator()
    image_load = timed_ms(images.load)
    remover = BackgroundRemover()
    remover_load = timed_ms(remover.load)
    print(f"  PromptModerator()        {prompt_load:8.0f} ms")
    print(f"  ImageModerator.load()    {image_load:8.0f} ms")
    print(f"  BackgroundRemover.load() {remover_load:8.0f} ms")

    prompts = PromptModerator()
    rows = [
        ("prompt moderation (this prompt)", median_ms(lambda: prompts.check(PROMPT), args.runs)),
        (
            "prompt moderation (32,000 chars)",
            median_ms(lambda: prompts.check((PROMPT + " ") * 200), args.runs),
        ),
        ("image moderation (1 image)", median_ms(lambda: images.check([image]), args.runs)),
        ("image moderation (4, one call)", median_ms(lambda: images.check([image] * 4), args.runs)),
    ]
    # The first matting call compiles pymatting's kernels (cached on disk): keep it out.
    remover.remove(image.resize((256, 256)), "xhigh")
    for quality in REFINE_PLANS:
        rows.append(
            (
                f"background removal ({quality})",
                median_ms(lambda q=quality: remover.remove(image, q), max(1, args.runs // 2)),
            )
        )
    print(f"\nadded per 1024x1024 image, ratio to the reference render ({render_ms:.0f} ms):")
    for label, ms in rows:
        print(f"  {label:<36} {ms:9.1f} ms   x{ms / render_ms:6.3f}")


if __name__ == "__main__":
    main()
