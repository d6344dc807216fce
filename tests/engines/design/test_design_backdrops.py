"""Walls and rooms as a scene's backdrop, checked on the drawn layers: a named brick,
stone or wooden wall, a kitchen, a bathroom or a greenhouse is drawn behind the
subject as its pattern (bricks, tiles, glazing), and the checklist says so."""

from __future__ import annotations

import pytest

from pixmill.engines.design.scene import Ellipse, Group, Line, Path, Rect, vectors
from pixmill.engines.design.subjects import library, matching


def _flat(items) -> list:
    out: list = []
    for item in items:
        out += _flat(item.items) if isinstance(item, Group) else [item]
    return out


def _cells(item: Path) -> int:
    """How many closed cells (bricks, tiles, stones) one path draws."""
    return sum(1 for c in item.commands if c[0] == "Z")


def _pattern(background, cells: int) -> list[Path]:
    return [p for p in _flat(background) if isinstance(p, Path) and _cells(p) >= cells]


@pytest.mark.parametrize(
    ("text", "subject", "item"),
    [
        ("a bicycle against a brick wall", "bicycle", "brick wall"),
        ("a cat sitting by a stone wall at sunset", "cat", "stone wall"),
        ("a dog in front of a red brick wall", "dog", "brick wall"),
    ],
)
def test_a_named_wall_is_a_pattern_across_the_picture_behind_the_subject(
    engine, make_spec, text, subject, item
):
    design = engine.design(make_spec(text, 512, 512))
    patterns = _pattern(design.scene.background, 12)
    assert patterns, "no brick or stone courses drawn"
    xs = [c[1] for p in patterns for c in p.commands if len(c) == 3]
    ys = [c[2] for p in patterns for c in p.commands if len(c) == 3]
    assert min(xs) <= 512 * 0.05 and max(xs) >= 512 * 0.95  # wall to wall
    assert min(ys) <= 512 * 0.05  # up to the top: no meadow behind it
    kind = set(matching.variants(next(s for s in matching.match(subject).subjects if s.code)))
    assert kind & {v.code for v in vectors(design.scene.art)}  # the subject, before the wall
    assert {"kind": "setting", "item": item, "status": "drawn"} in design.checklist
    assert {"kind": "subject", "item": item, "status": "drawn"} in design.checklist


def test_a_wooden_wall_is_boards_with_seams(engine, make_spec):
    design = engine.design(make_spec("a fox by a wooden wall at night", 512, 512))
    lines = [x for x in _flat(design.scene.background) if isinstance(x, Line)]
    seams = [x for x in lines if abs(x.x0 - x.x1) < 1 and abs(x.y1 - x.y0) > 512 * 0.6]
    assert len(seams) >= 5


@pytest.mark.parametrize(
    ("text", "room", "cells"),
    [
        ("a cat in a kitchen", "kitchen", 20),
        ("a robot cooking in a kitchen", "kitchen", 20),
        ("a duck in a bathroom", "bathroom", 60),
        ("a robot in a greenhouse", "greenhouse", 20),  # its floor tiles
    ],
)
def test_a_named_room_is_tiled_and_furnished(engine, make_spec, text, room, cells):
    design = engine.design(make_spec(text, 512, 512))
    assert _pattern(design.scene.background, cells), text
    assert {"kind": "setting", "item": room, "status": "drawn"} in design.checklist
    assert {"kind": "setting", "item": "indoors", "status": "drawn"} in design.checklist


def test_a_greenhouse_is_glazed_with_a_pitched_roof(engine, make_spec):
    design = engine.design(make_spec("a robot in a greenhouse", 512, 512))
    lines = [x for x in _flat(design.scene.background) if isinstance(x, Line)]
    upright = [x for x in lines if abs(x.x0 - x.x1) < 1 and abs(x.y1 - x.y0) > 512 * 0.3]
    level = [x for x in lines if abs(x.y0 - x.y1) < 1 and abs(x.x1 - x.x0) > 512 * 0.9]
    rafters = [x for x in lines if abs(x.x0 - x.x1) > 10 and abs(x.y0 - x.y1) > 10]
    assert len(upright) >= 5 and len(level) >= 3 and len(rafters) >= 4
    assert any(r.y0 < 512 * 0.05 for r in rafters)  # meeting at the ridge, at the top
    # plants show through the glass: green foliage behind the glazing
    assert "potted plant" in {library.name_of(v.code) for v in vectors(design.scene.background)}


def test_a_wall_clock_is_a_clock_not_a_wall(engine, make_spec):
    design = engine.design(make_spec("a wall clock on a table", 512, 512))
    assert not _pattern(design.scene.background, 40)
    assert not any(e["kind"] == "setting" and "wall" in e["item"] for e in design.checklist)
    assert isinstance(design.scene.background[0], Group | Rect)


def test_a_kitchens_named_window_and_stove_are_drawn(engine, make_spec):
    text = "a kitchen with a kettle on the stove and a plant by the window"
    design = engine.design(make_spec(text, 512, 512))
    flat = _flat(design.scene.background)
    skies = [r for r in flat if isinstance(r, Rect) and not isinstance(r.fill, tuple)
             and r.y < 512 * 0.1 and r.w < 512 * 0.6]  # fmt: skip
    assert skies  # the window's glass shows the sky between the cupboards
    rings = [e for e in flat if isinstance(e, Ellipse) and e.fill == (30, 30, 34)]
    assert len(rings) == 2  # the hob's two rings
    items = {e["item"]: e["status"] for e in design.checklist if e["kind"] == "subject"}
    assert items["window"] == items["stove"] == "drawn"
    assert items["kettle"] == "not drawable"
