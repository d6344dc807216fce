"""A composed design model over a gateway model (issue 25), end to end: a real pixmill
server whose `poster` model lays its text over what a fake OpenAI on loopback draws.

The fake answers a known picture; the test reads the quoted text back by OCR, checks
that the upstream never saw it, that the picture's pixels are the upstream's, and what
the design's metadata, Content Credentials, price and errors say.
"""

from __future__ import annotations

import base64
import difflib
import io
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageOps
from starlette.responses import JSONResponse, Response
from tests.conftest import API_KEY, make_settings, running_server
from tests.content_credentials import actions, xmp_source_type
from tests.content_credentials import read_back as read_credentials
from tests.engines.upstream.conftest import gateway_models
from tests.engines.upstream.fake_upstreams import FakeUpstream, openai_error

from pixmill.accounts.pricing import PriceTable
from pixmill.accounts.store import AccountStore
from pixmill.imaging.c2pa_signing import LOCAL_DIR
from pixmill.imaging.provenance import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
)

TESSERACT = shutil.which("tesseract")
PROMPT = (
    'A movie poster of a red sun over a busy harbour, title "HARBOR LIGHTS", '
    'tagline "Opening Friday"'
)
QUOTED = ("HARBOR", "LIGHTS", "Opening", "Friday")


@pytest.fixture(scope="module")
def composed(
    openai_upstream: FakeUpstream,
    segmind_upstream: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, Path]]:
    """The gateway, plus `poster`: the design engine over gpt-image-1's art."""
    data_dir = Path(tmp_path_factory.mktemp("composed"))
    models = gateway_models(openai_upstream, segmind_upstream)
    models["poster"] = {"engine": "design", "options": {"art": "gpt-image-1"}}
    settings = make_settings(data_dir=data_dir, models=models)
    with running_server(settings) as (url, _):
        yield url, data_dir


def known_picture(width: int, height: int) -> Image.Image:
    """A calm sky over a busy harbour with a red sun: a real photo's layout."""
    sky = np.linspace([30, 60, 140], [160, 190, 230], height, dtype=np.float32)
    image = Image.fromarray(np.repeat(sky[:, None, :], width, axis=1).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    rng = np.random.default_rng(7)
    for _ in range(600):
        x, y = int(rng.integers(0, width)), int(rng.integers(height * 3 // 5, height))
        r = int(rng.integers(4, 26))
        draw.rectangle(
            (x - r, y - r, x + r, y + r), fill=tuple(int(v) for v in rng.integers(0, 255, 3))
        )
    cx, cy = width // 2, height * 2 // 3
    draw.ellipse(
        (cx - width // 6, cy - width // 6, cx + width // 6, cy + width // 6), fill=(230, 60, 30)
    )
    return image


def known_answer(body: dict[str, Any]) -> Response:
    width, height = (int(side) for side in body["size"].split("x"))
    out = io.BytesIO()
    known_picture(width, height).save(out, "PNG")
    return JSONResponse(
        {
            "created": int(time.time()),
            "data": [{"b64_json": base64.b64encode(out.getvalue()).decode()}],
            "size": body["size"],
            "quality": body.get("quality", "medium"),
            "output_format": "png",
            "background": "opaque",
        }
    )


def ocr(image: Image.Image, folder: Path) -> set[str]:
    """The words Tesseract reads off the picture: grey and inverted, at full and half
    size, in sparse and block modes (each reading misses a letter now and then)."""
    grey = image.convert("L")
    words: set[str] = set()
    for name, page in (("grey", grey), ("inverted", ImageOps.invert(grey))):
        for scale in (1, 2):
            path = folder / f"{name}-{scale}.png"
            page.resize((page.width // scale, page.height // scale), Image.LANCZOS).save(path)
            for psm in ("11", "3"):
                done = subprocess.run(
                    [str(TESSERACT), str(path), "stdout", "--psm", psm],
                    capture_output=True,
                    text=True,
                    timeout=120,
                    env={**os.environ, "OMP_THREAD_LIMIT": "1"},
                )
                words.update(w.strip(".,:;!?\"'") for w in done.stdout.split())
    return words


def read_back(word: str, words: set[str]) -> bool:
    """Read exactly, or, for a word of six letters or more, with one letter lost or
    misread (Tesseract drops a round capital next to a gradient: "pening")."""
    if word in words:
        return True
    return len(word) >= 6 and any(
        difflib.SequenceMatcher(None, word, seen).ratio() >= 0.9 for seen in words
    )


def rows_from(picture: np.ndarray, source: np.ndarray) -> float:
    """The share of the picture's rows (or columns, whichever is more) that are rows
    (columns) of `source` exactly: pixels taken from it, not redrawn."""
    rows = {row.tobytes() for row in source}
    columns = {column.tobytes() for column in source.transpose(1, 0, 2)}
    by_row = np.mean([row.tobytes() in rows for row in picture])
    by_column = np.mean([column.tobytes() in columns for column in picture.transpose(1, 0, 2)])
    return float(max(by_row, by_column))


@pytest.mark.skipif(TESSERACT is None, reason="needs the tesseract binary")
def test_exact_text_over_the_upstreams_picture(composed, openai_upstream, client_for, tmp_path):
    url, data_dir = composed
    openai_upstream.then(known_answer)
    body = {"model": "poster", "prompt": PROMPT, "size": "1024x1536", "quality": "low"}
    response = client_for(url).post("/v1/images/generations", json=body)
    assert response.status_code == 200, response.text
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    image = Image.open(io.BytesIO(data))
    assert image.size == (1024, 1536)

    # the upstream drew the picture from the art prompt: none of the quoted text
    [call] = openai_upstream.calls
    sent = call.body["prompt"]
    assert "no lettering" in sent and "red sun" in sent
    for word in QUOTED:
        assert word.lower() not in sent.lower()
    assert call.body["size"] == "1024x1536"

    # the text reads back, and the picture's pixels are the upstream's
    text = ocr(image, tmp_path)
    for word in QUOTED:
        assert read_back(word, text), (word, sorted(text))
    art = np.asarray(known_picture(1024, 1536))
    assert rows_from(np.asarray(image.convert("RGB")), art) > 0.4

    # the metadata records the art prompt; the credentials name the art as an ingredient
    assert json.loads(image.info["Description"])["art_prompt"] == sent
    anchor = (data_dir / LOCAL_DIR / "ca.pem").read_bytes()
    state, manifest, store = read_credentials(data, "image/png", anchor)
    assert state == "Trusted"
    [created] = [a for a in actions(manifest) if a["action"] == "c2pa.created"]
    assert created["digitalSourceType"] == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert xmp_source_type(data) == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    [art_ingredient] = manifest["ingredients"]
    assert (art_ingredient["title"], art_ingredient["relationship"]) == ("art", "componentOf")
    art_manifest = store["manifests"][art_ingredient["active_manifest"]]
    [art_created] = [a for a in actions(art_manifest) if a["action"] == "c2pa.created"]
    assert art_created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert art_created["softwareAgent"]["model"] == "gpt-image-1"


def test_the_price_is_the_art_models_plus_the_layouts(composed, client_for):
    url, _ = composed
    client = client_for(url)
    poster = client.get("/v1/models/poster").json()["pricing"]["per_image"]["low"]
    art = client.get("/v1/models/gpt-image-1").json()["pricing"]["per_image"]["low"]
    design = client.get("/v1/models/design").json()["pricing"]["per_image"]["low"]
    total = float(art["1024x1024"]) + float(design["1024x1024"])
    assert float(poster["1024x1024"]) == pytest.approx(total)


def test_an_art_model_failure_is_the_same_error_and_costs_nothing(
    composed, openai_upstream, client_for
):
    url, _ = composed
    client = client_for(url)
    failure = openai_error(400, "Your request was rejected.", type="image_generation_user_error")
    body = {"prompt": "a lighthouse", "size": "1024x1024", "quality": "low"}
    openai_upstream.then(failure)
    direct = client.post("/v1/images/generations", json=body | {"model": "gpt-image-1"})
    openai_upstream.then(failure)
    composed_call = client.post("/v1/images/generations", json=body | {"model": "poster"})
    assert composed_call.status_code == direct.status_code == 400
    assert composed_call.json()["error"] == direct.json()["error"]
    # nothing charged for either: the balance each answer carries is the same
    left = "x-remaining-credits"
    assert composed_call.headers[left] == direct.headers[left]


def test_an_edit_edits_the_image_with_the_art_model_then_lays_out_again(
    composed, openai_upstream, client_for
):
    url, _ = composed
    photo = io.BytesIO()
    known_picture(1024, 1024).save(photo, "PNG")
    response = client_for(url).post(
        "/v1/images/edits",
        data={"model": "poster", "prompt": 'make it dusk, title "LAST CALL"', "quality": "low"},
        files={"image": ("photo.png", photo.getvalue(), "image/png")},
    )
    assert response.status_code == 200, response.text
    [call] = openai_upstream.calls
    assert call.path.endswith("/images/edits")
    assert "LAST CALL" not in call.body["prompt"] and "dusk" in call.body["prompt"]
    assert [f.field for f in call.files] in (["image"], ["image[]"])


def test_the_usage_record_holds_the_art_prompt_and_the_charge_both_prices(
    openai_upstream, segmind_upstream, tmp_path
):
    models = gateway_models(openai_upstream, segmind_upstream)
    models["poster"] = {"engine": "design", "options": {"art": "gpt-image-1"}}
    settings = make_settings(data_dir=tmp_path, models=models)
    body = {"model": "poster", "prompt": PROMPT, "size": "1024x1024", "quality": "low"}
    with running_server(settings) as (url, _):
        answer = httpx.post(
            url + "/v1/images/generations", json=body, headers={"x-api-key": API_KEY}, timeout=600
        )
    assert answer.status_code == 200, answer.text
    store = AccountStore.open(settings)
    record = store.usage.get(answer.headers["x-request-id"])
    store.db.dispose()
    [call] = openai_upstream.calls
    assert record.params["art_prompt"] == call.body["prompt"]
    one = PriceTable().per_image("gpt-image-1", "low", 1024, 1024)
    assert record.cost_micro == 2 * one == round(Decimal(answer.headers["x-cost"]) * 10**6)
