"""Accessories a subject wears ("a dog wearing sunglasses", "a cat in a hat"): which
the prompt names, and where they sit on the wearer's drawing (head, eyes or neck)."""

from __future__ import annotations

from dataclasses import dataclass

from pixmill.engines.design import prompt
from pixmill.engines.design.palette import NAMED, mix
from pixmill.engines.design.scene import Color, Ellipse, Path, Rect, Shape, Vector
from pixmill.engines.design.subjects import library

WORN = {
    "hat": ("top hat", "head"), "top hat": ("top hat", "head"), "tophat": ("top hat", "head"),
    "cap": ("billed cap", "head"), "baseball cap": ("billed cap", "head"),
    "crown": ("crown", "head"), "helmet": ("helmet", "head"),
    "graduation cap": ("graduation cap", "head"),
    "sunglasses": ("sunglasses", "eyes"), "glasses": ("glasses", "eyes"),
    "spectacles": ("glasses", "eyes"), "goggles": ("sunglasses", "eyes"),
    "scarf": ("scarf", "neck"), "tie": ("necktie", "neck"), "necktie": ("necktie", "neck"),
    "neck tie": ("necktie", "neck"),
    "bow tie": ("bow tie", "neck"), "bowtie": ("bow tie", "neck"),
}  # fmt: skip
"""Worn word -> (the library name, or "bow tie" drawn here; where it sits)."""
DRAWN_HERE = frozenset({"bow tie", "necktie", "scarf"})
"""Drawn here from shapes (the library's necktie is a shirt collar, its scarf a long
drape taller than a face)."""


BUILT_IN = {"snowman": frozenset({"top hat", "scarf"})}
"""Drawings that already wear these (the snowman's own hat and scarf): none is added."""


@dataclass(frozen=True)
class Worn:
    wearer: str
    """The wearer phrase's last word as written ("dog")."""
    name: str
    """The accessory's library name ("sunglasses"), or one drawn here ("bow tie")."""
    at: str
    """head, eyes or neck."""
    colour: Color | None = None
    lemma: str = ""
    """The wearer's head noun ("dog" for "two dogs"), as the checklist names it."""


def worn(text: str) -> list[Worn]:
    """The accessories worn in the prompt, each with its wearer's word."""
    parsed = prompt.parse(text)
    out: list[Worn] = []
    for p in parsed.phrases:
        if p.attach is None or p.relation not in ("wearing", "with", "in"):
            continue
        pair = " ".join(p.words[-2:])
        key = next((k for k in (pair, p.words[-1], p.head) if k in WORN), None)
        if key is None:
            continue
        wearer = parsed.phrases[p.attach]
        if wearer.role not in ("thing", "person"):
            continue
        name, at = WORN[key]
        colour = NAMED[p.colours[0]] if p.colours else None
        out.append(Worn(wearer.words[-1], name, at, colour, wearer.head))
    return out


def draw_on(item: Worn, v: Vector) -> list[Shape]:
    """The accessory on library drawing `v`, sized to its measured head."""
    hx, top, hw, hh = library.head(v.code)
    looks = library.facing(v.code)
    if v.flip:
        hx, looks = 1 - hx, -looks
    s = v.size
    floor = v.y + s * library.bounds(v.code)[3]
    return draw_at(item, v.x + s * hx, v.y + s * top, s * hw, s * hh, looks, floor)


def draw_at(
    item: Worn, cx: float, y: float, w: float, hh: float, looks: int, floor: float = 1e9
) -> list[Shape]:
    """The accessory on a head `w` wide and `hh` tall, its top centre at (cx, y), looking
    `looks` (-1 left, 1 right, 0 at us); nothing hangs below the wearer's `floor`."""
    if item.at == "eyes":
        cx += looks * w * 0.12
        y += hh * 0.42
        width = w * (0.95 if looks == 0 else 0.7)
    elif item.at == "neck":
        y += hh * (0.98 if looks == 0 else 1.0)
        width = w * (0.6 if item.name != "scarf" else 0.85)
    else:
        cx += looks * w * 0.12
        y += hh * (0.12 if looks == 0 else 0.2)  # a side view's ears: sunk between them
        width = w * 0.6
    if item.name == "bow tie":
        return _bow_tie(cx, min(y, floor - width * 0.3), width, item.colour or (200, 30, 40))
    if item.name == "scarf":
        band = min(y, floor - width * 0.1)
        return _scarf(cx, band, width, min(hh * 0.7, floor - band), looks, item.colour)
    if item.name == "necktie":
        return _necktie(cx, y, width, min(hh * 0.9, floor - y), item.colour or (40, 60, 150))
    code = library.lookup(item.name)
    if code is None:
        return []
    x0, y0, x1, y1 = library.bounds(code)
    size = width / max(0.05, x1 - x0)
    recolor = library.recolor_map(code, item.colour) if item.colour else ()
    if item.at == "head":  # its brim on the head's top
        base = y
    elif item.at == "neck":  # hangs from the neck
        base = min(y + size * (y1 - y0), floor)
    else:  # centred on the eyes
        base = y + size * (y1 - y0) / 2
    left = cx - size * (x0 + x1) / 2
    return [Vector(code, left, base - size * y1, size, recolor)]


def _bow_tie(cx: float, cy: float, width: float, colour: Color) -> list[Shape]:
    w, h = width / 2, width * 0.28
    dark = mix(colour, (0, 0, 0), 0.3)
    return [
        Path((("M", cx, cy), ("L", cx - w, cy - h), ("L", cx - w, cy + h), ("Z",)), colour),
        Path((("M", cx, cy), ("L", cx + w, cy - h), ("L", cx + w, cy + h), ("Z",)), colour),
        Ellipse(cx, cy, w * 0.24, h * 0.55, dark),
    ]


def _necktie(cx: float, top: float, width: float, length: float, colour: Color) -> list[Shape]:
    knot, w = width * 0.14, width * 0.2
    length = max(length, knot * 4)
    dark = mix(colour, (0, 0, 0), 0.3)
    return [
        Path(
            (
                ("M", cx - w * 0.6, top + knot),
                ("L", cx + w * 0.6, top + knot),
                ("L", cx + w, top + length * 0.85),
                ("L", cx, top + length),
                ("L", cx - w, top + length * 0.85),
                ("Z",),
            ),
            colour,
        ),
        Path(
            (
                ("M", cx - knot, top),
                ("L", cx + knot, top),
                ("L", cx + knot * 0.7, top + knot * 1.4),
                ("L", cx - knot * 0.7, top + knot * 1.4),
                ("Z",),
            ),
            dark,
        ),
    ]


def _scarf(
    cx: float, y: float, width: float, drop: float, looks: int, colour: Color | None
) -> list[Shape]:
    """A band round the neck and one end hanging down on the side away from the face."""
    colour = colour or (200, 40, 50)
    dark = mix(colour, (0, 0, 0), 0.25)
    h = width * 0.2
    side = -looks if looks else 1
    end = cx + side * width * 0.3
    return [
        Path(
            (
                ("M", end - h * 0.45, y),
                ("L", end + h * 0.45, y),
                ("L", end + h * 0.55, y + max(drop, h * 1.5)),
                ("L", end - h * 0.35, y + max(drop, h * 1.5)),
                ("Z",),
            ),
            dark,
        ),
        Rect(cx - width / 2, y - h / 2, width, h, colour, h / 2),
    ]
