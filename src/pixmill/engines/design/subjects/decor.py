"""Decorative graphics for designs: circles, bands, stripes, dots, frames, bursts."""

from __future__ import annotations

import math
import random

from pixmill.engines.design.scene import Box, Color, Ellipse, Group, Path, Shape, circle_commands


def circles(
    box: Box, colors: tuple[Color, ...], rng: random.Random, count: int = 5, inside: bool = False
) -> list[Shape]:
    """Overlapping discs; with `inside` they stay within the box."""
    side = min(box.w, box.h)
    items: list[Shape] = []
    for i in range(count):
        r = side * rng.uniform(0.12, 0.4)
        if inside:
            r = min(r, side * 0.45)
            cx = box.x + r + rng.random() * max(0.0, box.w - 2 * r)
            cy = box.y + r + rng.random() * max(0.0, box.h - 2 * r)
        else:
            cx, cy = box.x + rng.random() * box.w, box.y + rng.random() * box.h
        items.append(Ellipse(cx, cy, r, r, colors[i % len(colors)]))
    return items


def ring(cx: float, cy: float, r: float, color: Color, width: float) -> Shape:
    return Path(circle_commands(cx, cy, r), None, color, width)


def diagonal_band(box: Box, color: Color, t0: float, t1: float, slope: float = 0.35) -> Shape:
    """A band crossing the box from left to right between heights t0 and t1 (fractions)."""
    y0, y1 = box.y + box.h * t0, box.y + box.h * t1
    rise = box.w * slope
    return Path(
        (
            ("M", box.x, y0 + rise),
            ("L", box.right, y0),
            ("L", box.right, y1),
            ("L", box.x, y1 + rise),
            ("Z",),
        ),
        color,
    )


def stripes(box: Box, color: Color, count: int, vertical: bool = False) -> Shape:
    cmds: list[tuple] = []
    for i in range(count):
        if vertical:
            x = box.x + box.w * i / count
            w = box.w / count / 2
            cmds += [
                ("M", x, box.y),
                ("L", x + w, box.y),
                ("L", x + w, box.bottom),
                ("L", x, box.bottom),
                ("Z",),
            ]
        else:
            y = box.y + box.h * i / count
            h = box.h / count / 2
            cmds += [
                ("M", box.x, y),
                ("L", box.right, y),
                ("L", box.right, y + h),
                ("L", box.x, y + h),
                ("Z",),
            ]
    return Path(tuple(cmds), color)


def dots(box: Box, color: Color, spacing: float, radius: float) -> Shape:
    """A halftone grid of dots (a texture for higher qualities)."""
    cmds: list[tuple] = []
    spacing = max(spacing, 2.0)
    rows = int(box.h // spacing) + 1
    cols = int(box.w // spacing) + 1
    if rows * cols > 40_000:
        spacing *= math.sqrt(rows * cols / 40_000)
        rows, cols = int(box.h // spacing) + 1, int(box.w // spacing) + 1
    for r in range(rows):
        for c in range(cols):
            x = box.x + c * spacing + (spacing / 2 if r % 2 else 0)
            y = box.y + r * spacing
            cmds += [
                ("M", x + radius, y),
                ("L", x, y + radius),
                ("L", x - radius, y),
                ("L", x, y - radius),
                ("Z",),
            ]
    return Group((Path(tuple(cmds), color),), clip=(box.x, box.y, box.w, box.h, 0.0))


def frame(box: Box, color: Color, width: float) -> Shape:
    """A rectangular rule around the box."""
    return Path(
        (
            ("M", box.x, box.y),
            ("L", box.right, box.y),
            ("L", box.right, box.bottom),
            ("L", box.x, box.bottom),
            ("Z",),
        ),
        None,
        color,
        width,
    )


def burst(cx: float, cy: float, r: float, color: Color, rays: int = 16) -> Shape:
    cmds: list[tuple] = []
    for i in range(rays):
        a0 = 2 * math.pi * i / rays
        a1 = a0 + math.pi / rays
        cmds += [
            ("M", cx, cy),
            ("L", cx + math.cos(a0) * r, cy + math.sin(a0) * r),
            ("L", cx + math.cos(a1) * r, cy + math.sin(a1) * r),
            ("Z",),
        ]
    return Path(tuple(cmds), color)


def badge(cx: float, cy: float, r: float, color: Color, points: int = 20) -> Shape:
    """A scalloped seal."""
    cmds: list[tuple] = []
    for i in range(points * 2):
        a = math.pi * i / points
        rr = r if i % 2 == 0 else r * 0.9
        cmds.append(("L" if cmds else "M", cx + math.cos(a) * rr, cy + math.sin(a) * rr))
    cmds.append(("Z",))
    return Path(tuple(cmds), color)


def bauhaus(
    box: Box, colors: tuple[Color, ...], ground: Color, rng: random.Random, cols: int = 3
) -> list[Shape]:
    """A grid of cells, each a quarter disc, half disc, disc, square or stripes."""
    cell = box.w / cols
    rows = max(1, round(box.h / cell))
    cell_h = box.h / rows
    items: list[Shape] = []
    last = None
    for r in range(rows):
        for c in range(cols):
            x, y = box.x + c * cell, box.y + r * cell_h
            color = rng.choice([k for k in colors if k != last] or list(colors))
            back = rng.choice([k for k in (ground, *colors) if k != color])
            last = color
            items.append(_cell(Box(x, y, cell, cell_h), color, back, rng))
    return [Group(tuple(items), clip=(box.x, box.y, box.w, box.h, 0.0))]


def _cell(b: Box, color: Color, back: Color, rng: random.Random) -> Shape:
    kind = rng.randrange(6)
    r = min(b.w, b.h)
    items: list[Shape] = [
        Path(
            (
                (("M", b.x, b.y)),
                ("L", b.right + 0.5, b.y),
                ("L", b.right + 0.5, b.bottom + 0.5),
                ("L", b.x, b.bottom + 0.5),
                ("Z",),
            ),
            back,
        )
    ]
    if kind == 0:  # quarter disc from a corner
        corner = rng.randrange(4)
        cx = b.x if corner in (0, 3) else b.right
        cy = b.y if corner in (0, 1) else b.bottom
        items.append(Group((Ellipse(cx, cy, r, r, color),), clip=(b.x, b.y, b.w, b.h, 0.0)))
    elif kind == 1:  # half disc on an edge
        items.append(
            Group(
                (Ellipse(b.x + b.w / 2, b.bottom, r / 2, r / 2, color),),
                clip=(b.x, b.y, b.w, b.h, 0.0),
            )
        )
    elif kind == 2:
        items.append(Ellipse(b.x + b.w / 2, b.y + b.h / 2, r * 0.4, r * 0.4, color))
    elif kind == 3:
        items.append(stripes(b, color, 5, vertical=rng.random() < 0.5))
    elif kind == 4:
        items.append(
            Path(
                (("M", b.x, b.bottom), ("L", b.right, b.y), ("L", b.right, b.bottom), ("Z",)), color
            )
        )
    else:
        items.append(ring(b.x + b.w / 2, b.y + b.h / 2, r * 0.3, color, r * 0.12))
    return Group(tuple(items))


def retro_sun(box: Box, top: Color, bottom: Color, gap: Color, detail: int) -> list[Shape]:
    """A big setting sun cut by horizontal gaps (synthwave and retro posters)."""
    from pixmill.engines.design.scene import LinearGradient

    r = min(box.w, box.h) * 0.42
    cx, cy = box.x + box.w / 2, box.y + box.h * 0.55
    fill = LinearGradient((0, cy - r), (0, cy + r), (top, bottom)) if detail >= 1 else top
    items: list[Shape] = [Ellipse(cx, cy, r, r, fill)]
    for i in range(6):
        y = cy + r * (0.05 + i * 0.16)
        items.append(
            Path(
                (
                    ("M", cx - r, y),
                    ("L", cx + r, y),
                    ("L", cx + r, y + r * 0.02 * (i + 1)),
                    ("L", cx - r, y + r * 0.02 * (i + 1)),
                    ("Z",),
                ),
                gap,
            )
        )
    return [Group(tuple(items), clip=(box.x, box.y, box.w, cy + r * 0.9 - box.y, 0.0))]


def arches(box: Box, colors: tuple[Color, ...], rng: random.Random) -> list[Shape]:
    """Mid-century arches: nested half discs standing on the foot of the box, and a
    small disc above them."""
    items: list[Shape] = []
    count = 4
    sets = 2 if box.w > box.h * 1.3 else 1
    width = box.w / sets
    outer = min(width * 0.47, box.h * 0.72)
    for k in range(sets):
        cx = box.x + width * (k + 0.5)
        for i in range(count):
            r = outer * (1 - i / (count + 0.3))
            color = colors[(i + k) % len(colors)]
            items.append(Ellipse(cx, box.bottom, r, r, color))
    r = min(box.w, box.h) * 0.09
    items.append(
        Ellipse(box.x + box.w * rng.uniform(0.25, 0.75), box.y + box.h * 0.3, r, r, colors[-1])
    )
    return [Group(tuple(items), clip=(box.x, box.y, box.w, box.h, 0.0))]
