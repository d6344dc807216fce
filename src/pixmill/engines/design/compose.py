"""From a prompt and a seed to a finished Scene: brief, palette, layout, type, contrast."""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from pixmill.engines.design import render, typeset
from pixmill.engines.design.brief import Brief
from pixmill.engines.design.checklist import checklist
from pixmill.engines.design.contrast import ContrastSolver, luminance_map, plate_rect, recolor
from pixmill.engines.design.layouts import choose_layout, elements
from pixmill.engines.design.layouts.base import Composition, Frame
from pixmill.engines.design.layouts.visuals import abstract
from pixmill.engines.design.palette import make_palette, with_alpha
from pixmill.engines.design.scene import Box, Scene, TextBlock, vectors
from pixmill.engines.design.subjects import decor, library

logger = logging.getLogger("pixmill.engines.design")

DETAIL = {"low": 0, "medium": 1, "high": 2, "xhigh": 3, "max": 4}
SUPERSAMPLE = {"low": 1, "medium": 1, "high": 2, "xhigh": 3, "max": 4}
MAX_SUPERSAMPLED_PIXELS = 40_000_000
MAX_MEASURED_PIXELS = 2_400_000
VARIANTS = 6


@dataclass
class Design:
    """One composed picture: the scene, and what was left out for lack of a font."""

    scene: Scene
    missing: set[str]
    genre: str
    variant: int
    motifs: frozenset[str] = frozenset()
    """The engine's own named art pieces it uses (retro_sun, figure, skyline...)."""
    checklist: tuple[dict[str, str], ...] = ()
    """What the prompt asked and whether the scene shows it (`checklist.py`)."""
    layout: str = ""
    """The named layout drawn (`layouts.LAYOUTS`)."""

    @property
    def credits(self) -> tuple[str, ...]:
        """The attributions the picture owes: Twemoji's when it draws library art."""
        drawn = vectors(self.scene.art) + vectors(self.scene.background)
        return (library.CREDIT,) if any(library.owes_credit(v.code) for v in drawn) else ()

    @property
    def blocks(self) -> list[TextBlock]:
        return self.scene.blocks


def supersample_for(quality: str, width: int, height: int) -> int:
    factor = SUPERSAMPLE.get(quality, 1)
    while factor > 1 and width * height * factor * factor > MAX_SUPERSAMPLED_PIXELS:
        factor -= 1
    return factor


def rng_for(prompt: str, seed: int) -> random.Random:
    """Deterministic across processes: seeded from a SHA-256 of the seed and prompt."""
    digest = hashlib.sha256(f"pixmill-design|{seed}|".encode() + _utf8(prompt)).digest()
    return random.Random(int.from_bytes(digest[:16], "big"))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


Backdrop = Callable[[Scene], tuple[np.ndarray, float]]
"""Draws a scene's backdrop (background, art) and returns (RGBA pixels, their scale)."""


def measured_backdrop(scene: Scene, transparent: bool = False) -> tuple[np.ndarray, float]:
    scale = measure_scale(scene.width, scene.height)
    return render.rasterize(scene, text=False, scale=scale, transparent=transparent), scale


def compose(
    brief: Brief,
    width: int,
    height: int,
    seed: int,
    quality: str,
    backdrop: Backdrop | None = None,
    transparent: bool = False,
    style: str | None = None,
) -> Design:
    """Compose one picture. `backdrop` renders what lies behind the text, so contrast
    can be settled against real pixels (the engine passes one that keeps its surface)."""
    # 1. what to draw: palette, variant, and the genre's layout
    rng = rng_for(brief.prompt, seed)
    variant = seed % VARIANTS  # consecutive seeds (the n images of a request) differ
    palette = make_palette(brief, rng, style)
    frame = Frame(brief, palette, width, height, rng, DETAIL.get(quality, 1), variant)
    named = choose_layout(brief.genre, seed)
    frame.form = named.form
    composition: Composition = named.draw(frame)
    elements.finish(frame, composition)
    scene = Scene(width, height, composition.background, composition.art)
    # 2. fit each slot's text to its box
    missing: set[str] = set()
    slot_blocks: list[list[TextBlock]] = []
    for slot in composition.slots:
        box = _on_canvas(slot.box, width, height)
        blocks = typeset.fit(
            slot.paragraphs, box, slot.max_size, slot.min_size, valign=slot.valign, missing=missing
        )
        slot_blocks.append(blocks)
    if frame.detail >= 2 and scene.background:  # finish: a fine print texture
        scene.background.append(_texture(frame))
    if not scene.art and not any(slot_blocks):  # never blank, even without the background
        m = frame.margin
        scene.art += abstract(frame, Box(m, m, width - 2 * m, height - 2 * m))
    # 3. settle contrast against what lies behind each block
    if backdrop is None:
        pixels, scale = measured_backdrop(scene, transparent)
    else:
        pixels, scale = backdrop(scene)
    _settle_contrast(scene, composition, slot_blocks, frame, ContrastSolver(pixels, scale, palette))
    for blocks in slot_blocks:
        scene.blocks.extend(blocks)
        for block in blocks:
            scene.text.extend(block.lines)
    if missing:
        shown = "".join(sorted(missing))[:40]
        logger.warning(
            "design engine: no bundled font covers %d character(s) of the quoted text (%r); "
            "they are left out",
            len(missing),
            shown,
        )
    motifs = frozenset(frame.motifs)
    asked = tuple(checklist(brief, scene, motifs | frame.shown))
    return Design(scene, missing, brief.genre, variant, motifs, asked, frame.drawn or named.name)


def _texture(frame: Frame):
    """A faint halftone over the background (high qualities only)."""
    short = frame.short
    tint = with_alpha((255, 255, 255) if frame.palette.is_dark else (0, 0, 0), 0.045)
    spacing = short / (70 + 10 * frame.detail)
    return decor.dots(Box(0, 0, frame.width, frame.height), tint, spacing, spacing * 0.2)


def _on_canvas(box: Box, width: int, height: int) -> Box:
    x0, y0 = max(0.0, box.x), max(0.0, box.y)
    x1, y1 = min(float(width), box.right), min(float(height), box.bottom)
    return Box(x0, y0, max(0.0, x1 - x0), max(0.0, y1 - y0))


def measure_scale(width: int, height: int) -> float:
    pixels = width * height
    return 1.0 if pixels <= MAX_MEASURED_PIXELS else (MAX_MEASURED_PIXELS / pixels) ** 0.5


def _settle_contrast(scene: Scene, comp: Composition, slot_blocks, frame: Frame, solver) -> None:
    pad_unit = max(3.0, frame.short * 0.012)
    # 1. plates that layouts always want, and plates for slots whose text fails
    for slot, blocks in zip(comp.slots, slot_blocks, strict=True):
        if not blocks:
            continue
        clear = [b for b in blocks if not solver.see_through(b.box)]
        needs = slot.plate is not None or any(solver.pick(b) is None for b in clear)
        if not needs:
            continue
        preferred = blocks[0].color
        plate, _ = solver.plate_for(preferred, slot.plate)
        area = blocks[0].box
        for block in blocks[1:]:
            area = area.union(block.box)
        size = max(line.size for b in blocks for line in b.lines)
        pad = min(max(pad_unit, size * 0.3), max(2.0, frame.margin * 0.6))
        if slot.plate_box is not None:
            area = slot.plate_box.union(area)
            pad = max(3.0, min(pad, 4.0))
        rect = plate_rect(area, pad, scene.width, scene.height, slot.plate_radius, plate)
        scene.plates.append(rect)
        solver.paint(Box(rect.x, rect.y, rect.w, rect.h), plate)
        for block in blocks:
            block.plate = plate
    # 2. every block takes the first ink that passes; a last tight plate if none does.
    # A plate added here may lie under a neighbour already settled, so repeat.
    for _ in range(4):
        added = False
        for blocks in slot_blocks:
            for block in blocks:
                if solver.see_through(block.box):
                    recolor(block, *solver.outline_for(block.color))
                    continue
                color = solver.pick(block)
                if color is None:
                    plate, color = solver.plate_for(block.color)
                    rect = plate_rect(block.box, 2.0, scene.width, scene.height, 0.0, plate)
                    scene.plates.append(rect)
                    solver.paint(Box(rect.x, rect.y, rect.w, rect.h), plate)
                    block.plate = plate
                    added = True
                recolor(block, color)
        if not added:
            break


def backdrop_luminance(scene: Scene) -> np.ndarray:
    """Full-size luminance of what lies behind the text (for checks and tests)."""
    return luminance_map(render.rasterize(scene, text=False))
