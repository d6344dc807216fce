"""OCR read-back: Tesseract reads the quoted text off rendered designs.

At least 95% of the quoted words across the design prompts must come back
exactly (a word counts when the OCR output has it as a token with the same
letters, case and accents; punctuation at a token's ends is ignored on both
sides). Needs the `tesseract` binary (Debian: tesseract-ocr, tesseract-ocr-eng).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from design_prompts import GENRE_PROMPTS
from PIL import Image

from pixmill.engines.design.brief import parse
from pixmill.request import auto_size

TESSERACT = shutil.which("tesseract")
PUNCTUATION = ".,:;!?\"'“”‘’()[]|"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        TESSERACT is None, reason="needs the tesseract binary (apt-get install tesseract-ocr)"
    ),
]


def words(text: str) -> list[str]:
    return [w.strip(PUNCTUATION) for w in text.split() if w.strip(PUNCTUATION)]


def read_text(image: Image.Image, folder: Path, name: str) -> str:
    """Tesseract on the grey image at full and half size, sparse and block modes."""
    grey = image.convert("L")
    outputs = []
    for scale in (1, 2):
        path = folder / f"{name}-{scale}.png"
        grey.resize((grey.width // scale, grey.height // scale), Image.LANCZOS).save(path)
        for psm in ("11", "3"):
            result = subprocess.run(
                [TESSERACT, str(path), "stdout", "--psm", psm],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            )
            outputs.append(result.stdout)
    return "\n".join(outputs)


def recovered(prompt: str, text: str) -> tuple[int, int, list[str]]:
    want = [w for q in parse(prompt).quotes for w in words(q.text)]
    got = Counter(words(text))
    missing = [w for w in want if got[w] == 0]
    return len(want) - len(missing), len(want), missing


def test_quoted_words_read_back(engine, make_spec):
    assert len(GENRE_PROMPTS) >= 20
    images = []
    for index, (_, prompt) in enumerate(GENRE_PROMPTS):
        width, height = auto_size(prompt)
        spec = make_spec(prompt, width, height, seed=index, quality="medium")
        images.append((index, prompt, engine.generate(spec)[0].image))
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(2) as pool:
        texts = list(pool.map(lambda job: read_text(job[2], Path(tmp), str(job[0])), images))
    hits = total = 0
    report = []
    for (_, prompt, _), text in zip(images, texts, strict=True):
        hit, count, missing = recovered(prompt, text)
        hits, total = hits + hit, total + count
        if missing:
            report.append(f"{prompt[:50]!r}: missing {missing}")
    rate = hits / total
    print(f"OCR recovered {hits}/{total} quoted words ({rate:.1%})")
    assert rate >= 0.95, "\n".join(report)
