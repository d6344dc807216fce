"""Pictures from subject words: a stylised vector scene inside a box.

The prompt's words pick a time of day (day, sunset, night), a setting (city, sea,
mountains, forest, field, interior, space, and those in `places`), and subjects
from the vector library, composed by `stage`; with no setting word the subjects
imply one (fish: the sea, food: a table). A prompt with nothing drawable gets an
abstract composition in its palette (`abstract`). Used for non-design prompts (the `scene`
genre) and as the picture area of designs.
"""

from __future__ import annotations

import random
import re

from pixmill.engines.design import prompt
from pixmill.engines.design.layouts import places, stage, walls
from pixmill.engines.design.layouts.abstract import abstract_picture
from pixmill.engines.design.layouts.base import Composition, Frame
from pixmill.engines.design.palette import mix, with_alpha
from pixmill.engines.design.scene import (
    Box,
    Ellipse,
    Group,
    Line,
    LinearGradient,
    Path,
    Rect,
    Shape,
    Vector,
)
from pixmill.engines.design.subjects import city, decor, library, nature, things

SETTINGS = {
    "space": ("space", "galaxy", "planet", "planets", "cosmos", "astronaut", "universe", "rocket"),
    "interior": (
        "sofa",
        "couch",
        "room",
        "living",
        "bedroom",
        "interior",
        "indoors",
        "armchair",
    ),
    "kitchen": ("kitchen", "counter", "cooking", "bakery", "cafe", "café", "diner"),
    "sea": (
        "sea",
        "ocean",
        "beach",
        "lake",
        "coast",
        "harbor",
        "harbour",
        "waves",
        "island",
        "sailing",
        "boat",
        "surf",
        "shore",
        "seaside",
    ),
    "mountains": (
        "mountain",
        "mountains",
        "alps",
        "peak",
        "peaks",
        "hiking",
        "snowy",
        "himalaya",
        "ski",
        "volcano",
    ),
    "city": (
        "city",
        "urban",
        "skyline",
        "street",
        "nyc",
        "downtown",
        "metropolis",
        "town",
        "buildings",
        "skyscrapers",
        "york",
        "london",
        "paris",
        "tokyo",
        "cityscape",
    ),
    "forest": ("forest", "woods", "trees", "tree", "park", "jungle", "pine", "camping"),
    "field": (
        "field",
        "meadow",
        "farm",
        "countryside",
        "hills",
        "landscape",
        "valley",
        "garden",
        "flowers",
        "nature",
        "spring",
        "grass",
    ),
}
_SPACE = frozenset({"astronaut", "rocket", "ringed planet", "flying saucer", "alien", "satellite"})
_SEA = frozenset(
    {
        "fish",
        "tropical fish",
        "whale",
        "spouting whale",
        "dolphin",
        "octopus",
        "shark",
        "sailboat",
        "ship",
        "crab",
        "turtle",
        "anchor",
        "speedboat",
        "squid",
        "seal",
        "person surfing",
        "water wave",
    }
)
_ROAD = frozenset(
    {
        "automobile",
        "taxi",
        "racing car",
        "bus",
        "delivery truck",
        "bicycle",
        "motorcycle",
        "sport utility vehicle",
        "police car",
        "fire engine",
    }
)


_FREE_TIMES = ("day", "day", "sunset", "day", "day", "sunset")


def detect(frame: Frame) -> tuple[str, str | None, list[str]]:
    """(time of day, setting, subject words) from the prompt's words and subjects."""
    brief = frame.brief
    found = stage.subjects_of(brief)
    names = {library.name_of(c) for c in found.codes}
    asked = prompt.parse(brief.marked or brief.lowered)
    if asked.time is not None:  # the prompt's own time of day
        time = {"dawn": "sunset", "dusk": "sunset", "night": "night"}.get(asked.time, "day")
    elif brief.has("night", "midnight", "stars", "starry", "neon", "nighttime", "moon", "moonlit"):
        time = "night"
    elif brief.has("sunset", "dusk", "evening", "golden", "sunrise", "dawn", "twilight"):
        time = "sunset"
    else:
        # no time asked: the seed picks the light, so n images differ in palette too
        time = "night" if frame.palette.is_dark else _FREE_TIMES[frame.variant % 6]
    setting = next((name for name, words in SETTINGS.items() if brief.has(*words)), None)
    if brief.has("moon", "lunar") and (names & _SPACE or setting == "space"):
        setting = "moon"
    elif brief.has("underwater", "undersea", "reef") or re.search(
        r"\bunder (?:the )?(?:sea|ocean|water|waves)\b", brief.lowered
    ):
        setting = "underwater"
    elif brief.has("cliff", "cliffs", "clifftop"):
        setting = "cliff"
    elif walls.setting_of(brief) is not None:
        setting = walls.setting_of(brief)  # a named wall or room: its backdrop, not a field
    elif brief.has("desert", "dunes", "dune", "sahara"):
        setting = "desert"  # named ground wins over a subject's usual place (a rocket's space)
    elif brief.has("table", "tabletop", "desk", "countertop", "vase") and setting in (
        None,
        "interior",
    ):
        setting = "table"  # "a bottle on a marble table", flowers in a vase: a still life
    elif setting is None and asked.indoors:
        setting = "interior"
    elif setting is None:
        setting = _implied(found, names)
    if setting in ("space", "moon") and asked.time is None:
        time = "night"
    return time, setting, found.words


def _implied(found, names: set[str]) -> str | None:
    if names & _SPACE:
        return "space"
    if names & _SEA:
        return "sea"
    if names & _ROAD:
        return "road"
    categories = [library.category(c) for c in found.codes]
    if categories and all(c == "food" for c in categories):
        return "table"
    if "animal" in categories or "plant" in categories or found.person:
        return "field"
    return "field" if found.subjects else None


def layout(frame: Frame) -> Composition:
    """The `scene` genre: the picture fills the canvas."""
    comp = Composition()
    background, art = picture(frame, Box(0, 0, frame.width, frame.height))
    comp.background += background
    comp.art += art
    return comp


def picture(
    frame: Frame, box: Box, *, corner: float = 0.0, stand: float | None = None, scale: float = 1.0
) -> tuple[list[Shape], list[Shape]]:
    """(background, art) of a scene drawn inside `box`; art is the subjects only.

    `stand` (a fraction of the box height) overrides where subjects stand, and
    `scale` their size (stickers lift and enlarge them).
    """
    time, setting, subjects = detect(frame)
    if setting is None and not subjects:
        return abstract_picture(frame, box, corner)
    rng, detail = frame.rng, frame.detail
    bg: list[Shape] = []
    art: list[Shape] = []
    # the seed moves the camera: a low, middle or high horizon
    eye = (0.62, 0.56, 0.68)[frame.variant % 3]
    horizon = box.y + box.h * (eye if setting not in ("interior", "space") else 0.7)
    top, bottom = _sky(time, frame)
    bg.append(city.sky(box.x, box.y, box.w, box.h, top, bottom, detail))
    short = min(box.w, box.h)
    named_sky = stage.sky_bodies(frame)  # a named moon or sun replaces the drawn one
    aloft = stage.sky_things(frame)  # kites and planes take the sides: the sun the middle
    if time == "night":
        bg += city.stars(
            box.x, box.y, box.w, horizon - box.y, 50 + 40 * detail, (255, 255, 255, 210), rng
        )
    if time == "night" and re.search(r"\b(aurora|northern lights|southern lights|borealis)\b",
                                     frame.brief.lowered):  # fmt: skip
        bg += _aurora(frame, box, horizon)
    if time == "night" and not named_sky and setting != "moon":  # no moon seen from the moon
        bg += city.moon(
            box.x + box.w * rng.uniform(0.65, 0.85),
            box.y + box.h * 0.18,
            short * 0.07,
            (250, 245, 225),
            mix(top, bottom, 0.15),
            detail,
        )
    elif time != "night":
        sun_color = (255, 236, 160) if time == "day" else (255, 190, 120)
        sun_y = box.y + box.h * (0.2 if time == "day" else 0.5)
        if not named_sky:
            bg += city.sun(
                box.x + box.w * (rng.uniform(0.2, 0.8) if not aloft else rng.uniform(0.45, 0.55)),
                sun_y,
                short * 0.09,
                sun_color,
                detail,
            )
        bg += city.clouds(
            box.x,
            box.y + box.h * 0.05,
            box.w,
            box.h * 0.3,
            with_alpha((255, 255, 255), 0.85),
            rng,
            2 + detail // 2,
        )
    if frame.brief.has("isometric"):  # the subject on an isometric tile, not in a landscape
        bg[:] = bg[:1]
        ground_top = places.isometric_tile(frame, box, bg)
    else:
        ground_top = _setting(frame, box, setting, horizon, time, bg)
    if stand is not None:
        ground_top = box.y + box.h * stand
    frame.shown.update({f"time:{time}", f"setting:{setting}"})
    behind, front = weather(frame, box, ground_top)
    bg += behind
    art += stage.draw(frame, box, ground_top, scale)
    art += front
    if detail >= 2:
        bg.append(
            Rect(
                box.x,
                box.y,
                box.w,
                box.h,
                LinearGradient(
                    (0, box.y),
                    (0, box.bottom),
                    ((0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 50)),
                    (0.0, 0.7, 1.0),
                ),
            )
        )
    clip = (box.x, box.y, box.w, box.h, corner)
    if not art:  # a landscape is its own subject: only the sky is background
        return [Group(tuple(bg[:1]), clip=clip)], [Group(tuple(bg[1:]), clip=clip)]
    return [Group(tuple(bg), clip=clip)], [Group(tuple(art), clip=clip)]


def _aurora(frame: Frame, box: Box, horizon: float) -> list[Shape]:
    """Northern lights: curtains of green and violet light hanging over the horizon."""
    rng = random.Random(frame.rng.random())
    out: list[Shape] = []
    frame.motifs.add("element:northern lights")
    for k, colour in enumerate(
        ((80, 240, 170), (60, 200, 230), (170, 110, 240))[: 2 + rng.randint(0, 1)]
    ):
        top = box.y + box.h * rng.uniform(0.08, 0.2)
        bottom = horizon - box.h * rng.uniform(0.05, 0.15)
        waves = 4
        cmds: list[tuple] = [("M", box.x, bottom)]
        for i in range(waves):
            x1 = box.x + box.w * (i + 0.5) / waves
            x2 = box.x + box.w * (i + 1) / waves
            cmds.append(("Q", x1, bottom - box.h * rng.uniform(-0.08, 0.12), x2, bottom))
        for i in range(waves, 0, -1):
            x1 = box.x + box.w * (i - 0.5) / waves
            x0 = box.x + box.w * (i - 1) / waves
            cmds.append(("Q", x1, top + box.h * rng.uniform(-0.06, 0.1) + k * box.h * 0.04,
                         x0, top + k * box.h * 0.03))  # fmt: skip
        cmds.append(("Z",))
        fill = LinearGradient((0, top), (0, bottom), ((*colour, 0), (*colour, 90), (*colour, 150)),
                              (0.0, 0.6, 1.0))  # fmt: skip
        out.append(Path(tuple(cmds), fill))
    return out


def weather(frame: Frame, box: Box, ground_top: float) -> tuple[list[Shape], list[Shape]]:
    """The prompt's weather and season over the scene: rain streaks, snow on the ground
    and in the air, fog banks, falling leaves or blossom. Each drawn one is named in
    `frame.shown` ("weather:snow", "season:autumn") for the checklist. Returns (what
    lies behind the subjects: fog banks, the snow blanket; what falls in front)."""
    parsed = prompt.parse(frame.brief.marked or frame.brief.lowered)
    rng = random.Random(frame.rng.random())
    short = min(box.w, box.h)
    out: list[Shape] = []
    behind: list[Shape] = []
    kind = parsed.weather
    season = parsed.season
    if "setting:interior" in frame.shown or "setting:kitchen" in frame.shown:
        return behind, out  # no snow falls in the living room
    if kind in ("snow",) or season == "winter":
        # a snow blanket along the ground, then flakes
        behind.append(Rect(box.x, ground_top, box.w, short * 0.035, (248, 250, 255)))
        behind.append(Rect(box.x, ground_top + short * 0.035, box.w, box.bottom - ground_top,
                        (236, 242, 250, 150)))  # fmt: skip
        for _ in range(40 + 30 * frame.detail):
            r = short * rng.uniform(0.004, 0.011)
            out.append(Ellipse(box.x + rng.random() * box.w, box.y + rng.random() * box.h, r, r,
                               (255, 255, 255, 225)))  # fmt: skip
        frame.shown.add("weather:snow" if kind == "snow" else "season:winter")
        if season == "winter":
            frame.shown.add("season:winter")
    if kind in ("rain", "storm"):
        slant = short * 0.02
        for _ in range(70 + 40 * frame.detail):
            x, y = box.x + rng.random() * box.w, box.y + rng.random() * box.h
            length = short * rng.uniform(0.04, 0.08)
            out.append(Line(x, y, x - slant, y + length, (220, 230, 245, 150), short * 0.003))
        out.insert(0, Rect(box.x, box.y, box.w, box.h, (70, 80, 100, 70)))
        frame.shown.add(f"weather:{kind}")
    if kind == "fog":
        for k in range(3):
            y = ground_top - short * (0.05 + 0.12 * k)
            behind.append(Rect(box.x, y, box.w, short * 0.1, (235, 238, 242, 95)))
        behind.append(Rect(box.x, box.y, box.w, box.h, (230, 233, 238, 60)))
        frame.shown.add("weather:fog")
    if season in ("autumn", "spring"):
        tints = ((214, 108, 40), (196, 70, 36), (232, 164, 52)) if season == "autumn" else (
            (250, 190, 210), (255, 220, 230), (245, 160, 190))  # fmt: skip
        for _ in range(18 + 10 * frame.detail):
            r = short * rng.uniform(0.007, 0.014)
            out.append(Ellipse(box.x + rng.random() * box.w, box.y + rng.random() * box.h,
                               r * 1.5, r, rng.choice(tints)))  # fmt: skip
        frame.shown.add(f"season:{season}")
    if season == "summer":
        frame.shown.add("season:summer")  # the bright day sky is summer's
    return behind, out


def _sky(time: str, frame: Frame) -> tuple[tuple, tuple]:
    pal = frame.palette
    if time == "night":
        return mix((10, 14, 40), pal.dark, 0.3), mix((40, 40, 100), pal.accent2, 0.2)
    if time == "sunset":
        return mix((60, 40, 120), pal.accent2, 0.15), mix((255, 150, 90), pal.accent, 0.15)
    if pal.mood in ("pastel", "muted", "minimalist", "vintage"):
        return mix((170, 210, 240), pal.bg, 0.35), mix((240, 240, 230), pal.bg, 0.3)
    tint = 0.4 if stage.free_colours(frame.brief) else 0.1  # the prompt's colours reach the sky
    return mix((70, 150, 230), pal.accent2, tint), mix((190, 225, 250), pal.accent, tint)


def _setting(frame, box, setting, horizon, time, bg) -> float:
    """Draw the setting into bg; return the y where subjects stand."""
    rng, pal, detail = frame.rng, frame.palette, frame.detail
    dim = 0.45 if time == "night" else 0.0
    green = mix(mix((80, 160, 80), pal.accent2, 0.15), (10, 20, 30), dim)
    ground = box.y + box.h * 0.86
    if setting == "interior":
        wall = mix(pal.bg, (240, 230, 215), 0.4)
        bg.append(Rect(box.x, box.y, box.w, box.h, wall))
        win = Box(box.x + box.w * 0.6, box.y + box.h * 0.12, box.w * 0.28, box.h * 0.34)
        top, bottom = _sky(time, frame)
        bg.append(
            Rect(
                win.x,
                win.y,
                win.w,
                win.h,
                LinearGradient((0, win.y), (0, win.bottom), (top, bottom)),
            )
        )
        bg.append(decor.frame(win, mix(wall, (0, 0, 0), 0.35), min(box.w, box.h) * 0.012))
        floor = box.y + box.h * 0.78
        bg.append(Rect(box.x, floor, box.w, box.bottom - floor, mix(pal.bg2, (120, 80, 50), 0.4)))
        short = min(box.w, box.h)
        if frame.brief.has("lamp", "lamps"):  # a reading lamp beside the sofa
            shade = mix(pal.accent, (240, 220, 180), 0.5)
            bg += things.floor_lamp(box.x + box.w * 0.1, floor + box.h * 0.02, box.h * 0.6, shade)
            frame.motifs.add("element:lamp")
        if frame.brief.has("fireplace", "hearth", "fireside"):
            # the fire is the room's centre: the subjects stand on the floor before it
            width = short * 0.42
            # on the side the subject leaves free, so the fire shows beside it
            free = 0.24 if stage.VARIANT_PLACES[frame.variant % 3] >= 0.5 else 0.76
            cx = box.x + box.w * free
            stone = mix(pal.bg2, (170, 150, 135), 0.6)
            bg += things.fireplace(cx, floor + box.h * 0.02, width, stone)
            fire = library.lookup("fire")
            if fire:
                size = width * 0.42
                bg.append(Vector(fire, cx - size / 2, floor + box.h * 0.02 - size * 1.02, size))
            frame.motifs.add("element:fireplace")
            return box.y + box.h * 0.92
        frame.motifs.add("sofa_room")
        bg += things.sofa(
            box.x + box.w * 0.45,
            floor + box.h * 0.04,
            box.w * 0.6,
            mix(pal.accent, (90, 90, 110), 0.3),
        )
        return floor + box.h * 0.04 - box.w * 0.6 * 0.26
    if setting == "table" or (
        setting == "interior" and not frame.brief.has("sofa", "couch", "living")
    ):
        wall = mix(pal.bg, (245, 238, 225), 0.5)
        bg.append(Rect(box.x, box.y, box.w, box.h, wall))
        if detail >= 1:
            bg.append(decor.stripes(box, with_alpha(mix(wall, (0, 0, 0), 0.5), 0.06), 12, True))
        table = box.y + box.h * 0.66
        bg.append(Rect(box.x, table, box.w, box.bottom - table, mix(pal.bg2, (150, 100, 60), 0.5)))
        bg.append(Rect(box.x, table, box.w, box.h * 0.02, mix(pal.bg2, (190, 140, 90), 0.5)))
        return box.y + box.h * 0.8
    placed = walls.draw(frame, box, setting, time, bg)
    if placed is None:
        placed = places.draw(frame, box, setting, horizon, bg, green)
    if placed is not None:
        return placed
    if setting == "space":
        planet = mix(pal.accent, (200, 120, 80), 0.3)
        bg.append(decor.circles(box, (planet,), rng, 1, inside=True)[0])
        bg.append(Rect(box.x, box.y + box.h * 0.88, box.w, box.h * 0.12, (70, 70, 85)))
        return box.y + box.h * 0.9
    if setting == "sea":
        if frame.brief.has(*SETTINGS["mountains"]):  # a lake or a fjord: peaks behind
            far = mix(mix((110, 120, 160), pal.accent2, 0.2), (10, 10, 30), dim)
            bg += nature.mountains(
                box.x, box.w, horizon + 1, box.h * 0.3, far, rng, snow=(245, 248, 255), peaks=3
            )
        sea_color = mix(mix((20, 90, 160), pal.accent2, 0.2), (5, 10, 30), dim)
        bg += nature.sea(
            box.x,
            horizon,
            box.w,
            box.bottom - horizon,
            sea_color,
            mix(sea_color, (255, 255, 255), 0.3),
            detail,
            rng,
        )
        sand = mix((230, 205, 150), (20, 20, 40), dim)
        bg.append(Rect(box.x, ground, box.w, box.bottom - ground, sand))
        return ground + box.h * 0.05
    if setting == "mountains":
        far = mix(mix((110, 120, 160), pal.accent2, 0.2), (10, 10, 30), dim)
        bg += nature.mountains(
            box.x, box.w, horizon, box.h * 0.4, far, rng, snow=(245, 248, 255), peaks=3
        )
        bg += nature.hills(
            box.x, box.w, horizon + box.h * 0.08, box.h * 0.1, green, rng, box.bottom
        )
        bg += nature.forest(
            box.x,
            box.w,
            horizon + box.h * 0.1,
            box.h * 0.14,
            mix(green, (0, 40, 20), 0.4),
            (90, 60, 40),
            rng,
            10,
        )
        return ground + box.h * 0.04
    if setting == "city":
        frame.motifs.add("skyline")
        near = mix(pal.dark, (0, 0, 0), 0.3)
        far = mix(bottom_of(frame, time), near, 0.45)
        lights = (255, 214, 130)
        bg += city.city(
            box.x, horizon - box.h * 0.35, box.w, box.h * 0.35 + 2, far, near, lights, rng, detail
        )
        bg.append(Rect(box.x, horizon, box.w, box.bottom - horizon, mix(near, (60, 60, 70), 0.5)))
        bg.append(Rect(box.x, ground - box.h * 0.01, box.w, box.h * 0.012, (230, 220, 160)))
        return ground + box.h * 0.06
    bg += nature.hills(
        box.x, box.w, horizon, box.h * 0.12, mix(green, (255, 255, 255), 0.15), rng, box.bottom
    )
    if setting == "forest":
        bg += nature.forest(
            box.x,
            box.w,
            horizon + box.h * 0.06,
            box.h * 0.3,
            mix(green, (0, 50, 20), 0.35),
            (90, 60, 40),
            rng,
            12,
        )
    bg += nature.grass(box.x, horizon + box.h * 0.12, box.w, box.bottom - horizon, green, detail)
    if frame.brief.has("pond", "ponds", "puddle", "pool"):  # water in the grass, under the subject
        water = mix(mix((60, 130, 190), pal.accent2, 0.15), (10, 20, 40), dim)
        y = ground + box.h * 0.02
        bg.append(Ellipse(box.x + box.w / 2, y, box.w * 0.46, box.h * 0.09, mix(water, green, 0.4)))
        bg.append(Ellipse(box.x + box.w / 2, y, box.w * 0.43, box.h * 0.075, water))
        bg.append(Ellipse(box.x + box.w * 0.4, y - box.h * 0.03, box.w * 0.12, box.h * 0.008,
                          mix(water, (255, 255, 255), 0.4)))  # fmt: skip
        frame.motifs.add("element:pond")
    return ground + box.h * 0.04


def bottom_of(frame: Frame, time: str) -> tuple:
    return _sky(time, frame)[1]


__all__ = ["abstract_picture", "detect", "layout", "picture"]
