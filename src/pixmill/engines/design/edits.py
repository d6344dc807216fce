"""Edits on the design engine: the client's pictures, laid out with the prompt's text.

Two kinds, by whether a mask came:

- **masked**: only the mask's transparent area changes. A design (the engine's art for
  the prompt) is made at the size of that area's bounding box, the prompt's quoted text
  set on it as large as fits (`masked_text`; a box too small to set it legibly is a 400
  naming `mask`), and blended in through the mask, so every pixel outside it is the
  input's own. The output keeps the input's
  size; another size is made from the image and mask scaled to it
  (`pixmill.imaging.inputs.fit_masked_edit`, before the engine sees them).
- **unmasked**: a layout of the requested size. The first image is the main visual,
  scaled to cover its region and cropped around its subject (the saliency model that
  background removal uses). Further images are arranged beside it as the prompt asks:
  a grid, a collage or product tiles (`arrangements`, chosen by `Brief.arrangement`;
  a tile shows its subject cut out, or the picture whole where a cut-out would not be
  recognisable: a scene such as a skyline, a scrap, a dark silhouette).
  The rest of the canvas is a design panel carrying the prompt's quoted text.
  `input_fidelity: high` keeps the pictures' pixels as they are (scaled and cropped
  only); `low` tints them to the panel's palette (a duotone). `background: transparent`
  cuts the subjects out. When the prompt asks for a cut-out ("cut out", "sticker":
  `Brief.cutout`) on an opaque background, the first image's subject is cut out whole
  and set on the engine's own backdrop for the prompt (`cutout`).

The panel is the engine's own generation at the panel's size, so text and art follow
whatever the engine does for prompts. With `partial_images`, the panel's own partial
images (its layers as they are drawn), set in the edit, are the edit's partials: as many
as asked. Each result says its layout (`GeneratedImage.layout`:
"grid", "collage", "tiles", "cutout", or "mask"), which goes in the picture's metadata.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from pixmill.engines.base import GeneratedImage, PartialImage, ProgressCallback
from pixmill.engines.design import arrangements, cutout, masked_text
from pixmill.engines.design.brief import parse
from pixmill.errors import InvalidRequest
from pixmill.imaging.background import BackgroundRemover
from pixmill.imaging.inputs import editable_area, open_input
from pixmill.request import RenderSpec

LOW_FIDELITY_TINT = 0.55
"""How far `input_fidelity: low` moves the pictures toward the panel's duotone."""
SUBJECT_MARGIN = 0.12
"""Room kept around a subject cut out whole (product tiles), as a share of its size."""
SCENE_BOX_SHARE = 0.7
"""A salient box over this share of the picture: a scene (a skyline, a landscape), not
an object to cut out; a product tile shows such a picture whole."""
MIN_CUT_SHARE = 0.06
"""A cut-out keeping less of its window than this has lost the picture."""
SILHOUETTE_LUMA, SILHOUETTE_SPREAD = 40, 10
"""A cut-out this dark and this flat (mean and spread of its luma) is a silhouette: what
the picture shows (its lights, its colours) is gone from it."""

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
    masked_text.check(spec)


def generate_edit(
    engine: Any, spec: RenderSpec, progress: ProgressCallback | None = None
) -> list[GeneratedImage]:
    """spec.n edits of spec.inputs; `engine` is the DesignEngine (it draws the panels)."""
    if spec.variation:
        from pixmill.engines.design.variations import generate_variations  # it imports this

        return generate_variations(spec, progress)
    subjects: list[Subject] = []
    if spec.mask is not None:
        pictures = [open_input(spec.inputs[0])]
    else:
        # Decoded and looked at once, whatever n: the saliency model is an edit's main cost.
        pictures = [open_input(image) for image in spec.inputs]
        subjects = [find_subject(picture) for picture in pictures]
    images: list[GeneratedImage] = []
    for index in range(spec.n):
        seed = spec.image_seed(index)
        if spec.mask is not None:
            images.append(masked(engine, spec, seed, pictures[0], index, progress))
        else:
            images.append(laid_out(engine, spec, seed, pictures, subjects, index, progress))
        if progress is not None:
            progress(index + 1, spec.n)
    return images


Staged = Callable[[Image.Image], None]
"""Receives each partial of a panel, at the panel's size: the edit sets it in place."""


def panel(
    engine: Any,
    spec: RenderSpec,
    seed: int,
    width: int,
    height: int,
    staged: Staged | None = None,
) -> GeneratedImage:
    """The engine's own design of the prompt at width x height: art and quoted text
    (RGBA), with the credits its art owes; its partials (`spec.partial_images` of them)
    go to `staged`."""
    part = replace(
        spec,
        n=1,
        width=max(16, width),
        height=max(16, height),
        seed=seed,
        output_format="png",
        partial_images=spec.partial_images if staged is not None else 0,
        inputs=(),
        mask=None,
    )

    def fitted(image: Image.Image) -> Image.Image:
        image = image.convert("RGBA")
        if image.size != (width, height):
            image = image.resize((width, height), Image.Resampling.LANCZOS)
        return image

    def progress(done: int, total: int, partial: PartialImage | None = None) -> None:
        if partial is not None and staged is not None:
            staged(fitted(partial.image))

    made = engine.generate(part, progress if staged is not None else None)[0]
    return GeneratedImage(image=fitted(made.image), seed=seed, credits=made.credits)


# Masked edits


def masked(
    engine: Any,
    spec: RenderSpec,
    seed: int,
    base: Image.Image,
    index: int,
    progress: ProgressCallback | None,
) -> GeneratedImage:
    """The input with only its mask's transparent area replaced by a design."""
    assert spec.mask is not None
    picture = base.convert("RGBA")
    area = editable_area(spec.mask)
    box = area.getbbox()
    if box is None:  # nothing may change
        return GeneratedImage(image=picture, seed=seed, layout="mask")
    left, top, right, bottom = box

    def filled(design: Image.Image) -> Image.Image:
        fill = picture.copy()
        fill.paste(design, (left, top))
        # Where the mask is opaque (area 0) composite takes the input's own pixel, exactly.
        return Image.composite(fill, picture, area)

    def staged(layer: Image.Image) -> None:
        assert progress is not None
        progress(index, spec.n, PartialImage(index, filled(layer)))

    partials = progress is not None and spec.partial_images
    # The quoted text is set by masked_text, as large as the box allows: not by the panel.
    text = masked_text.quoted_text(spec.prompt)
    under = replace(spec, prompt=masked_text.without_quotes(spec.prompt)) if text else spec
    design = panel(engine, under, seed, right - left, bottom - top, staged if partials else None)
    image = masked_text.set_text(design.image, text) if text else design.image
    return GeneratedImage(image=filled(image), seed=seed, credits=design.credits, layout="mask")


# Unmasked edits: a layout


@dataclass(frozen=True)
class Subject:
    """Where a picture's subject is, as fractions of its width and height."""

    centre: tuple[float, float]
    """The saliency map's weighted centre (its strongest part weighs most)."""
    box: tuple[float, float, float, float]
    """(left, top, right, bottom) of its salient part; the whole picture when flat."""


def find_subject(picture: Image.Image) -> Subject:
    """The subject of a picture, from the saliency model background removal ships."""
    saliency = remover().load().predict(picture.convert("RGB"))
    weights = np.clip(saliency - 0.5, 0, None) ** 2
    total = float(weights.sum())
    if total <= 1e-6:
        return Subject((0.5, 0.5), (0.0, 0.0, 1.0, 1.0))
    rows, columns = np.indices(weights.shape)
    cy = float((weights * (rows + 0.5)).sum() / total) / weights.shape[0]
    cx = float((weights * (columns + 0.5)).sum() / total) / weights.shape[1]
    ys, xs = np.nonzero(weights)
    h, w = weights.shape
    box = (
        float(xs.min()) / w,
        float(ys.min()) / h,
        float(xs.max() + 1) / w,
        float(ys.max() + 1) / h,
    )
    return Subject((cx, cy), box)


def laid_out(
    engine: Any,
    spec: RenderSpec,
    seed: int,
    pictures: list[Image.Image],
    subjects: list[Subject],
    index: int,
    progress: ProgressCallback | None,
) -> GeneratedImage:
    """The first picture as the main visual of a layout, the further ones arranged as the
    prompt asks (`arrangements`), the prompt's text on a panel beside. A cut-out (`cutout`)
    sets the first picture's subject on the engine's own backdrop instead."""
    width, height = spec.width, spec.height
    visual_box, panel_box = arrangements.regions(width, height)
    transparent = spec.background == "transparent"
    brief = parse(spec.prompt)
    cut = brief.cutout is not None and not transparent
    partials = progress is not None and spec.partial_images
    layers: list[Image.Image] = []  # the panel's partials, sent once the pictures are laid
    text = panel(
        engine, spec, seed, *arrangements.size_of(panel_box), layers.append if partials else None
    )
    credits = text.credits
    colours = arrangements.colours_of(text.image)
    kind = brief.arrangement
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0) if transparent else _edge(text.image))
    if cut:
        ground = cutout.backdrop(brief, spec, seed, *arrangements.size_of(visual_box))
        canvas.paste(ground.image, visual_box[:2])
        credits = tuple(dict.fromkeys(credits + ground.credits))

    def picture(number: int, tile_w: int, tile_h: int) -> Image.Image:
        tile = cover_crop(pictures[number], tile_w, tile_h, subjects[number])
        if spec.input_fidelity == "low":
            tile = duotone(tile, colours)
        if transparent:
            tile = remover().remove(tile.convert("RGB"), spec.quality)
        return tile.convert("RGBA")

    def cut_out(number: int) -> Image.Image:
        return tile_subject(pictures[number], subjects[number], spec, colours)

    aspect = arrangements.TILE_ASPECT if kind == "tiles" else 1.0
    hero, boxes = arrangements.split(visual_box, len(pictures) - 1, width, height, aspect)
    if kind == "collage" and boxes:
        rng = random.Random(seed)
        framed = not transparent
        arrangements.collage(canvas, visual_box, hero, boxes, picture, rng, framed, not cut)
    else:
        if not cut:
            arrangements.paste(canvas, picture(0, *arrangements.size_of(hero)), hero[:2])
        if kind == "tiles":
            arrangements.product_tiles(canvas, boxes, cut_out, colours, not transparent, 1)
        else:
            arrangements.grid_pictures(canvas, boxes, picture, 1)
    if cut:
        subject, window = cut_out_subject(pictures[0], subjects[0], spec, colours)
        sticker = brief.cutout == "sticker"
        cutout.set_on(canvas, subject, window, pictures[0].size, hero, sticker)
    for layer in layers:
        staged = canvas.copy()
        staged.alpha_composite(layer, (panel_box[0], panel_box[1]))
        progress(index, spec.n, PartialImage(index, staged))
    canvas.alpha_composite(text.image, (panel_box[0], panel_box[1]))
    layout = "cutout" if cut else kind
    return GeneratedImage(image=canvas, seed=seed, credits=credits, layout=layout)


def cut_out_subject(
    picture: Image.Image, subject: Subject, spec: RenderSpec, colours: arrangements.Colours
) -> tuple[Image.Image, tuple[int, int, int, int]]:
    """The picture's subject cut out whole: its box with a margin (the window, also
    answered), through the background remover; tinted first at low fidelity."""
    window = subject_window(picture.size, subject.box)
    whole = picture.crop(window)
    if spec.input_fidelity == "low":
        whole = duotone(whole, colours)
    return remover().remove(whole.convert("RGB"), spec.quality), window


def tile_subject(
    picture: Image.Image, subject: Subject, spec: RenderSpec, colours: arrangements.Colours
) -> Image.Image:
    """What a product tile shows of a picture, recognisably: its subject cut out whole, or
    the picture itself where a cut-out would lose it (`recognisable`)."""
    cut, _ = cut_out_subject(picture, subject, spec, colours)
    if recognisable(cut, subject):
        return cut
    whole = duotone(picture, colours) if spec.input_fidelity == "low" else picture
    return whole.convert("RGBA")


def recognisable(cut: Image.Image, subject: Subject) -> bool:
    """Whether a cut-out still shows its picture: not a scene with no one subject (its
    salient box covers most of it), not a scrap, not a dark flat silhouette."""
    left, top, right, bottom = subject.box
    if (right - left) * (bottom - top) > SCENE_BOX_SHARE:
        return False
    kept = np.asarray(cut.getchannel("A")) > 127
    if kept.mean() < MIN_CUT_SHARE:
        return False
    luma = np.asarray(cut.convert("L"), dtype=np.float32)[kept]
    return not (luma.mean() < SILHOUETTE_LUMA and luma.std() < SILHOUETTE_SPREAD)


def cover_crop(picture: Image.Image, width: int, height: int, subject: Subject) -> Image.Image:
    """The picture scaled to cover width x height, cropped to keep its subject: the
    subject's box whole where it fits, else its top (a face, a bottle's cap) on that axis."""
    width, height = max(1, width), max(1, height)
    scale = max(width / picture.width, height / picture.height)
    crop_w = min(picture.width, max(1, round(width / scale)))
    crop_h = min(picture.height, max(1, round(height / scale)))
    left = _window(picture.width, crop_w, subject.box[0], subject.box[2], subject.centre[0])
    top = _window(picture.height, crop_h, subject.box[1], subject.box[3], subject.centre[1], True)
    crop = picture.crop((left, top, left + crop_w, top + crop_h))
    if crop.size == (width, height):
        return crop  # no resampling: the pixels stay the client's
    return crop.resize((width, height), Image.Resampling.LANCZOS)


def _window(
    side: int, window: int, low: float, high: float, centre: float, keep_top: bool = False
) -> int:
    """Where a window of `window` pixels starts on a side of `side`: around the subject's
    span [low, high] (fractions) when it fits, else at its start (`keep_top`) or its
    weighted centre."""
    span = (high - low) * side
    if span <= window:
        start = round((low + high) / 2 * side - window / 2)
    elif keep_top:
        start = round(low * side - window * 0.04)
    else:
        start = round(centre * side - window / 2)
    return _clamp(start, 0, side - window)


def subject_window(
    size: tuple[int, int], box: tuple[float, float, float, float]
) -> tuple[int, int, int, int]:
    """The pixels of a picture of `size` around its subject's box, with a margin, so a
    cut-out keeps the subject whole."""
    width, height = size
    left, top, right, bottom = box
    margin_x, margin_y = (right - left) * SUBJECT_MARGIN, (bottom - top) * SUBJECT_MARGIN
    return (
        _clamp(math.floor((left - margin_x) * width), 0, width - 1),
        _clamp(math.floor((top - margin_y) * height), 0, height - 1),
        _clamp(math.ceil((right + margin_x) * width), 1, width),
        _clamp(math.ceil((bottom + margin_y) * height), 1, height),
    )


def duotone(picture: Image.Image, colours: arrangements.Colours) -> Image.Image:
    """The picture tinted toward a duotone of the panel (`input_fidelity: low`): its
    darkest colour for shadows, its dominant colour for highlights; alpha is kept."""
    toned = ImageOps.colorize(ImageOps.grayscale(picture), colours.dark, colours.main)
    blended = Image.blend(picture.convert("RGB"), toned, LOW_FIDELITY_TINT)
    if picture.mode == "RGBA":
        blended = blended.convert("RGBA")
        blended.putalpha(picture.getchannel("A"))
    return blended


def _edge(image: Image.Image) -> tuple[int, int, int, int]:
    """The panel's corner colour: the canvas behind the grid's gutters matches it."""
    r, g, b, _ = image.convert("RGBA").getpixel((0, 0))
    return r, g, b, 255


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))
