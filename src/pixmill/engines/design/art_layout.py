"""Laying a prompt's quoted text over another model's picture (issue 25).

The picture is treated as a design edit treats a client's photo (`edits`): scaled to
cover the canvas and cropped around its subject (the saliency model). The text goes
where the picture is quiet: of a few candidate zones (a band at the top or the
bottom, a column at the left or the right of a wide canvas), the one whose pixels are
least salient and least busy (edges). The quotes are set there by role (`layouts.base
.roles`): the title largest, the rest below it in the text face.

Legibility is settled against the pixels under each block, in this order: plain ink
(picture's own light or dark, or a colour the prompt names) where one reaches 4.75:1
against every pixel under it; an outline where the ink reaches it against all but the
extremes (large type only); else a scrim (a gradient from the zone's edge, as strong
as needed); a plate where even the strongest scrim does not do. Colours come from the
picture (its lightest, darkest and most saturated), except that colours the prompt
names win.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from types import SimpleNamespace
from typing import cast

import numpy as np
from PIL import Image

from pixmill.engines.design import prompt, render, typeset
from pixmill.engines.design.brief import Brief
from pixmill.engines.design.contrast import TARGET, luminance_map, plate_rect, recolor
from pixmill.engines.design.edits import Subject, cover_crop
from pixmill.engines.design.layouts.base import Frame, faces, roles
from pixmill.engines.design.palette import NAMED, contrast, luminance
from pixmill.engines.design.scene import Box, Color, Rect, Scene, TextBlock
from pixmill.engines.design.typeset import Paragraph, TextStyle

GRID = 96
"""The long side, in cells, of the map that zones are scored on."""
BAND = 0.30
"""A band zone's height (a column's width is `COLUMN`), as a share of the canvas."""
COLUMN = 0.42
MARGIN = 0.06
"""The zone's inset from the canvas edge, as a share of its short side."""
TOP_BIAS = 0.04
"""How much quieter another zone must be to win over the top band (titles read first)."""
SCRIM_STEPS = (0.35, 0.5, 0.65, 0.8, 0.9)
"""The scrim strengths tried, weakest first."""
OUTLINE_MIN_SHARE = 0.05
"""Type at least this large (a share of the short side) may be outlined."""
COVER_LIMIT = 0.12
"""Text with more than this share of its cells on the subject gets a band of its own."""
LIGHT_ZONE = 0.55
"""A zone lighter than this (mean relative luminance) gets a light scrim and dark text;
any other a dark scrim and light text."""
FADE = 0.06
"""How far into the picture its edge fades into a band, as a share of its side."""
WHITE: Color = (250, 250, 247)
BLACK: Color = (16, 16, 18)


@dataclass(frozen=True)
class Zone:
    name: str
    """"top", "bottom", "left" or "right": the canvas edge it lies on."""
    box: Box
    align: str
    valign: str


@dataclass(frozen=True)
class Inks:
    """The colours text may take over this picture: its light and dark, an accent."""

    light: Color
    dark: Color
    accent: Color | None
    named: bool
    """Whether the accent is a colour the prompt names (then it wins where it reads)."""


@dataclass
class LaidOut:
    image: Image.Image
    zone: str
    treatment: str
    """"plain", "outline", "scrim" or "plate": the strongest one any block needed;
    "band" where the text has a band of its own."""
    picture: Image.Image
    """The picture as placed, before the text (a partial image)."""


def lay_out(
    art: Image.Image, saliency: np.ndarray, brief: Brief, width: int, height: int, variant: int
) -> LaidOut:
    """The picture cropped to width x height around its subject, the brief's quotes set
    where it is quiet, legibly; on a band beside it where no zone is quiet enough."""
    subject = subject_of(saliency)
    picture = cover_crop(art.convert("RGB"), width, height, subject)
    # The saliency map follows the picture through the same crop.
    heat = Image.fromarray((saliency * 255).astype(np.uint8)).resize(art.size)
    inks = inks_of(picture, brief)
    zone, blocks, covers = quiet_zone(
        picture, cover_crop(heat, width, height, subject), brief, inks, variant
    )
    if covers > COVER_LIMIT:  # the text would sit on the subject: give it a band
        return banded(art, heat, subject, brief, zone, inks, width, height, variant)
    rgb = np.array(picture, dtype=np.uint8)
    treatment = settle(rgb, blocks, zone, inks, width, height)
    return LaidOut(draw(rgb, blocks), zone.name, treatment, picture)


def draw(rgb: np.ndarray, blocks: list[Placed]) -> Image.Image:
    """The settled blocks (and their plates) drawn over the picture's pixels."""
    height, width = rgb.shape[:2]
    scene = Scene(width, height)
    scene.plates = [b.plate_rect for b in blocks if b.plate_rect is not None]
    for block in blocks:
        scene.blocks.append(block.block)
        scene.text.extend(block.block.lines)
    raster = render.Raster(scene)
    rgba = np.dstack([rgb, np.full((height, width), 255, np.uint8)])
    raster.restyle(lambda _: rgba)
    raster.draw_top()
    return Image.fromarray(raster.pixels(), "RGBA")


def banded(
    art: Image.Image,
    heat: Image.Image,
    subject: Subject,
    brief: Brief,
    zone: Zone,
    inks: Inks,
    width: int,
    height: int,
    variant: int,
) -> LaidOut:
    """The picture cropped to the canvas less a band on the zone's edge, the band in the
    picture's dark colour (or the prompt's) carrying the text; the picture fades into it."""
    band = band_box(zone.name, width, height)
    left, top = int(band.x), int(band.y)
    if zone.name in ("top", "bottom"):
        area = (0, top + int(band.h) if zone.name == "top" else 0, width, height - int(band.h))
    else:
        area = (left + int(band.w) if zone.name == "left" else 0, 0, width - int(band.w), height)
    x, y, w, h = area
    picture = cover_crop(art.convert("RGB"), w, h, subject)
    fill = band_colour(inks)
    rgb = np.empty((height, width, 3), np.uint8)
    rgb[...] = fill[:3]
    rgb[y : y + h, x : x + w] = np.asarray(picture)
    _fade(rgb, zone.name, (x, y, w, h), fill)
    m = MARGIN * min(width, height)
    text_zone = Zone(zone.name, band.inset(m, m * 0.6), zone.align, "center")
    placed = Image.fromarray(rgb.copy())
    blocks = set_text(brief, text_zone, width, height, variant)
    treatment = settle(rgb, blocks, text_zone, inks, width, height)
    return LaidOut(
        draw(rgb, blocks), zone.name, "band" if treatment == "plain" else treatment, placed
    )


def band_box(edge: str, width: int, height: int) -> Box:
    band, column = round(BAND * height), round(COLUMN * width)
    return {
        "top": Box(0, 0, width, band),
        "bottom": Box(0, height - band, width, band),
        "left": Box(0, 0, column, height),
        "right": Box(width - column, 0, column, height),
    }[edge]


def band_colour(inks: Inks) -> Color:
    """The band's colour: the prompt's colour where it carries light or dark text, else
    the picture's darkest."""
    accent = inks.accent if inks.named else None
    if accent is not None and max(contrast(accent, WHITE), contrast(accent, BLACK)) >= TARGET:
        return accent
    return inks.dark


def _fade(rgb: np.ndarray, edge: str, area: tuple[int, int, int, int], fill: Color) -> None:
    """The picture's edge toward the band blended into the band's colour."""
    x, y, w, h = area
    vertical = edge in ("top", "bottom")
    depth = max(2, round((h if vertical else w) * FADE))
    ramp = np.linspace(1.0, 0.0, depth, dtype=np.float32)
    ramp = ramp * ramp * (3 - 2 * ramp)
    colour = np.array(fill[:3], np.float32)
    if edge == "top":
        window, alpha = rgb[y : y + depth, x : x + w], ramp[:, None, None]
    elif edge == "bottom":
        window, alpha = rgb[y + h - depth : y + h, x : x + w], ramp[::-1, None, None]
    elif edge == "left":
        window, alpha = rgb[y : y + h, x : x + depth], ramp[None, :, None]
    else:
        window, alpha = rgb[y : y + h, x + w - depth : x + w], ramp[None, ::-1, None]
    window[...] = np.clip(window * (1 - alpha) + colour * alpha + 0.5, 0, 255).astype(np.uint8)


def subject_of(saliency: np.ndarray) -> Subject:
    """A picture's subject from its saliency map (as `edits.find_subject` reads it)."""
    weights = np.clip(saliency - 0.5, 0, None) ** 2
    total = float(weights.sum())
    if total <= 1e-6:
        return Subject((0.5, 0.5), (0.0, 0.0, 1.0, 1.0))
    h, w = weights.shape
    rows, columns = np.indices(weights.shape)
    cy = float((weights * (rows + 0.5)).sum() / total) / h
    cx = float((weights * (columns + 0.5)).sum() / total) / w
    ys, xs = np.nonzero(weights)
    box = (xs.min() / w, ys.min() / h, (xs.max() + 1) / w, (ys.max() + 1) / h)
    return Subject((cx, cy), (float(box[0]), float(box[1]), float(box[2]), float(box[3])))


# Where: the quietest zone


def zones(width: int, height: int) -> list[Zone]:
    """The candidate zones of a canvas: bands, and columns on a wide one."""
    m = MARGIN * min(width, height)
    band = BAND * height
    out = [
        Zone("top", Box(m, m, width - 2 * m, band - m), "center", "top"),
        Zone("bottom", Box(m, height - band, width - 2 * m, band - m), "center", "bottom"),
    ]
    if width >= height * 1.2:
        column = COLUMN * width
        out.append(Zone("left", Box(m, m, column - m, height - 2 * m), "left", "center"))
        out.append(
            Zone("right", Box(width - column, m, column - m, height - 2 * m), "right", "center")
        )
    return out


def busy_maps(picture: Image.Image, heat: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    """On a coarse grid, how much the picture would fight text: (its saliency, its
    edges: texture, detail), each in [0, 1]."""
    scale = GRID / max(picture.size)
    size = (max(8, round(picture.width * scale)), max(8, round(picture.height * scale)))
    grey = np.asarray(picture.convert("L").resize(size, Image.Resampling.BOX), np.float32)
    edges = np.zeros_like(grey)
    edges[:, 1:] += np.abs(np.diff(grey, axis=1))
    edges[1:, :] += np.abs(np.diff(grey, axis=0))
    edges = np.clip(edges / 48.0, 0, 1)
    salient = np.asarray(heat.resize(size, Image.Resampling.BOX), np.float32) / 255.0
    return salient, edges


def quiet_zone(
    picture: Image.Image, heat: Image.Image, brief: Brief, inks: Inks, variant: int
) -> tuple[Zone, list[Placed], float]:
    """The zone whose text would lie on the quietest pixels (the top one on a near tie):
    the text is set in each candidate zone and the cells under its lines are scored.
    Also answers that text's blocks and the share of it lying on the subject."""
    salient, edges = busy_maps(picture, heat)
    busy = 0.6 * salient + 0.4 * edges
    h, w = busy.shape
    sx, sy = w / picture.width, h / picture.height
    best: tuple[float, Zone, list[Placed], float] | None = None
    for zone in zones(picture.width, picture.height):
        blocks = set_text(brief, zone, picture.width, picture.height, variant)
        under = np.zeros(busy.shape, bool)
        for placed in blocks:
            box = placed.block.box
            x0, y0 = int(box.x * sx), int(box.y * sy)
            x1 = max(x0 + 1, int(np.ceil(box.right * sx)))
            y1 = max(y0 + 1, int(np.ceil(box.bottom * sy)))
            under[y0:y1, x0:x1] = True
        if not under.any():
            under[:] = True
        cells = busy[under]
        covers = float((salient[under] > 0.5).mean())
        score = float(cells.mean() + 0.5 * np.percentile(cells, 90)) + covers
        score += 0.0 if zone.name == "top" else TOP_BIAS
        if best is None or score < best[0]:
            best = (score, zone, blocks, covers)
    assert best is not None
    _, zone, blocks, covers = best
    return zone, blocks, covers


# What colours


def prompt_colours(brief: Brief) -> list[Color]:
    """The colours the prompt names for the picture as a whole ("in yellow", "orange and
    purple tones"), not those of a thing in it ("an orange spacesuit": the art's)."""
    parsed = prompt.parse(brief.marked or brief.lowered)
    return list(dict.fromkeys(NAMED[word] for word in parsed.free_colours if word in NAMED))


def inks_of(picture: Image.Image, brief: Brief) -> Inks:
    """The picture's lightest and darkest colours as inks (white and near-black where
    they are not light or dark enough), and an accent: the first colour the prompt
    names, else the picture's most saturated colour."""
    small = picture.convert("RGB").resize((64, 64), Image.Resampling.BOX)
    counted = small.quantize(8).convert("RGB").getcolors(64) or [(1, (128, 128, 128))]
    colours = [c for _, c in counted]
    light = max(colours, key=luminance)
    dark = min(colours, key=luminance)
    light = light if luminance(light) > 0.75 else WHITE
    dark = dark if luminance(dark) < 0.02 else BLACK
    named = prompt_colours(brief)
    if named:
        return Inks(light, dark, named[0], True)

    def saturation(c: Color) -> float:
        _, lightness, sat = colorsys.rgb_to_hls(*(v / 255 for v in c[:3]))
        return sat if 0.25 < lightness < 0.8 else 0.0

    vivid = max(colours, key=saturation)
    return Inks(light, dark, vivid if saturation(vivid) > 0.45 else None, False)


# What text


@dataclass
class Placed:
    block: TextBlock
    large: bool
    plate_rect: Rect | None = None


def set_text(brief: Brief, zone: Zone, width: int, height: int, variant: int) -> list[Placed]:
    """The quotes set in the zone at the largest size that fits: the title first and
    largest, the headline, tagline, info and body after it, smaller."""
    frame = cast(Frame, SimpleNamespace(brief=brief, variant=variant))
    display, text_face, label = faces(frame)
    by_role = roles(brief)
    paragraphs: list[Paragraph] = []
    ink = WHITE
    for quote in by_role["title"]:
        style = TextStyle(display, 1.0, 1.02, zone.align, max_lines=3)
        paragraphs.append(Paragraph(quote.text, style, "title", ink, quote.text))
    rest = by_role["headline"] + by_role["tagline"] + by_role["body"] + by_role["info"]
    for quote in sorted(rest, key=lambda q: q.position):
        face = label if quote.role == "info" else text_face
        style = TextStyle(face, 0.34, 1.2, zone.align, gap_before=0.3)
        paragraphs.append(Paragraph(quote.text, style, quote.role, ink, quote.text))
    if not paragraphs:
        return []
    short = min(width, height)
    blocks = typeset.fit(
        paragraphs, zone.box, min(zone.box.h * 0.7, short * 0.17), short * 0.03, valign=zone.valign
    )
    large = short * OUTLINE_MIN_SHARE
    return [Placed(b, max(line.size for line in b.lines) >= large) for b in blocks if b.lines]


# How it reads


def settle(
    rgb: np.ndarray, blocks: list[Placed], zone: Zone, inks: Inks, width: int, height: int
) -> str:
    """Give every block an ink that reads against the pixels under it, changing `rgb`
    where a scrim is needed; answers the strongest treatment used."""
    if not blocks:
        return "plain"
    unsettled = [b for b in blocks if not _plain(rgb, b, inks)]
    if not unsettled:
        return "plain"
    outlined = [b for b in unsettled if b.large and _outlined(rgb, b, inks)]
    unsettled = [b for b in unsettled if b not in outlined]
    if not unsettled:
        return "outline"
    treatment = "scrim"
    light_text = _mean_luminance(rgb, zone.box) < LIGHT_ZONE
    for strength in SCRIM_STEPS:
        trial = rgb.copy()
        _scrim(trial, zone, blocks, strength, inks.dark if light_text else inks.light)
        if all(_plain(trial, b, inks, apply=False) for b in unsettled):
            break
    rgb[...] = trial
    for block in blocks:  # the scrim changed what lies under every block: settle again
        if block in outlined or _plain(rgb, block, inks):
            continue
        treatment = "plate"
        _plate(rgb, block, inks, width, height)
    return treatment


def _window(rgb: np.ndarray, box: Box, pad: float = 0.0) -> np.ndarray:
    h, w = rgb.shape[:2]
    y0, y1 = max(0, int(box.y - pad)), min(h, int(np.ceil(box.bottom + pad)))
    x0, x1 = max(0, int(box.x - pad)), min(w, int(np.ceil(box.right + pad)))
    return rgb[y0 : max(y1, y0 + 1), x0 : max(x1, x0 + 1)]


def _candidates(inks: Inks, role: str) -> list[Color]:
    accent = [inks.accent] if inks.accent is not None else []
    if inks.named or role != "title":
        return [*accent, inks.light, inks.dark, WHITE, BLACK]
    return [inks.light, inks.dark, *accent, WHITE, BLACK]


def _worst(color: Color, lum: np.ndarray) -> float:
    lc = luminance(color)
    lo, hi = float(lum.min()), float(lum.max())
    return min((max(lc, v) + 0.05) / (min(lc, v) + 0.05) for v in (lo, hi))


def _plain(rgb: np.ndarray, placed: Placed, inks: Inks, apply: bool = True) -> bool:
    """Whether an ink reads against every pixel under the block; sets it when `apply`."""
    lum = luminance_map(_window(rgb, placed.block.box, placed.block.lines[0].size * 0.1))
    for color in _candidates(inks, placed.block.role):
        if _worst(color, lum) >= TARGET:
            if apply:
                recolor(placed.block, color)
            return True
    return False


def _outlined(rgb: np.ndarray, placed: Placed, inks: Inks) -> bool:
    """Large type whose ink reads against all but the extreme pixels under it: an
    outline in the opposite ink carries it over those."""
    lum = luminance_map(_window(rgb, placed.block.box))
    inner = np.percentile(lum, [8, 92])
    for color in _candidates(inks, placed.block.role):
        if _worst(color, inner) >= TARGET:
            opposite = inks.dark if luminance(color) > 0.4 else inks.light
            if contrast(color, opposite) >= TARGET:
                recolor(placed.block, color, opposite)
                return True
    return False


def _mean_luminance(rgb: np.ndarray, box: Box) -> float:
    return float(luminance_map(_window(rgb, box)[::4, ::4]).mean())


def _scrim(rgb: np.ndarray, zone: Zone, blocks: list[Placed], strength: float, tint: Color) -> None:
    """A gradient of `tint` from the zone's canvas edge: `strength` as far as the text
    reaches, fading to nothing over the next eighth of the canvas."""
    h, w = rgb.shape[:2]
    text = blocks[0].block.box
    for placed in blocks[1:]:
        text = text.union(placed.block.box)
    vertical = zone.name in ("top", "bottom")
    side = h if vertical else w
    fade = side / 8
    positions = np.arange(side, dtype=np.float32)
    if zone.name == "top":
        reach = text.bottom
        alpha = np.clip(1 - (positions - reach) / fade, 0, 1)
    elif zone.name == "bottom":
        reach = text.y
        alpha = np.clip(1 - (reach - positions) / fade, 0, 1)
    elif zone.name == "left":
        alpha = np.clip(1 - (positions - text.right) / fade, 0, 1)
    else:
        alpha = np.clip(1 - (text.x - positions) / fade, 0, 1)
    alpha = (alpha * alpha * (3 - 2 * alpha)) * strength  # smoothstep: no visible edge
    shape = (side, 1, 1) if vertical else (1, side, 1)
    alpha = alpha.reshape(shape)
    tinted = rgb * (1 - alpha) + np.array(tint[:3], np.float32) * alpha
    rgb[...] = np.clip(tinted + 0.5, 0, 255).astype(np.uint8)


def _plate(rgb: np.ndarray, placed: Placed, inks: Inks, width: int, height: int) -> None:
    """An opaque plate behind the block, in the accent where text reads on it."""
    block = placed.block
    size = max(line.size for line in block.lines)
    plates = ([inks.accent] if inks.accent is not None else []) + [inks.dark, BLACK]
    for plate in plates:
        ink = max((inks.light, inks.dark, WHITE, BLACK), key=lambda c: contrast(c, plate))
        if contrast(ink, plate) >= TARGET:
            break
    rect = plate_rect(block.box, size * 0.25, width, height, size * 0.12, plate)
    placed.plate_rect = rect
    block.plate = plate
    recolor(block, ink)
    x0, y0 = int(rect.x), int(rect.y)
    rgb[y0 : y0 + int(rect.h), x0 : x0 + int(rect.w)] = plate[:3]
