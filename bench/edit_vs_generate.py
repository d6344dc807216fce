"""The added time of an edit over a generation of the same size, per engine.

    HF_HUB_OFFLINE=1 python bench/edit_vs_generate.py [--runs 3] [--engines design diffusion openai]

Engine-level (`engine.generate(spec)`: no HTTP in front, no jobs, no moderation), the
median of --runs after one warm-up run, per engine:

- design, at 1024x1536 (layouts) and at the input's 1024x768 (masked fill): a
  generation, an unmasked edit with one 1024x768 JPEG, the same with three images, and
  a masked edit;
- diffusion, the tiny random-weight SD pipeline of the tests (sd-turbo row, 1 step,
  native 32 px, a pass-through autoencoder) at 1024x768: a generation, an unmasked edit
  (image-to-image) and a masked edit (inpainting, the input pasted back). Its model
  costs almost nothing, so what an edit adds shows: the input's decode and scaling, the
  autoencoder's encode, the paste-back. A real model adds one VAE encode at the render
  size to its generation's time;
- openai, the gateway engine against the tests' fake OpenAI on loopback (answers at
  once): a generation against an edit with one 1024x768 JPEG, at 1024x1024. What it adds
  is the multipart upload (the fake reads the files); a real provider's time is its own.

Shown apart: the input's decode, the saliency crop (design only: the background-removal
model's saliency map and its centre), the png encode the pipeline adds to every call,
and on diffusion the edit's own steps around its pipeline call (decode and scale the
inputs and the mask; scale the picture back and paste the input back outside the mask).
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

from pixmill.engines import Engine, build_engine  # noqa: E402
from pixmill.imaging.encode import encode  # noqa: E402
from pixmill.imaging.inputs import (  # noqa: E402
    InputImage,
    InputLimits,
    decode_image,
    decode_mask,
    open_input,
)
from pixmill.request import RenderSpec  # noqa: E402
from timing import median_seconds  # noqa: E402

LIMITS = InputLimits()
Row = tuple[str, RenderSpec, str]
"""A call: its name, its spec, and the name of the generation it is compared with."""


def photo(width: int, height: int, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = np.clip(rng.normal(200, 20, (height, width, 3)), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    ImageDraw.Draw(image).ellipse((width * 0.5, height * 0.2, width * 0.9, height * 0.8), "red")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def inputs() -> tuple[InputImage, tuple[InputImage, ...], InputImage]:
    """The 1024x768 JPEG, two more images, and a mask with a 480x340 hole."""
    first = decode_image(photo(1024, 768), param="image[0]", limits=LIMITS)
    more = tuple(
        decode_image(photo(800, 800, s), param=f"image[{s}]", limits=LIMITS) for s in (1, 2)
    )
    canvas = Image.new("RGBA", (1024, 768), (0, 0, 0, 255))
    ImageDraw.Draw(canvas).rectangle((80, 80, 560, 420), fill=(0, 0, 0, 0))
    buffer = io.BytesIO()
    canvas.save(buffer, "PNG")
    return first, more, decode_mask(buffer.getvalue(), limits=LIMITS, first=first)


BASE = RenderSpec(
    prompt='A poster for "Night Market", summer sale',
    model="gpt-image-1", n=1, width=1024, height=1536, quality="low", background="opaque",
    output_format="png", output_compression=100, seed=7,
)  # fmt: skip


def design_rows(first: InputImage, more: tuple[InputImage, ...], mask: InputImage) -> list[Row]:
    tall, wide = "generation 1024x1536", "generation 1024x768"
    at_768 = replace(BASE, width=1024, height=768)
    return [
        (tall, BASE, tall),
        ("edit, 1 image, 1024x1536", replace(BASE, inputs=(first,)), tall),
        ("edit, 3 images, 1024x1536", replace(BASE, inputs=(first, *more)), tall),
        (wide, at_768, wide),
        ("masked edit 1024x768", replace(at_768, inputs=(first,), mask=mask), wide),
    ]


def diffusion_rows(first: InputImage, mask: InputImage) -> list[Row]:
    wide = "generation 1024x768"
    at_768 = replace(BASE, width=1024, height=768)
    return [
        (wide, at_768, wide),
        ("edit (img2img) 1024x768", replace(at_768, inputs=(first,)), wide),
        ("masked edit (inpaint) 1024x768", replace(at_768, inputs=(first,), mask=mask), wide),
    ]


def gateway_rows(first: InputImage) -> list[Row]:
    square = replace(BASE, width=1024, height=1024)
    name = "generation 1024x1024"
    return [(name, square, name), ("edit, 1 image, 1024x1024", replace(square, inputs=(first,)),
                                    name)]  # fmt: skip


def diffusion_parts(engine: Any, rows: list[Row]) -> dict[str, Callable[[], object]]:
    """The edit's own steps around the pipeline call: inputs decoded and scaled to the
    render size (and the mask), then the picture scaled back and pasted back."""
    from pixmill.engines.diffusion import edits

    unmasked, masked = rows[1][1], rows[2][1]
    work = edits.prepare(masked, engine.edits, engine.geometry, 1)
    rendered = Image.new("RGB", work.kwargs["image"].size)
    return {
        "prepare: decode, scale": lambda: edits.prepare(unmasked, engine.edits, engine.geometry, 1),
        "prepare: decode, scale, mask": lambda: edits.prepare(
            masked, engine.edits, engine.geometry, 1
        ),
        "finish: scale back, paste back": lambda: edits.finish(rendered, work, masked),
    }


@contextmanager
def tiny_diffusion() -> Iterator[Engine]:
    """The tests' tiny SD pipeline, saved to a temporary folder and served as sd-turbo."""
    from tests.engines.diffusion.conftest import (
        NATIVE_SIDE,
        TINY_AUTOENCODER_TINY,
        TINY_TEXT_ENCODER,
        TINY_UNET,
        TINY_VAE,
    )

    from pixmill.engines.diffusion.random_weights import (
        build_pass_through_vae,
        build_sd_pipeline,
        save_pipeline,
    )

    with tempfile.TemporaryDirectory(prefix="pixmill-bench-") as folder:
        model = Path(folder) / "tiny-sd"
        pipeline = build_sd_pipeline(
            model, unet=TINY_UNET, vae=TINY_VAE, text_encoder=TINY_TEXT_ENCODER
        )
        save_pipeline(pipeline, model)
        vae = build_pass_through_vae(Path(folder) / "taesd", TINY_AUTOENCODER_TINY)
        yield build_engine(
            "diffusion", model=str(model), family="sd-turbo", native_side=NATIVE_SIDE,
            tiny_vae=str(vae), channels_last=False, dtype="float32", device="cpu",
            tuning_dir=str(Path(folder) / "tuning"),
        )  # fmt: skip


@contextmanager
def fake_gateway() -> Iterator[Engine]:
    """The openai engine in front of the tests' fake OpenAI, served on loopback."""
    from tests.engines.upstream.fake_upstreams import (
        OPENAI_EDITS_PATH,
        OPENAI_KEY,
        OPENAI_PATH,
        fake_openai,
        serving,
    )

    with serving(fake_openai(), OPENAI_PATH, OPENAI_EDITS_PATH) as fake:
        yield build_engine("openai", base_url=fake.url, api_key=OPENAI_KEY, model="gpt-image-1")


def time_calls(engine: Engine, rows: list[Row], runs: int) -> None:
    times = {
        name: median_seconds(lambda s=spec: engine.generate(s), runs) for name, spec, _ in rows
    }
    print(f"{'call':<34}{'ms':>8}{'added ms':>10}{'vs generation':>15}")
    for name, _, baseline_name in rows:
        seconds, baseline = times[name], times[baseline_name]
        added = (seconds - baseline) * 1000
        print(f"{name:<34}{seconds * 1000:>8.0f}{added:>+10.0f}{seconds / baseline:>14.2f}x")


def time_parts(parts: dict[str, Callable[[], object]], runs: int) -> None:
    for name, action in parts.items():
        print(f"  apart: {name:<30}{median_seconds(action, runs) * 1000:>8.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", nargs="+", default=["design", "diffusion", "openai"])
    args = parser.parse_args()
    first, more, mask = inputs()
    decoded = open_input(first)
    common = {
        "decode 1024x768 jpeg": lambda: open_input(first),
        "png encode 1024x1536": lambda: encode(Image.new("RGB", (1024, 1536), "white"), "png"),
        "png encode 1024x768": lambda: encode(Image.new("RGB", (1024, 768), "white"), "png"),
    }
    with ExitStack() as stack:
        if "design" in args.engines:
            from pixmill.engines.design import edits

            print("== design")
            time_calls(build_engine("design"), design_rows(first, more, mask), args.runs)
            saliency = {"saliency crop centre": lambda: edits.find_subject(decoded)}
            time_parts(common | saliency, args.runs)
        if "diffusion" in args.engines:
            print("\n== diffusion (tiny random-weight SD, sd-turbo row, 1 step)")
            engine = stack.enter_context(tiny_diffusion())
            rows = diffusion_rows(first, mask)
            time_calls(engine, rows, args.runs)
            time_parts(common | diffusion_parts(engine, rows), args.runs)
        if "openai" in args.engines:
            print("\n== openai gateway (fake upstream on loopback)")
            engine = stack.enter_context(fake_gateway())
            time_calls(engine, gateway_rows(first), args.runs)
            time_parts({"decode 1024x768 jpeg": common["decode 1024x768 jpeg"]}, args.runs)


if __name__ == "__main__":
    main()
