"""Backdrops drawn from patterns: a brick, stone or plank wall, a tiled wall, a
greenhouse's glass panes. Each pattern is one path of many cells, so a wall of a few
hundred bricks costs one fill."""

from __future__ import annotations

import random

from pixmill.engines.design.palette import mix
from pixmill.engines.design.scene import Box, Color, Line, Path, Rect, Shape


def _cells(cells: list[tuple[float, float, float, float]]) -> tuple[tuple, ...]:
    cmds: list[tuple] = []
    for x, y, w, h in cells:
        cmds += [("M", x, y), ("L", x + w, y), ("L", x + w, y + h), ("L", x, y + h), ("Z",)]
    return tuple(cmds)


def brick_wall(
    box: Box, brick: Color, mortar: Color, rng: random.Random, rows: int = 14
) -> list[Shape]:
    """Running-bond brickwork: rows of bricks, every other row offset by half a brick,
    some bricks a shade darker or lighter."""
    h = box.h / rows
    w = h * 2.6
    gap = max(1.0, h * 0.12)
    cells: tuple[list, list, list] = ([], [], [])
    for r in range(rows):
        y = box.y + r * h
        x = box.x - (w / 2 if r % 2 else 0)
        while x < box.right:
            cell = (x + gap / 2, y + gap / 2, w - gap, h - gap)
            cells[rng.choices((0, 1, 2), (6, 2, 2))[0]].append(cell)
            x += w
    shades = (brick, mix(brick, (0, 0, 0), 0.18), mix(brick, (255, 240, 220), 0.15))
    return [Rect(box.x, box.y, box.w, box.h, mortar)] + [
        Path(_cells(c), s) for c, s in zip(cells, shades, strict=True) if c
    ]


def stone_wall(
    box: Box, stone: Color, mortar: Color, rng: random.Random, rows: int = 8
) -> list[Shape]:
    """Coursed stone: rows of blocks of uneven length and tone."""
    h = box.h / rows
    gap = max(1.0, h * 0.08)
    cells: tuple[list, list, list] = ([], [], [])
    for r in range(rows):
        y = box.y + r * h
        x = box.x - rng.uniform(0, h)
        while x < box.right:
            w = h * rng.uniform(1.1, 2.2)
            cells[rng.randrange(3)].append((x + gap / 2, y + gap / 2, w - gap, h - gap))
            x += w
    shades = (stone, mix(stone, (0, 0, 0), 0.14), mix(stone, (255, 255, 255), 0.12))
    return [Rect(box.x, box.y, box.w, box.h, mortar)] + [
        Path(_cells(c), s) for c, s in zip(cells, shades, strict=True) if c
    ]


def plank_wall(box: Box, wood: Color, rng: random.Random, planks: int = 9) -> list[Shape]:
    """Upright boards with dark seams."""
    out: list[Shape] = [Rect(box.x, box.y, box.w, box.h, wood)]
    seam = mix(wood, (0, 0, 0), 0.35)
    w = box.w / planks
    light = [(box.x + k * w, box.y, w, box.h) for k in range(planks) if rng.random() < 0.35]
    if light:
        out.append(Path(_cells(light), mix(wood, (255, 240, 210), 0.1)))
    out += [Line(box.x + k * w, box.y, box.x + k * w, box.bottom, seam, max(1.0, w * 0.04))
            for k in range(1, planks)]  # fmt: skip
    return out


def tiles(box: Box, tile: Color, grout: Color, size: float) -> list[Shape]:
    """Square tiles on a grout ground (a kitchen's or a bathroom's wall)."""
    gap = max(1.0, size * 0.07)
    cols, rows = int(box.w / size) + 1, int(box.h / size) + 1
    cells = [(box.x + c * size + gap / 2, box.y + r * size + gap / 2, size - gap, size - gap)
             for r in range(rows) for c in range(cols)]  # fmt: skip
    return [Rect(box.x, box.y, box.w, box.h, grout), Path(_cells(cells), tile)]


def glass_panes(box: Box, frame: Color, cols: int, rows: int, width: float) -> list[Shape]:
    """A glazing grid: white frames over what shows through the glass, and a pitched
    roof's ridge at the top."""
    out: list[Shape] = []
    for c in range(cols + 1):
        x = box.x + box.w * c / cols
        out.append(Line(x, box.y, x, box.bottom, frame, width))
    for r in range(rows + 1):
        y = box.y + box.h * r / rows
        out.append(Line(box.x, y, box.right, y, frame, width))
    return out
