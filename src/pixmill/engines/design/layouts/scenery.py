"""Pictures from subject words: a stylised vector scene inside a box.

The prompt's words pick a time of day (day, sunset, night), a setting (city, sea,
mountains, forest, field, interior, space) and subjects (people, animals,
vehicles, food and drink, houses, flowers). A prompt with nothing drawable gets an
abstract composition in its palette. Used for non-design prompts (the `scene`
genre) and as the picture area of designs.
"""

from __future__ import annotations

from pixmill.engines.design.layouts.base import Composition, Frame
from pixmill.engines.design.palette import NAMED, hsl, luminance, mix, to_hsl, with_alpha
from pixmill.engines.design.scene import Box, Ellipse, Group, LinearGradient, Rect, Shape
from pixmill.engines.design.subjects import city, decor, nature, people, things

SETTINGS = {
    "space": ("space", "galaxy", "planet", "planets", "cosmos", "astronaut", "universe", "rocket"),
    "interior": (
        "sofa",
        "couch",
        "room",
        "living",
        "kitchen",
        "bedroom",
        "interior",
        "indoors",
        "armchair",
        "desk",
        "table",
    ),
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
SUBJECTS = {
    "cat": ("cat", "cats", "kitten", "kitty"),
    "dog": ("dog", "dogs", "puppy", "pup"),
    "birds": ("bird", "birds", "seagull", "seagulls"),
    "car": ("car", "cars", "taxi", "vehicle", "drive", "driving", "road", "truck"),
    "coffee": ("coffee", "cup", "latte", "tea", "espresso", "cafe", "café", "cappuccino", "mug"),
    "pizza": ("pizza", "food", "restaurant", "dinner", "lunch", "italian"),
    "fruit": ("fruit", "apple", "apples", "fruits", "orange", "juice", "healthy"),
    "wine": ("wine", "cocktail", "drink", "drinks", "bar", "champagne"),
    "house": ("house", "home", "cottage", "cabin", "village", "houses"),
    "flowers": ("flower", "flowers", "rose", "roses", "tulip", "tulips", "bloom", "floral"),
    "person": (
        "person",
        "woman",
        "man",
        "people",
        "girl",
        "boy",
        "portrait",
        "figure",
        "musician",
        "singer",
        "artist",
        "band",
        "child",
        "hiker",
        "traveler",
        "model",
    ),
    "rocket": ("rocket", "spaceship", "launch", "astronaut"),
    "boat": ("boat", "boats", "sailboat", "sailing", "yacht", "ship"),
}


_TABLE_TOP = {"coffee", "pizza", "fruit", "wine", "flowers"}


def detect(frame: Frame) -> tuple[str, str | None, list[str]]:
    """(time of day, setting, subjects) from the prompt's words."""
    brief = frame.brief
    if brief.has("night", "midnight", "stars", "starry", "moon", "neon", "nighttime"):
        time = "night"
    elif brief.has("sunset", "dusk", "evening", "golden", "sunrise", "dawn", "twilight"):
        time = "sunset"
    else:
        time = "night" if frame.palette.is_dark else "day"
    setting = next((name for name, words in SETTINGS.items() if brief.has(*words)), None)
    subjects = [name for name, words in SUBJECTS.items() if brief.has(*words)]
    if setting is None and subjects and set(subjects) <= _TABLE_TOP:
        setting = "table"
    if setting == "space":
        time = "night"
    return time, setting, subjects


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
    horizon = box.y + box.h * (0.62 if setting not in ("interior", "space") else 0.7)
    top, bottom = _sky(time, frame)
    bg.append(city.sky(box.x, box.y, box.w, box.h, top, bottom, detail))
    short = min(box.w, box.h)
    if time == "night":
        bg += city.stars(
            box.x, box.y, box.w, horizon - box.y, 50 + 40 * detail, (255, 255, 255, 210), rng
        )
        bg += city.moon(
            box.x + box.w * rng.uniform(0.65, 0.85),
            box.y + box.h * 0.18,
            short * 0.07,
            (250, 245, 225),
            mix(top, bottom, 0.15),
            detail,
        )
    else:
        sun_color = (255, 236, 160) if time == "day" else (255, 190, 120)
        sun_y = box.y + box.h * (0.2 if time == "day" else 0.5)
        bg += city.sun(
            box.x + box.w * rng.uniform(0.2, 0.8), sun_y, short * 0.09, sun_color, detail
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
    ground_top = _setting(frame, box, setting, horizon, time, bg)
    if stand is not None:
        ground_top = box.y + box.h * stand
    _subjects(frame, box, subjects, ground_top, art, scale)
    if "birds" in subjects:
        for _ in range(4):
            art += things.bird(
                box.x + box.w * rng.uniform(0.2, 0.8),
                box.y + box.h * rng.uniform(0.12, 0.35),
                short * 0.03,
                (40, 40, 50),
            )
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


def _sky(time: str, frame: Frame) -> tuple[tuple, tuple]:
    pal = frame.palette
    if time == "night":
        return mix((10, 14, 40), pal.dark, 0.3), mix((40, 40, 100), pal.accent2, 0.2)
    if time == "sunset":
        return mix((60, 40, 120), pal.accent2, 0.15), mix((255, 150, 90), pal.accent, 0.15)
    if pal.mood in ("pastel", "muted", "minimalist", "vintage"):
        return mix((170, 210, 240), pal.bg, 0.35), mix((240, 240, 230), pal.bg, 0.3)
    return mix((70, 150, 230), pal.accent2, 0.1), mix((190, 225, 250), pal.bg, 0.1)


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
        bg += things.sofa(
            box.x + box.w * 0.45,
            floor + box.h * 0.04,
            box.w * 0.6,
            mix(pal.accent, (90, 90, 110), 0.3),
        )
        return floor + box.h * 0.04 - box.w * 0.6 * 0.26
    if setting == "table":
        wall = mix(pal.bg, (245, 238, 225), 0.5)
        bg.append(Rect(box.x, box.y, box.w, box.h, wall))
        if detail >= 1:
            bg.append(decor.stripes(box, with_alpha(mix(wall, (0, 0, 0), 0.5), 0.06), 12, True))
        table = box.y + box.h * 0.66
        bg.append(Rect(box.x, table, box.w, box.bottom - table, mix(pal.bg2, (150, 100, 60), 0.5)))
        bg.append(Rect(box.x, table, box.w, box.h * 0.02, mix(pal.bg2, (190, 140, 90), 0.5)))
        return box.y + box.h * 0.8
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
    return ground + box.h * 0.04


def bottom_of(frame: Frame, time: str) -> tuple:
    return _sky(time, frame)[1]


def setting_is_sea(frame: Frame) -> bool:
    return detect(frame)[1] == "sea"


def subject_color(frame: Frame, name: str, default):
    """The colour named just before a subject's word ("a red car"), else `default`."""
    words = frame.brief.lowered.replace(",", " ").split()
    for i, word in enumerate(words[1:], 1):
        if word.strip(".!?") in SUBJECTS[name] and words[i - 1] in NAMED:
            return NAMED[words[i - 1]]
    return default


def _subjects(frame, box, subjects, base, art, scale) -> None:
    rng, pal, detail = frame.rng, frame.palette, frame.detail
    short = min(box.w, box.h) * scale
    drawn = [s for s in subjects if s != "birds"]
    n = max(1, len(drawn))
    for i, name in enumerate(drawn[:4]):
        cx = box.x + box.w * (i + 1) / (n + 1) if n > 1 else box.x + box.w * 0.5
        size = short * (0.42 if n == 1 else 0.3)
        if detail >= 2 and name not in ("rocket", "flowers", "boat"):  # a soft ground shadow
            art.append(Ellipse(cx, base, size * 0.45, size * 0.06, (0, 0, 0, 60)))
        if name == "cat":
            fur = rng.choice(((235, 150, 70), (70, 70, 80), (240, 235, 225), (150, 110, 80)))
            art += things.cat(cx, base, size * 0.8, subject_color(frame, name, fur))
        elif name == "dog":
            art += things.dog(
                cx, base, size * 0.8, rng.choice(((200, 150, 90), (90, 60, 40), (230, 220, 200)))
            )
        elif name == "car":
            art += things.car(cx, base, size * 1.3, subject_color(frame, name, pal.accent))
        elif name == "coffee":
            art += things.cup(
                cx, base, size * 0.6, pal.light if luminance(pal.light) > 0.5 else (245, 245, 245)
            )
        elif name == "pizza":
            art += things.pizza(cx, base, size * 0.8)
        elif name == "fruit":
            art += things.fruit(cx, base, size * 0.6, (210, 40, 40))
        elif name == "wine":
            art += things.glass_of_wine(cx, base, size * 0.8)
        elif name == "house":
            art += things.house(
                cx, base, size * 1.1, mix(pal.light, (240, 220, 190), 0.5), pal.accent
            )
        elif name == "flowers":
            for k in range(5):
                fx = cx + (k - 2) * size * 0.25
                art += nature.flower(
                    fx,
                    base,
                    size * rng.uniform(0.5, 0.8),
                    pal.hues[k % 6],
                    (255, 210, 80),
                    (60, 140, 60),
                )
        elif name == "boat":
            water = box.y + box.h * 0.72 if setting_is_sea(frame) else base
            art += things.boat(
                cx, water, size * 1.2, subject_color(frame, name, (240, 240, 245)), pal.accent
            )
        elif name == "rocket":
            art += things.rocket(cx, base - size * 0.3, size * 1.2, (235, 235, 240), pal.accent)
        elif name == "person":
            outfit = people.random_outfit(
                rng, pal.accent, pal.light, mix(pal.dark, (30, 30, 50), 0.3)
            )
            art += people.person(cx, base - size * 1.9, size * 1.9, outfit, detail)


def abstract_picture(
    frame: Frame, box: Box, corner: float = 0.0
) -> tuple[list[Shape], list[Shape]]:
    """A tasteful abstract composition in the palette: a Bauhaus grid, a retro sun, or
    mid-century arches, on a gradient ground."""
    rng, pal, detail = frame.rng, frame.palette, frame.detail
    hue, sat, light = to_hsl(pal.bg)
    bottom = hsl(hue + 0.06, sat, light * 0.8 if light > 0.3 else light + 0.12)
    bg: list[Shape] = [city.sky(box.x, box.y, box.w, box.h, pal.bg, bottom, detail)]
    colors = (pal.accent, pal.accent2, pal.hues[1], pal.light)
    retro = frame.brief.has("retro", "synthwave", "sunset", "neon", "80s", "vaporwave")
    kind = 1 if retro else rng.randrange(3)
    art: list[Shape]
    if kind == 0:
        cols = 3 if box.w <= box.h * 1.2 else 5
        art = decor.bauhaus(box.inset(min(box.w, box.h) * 0.06), colors, pal.bg, rng, cols)
    elif kind == 1:
        art = decor.retro_sun(
            box, mix(pal.accent, (255, 230, 120), 0.4), pal.accent2, bottom, detail
        )
    else:
        art = decor.arches(
            box.inset(min(box.w, box.h) * 0.06),
            (pal.accent, pal.light, pal.accent2, pal.hues[2]),
            rng,
        )
    if detail >= 2:
        bg.append(
            decor.dots(
                box, with_alpha(pal.light, 0.1), min(box.w, box.h) / 40, min(box.w, box.h) / 260
            )
        )
    clip = (box.x, box.y, box.w, box.h, corner)
    return [Group(tuple(bg), clip=clip)], [Group(tuple(art), clip=clip)]
