"""Settling text contrast: every text block gets at least 4.5:1 against its backdrop.

The backdrop (background, art and plates, without text) is rasterised, and each
block's box is read for its darkest and lightest pixel: a colour passes when its
contrast with both is at least `TARGET`. A block keeps its preferred colour when
that passes, else takes the palette's light or dark ink; when none passes, its slot
gets an opaque plate, and the text is set in the best ink for the plate.
"""

from __future__ import annotations

import numpy as np

from pixmill.engines.design.palette import Palette, contrast, luminance
from pixmill.engines.design.scene import Box, Color, Rect, TextBlock, TextLine

MINIMUM = 4.5
TARGET = 4.75
"""A little over the WCAG minimum, for edge pixels that supersampling averages."""

_WHITE, _BLACK = (255, 255, 255), (12, 12, 14)


_V = np.arange(256, dtype=np.float64) / 255.0
_LINEAR = np.where(_V <= 0.04045, _V / 12.92, ((_V + 0.055) / 1.055) ** 2.4)
_LUT = [(_LINEAR * k).astype(np.float32) for k in (0.2126, 0.7152, 0.0722)]


def luminance_map(rgba: np.ndarray) -> np.ndarray:
    """Relative luminance per pixel of an (h, w, 3 or 4) uint8 array (alpha ignored)."""
    return _LUT[0][rgba[..., 0]] + _LUT[1][rgba[..., 1]] + _LUT[2][rgba[..., 2]]


def _window(box: Box, scale: float, shape: tuple[int, int]) -> tuple[slice, slice]:
    y0 = max(0, int(np.floor(box.y * scale)))
    y1 = min(shape[0], int(np.ceil(box.bottom * scale)))
    x0 = max(0, int(np.floor(box.x * scale)))
    x1 = min(shape[1], int(np.ceil(box.right * scale)))
    return slice(y0, max(y1, y0 + 1)), slice(x0, max(x1, x0 + 1))


def worst_contrast(color: Color, lo: float, hi: float) -> float:
    lc = luminance(color)
    if lc >= hi:
        return (lc + 0.05) / (hi + 0.05)
    if lc <= lo:
        return (lo + 0.05) / (lc + 0.05)
    return 1.0


class ContrastSolver:
    """Reads the backdrop's pixels and recolours blocks or adds plates.

    `rgba` is the backdrop at `scale` of the canvas; luminance is computed only
    where text goes.
    """

    def __init__(self, rgba: np.ndarray, scale: float, palette: Palette):
        self.rgba = rgba
        self.scale = scale
        self.palette = palette

    def range_in(self, box: Box) -> tuple[float, float]:
        ys, xs = _window(box, self.scale, self.rgba.shape)
        region = self.rgba[ys, xs]
        if region.size == 0:
            return 0.0, 1.0
        lum = luminance_map(region)
        return float(lum.min()), float(lum.max())

    def candidates(self, preferred: Color) -> list[Color]:
        pal = self.palette
        return [preferred, pal.light, pal.dark, _WHITE, _BLACK]

    def pick(self, block: TextBlock) -> Color | None:
        lo, hi = self.range_in(block.box)
        for color in self.candidates(block.color):
            if worst_contrast(color, lo, hi) >= TARGET:
                return color
        return None

    def plate_for(self, preferred: Color, wanted: Color | None = None) -> tuple[Color, Color]:
        """(plate colour, text colour) for a plate; the wanted plate when it can work."""
        pal = self.palette
        plates = [wanted] if wanted is not None else []
        light_text = luminance(preferred) > 0.4
        plates += [pal.dark, pal.light] if light_text else [pal.light, pal.dark]
        plates += [_BLACK, _WHITE]
        for plate in plates:
            for text in self.candidates(preferred):
                if contrast(plate, text) >= TARGET:
                    return plate, text
        return _BLACK, _WHITE  # pragma: no cover - black on white always passes

    def paint(self, box: Box, plate: Color) -> None:
        """Record an opaque plate in the backdrop."""
        ys, xs = _window(box, self.scale, self.rgba.shape)
        self.rgba[ys, xs, :3] = plate[:3]
        if self.rgba.shape[2] > 3:
            self.rgba[ys, xs, 3] = 255

    def see_through(self, box: Box) -> bool:
        """Whether the page shows through somewhere behind `box` (transparent output)."""
        if self.rgba.shape[2] < 4:
            return False
        ys, xs = _window(box, self.scale, self.rgba.shape)
        region = self.rgba[ys, xs, 3]
        return bool(region.size) and int(region.min()) < 250

    def outline_for(self, preferred: Color) -> tuple[Color, Color]:
        """(ink, outline) for text over transparency: a dark ink with a white outline
        reads on a white page (the ink) and on a black one (the outline)."""
        pal = self.palette
        for ink in (preferred, pal.dark, _BLACK):
            if contrast(ink, _WHITE) >= TARGET:
                return ink, _WHITE
        return _BLACK, _WHITE  # pragma: no cover - black always passes


def recolor(block: TextBlock, color: Color, outline: Color | None = None) -> None:
    block.color = color
    block.lines = [
        TextLine(line.x, line.baseline, line.size, line.spans, color, line.broken, outline)
        for line in block.lines
    ]


def plate_rect(box: Box, pad: float, width: int, height: int, radius: float, color: Color) -> Rect:
    """A pixel-aligned plate around `box`, kept on the canvas."""
    x0 = max(0.0, np.floor(box.x - pad))
    y0 = max(0.0, np.floor(box.y - pad))
    x1 = min(float(width), np.ceil(box.right + pad))
    y1 = min(float(height), np.ceil(box.bottom + pad))
    return Rect(float(x0), float(y0), float(x1 - x0), float(y1 - y0), color, min(radius, pad))
