"""Palettes from colour and style words, and WCAG contrast.

A named colour in the prompt sets the base hue (and a second one the accent);
mood words (vibrant, pastel, neon, muted, monochrome, dark, light) set saturation
and lightness; style words (minimalist, retro, elegant...) pick a scheme. A prompt
with none of them gets a harmonious random palette from the seed.
"""

from __future__ import annotations

import colorsys
import random
import re
from dataclasses import dataclass

from pixmill.engines.design.brief import Brief
from pixmill.engines.design.scene import Color

NAMED: dict[str, tuple[int, int, int]] = {
    "red": (220, 38, 38),
    "crimson": (196, 20, 60),
    "scarlet": (230, 32, 32),
    "maroon": (128, 20, 40),
    "burgundy": (128, 0, 42),
    "wine": (114, 30, 50),
    "orange": (249, 115, 22),
    "tangerine": (255, 140, 40),
    "coral": (255, 111, 97),
    "peach": (255, 190, 152),
    "salmon": (250, 128, 114),
    "amber": (255, 176, 0),
    "gold": (212, 175, 55),
    "golden": (218, 165, 32),
    "yellow": (250, 204, 21),
    "mustard": (214, 170, 40),
    "lemon": (255, 240, 80),
    "cream": (250, 243, 224),
    "beige": (235, 222, 200),
    "tan": (210, 180, 140),
    "brown": (121, 85, 61),
    "chocolate": (92, 58, 40),
    "coffee": (111, 78, 55),
    "olive": (128, 128, 40),
    "lime": (132, 204, 22),
    "green": (34, 160, 84),
    "emerald": (16, 150, 110),
    "forest": (34, 90, 50),
    "sage": (150, 175, 140),
    "mint": (152, 230, 190),
    "teal": (13, 148, 136),
    "turquoise": (64, 200, 200),
    "aqua": (0, 210, 220),
    "cyan": (6, 182, 212),
    "sky": (90, 180, 240),
    "blue": (37, 99, 235),
    "cobalt": (0, 71, 171),
    "azure": (0, 127, 255),
    "navy": (20, 33, 80),
    "indigo": (75, 60, 190),
    "purple": (130, 60, 200),
    "violet": (140, 80, 230),
    "lavender": (190, 170, 240),
    "lilac": (200, 162, 220),
    "magenta": (220, 30, 150),
    "fuchsia": (230, 40, 170),
    "pink": (244, 114, 182),
    "rose": (240, 90, 120),
    "blush": (240, 190, 190),
    "black": (18, 18, 22),
    "charcoal": (45, 48, 54),
    "gray": (128, 130, 136),
    "grey": (128, 130, 136),
    "silver": (190, 194, 200),
    "white": (250, 250, 250),
    "ivory": (255, 252, 240),
    "copper": (184, 115, 51),
    "bronze": (160, 110, 50),
    "rust": (183, 65, 14),
    "terracotta": (204, 95, 70),
    "plum": (110, 45, 100),
    "ochre": (204, 119, 34),
    "sand": (220, 200, 160),
}


@dataclass(frozen=True)
class Palette:
    bg: Color
    """Main background colour."""
    bg2: Color
    """Second background colour (gradients, bands)."""
    ink: Color
    """Main text colour on `bg`."""
    accent: Color
    accent2: Color
    dark: Color
    light: Color
    hues: tuple[Color, ...]
    """Extra colours for illustration."""
    mood: str = "balanced"
    is_dark: bool = False


def luminance(c: Color) -> float:
    def channel(v: float) -> float:
        v = v / 255.0
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2])


def contrast(a: Color, b: Color) -> float:
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def hsl(h: float, s: float, lightness: float) -> Color:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, min(max(lightness, 0), 1), min(max(s, 0), 1))
    return (round(r * 255), round(g * 255), round(b * 255))


def to_hsl(c: Color) -> tuple[float, float, float]:
    h, lightness, s = colorsys.rgb_to_hls(c[0] / 255, c[1] / 255, c[2] / 255)
    return h, s, lightness


def mix(a: Color, b: Color, t: float) -> Color:
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))


def with_alpha(c: Color, alpha: float) -> Color:
    return (c[0], c[1], c[2], max(0, min(255, round(alpha * 255))))


def named_colors(brief: Brief) -> list[Color]:
    """The prompt's colour words in order, read by their grammar: "orange and purple
    colours" and "a red car" name colours, "three oranges" and "a forest" do not."""
    from pixmill.engines.design import prompt  # the parser reads this module's names

    found = []
    for word in prompt.parse(brief.marked or brief.lowered).colours:
        if NAMED[word] not in found:
            found.append(NAMED[word])
    return found


_BACKGROUND_RE = re.compile(
    r"\b([a-z]+)(?:[ -]colou?red)? (?:background|backdrop|gradient)\b"
    r"|\b(?:background|backdrop|gradient) (?:of |in )?([a-z]+)\b"
)


def background_color(brief: Brief) -> Color | None:
    """The colour the prompt names for the background ("on a cream background")."""
    for match in _BACKGROUND_RE.finditer(brief.lowered):
        word = match.group(1) or match.group(2)
        if word in NAMED:
            return NAMED[word]
    return None


def mood_of(brief: Brief) -> str:
    order = (
        "neon",
        "pastel",
        "kawaii",
        "monochrome",
        "muted",
        "vibrant",
        "futuristic",
        "vintage",
        "retro",
        "elegant",
        "luxury",
        "corporate",
        "playful",
        "minimalist",
        "earthy",
        "bright",
        "bold",
        "contemporary",
        "modern",
    )
    for mood in order:
        if mood in brief.words:
            return mood
    return "balanced"


_SCHEMES = {
    # mood: (saturation, lightness of accents, background lightness, dark?)
    "neon": (1.0, 0.58, 0.07, True),
    "pastel": (0.65, 0.80, 0.94, False),
    "kawaii": (0.7, 0.78, 0.95, False),
    "muted": (0.28, 0.55, 0.90, False),
    "monochrome": (0.0, 0.45, 0.95, False),
    "vibrant": (0.9, 0.55, 0.55, False),
    "bright": (0.9, 0.55, 0.55, False),
    "bold": (0.85, 0.5, 0.5, False),
    "futuristic": (0.95, 0.58, 0.08, True),
    "vintage": (0.45, 0.5, 0.88, False),
    "retro": (0.7, 0.55, 0.9, False),
    "elegant": (0.35, 0.55, 0.1, True),
    "luxury": (0.5, 0.55, 0.08, True),
    "corporate": (0.65, 0.42, 0.97, False),
    "playful": (0.85, 0.6, 0.93, False),
    "minimalist": (0.5, 0.5, 0.97, False),
    "earthy": (0.4, 0.45, 0.9, False),
    "contemporary": (0.8, 0.55, 0.5, False),
    "modern": (0.75, 0.5, 0.95, False),
    "balanced": (0.7, 0.52, 0.6, False),
}

_STYLE_HUES = {
    "retro": (0.08, 0.48),  # orange with teal
    "vintage": (0.07, 0.55),
    "elegant": (0.12, 0.0),  # gold
    "luxury": (0.12, 0.0),
    "corporate": (0.6, 0.55),
    "futuristic": (0.52, 0.85),  # cyan with magenta
    "neon": (0.9, 0.5),
    "earthy": (0.08, 0.25),
}


def make_palette(brief: Brief, rng: random.Random, style: str | None = None) -> Palette:
    """The palette; `style` ("vivid" or "natural", the request's) saturates or mutes it."""
    mood = mood_of(brief)
    sat, light, bg_light, dark = _SCHEMES.get(mood, _SCHEMES["balanced"])
    if style == "vivid":
        sat = min(1.0, sat * 1.3 + 0.1)
    elif style == "natural":
        sat = sat * 0.55
    if brief.has("dark", "night", "midnight", "noir"):
        dark, bg_light = True, min(bg_light, 0.1)
    elif brief.has("light", "white", "airy", "clean"):
        dark, bg_light = False, max(bg_light, 0.92)
    named = named_colors(brief)
    base_hue = rng.random()
    accent_hue = (base_hue + rng.choice((0.5, 0.42, 0.58, 1 / 3, -1 / 3, 0.08))) % 1.0
    if mood in _STYLE_HUES:
        base_hue, accent_hue = _STYLE_HUES[mood]
        base_hue = (base_hue + rng.uniform(-0.03, 0.03)) % 1.0
    if named:
        base_hue, base_sat, _ = to_hsl(named[0])
        base_hue = (base_hue + rng.uniform(-0.025, 0.025)) % 1.0
        bg_light = min(0.97, max(0.05, bg_light + rng.uniform(-0.08, 0.08)))
        if base_sat < 0.12:
            sat = 0.0 if mood in ("balanced", "monochrome", "minimalist") else sat
        if len(named) > 1:
            accent_hue = to_hsl(named[1])[0]
        if base_sat < 0.12 and len(named) > 1 and to_hsl(named[1])[1] >= 0.12:
            # "black and gold": the illustration's hues come from the gold
            base_hue, sat = to_hsl(named[1])[0], max(sat, 0.5)
    if mood == "monochrome":
        accent_hue, sat = base_hue, min(sat, 0.15)
    bg = hsl(base_hue, sat * (0.55 if bg_light > 0.85 else 0.9), bg_light)
    if named and not dark and 0.25 < bg_light < 0.85:
        bg = named[0]
    if named and to_hsl(named[0])[2] < 0.18:  # "black and gold": a black ground
        bg, bg_light, dark = named[0], to_hsl(named[0])[2], True
    elif named and to_hsl(named[0])[2] > 0.88:  # "white and red", "cream"
        bg, bg_light, dark = named[0], to_hsl(named[0])[2], False
    asked = background_color(brief)
    if asked is not None:  # "a cream background": the background is cream
        bg = asked
        bg_light = to_hsl(asked)[2]
        dark = bg_light < 0.35
    bg2 = hsl(base_hue + 0.04, sat * 0.8, bg_light * 0.75 if bg_light > 0.4 else bg_light + 0.08)
    accent = hsl(accent_hue, sat, light)
    if len(named) > 1:
        accent = named[1]
    accent2 = hsl(base_hue, min(1.0, sat + 0.1), 0.5 if mood != "pastel" else 0.7)
    dark_c = hsl(base_hue, min(sat, 0.5) * 0.6, 0.1)
    light_c = hsl(base_hue, min(sat, 0.5) * 0.35, 0.97)
    ink = light_c if contrast(light_c, bg) >= contrast(dark_c, bg) else dark_c
    hues = tuple(
        hsl(
            base_hue + k * (0.035 if named else 0.13) + rng.uniform(-0.03, 0.03),
            sat * rng.uniform(0.7, 1.0),
            rng.uniform(light - 0.12, light + 0.12),
        )
        for k in range(-2, 4)
    )
    return Palette(bg, bg2, ink, accent, accent2, dark_c, light_c, hues, mood, dark)
