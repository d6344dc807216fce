"""Short model names at start-up: the demo and a pulled model served end to end, and the
refusal, naming the pull to run, for a model that is not here."""

from __future__ import annotations

import base64
import io
import json
import re

import httpx
import pytest
from PIL import Image

from tests.conftest import pixmill_serve


def test_a_model_that_is_not_here_refuses_to_start_and_names_the_pull(run, hub):
    _, fake = hub
    done = run("serve", "--model", "sd-turbo", "--port", "0")
    assert done.returncode == 2
    assert "pixmill models pull sd-turbo" in done.stderr
    assert "Traceback" not in done.stderr
    refused = run("serve", "--port", "0", env={"PIXMILL_MODELS": "acme/tiny"})
    assert refused.returncode == 2 and "pixmill models pull acme/tiny" in refused.stderr
    assert fake.gets == []  # nothing downloaded without --pull


@pytest.mark.slow
def test_the_demo_and_a_pulled_model_serve_images_at_the_asked_size(run, hub, tmp_path):
    url, _ = hub
    demo = run("models", "demo")
    assert demo.returncode == 0, demo.stderr
    assert "noise" in demo.stderr
    assert run("models", "pull", "acme/tiny").returncode == 0
    env = {
        "HF_ENDPOINT": url,
        "PIXMILL_MODELS_DIR": str(tmp_path / "data" / "models"),
        "PIXMILL_MODELS": "demo",
        # the pulled tiny model as the demo runs (its manifest says so): no start-up
        # measurements, one step at its native size
        "PIXMILL_ENGINE_OPTIONS": json.dumps(
            {"runtime": "torch", "channels_last": False, "family": "sd-turbo", "native_side": 64}
        ),
    }
    with pixmill_serve(tmp_path, env, ("--model", "tiny"), start_seconds=180) as served:
        key = re.search(r"starter key \(shown once, keep it\): (pm_\S+)", served.output)
        assert key is not None, served.output
        assert "demo has random weights" in served.output
        for model, size in (("gpt-image-1", (256, 384)), ("demo", (256, 256))):
            response = httpx.post(
                f"{served.url}/v1/images/generations",
                headers={"Authorization": f"Bearer {key.group(1)}"},
                json={"prompt": "a fox", "model": model, "size": f"{size[0]}x{size[1]}"},
                timeout=120,
            )
            assert response.status_code == 200, response.text
            png = base64.b64decode(response.json()["data"][0]["b64_json"])
            with Image.open(io.BytesIO(png)) as image:
                assert image.size == size
