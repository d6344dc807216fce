"""Composing library subjects in a picture: on the ground line, at a scale, in relation.

One main subject stands large at the centre; several share the ground, grouped
and overlapping a little; a rider sits on its mount; sky things (sun, moon,
balloons, planes) float above the horizon; a top view lays food on a round table
seen from above. Shadows are soft ellipses on the ground at medium quality and
above. Colour words recolour a subject's dominant fills; a silhouette is one ink.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from pixmill.engines.design import prompt
from pixmill.engines.design.brief import Brief
from pixmill.engines.design.layouts.base import Frame
from pixmill.engines.design.palette import NAMED, mix, with_alpha
from pixmill.engines.design.scene import Box, Ellipse, Line, Path, Rect, Shape, Vector
from pixmill.engines.design.subjects import library, matching, people, sizes, worn

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
        "hot air balloon",
        "globe showing europe-africa",
        "globe showing americas",
        "globe showing asia-australia",
        "ringed planet",
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


def sky_things(frame: Frame) -> bool:
    """Whether the prompt names things that fly (a kite, a plane), not the sun or moon."""
    names = [library.name_of(c) for c in subjects_of(frame.brief).codes]
    return any(name in SKY and name not in _BODIES for name in names)


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


@dataclass
class _Place:
    """Where one subject is drawn: its centre, its drawn bottom and its size (the
    library square's side, or a drawn person's height)."""

    subject: matching.Subject
    cx: float
    base: float
    size: float
    flip: bool = False
    order: int = 0
    """Draw order: lower first (a boat's passenger before the boat's hull)."""
    shadow: bool = True
    count: int = 1
    spread: float = 1.0
    """How far apart a herd's copies stand (a bunch in a vase: closer)."""

    @property
    def person(self) -> bool:
        return self.subject.code is None

    def extent(self) -> tuple[float, float, float, float]:
        """The drawn box (left, top, right, bottom) of the subject, copies included."""
        if self.person:
            half = self.size * 0.2 * (1 + _CROWD_STEP * (self.count - 1))
            return self.cx - half, self.base - self.size, self.cx + half, self.base
        assert self.subject.code is not None
        x0, y0, x1, y1 = library.bounds(self.subject.code)
        copy = self.size * _herd_scale(self.count)
        width = copy * (x1 - x0) * (1 + _HERD_STEP * self.spread * (self.count - 1))
        top = self.base - (copy if self.count > 1 else self.size) * (y1 - y0)
        return self.cx - width / 2, top - _herd_rise(self, copy), self.cx + width / 2, self.base

    @property
    def width(self) -> float:
        left, _, right, _ = self.extent()
        return right - left

    @property
    def top(self) -> float:
        return self.extent()[1]


_CROWD_STEP = 0.9
"""People in a group stand this fraction of one figure's width apart."""
_HERD_STEP = 0.72
"""A herd's copies stand this fraction of one's width apart (they overlap a little)."""
_PLACED = frozenset({"on", "in", "under", "over", "in front of", "behind"})
"""Relations that place a subject against another; the rest stand side by side."""
_SURFACE = {"chair": 0.45, "couch and lamp": 0.42, "bed": 0.5, "horse": 0.62, "camel": 0.6}
"""Where a thing's top surface is, as a fraction of its drawn height up from its
bottom (a chair's seat); others are sat on at their top."""
_LANDFORMS = frozenset({"mountain", "snow-capped mountain", "mountain cabin"})
_SAILS = frozenset({"sailboat", "ship", "passenger ship", "ferry", "motor boat", "speedboat"})
_FLOATS = frozenset(
    "hot air balloon|balloon|kite|airplane|helicopter|parachute|flying saucer|bird|dove|eagle|"
    "bat|butterfly|dragon".split("|")
)
"""Things that may hang in the air when the prompt puts them over something."""


def _herd_scale(count: int) -> float:
    return 1.0 if count <= 1 else (0.8 if count == 2 else 0.7 if count == 3 else 0.6)


def _herd_rise(place: _Place, copy: float) -> float:
    return copy * 0.06 if place.count > 2 else 0.0


def draw(frame: Frame, box: Box, ground: float, scale: float = 1.0) -> list[Shape]:
    """The prompt's library subjects (and drawn people) composed inside `box`: side by
    side at their relative sizes, one on, in, under, over, in front of or behind another
    as the prompt relates them, riders on mounts, sky things aloft; the whole group is
    then fitted inside the box, so no subject is cut at its edge."""
    found = subjects_of(frame.brief)
    rng = frame.rng
    short = min(box.w, box.h) * scale
    chosen = [_variant(frame, s) for s in found.subjects]
    mains = [s for s in chosen if s.role not in ("prop",)]
    # mountains after the first subject are the setting's, drawn behind ("a cabin by a
    # lake with mountains"): not a small peak standing beside the cabin
    mains = mains[:1] + [s for s in mains[1:] if library.name_of(s.code or "") not in _LANDFORMS]
    props = [s for s in chosen if s.role == "prop" and s.code]
    rider = next((s for s in mains if s.role == "rider"), None)
    mount = next((s for s in mains if s.role == "mount"), None)
    if found.top_view and mains and mains[0].code:
        return _top_view(frame, box, mains[0], scale)
    by_word = {s.word: s for s in mains if s.role == "main"}
    dependents = [
        s
        for s in mains
        if s.role == "main"
        and s.relation in _PLACED
        and s.to in by_word
        and by_word[s.to].relation not in _PLACED
        and not (by_word[s.to].code and _is_sky(by_word[s.to].code))
        and (s.relation != "over" or _floats(s))
    ]
    # "a mouse holding a sword": the held thing goes to the holder's side, at its scale
    holders = {s.to: s.word for s in mains if s.relation == "holding" and s.to in by_word}
    held = [
        replace(s, relation="held", to=holders[s.word])
        for s in mains
        if s.word in holders and s.relation is None and s not in dependents
    ]
    dependents += held
    placed_words = {s.word for s in dependents}
    free = [s for s in mains if s.role == "main" and s.word not in placed_words]
    ground_things = [s for s in free if s.code is None or not _is_sky(s.code)]
    sky_things = [s for s in free if s.code and _is_sky(s.code)]
    slots = ground_things + ([mount] if mount else [])
    art: list[Shape] = []
    if not slots and not sky_things:
        return art
    flip = rng.random() < 0.5
    places: list[_Place] = []
    if not slots:  # only sky things: the first floats large, the others around it
        first, sky_things = sky_things[0], sky_things[1:]
        room = ground - box.y
        size = min(short * 0.56 * VARIANT_SCALES[frame.variant % 3], room * 0.72, box.w * 0.8)
        cx = box.x + box.w * VARIANT_PLACES[frame.variant % 3]
        if first.count > 1:  # a bunch: smaller copies side by side
            size *= 0.75
        place = _Place(first, cx, 0.0, size, shadow=False, count=first.count)
        place.base = box.y + room * 0.14 + (place.base - place.top)
        places.append(place)
    else:
        places = _ground(frame, box, ground, short, slots, mount, flip)
    anchor = {p.subject.word: p for p in places}
    for subject in dependents:
        target = anchor.get(subject.to or "")
        if target is not None:
            places.append(_relate_to(subject, target, ground, short, rng))
    supports = {p.subject.word: _support_kind(found, p.subject.word) for p in places}
    for p in places:  # a perch lifts its subject off the ground; an ice floe stands proud
        kind = supports[p.subject.word] or ""
        p.base -= (ground - box.y) * {"branch": 0.26, "ice": 0.1, "pad": 0.02}.get(kind, 0)
        p.size *= {"branch": 0.72, "vase": 0.8}.get(kind, 1.0)  # a perched bird is far off
        if kind == "vase":  # the flowers stand in a vase on the ground, bunched
            p.base -= p.size * _VASE
            p.shadow, p.spread = False, 0.68
    _fit(places, box, ground, short)
    for place in sorted(places, key=lambda p: p.order):
        kind = supports[place.subject.word]
        if kind is not None and kind != "vase":
            art += _support(frame, place, kind, box)
        drawn = _emit(frame, place, found, props, rider, mount, ground, slots)
        art += drawn + _accessories(frame, place, drawn)
        if kind == "vase":  # over the stems
            art += _vase(frame, place, found.supports.get(place.subject.word, ""))
    # sky things go to the side the ground group leaves free, above it where there is room
    group = [p.extent() for p in places]
    middle = sum((e[0] + e[2]) / 2 for e in group) / len(group) if group else box.x + box.w / 2
    far = middle < box.x + box.w / 2
    highest = min((e[1] for e in group), default=ground)
    for k, subject in enumerate(sky_things[:2]):
        right = far if k == 0 else not far
        if not group:
            right = (k == 0) ^ flip
        sx = box.x + box.w * (0.78 if right else 0.22)
        size = short * (0.2 if not _floats(subject) else 0.26)
        size = min(size, (ground - box.y) * 0.5)
        sy = box.y + box.h * rng.uniform(0.24, 0.34)
        sy = min(sy, max(box.y + size * 1.05, highest - short * 0.03))  # clear of the group
        sy = max(sy, box.y + size * 1.05)  # whole inside the box
        art.append(vector(frame, subject, sx, sy, size))
        flier = next((p for p in places if p.person), None)
        if flier is not None and library.name_of(subject.code or "") == "kite":
            # the kite's string, from the flier's hand
            hand = (flier.cx + flier.size * 0.12, flier.base - flier.size * 0.45)
            ink = mix(frame.palette.dark, (60, 60, 60), 0.5)
            art.append(Line(*hand, sx, sy - size * 0.2, ink, max(1.0, short * 0.003)))
    return art


_SUPPORTS = {
    "branch": "branch", "bough": "branch", "twig": "branch", "limb": "branch",
    "perch": "branch", "iceberg": "ice", "floe": "ice", "ice": "ice", "glacier": "ice",
    "pad": "pad", "lilypad": "pad", "vase": "vase", "jar": "vase", "pot": "vase",
    "planter": "vase",
}  # fmt: skip
"""Supports the library has no picture of, drawn here under what stands on them."""


def _support_kind(found: matching.Match, word: str) -> str | None:
    noun = found.supports.get(word, "")
    return _SUPPORTS.get(noun.split()[-1]) if noun else None


_VASE = 0.5
"""A vase's height against the size of the flowers in it."""


def _vase(frame: Frame, place: _Place, noun: str) -> list[Shape]:
    """A vase under a bunch of flowers, in the colour the prompt gives it."""
    left, _, right, y = place.extent()
    h = place.size * _VASE
    w = min((right - left) * 0.5, h * 0.8)
    cx = place.cx
    colour = next((NAMED[word] for word in noun.split() if word in NAMED), None)
    body = colour or mix(frame.palette.accent, (60, 90, 160), 0.4)
    outline = (
        ("M", cx - w * 0.5, y),
        ("L", cx + w * 0.5, y),
        ("C", cx + w * 0.4, y + h * 0.25, cx + w * 0.9, y + h * 0.45, cx + w * 0.72, y + h * 0.82),
        ("Q", cx + w * 0.62, y + h, cx + w * 0.36, y + h),
        ("L", cx - w * 0.36, y + h),
        ("Q", cx - w * 0.62, y + h, cx - w * 0.72, y + h * 0.82),
        ("C", cx - w * 0.9, y + h * 0.45, cx - w * 0.4, y + h * 0.25, cx - w * 0.5, y),
        ("Z",),
    )
    return [
        *_shadow(frame, cx, y + h, w * 1.6),
        Path(outline, body),
        Ellipse(cx, y, w * 0.5, w * 0.09, mix(body, (0, 0, 0), 0.35)),
        Ellipse(cx - w * 0.38, y + h * 0.5, w * 0.07, h * 0.22, with_alpha((255, 255, 255), 0.35)),
    ]


def _support(frame: Frame, place: _Place, kind: str, box: Box) -> list[Shape]:
    """A branch reaching in from the picture's edge, an ice floe or a lily pad, under
    the subject's feet."""
    left, _, right, y = place.extent()
    width = right - left
    if kind == "branch":
        t = max(3.0, width * 0.08)
        start = box.x if place.cx > box.x + box.w / 2 or not place.flip else box.right
        end = place.cx + (width * 0.45 if start == box.x else -width * 0.45)
        mid = (start + end) / 2
        bark = mix(frame.palette.dark, (110, 72, 44), 0.7)
        leaf = mix(frame.palette.accent2, (70, 140, 60), 0.7)
        return [
            Path(
                (
                    ("M", start, y - t * 0.7),
                    ("Q", mid, y - t * 1.1, end, y - t * 0.2),
                    ("L", end, y + t * 0.25),
                    ("Q", mid, y + t * 0.9, start, y + t * 1.0),
                    ("Z",),
                ),
                bark,
            ),
            Ellipse(end, y - t * 0.6, t * 1.5, t * 0.7, leaf),
            Ellipse(mid, y + t * 1.0, t * 1.4, t * 0.65, mix(leaf, (0, 0, 0), 0.15)),
        ]
    if kind == "ice":
        h = max(min(box.w, box.h) * 0.07, (box.bottom - y) * 0.6)
        half = width * 0.7
        top = (240, 248, 255)
        return [
            Path(
                (
                    ("M", place.cx - half, y),
                    ("L", place.cx + half, y),
                    ("L", place.cx + half * 0.86, y + h),
                    ("L", place.cx - half * 0.8, y + h * 0.9),
                    ("Z",),
                ),
                (196, 222, 240),
            ),
            Rect(place.cx - half, y - h * 0.08, half * 2, h * 0.2, top, h * 0.06),
        ]
    rx = width * 0.62
    pad = mix(frame.palette.accent2, (70, 150, 70), 0.75)
    return [
        Ellipse(place.cx, y, rx, rx * 0.24, mix(pad, (0, 40, 60), 0.35)),
        Ellipse(place.cx, y - rx * 0.03, rx * 0.96, rx * 0.2, pad),
    ]


def _variant(frame: Frame, subject: matching.Subject) -> matching.Subject:
    """The seed's drawing of a generic subject ("a car": side on or coming at us)."""
    options = matching.variants(subject)
    if len(options) < 2:
        return subject
    return replace(subject, code=options[frame.variant % len(options)])


def _floats(subject: matching.Subject) -> bool:
    return bool(subject.code) and bool(_FLOATS & set(library.names_of(subject.code or "")))


def _ground(frame, box, ground, short, slots, mount, flip) -> list[_Place]:
    """The subjects standing on the ground, left to right at their relative sizes."""
    n = len(slots)
    base = short * {1: 0.62, 2: 0.5, 3: 0.42}.get(n, 0.36) * VARIANT_SCALES[frame.variant % 3]
    heights = [sizes.height(s.code) * s.scale for s in slots]
    if mount is not None:  # a mount carries its rider: it sets the scale
        top = max(heights)
        heights = [h if s is not mount else top for h, s in zip(heights, slots, strict=True)]
    rel = sizes.relative(heights)
    room = ground - box.y
    places: list[_Place] = []
    for subject, r in zip(slots, rel, strict=True):
        if subject.code is None:
            portrait = n == 1 and frame.brief.has("portrait", "headshot", "bust")
            tall = box.h * 1.2 if portrait else min(base * r * 1.45, room * 0.88)
            place = _Place(subject, 0.0, ground, tall, shadow=not portrait, count=subject.count)
            if portrait:  # framed from the knees on purpose
                place.base = box.y + box.h * 0.1 + tall
        else:
            size = base * r * (1.25 if subject is mount else 1.0)
            _, y0, _, y1 = library.bounds(subject.code)
            size = min(size, room * 0.88 / max(0.2, y1 - y0))
            lone_flip = flip ^ (len(places) % 2 == 1)
            place = _Place(subject, 0.0, ground, size, lone_flip, count=subject.count)
            if library.name_of(subject.code) in _AFLOAT and frame.brief.has(
                "sea", "ocean", "lake", "harbor", "harbour", "bay", "river", "water"
            ):
                place.base = box.y + box.h * 0.7  # on the water, not the shore
                place.shadow = False
        places.append(place)
    if n > 1 and frame.variant % 2 == 1:  # the seed also orders the group
        places.reverse()
    gap = short * 0.03
    total = sum(p.width for p in places) + gap * (n - 1)
    if n == 1:
        centre = box.x + box.w * VARIANT_PLACES[frame.variant % 3]
        centre += frame.rng.uniform(-0.04, 0.04) * box.w
        if "element:fireplace" in frame.motifs:  # beside the fire (scenery puts it aside)
            fire_left = VARIANT_PLACES[frame.variant % 3] >= 0.5
            centre = box.x + box.w * (0.7 if fire_left else 0.3)
            for place in places:
                place.size *= 0.85
    else:
        centre = box.x + box.w * (0.5 + frame.rng.uniform(-0.05, 0.05))
    x = centre - total / 2
    for place in places:
        w = place.width
        place.cx = x + w / 2
        x += w + gap
    return places


def _relate_to(subject, target: _Place, ground: float, short: float, rng) -> _Place:
    """A subject placed against the one it relates to ("a cat on a chair")."""
    boat = library.name_of(target.subject.code) if target.subject.code else ""
    if subject.relation == "in" and subject.code is None and boat in _SAILS:
        # a person in a boat: an open boat, so no sail hides them
        target.subject = matching.Subject(target.subject.word, library.lookup("canoe"))
    own = sizes.height(subject.code) * subject.scale
    other = sizes.height(target.subject.code) * target.subject.scale
    ratio = sizes.relative([other, own])
    size = target.size * ratio[1] / ratio[0]
    if target.person:
        size = target.size * 0.6 * ratio[1] / ratio[0]
    left, top, right, bottom = target.extent()
    tw, th = right - left, bottom - top
    place = _Place(subject, target.cx, target.base, size, target.flip, count=subject.count)
    rel = subject.relation
    side = 1 if rng.random() < 0.5 else -1
    if rel == "on":
        surface = _SURFACE.get(library.name_of(target.subject.code or ""), 1.0)
        place.size = min(size, _fit_width(subject, tw * 0.8))
        place.base = bottom - th * surface + place.size * 0.04
        place.order, place.shadow = target.order + 1, False
    elif rel == "in":
        # a passenger in a boat: the hull hides the legs, so it is drawn first
        place.size = min(size, tw * 0.75 if place.person else _fit_width(subject, tw * 0.6))
        place.base = bottom - th * 0.4
        place.order, place.shadow = target.order - 1, False
    elif rel == "under":
        place.size = min(size, _fit_height(subject, th * 0.55))
        place.cx = target.cx + side * tw * 0.12
        place.order = target.order + 1
    elif rel == "over":
        place.size = min(size, _fit_width(subject, tw * 0.9))
        place.base = top - short * 0.05
        place.cx = target.cx + side * tw * 0.18
        place.order, place.shadow = target.order + 1, False
    elif rel == "in front of":
        target.base = ground - short * 0.06  # the one behind stands further back
        place.cx = target.cx + side * tw * 0.28
        place.order = target.order + 1
    elif rel == "held":
        place.size = min(size, _fit_height(subject, th * 0.5))
        looks = library.facing(target.subject.code) if target.subject.code else 1
        place.cx = target.cx + (-looks if target.flip else looks) * tw * 0.3  # at its front
        place.base = bottom - th * 0.18
        if looks == 0:  # a face looking at us: the thing beside it
            place.cx, place.base = target.cx + side * tw * 0.58, bottom - th * 0.05
        place.order, place.shadow = target.order + 1, False
    elif rel == "behind":
        place.base = ground - short * 0.06
        place.cx = target.cx + side * tw * 0.3
        place.order = target.order - 1
    return place


def _fit_width(subject, width: float) -> float:
    """The square size at which a library subject's drawing is `width` wide."""
    if subject.code is None:
        return width / 0.4
    x0, _, x1, _ = library.bounds(subject.code)
    return width / max(0.2, x1 - x0)


def _fit_height(subject, height: float) -> float:
    if subject.code is None:
        return height
    _, y0, _, y1 = library.bounds(subject.code)
    return height / max(0.2, y1 - y0)


def _fit(places: list[_Place], box: Box, ground: float, short: float) -> None:
    """Scale and shift the group so every subject lies inside the box, a margin in."""
    framed = [p for p in places if p.shadow or not p.person or p.base <= box.bottom]
    if not framed:
        return
    margin = short * 0.03
    extents = [p.extent() for p in framed if not (p.person and p.size > box.h)]
    if not extents:
        return
    left = min(e[0] for e in extents)
    top = min(e[1] for e in extents)
    right = max(e[2] for e in extents)
    bottom = max(e[3] for e in extents)
    ax = (left + right) / 2
    ay = min(bottom, box.bottom - margin)
    factor = min(
        1.0,
        (box.w - 2 * margin) / max(1.0, right - left),
        (ay - box.y - margin) / max(1.0, ay - top),
    )
    width = (right - left) * factor
    centre = min(max(ax, box.x + margin + width / 2), box.right - margin - width / 2)
    lift = max(0.0, bottom - (box.bottom - margin))
    for p in places:
        if p.person and p.size > box.h:
            continue  # a knee-up portrait is framed on purpose
        p.cx = centre + (p.cx - ax) * factor
        p.base = ay + (p.base - lift - ay) * factor if lift else ay + (p.base - ay) * factor
        p.size *= factor


def _emit(frame, place: _Place, found, props, rider, mount, ground, slots) -> list[Shape]:
    subject = place.subject
    art: list[Shape] = []
    if place.person:
        step = place.size * 0.4 * _CROWD_STEP
        for k in range(place.count):  # a group: each figure dressed by the seed
            dx = (k - (place.count - 1) / 2) * step
            tall = _figure_height(place, k)
            art += _person(frame, subject, found.person, place.cx + dx, place.base, tall,
                           place.shadow, k)  # fmt: skip
        for prop in props:  # held at the hands
            hold = place.size * 0.26
            art.append(vector(frame, prop, place.cx + place.size * 0.1,
                              place.base - place.size * 0.42, hold))  # fmt: skip
        return art
    s = place.size
    if place.shadow:
        art += _shadow(frame, place.cx, place.base, min(s, place.width * 1.1))
    if place.count > 1:
        copy = s * _herd_scale(place.count)
        x0, _, x1, _ = library.bounds(subject.code)
        step = copy * (x1 - x0) * _HERD_STEP * place.spread
        offsets = [(k - (place.count - 1) / 2) * step for k in range(place.count)]
        # the middle ones stand a little further back, so every one is seen
        order = sorted(range(place.count), key=lambda k: -abs(offsets[k]))
        for k in reversed(order) if place.count == 2 else order:
            back = _herd_rise(place, copy) * (1 - abs(offsets[k]) / max(1.0, max(offsets)))
            size = copy * (0.94 if back else 1.0)
            x = place.cx + offsets[k]
            art.append(vector(frame, subject, x, place.base - back, size, place.flip ^ (k % 2)))
    else:
        art.append(vector(frame, subject, place.cx, place.base, s, place.flip))
    if props and subject is slots[0] and not any(x.code is None for x in slots):
        # a held thing ("robot barista": a cup) stands beside the first subject
        px = place.cx + s * (0.5 if not place.flip else -0.5)
        art.append(vector(frame, props[0], px, place.base, s * 0.4))
    if subject is mount and rider is not None:
        art += _rider(frame, rider, found, place.cx, place.base, s, place.flip)
    return art


_FAMILIES = frozenset({"family", "families", "parents"})


def _figure_height(place: _Place, k: int) -> float:
    """The k-th figure's height in a group: alternately a little shorter; in a family,
    the figures after the first two are children."""
    if place.subject.word in _FAMILIES and k >= 2:
        return place.size * (0.58 if k % 2 == 0 else 0.52)
    return place.size * (1.0 if k % 2 == 0 else 0.94)


def _accessories(frame: Frame, place: _Place, drawn: list[Shape]) -> list[Shape]:
    """What the prompt says the subject wears, on each drawn copy's head ("a dog
    wearing sunglasses"); the checklist reads them back from these layers."""
    items = [w for w in _worn(frame.brief.lowered) if w.wearer == place.subject.word]
    if not items:
        return []
    out: list[Shape] = []
    for item in items:
        if place.person:
            if item.name == "scarf":
                frame.motifs.add("worn:scarf")
                continue  # the figure's own scarf, drawn by _person
            person = subjects_of(frame.brief).person
            child = 0.7 if person and person.child else 1.0
            step = place.size * 0.4 * _CROWD_STEP
            for k in range(place.count):  # the figures _emit draws, at their heads
                dx = (k - (place.count - 1) / 2) * step
                u = _figure_height(place, k) * child / 8.0
                top = place.base - u * 8.0
                wide = 1.3 if item.at == "head" else 0.8  # a hat's brim outspans the hair
                out += worn.draw_at(item, place.cx + dx, top - u * 0.05, wide * u, u, 0)
        elif item.name in worn.BUILT_IN.get(library.name_of(place.subject.code or ""), ()):
            frame.motifs.add(f"worn-in:{item.name}")  # the drawing wears its own
            continue
        else:
            for v in drawn:
                if isinstance(v, Vector) and v.code == place.subject.code:
                    out += worn.draw_on(item, v)
        frame.motifs.add(f"worn:{item.name}")
    return out


@lru_cache(maxsize=256)
def _worn(text: str) -> tuple[worn.Worn, ...]:
    return tuple(worn.worn(text))


VARIANT_PLACES = (0.5, 0.36, 0.64)
"""Where a lone subject stands across the box, by the frame's variant (n images differ)."""
VARIANT_SCALES = (1.0, 0.86, 1.1)


def _rider(frame, rider, found, cx, ground, mount_size, flip) -> list[Shape]:
    """The rider sits on the mount's back: a little behind its middle, a third of its size."""
    back = ground - mount_size * 0.58
    offset = mount_size * (0.06 if not flip else -0.06)
    if rider.code is None:
        return _person(
            frame, rider, found.person, cx + offset, back + mount_size * 0.2, mount_size * 0.7
        )
    return [vector(frame, rider, cx + offset, back, mount_size * 0.5)]


def _person(
    frame, subject, person, cx, base, height, shadow: bool = True, nth: int = 0
) -> list[Shape]:
    pal, rng = frame.palette, frame.rng
    person = person or matching.Person()
    jacket = person.clothes or subject.color or pal.accent
    if nth and not (person.clothes or subject.color):  # a group dresses differently
        jacket = (pal.accent2, mix(pal.accent, (40, 60, 120), 0.5), mix(pal.accent2, pal.dark, 0.4),
                  mix(pal.accent, (200, 80, 60), 0.6))[(nth - 1) % 4]  # fmt: skip
    scarf = None
    for item in _worn(frame.brief.lowered):
        if item.wearer == subject.word and item.name == "scarf":
            scarf = item.colour or pal.accent2
            if not (person.clothes or subject.color):  # a coat the scarf stands out on
                jacket = mix(pal.dark, (70, 80, 95), 0.5)
    outfit = people.random_outfit(rng, jacket, pal.light, mix(pal.dark, (30, 30, 50), 0.3))
    scarf = scarf or outfit.scarf
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
        glasses and not any(w.at == "eyes" for w in _worn(frame.brief.lowered)),
        scarf,
        person.beard,
        person.expression,
    )
    frame.motifs.add("figure")
    under = _shadow(frame, cx, base, height * 0.5) if shadow else []
    return under + people.person(cx, base - height, height, outfit, frame.detail)


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
