"""Furniture drawn from simple shapes (the interior setting's sofa).

Animals, vehicles, food and the other subjects come from the vector library
(`subjects.library`); this keeps what the engine still draws itself.
"""

from __future__ import annotations

from pixmill.engines.design.palette import mix
from pixmill.engines.design.scene import Color, Rect, Shape


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
