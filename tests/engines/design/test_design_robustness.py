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


def test_random_prompts_do_not_crash(engine, make_spec):
    rng = random.Random(1234)
    pieces = [
        "poster",
        "magazine cover",
        "logo",
        "sticker",
        "menu",
        "banner",
        "a cat",
        "city",
        "neon",
        "pastel",
        "dark",
        "vintage",
        '"',
        "“",
        "”",
        "«",
        "»",
        "🎉",
        "שלום",
        "مرحبا",
        "東京",
        "\x00",
        "\u200b",
        "\n",
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
    ]
    for _ in range(40):
        prompt = "".join(
            rng.choice(pieces) + rng.choice(("", " ")) for _ in range(rng.randint(0, 40))
        )
        size = (rng.choice((256, 512)), rng.choice((256, 512, 768)))
        [result] = engine.generate(
            make_spec(prompt or ".", *size, quality="low", seed=rng.randrange(2**32))
        )
        assert result.image.size == size
