"""Abstract pictures: what a design draws when its prompt names nothing drawable.

Eight constructions in the prompt's palette, picked by the seed so that no one of
them stands in for everything: a Bauhaus grid, mid-century arches, soft blobs,
waves, diagonal bands, offset rings, a dot field with a disc, and (only when the
prompt asks for retro, synthwave or sunset) the striped retro sun. Each records
its name in `frame.motifs`.
"""

from __future__ import annotations

import math

from pixmill.engines.design.layouts.base import Frame
from pixmill.engines.design.palette import hsl, mix, to_hsl, with_alpha
from pixmill.engines.design.scene import Box, Ellipse, Group, Path, Shape
from pixmill.engines.design.subjects import city, decor

KINDS = ("bauhaus", "arches", "blobs", "waves", "bands", "rings", "dots")
RETRO_WORDS = ("retro", "synthwave", "sunset", "80s", "vaporwave", "outrun")


def abstract_picture(
    frame: Frame, box: Box, corner: float = 0.0
) -> tuple[list[Shape], list[Shape]]:
    """(background, art) of an abstract composition on a gradient ground."""
    rng, pal, detail = frame.rng, frame.palette, frame.detail
    hue, sat, light = to_hsl(pal.bg)
    bottom = hsl(hue + 0.06, sat, light * 0.8 if light > 0.3 else light + 0.12)
    bg: list[Shape] = [city.sky(box.x, box.y, box.w, box.h, pal.bg, bottom, detail)]
    colors = (pal.accent, pal.accent2, pal.hues[1], pal.light)
    kind = "retro_sun" if frame.brief.has(*RETRO_WORDS) else KINDS[rng.randrange(len(KINDS))]
    frame.motifs.add(kind)
    side = min(box.w, box.h)
    inner = box.inset(side * 0.06)
    art: list[Shape]
    if kind == "bauhaus":
        cols = 3 if box.w <= box.h * 1.2 else 5
        art = decor.bauhaus(inner, colors, pal.bg, rng, cols)
    elif kind == "retro_sun":
        art = decor.retro_sun(
            box, mix(pal.accent, (255, 230, 120), 0.4), pal.accent2, bottom, detail
        )
    elif kind == "arches":
        art = decor.arches(inner, (pal.accent, pal.light, pal.accent2, pal.hues[2]), rng)
    elif kind == "blobs":
        art = decor.circles(box, pal.hues[:5], rng, 6, inside=True)
    elif kind == "waves":
        art = _waves(box, (pal.hues[0], pal.accent, pal.accent2, pal.hues[3]), rng)
    elif kind == "bands":
        slope = rng.uniform(-0.4, 0.4)
        art = [
            decor.diagonal_band(box, color, t0, t0 + 0.12, slope)
            for color, t0 in zip(colors, (0.15, 0.35, 0.55, 0.75), strict=True)
        ]
    elif kind == "rings":
        cx, cy = box.x + box.w * rng.uniform(0.3, 0.7), box.y + box.h * rng.uniform(0.3, 0.7)
        art = [
            decor.ring(
                cx + k * side * 0.02, cy, side * (0.08 + 0.07 * k), colors[k % 4], side * 0.025
            )
            for k in range(6)
        ]
    else:  # dots: a field of dots and one disc
        disc = side * rng.uniform(0.18, 0.3)
        art = [
            decor.dots(inner, with_alpha(pal.accent2, 0.6), side / 14, side / 70),
            Ellipse(
                box.x + box.w * rng.uniform(0.3, 0.7), box.y + box.h * 0.5, disc, disc, pal.accent
            ),
        ]
    if detail >= 2:
        bg.append(decor.dots(box, with_alpha(pal.light, 0.1), side / 40, side / 260))
    clip = (box.x, box.y, box.w, box.h, corner)
    return [Group(tuple(bg), clip=clip)], [Group(tuple(art), clip=clip)]


def _waves(box: Box, colors, rng) -> list[Shape]:
    """Stacked sine bands rising from the foot."""
    out: list[Shape] = []
    phase = rng.uniform(0, math.tau)
    for k, color in enumerate(colors):
        base = box.y + box.h * (0.35 + 0.16 * k)
        amp = box.h * 0.05
        cmds: list[tuple] = [("M", box.x, box.bottom)]
        for i in range(25):
            x = box.x + box.w * i / 24
            y = base + amp * math.sin(phase + k + i / 24 * math.tau * 1.2)
            cmds.append(("L", x, y))
        cmds += [("L", box.right, box.bottom), ("Z",)]
        out.append(Path(tuple(cmds), mix(color, (255, 255, 255), 0.05 * k)))
    return out
