"""Scene composition, checked on the drawn layers: subjects related as the prompt says
(on, under, over, beside, in front of, in), at their relative sizes, counted, and never
cut at the picture's edge; agent nouns and compounds draw the right subject; seeds move
the art itself."""

from __future__ import annotations

from itertools import pairwise

import pytest

from pixmill.engines.design import brief as brief_module
from pixmill.engines.design.layouts import stage
from pixmill.engines.design.palette import NAMED
from pixmill.engines.design.scene import Ellipse, Group, Path, Vector, vectors
from pixmill.engines.design.subjects import library, matching
from pixmill.engines.design.subjects.vocabulary import VARIANTS


def _drawn(v: Vector) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = library.bounds(v.code)
    return v.x + v.size * x0, v.y + v.size * y0, v.x + v.size * x1, v.y + v.size * y1


def _art(engine, make_spec, prompt: str, size=(512, 512), seed: int = 7) -> list[Vector]:
    return vectors(engine.design(make_spec(prompt, *size, seed=seed)).scene.art)


def _kind(name: str) -> set[str]:
    """A library name and the seed's other drawings of it ("cat": also "black cat")."""
    return {name} | set(VARIANTS.get(name, ()))


def _one(art: list[Vector], name: str) -> tuple[int, tuple[float, float, float, float]]:
    """(draw order, drawn box) of the only vector of kind `name`."""
    found = [(k, _drawn(v)) for k, v in enumerate(art) if library.name_of(v.code) in _kind(name)]
    assert len(found) == 1, [library.name_of(v.code) for v in art]
    return found[0]


SCENES = [
    "a red fox sitting in a snowy forest at dusk",
    "three sheep grazing on a hillside in spring",
    "an astronaut sitting on the moon looking at the earth",
    "a cyclist riding a bicycle through a city street at night",
    "a tiger in a misty jungle",
    "a frog sitting on a lily pad in a pond",
    "two penguins standing on an iceberg",
    "an elephant and her calf at a watering hole",
    "a dragon flying over a castle at night",
    "a tractor in a wheat field",
    "a giraffe beside a mouse",
    "five balloons over a meadow",
    "a camel walking through sand dunes under a hot sun",
    "a lighthouse on a rocky coast during a storm",
    "a cat sitting on a chair",
]


@pytest.mark.parametrize("size", [(512, 512), (384, 576), (576, 384)])
def test_the_main_subject_is_never_cut_at_the_edge(engine, make_spec, size):
    width, height = size
    for prompt in SCENES:
        main = stage.subjects_of(brief_module.parse(prompt)).subjects[0]
        for seed in range(4):
            art = _art(engine, make_spec, prompt, size, seed)
            mine = [v for v in art if v.code in matching.variants(main)]
            assert mine, (prompt, seed)
            for v in mine:
                left, top, right, bottom = _drawn(v)
                assert left >= -1 and top >= -1, (prompt, seed, _drawn(v))
                assert right <= width + 1 and bottom <= height + 1, (prompt, seed, _drawn(v))


def test_a_thing_on_another_sits_on_its_top(engine, make_spec):
    art = _art(engine, make_spec, "a cat sitting on a chair")
    cat_at, cat = _one(art, "cat")
    chair_at, chair = _one(art, "chair")
    assert cat_at > chair_at  # drawn over the chair
    assert chair[1] < cat[3] < chair[3] - (chair[3] - chair[1]) * 0.3  # on the seat, off the floor
    assert chair[0] < (cat[0] + cat[2]) / 2 < chair[2]


def test_scale_a_mouse_beside_a_horse_is_small_and_shares_the_ground(engine, make_spec):
    art = _art(engine, make_spec, "a mouse beside a horse")
    _, mouse = _one(art, "mouse")
    _, horse = _one(art, "horse")
    assert (mouse[3] - mouse[1]) < 0.5 * (horse[3] - horse[1])
    assert abs(mouse[3] - horse[3]) < 512 * 0.02  # the same ground line
    assert mouse[2] <= horse[0] + 2 or horse[2] <= mouse[0] + 2  # side by side


def test_a_flyer_over_a_building_is_above_it(engine, make_spec):
    for seed in range(3):
        art = _art(engine, make_spec, "a dragon flying over a castle at night", seed=seed)
        _, dragon = _one(art, "dragon")
        _, castle = _one(art, "castle")
        assert dragon[3] <= castle[1] + 1


def test_under_a_tree_and_in_front_of_a_house(engine, make_spec):
    art = _art(engine, make_spec, "a fox under a tree")
    fox_at, fox = _one(art, "fox")
    tree_at, tree = _one(art, "deciduous tree")
    assert fox_at > tree_at and tree[0] < (fox[0] + fox[2]) / 2 < tree[2]
    assert abs(fox[3] - tree[3]) < 512 * 0.02 and fox[3] - fox[1] < tree[3] - tree[1]
    art = _art(engine, make_spec, "a dog in front of a house")
    dog_at, dog = _one(art, "dog")
    house_at, house = _one(art, "house")
    assert dog_at > house_at and dog[3] > house[3]  # nearer: lower on the page, drawn over


def test_a_person_in_a_boat_sits_in_an_open_boat(engine, make_spec):
    prompt = "a man with a grey beard fishing from a small boat on a lake"
    design = engine.design(make_spec(prompt, 512, 512))
    names = [library.name_of(v.code) for v in vectors(design.scene.art)]
    assert "canoe" in names and "sailboat" not in names
    assert "figure" in design.motifs


@pytest.mark.parametrize(
    ("prompt", "present", "absent"),
    [
        ("a cyclist riding a bicycle through a city street", "person biking", "bicycle"),
        ("a skier on a snowy slope", "skier", None),
        ("a surfer riding a big wave", "person surfing", None),
        ("a hot-air balloon floating over green hills", "hot air balloon", "balloon"),
        ("a glass bottle with a silver cap on a marble table", "glass bottle", "wine glass"),
        ("an elephant and her calf at a watering hole", "elephant", "hole"),
    ],
)
def test_agent_nouns_and_compounds_draw_one_right_subject(
    engine, make_spec, prompt, present, absent
):
    names = [library.name_of(v.code) for v in _art(engine, make_spec, prompt)]
    assert present in names, names
    if absent is not None:
        assert absent not in names, names
    assert "droplet" not in names


def test_a_bottle_without_quoted_text_is_a_scene_not_a_label():
    assert brief_module.parse("a glass bottle with a silver cap on a marble table").genre == (
        "scene"
    )
    assert brief_module.parse('a label for a wine bottle "Casa Verde"').genre == "label"


@pytest.mark.parametrize(
    ("prompt", "name", "count"),
    [
        ("three sheep grazing on a hillside in spring", "ewe", 3),
        ("two penguins standing on an iceberg", "penguin", 2),
        ("five balloons over a meadow", "balloon", 5),
        ("an elephant and her calf", "elephant", 2),
    ],
)
def test_counts_are_honoured_and_every_copy_shows(engine, make_spec, prompt, name, count):
    art = [v for v in _art(engine, make_spec, prompt) if library.name_of(v.code) == name]
    assert len(art) == count
    centres = sorted((b[0] + b[2]) / 2 for b in map(_drawn, art))
    widths = [b[2] - b[0] for b in map(_drawn, art)]
    # no copy hides behind another: their centres stand apart
    assert all(b - a > min(widths) * 0.3 for a, b in pairwise(centres))


def test_no_second_sun_or_moon(engine, make_spec):
    bodies = {"sun", "crescent moon", "full moon", "sun with face", "new moon"}
    for prompt in (
        "a camel walking through sand dunes under a hot sun",
        "an owl perched on a branch under a full moon",
        "an astronaut sitting on the moon looking at the earth",
    ):
        for seed in range(3):
            design = engine.design(make_spec(prompt, 384, 384, seed=seed))
            drawn = vectors(design.scene.art) + vectors(design.scene.background)
            named = [v for v in drawn if library.name_of(v.code) in bodies]
            assert len(named) <= 1, (prompt, seed)
    # on the moon, the moon is the ground: no moon in its sky
    names = {library.name_of(c) for c in stage.subjects_of(brief_module.parse(
        "an astronaut sitting on the moon looking at the earth")).codes}  # fmt: skip
    assert not names & bodies


def test_a_named_ground_wins_over_a_subjects_usual_place():
    import random

    from pixmill.engines.design.compose import make_palette
    from pixmill.engines.design.layouts import scenery
    from pixmill.engines.design.layouts.base import Frame

    def setting(prompt: str) -> str | None:
        brief = brief_module.parse(prompt)
        rng = random.Random(1)
        frame = Frame(brief, make_palette(brief, rng, None), 384, 384, rng, 1, 0)
        return scenery.detect(frame)[1]

    assert setting("a rocket launching from a desert at sunset") == "desert"
    assert setting("a rocket launching into space") == "space"
    assert setting("a glass bottle on a marble table") == "table"


def test_seeds_vary_pose_composition_and_palette(engine, make_spec):
    prompt = "a dog and a cat in a park"
    looks = []
    for seed in range(6):
        design = engine.design(make_spec(prompt, 384, 384, seed=seed))
        art = vectors(design.scene.art)
        pose = tuple(v.flip for v in art)
        order = tuple(library.name_of(v.code) for v in sorted(art, key=lambda v: v.x))
        place = tuple(round(v.x / 16) for v in art)
        sky = design.scene.background
        looks.append((pose, order, place, repr(sky)[:4000]))
    assert len({look[0] for look in looks}) >= 2  # facing (pose)
    assert len({look[1] for look in looks}) >= 2  # who stands where (composition)
    assert len({look[2] for look in looks}) >= 3
    assert len({look[3] for look in looks}) >= 3  # palette and light


def _flat(items) -> list:
    out: list = []
    for item in items:
        out += _flat(item.items) if isinstance(item, Group) else [item]
    return out


@pytest.mark.parametrize(
    ("prompt", "name", "lifted"),
    [
        ("a bird on a branch", "bird", True),
        ("two penguins standing on an iceberg", "penguin", True),
        ("a frog sitting on a lily pad in a pond", "frog", False),
    ],
)
def test_a_support_the_library_lacks_is_drawn_under_the_subject(
    engine, make_spec, prompt, name, lifted
):
    art = _flat(engine.design(make_spec(prompt, 512, 512)).scene.art)
    mine = [k for k, item in enumerate(art) if isinstance(item, Vector)
            and library.name_of(item.code) in _kind(name)]  # fmt: skip
    assert mine
    first = mine[0]
    feet = max(_drawn(art[k])[3] for k in mine)
    middle = sum((_drawn(art[k])[0] + _drawn(art[k])[2]) / 2 for k in mine) / len(mine)
    under = [
        item
        for item in art[:first]
        if isinstance(item, (Path, Ellipse))
        and isinstance(item.fill, tuple)
        and len(item.fill) == 3  # opaque: not the soft shadow
        and _box(item)[0] < middle < _box(item)[2]
        and _box(item)[1] - 512 * 0.03 <= feet <= _box(item)[3] + 512 * 0.03
    ]
    assert under, prompt  # drawn before the subject, across its feet
    if lifted:
        assert feet < 512 * 0.86  # off the ground line: it stands on the support


def _box(item) -> tuple[float, float, float, float]:
    if isinstance(item, Ellipse):
        return item.cx - item.rx, item.cy - item.ry, item.cx + item.rx, item.cy + item.ry
    xs = [c[k] for c in item.commands for k in range(1, len(c), 2)]
    ys = [c[k] for c in item.commands for k in range(2, len(c), 2)]
    return min(xs), min(ys), max(xs), max(ys)


def test_every_variant_is_drawable():
    for key, names in VARIANTS.items():
        assert library.lookup(key), key
        assert all(library.lookup(name) for name in names), key


def test_seeds_vary_the_drawing_of_a_generic_subject(engine, make_spec):
    for prompt in ("a car on a country road", "flowers in a meadow", "a tree on a hill"):
        codes = set()
        for seed in range(4):
            design = engine.design(make_spec(prompt, 256, 256, seed=seed))
            codes |= {v.code for v in vectors(design.scene.art)}
            subject = next(e for e in design.checklist if e["kind"] == "subject")
            assert subject["status"] == "drawn", (prompt, seed)  # the variant counts
        assert len(codes) >= 2, prompt
    # a named kind is not swapped: an oak is no pine, tulips stay tulips
    codes = {
        v.code
        for seed in range(4)
        for v in vectors(engine.design(make_spec("tulips", 256, 256, seed=seed)).scene.art)
    }
    assert codes == {library.lookup("tulip")}


def test_an_agents_gear_counts_as_drawn(engine, make_spec):
    design = engine.design(make_spec("a cyclist riding a bicycle through a park", 256, 256))
    status = {e["item"]: e["status"] for e in design.checklist if e["kind"] == "subject"}
    assert status.get("bicycle") == "drawn", status


def test_flowers_in_a_vase_stand_in_a_vase_of_the_asked_colour(engine, make_spec):
    art = _flat(engine.design(make_spec("sunflowers in a blue vase", 512, 512)).scene.art)
    flowers = [k for k, item in enumerate(art) if isinstance(item, Vector)
               and library.name_of(item.code) == "sunflower"]  # fmt: skip
    assert len(flowers) == 3
    feet = max(_drawn(art[k])[3] for k in flowers)
    vases = [
        item
        for item in art[flowers[-1] :]
        if isinstance(item, Path) and item.fill == NAMED["blue"] and abs(_box(item)[1] - feet) < 4
    ]
    assert vases  # drawn over the stems, its mouth at the flowers' feet


def test_a_held_thing_is_at_the_holders_side_at_its_scale(engine, make_spec):
    for prompt, holder, thing in (
        ("a monkey eating a banana", "monkey", "banana"),
        ("a mouse holding a sword", "mouse", "dagger"),
    ):
        art = _art(engine, make_spec, prompt)
        holder_at, body = _one(art, holder)
        thing_at, held = _one(art, thing)
        width = body[2] - body[0]
        assert thing_at > holder_at
        assert body[0] - width * 0.3 < (held[0] + held[2]) / 2 < body[2] + width * 0.3
        assert held[3] - held[1] <= 0.6 * (body[3] - body[1]) + 1  # no sword taller than its mouse


def test_a_named_fireplace_or_lamp_furnishes_the_room_and_the_fire_shows(engine, make_spec):
    for seed in range(3):
        design = engine.design(make_spec("a cat in front of a fireplace", 512, 512, seed=seed))
        [fire] = [v for v in vectors(design.scene.background) if library.name_of(v.code) == "fire"]
        cats = [_drawn(v) for v in vectors(design.scene.art) if "cat" in library.name_of(v.code)]
        left, _, right, _ = _drawn(fire)
        hidden = max(0.0, min(right, cats[0][2]) - max(left, cats[0][0]))
        assert hidden < 0.5 * (right - left), seed  # the cat does not hide the fire
        status = {e["item"]: e["status"] for e in design.checklist if e["kind"] == "subject"}
        assert status["fireplace"] == "drawn"
    prompt = "a cozy reading corner with a lamp and a cat asleep on an armchair"
    design = engine.design(make_spec(prompt, 512, 512))
    assert any(e["item"] == "lamp" and e["status"] == "drawn" for e in design.checklist)


def test_named_scenery_a_pond_and_the_northern_lights_are_drawn(engine, make_spec):
    from pixmill.engines.design.scene import LinearGradient

    design = engine.design(make_spec("a frog sitting on a lily pad in a pond", 512, 512))
    water = [e for e in _flat(design.scene.background) if isinstance(e, Ellipse)
             and isinstance(e.fill, tuple) and len(e.fill) == 3
             and e.fill[2] > e.fill[0] + 60 and e.rx > 512 * 0.3]  # fmt: skip
    assert water  # a wide blue pool in the grass
    design = engine.design(make_spec("two penguins under the northern lights", 512, 512))
    curtains = [p for p in _flat(design.scene.background) if isinstance(p, Path)
                and isinstance(p.fill, LinearGradient) and p.fill.colors[-1][1] > 150]  # fmt: skip
    assert len(curtains) >= 2  # green light in the sky


@pytest.mark.parametrize(
    ("prompt", "count"),
    [("three women walking on a beach", 3), ("two children playing in a park", 2)],
)
def test_plural_people_draw_that_many_figures(engine, make_spec, prompt, count):
    [subject] = [s for s in matching.match(prompt).subjects if s.code is None]
    assert subject.count == count
    art = _flat(engine.design(make_spec(prompt, 512, 512)).scene.art)
    shadows = [e for e in art if isinstance(e, Ellipse) and isinstance(e.fill, tuple)
               and e.fill[:3] == (0, 0, 0)]  # fmt: skip
    assert len(shadows) == count  # one figure standing on each
    xs = sorted(e.cx for e in shadows)
    assert all(b - a > 512 * 0.08 for a, b in pairwise(xs))  # side by side, not stacked
