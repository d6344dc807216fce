"""Composing library subjects in a picture: on the ground line, at a scale, in relation.

One main subject stands large at the centre; several share the ground, grouped
and overlapping a little; a rider sits on its mount; sky things (sun, moon,
balloons, planes) float above the horizon; a top view lays food on a round table
seen from above. Shadows are soft ellipses on the ground at medium quality and
above. Colour words recolour a subject's dominant fills; a silhouette is one ink.
"""

from __future__ import annotations

from functools import lru_cache

from pixmill.engines.design import prompt
from pixmill.engines.design.brief import Brief
from pixmill.engines.design.layouts.base import Frame
from pixmill.engines.design.palette import NAMED, mix
from pixmill.engines.design.scene import Box, Ellipse, Shape, Vector
from pixmill.engines.design.subjects import library, matching, people

SKY = frozenset(
    {
        "sun",
        "crescent moon",
        "full moon",
        "glowing star",
        "star",
        "cloud",
        "rainbow",
        "airplane",
        "bird",
        "balloon",
        "flying saucer",
        "dove",
        "eagle",
        "bat",
        "high voltage",
        "comet",
        "kite",
        "new moon",
        "sun with face",
        "parachute",
        "helicopter",
    }
)


@lru_cache(maxsize=256)
def _match_text(text: str, strict: bool = False) -> matching.Match:
    return matching.match(text, strict=strict)


def subjects_of(brief: Brief) -> matching.Match:
    """What the prompt names; a design with no subject outside its quotes reads its quotes."""
    found = _match_text(brief.marked or brief.lowered)
    if not found.subjects and brief.is_design and brief.quotes:
        found = _match_text(" ".join(q.text for q in brief.quotes).lower(), True)
    return found


_BODIES = frozenset({"sun", "crescent moon", "full moon", "new moon", "sun with face"})
_AFLOAT = frozenset(
    {
        "sailboat",
        "ship",
        "speedboat",
        "canoe",
        "motor boat",
        "passenger ship",
        "ferry",
        "whale",
        "spouting whale",
        "dolphin",
        "swan",
        "duck",
    }
)


_LONG_HAIR = frozenset({"girl", "woman", "lady", "grandma", "grandmother", "mother", "mom"})
_SHORT_HAIR = frozenset(
    {
        "man",
        "boy",
        "guy",
        "gentleman",
        "grandpa",
        "grandfather",
        "father",
        "dad",
        "fisherman",
        "businessman",
    }
)


def free_colours(brief: Brief) -> list[tuple[int, int, int]]:
    """The prompt's colour words that qualify no subject ("purple and orange", not the
    "red" of "a red car"): they colour the scene, not a thing in it."""
    return [NAMED[w] for w in prompt.parse(brief.marked or brief.lowered).free_colours]


def sky_bodies(frame: Frame) -> bool:
    """Whether the prompt names the sun or the moon (drawn from the library)."""
    return any(library.name_of(c) in _BODIES for c in subjects_of(frame.brief).codes)


def _is_sky(code: str) -> bool:
    return any(name in SKY for name in library.names_of(code))


def vector(
    frame: Frame, subject: matching.Subject, cx: float, base: float, size: float, flip=False
) -> Vector:
    """The subject's drawing, its drawn part's bottom on `base`, centred on cx."""
    assert subject.code is not None
    x0, _, x1, y1 = library.bounds(subject.code)
    recolor: tuple[tuple[str, str], ...] = ()
    found = subjects_of(frame.brief)
    if found.silhouette and found.subjects and subject.code == found.subjects[0].code:
        ink = mix(frame.palette.dark, (0, 0, 0), 0.3)
        recolor = tuple(
            (c, "#{:02X}{:02X}{:02X}".format(*ink)) for c, _ in library.fills(subject.code)
        )
    elif subject.color is not None:
        recolor = library.recolor_map(subject.code, subject.color)
    left = cx - size * (x0 + x1) / 2
    return Vector(subject.code, left, base - size * y1, size, recolor, flip)


def _shadow(frame: Frame, cx: float, base: float, width: float) -> list[Shape]:
    if frame.detail < 1:
        return []
    alpha = 70 if frame.detail >= 2 else 45
    return [Ellipse(cx, base, width * 0.42, width * 0.06, (0, 0, 0, alpha))]


def draw(frame: Frame, box: Box, ground: float, scale: float = 1.0) -> list[Shape]:
    """The prompt's library subjects (and drawn people) composed inside `box`."""
    found = subjects_of(frame.brief)
    rng = frame.rng
    short = min(box.w, box.h) * scale
    mains = [s for s in found.subjects if s.role not in ("prop",)]
    props = [s for s in found.subjects if s.role == "prop" and s.code]
    art: list[Shape] = []
    rider = next((s for s in mains if s.role == "rider"), None)
    mount = next((s for s in mains if s.role == "mount"), None)
    if found.top_view and mains and mains[0].code:
        return _top_view(frame, box, mains[0], scale)
    ground_things = [
        s for s in mains if s.role == "main" and (s.code is None or not _is_sky(s.code))
    ]
    sky_things = [s for s in mains if s.role == "main" and s.code and _is_sky(s.code)]
    slots = ground_things + ([mount] if mount else [])
    if not slots and sky_things:  # only sky things: the first one stands as the subject
        slots, sky_things = sky_things[:1], sky_things[1:]
    n = len(slots)
    if n == 0:
        return art
    size = short * {1: 0.62, 2: 0.46, 3: 0.36}.get(n, 0.3) * VARIANT_SCALES[frame.variant % 3]
    size = min(size, (ground - box.y) * 0.8)  # never cut at the top of the box
    flip = rng.random() < 0.5
    centres = _spread(box, n, rng, frame.variant)
    if n == 1:  # a lone subject stays whole inside the box
        size = min(size, box.w * 0.78, (ground - box.y) * 0.95)
        half = min(size * 0.62, box.w / 2)
        centres = [min(max(centres[0], box.x + half), box.right - half)]
    for subject, cx in zip(slots, centres, strict=True):
        if subject.code is None:
            tall = min(size * 1.5, (ground - box.y) * 0.86)
            feet = ground
            if n == 1 and not sky_things:  # a portrait: framed from the knees, whole across
                tall = box.h * 1.2
                feet = box.y + box.h * 0.1 + tall
                half = tall * 0.3
                cx = min(max(cx, box.x + half), box.right - half)
            art += _person(frame, subject, found.person, cx, feet, tall)
            for prop in props:  # held at the hands
                hold = tall * 0.26
                art.append(vector(frame, prop, cx + tall * 0.1, feet - tall * 0.42, hold))
            continue
        s = size * (1.25 if subject is mount else 1.0)
        if library.name_of(subject.code) in _AFLOAT and frame.brief.has(
            "sea", "ocean", "lake", "harbor", "harbour", "bay", "river", "water"
        ):
            base = box.y + box.h * 0.7  # on the water, not the shore
            art.append(vector(frame, subject, cx, base, s, flip))
            continue
        art += _shadow(frame, cx, ground, s)
        if subject.count > 1:
            spots = (-0.32, 0.32, 0.0) if subject.count != 2 else (-0.24, 0.24)
            for k, dx in enumerate(spots):
                sub = s * (0.7 if k < 2 else 0.8)
                lift = 0.0 if library.category(subject.code) != "plant" else sub * 0.05 * k
                art.append(vector(frame, subject, cx + dx * s, ground - lift, sub, flip ^ (k == 1)))
        else:
            art.append(vector(frame, subject, cx, ground, s, flip))
        if props and subject is slots[0] and not any(x.code is None for x in slots):
            # a held thing ("robot barista": a cup) stands beside the first subject
            px = cx + s * (0.5 if not flip else -0.5)
            art.append(vector(frame, props[0], px, ground, s * 0.4))
        if subject is mount and rider is not None:
            art += _rider(frame, rider, found, cx, ground, s, flip)
    for k, subject in enumerate(sky_things[:2]):
        sx = box.x + box.w * (0.78 - 0.56 * k if not flip else 0.22 + 0.56 * k)
        sy = box.y + box.h * rng.uniform(0.24, 0.34)
        art.append(vector(frame, subject, sx, sy, short * 0.2))
    return art


VARIANT_PLACES = (0.5, 0.34, 0.66)
"""Where a lone subject stands across the box, by the frame's variant (n images differ)."""
VARIANT_SCALES = (1.0, 0.84, 1.12)


def _spread(box: Box, n: int, rng, variant: int = 0) -> list[float]:
    if n <= 1:
        place = VARIANT_PLACES[variant % 3] + rng.uniform(-0.04, 0.04)
        return [box.x + box.w * place]
    span = (0.62 if n == 2 else 0.72) * (1.0, 0.9, 1.08)[variant % 3]
    start = 0.5 - span / 2
    return [box.x + box.w * (start + span * i / (n - 1)) for i in range(n)]


def _rider(frame, rider, found, cx, ground, mount_size, flip) -> list[Shape]:
    """The rider sits on the mount's back: a little behind its middle, a third of its size."""
    back = ground - mount_size * 0.58
    offset = mount_size * (0.06 if not flip else -0.06)
    if rider.code is None:
        return _person(
            frame, rider, found.person, cx + offset, back + mount_size * 0.2, mount_size * 0.7
        )
    return [vector(frame, rider, cx + offset, back, mount_size * 0.5)]


def _person(frame, subject, person, cx, base, height) -> list[Shape]:
    pal, rng = frame.palette, frame.rng
    person = person or matching.Person()
    jacket = person.clothes or subject.color or pal.accent
    outfit = people.random_outfit(rng, jacket, pal.light, mix(pal.dark, (30, 30, 50), 0.3))
    hair = outfit.hair
    if person.old:
        hair = (205, 205, 210)
    glasses = (outfit.glasses or person.old) and not person.child
    height = height * (0.7 if person.child else 1.0)
    outfit = people.Outfit(
        outfit.skin,
        hair,
        outfit.jacket,
        outfit.shirt,
        outfit.trousers,
        outfit.shoes,
        (outfit.long_hair or subject.word in _LONG_HAIR)
        and not person.beard
        and subject.word not in _SHORT_HAIR,
        glasses,
        outfit.scarf,
        person.beard,
        person.expression,
    )
    frame.motifs.add("figure")
    shadow = _shadow(frame, cx, base, height * 0.5)
    return shadow + people.person(cx, base - height, height, outfit, frame.detail)


def _top_view(frame: Frame, box: Box, subject, scale: float) -> list[Shape]:
    """Seen from above: a round table, a placemat, the dish filling it."""
    cx, cy = box.x + box.w / 2, box.y + box.h / 2
    r = min(box.w, box.h) * 0.42 * scale
    wood = mix(frame.palette.bg2, (150, 100, 60), 0.6)
    mat = mix(frame.palette.light, frame.palette.accent, 0.15)
    art: list[Shape] = [
        Ellipse(cx, cy, r * 1.1, r * 1.1, wood),
        Ellipse(cx, cy, r * 0.92, r * 0.92, mat),
    ]
    if frame.detail >= 1:
        art.append(Ellipse(cx + r * 0.04, cy + r * 0.06, r * 0.72, r * 0.72, (0, 0, 0, 50)))
    size = r * 1.5
    art.append(vector(frame, subject, cx, cy + size / 2, size))
    return art
