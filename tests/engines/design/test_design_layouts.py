"""The named layouts: enough of them, each drawn at every aspect with its text whole and
inside the canvas, the hierarchy by text role measured on the set lines, typographic
quotes and no widows, and the format each genre is printed in."""

from __future__ import annotations

import numpy as np
import pytest

from pixmill.engines.design.brief import parse
from pixmill.engines.design.layouts import LAYOUTS, all_layouts
from pixmill.engines.design.typeset import plain_quotes
from pixmill.request import auto_background

# A prompt per genre with the text roles its layouts set.
PROMPTS: dict[str, str] = {
    "magazine": 'a magazine cover called "Nordic Living" with the headlines "Cabins by the '
    'Fjord" "Slow Mornings at Home" "The New Hygge: Twelve Ideas"',
    "poster": 'a poster for a jazz night called "Blue Hour" tagline "Live every Friday" '
    'date "March 14, 9 PM" description "Doors open at eight, first set at nine."',
    "flyer": 'a flyer for a bake sale "Sweet Saturday" "Cakes, cookies and pies" '
    'at "the Old Hall, 10 am"',
    "event": 'a concert poster "Echo District" "World Tour 2026" venue "Madison Square Garden"',
    "book": 'a book cover for a thriller novel titled "The Silent Harbor" by "Mara Quinn"',
    "album": 'an album cover for "Neon Tides" by "The Midnight Owls"',
    "banner": 'a web banner for a coffee shop "Brew & Co." "Fresh roasted every morning" '
    '"Order online"',
    "social": 'an instagram post for a yoga studio "Find Your Flow" "Classes start Monday"',
    "thumbnail": 'a youtube thumbnail "I Tried Living in Tokyo for 30 Days"',
    "logo": 'a logo for "Northwind Labs" tagline "Data you can trust"',
    "sticker": 'a sticker of a cat "Stay Pawsitive"',
    "icon": 'an app icon for a weather app "Skye"',
    "card": 'a business card for "Jane Doe" "Senior Product Designer" "jane@example.com"',
    "invitation": 'a wedding invitation "Anna & Luca" "request the pleasure of your company" '
    'date "June 14, 2026 at Villa Rosa"',
    "label": 'a product label for honey "Wildflower Honey" "Raw & Unfiltered" "500 g"',
    "menu": 'a cafe menu "Morning Menu" items "Espresso $3" "Cappuccino $4" "Croissant $3.50" '
    '"Avocado Toast $9"',
    "quote": 'a quote card "The best way to predict the future is to invent it." "Alan Kay"',
    "infographic": 'an infographic "Tips for Better Sleep" "Keep a schedule" "Cut caffeine '
    'after noon" "Dim the lights" "No screens in bed"',
    "certificate": 'a certificate "Certificate of Excellence" "This certifies that" awarded '
    'to "Priya Raman" "for outstanding work in 2026."',
    "badge": 'a conference name badge "DevSummit 2026" "Sam Ortiz" "Speaker"',
    "recipe": 'a recipe card "Lemon Pasta" "200 g spaghetti" "1 lemon" "2 tbsp butter"',
    "screenshot": 'an app store screenshot "Track every habit" for a habit tracker app',
}
PLAIN_POSTER = 'a poster "Grand Opening" tagline "All are welcome" date "Saturday 10 AM"'
"""No subject and no colour named: every poster layout draws as itself."""
SIZES = [(1024, 1536), (1024, 1024), (1536, 1024), (256, 768), (1024, 256)]
CASES = [
    (genre, index, named.name)
    for genre, entries in LAYOUTS.items()
    if genre != "scene"
    for index, named in enumerate(entries)
]


def test_at_least_forty_layouts_and_genres_have_several():
    assert len(all_layouts()) >= 40
    single = {genre for genre, entries in LAYOUTS.items() if len({e.name for e in entries}) < 2}
    assert single <= {"scene", "recipe", "screenshot"}
    assert set(PROMPTS) | {"scene"} == set(LAYOUTS)


def test_consecutive_seeds_take_consecutive_layouts(engine, make_spec):
    names = [
        engine.design(make_spec(PLAIN_POSTER, 256, 384, seed=seed)).layout
        for seed in range(len(LAYOUTS["poster"]))
    ]
    assert names == [named.name for named in LAYOUTS["poster"]]
    # a named subject gets a picture, not shapes; asked colours a flat or grid poster
    assert engine.design(make_spec(PROMPTS["poster"], 256, 384, seed=2)).layout in (
        "poster-framed",
        "poster-bleed",
    )
    coloured = 'a black and gold poster "Grand Opening"'
    drawn = {engine.design(make_spec(coloured, 256, 384, seed=s)).layout for s in range(4)}
    assert drawn == {"poster-block", "poster-swiss", "poster-type", "poster-disc"}


@pytest.fixture(scope="module")
def designs(engine, make_spec):
    """Every named layout at every size: (name, size, prompt, design)."""
    out = []
    for genre, index, name in CASES:
        prompt = PROMPTS[genre]
        assert parse(prompt).genre == genre, prompt
        for size in SIZES:
            design = engine.design(make_spec(prompt, *size, seed=index))
            assert design.layout in all_layouts()
            assert design.layout == name or genre in ("poster", "flyer", "event")
            out.append((name, size, prompt, design))
    return out


def test_every_layout_sets_every_quote_once_inside_the_canvas(designs):
    for name, size, prompt, design in designs:
        where = (name, size)
        texts: dict[str, list[str]] = {}
        for block in design.blocks:
            texts.setdefault(block.source, []).append(block.text)
            box = block.box
            assert box.x >= 0 and box.y >= 0, where
            assert box.right <= size[0] + 1e-6 and box.bottom <= size[1] + 1e-6, where
            for line in block.lines:  # the ink, not only the box, stays on the canvas
                width = sum(span.width for span in line.spans)
                assert line.x >= -0.01 and line.x + width <= size[0] + 0.01, where
                assert line.baseline - line.size * 0.8 >= -0.01, where
                assert line.baseline <= size[1] + 0.01, where
        expected = {q.text for q in parse(prompt).quotes}
        assert set(texts) == expected, where
        for source, parts in texts.items():
            assert plain_quotes(" ".join(parts)) == source, where
        boxes = [b.box for b in design.blocks]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.intersects(b), (where, a, b)


def _size(design, text: str) -> float:
    """The largest type size of the block(s) setting this quote."""
    return max(line.size for b in design.blocks if b.source == text for line in b.lines)


def _largest_source(design) -> str:
    return max(design.blocks, key=lambda b: max(line.size for line in b.lines)).source


@pytest.mark.parametrize(
    ("genre", "largest", "smaller"),
    [
        ("poster", "Blue Hour", ["Live every Friday", "Doors open at eight, first set at nine."]),
        ("event", "Echo District", ["World Tour 2026"]),
        ("flyer", "Sweet Saturday", ["Cakes, cookies and pies"]),
        ("book", "The Silent Harbor", ["Mara Quinn"]),
        ("banner", "Brew & Co.", ["Fresh roasted every morning"]),
        ("card", "Jane Doe", ["Senior Product Designer", "jane@example.com"]),
        ("invitation", "Anna & Luca", ["request the pleasure of your company"]),
        ("label", "Wildflower Honey", ["Raw & Unfiltered"]),
        ("menu", "Morning Menu", ["Espresso $3", "Avocado Toast $9"]),
        ("infographic", "Tips for Better Sleep", ["Keep a schedule", "Dim the lights"]),
        ("icon", "Skye", []),
        ("badge", "Sam Ortiz", ["Speaker"]),
        ("certificate", "Priya Raman", ["This certifies that", "for outstanding work in 2026."]),
    ],
)
def test_hierarchy_by_role_in_every_layout(designs, genre, largest, smaller):
    """Measured on the set lines: the title (a certificate's recipient, a badge's name)
    is set larger than every other role's text; list items are never the headline."""
    names = {named.name for named in LAYOUTS[genre]}
    checked = 0
    for name, size, prompt, design in designs:
        if prompt != PROMPTS[genre]:
            continue
        top = _size(design, largest)
        for text in smaller:
            assert _size(design, text) < top, (name, size, text)
        checked += 1
    assert checked >= len(names)


def test_a_discount_is_set_large(engine, make_spec):
    prompt = 'a poster "Summer Sale" "Up to 50% off" "Everything must go this weekend."'
    for seed in range(len(LAYOUTS["poster"])):
        design = engine.design(make_spec(prompt, 768, 1024, seed=seed))
        assert _largest_source(design) == "Up to 50% off", design.layout
        body = "Everything must go this weekend."
        assert _size(design, body) < _size(design, "Summer Sale"), design.layout


def test_a_badge_takes_its_role_band_and_name(engine, make_spec):
    for seed in range(2):
        design = engine.design(make_spec(PROMPTS["badge"], 768, 1024, seed=seed))
        assert _size(design, "Sam Ortiz") > _size(design, "Speaker")
        assert _size(design, "Sam Ortiz") >= _size(design, "DevSummit 2026") * 0.9


def test_quotes_and_apostrophes_are_typographic_and_punctuation_kept(engine, make_spec):
    prompt = 'a poster "Don\'t Stop" tagline "We said "now" and meant it." date "May 2."'
    design = engine.design(make_spec(prompt, 768, 1024, seed=3))
    texts = {b.source: b.text for b in design.blocks}
    assert "Don’t Stop" in texts.values()
    assert any(t.endswith("May 2.") for t in texts.values())  # the full stop stays


def test_no_widows_in_text_that_can_avoid_them(designs):
    """No paragraph with two words a line or more ends on a line holding one word."""
    for name, size, _, design in designs:
        for block in design.blocks:
            words, lines = block.text.split(), block.lines
            if len(lines) < 2 or len(words) < 2 * len(lines) or any(ln.broken for ln in lines):
                continue
            last = block.lines[-1].text.split()
            assert len(last) >= 2, (name, size, block.text, [ln.text for ln in block.lines])


@pytest.mark.parametrize(
    ("prompt", "genre"),
    [
        ('a conference name badge "DevSummit" "Sam Ortiz"', "badge"),
        ('an app icon for a weather app "Skye"', "icon"),
    ],
)
def test_badges_and_app_icons_are_opaque_full_bleed_not_stickers(engine, make_spec, prompt, genre):
    brief = parse(prompt)
    assert brief.genre == genre
    background = auto_background(prompt)
    assert background == "opaque"
    for seed in range(len(LAYOUTS[genre])):
        [result] = engine.generate(
            make_spec(prompt, 256, 256, seed=seed, background=background, quality="low")
        )
        pixels = np.asarray(result.image.convert("RGBA"))
        assert (pixels[..., 3] == 255).all()
        if genre == "icon":  # full bleed: the icon's colour reaches every edge, no white rim
            for edge in (pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]):
                assert edge[..., :3].min(axis=1).mean() < 235


@pytest.mark.parametrize(
    "prompt",
    [
        'a cafe menu with the items "Espresso" "Latte" "Croissant"',
        'an infographic listing the steps "Plan" "Build" "Ship"',
        'a recipe card with the ingredients "200 g spaghetti" "1 lemon"',
    ],
)
def test_list_items_never_become_the_headline(engine, make_spec, prompt):
    genre = parse(prompt).genre
    for seed in range(len(LAYOUTS[genre])):
        design = engine.design(make_spec(prompt, 512, 768, seed=seed))
        quoted = [b for b in design.blocks if b.role != "number"]
        assert quoted and all(b.role != "title" for b in quoted), design.layout
        sizes = {round(max(line.size for line in b.lines)) for b in quoted}
        assert len(sizes) == 1, (design.layout, sizes)  # one size: items of one list


def test_an_app_icon_draws_its_weather_pair_as_one_glyph_on_the_asked_gradient(engine, make_spec):
    from pixmill.engines.design.scene import vectors

    prompt = "an app icon for a weather app with a cloud and a sun on a purple gradient"
    for seed in range(len(LAYOUTS["icon"])):
        design = engine.design(make_spec(prompt, 256, 256, seed=seed))
        drawn = {v.code for v in vectors(design.scene.art)}
        assert "26c5" in drawn, (seed, design.layout, drawn)  # the sun behind a cloud
    image = engine.generate(make_spec(prompt, 256, 256, seed=0))[0].image.convert("RGB")
    r, g, b = np.asarray(image)[4, 4].astype(int)
    assert r > g + 40 and b > g + 40, (r, g, b)  # purple, not the genre's default
