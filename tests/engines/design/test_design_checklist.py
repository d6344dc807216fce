"""The checklist in each picture's metadata, checked against the layers drawn."""

from __future__ import annotations

import io
import json

from PIL import Image

from pixmill.engines.design.scene import Ellipse, Group, Line, vectors
from pixmill.engines.design.subjects import library
from pixmill.service import encode_one


def _entries(design, kind):
    return {e["item"]: e for e in design.checklist if e["kind"] == kind}


def _walk(shapes):
    for shape in shapes:
        if isinstance(shape, Group):
            yield from _walk(shape.items)
        else:
            yield shape


def test_subjects_weather_and_time_match_the_layers(engine, make_spec):
    design = engine.design(make_spec("a red fox sitting in a snowy forest at night", 384, 384))
    codes = {v.code for v in vectors(design.scene.art)}
    subjects = _entries(design, "subject")
    assert subjects["fox"]["status"] == "drawn" and library.lookup("fox") in codes
    # snow: white flakes over the scene
    flakes = [
        s for s in _walk(design.scene.art) if isinstance(s, Ellipse) and s.fill[:3] == (255,) * 3
    ]
    assert _entries(design, "weather")["snow"]["status"] == "drawn" and len(flakes) > 20
    assert _entries(design, "time")["night"]["status"] == "drawn"
    assert _entries(design, "colour")["red"]["status"] == "drawn"


def test_rain_is_drawn_and_an_undrawable_thing_is_marked(engine, make_spec):
    design = engine.design(make_spec("a lamp and a lighthouse in the rain", 384, 384))
    streaks = [s for s in _walk(design.scene.art) if isinstance(s, Line)]
    assert _entries(design, "weather")["rain"]["status"] == "drawn" and len(streaks) > 20
    subjects = _entries(design, "subject")
    assert subjects["lamp"]["status"] == "not drawable"
    assert subjects["lighthouse"]["status"] == "drawn"
    assert library.lookup("light bulb") not in {v.code for v in vectors(design.scene.art)}


def test_texts_and_roles_are_listed_as_set(engine, make_spec):
    text = 'a black and gold poster "The Midnight Ball" date "Saturday, 8 PM"'
    design = engine.design(make_spec(text, 384, 512))
    texts = _entries(design, "text")
    set_text = [block.text for block in design.blocks]
    for quote in ("The Midnight Ball", "Saturday, 8 PM"):
        assert texts[quote]["status"] == "drawn"
        assert any(quote in t for t in set_text)
    assert texts["The Midnight Ball"]["role"] == "title"
    colours = _entries(design, "colour")
    assert set(colours) == {"black", "gold"}
    assert design.scene.background  # black asked first: a dark ground
    assert all(e["status"] == "drawn" for e in colours.values())


def test_the_checklist_is_in_the_png_metadata(engine, make_spec):
    spec = make_spec("two penguins on an iceberg at dawn", 256, 256)
    picture = engine.generate(spec)[0]
    assert picture.checklist and picture.checklist[0]["item"] == "penguins"
    encoded = encode_one(picture, spec, 0, "design")
    info = Image.open(io.BytesIO(encoded.data)).info
    provenance = json.loads(info["Description"])
    assert provenance["checklist"] == [dict(e) for e in picture.checklist]
