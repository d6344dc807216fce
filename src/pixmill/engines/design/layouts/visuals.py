"""The main visual of a design: a small scene chosen from the prompt's subject words."""

from __future__ import annotations

from pixmill.engines.design.layouts.base import Frame
from pixmill.engines.design.palette import luminance, mix
from pixmill.engines.design.scene import Box, Ellipse, Rect, Shape
from pixmill.engines.design.subjects import city, people

PERSON_WORDS = (
    "person",
    "woman",
    "man",
    "model",
    "people",
    "girl",
    "boy",
    "portrait",
    "figure",
    "musician",
    "singer",
    "artist",
    "band",
    "interview",
    "character",
)
SKIES = (  # (top, bottom): plausible skies; the palette tints them
    ((38, 28, 92), (255, 120, 90)),  # sunset: indigo to coral
    ((20, 40, 110), (240, 90, 160)),  # dusk: navy to magenta
    ((40, 90, 200), (150, 210, 250)),  # day: blue to pale sky
    ((120, 40, 120), (255, 170, 60)),  # golden hour: plum to amber
    ((10, 70, 110), (60, 200, 200)),  # teal evening
)
NIGHT_SKIES = (((8, 10, 30), (40, 30, 90)), ((5, 15, 35), (20, 70, 110)))
PALE_SKIES = (((200, 220, 250), (255, 230, 220)), ((220, 210, 250), (250, 240, 210)))


def is_night(frame: Frame) -> bool:
    brief = frame.brief
    return frame.palette.is_dark or brief.has("night", "midnight", "neon", "dark", "nighttime")


def sky_colors(frame: Frame) -> tuple[tuple, tuple]:
    pal, rng = frame.palette, frame.rng
    if is_night(frame):
        top, bottom = rng.choice(NIGHT_SKIES)
        return mix(top, pal.dark, 0.3), mix(bottom, pal.accent2, 0.25)
    if pal.mood in ("pastel", "minimalist", "muted", "monochrome"):
        top, bottom = rng.choice(PALE_SKIES)
        return mix(top, pal.bg, 0.4), mix(bottom, pal.bg2, 0.3)
    top, bottom = rng.choice(SKIES)
    return mix(top, pal.accent2, 0.2), mix(bottom, pal.accent, 0.15)


def main_visual(
    frame: Frame,
    box: Box,
    *,
    subject_x: float = 0.5,
    subject_top: float | None = None,
    avoid: tuple[Box, ...] = (),
) -> tuple[list[Shape], list[Shape]]:
    """(background, art) for a people-and-place scene inside `box`.

    Scenery (sky, sun, city) is background, dropped for transparent output; the
    subject (a person) is art.
    """
    pal, rng, detail = frame.palette, frame.rng, frame.detail
    brief = frame.brief
    top, bottom = sky_colors(frame)
    background: list[Shape] = [city.sky(box.x, box.y, box.w, box.h, top, bottom, detail)]
    art: list[Shape] = []
    night = is_night(frame)
    glow = mix(pal.accent, (255, 240, 200), 0.4)
    sun_r = box.w * 0.2 if frame.portrait else box.h * 0.22
    sun_x = box.x + box.w * subject_x
    sun_y = box.y + box.h * 0.38
    if subject_top is not None and (brief.has(*PERSON_WORDS) or brief.genre == "magazine"):
        sun_y = subject_top + sun_r * 1.02
    if night:
        background += city.stars(
            box.x,
            box.y,
            box.w,
            box.h * 0.6,
            40 + 40 * detail,
            (255, 255, 255, 200),
            rng,
            avoid=avoid,
        )
        background += city.sun(
            sun_x, sun_y, sun_r * 0.8, (250, 245, 225), detail, glow=(200, 210, 255)
        )
    else:
        background += city.sun(sun_x, sun_y, sun_r, glow, detail)
    # the city is the scenery of a people-and-place visual
    far = mix(bottom, pal.dark, 0.45)
    near = mix(pal.dark, (0, 0, 0), 0.35)
    lights = (255, 214, 130) if not night else mix(pal.accent, (255, 230, 160), 0.5)
    city_h = box.h * (0.5 if frame.portrait else 0.6)
    frame.motifs.add("skyline")
    background += city.city(
        box.x, box.bottom - city_h, box.w, city_h, far, near, lights, rng, detail, haze=bottom
    )
    if brief.has(*PERSON_WORDS) or brief.genre == "magazine":
        jacket = pal.accent if luminance(pal.accent) > 0.08 else pal.accent2
        outfit = people.random_outfit(
            rng, jacket, pal.light, mix(pal.dark, (20, 20, 40), 0.3), scarf=pal.accent2
        )
        head_top = subject_top if subject_top is not None else box.y + box.h * 0.2
        height = (box.bottom - head_top) * (1.25 if frame.portrait else 1.15)
        if frame.landscape:
            height = (box.bottom - head_top) * 1.35
        frame.motifs.add("figure")
        art += people.person(sun_x, head_top, height, outfit, detail)
    if detail >= 2:
        background.append(_grain(frame, box))
    return background, art


def _grain(frame: Frame, box: Box) -> Shape:
    """A faint vignette at the edges (high quality finish)."""
    from pixmill.engines.design.scene import RadialGradient

    r = (box.w**2 + box.h**2) ** 0.5 / 2
    return Rect(
        box.x,
        box.y,
        box.w,
        box.h,
        RadialGradient(
            (box.x + box.w / 2, box.y + box.h / 2),
            r,
            ((0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 70)),
            (0.0, 0.6, 1.0),
        ),
    )


def abstract(frame: Frame, box: Box) -> list[Shape]:
    """Circles and bands in the palette: the fallback when there is nothing to draw."""
    rng, pal = frame.rng, frame.palette
    items: list[Shape] = []
    side = min(box.w, box.h)
    for color in pal.hues[:5]:
        r = side * rng.uniform(0.1, 0.3)
        cx = box.x + r + rng.random() * max(0.0, box.w - 2 * r)
        cy = box.y + r + rng.random() * max(0.0, box.h - 2 * r)
        items.append(Ellipse(cx, cy, r, r, color))
    return items
