"""What the prompt asked and whether the picture shows it, read from the drawn scene.

One entry per asked element: each subject (thing or person), worn accessory ("a dog
wearing sunglasses": "sunglasses on dog"), colour word, mood,
season, weather, time of day, indoors setting and quoted string. Its `status` is
"drawn" when the scene's layers hold it (a library vector with the subject's code, a
drawn figure, a fill near the colour, the weather's layer, a text block that sets the
string), "not drawn" when the engine could draw it but this picture does not, and
"not drawable" when nothing in the engine draws it. It goes in the picture's
metadata under `"checklist"`.
"""

from __future__ import annotations

from pixmill.engines.design import prompt
from pixmill.engines.design.brief import Brief
from pixmill.engines.design.layouts import stage, walls
from pixmill.engines.design.palette import NAMED
from pixmill.engines.design.scene import (
    Ellipse,
    Group,
    Line,
    LinearGradient,
    Path,
    RadialGradient,
    Rect,
    Scene,
    Vector,
    vectors,
)
from pixmill.engines.design.subjects import library, matching, worn
from pixmill.engines.design.typeset import plain_quotes

Entry = dict[str, str]
_NEAR = 70.0  # RGB distance at which a fill shows a colour word


def checklist(brief: Brief, scene: Scene, motifs: frozenset[str]) -> list[Entry]:
    parsed = prompt.parse(brief.marked or brief.lowered)
    out: list[Entry] = []
    drawn_codes = {v.code for v in vectors(scene.art) + vectors(scene.background)}
    found = stage.subjects_of(brief).subjects
    for phrase in parsed.things:
        if f"element:{phrase.text}" in motifs or f"element:{phrase.head}" in motifs:
            status = "drawn"  # a named design element: a QR code, a chart
        elif phrase.head == "wall" and "setting:wall" in motifs:
            status = "drawn"  # "against a brick wall": the wall is the backdrop
        elif phrase.role == "person":
            status = "drawn" if "figure" in motifs else "not drawn"
        else:
            words = set(phrase.words)
            subject = next((s for s in found if words & set(s.word.split())), None)
            if phrase.head in matching.gear_of(drawn_codes):
                status = "drawn"  # "a cyclist riding a bicycle": the cyclist's own bicycle
            elif subject is None or subject.code is None:
                status = "not drawable"
            else:
                shown = set(matching.variants(subject)) & drawn_codes
                status = "drawn" if shown else "not drawn"
        out.append({"kind": "subject", "item": phrase.text, "status": status})
    for item in worn.worn(brief.marked or brief.lowered):
        code = library.lookup(item.name) if item.name not in worn.DRAWN_HERE else None
        # drawn from shapes (a bow tie, a scarf): the stage's mark says so
        shown = code in drawn_codes if code is not None else f"worn:{item.name}" in motifs
        shown = shown or f"worn-in:{item.name}" in motifs  # the snowman's own hat
        status = "drawn" if shown else "not drawn"
        out.append({"kind": "worn", "item": f"{item.name} on {item.lemma}", "status": status})
    fills = _fills(scene)
    for word in parsed.colours:
        status = "drawn" if _near(NAMED[word], fills) else "not drawn"
        out.append({"kind": "colour", "item": word, "status": status})
    for kind, value in (
        ("season", parsed.season),
        ("weather", parsed.weather),
        ("time", parsed.time),
    ):
        if value is None:
            continue
        shown = any(m.startswith(f"{kind}:") for m in motifs)
        status = "drawn" if shown else ("not drawn" if brief.genre == "scene" else "not drawable")
        out.append({"kind": kind, "item": value, "status": status})
    if parsed.indoors:
        rooms = ("interior", "kitchen", "bathroom", "greenhouse")
        inside = any(f"setting:{r}" in motifs for r in rooms) or "sofa_room" in motifs
        status = "drawn" if inside else "not drawn"
        out.append({"kind": "setting", "item": "indoors", "status": status})
    room = walls.named(brief)
    if room is not None:  # a wall or a room drawn behind the subject
        status = "drawn" if f"setting:{room[0]}" in motifs else "not drawn"
        out.append({"kind": "setting", "item": room[1], "status": status})
    for mood in parsed.moods:
        out.append({"kind": "mood", "item": mood, "status": "drawn"})  # it sets the palette
    set_text = plain_quotes(" ".join(block.text for block in scene.blocks))
    for quote in brief.quotes:
        status = "drawn" if plain_quotes(quote.text) in set_text else "not drawn"
        out.append({"kind": "text", "item": quote.text, "role": quote.role, "status": status})
    return out


def _fills(scene: Scene) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []

    def add(fill) -> None:
        if isinstance(fill, LinearGradient | RadialGradient):
            for c in fill.colors:
                add(c)
        elif isinstance(fill, tuple) and len(fill) >= 3 and (len(fill) == 3 or fill[3] > 60):
            out.append((int(fill[0]), int(fill[1]), int(fill[2])))

    def walk(shape) -> None:
        if isinstance(shape, Group):
            for item in shape.items:
                walk(item)
        elif isinstance(shape, Rect | Ellipse | Path):
            add(shape.fill)
            if isinstance(shape, Path) and shape.stroke is not None:
                add(shape.stroke)
        elif isinstance(shape, Line):
            add(shape.color)
        elif isinstance(shape, Vector):
            for _, new in shape.recolor:
                add(_hex(new))

    for shape in scene.background + scene.art:
        walk(shape)
    for plate in scene.plates:
        walk(plate)
    for line in scene.text:
        add(line.fill)
    return out


def _hex(text: str) -> tuple[int, int, int] | None:
    text = text.lstrip("#")
    if len(text) < 6:
        return None
    try:
        return (int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16))
    except ValueError:
        return None


def _near(colour: tuple[int, int, int], fills: list[tuple[int, int, int]]) -> bool:
    return any(
        sum((a - b) ** 2 for a, b in zip(colour, f, strict=False)) ** 0.5 < _NEAR for f in fills
    )
