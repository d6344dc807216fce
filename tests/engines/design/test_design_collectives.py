"""Collective nouns, checked on the parse and the drawn layers: "a couple of X" and
"a herd of X" count X, while "a couple" or "a family" alone are people."""

from __future__ import annotations

import pytest

from pixmill.engines.design import prompt
from pixmill.engines.design.scene import Ellipse, Group, vectors
from pixmill.engines.design.subjects import library, matching


def _figures(art) -> int:
    """Drawn people: each figure is one group holding a face and two ears (ellipses of
    the figure's proportions, 0.34 by 0.47 and 0.07 by 0.11 of a head unit)."""

    def shaped(e: Ellipse, rx: float, ry: float) -> bool:
        return e.ry > 0 and abs(e.rx / e.ry - rx / ry) < 0.01

    count = 0
    for item in art:
        if isinstance(item, Group):
            ellipses = [s for s in item.items if isinstance(s, Ellipse)]
            ears = sum(shaped(e, 0.07, 0.11) for e in ellipses)
            count += ears >= 2 and any(shaped(e, 0.34, 0.47) for e in ellipses)
            count += _figures(item.items)
    return count


@pytest.mark.parametrize(
    ("text", "head", "count"),
    [
        ("a couple of dogs in a park", "dog", 2),
        ("a pair of swans on a lake", "swan", 2),
        ("a herd of elephants at sunset", "elephant", 4),
        ("a flock of sheep on a hill", "sheep", 5),
        ("a family of ducks on a pond", "duck", 3),
        ("a group of penguins on an iceberg", "penguin", 4),
    ],
)
def test_a_collective_before_of_counts_what_follows(engine, make_spec, text, head, count):
    parsed = prompt.parse(text)
    [subject] = [p for p in parsed.things if p.head == head]
    assert subject.count == count
    assert parsed.things[0].head not in ("couple", "pair", "herd", "flock", "family", "group")
    scene = engine.design(make_spec(text, 512, 512)).scene
    art = vectors(scene.art)
    kind = set(matching.variants(next(s for s in matching.match(head).subjects if s.code)))
    # drawn that many times (up to the five a scene shows), and no people for "couple"
    drawn = [v for v in art if v.code in kind]
    assert len(drawn) == min(count, 5), [library.name_of(v.code) for v in art]
    assert _figures(scene.art) == 0


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("a couple on a bench", 2),
        ("a young couple dancing at night", 2),
        ("a family of four on a beach", 4),
        ("a group of friends at a campfire", 4),
    ],
)
def test_a_couple_or_a_family_alone_is_people(engine, make_spec, text, count):
    people = [p for p in prompt.parse(text).things if p.role == "person"]
    assert people, text
    assert _figures(engine.design(make_spec(text, 512, 512)).scene.art) == count


def test_a_couple_of_people_is_two_figures_not_a_couple_object(engine, make_spec):
    art = engine.design(make_spec("a couple of children flying a kite", 512, 512)).scene.art
    assert _figures(art) == 2


def test_a_familys_later_figures_are_children(engine, make_spec):
    art = engine.design(make_spec("a family of four on a beach", 512, 512)).scene.art
    faces = sorted(
        (e.ry for e in _flat_ellipses(art) if e.ry and abs(e.rx / e.ry - 34 / 47) < 0.01),
        reverse=True,
    )
    assert len(faces) == 4
    assert faces[3] < faces[0] * 0.7  # two grown-ups and two children


def _flat_ellipses(items) -> list[Ellipse]:
    out: list[Ellipse] = []
    for item in items:
        if isinstance(item, Group):
            out += _flat_ellipses(item.items)
        elif isinstance(item, Ellipse):
            out.append(item)
    return out
