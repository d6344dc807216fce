"""Layout properties: every quoted string set once, inside the canvas, no overlaps,
contrast at least 4.5:1 against what lies behind the text."""

from __future__ import annotations

import numpy as np
import pytest
from design_prompts import GENRE_PROMPTS, SCENE_PROMPTS

from pixmill.engines.design.brief import parse
from pixmill.engines.design.compose import backdrop_luminance
from pixmill.engines.design.contrast import MINIMUM, worst_contrast
from pixmill.engines.design.typeset import curly, plain_quotes

PROMPTS = [prompt for _, prompt in GENRE_PROMPTS] + [
    'poster with "Ünïcödé Grüße — naïve café" and "Ελληνικά και Русский"',
    'magazine cover called "Nordic Living." headlines: "Cabins by the Fjord" "Slow Mornings" '
    '"The New Hygge: 12 Ideas" "Winter Recipes" "Body copy that runs on for a while, as '
    'body copy does." "More" "And more"',
]
SIZES = [(1024, 1536), (1536, 1024), (512, 512), (256, 768), (1024, 256)]


@pytest.fixture(scope="module")
def designs(engine, make_spec):
    return [
        (prompt, engine.design(make_spec(prompt, width, height, seed=seed)))
        for prompt in PROMPTS
        for seed, (width, height) in enumerate(SIZES)
    ]


@pytest.mark.parametrize(("genre", "prompt"), GENRE_PROMPTS)
def test_genres_are_recognised(genre, prompt):
    assert parse(prompt).genre == genre


def test_scenes_have_no_text_and_are_drawn(engine, make_spec):
    for prompt in SCENE_PROMPTS:
        design = engine.design(make_spec(prompt, 384, 256))
        assert design.genre == "scene"
        assert not design.blocks
        assert design.scene.art, prompt


def test_n_gives_different_designs(engine, make_spec):
    for _, prompt in GENRE_PROMPTS:
        results = engine.generate(make_spec(prompt, 256, 256, seed=10, n=3, quality="low"))
        pixels = [np.asarray(r.image.convert("RGB"), dtype=np.int16) for r in results]
        for other in pixels[1:]:
            assert np.abs(pixels[0] - other).mean() > 3, prompt


def test_seed_prompt_matches_the_shared_example(seed_prompt, inline_seed_prompt):
    assert seed_prompt == inline_seed_prompt


def test_seed_cover_sets_every_quote_exactly(engine, make_spec, seed_prompt, seed_quotes):
    for width, height in [(1024, 1536), (1536, 1024), (1024, 1024), (256, 256)]:
        design = engine.design(make_spec(seed_prompt, width, height))
        assert design.genre == "magazine"
        texts = _set_text(design)
        assert sorted(texts) == sorted(seed_quotes)
        for quote in seed_quotes:  # exact: the same characters apart from quote glyphs
            assert plain_quotes(texts[quote]) == quote
            assert texts[quote] == curly(quote)
        masthead = [b for b in design.blocks if b.role == "title"]
        assert [b.text for b in masthead] == ["Urban Pulse."]


def _set_text(design) -> dict[str, str]:
    texts: dict[str, list[str]] = {}
    for block in design.blocks:
        texts.setdefault(block.source, []).append(block.text)
    return {source: " ".join(parts) for source, parts in texts.items()}


def test_every_quote_set_exactly_once(designs):
    for prompt, design in designs:
        expected = {q.text for q in parse(prompt).quotes}
        texts = _set_text(design)
        assert set(texts) == expected, prompt
        for source, text in texts.items():
            assert plain_quotes(text) == source, prompt


def test_text_boxes_inside_canvas_and_apart(designs):
    for prompt, design in designs:
        scene = design.scene
        boxes = [b.box for b in design.blocks]
        for box in boxes:
            assert box.x >= 0 and box.y >= 0, prompt
            assert box.right <= scene.width + 1e-6 and box.bottom <= scene.height + 1e-6, prompt
            assert box.w > 0 and box.h > 0
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.intersects(b), (prompt, a, b)


def test_line_ink_inside_its_block(designs):
    for _, design in designs:
        for block in design.blocks:
            for line in block.lines:
                width = sum(span.width for span in line.spans)
                assert line.x >= block.box.x - 0.01
                assert line.x + width <= block.box.right + 0.01


@pytest.mark.parametrize("size", [(1024, 1536), (512, 512), (1536, 1024)])
def test_contrast_at_least_4_5(engine, make_spec, seed_prompt, size):
    for base, prompt in enumerate([seed_prompt, *PROMPTS]):
        for seed in (base, base + 100):
            design = engine.design(make_spec(prompt, *size, seed=seed))
            lum = backdrop_luminance(design.scene)
            for block in design.blocks:
                box = block.box
                y0, y1 = int(np.floor(box.y)), int(np.ceil(box.bottom))
                x0, x1 = int(np.floor(box.x)), int(np.ceil(box.right))
                region = lum[y0:y1, x0:x1]
                ratio = worst_contrast(block.color, float(region.min()), float(region.max()))
                assert ratio >= MINIMUM, (prompt, block.text, ratio)
