"""What every layout shares: the frame it works in, text slots, and paragraph builders.

A layout is a function ``layout(frame) -> Composition``: it draws the background
and the art, and names the text slots (disjoint boxes inside the canvas) with the
paragraphs each one carries. The composer fits the text and settles contrast.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from pixmill.engines.design.brief import Brief, Quote
from pixmill.engines.design.palette import Palette, contrast, luminance, mix, named_colors
from pixmill.engines.design.scene import Box, Color, Shape
from pixmill.engines.design.typeset import Paragraph, TextStyle


@dataclass
class Frame:
    brief: Brief
    palette: Palette
    width: int
    height: int
    rng: random.Random
    detail: int
    """0 low (flat), 1 medium, 2 high, 3 xhigh, 4 max."""
    variant: int
    """Which layout variant of the genre; chosen from the seed."""
    motifs: set[str] = field(default_factory=set)
    """The engine's own named art pieces this picture uses (checked for variety)."""
    shown: set[str] = field(default_factory=set)
    """What the scene shows of the prompt's setting ("time:night", "weather:snow",
    "setting:interior"), for the checklist."""
    form: int = 0
    """Which form of its layout function the chosen named layout is (see `LAYOUTS`)."""
    drawn: str = ""
    """The named layout drawn instead, where the chosen one gives way (a poster in asked
    colours takes a flat or grid poster; a named subject gets a picture, not shapes)."""

    @property
    def aspect(self) -> float:
        return self.height / self.width

    @property
    def portrait(self) -> bool:
        return self.aspect >= 1.15

    @property
    def landscape(self) -> bool:
        return self.aspect <= 1 / 1.15

    @property
    def short(self) -> float:
        return min(self.width, self.height)

    @property
    def margin(self) -> float:
        return round(self.short * 0.055)


@dataclass
class Slot:
    box: Box
    paragraphs: list[Paragraph]
    max_size: float
    min_size: float
    valign: str = "top"
    plate: Color | None = None
    """Always put this plate behind the slot's text (else only when contrast needs it)."""
    plate_radius: float = 0.0
    plate_box: Box | None = None
    """Where the plate goes when `plate` is set; default: around the set text."""


@dataclass
class Composition:
    background: list[Shape] = field(default_factory=list)
    art: list[Shape] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)

    def add_picture(self, layers: tuple[list[Shape], list[Shape]]) -> None:
        """Add a picture's (background, art), as `scenery.picture` returns them."""
        background, art = layers
        self.background += background
        self.art += art


def split_kicker(text: str) -> tuple[str, str] | None:
    """'Exclusive Interview: Behind the Scenes' -> ('Exclusive Interview:', 'Behind...')."""
    head, sep, tail = text.partition(": ")
    if sep and 0 < len(head) <= 32 and tail.strip():
        return head + ":", tail.strip()
    return None


_NUMBER_RE = re.compile(r"^(\d[\d.,]*[%+]?)\s+(\S.*)$")


def split_number(text: str) -> tuple[str, str] | None:
    """'10 Hidden Cafés You'll Love' -> ('10', 'Hidden Cafés You'll Love')."""
    match = _NUMBER_RE.match(text)
    if match and len(match[1]) <= 5 and len(match[2]) >= 8:
        return match[1], match[2]
    return None


def headline_paragraphs(
    quotes: list[Quote],
    *,
    face: str,
    kicker_face: str,
    color: Color,
    kicker_color: Color,
    align: str = "left",
    lead_scale: float = 1.0,
    gap: float = 0.9,
    number_face: str = "condensed",
) -> list[Paragraph]:
    """Cover lines: a kicker before a colon is set apart, in the accent colour; the lead
    line's opening number is set large."""
    paragraphs: list[Paragraph] = []
    for index, quote in enumerate(quotes):
        scale = lead_scale if index == 0 else 1.0
        gap_before = gap if paragraphs else 0.0
        parts = split_kicker(quote.text)
        number = split_number(quote.text) if index == 0 and lead_scale > 1 else None
        # (text, face, scale, leading, gap before, colour) of each line the quote sets
        if number:
            digits, rest = number
            lines = [
                (digits, number_face, scale * 2.4, 1.0, gap_before, kicker_color),
                (rest, face, scale, 1.08, 0.1, color),
            ]
        elif parts:
            kicker, deck = parts
            lines = [
                (kicker, kicker_face, scale * 0.8, 1.1, gap_before, kicker_color),
                (deck, face, scale, 1.08, 0.15, color),
            ]
        else:
            lines = [(quote.text, face, scale, 1.08, gap_before, color)]
        paragraphs += [
            Paragraph(
                text,
                TextStyle(line_face, size, leading, align, gap_before=before),
                "headline",
                ink,
                quote.text,
            )
            for text, line_face, size, leading, before, ink in lines
        ]
    return paragraphs


def simple_paragraphs(
    quotes: list[Quote],
    face: str,
    color: Color,
    *,
    align: str = "left",
    role: str = "body",
    leading: float = 1.2,
    gap: float = 0.6,
) -> list[Paragraph]:
    return [
        Paragraph(
            q.text,
            TextStyle(face, 1.0, leading, align, gap_before=gap if i else 0.0),
            role,
            color,
            q.text,
        )
        for i, q in enumerate(quotes)
    ]


_OFFER = re.compile(r"\d+\s*%\s*off\b|\bsale\b|\bbuy one\b|\bfree\b|^\d+\s*%$", re.I)
_DISCOUNT = re.compile(r"\d+\s*%|\bbuy one\b|\bhalf price\b|\bfree\b", re.I)
_LISTS = frozenset({"menu", "infographic", "recipe"})
_LISTED = re.compile(r"\b(items?|list|dishes|bullets?|points|steps|ingredients)\b[^\"“]*$", re.I)
_SELLING = frozenset({"poster", "flyer", "banner", "social", "event", "thumbnail"})


def roles(brief: Brief) -> dict[str, list[Quote]]:
    """Quotes by role, with a title guaranteed when there is any quote. On selling
    genres an offer ("70% OFF") is the title, and the named title its headline."""
    out = {role: brief.by_role(role) for role in ("title", "headline", "tagline", "info", "body")}
    first_listed = brief.quotes and _LISTED.search(brief.prompt[: brief.quotes[0].position])
    if not out["title"] and brief.quotes and not (brief.genre in _LISTS and first_listed):
        # a list's items ('a menu with the items "Espresso" "Latte"') never become its title
        first = brief.quotes[0]
        out[first.role] = [q for q in out[first.role] if q is not first]
        out["title"] = [first]
    title = out["title"][0].text if out["title"] else ""
    if brief.genre in _SELLING and title and not _DISCOUNT.search(title):
        # "Winter Sale" names an offer, but "50% off everything" is the one to see first
        wanted = _DISCOUNT if _OFFER.search(title) else _OFFER
        for role in ("headline", "tagline", "info"):
            offer = next((q for q in out[role] if wanted.search(q.text) and len(q.text) < 24), None)
            if offer is not None:
                out[role] = [q for q in out[role] if q is not offer]
                out["headline"] = out["title"] + out["headline"]
                out["title"] = [offer]
                break
    return out


@dataclass
class Part:
    """One slot-to-be in a stack: its paragraphs and its share of the height."""

    paragraphs: list[Paragraph]
    weight: float
    size_ratio: float = 0.9
    size_cap: float | None = None
    """Largest base size in pixels, whatever the part's height (keeps the hierarchy)."""
    """Largest base size as a fraction of the part's height."""
    min_size: float = 7.0
    valign: str = "top"
    plate: Color | None = None
    plate_radius: float = 0.0
    plate_full: bool = False
    """With `plate`, cover the whole part rather than only the set text."""


def stack(box: Box, parts: list[Part], gap: float, *, valign: str = "top") -> list[Slot]:
    """Divide `box` among the non-empty parts by weight, top to bottom, `gap` apart."""
    parts = [p for p in parts if p.paragraphs]
    if not parts:
        return []
    free = box.h - gap * (len(parts) - 1)
    if free <= len(parts):
        gap, free = 0.0, box.h
    total = sum(p.weight for p in parts)
    slots = []
    y = box.y
    for part in parts:
        h = free * part.weight / total
        part_box = Box(box.x, y, box.w, h)
        pad = min(h, box.w) * 0.12 if part.plate_full else 0.0
        slots.append(
            Slot(
                part_box.inset(pad, pad) if pad else part_box,
                part.paragraphs,
                max_size=max(
                    part.min_size,
                    min(h * part.size_ratio, part.size_cap or float("inf")),
                ),
                min_size=part.min_size,
                valign=part.valign if part.valign != "top" else valign,
                plate=part.plate,
                plate_radius=part.plate_radius,
                plate_box=part_box if part.plate_full else None,
            )
        )
        y += h + gap
    return slots


def faces(frame: Frame) -> tuple[str, str, str]:
    """(display, text, label) faces from the style words, else from the variant."""
    brief = frame.brief
    if brief.has(
        "elegant",
        "luxury",
        "classic",
        "literary",
        "wedding",
        "romantic",
        "novel",
        "poetry",
        "book",
        "wine",
        "invitation",
    ):
        return "serif-black", "serif", "sans-medium"
    if brief.has(
        "playful",
        "kids",
        "fun",
        "cute",
        "birthday",
        "party",
        "sticker",
        "children",
        "toy",
        "candy",
        "cartoon",
        "kawaii",
    ):
        return "rounded", "humanist-semibold", "rounded"
    if brief.has("retro", "vintage", "rustic", "western", "classic"):
        return "condensed", "serif-semibold", "condensed"
    if brief.has(
        "futuristic",
        "tech",
        "neon",
        "gaming",
        "cyber",
        "cyberpunk",
        "startup",
        "synthwave",
        "sci-fi",
        "space",
    ):
        return "display-black", "display", "display-bold"
    if brief.has("minimalist", "minimal", "corporate", "business", "professional", "clean"):
        return "display-bold", "sans-light", "sans-medium"
    choice = frame.variant % 3
    return (
        ("display-black", "humanist", "sans-bold"),
        ("condensed", "humanist-semibold", "sans-bold"),
        ("sans-black", "sans", "sans-medium"),
    )[choice]


def all_quotes_in(quotes: dict[str, list[Quote]], *groups: str) -> list[Quote]:
    out: list[Quote] = []
    for group in groups:
        out += quotes.get(group, [])
    return out


def ink_on(frame: Frame, ground: Color) -> Color:
    """The palette's dark or light, whichever reads better on `ground`."""
    pal = frame.palette
    return pal.dark if contrast(pal.dark, ground) >= contrast(pal.light, ground) else pal.light


def part_role(part: Part) -> str:
    """The role of a `text_parts` part: title, headline, info or body."""
    return part.paragraphs[0].role if part.paragraphs else ""


def pick_parts(parts: list[Part], *wanted: str) -> list[Part]:
    return [p for p in parts if part_role(p) in wanted]


def band_colours(frame: Frame, colour: Color) -> tuple[Color, Color]:
    """(ground, ink) for type on a colour band: the band darkened until light type reads
    on it; an asked colour is kept as it is, with the ink that reads best on it."""
    if named_colors(frame.brief):
        return colour, ink_on(frame, colour)
    return readable(colour, frame.palette.light), frame.palette.light


def readable(ground: Color, ink: Color, ratio: float = 4.8) -> Color:
    """`ground` darkened (or lightened, for a dark ink) until `ink` reads on it."""
    target = (0, 0, 0) if luminance(ink) > 0.4 else (255, 255, 255)
    for step in range(11):
        colour = mix(ground, target, step * 0.08)
        if contrast(ink, colour) >= ratio:
            return colour
    return target
