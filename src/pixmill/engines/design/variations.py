"""Variations on the design engine: the picture's own subject and palette, made anew.

A variation keeps what the picture is of and its colours, and changes the rest: the
subject is cut out whole (its saliency box, through the background remover) and set,
by each image's seed, in one of the layouts on a ground drawn from the picture's own
palette in one of the treatments:

    layouts     "centre" (large, centred), "left" / "right" (a third, beside a colour
                block), "badge" (in a round frame, with a sticker's edge), "horizon"
                (standing on a band of the palette's dark colour)
    treatments  "flat", "gradient" (the palette's light to main), "stripes", "dots"

The images of one call take consecutive seeds, so n variations differ from each other,
and every one from the input, whose ground is replaced. `background: transparent`
leaves the ground out.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
from PIL import Image, ImageDraw

from pixmill.engines.base import GeneratedImage, PartialImage, ProgressCallback
from pixmill.engines.design import arrangements, cutout, edits
from pixmill.imaging.inputs import open_input
from pixmill.request import RenderSpec

Box = tuple[int, int, int, int]
LAYOUTS = ("centre", "left", "right", "badge", "horizon")
TREATMENTS = ("gradient", "flat", "stripes", "dots")


def generate_variations(
    spec: RenderSpec, progress: ProgressCallback | None = None
) -> list[GeneratedImage]:
    """spec.n variations of spec.inputs[0] at spec's size."""
    picture = open_input(spec.inputs[0]).convert("RGB")
    colours = arrangements.colours_of(picture)
    subject = edits.find_subject(picture)
    # The subject's own pixels: never tinted (a variation keeps the subject as it is).
    cut, window = edits.cut_out_subject(
        picture, subject, replace(spec, input_fidelity="high"), colours
    )
    images: list[GeneratedImage] = []
    for index in range(spec.n):
        seed = spec.image_seed(index)
        layout = LAYOUTS[seed % len(LAYOUTS)]
        treatment = TREATMENTS[(seed // len(LAYOUTS)) % len(TREATMENTS)]
        rng = random.Random(seed)
        size = (spec.width, spec.height)
        if spec.background == "transparent":
            canvas = Image.new("RGBA", size, (0, 0, 0, 0))
        else:
            canvas = ground(size, treatment, colours, rng)
        box = frame(canvas, layout, colours, spec.background != "transparent")
        if progress is not None and spec.partial_images:
            progress(index, spec.n, PartialImage(index, canvas.copy()))
        cutout.set_on(canvas, cut, window, picture.size, box, sticker=layout == "badge")
        images.append(GeneratedImage(image=canvas, seed=seed, layout=f"variation-{layout}"))
        if progress is not None:
            progress(index + 1, spec.n)
    return images


def ground(
    size: tuple[int, int], treatment: str, colours: arrangements.Colours, rng: random.Random
) -> Image.Image:
    """The picture's palette as a new ground."""
    width, height = size
    light, main = np.array(colours.light, float), np.array(colours.main, float)
    if treatment == "gradient":
        angle = rng.uniform(0, np.pi)
        ys, xs = np.mgrid[0:height, 0:width]
        t = (xs / max(1, width - 1)) * np.cos(angle) + (ys / max(1, height - 1)) * np.sin(angle)
        t = (t - t.min()) / max(1e-6, t.max() - t.min())
        pixels = light * (1 - t[..., None]) + main * t[..., None]
        image = Image.fromarray(pixels.astype(np.uint8), "RGB").convert("RGBA")
    else:
        image = Image.new("RGBA", size, (*colours.light, 255))
    draw = ImageDraw.Draw(image)
    if treatment == "stripes":
        step = max(8, round(min(size) / rng.choice((8, 10, 14))))
        for x in range(-height, width, step * 2):
            draw.polygon([(x, 0), (x + step, 0), (x + step + height, height), (x + height, height)],
                         fill=(*colours.main, 255))  # fmt: skip
    elif treatment == "dots":
        step = max(12, round(min(size) / rng.choice((10, 14))))
        radius = step // 5
        for y in range(step // 2, height, step):
            for x in range(step // 2 + (y // step % 2) * step // 2, width, step):
                draw.ellipse((x - radius, y - radius, x + radius, y + radius),
                             fill=(*colours.main, 255))  # fmt: skip
    return image


def frame(canvas: Image.Image, layout: str, colours: arrangements.Colours, drawn: bool) -> Box:
    """Draw the layout's own shapes (a colour block, a round frame, a horizon band) and
    answer the box the subject goes in."""
    width, height = canvas.size
    short = min(width, height)
    draw = ImageDraw.Draw(canvas)
    dark = (*colours.dark, 255)
    if layout == "left" or layout == "right":
        third = width * 2 // 5
        block = (width - third, 0, width, height) if layout == "left" else (0, 0, third, height)
        if drawn:
            draw.rectangle(block, fill=dark)
        return (0, 0, width - third, height) if layout == "left" else (third, 0, width, height)
    if layout == "badge":
        radius = short * 0.42
        cx, cy = width / 2, height / 2
        if drawn:
            draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=dark)
        inner = radius * 0.68
        return (round(cx - inner), round(cy - inner), round(cx + inner), round(cy + inner))
    if layout == "horizon":
        band = round(height * 0.7)
        if drawn:
            draw.rectangle((0, band, width, height), fill=dark)
        return (round(width * 0.1), round(height * 0.08), round(width * 0.9), band + height // 20)
    margin = round(short * 0.08)
    return (margin, margin, width - margin, height - margin)
