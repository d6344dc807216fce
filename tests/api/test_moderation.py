"""Moderation and background removal, wired into the pipeline, through the real server."""

import base64
import io
from decimal import Decimal

import numpy as np
import pytest
from PIL import Image

from pixmill.accounts.store import AccountStore
from pixmill.engines import EngineCapabilities, GeneratedImage
from pixmill.moderation import ImageModerator
from pixmill.usage import image_output_tokens
from tests.conftest import API_KEY, TEST_CREDITS, make_settings, running_server
from tests.fakes import FakeEngine
from tests.imaging.synthetic import iou, portrait

OPENAI = "/v1/images/generations"
SEGMIND = "/v1/gpt-image-1"
HARMFUL = "a decapitated body in the street"
MATURE = "a nude woman lying on a sofa, oil painting"


@pytest.mark.parametrize("prompt", [HARMFUL, "d e c a p i t a t e d   b0dy in the street"])
def test_blocked_prompt_on_the_openai_route(design_server, client_for, prompt):
    response = client_for(design_server).post(OPENAI, json={"prompt": prompt})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "moderation_blocked"
    assert error["type"] == "image_generation_user_error"
    assert "input" in error["message"]
    assert "x-cost" not in response.headers


def test_blocked_prompt_on_the_segmind_route(design_server, client_for):
    response = client_for(design_server).post(SEGMIND, json={"prompt": HARMFUL})
    assert response.status_code == 400
    assert "input prompt was blocked" in response.json()["error"]


@pytest.mark.parametrize(
    "prompt",
    ["a shooting star over the sea", "a breast cancer awareness poster", "kill the lights"],
)
def test_benign_look_alikes_pass(design_server, client_for, prompt):
    response = client_for(design_server).post(OPENAI, json={"prompt": prompt, "size": "256x256"})
    assert response.status_code == 200, response.text


def test_low_lets_mature_themes_through_auto_does_not(design_server, client_for):
    client = client_for(design_server)
    body = {"prompt": MATURE, "size": "256x256"}
    assert client.post(OPENAI, json=body).status_code == 400
    assert client.post(OPENAI, json={**body, "moderation": "low"}).status_code == 200


def _served(settings, engine, body):
    with running_server(settings, {"design": engine}) as (url, _):
        import httpx

        return httpx.post(url + OPENAI, json=body, headers={"x-api-key": API_KEY}, timeout=60)


def test_output_moderation_blocks_every_image(tmp_path):
    settings = make_settings(data_dir=tmp_path, image_moderation_threshold_auto=0.0)
    response = _served(settings, FakeEngine(), {"prompt": "a kite", "size": "256x256", "n": 2})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "moderation_blocked"
    assert "output" in error["message"]
    assert response.headers["x-remaining-credits"] == str(TEST_CREDITS)  # nothing charged


def test_some_outputs_blocked_returns_and_charges_only_the_clean_ones(tmp_path):
    engine = FakeEngine()
    body = {"prompt": "a kite", "size": "256x256", "n": 4, "seed": 5, "quality": "low"}
    # Score the very images the engine will make, and set the threshold between them.
    from pixmill.request import parse_request, resolve

    pictures = engine.generate(resolve(parse_request(body)))
    scores = ImageModerator().scores([p.image for p in pictures])
    threshold = float(np.median(scores))
    assert min(scores) < threshold <= max(scores)
    clean = [i for i, score in enumerate(scores) if score < threshold]

    settings = make_settings(
        data_dir=tmp_path,
        image_moderation_threshold_auto=threshold,
    )
    response = _served(settings, engine, body)
    assert response.status_code == 200, response.text
    payload = response.json()
    assert len(payload["data"]) == len(clean)
    assert response.headers["x-images-withheld"] == str(4 - len(clean))
    per_image = image_output_tokens("low", 256, 256)
    assert payload["usage"]["output_tokens"] == per_image * len(clean)
    # Held for 4 images, charged for the clean ones at $40 per million output tokens.
    cost = Decimal(per_image * 40 * len(clean)) / 10**6
    assert Decimal(response.headers["x-cost"]) == cost
    assert Decimal(response.headers["x-remaining-credits"]) == TEST_CREDITS - cost
    store = AccountStore.open(settings)
    record = store.usage.get(response.headers["x-request-id"])
    store.db.dispose()
    assert (record.outcome, record.images, record.moderation_stage) == (
        "partial",
        len(clean),
        "output",
    )


class PortraitEngine:
    """A raster engine without alpha: a shaded figure on a textured backdrop."""

    name = "portrait"
    capabilities = EngineCapabilities(native_alpha=False, vector=False)

    def generate(self, spec, progress=None):
        image, _ = portrait((spec.width, spec.height), seed=spec.seed)
        return [GeneratedImage(image.convert("RGBA"), seed=spec.seed) for _ in range(spec.n)]


@pytest.mark.parametrize("fmt", ["png", "webp"])
def test_transparency_for_an_engine_without_alpha(tmp_path, fmt):
    settings = make_settings(data_dir=tmp_path)
    body = {"prompt": "a person", "size": "512x512", "background": "transparent", "seed": 0}
    response = _served(settings, PortraitEngine(), {**body, "output_format": fmt})
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(base64.b64decode(response.json()["data"][0]["b64_json"])))
    alpha = np.asarray(image.convert("RGBA"))[..., 3] / 255
    _, truth = portrait((512, 512), seed=0)
    assert iou(alpha, truth) >= 0.9
    assert alpha[0, 0] == alpha[0, -1] == 0
    assert alpha[truth].mean() > 0.95


def test_svg_is_refused_for_an_engine_without_vectors(tmp_path):
    settings = make_settings(data_dir=tmp_path)
    response = _served(settings, PortraitEngine(), {"prompt": "x", "output_format": "svg"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "output_format"
