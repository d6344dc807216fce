"""The cut-out layout of an edit: the main picture's subject, cut out of its photo, set
on the engine's own backdrop for the prompt.

When the prompt asks for a cut-out ("cut out", "isolated", "sticker": `Brief.cutout`)
and the background is opaque, the visual region is not the photo but the picture the
engine draws for the prompt as a scene (`scenery`: sky, setting, planets; the same
drawing, palette and style as its generations), without its own drawn subject: the
photo's subject takes that place. The subject is cut out with the background remover
(the cut-out of product tiles and `background: transparent`) and set over a soft
shadow; a sticker also gets a white die-cut edge.

Placement keeps the subject whole and large: a side where the subject runs off its
photo (a portrait's shoulders at the foot) is set flush with the region's side, so the
cut reads as the frame's edge, never as a straight line in mid-air; the other sides
keep a margin. The text panel beside it is the layout's usual one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

from pixmill.engines.design import arrangements, render, styles
from pixmill.engines.design.brief import Brief
from pixmill.engines.design.compose import compose, supersample_for
from pixmill.engines.design.layouts import stage

MARGIN = 0.06
"""Room kept between a free side of the subject and the region's edge, as a share of
the region's short side."""
TOUCH_SHARE = 0.2
"""A side of the photo the subject runs off: its opaque pixels cover this share of it."""
SHADOW = 0.025
"""The shadow's blur and reach, as a share of the region's short side."""
STICKER_EDGE = 0.018
"""A sticker's white edge, as a share of the region's short side."""

SOLID = 0.9
"""A cut-out's pixels at least this opaque are the subject itself: kept as they are."""

SIDES = ("left", "top", "right", "bottom")
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Backdrop:
    image: Image.Image
    """RGBA, opaque."""
    credits: tuple[str, ...]


def backdrop(brief: Brief, spec: Any, seed: int, width: int, height: int) -> Backdrop:
    """The engine's picture of the prompt as a scene at width x height, drawn as its
    generations draw it (palette, setting, style), without a drawn subject: the photo's
    subject takes its place. With no subject to draw, its art (a landscape, shapes) stays."""
    scene_brief = replace(brief, genre="scene")
    style = styles.style_of(brief)
    subject_drawn = bool(stage.subjects_of(scene_brief).words)
    factor = supersample_for(spec.quality, width, height)
    rasters: list[render.Raster] = []

    def draw(scene):
        if subject_drawn:
            scene.art.clear()  # before drawing, so the credits count only what is drawn
        raster = render.Raster(scene, supersample=factor)
        raster.draw_backdrop()
        if style is not None:
            raster.restyle(lambda rgba: styles.apply(style, rgba, seed))
        rasters.append(raster)
        return raster.pixels(), 1.0  # no text to settle on it: a scene has no slots

    vivid = getattr(spec, "style", None)
    design = compose(scene_brief, width, height, seed, spec.quality, draw, False, vivid)
    image = Image.fromarray(rasters[0].pixels(), "RGBA")
    image.putalpha(255)
    return Backdrop(image, design.credits)


def touching(cut: Image.Image, window: Box, size: tuple[int, int]) -> frozenset[str]:
    """The sides of the photo (`size`) that the subject runs off: `cut` is the cut-out
    of `window` of it, and its opaque pixels cover a good share of that side."""
    alpha = np.asarray(cut.getchannel("A")) > 127
    edges = {
        "left": (window[0] == 0, alpha[:, :2]),
        "top": (window[1] == 0, alpha[:2, :]),
        "right": (window[2] >= size[0], alpha[:, -2:]),
        "bottom": (window[3] >= size[1], alpha[-2:, :]),
    }
    return frozenset(
        side
        for side, (at_edge, strip) in edges.items()
        if at_edge and strip.any(axis=0 if side in ("top", "bottom") else 1).mean() >= TOUCH_SHARE
    )


def place(size: tuple[int, int], box: Box, touches: frozenset[str]) -> Box:
    """Where a subject of `size` goes in `box`: as large as fits, flush with the sides it
    runs off, a margin from the others, centred on an axis with no side to hold to."""
    left, top, right, bottom = box
    margin = round(min(right - left, bottom - top) * MARGIN)
    pad = {side: 0 if side in touches else margin for side in SIDES}
    room_w = max(1, right - left - pad["left"] - pad["right"])
    room_h = max(1, bottom - top - pad["top"] - pad["bottom"])
    scale = min(room_w / size[0], room_h / size[1])
    width, height = max(1, round(size[0] * scale)), max(1, round(size[1] * scale))

    def start(low: int, high: int, length: int, low_side: str, high_side: str) -> int:
        if low_side in touches and high_side not in touches:
            return low
        if high_side in touches and low_side not in touches:
            return high - length
        return low + pad[low_side] + (high - low - pad[low_side] - pad[high_side] - length) // 2

    x = start(left, right, width, "left", "right")
    y = start(top, bottom, height, "top", "bottom")
    return x, y, x + width, y + height


def set_on(
    canvas: Image.Image,
    cut: Image.Image,
    window: Box,
    size: tuple[int, int],
    box: Box,
    sticker: bool,
) -> None:
    """The cut-out subject (`cut`, of `window` of a photo of `size`) tidied, on the canvas
    in `box`, over its shadow (and a sticker's white edge)."""
    cut = tidy(cut)
    touches = touching(cut, window, size)
    opaque = cut.getchannel("A").getbbox()
    if opaque is not None:  # fit the subject itself, not the margin around it
        cut = cut.crop(opaque)
    where = place(cut.size, box, touches)
    fitted_size = (where[2] - where[0], where[3] - where[1])
    fitted = cut if cut.size == fitted_size else cut.resize(fitted_size, Image.Resampling.LANCZOS)
    short = min(box[2] - box[0], box[3] - box[1])
    at = where[:2]
    if sticker:
        edge = max(2, round(short * STICKER_EDGE))
        fitted, at = with_edge(fitted, edge), (where[0] - edge, where[1] - edge)
    arrangements.with_shadow(canvas, fitted, at, max(2, round(short * SHADOW)))


def tidy(cut: Image.Image) -> Image.Image:
    """The cut-out made ready for a new ground: faint patches away from the subject's solid
    body (what is left of a busy background) cleared, and the soft edge's colours taken
    from the subject just inside it, not from the old background (no halo). Opaque pixels
    stay as they are."""
    rgba = np.asarray(cut.convert("RGBA")).astype(np.float32)
    alpha = rgba[..., 3] / 255
    solid = alpha > SOLID
    labels, count = ndimage.label(solid)
    if count > 1:  # specks of background taken for subject: only its large parts hold
        sizes = np.bincount(labels.ravel())[1:]
        solid = np.isin(labels, 1 + np.flatnonzero(sizes >= sizes.max() * 0.05))
    if not solid.any():
        return cut
    step = max(2.0, max(cut.size) / 160)
    # The soft edge fades out over `step` beyond its first `step` from the solid body,
    # round (a true distance), so what lies further (a flag's ghost) is gone.
    distance = ndimage.distance_transform_edt(~solid)
    alpha = alpha * np.clip((2 * step - distance) / step, 0.0, 1.0)
    weight = ndimage.gaussian_filter(solid.astype(np.float32), step)
    inside = np.dstack([ndimage.gaussian_filter(rgba[..., c] * solid, step) for c in range(3)])
    edge = (alpha > 0) & ~solid & (weight > 1e-3)
    rgb = rgba[..., :3]
    rgb[edge] = inside[edge] / weight[edge][:, None]
    out = np.dstack([rgb, alpha * 255])
    return Image.fromarray(np.clip(np.round(out), 0, 255).astype(np.uint8), "RGBA")


def with_edge(sprite: Image.Image, width: int) -> Image.Image:
    """The sprite on a white die-cut edge `width` pixels wide, rounded like a sticker's;
    the sprite grows by `width` on every side."""
    pad = width * 2
    grown = Image.new("RGBA", (sprite.width + 2 * pad, sprite.height + 2 * pad), (0, 0, 0, 0))
    grown.alpha_composite(sprite, (pad, pad))
    spread = grown.getchannel("A").filter(ImageFilter.GaussianBlur(width / 2))
    # Anything the blur reaches a little is inside the edge: a round, smooth outline.
    edge = spread.point(lambda value: 0 if value < 4 else min(255, (value - 4) * 48))
    sticker = Image.new("RGBA", grown.size, (255, 255, 255, 0))
    sticker.putalpha(edge)
    sticker.alpha_composite(grown)
    return sticker.crop((width, width, grown.width - width, grown.height - width))
