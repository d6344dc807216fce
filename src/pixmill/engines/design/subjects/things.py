"""Furniture drawn from simple shapes (the interior setting's sofa, fireplace and lamp).

Animals, vehicles, food and the other subjects come from the vector library
(`subjects.library`); this keeps what the engine still draws itself.
"""

from __future__ import annotations

from pixmill.engines.design.palette import mix
from pixmill.engines.design.scene import Color, Ellipse, Path, RadialGradient, Rect, Shape


def sofa(cx: float, base: float, width: float, color: Color) -> list[Shape]:
    w = width
    shade = mix(color, (0, 0, 0), 0.18)
    return [
        Rect(cx - w * 0.45, base - w * 0.42, w * 0.9, w * 0.26, shade, w * 0.04),
        Rect(cx - w * 0.5, base - w * 0.26, w * 1.0, w * 0.18, color, w * 0.03),
        Rect(cx - w * 0.52, base - w * 0.32, w * 0.1, w * 0.26, shade, w * 0.03),
        Rect(cx + w * 0.42, base - w * 0.32, w * 0.1, w * 0.26, shade, w * 0.03),
        Rect(cx - w * 0.45, base - w * 0.08, w * 0.04, w * 0.08, (60, 40, 30)),
        Rect(cx + w * 0.41, base - w * 0.08, w * 0.04, w * 0.08, (60, 40, 30)),
    ]


def fireplace(cx: float, floor: float, width: float, stone: Color) -> list[Shape]:
    """A fireplace against the wall: a mantel, a stone surround and a dark hearth (the
    caller draws the fire in it)."""
    w = width
    dark = mix(stone, (0, 0, 0), 0.35)
    return [
        Rect(cx - w * 0.5, floor - w * 0.72, w, w * 0.72, stone, w * 0.02),
        Rect(cx - w * 0.58, floor - w * 0.8, w * 1.16, w * 0.1, dark, w * 0.02),
        Rect(cx - w * 0.3, floor - w * 0.46, w * 0.6, w * 0.46, (34, 24, 22), w * 0.05),
        Rect(cx - w * 0.36, floor - w * 0.04, w * 0.72, w * 0.04, dark),
    ]


def floor_lamp(x: float, floor: float, height: float, shade: Color) -> list[Shape]:
    """A standing lamp: a base, a pole and a lit shade with its glow."""
    h = height
    light = (255, 236, 170)
    return [
        Ellipse(x, floor - h * 0.78, h * 0.45, h * 0.45, RadialGradient(
            (x, floor - h * 0.78), h * 0.45, ((*light, 120), (*light, 0)))),
        Rect(x - h * 0.012, floor - h * 0.8, h * 0.024, h * 0.8, (60, 56, 52)),
        Ellipse(x, floor - h * 0.01, h * 0.09, h * 0.02, (60, 56, 52)),
        Path((("M", x - h * 0.09, floor - h * 0.8), ("L", x + h * 0.09, floor - h * 0.8),
              ("L", x + h * 0.13, floor - h * 0.66), ("L", x - h * 0.13, floor - h * 0.66),
              ("Z",)), shade),
    ]  # fmt: skip
