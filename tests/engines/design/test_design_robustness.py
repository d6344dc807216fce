"""The engine never raises and never draws a blank picture, whatever the prompt."""

from __future__ import annotations

import random

import numpy as np
import pytest

WEIRD = [
    '""',
    '"" "" ""',
    "“”",
    '"',
    '"unclosed quote',
    "🎉🔥 party poster 🎉",
    'poster "🎉🔥🚀"',
    'logo "שלום עולם"',
    'poster "مرحبا بالعالم" and "Hello"',
    'poster "東京 ナイト" "서울"',
    "\x00\x01\x02\x1b[31m control \x7f",
    'poster "\u202eevil\u202c" "zero\u200bwidth"',
    "a" * 5000,
    'magazine cover "' + "word " * 1000 + '"',
    " ".join(f'"quote {i}"' for i in range(60)),
    'poster "' + "Supercalifragilisticexpialidocious" * 20 + '"',
    "\n\n\t  \n",
    '"A"',
    "\ud800 lone surrogate",
]


@pytest.mark.parametrize("prompt", WEIRD)
@pytest.mark.parametrize("size", [(256, 256), (1024, 256)])
def test_weird_prompts_render(engine, make_spec, prompt, size):
    for background in ("opaque", "transparent"):
        [result] = engine.generate(
            make_spec(prompt, *size, quality="low", background=background, output_format="svg")
        )
        assert result.image.size == size
        assert result.svg and b"<text" not in result.svg
        pixels = np.asarray(result.image)
        assert pixels[..., 3].max() == 255


def _random_prompt(rng: random.Random) -> str:
    """Prompts of the kinds that break text engines: empty quotes, emoji, very long
    text, many quotes, right-to-left scripts, control characters, stray quotes."""
    pieces = [
        "poster",
        "magazine cover",
        "logo",
        "sticker",
        "menu",
        "banner",
        "book cover",
        "business card",
        "youtube thumbnail",
        "invitation",
        "a cat",
        "city",
        "mountains",
        "neon",
        "pastel",
        "dark",
        "vintage",
        "retro",
        "minimalist",
        '"',
        "“",
        "”",
        "«",
        "»",
        "🎉",
        "👩🏽‍🚀",
        "שלום",
        "مرحبا",
        "東京",
        "\x00",
        "\u200b",
        "\u202e",
        "\n",
        "\t",
        "é",
        "ß",
        "Ω",
        "Ж",
        '""',
        "  ",
        "10",
        ":",
        "called",
        "headline",
        "tagline",
        "date",
        "\\",
        "{}",
        "%s",
        "<b>",
        "&amp;",
        "\ud83d",
    ]
    kind = rng.randrange(6)
    if kind == 0:  # a long prompt
        return "".join(rng.choice(pieces) + " " for _ in range(rng.randint(500, 1200)))[:5000]
    if kind == 1:  # many quotes
        return " ".join(f'"{rng.choice(pieces)}{i}"' for i in range(rng.randint(10, 80)))
    if kind == 2:  # right-to-left and mixed scripts in quotes
        script = rng.choice(["שלום עולם", "مرحبا بالعالم", "Hello שלום", "Привет мир"])
        return f'poster "{script}" and "{rng.random()}"'
    if kind == 3:  # control characters everywhere
        return "".join(chr(rng.randrange(0, 40)) + rng.choice(pieces) for _ in range(30))
    return "".join(rng.choice(pieces) + rng.choice(("", " ")) for _ in range(rng.randint(0, 40)))


def test_500_random_prompts_do_not_crash(engine, make_spec):
    rng = random.Random(1234)
    for index in range(500):
        prompt = _random_prompt(rng)
        size = (rng.randrange(256, 529, 16), rng.randrange(256, 529, 16))
        special = index % 25 == 0
        spec = make_spec(
            prompt or ".",
            *size,
            quality="low",
            seed=rng.randrange(2**32),
            background="transparent" if special else "opaque",
            output_format="svg" if special else "png",
        )
        [result] = engine.generate(spec)
        assert result.image.size == size, prompt
        assert np.asarray(result.image)[..., 3].max() == 255, prompt


def test_uncovered_scripts_are_logged_and_covered_ones_set(engine, make_spec, caplog):
    with caplog.at_level("WARNING", logger="pixmill.engines.design"):
        design = engine.design(make_spec('poster "مرحبا" "Ελληνικά και Русский"', 512, 512))
    assert "no bundled font covers" in caplog.text
    assert [b.text for b in design.blocks] == ["Ελληνικά και Русский"]
