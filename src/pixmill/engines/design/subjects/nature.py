"""Landscape: mountains, hills, sea, trees, flowers, grass."""

from __future__ import annotations

import math
import random

from pixmill.engines.design.palette import mix, with_alpha
from pixmill.engines.design.scene import Color, Ellipse, Group, LinearGradient, Path, Rect, Shape


def mountains(
    x: float,
    w: float,
    base: float,
    height: float,
    color: Color,
    rng: random.Random,
    *,
    snow: Color | None = None,
    peaks: int = 3,
) -> list[Shape]:
    """A ridge of peaks standing on `base`; snow caps when `snow` is given."""
    cmds: list[tuple] = [("M", x, base)]
    caps: list[Shape] = []
    step = w / peaks
    px = x
    for i in range(peaks):
        peak_x = x + step * (i + rng.uniform(0.3, 0.7))
        peak_y = base - height * rng.uniform(0.6, 1.0)
        valley_x = x + step * (i + 1)
        valley_y = base - height * rng.uniform(0.15, 0.4)
        cmds += [("L", peak_x, peak_y), ("L", valley_x, valley_y if i < peaks - 1 else base)]
        if snow is not None:
            depth = (base - peak_y) * 0.22
            left = peak_x - (peak_x - px) * depth / max(1.0, base - peak_y) * 1.6
            right = peak_x + (valley_x - peak_x) * depth / max(1.0, base - peak_y) * 1.6
            caps.append(
                Path(
                    (
                        ("M", peak_x, peak_y),
                        ("L", right, peak_y + depth),
                        ("L", (peak_x + right) / 2, peak_y + depth * 0.75),
                        ("L", peak_x, peak_y + depth * 1.05),
                        ("L", (peak_x + left) / 2, peak_y + depth * 0.75),
                        ("L", left, peak_y + depth),
                        ("Z",),
                    ),
                    snow,
                )
            )
        px = valley_x
    cmds += [("L", x + w, base), ("Z",)]
    return [Path(tuple(cmds), color), *caps]


def hills(
    x: float, w: float, base: float, height: float, color: Color, rng: random.Random, bottom: float
) -> list[Shape]:
    """Rolling hills whose crest is near `base`, filled down to `bottom`."""
    cmds: list[tuple] = [("M", x, bottom), ("L", x, base - height * rng.uniform(0.2, 0.6))]
    n = 3
    for i in range(n):
        x1 = x + w * (i + 0.5) / n
        x2 = x + w * (i + 1) / n
        cmds.append(
            (
                "Q",
                x1,
                base - height * rng.uniform(0.6, 1.2),
                x2,
                base - height * rng.uniform(0.1, 0.5),
            )
        )
    cmds += [("L", x + w, bottom), ("Z",)]
    return [Path(tuple(cmds), color)]


def sea(
    x: float,
    y: float,
    w: float,
    h: float,
    color: Color,
    light: Color,
    detail: int,
    rng: random.Random,
) -> list[Shape]:
    items: list[Shape] = []
    if detail >= 1:
        items.append(Rect(x, y, w, h, LinearGradient((0, y), (0, y + h), (light, color))))
    else:
        items.append(Rect(x, y, w, h, color))
    wave = mix(light, (255, 255, 255), 0.5)
    rows = 6 + 3 * detail
    for i in range(rows):
        wy = y + h * (i + 0.5) / rows
        length = w * rng.uniform(0.04, 0.1) * (1 + i / rows)
        for _ in range(2 + detail):
            wx = x + rng.random() * (w - length)
            items.append(
                Rect(
                    wx,
                    wy,
                    length,
                    max(1.0, h * 0.006 * (1 + i / rows)),
                    with_alpha(wave, 0.5),
                    h * 0.003,
                )
            )
    return items


def pine(cx: float, base: float, height: float, color: Color, trunk: Color) -> list[Shape]:
    w = height * 0.42
    items: list[Shape] = [Rect(cx - w * 0.06, base - height * 0.18, w * 0.12, height * 0.18, trunk)]
    for k in range(3):
        top = base - height * (1.0 - k * 0.22)
        bottom = base - height * (0.12 + (2 - k) * 0.16)
        half = w * (0.3 + k * 0.1)
        items.append(
            Path(
                (("M", cx, top), ("L", cx + half, bottom), ("L", cx - half, bottom), ("Z",)), color
            )
        )
    return items


def round_tree(cx: float, base: float, height: float, color: Color, trunk: Color) -> list[Shape]:
    r = height * 0.3
    return [
        Rect(cx - r * 0.12, base - height * 0.45, r * 0.24, height * 0.45, trunk),
        Ellipse(cx, base - height + r, r, r, color),
        Ellipse(
            cx - r * 0.5, base - height + r * 1.5, r * 0.7, r * 0.7, mix(color, (0, 0, 0), 0.1)
        ),
        Ellipse(cx + r * 0.5, base - height + r * 1.4, r * 0.75, r * 0.75, color),
    ]


def forest(
    x: float,
    w: float,
    base: float,
    height: float,
    color: Color,
    trunk: Color,
    rng: random.Random,
    count: int = 8,
) -> list[Shape]:
    items: list[Shape] = []
    for i in range(count):
        cx = x + w * (i + rng.uniform(0.1, 0.9)) / count
        hgt = height * rng.uniform(0.6, 1.0)
        shade = mix(color, (0, 0, 0), rng.uniform(0.0, 0.25))
        draw = pine if rng.random() < 0.6 else round_tree
        items += draw(cx, base, hgt, shade, trunk)
    return [Group(tuple(items))]


def flower(
    cx: float, base: float, height: float, petal: Color, center: Color, stem: Color
) -> list[Shape]:
    r = height * 0.16
    cy = base - height + r
    items: list[Shape] = [Rect(cx - height * 0.015, cy, height * 0.03, base - cy, stem)]
    items.append(Ellipse(cx + r * 0.9, base - height * 0.35, r * 0.6, r * 0.25, stem))
    for k in range(6):
        a = k * math.pi / 3
        items.append(
            Ellipse(
                cx + math.cos(a) * r * 0.75, cy + math.sin(a) * r * 0.75, r * 0.55, r * 0.55, petal
            )
        )
    items.append(Ellipse(cx, cy, r * 0.5, r * 0.5, center))
    return items


def grass(x: float, y: float, w: float, h: float, color: Color, detail: int) -> list[Shape]:
    items: list[Shape] = [Rect(x, y, w, h, color)]
    if detail >= 1:
        shade = mix(color, (255, 255, 255), 0.18)
        items.append(Rect(x, y, w, h * 0.08, shade))
    return items
