"""Scene settings that are a wall or a room seen from inside: a brick, stone or wooden
wall over a pavement, a kitchen with tiles and cupboards, a tiled bathroom, a
greenhouse's glass panes over plants. Each draws into `bg` and returns the y where
subjects stand."""

from __future__ import annotations

from pixmill.engines.design import prompt
from pixmill.engines.design.layouts.base import Frame
from pixmill.engines.design.palette import NAMED, mix
from pixmill.engines.design.scene import Box, Ellipse, Line, LinearGradient, Rect, Vector
from pixmill.engines.design.subjects import backdrops, decor, library

ROOMS = {
    "greenhouse": ("greenhouse", "glasshouse", "conservatory", "hothouse"),
    "bathroom": ("bathroom", "bath", "bathtub", "shower"),
    "wall": ("wall", "walls", "brickwork"),
}
"""Setting -> the words that name it (the kitchen is named in scenery.SETTINGS)."""
_BRICK = (168, 74, 52)
_STONE = (150, 146, 138)
_WOOD = (150, 104, 66)


def setting_of(brief) -> str | None:
    """The wall or room the prompt names, if any ("against a brick wall": wall; "a wall
    clock" names a clock)."""
    for name, words in ROOMS.items():
        if brief.has(*words) and (name != "wall" or wall_phrase(brief.marked or brief.lowered)):
            return name
    return None


def named(brief) -> tuple[str, str] | None:
    """(setting, the words that name it) for the checklist: ("wall", "brick wall")."""
    setting = setting_of(brief) or ("kitchen" if brief.has("kitchen") else None)
    if setting is None:
        return None
    phrase = wall_phrase(brief.marked or brief.lowered) if setting == "wall" else None
    return setting, phrase.text if phrase else setting


def wall_phrase(text: str) -> prompt.Phrase | None:
    """The noun phrase naming the wall ("a red brick wall"), for its material and colour."""
    return next((p for p in prompt.parse(text).phrases if p.head == "wall"), None)


def draw(frame: Frame, box: Box, setting: str | None, time: str, bg: list) -> float | None:
    """Draw one of this module's settings; None when `setting` is not one of them."""
    rng, pal = frame.rng, frame.palette
    dim = 0.45 if time == "night" else (0.15 if time == "sunset" else 0.0)
    shade = (20, 20, 40)
    if setting == "wall":
        phrase = wall_phrase(frame.brief.marked or frame.brief.lowered)
        words = set(phrase.words + phrase.modifiers) if phrase else set()
        colour = NAMED[phrase.colours[0]] if phrase and phrase.colours else None
        floor = box.y + box.h * 0.8
        face = Box(box.x, box.y, box.w, floor - box.y)
        if words & {"stone", "cobblestone", "rock", "rocky", "castle"}:
            stone = mix(colour or _STONE, shade, dim)
            bg += backdrops.stone_wall(face, stone, mix(stone, (40, 40, 40), 0.35), rng)
        elif words & {"wooden", "wood", "plank", "timber", "barn"}:
            bg += backdrops.plank_wall(face, mix(colour or _WOOD, shade, dim), rng)
        elif words & {"tiled", "tile", "tiles"}:
            tile = mix(colour or (230, 232, 228), shade, dim)
            bg += backdrops.tiles(face, tile, mix(tile, (0, 0, 0), 0.2), face.h / 9)
        elif colour is not None and not words & {"brick", "bricks", "red"}:
            # a painted wall: its colour, a skirting board
            paint = mix(colour, shade, dim)
            bg.append(Rect(face.x, face.y, face.w, face.h, paint))
            bg.append(Rect(face.x, floor - box.h * 0.04, face.w, box.h * 0.04,
                           mix(paint, (0, 0, 0), 0.25)))  # fmt: skip
        else:
            brick = mix(colour or _BRICK, shade, dim)
            mortar = mix(mix(brick, (220, 210, 195), 0.6), shade, dim)
            bg += backdrops.brick_wall(face, brick, mortar, rng, rows=16 + frame.detail * 2)
        pave = mix((150, 150, 150), shade, dim)
        bg.append(Rect(box.x, floor, box.w, box.bottom - floor, pave))
        bg.append(Rect(box.x, floor, box.w, box.h * 0.015, mix(pave, (0, 0, 0), 0.3)))
        return floor + box.h * 0.1
    if setting == "kitchen":
        wall = mix(mix(pal.bg, (240, 236, 228), 0.6), shade, dim)
        bg.append(Rect(box.x, box.y, box.w, box.h, wall))
        counter = box.y + box.h * 0.74
        splash = Box(box.x, box.y + box.h * 0.4, box.w, counter - box.y - box.h * 0.4)
        tile = mix(mix(pal.accent2, (235, 240, 240), 0.7), shade, dim)
        bg += backdrops.tiles(splash, tile, mix(tile, (0, 0, 0), 0.15), splash.h / 4)
        wood = mix(mix(pal.bg2, (170, 120, 80), 0.55), shade, dim)
        doors = 4
        w = box.w / doors
        window = frame.brief.has("window", "windows")
        for k in range(doors):  # wall cupboards with knobs; a named window between them
            x = box.x + k * w
            if window and k in (1, 2):
                continue
            bg.append(
                Rect(x + w * 0.05, box.y + box.h * 0.06, w * 0.9, box.h * 0.28, wood, w * 0.03)
            )
            knob = x + w * (0.85 if k % 2 == 0 else 0.15)
            bg.append(
                Ellipse(knob, box.y + box.h * 0.3, w * 0.025, w * 0.025, mix(wood, (0, 0, 0), 0.4))
            )
        if window:
            glass = Box(box.x + w * 1.15, box.y + box.h * 0.06, w * 1.7, box.h * 0.3)
            sky = (
                ((20, 24, 60), (50, 50, 110))
                if time == "night"
                else ((120, 180, 230), (205, 228, 245))
            )
            bg.append(Rect(glass.x, glass.y, glass.w, glass.h,
                           LinearGradient((0, glass.y), (0, glass.bottom), sky)))  # fmt: skip
            sash = mix(wall, (255, 255, 255), 0.5)
            bar = max(2.0, box.w * 0.01)
            bg.append(
                Line(glass.x + glass.w / 2, glass.y, glass.x + glass.w / 2, glass.bottom, sash, bar)
            )
            bg.append(decor.frame(glass, sash, bar * 1.6))
            frame.motifs.add("element:window")
        bg.append(Rect(box.x, counter, box.w, box.bottom - counter, mix(wood, (0, 0, 0), 0.15)))
        bg.append(Rect(box.x, counter, box.w, box.h * 0.03, mix(pal.light, (200, 200, 200), 0.3)))
        if frame.brief.has("stove", "oven", "cooker", "hob", "stovetop"):
            # a cooker at the counter's end: a hob with two rings over an oven door
            x0, x1 = box.x + box.w * 0.7, box.x + box.w * 0.96
            steel = mix((70, 72, 78), shade, dim)
            bg.append(Rect(x0, counter - box.h * 0.012, x1 - x0, box.bottom - counter, steel))
            for cx in (x0 + (x1 - x0) * 0.3, x0 + (x1 - x0) * 0.7):
                bg.append(
                    Ellipse(
                        cx, counter + box.h * 0.004, (x1 - x0) * 0.14, box.h * 0.008, (30, 30, 34)
                    )
                )
            bg.append(Rect(x0 + (x1 - x0) * 0.1, counter + box.h * 0.06, (x1 - x0) * 0.8,
                           box.h * 0.14, mix(steel, (0, 0, 0), 0.35), box.h * 0.01))  # fmt: skip
            frame.motifs.add("element:stove")
        return counter + box.h * 0.08
    if setting == "bathroom":
        floor = box.y + box.h * 0.78
        tile = mix(mix(pal.accent2, (230, 240, 245), 0.75), shade, dim)
        bg += backdrops.tiles(Box(box.x, box.y, box.w, floor - box.y), tile,
                              mix(tile, (0, 0, 0), 0.12), box.h / 10)  # fmt: skip
        floor_tile = mix((200, 200, 205), shade, dim)
        bg += backdrops.tiles(Box(box.x, floor, box.w, box.bottom - floor), floor_tile,
                              mix(floor_tile, (0, 0, 0), 0.2), box.h / 14)  # fmt: skip
        return floor + box.h * 0.1
    if setting == "greenhouse":
        floor = box.y + box.h * 0.8
        leaf = mix((70, 140, 80), shade, dim)
        for _ in range(10 + 6 * frame.detail):  # foliage behind the glass
            cx = box.x + box.w * rng.random()
            cy = box.y + box.h * rng.uniform(0.45, 0.78)
            r = box.h * rng.uniform(0.05, 0.11)
            tone = mix(leaf, (30, 70, 40) if rng.random() < 0.5 else (150, 200, 110), 0.3)
            bg.append(Ellipse(cx, cy, r * 1.2, r, tone))
        bg.append(Rect(box.x, box.y, box.w, floor - box.y, (215, 240, 225, 70)))  # the glass
        glazing = mix((245, 248, 242), shade, dim)
        width = max(1.5, min(box.w, box.h) * 0.008)
        eaves = box.y + box.h * 0.2
        panes = Box(box.x, eaves, box.w, floor - eaves)
        bg += backdrops.glass_panes(panes, glazing, 6, 4, width)
        ridge = (box.x + box.w / 2, box.y + box.h * 0.02)
        for k in range(7):  # the pitched roof's rafters, down to the eaves
            x = box.x + box.w * k / 6
            bg.append(Line(*ridge, x, box.y + box.h * 0.2, glazing, width))
        bg.append(
            Line(box.x, box.y + box.h * 0.2, box.right, box.y + box.h * 0.2, glazing, width * 1.6)
        )
        floor_tile = mix((190, 110, 80), shade, dim)
        bg += backdrops.tiles(Box(box.x, floor, box.w, box.bottom - floor), floor_tile,
                              mix(floor_tile, (0, 0, 0), 0.25), box.h / 16)  # fmt: skip
        plant = library.lookup("potted plant")
        if plant:  # pots on the floor at both sides
            size = box.h * 0.2
            for x in (box.x + box.w * 0.08, box.right - box.w * 0.08):
                bg.append(Vector(plant, x - size / 2, floor + box.h * 0.04 - size, size))
        return floor + box.h * 0.1
    return None
