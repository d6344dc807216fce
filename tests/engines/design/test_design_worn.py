"""Worn accessories, checked on the drawn layers: "a dog wearing sunglasses" puts the
sunglasses on the dog's head, at its scale, and the checklist says so."""

from __future__ import annotations

import pytest

from pixmill.engines.design.palette import NAMED
from pixmill.engines.design.scene import Ellipse, Group, Path, Rect, Vector, vectors
from pixmill.engines.design.subjects import library, matching


def _drawn(v: Vector) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = library.bounds(v.code)
    if v.flip:
        x0, x1 = 1 - x1, 1 - x0
    return v.x + v.size * x0, v.y + v.size * y0, v.x + v.size * x1, v.y + v.size * y1


def _flat(items) -> list:
    out: list = []
    for item in items:
        out += _flat(item.items) if isinstance(item, Group) else [item]
    return out


@pytest.mark.parametrize(
    ("text", "wearer", "thing", "at"),
    [
        ("a dog wearing sunglasses", "dog", "sunglasses", "eyes"),
        ("a cat in a hat", "cat", "top hat", "head"),
        ("a bear wearing a crown in the forest", "bear", "crown", "head"),
        ("an owl with glasses on a branch", "owl", "glasses", "eyes"),
        ("two dogs wearing sunglasses in a park", "dog", "sunglasses", "eyes"),
    ],
)
def test_a_worn_thing_sits_on_the_wearers_head_at_its_scale(
    engine, make_spec, text, wearer, thing, at
):
    design = engine.design(make_spec(text, 512, 512))
    art = vectors(design.scene.art)
    kind = set(matching.variants(next(s for s in matching.match(wearer).subjects if s.code)))
    wearers = [_drawn(v) for v in art if v.code in kind]
    worn = [_drawn(v) for v in art if v.code == library.lookup(thing)]
    assert wearers and len(worn) == len(wearers), [library.name_of(v.code) for v in art]
    for w in worn:  # each copy wears one, on its upper part, smaller than it
        cx, cy = (w[0] + w[2]) / 2, (w[1] + w[3]) / 2
        box = next(b for b in wearers if b[0] <= cx <= b[2])
        height, width = box[3] - box[1], box[2] - box[0]
        assert w[2] - w[0] < width * 0.9
        if at == "head":  # on the top: its bottom within the wearer's upper third
            assert box[1] < w[3] < box[1] + height / 3
        else:
            assert box[1] < cy < box[1] + height * (0.75 if at == "neck" else 0.5)
    entry = next(e for e in design.checklist if e["kind"] == "worn")
    assert entry == {"kind": "worn", "item": f"{thing} on {wearer}", "status": "drawn"}


def test_a_worn_thing_is_not_drawn_beside_the_wearer(engine, make_spec):
    for text in ("a cat in a hat", "a girl in a red scarf and a hat"):
        art = vectors(engine.design(make_spec(text, 512, 512)).scene.art)
        hats = [_drawn(v) for v in art if library.name_of(v.code) == "top hat"]
        assert len(hats) == 1
        assert hats[0][2] - hats[0][0] < 512 * 0.2, text  # worn, not a hat as big as a cat


@pytest.mark.parametrize(
    ("text", "wearer", "thing", "pieces"),
    [
        ("a penguin wearing a red bow tie", "penguin", "bow tie", 2),
        ("a fox with a red scarf in the snow", "fox", "scarf", 1),
        ("a rabbit wearing a red necktie", "rabbit", "necktie", 1),
    ],
)
def test_a_drawn_neckpiece_is_at_the_neck_in_its_colour(
    engine, make_spec, text, wearer, thing, pieces
):
    design = engine.design(make_spec(text, 512, 512))
    [box] = [_drawn(v) for v in vectors(design.scene.art)
             if library.name_of(v.code) == wearer]  # fmt: skip
    red = [p for p in _flat(design.scene.art)
           if isinstance(p, Path | Rect) and p.fill == NAMED["red"]]  # fmt: skip
    assert len(red) == pieces  # a bow's two wings; a scarf's band; a tie's blade
    for p in red:
        if isinstance(p, Rect):
            xs, ys = [p.x, p.x + p.w], [p.y, p.y + p.h]
        else:
            xs = [c[1] for c in p.commands if len(c) == 3]
            ys = [c[2] for c in p.commands if len(c) == 3]
        assert box[0] < min(xs) and max(xs) < box[2]  # on the wearer, narrower than it
        assert box[1] + (box[3] - box[1]) * 0.2 < min(ys) and max(ys) <= box[3] + 1
    entry = {"kind": "worn", "item": f"{thing} on {wearer}", "status": "drawn"}
    assert entry in design.checklist


def test_a_persons_hat_sits_on_their_head(engine, make_spec):
    design = engine.design(make_spec("a woman wearing a hat in a park", 512, 512))
    flat = _flat(design.scene.art)
    faces = [e for e in flat
             if isinstance(e, Ellipse) and e.ry and abs(e.rx / e.ry - 34 / 47) < 0.01]  # fmt: skip
    [hat] = [_drawn(v) for v in vectors(design.scene.art) if library.name_of(v.code) == "top hat"]
    [face] = faces
    assert hat[0] < face.cx < hat[2]
    assert face.cy - face.ry * 1.6 < hat[3] < face.cy  # its bottom on the top of the head
    assert hat[2] - hat[0] < face.rx * 6


def test_each_of_several_wearers_wears_one(engine, make_spec):
    design = engine.design(make_spec("three men wearing hats", 512, 512))
    faces = [e for e in _flat(design.scene.art)
             if isinstance(e, Ellipse) and e.ry and abs(e.rx / e.ry - 34 / 47) < 0.01]  # fmt: skip
    hats = [_drawn(v) for v in vectors(design.scene.art) if library.name_of(v.code) == "top hat"]
    assert len(faces) == len(hats) == 3
    for face in faces:  # one hat over each head
        assert sum(h[0] < face.cx < h[2] and h[3] < face.cy for h in hats) == 1


def test_a_drawing_that_wears_its_own_adds_none(engine, make_spec):
    design = engine.design(make_spec("a snowman with a scarf and a hat", 512, 512))
    names = [library.name_of(v.code) for v in vectors(design.scene.art)]
    assert "snowman" in names and "top hat" not in names  # its own hat, not a second
    worn = [e for e in design.checklist if e["kind"] == "worn"]
    assert worn and all(e["status"] == "drawn" for e in worn)
