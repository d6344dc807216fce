"""Edits on the design engine: the client's pictures, laid out with the prompt's text.

Two kinds, by whether a mask came:

- **masked**: only the mask's transparent area changes. A design (art and the prompt's
  quoted text) is made at the size of that area's bounding box and blended in through
  the mask, so every pixel outside it is the input's own. The output keeps the input's
  size; another size is a 400 naming `size`.
- **unmasked**: a layout of the requested size. The first image is the main visual,
  scaled to cover its region and cropped around its subject (the saliency model that
  background removal uses); further images share that region as a grid. The rest of
  the canvas is a design panel carrying the prompt's quoted text. `input_fidelity: high`
  keeps the pictures' pixels as they are (scaled and cropped only); `low` tints them
  to the panel's palette (a duotone). `background: transparent` cuts the subject out.

The panel is the engine's own generation at the panel's size, so text and art follow
whatever the engine does for prompts.
"""

from __future__ import annotations

import math
import threading
from dataclasses import replace
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from pixmill.engines.base import GeneratedImage, PartialImage, ProgressCallback
from pixmill.errors import InvalidRequest
from pixmill.imaging.background import BackgroundRemover
from pixmill.imaging.inputs import editable_area, open_input
from pixmill.request import RenderSpec, check_masked_edit_size

VISUAL_SHARE = 0.62
"""The main visual's share of the canvas's long side; the text panel takes the rest."""
GUTTER = 0.012
"""Space between grid tiles, as a share of the canvas's short side."""
LOW_FIDELITY_TINT = 0.55
"""How far `input_fidelity: low` moves the pictures toward the panel's duotone."""

_remover: BackgroundRemover | None = None
_remover_lock = threading.Lock()


def remover() -> BackgroundRemover:
    """One saliency model per process, loaded on first use."""
    global _remover
    with _remover_lock:
        if _remover is None:
            _remover = BackgroundRemover()
        return _remover


def check_spec(spec: RenderSpec) -> None:
    """What the design engine refuses of an edit, before anything is reserved."""
    if not spec.is_edit:
        return
    if spec.output_format == "svg":
        raise InvalidRequest(
            "output_format 'svg' is for generations: an edit's pictures are rasters. "
            "Use 'png', 'jpeg' or 'webp'.",
            param="output_format",
        )
    check_masked_edit_size(spec)


def generate_edit(
    engine: Any, spec: RenderSpec, progress: ProgressCallback | None = None
) -> list[GeneratedImage]:
    """spec.n edits of spec.inputs; `engine` is the DesignEngine (it draws the panels)."""
    centres: list[tuple[float, float]] = []
    if spec.mask is not None:
        pictures = [open_input(spec.inputs[0])]
    else:
        # Decoded and looked at once, whatever n: the saliency model is an edit's main cost.
        pictures = [open_input(image) for image in spec.inputs]
        centres = [subject_centre(picture) for picture in pictures]
    images: list[GeneratedImage] = []
    for index in range(spec.n):
        seed = spec.image_seed(index)
        if spec.mask is not None:
            image = masked(engine, spec, seed, pictures[0], index, progress)
        else:
            image = laid_out(engine, spec, seed, pictures, centres, index, progress)
        images.append(GeneratedImage(image=image, seed=seed))
        if progress is not None:
            progress(index + 1, spec.n)
    return images


def panel(engine: Any, spec: RenderSpec, seed: int, width: int, height: int) -> Image.Image:
    """The engine's own design of the prompt at width x height: art and quoted text."""
    part = replace(
        spec,
        n=1,
        width=max(16, width),
        height=max(16, height),
        seed=seed,
        output_format="png",
        partial_images=0,
        inputs=(),
        mask=None,
    )
    image = engine.generate(part)[0].image.convert("RGBA")
    if image.size != (width, height):
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    return image


# Masked edits


def masked(
    engine: Any,
    spec: RenderSpec,
    seed: int,
    base: Image.Image,
    index: int,
    progress: ProgressCallback | None,
) -> Image.Image:
    """The input with only its mask's transparent area replaced by a design."""
    assert spec.mask is not None
    picture = base.convert("RGBA")
    area = editable_area(spec.mask)
    box = area.getbbox()
    if box is None:  # nothing may change
        return picture
    if progress is not None and spec.partial_images:
        progress(index, spec.n, PartialImage(index, picture))
    left, top, right, bottom = box
    fill = picture.copy()
    fill.paste(panel(engine, spec, seed, right - left, bottom - top), (left, top))
    # Where the mask is opaque (area 0) composite takes the input's own pixel, exactly.
    return Image.composite(fill, picture, area)


# Unmasked edits: a layout


def laid_out(
    engine: Any,
    spec: RenderSpec,
    seed: int,
    pictures: list[Image.Image],
    centres: list[tuple[float, float]],
    index: int,
    progress: ProgressCallback | None,
) -> Image.Image:
    """The pictures as the main visual of a layout, the prompt's text on a panel beside."""
    width, height = spec.width, spec.height
    visual_box, panel_box = regions(width, height)
    transparent = spec.background == "transparent"
    text = panel(engine, spec, seed, _w(panel_box), _h(panel_box))
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0) if transparent else _edge(text))
    boxes = grid(visual_box, len(pictures), width, height)
    for picture, centre, box in zip(pictures, centres, boxes, strict=True):
        tile = cover_crop(picture, _w(box), _h(box), centre)
        if spec.input_fidelity == "low":
            tile = duotone(tile, text)
        if transparent:
            tile = remover().remove(tile.convert("RGB"), spec.quality)
        canvas.alpha_composite(tile.convert("RGBA"), (box[0], box[1]))
    if progress is not None and spec.partial_images:
        progress(index, spec.n, PartialImage(index, canvas.copy()))
    canvas.alpha_composite(text, (panel_box[0], panel_box[1]))
    return canvas


Box = tuple[int, int, int, int]


def regions(width: int, height: int) -> tuple[Box, Box]:
    """(visual, panel): side by side on a wide canvas, stacked on a square or tall one."""
    if width >= height * 1.2:
        split = round(width * VISUAL_SHARE)
        return (0, 0, split, height), (split, 0, width, height)
    split = round(height * VISUAL_SHARE)
    return (0, 0, width, split), (0, split, width, height)


def grid(box: Box, count: int, width: int, height: int) -> list[Box]:
    """`count` tiles filling `box`, in rows as square as they can be, with gutters."""
    if count == 1:
        return [box]
    left, top, right, bottom = box
    columns = math.ceil(math.sqrt(count * (right - left) / max(1, bottom - top)))
    columns = max(1, min(count, columns))
    rows = math.ceil(count / columns)
    gap = max(2, round(min(width, height) * GUTTER))
    tile_w = (right - left - gap * (columns + 1)) / columns
    tile_h = (bottom - top - gap * (rows + 1)) / rows
    tiles = []
    for number in range(count):
        row, column = divmod(number, columns)
        x = left + gap + column * (tile_w + gap)
        y = top + gap + row * (tile_h + gap)
        tiles.append((round(x), round(y), round(x + tile_w), round(y + tile_h)))
    return tiles


def cover_crop(
    picture: Image.Image, width: int, height: int, centre: tuple[float, float]
) -> Image.Image:
    """The picture scaled to cover width x height, cropped around `centre` (its subject's,
    as fractions of its width and height)."""
    width, height = max(1, width), max(1, height)
    scale = max(width / picture.width, height / picture.height)
    crop_w = min(picture.width, max(1, round(width / scale)))
    crop_h = min(picture.height, max(1, round(height / scale)))
    cx, cy = centre
    left = _clamp(round(cx * picture.width - crop_w / 2), 0, picture.width - crop_w)
    top = _clamp(round(cy * picture.height - crop_h / 2), 0, picture.height - crop_h)
    crop = picture.crop((left, top, left + crop_w, top + crop_h))
    if crop.size == (width, height):
        return crop  # no resampling: the pixels stay the client's
    return crop.resize((width, height), Image.Resampling.LANCZOS)


def subject_centre(picture: Image.Image) -> tuple[float, float]:
    """Where the subject is, as fractions of width and height: the saliency map's
    weighted centre (its strongest part weighs most), or the middle when it is flat."""
    saliency = remover().load().predict(picture.convert("RGB"))
    weights = np.clip(saliency - 0.5, 0, None) ** 2
    total = float(weights.sum())
    if total <= 1e-6:
        return 0.5, 0.5
    rows, columns = np.indices(weights.shape)
    cy = float((weights * (rows + 0.5)).sum() / total) / weights.shape[0]
    cx = float((weights * (columns + 0.5)).sum() / total) / weights.shape[1]
    return cx, cy


def duotone(picture: Image.Image, palette_source: Image.Image) -> Image.Image:
    """The picture tinted toward a duotone of the palette source (`input_fidelity: low`):
    its darkest colour for shadows, its dominant colour for highlights (its lightest when
    the dominant one is the darkest); the picture's alpha is kept."""
    counted = palette_source.convert("RGB").quantize(8).convert("RGB").getcolors(64) or []
    if not counted:
        return picture
    dark = min((colour for _, colour in counted), key=_luma)
    dominant = max(counted)[1]
    light = (
        dominant
        if _luma(dominant) > _luma(dark) + 40
        else max((colour for _, colour in counted), key=_luma)
    )
    toned = ImageOps.colorize(ImageOps.grayscale(picture), dark, light)
    blended = Image.blend(picture.convert("RGB"), toned, LOW_FIDELITY_TINT)
    if picture.mode == "RGBA":
        blended = blended.convert("RGBA")
        blended.putalpha(picture.getchannel("A"))
    return blended


def _luma(colour: tuple[int, int, int]) -> float:
    return 0.3 * colour[0] + 0.59 * colour[1] + 0.11 * colour[2]


def _edge(image: Image.Image) -> tuple[int, int, int, int]:
    """The panel's corner colour: the canvas behind the grid's gutters matches it."""
    r, g, b, _ = image.convert("RGBA").getpixel((0, 0))
    return r, g, b, 255


def _w(box: Box) -> int:
    return box[2] - box[0]


def _h(box: Box) -> int:
    return box[3] - box[1]


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
