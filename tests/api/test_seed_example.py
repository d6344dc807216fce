"""Segmind's GPT-Image-1 example request, byte for byte, returns the cover it asks for."""

import base64
import io
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import API_KEY, SEED_REQUEST

SHARED_COPY = Path(__file__).resolve().parents[3] / "shared" / "examples" / "seed-request.json"
MASTHEAD = "Urban Pulse"
HEADLINES = (
    "10 Hidden Cafés You'll Love in NYC",
    "Minimalist Apartments: Small Spaces, Big Ideas",
    "Exclusive Interview: Behind the Scenes with Indie Band Echo District",
)


def test_the_test_copy_is_the_shared_example_byte_for_byte():
    if not SHARED_COPY.exists():
        pytest.skip(f"{SHARED_COPY} is not beside this checkout")
    assert SEED_REQUEST.read_bytes() == SHARED_COPY.read_bytes()


@pytest.fixture(scope="module")
def cover(design_server) -> tuple[httpx.Response, Image.Image]:
    response = httpx.post(
        design_server + "/v1/gpt-image-1",
        content=SEED_REQUEST.read_bytes(),
        headers={"x-api-key": API_KEY, "content-type": "application/json"},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    return response, Image.open(io.BytesIO(data))


def test_returns_a_portrait_png(cover):
    response, image = cover
    assert image.format == "PNG"
    assert image.size == (1024, 1536)
    body = response.json()
    assert (body["size"], body["background"], body["output_format"]) == (
        "1024x1536",
        "opaque",
        "png",
    )
    assert body["quality"] in ("low", "medium", "high")


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")
def test_shows_the_masthead_and_every_headline_spelled_exactly(cover):
    _, image = cover
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    text = subprocess.run(
        ["tesseract", "stdin", "stdout", "--psm", "3"],
        input=buffer.getvalue(),
        capture_output=True,
        check=True,
    ).stdout.decode()
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert MASTHEAD in lines, text
    words = set(re.findall(r"\S+", text))
    for headline in HEADLINES:
        missing = [word for word in headline.split() if word not in words]
        assert not missing, f"{headline!r}: OCR did not read {missing} in:\n{text}"
