"""A composed design model over the tiny random-weight diffusion pipeline (issue 25).

Over HTTP: the quoted text reads back by OCR from a design whose picture is the
pipeline's own (the same picture the diffusion model answers when called directly with
the art prompt). In process: partial images (the art's first, the design last, as many
as asked in all) and cancellation inside the art call.
"""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import subprocess

import httpx
import numpy as np
import pytest
from PIL import Image
from tests.conftest import API_KEY, make_settings, running_server

from pixmill.engines import PartialImage
from pixmill.engines.design.art import ArtModel, ComposedEngine
from pixmill.engines.diffusion import DiffusionEngine
from pixmill.errors import Cancelled
from pixmill.settings import ModelConfig

from .conftest import NATIVE_SIDE, make_spec

TESSERACT = shutil.which("tesseract")
PROMPT = 'a poster of a stormy sea at night, title "STORM WATCH", tagline "Every Tuesday"'
QUOTED = ("STORM", "WATCH", "Every", "Tuesday")


@pytest.fixture(scope="module")
def server(tiny_model_dir, tmp_path_factory):
    sd = {"model": str(tiny_model_dir), "family": "sd-turbo", "native_side": NATIVE_SIDE}
    settings = make_settings(
        data_dir=tmp_path_factory.mktemp("data"),
        models={
            "sd": ModelConfig(engine="diffusion", options=sd),
            "poster": ModelConfig(engine="design", options={"art": "sd"}),
        },
    )
    with running_server(settings) as (url, _):
        yield url


def _image(response) -> tuple[Image.Image, bytes]:
    assert response.status_code == 200, response.text
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    return Image.open(io.BytesIO(data)), data


def rows_from(picture: np.ndarray, source: np.ndarray) -> float:
    """The share of the picture's rows (or columns) that are rows (columns) of `source`."""
    rows = {row.tobytes() for row in source}
    columns = {column.tobytes() for column in source.transpose(1, 0, 2)}
    by_row = np.mean([row.tobytes() in rows for row in picture])
    by_column = np.mean([column.tobytes() in columns for column in picture.transpose(1, 0, 2)])
    return float(max(by_row, by_column))


@pytest.mark.slow
@pytest.mark.skipif(TESSERACT is None, reason="needs the tesseract binary")
def test_exact_text_over_the_diffusion_models_picture(server, tmp_path):
    # The server's first call waits on its warm-up (the moderation and saliency models,
    # the diffusion path): on a shared CPU that may take minutes.
    client = httpx.Client(base_url=server, timeout=900, headers={"x-api-key": API_KEY})
    body = {"prompt": PROMPT, "size": "768x768", "quality": "low", "seed": 11}
    design, _ = _image(client.post("/v1/images/generations", json=body | {"model": "poster"}))
    art_prompt = json.loads(design.info["Description"])["art_prompt"]
    assert "stormy sea at night" in art_prompt
    sent = set(art_prompt.lower().replace(",", " ").split())
    for word in QUOTED:
        assert word.lower() not in sent
    # the diffusion model called directly with the art prompt draws the same picture
    direct = body | {"model": "sd", "prompt": art_prompt}
    art, _ = _image(client.post("/v1/images/generations", json=direct))
    picture = np.asarray(design.convert("RGB"))
    assert rows_from(picture, np.asarray(art.convert("RGB"))) > 0.4
    path = tmp_path / "design.png"
    design.convert("L").save(path)
    text = ""
    for psm in ("11", "3"):
        text += subprocess.run(
            [str(TESSERACT), str(path), "stdout", "--psm", psm],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        ).stdout
    for word in QUOTED:
        assert word in text, (word, text)


@pytest.fixture(scope="module")
def composed(tiny_model_dir):
    """Four steps a request (quality max), so that the art sends partials."""
    sd = DiffusionEngine(
        str(tiny_model_dir), family="sd-turbo", native_side=NATIVE_SIDE, channels_last=False,
        runtime="torch", dtype="float32", max_batch=2,
    )  # fmt: skip
    return ComposedEngine(ArtModel("sd", "diffusion", sd))


@pytest.mark.parametrize("asked", [1, 2, 3])
def test_partials_are_the_arts_then_the_design(composed, asked):
    partials: list[PartialImage] = []

    def progress(done, total, partial=None):
        if partial is not None:
            partials.append(partial)

    spec = make_spec(prompt=PROMPT, quality="max", n=2, partial_images=asked)
    images = composed.generate(spec, progress)
    for index in (0, 1):
        mine = [p for p in partials if p.index == index]
        assert len(mine) == asked
        assert np.array_equal(np.asarray(mine[-1].image), np.asarray(images[index].image))
        for art_partial in mine[:-1]:  # the art's: a latent decoded, at the art's own size
            assert art_partial.image.size != images[index].image.size


def test_cancelling_stops_the_art_call(composed):
    calls: list[int] = []

    def progress(done, total, partial=None):
        calls.append(done)
        raise Cancelled("the client went away")

    with pytest.raises(Cancelled):
        composed.generate(make_spec(prompt=PROMPT, quality="max"), progress)
    assert len(calls) == 1  # the first step's report raised: no step after it ran
