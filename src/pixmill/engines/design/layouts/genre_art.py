"""Art that fits a design's text: emblems and vignettes of the prompt's subjects.

A design draws what its prompt names (a wolf on an esports logo, mountains and
pines on a beer label). When the prompt names nothing drawable, an occasion word
picks fitting defaults (a birthday: balloons and a cake); else the caller falls
back to typographic or abstract art.
"""

from __future__ import annotations

from pixmill.engines.design.layouts import stage
from pixmill.engines.design.layouts.base import Frame
from pixmill.engines.design.palette import luminance, mix
from pixmill.engines.design.scene import Box, Ellipse, Shape, Vector
from pixmill.engines.design.subjects import library, matching

OCCASIONS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("birthday", "bday"), ("balloon", "birthday cake")),
    (("wedding", "engagement", "anniversary"), ("ring", "bouquet")),
    (("christmas", "xmas", "holiday", "holidays"), ("christmas tree", "wrapped gift")),
    (("halloween", "spooky"), ("jack-o-lantern", "ghost")),
    (("graduation", "graduate"), ("graduation cap", "scroll")),
    (("baby", "shower"), ("baby bottle", "teddy bear")),
    (("valentine", "valentines"), ("red heart", "rose")),
    (("easter",), ("rabbit", "egg")),
    (("party", "celebration", "celebrate"), ("party popper", "balloon")),
    (("beer", "brewery", "brewing", "ale"), ("beer mug",)),
    (("coffee", "cafe", "café", "roastery"), ("hot beverage",)),
    (("wine", "winery", "vineyard"), ("wine glass", "grapes")),
    (("honey",), ("honey pot", "honeybee")),
    (("music", "concert", "jazz", "band", "gig"), ("musical notes", "guitar")),
    (("podcast", "radio"), ("studio microphone",)),
    (("fitness", "gym", "workout"), ("flexed biceps",)),
    (("travel", "vacation", "trip"), ("airplane", "beach with umbrella")),
    (("tech", "software", "startup", "cloud", "data", "ai"), ("laptop",)),
)


def subjects(frame: Frame, *, occasions: bool = True) -> list[matching.Subject]:
    """The prompt's drawable subjects (people left out), else its occasion's defaults."""
    found = [s for s in stage.subjects_of(frame.brief).subjects if s.code]
    if found or not occasions:
        return found
    for words, names in OCCASIONS:
        if frame.brief.has(*words):
            codes = [library.lookup(name) for name in names]
            return [matching.Subject(n, c) for n, c in zip(names, codes, strict=True) if c]
    return []


def emblem(frame: Frame, cx: float, cy: float, r: float) -> list[Shape] | None:
    """The first subject in a disc, up to two more small beside it; None without one."""
    found = [s for s in subjects(frame, occasions=False) if s.role != "prop"]
    if not found:
        return None
    pal = frame.palette
    disc = mix(pal.accent, pal.light, 0.55 if luminance(pal.accent) < 0.5 else 0.2)
    art: list[Shape] = [Ellipse(cx, cy, r, r, pal.accent), Ellipse(cx, cy, r * 0.9, r * 0.9, disc)]
    main = found[0]
    size = r * 1.3
    art.append(stage.vector(frame, main, cx, cy + size * 0.45, size))
    for k, extra in enumerate(found[1:3]):
        side = -1 if k == 0 else 1
        small = r * 0.75
        art.append(stage.vector(frame, extra, cx + side * r * 0.62, cy + r * 0.72, small))
    return art


def vignette(frame: Frame, box: Box, *, occasions: bool = True) -> list[Shape]:
    """The subjects standing in a row along the box's foot, no background."""
    found = [s for s in subjects(frame, occasions=occasions) if s.role != "prop"][:3]
    if not found:
        return []
    art: list[Shape] = []
    n = len(found)
    size = min(box.h, box.w / n * 0.95)
    for i, subject in enumerate(found):
        cx = box.x + box.w * (i + 0.5) / n
        if subject.count > 1 or subject.word == "balloon":
            for k, dx in enumerate((-0.25, 0.0, 0.25)):
                lift = size * (0.12 if k == 1 else 0.0)
                art.append(
                    stage.vector(frame, subject, cx + dx * size, box.bottom - lift, size * 0.7)
                )
        else:
            art.append(stage.vector(frame, subject, cx, box.bottom, size))
    return art


def icon(frame: Frame, text: str, cx: float, cy: float, size: float) -> Vector | None:
    """A library icon for a list item's words ("Water daily" -> a droplet), if any."""
    found = matching.match(text.lower(), limit=1)
    if not found.codes:
        return None
    subject = matching.Subject(found.subjects[0].word, found.codes[0])
    return stage.vector(frame, subject, cx, cy + size / 2, size)
