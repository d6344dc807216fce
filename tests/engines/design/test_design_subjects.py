"""The subject library and matcher: prompts to subjects, recolouring, variety of art."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from pixmill.engines.design import brief as brief_module
from pixmill.engines.design import render
from pixmill.engines.design.layouts import genre_art
from pixmill.engines.design.scene import Vector, vectors
from pixmill.engines.design.subjects import library, matching, vocabulary

# prompt -> the library names of the subjects it must name, in order ("person": drawn)
MATCHES: list[tuple[str, list[str]]] = [
    ("a bowl of ramen", ["steaming bowl"]),
    ("a castle on a cliff above the sea", ["castle"]),
    ("an astronaut riding a horse on the moon", ["astronaut", "horse"]),  # the moon: the ground
    ("an old fisherman in a yellow raincoat", ["person", "fishing pole"]),
    ("a dragon book cover", ["dragon"]),
    ("a wolf esports logo", ["wolf"]),
    ("an avocado sticker", ["avocado"]),
    ("a red car on a country road", ["automobile"]),
    ("a robot barista", ["robot", "hot beverage"]),
    ("a dragon silhouette", ["dragon"]),
    ("birthday card with balloons and a dinosaur", ["birthday cake", "balloon", "t-rex"]),
    ("beer label with mountains and pines", ["beer mug", "snow-capped mountain", "evergreen tree"]),
    ("three oranges and a lemon on a table", ["tangerine", "lemon"]),
    ("an orange cat", ["cat"]),
    ("a podcast cover with a microphone, purple and orange", ["microphone"]),
    ("a cheesecake", ["shortcake"]),
    ("a sea turtle", ["turtle"]),
    ("a lemur in a tree", ["monkey", "deciduous tree"]),
    ("a swordfish", ["tropical fish"]),
    ("a firetruck", ["fire engine"]),
    ("puppies and kittens", ["dog", "cat"]),
    ("a blue whale under the ocean", ["whale"]),
    ("a woman reading a book", ["person", "open book"]),
    ("a little girl with a kite in a park", ["person", "kite"]),
    ("a web banner for a coffee shop", ["hot beverage"]),
    ("a poster for a jazz night with the date", ["saxophone"]),
    ("a lighthouse on a rocky coast", ["lighthouse"]),
    ("pixel art of a knight and a castle", ["knight", "castle"]),
    ("a menu for a pizza place", ["pizza"]),
    ("water daily", ["droplet"]),
    ("dim the lights", ["light bulb"]),
    ("place the sapling", ["seedling"]),
]


def _names(match: matching.Match) -> list[str]:
    return ["person" if s.code is None else library.name_of(s.code) for s in match.subjects]


@pytest.mark.parametrize(("prompt", "expected"), MATCHES)
def test_matcher_names_the_prompts_subjects(prompt, expected):
    assert _names(matching.match(prompt)) == expected


def test_library_holds_thousands_of_named_subjects():
    assert len(library.codes()) > 3500
    assert len(library.index()) > 2000


@pytest.mark.parametrize(
    "table",
    [
        vocabulary.SYNONYMS.values(),
        [name for _, name in vocabulary.CATEGORY_SUFFIXES],
        vocabulary.PEOPLE_PROPS.values(),
        [name for _, names in genre_art.OCCASIONS for name in names],
    ],
    ids=["synonyms", "categories", "props", "occasions"],
)
def test_every_table_entry_is_drawable(table):
    assert [name for name in table if library.lookup(name) is None] == []


def test_plural_colour_relation_and_view_are_read():
    found = matching.match("a red car and three balloons")
    assert found.subjects[0].color == (220, 38, 38)
    assert found.subjects[1].count == 3
    rider = matching.match("an astronaut riding a horse")
    assert [s.role for s in rider.subjects] == ["rider", "mount"]
    assert matching.match("top view of a bowl of pho").top_view
    held = matching.match("a woman reading a book").subjects
    assert [s.role for s in held] == ["main", "prop"]
    person = matching.match("a shocked old bearded man in a raincoat").person
    assert person is not None and person.old and person.beard
    assert person.expression == "shocked" and person.clothes == (250, 200, 40)


def test_genre_words_and_quotes_are_not_subjects():
    assert matching.match("a book cover with a gold foil title").subjects == []
    assert matching.match("a peach background").subjects == []


def test_recolouring_turns_the_dominant_fill_family():
    car = library.lookup("car")
    mapping = dict(library.recolor_map(car, (37, 99, 235)))
    red = library.fills(car)[0][0]
    assert red in mapping
    new = mapping[red]
    r, g, b = int(new[1:3], 16), int(new[3:5], 16), int(new[5:7], 16)
    assert b > r + 60 and b > g + 40  # blue now
    # the windows and tyres keep their colours
    assert len(mapping) < len(library.fills(car))


def _subject_pixels(engine, make_spec, prompt):
    design = engine.design(make_spec(prompt, 256, 256))
    car = {"automobile", "oncoming automobile"}  # the seed picks the car's drawing
    [vector] = [v for v in vectors(design.scene.art) if library.name_of(v.code) in car]
    alone = render.Scene(256, 256, art=[vector])
    pixels = render.rasterize(alone, transparent=True)
    return pixels[pixels[..., 3] > 250][:, :3].astype(int)


@pytest.mark.parametrize(("word", "channel"), [("red", 0), ("green", 1), ("blue", 2)])
def test_a_named_colour_paints_what_it_qualifies(engine, make_spec, word, channel):
    pixels = _subject_pixels(engine, make_spec, f"a {word} car on a road")
    dominant = np.argmax(pixels, axis=1)
    assert (dominant == channel).mean() > 0.5


def test_subjects_the_prompt_names_are_drawn(engine, make_spec):
    for prompt, code in [
        ("a bowl of ramen", "1f35c"),
        ("a castle on a cliff", "1f3f0"),
        ('a fantasy book cover with a dragon "Ember"', "1f409"),
        ('an esports logo with a wolf "Howl"', "1f43a"),
        ('an avocado sticker "Holy Guacamole"', "1f951"),
    ]:
        design = engine.design(make_spec(prompt, 256, 256))
        assert code in {v.code for v in vectors(design.scene.art)}, prompt
        assert design.credits


GENRE_OPENERS = [
    "a poster",
    "a flyer",
    "a book cover",
    "an album cover",
    "a web banner",
    "an instagram post",
    "a youtube thumbnail",
    "a logo",
    "a sticker",
    "a business card",
    "an invitation",
    "a product label",
    "a menu",
    "a quote card",
    "an infographic",
    "a magazine cover",
    "a concert poster",
    "a certificate",
    "a conference badge",
    "a recipe card",
]
THEMES = [
    "for a law firm",
    "about saving money",
    "for a bookshop",
    "for a plumbing company",
    "about time management",
    "for an accounting seminar",
    "for a charity run",
    "for a language school",
    "for a yoga studio",
    "for a hardware store",
    "for a tax advisor",
    "for a photography course",
]
TITLES = ["Open Day", "Fresh Start", "Grand Opening", "Big Ideas", "Next Level", "Good Things"]
ASKS = {  # words with which a prompt asks for a motif
    "figure": {"person", "woman", "man", "people", "portrait", "model", "interview"},
    "retro_sun": {"retro", "synthwave", "sunset", "80s", "vaporwave"},
    "daisies": {"flowers", "floral", "spring", "garden"},
    "sofa_room": {"sofa", "couch", "living"},
    "skyline": {"city", "skyline", "urban"},
}


def varied_prompts(count: int = 100) -> list[str]:
    return [
        f"{GENRE_OPENERS[i % len(GENRE_OPENERS)]} {THEMES[(i * 7) % len(THEMES)]} "
        f'"{TITLES[i % len(TITLES)]}" "Call 555 0100"'
        for i in range(count)
    ]


def test_no_motif_in_more_than_one_in_ten_images(engine, make_spec):
    counts: Counter[str] = Counter()
    prompts = varied_prompts()
    for seed, prompt in enumerate(prompts):
        design = engine.design(make_spec(prompt, 192, 192, seed=seed))
        words = brief_module.parse(prompt).words
        counts.update(m for m in design.motifs if not (ASKS.get(m, set()) & words))
    assert max(counts.values()) <= len(prompts) // 10, counts


def test_variants_differ_in_layout_and_art(engine, make_spec):
    prompt = 'a poster for a bakery with a croissant "Fresh Bread Daily" "Open 7 am"'
    spec = make_spec(prompt, 256, 256, n=3)
    layouts = []
    for index in range(3):
        design = engine.design(spec, index)
        art = tuple(
            (round(v.x), round(v.y), round(v.size), v.flip) for v in vectors(design.scene.art)
        )
        layouts.append((design.variant, art, tuple(round(b.box.y) for b in design.blocks)))
    assert len(set(layouts)) == 3
    assert len({layout[1] for layout in layouts}) >= 2  # the art itself moves, not only colours


def test_the_engines_own_drawings_owe_no_credit(engine, make_spec):
    design = engine.design(make_spec("a lighthouse on a rocky coast", 256, 256))
    assert "x-lighthouse" in {v.code for v in vectors(design.scene.art)}
    assert design.credits == ()


def test_colour_words_for_the_scene_tint_it_not_those_of_a_subject():
    from pixmill.engines.design.layouts import stage

    assert stage.free_colours(brief_module.parse("a red car on a road")) == []
    assert stage.free_colours(brief_module.parse("a podcast cover, purple")) != []


def test_vector_shape_renders_with_recolour_and_flip():
    car = library.lookup("car")
    scene = render.Scene(64, 64)
    scene.art.append(Vector(car, 0, 0, 64, library.recolor_map(car, (20, 160, 60)), True))
    pixels = render.rasterize(scene, transparent=True)
    opaque = pixels[pixels[..., 3] > 250][:, :3].astype(int)
    assert (np.argmax(opaque, axis=1) == 1).mean() > 0.4
