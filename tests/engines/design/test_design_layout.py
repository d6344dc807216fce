"""Layout properties: every quoted string set once, inside the canvas, no overlaps,
contrast at least 4.5:1 against what lies behind the text."""

from __future__ import annotations

import numpy as np
import pytest

from pixmill.engines.design.brief import parse
from pixmill.engines.design.compose import backdrop_luminance
from pixmill.engines.design.contrast import MINIMUM, worst_contrast

PROMPTS = [
    'A vibrant poster for a jazz night called "Blue Hour" with the tagline "Live every Friday"',
    'magazine cover called "Nordic Living." headlines: "Cabins by the Fjord" "Slow Mornings" '
    '"The New Hygge: 12 Ideas" "Winter Recipes"',
    'a dark neon poster "NIGHT DRIVE" "Synthwave all night" "Saturday 9 PM at The Garage"',
    'a pastel poster "Spring Market" "Fresh flowers, local bread" "Sundays 8–1, Old Town Square"',
    'poster with "Ünïcödé Grüße — naïve café" and "Ελληνικά και Русский"',
]
SIZES = [(1024, 1536), (1536, 1024), (512, 512), (256, 768), (1024, 256)]


def _designs(engine, make_spec):
    for prompt in PROMPTS:
        for width, height in SIZES:
            yield prompt, engine.design(make_spec(prompt, width, height, seed=3))


def test_seed_prompt_matches_the_shared_example(seed_prompt, inline_seed_prompt):
    assert seed_prompt == inline_seed_prompt


def test_seed_cover_sets_every_quote_exactly(engine, make_spec, seed_prompt, seed_quotes):
    for width, height in [(1024, 1536), (1536, 1024), (1024, 1024), (256, 256)]:
        design = engine.design(make_spec(seed_prompt, width, height))
        assert design.genre == "magazine"
        texts = _set_text(design)
        assert sorted(texts) == sorted(seed_quotes)
        for quote in seed_quotes:
            assert texts[quote] == quote
        masthead = [b for b in design.blocks if b.role == "title"]
        assert [b.text for b in masthead] == ["Urban Pulse"]


def _set_text(design) -> dict[str, str]:
    texts: dict[str, list[str]] = {}
    for block in design.blocks:
        texts.setdefault(block.source, []).append(block.text)
    return {source: " ".join(parts) for source, parts in texts.items()}


def test_every_quote_set_exactly_once(engine, make_spec):
    for prompt, design in _designs(engine, make_spec):
        expected = {q.text for q in parse(prompt).quotes}
        texts = _set_text(design)
        assert set(texts) == expected, prompt
        for source, text in texts.items():
            assert text == source, prompt


def test_text_boxes_inside_canvas_and_apart(engine, make_spec):
    for prompt, design in _designs(engine, make_spec):
        scene = design.scene
        boxes = [b.box for b in design.blocks]
        for box in boxes:
            assert box.x >= 0 and box.y >= 0, prompt
            assert box.right <= scene.width + 1e-6 and box.bottom <= scene.height + 1e-6, prompt
            assert box.w > 0 and box.h > 0
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                assert not a.intersects(b), (prompt, a, b)


def test_line_ink_inside_its_block(engine, make_spec):
    for _, design in _designs(engine, make_spec):
        for block in design.blocks:
            for line in block.lines:
                width = sum(span.width for span in line.spans)
                assert line.x >= block.box.x - 0.01
                assert line.x + width <= block.box.right + 0.01


@pytest.mark.parametrize("size", [(1024, 1536), (512, 512), (1536, 1024)])
def test_contrast_at_least_4_5(engine, make_spec, seed_prompt, size):
    for prompt in [seed_prompt, *PROMPTS[:4]]:
        for seed in (1, 2):
            design = engine.design(make_spec(prompt, *size, seed=seed))
            lum = backdrop_luminance(design.scene)
            for block in design.blocks:
                box = block.box
                y0, y1 = int(np.floor(box.y)), int(np.ceil(box.bottom))
                x0, x1 = int(np.floor(box.x)), int(np.ceil(box.right))
                region = lum[y0:y1, x0:x1]
                ratio = worst_contrast(block.color, float(region.min()), float(region.max()))
                assert ratio >= MINIMUM, (prompt, block.text, ratio)
