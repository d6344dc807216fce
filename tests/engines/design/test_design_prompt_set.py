"""The in-repo proxy for the subject target: for each prompt of the prompt set whose
first subject the library holds, the drawn scene (its layers) contains that subject."""

from __future__ import annotations

import json
from pathlib import Path

from pixmill.engines.design.layouts import LAYOUTS
from pixmill.engines.design.scene import vectors
from pixmill.engines.design.subjects import library, matching
from pixmill.request import auto_background, auto_size

SET = Path(__file__).resolve().parents[2] / "data" / "design_prompt_set.jsonl"


def test_the_named_subject_is_drawn_for_most_of_the_prompt_set(engine, make_spec):
    rows = [json.loads(line) for line in SET.read_text().splitlines() if line.strip()]
    held, missed = 0, []
    for k, row in enumerate(rows):
        first = (row.get("subjects") or [""])[0]
        subject = next((s for s in matching.match(first).subjects if s.code), None)
        if subject is None or subject.code is None:
            continue
        code = subject.code
        held += 1
        width, height = auto_size(row["prompt"])
        spec = make_spec(
            row["prompt"], width // 4, height // 4, background=auto_background(row["prompt"])
        )
        scene = engine.design(spec).scene
        drawn = {v.code for v in vectors(scene.art) + vectors(scene.background)}
        if not drawn & set(matching.variants(subject)):  # the seed may pick another drawing
            missed.append(f"{k:02d} {library.name_of(code)}")
    share = (held - len(missed)) / held
    print(f"subject proxy: {held - len(missed)}/{held} = {share:.2f}; missed {missed}")
    assert held >= 60 and share >= 0.9, missed


def test_a_named_subject_is_drawn_whichever_layout_the_seed_picks(engine, make_spec):
    """A picture-less layout (a typographic poster or book cover) gives way to one with a
    picture when the prompt names a subject."""
    prompts = {
        "poster": 'a poster for a lost cat "Have you seen Milo?"',
        "flyer": 'a flyer for a bake sale "Cakes for Good" with a cake',
        "event": 'an event poster for a jazz night "Blue Notes" with a saxophone',
        "book": 'a book cover "The Glass Crown" with a crown',
    }
    for genre, prompt in prompts.items():
        subject = next(s for s in matching.match(prompt).subjects if s.code)
        for seed in range(len(LAYOUTS[genre])):
            design = engine.design(make_spec(prompt, 256, 384, seed=seed))
            drawn = {v.code for v in vectors(design.scene.art) + vectors(design.scene.background)}
            assert drawn & set(matching.variants(subject)), (genre, seed, design.layout)
