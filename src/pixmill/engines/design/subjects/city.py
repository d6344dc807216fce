"""Sky, sun and moon, stars, and city skylines."""

from __future__ import annotations

import math
import random

from pixmill.engines.design.palette import mix, with_alpha
from pixmill.engines.design.scene import (
    Color,
    Ellipse,
    Group,
    LinearGradient,
    Path,
    RadialGradient,
    Rect,
    Shape,
    circle_commands,
)


def sky(x: float, y: float, w: float, h: float, top: Color, bottom: Color, detail: int) -> Shape:
    if detail == 0:
        return Rect(x, y, w, h, mix(top, bottom, 0.5))
    return Rect(x, y, w, h, LinearGradient((0, y), (0, y + h), (top, bottom)))


def sun(cx: float, cy: float, r: float, color: Color, detail: int, glow: Color | None = None):
    items: list[Shape] = []
    if detail >= 1:
        glow = glow or color
        items.append(
            Ellipse(
                cx,
                cy,
                r * 2.4,
                r * 2.4,
                RadialGradient((cx, cy), r * 2.4, (with_alpha(glow, 0.45), with_alpha(glow, 0))),
            )
        )
    items.append(Ellipse(cx, cy, r, r, color))
    return items


def moon(cx: float, cy: float, r: float, color: Color, shadow: Color, detail: int):
    items = sun(cx, cy, r, color, detail)
    items.append(Ellipse(cx + r * 0.45, cy - r * 0.2, r * 0.85, r * 0.85, shadow))
    return items


def stars(x, y, w, h, count: int, color: Color, rng: random.Random, avoid=()) -> list[Shape]:
    """Dots of light; none inside the `avoid` boxes (where text will go)."""
    commands: list[tuple] = []
    for _ in range(count):
        sx, sy = x + rng.random() * w, y + rng.random() * h
        r = max(0.6, rng.random() ** 3 * min(w, h) * 0.004)
        if any(b.x - r <= sx <= b.right + r and b.y - r <= sy <= b.bottom + r for b in avoid):
            continue
        commands += circle_commands(sx, sy, r)
    return [Path(tuple(commands), color)] if commands else []


def _rect_commands(x: float, y: float, w: float, h: float) -> list[tuple]:
    return [("M", x, y), ("L", x + w, y), ("L", x + w, y + h), ("L", x, y + h), ("Z",)]


def skyline(
    x0: float,
    x1: float,
    base: float,
    max_height: float,
    color: Color,
    rng: random.Random,
    *,
    windows: Color | None = None,
    lit: float = 0.35,
    detail: int = 1,
    unit: float = 20.0,
) -> list[Shape]:
    """A row of buildings standing on `base`, as one outline plus one window layer.

    `unit` is the scale of the city: building widths are a few units.
    """
    outline: list[tuple] = []
    window_cmds: list[tuple] = []
    x = x0 - rng.uniform(0, unit * 2)
    while x < x1:
        width = unit * rng.uniform(2.2, 5.5)
        height = max_height * rng.uniform(0.35, 1.0)
        top = base - height
        kind = rng.random()
        outline += _rect_commands(x, top, width, height + 1)
        if kind < 0.2:  # setback crown
            inset = width * 0.2
            crown = height * rng.uniform(0.06, 0.14)
            outline += _rect_commands(x + inset, top - crown, width - 2 * inset, crown + 1)
            if rng.random() < 0.6:
                spire = width * 0.06
                outline += _rect_commands(
                    x + width / 2 - spire / 2, top - crown - height * 0.18, spire, height * 0.18 + 1
                )
        elif kind < 0.32:  # slanted roof
            outline += [
                ("M", x, top + 1),
                ("L", x + width, top - width * 0.35),
                ("L", x + width, top + 1),
                ("Z",),
            ]
        elif kind < 0.42:  # antenna
            outline += _rect_commands(
                x + width * 0.3, top - unit * 2.2, unit * 0.18, unit * 2.2 + 1
            )
        elif kind < 0.5:  # dome
            outline += [
                ("M", x + width * 0.1, top + 1),
                ("Q", x + width / 2, top - width * 0.55, x + width * 0.9, top + 1),
                ("Z",),
            ]
        if windows is not None and detail >= 1:
            window_cmds += _windows(x, top, width, height, base, unit, lit, rng)
        x += width + unit * rng.choice((0.0, 0.0, 0.3, 0.8))
    items: list[Shape] = [Path(tuple(outline), color)]
    if window_cmds:
        items.append(Path(tuple(window_cmds), windows))
    return items


def _windows(x, top, width, height, base, unit, lit, rng) -> list[tuple]:
    cmds: list[tuple] = []
    ww, wh = unit * 0.42, unit * 0.55
    gap_x, gap_y = unit * 0.45, unit * 0.6
    cols = max(1, int((width - gap_x) // (ww + gap_x)))
    rows = max(0, int((height - gap_y * 2) // (wh + gap_y)))
    if cols * rows == 0:
        return cmds
    offset = (width - cols * ww - (cols - 1) * gap_x) / 2
    style = rng.random()
    for r in range(rows):
        wy = top + gap_y * 1.5 + r * (wh + gap_y)
        if wy + wh > base - gap_y:
            break
        if style < 0.25:  # horizontal bands
            if rng.random() < lit:
                cmds += _rect_commands(x + offset, wy, width - 2 * offset, wh * 0.5)
            continue
        for c in range(cols):
            if rng.random() < lit:
                cmds += _rect_commands(x + offset + c * (ww + gap_x), wy, ww, wh)
    return cmds


def city(
    x: float,
    y: float,
    w: float,
    h: float,
    far: Color,
    near: Color,
    lights: Color,
    rng: random.Random,
    detail: int,
    *,
    haze: Color | None = None,
) -> list[Shape]:
    """Two rows of buildings filling the bottom of the box (x, y, w, h)."""
    base = y + h
    unit = max(4.0, min(w, h * 2) / 60.0)
    items: list[Shape] = []
    items += skyline(
        x,
        x + w,
        base,
        h * 0.95,
        far,
        rng,
        windows=mix(far, lights, 0.35),
        lit=0.25,
        detail=detail,
        unit=unit * 0.8,
    )
    if haze is not None and detail >= 1:
        items.append(
            Rect(
                x,
                y + h * 0.45,
                w,
                h * 0.55,
                LinearGradient(
                    (0, y + h * 0.45), (0, base), (with_alpha(haze, 0), with_alpha(haze, 0.35))
                ),
            )
        )
    items += skyline(
        x, x + w, base, h * 0.62, near, rng, windows=lights, lit=0.4, detail=detail, unit=unit
    )
    return [Group(tuple(items))]


def clouds(x, y, w, h, color: Color, rng: random.Random, count: int = 3) -> list[Shape]:
    items: list[Shape] = []
    for _ in range(count):
        cx, cy = x + rng.random() * w, y + rng.random() * h
        size = min(w, h) * rng.uniform(0.12, 0.25)
        puffs = []
        for k in range(5):
            angle = math.pi * (0.1 + 0.8 * k / 4)
            puffs.append(
                Ellipse(
                    cx + math.cos(angle) * size * 0.9,
                    cy - math.sin(angle) * size * 0.25,
                    size * rng.uniform(0.35, 0.5),
                    size * rng.uniform(0.3, 0.42),
                    color,
                )
            )
        puffs.append(Rect(cx - size, cy - size * 0.05, size * 2, size * 0.3, color, size * 0.15))
        items.append(Group(tuple(puffs)))
    return items
