"""Segmind's GPT-Image-1 example request, byte for byte, returns the cover it asks for."""

import base64
import hashlib
import io
import json
import re
import shutil
import subprocess

import httpx
import pytest
from PIL import Image

from pixmill.engines.design.typeset import plain_quotes
from tests.conftest import API_KEY, SEED_REQUEST

SEED_DIGEST = "95f5955f5509532be377348c1ec21c7c5dd9ae2ef3479b4a5318854fad2180d3"
MASTHEAD = "Urban Pulse."
HEADLINES = (
    "10 Hidden Cafés You'll Love in NYC",
    "Minimalist Apartments: Small Spaces, Big Ideas",
    "Exclusive Interview: Behind the Scenes with Indie Band Echo District",
)


def test_the_test_copy_is_segminds_example_byte_for_byte():
    """The digest of the body as Segmind publishes it: whitespace and escapes included."""
    assert hashlib.sha256(SEED_REQUEST.read_bytes()).hexdigest() == SEED_DIGEST


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


def _design_of(response: httpx.Response):
    """The layout the server drew, rebuilt from the seed it reports."""
    from pixmill.engines.design import DesignEngine
    from pixmill.request import parse_request, resolve

    body = json.loads(SEED_REQUEST.read_bytes()) | {"seed": int(response.headers["x-seed-value"])}
    return DesignEngine().design(resolve(parse_request(body)))


def test_sets_the_masthead_and_every_headline_exactly(cover):
    response, _ = cover
    blocks = _design_of(response).blocks
    assert blocks[0].text == MASTHEAD
    assert blocks[0].role in ("title", "masthead")
    # exact: the same characters apart from quote glyphs ("You'll" is set "You’ll")
    set_text = plain_quotes(" ".join(block.text for block in blocks))
    for headline in HEADLINES:
        assert headline in set_text
    assert len(set_text) == len(" ".join((MASTHEAD, *HEADLINES))), "text set more than once"


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")
def test_the_pixels_show_that_text(cover):
    """OCR each laid-out block of the served image: at least 95% of the words read back."""
    response, image = cover
    expected = read = 0
    for block in _design_of(response).blocks:
        box = block.box
        crop = image.crop(
            (
                max(0, int(box.x) - 8),
                max(0, int(box.y) - 8),
                min(image.width, int(box.right) + 8),
                min(image.height, int(box.bottom) + 8),
            )
        )
        buffer = io.BytesIO()
        crop.convert("L").save(buffer, "PNG")
        text = subprocess.run(
            ["tesseract", "stdin", "stdout", "--psm", "6"],
            input=buffer.getvalue(),
            capture_output=True,
            check=True,
        ).stdout.decode()
        # OCR sometimes reads a space as '.', ':', '-' or an apostrophe (a lit window between
        # two words); count the words on either side.
        text = plain_quotes(text)
        tokens = set(text.split()) | set(re.split(r"[\s.:_'-]+", text))
        words = plain_quotes(block.text).split()
        expected += len(words)
        read += sum(word in tokens for word in words)
    assert read / expected >= 0.95, f"OCR read {read} of {expected} words"
