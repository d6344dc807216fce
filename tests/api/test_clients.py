"""Real clients, unchanged but for the base URL and key: the newest openai Python SDK,
litellm, and the openai Node SDK where Node and npm are present.

Each calls with explicit nulls, every alias, and quality hd with style natural; every 200
body is checked strictly against OpenAI's ImagesResponse schema.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import httpx
import openai
import pytest

from pixmill.api.image_links import DALLE_MODELS
from pixmill.settings import DEFAULT_ALIASES
from tests.conftest import API_KEY
from tests.openai_schema import check

NODE_SCRIPT = Path(__file__).parent / "node" / "images.mjs"
NODE_OPENAI = "openai@6"


@pytest.fixture
def sdk(fake_server) -> openai.OpenAI:
    return openai.OpenAI(base_url=fake_server + "/v1", api_key=API_KEY, max_retries=0)


def test_python_sdk_every_alias_with_explicit_nulls(sdk, fake_engine):
    for alias in sorted(DEFAULT_ALIASES):
        response = sdk.images.generate(
            prompt="a kite",
            model=alias,
            n=None,
            size=None,
            quality=None,
            background=None,
            output_format=None,
            output_compression=None,
            moderation=None,
            style=None,
        )
        check("ImagesResponse", response.model_dump(exclude_unset=True))
        # DALL·E names answer links by default, as on OpenAI's API (test_image_links.py).
        image = response.data[0]
        assert image.url if alias in DALLE_MODELS else image.b64_json
        assert fake_engine.calls[-1].model == "gpt-image-1"


def test_python_sdk_dalle_values(sdk, fake_engine):
    response = sdk.images.generate(
        prompt="a kite",
        model="dall-e-3",
        quality="hd",
        style="natural",
        response_format="b64_json",
        size="1024x1024",
    )
    check("ImagesResponse", response.model_dump(exclude_unset=True))
    assert response.quality == "high"
    assert fake_engine.calls[-1].style == "natural"
    linked = sdk.images.generate(prompt="a kite", model="dall-e-2", response_format="url")
    check("ImagesResponse", linked.model_dump(exclude_unset=True))
    assert httpx.get(linked.data[0].url).headers["content-type"] == "image/png"


def test_python_sdk_models(sdk):
    ids = {model.id for model in sdk.models.list()}
    assert {"gpt-image-1", *DEFAULT_ALIASES} <= ids
    one = sdk.models.retrieve("chatgpt-image-latest")
    check("Model", one.model_dump(exclude_unset=True))
    with pytest.raises(openai.NotFoundError):
        sdk.models.retrieve("no-such-model")
    with pytest.raises(openai.NotFoundError) as caught:
        sdk.embeddings.create(model="text-embedding-3-small", input="x")
    assert caught.value.code == "not_found"


@pytest.mark.slow
def test_litellm(fake_server, fake_engine, monkeypatch):
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    litellm = pytest.importorskip("litellm")
    for alias in sorted(DEFAULT_ALIASES):
        response = litellm.image_generation(
            prompt="a kite", model=f"openai/{alias}", api_base=fake_server + "/v1", api_key=API_KEY
        )
        image = response.data[0]
        assert image.url if alias in DALLE_MODELS else image.b64_json
        assert fake_engine.calls[-1].model == "gpt-image-1"
    # litellm refuses `style` (it sends GPT-Image parameters only): it goes in extra_body.
    response = litellm.image_generation(
        prompt="a kite",
        model="openai/dall-e-3",
        api_base=fake_server + "/v1",
        api_key=API_KEY,
        quality="hd",
        extra_body={"style": "natural"},
    )
    assert response.data[0].url
    assert (fake_engine.calls[-1].quality, fake_engine.calls[-1].style) == ("high", "natural")


@pytest.fixture(scope="session")
def node_openai(tmp_path_factory) -> Path:
    """A folder whose node_modules holds the openai Node SDK; skips without node or npm."""
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are not installed")
    folder = tmp_path_factory.mktemp("node")
    for script in NODE_SCRIPT.parent.glob("*.mjs"):
        shutil.copy(script, folder / script.name)
    try:
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", NODE_OPENAI],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=180,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"npm could not install {NODE_OPENAI}: {exc}")
    return folder


@pytest.mark.slow
def test_node_sdk(node_openai, fake_server, fake_engine):
    result = subprocess.run(
        ["node", NODE_SCRIPT.name, fake_server + "/v1", API_KEY],
        cwd=node_openai,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    check("ImagesResponse", answer["generated"])
    assert answer["generated"]["quality"] == "high"
    assert fake_engine.calls[-1].style == "natural"
    assert fake_engine.calls[-1].model == "gpt-image-1"
    assert set(DEFAULT_ALIASES) <= set(answer["models"])
    check("Model", answer["one"])
    check("ImagesResponse", answer["linked"])
    assert httpx.get(answer["linked"]["data"][0]["url"]).headers["content-type"] == "image/png"
    assert answer["refused"] == {"status": 400, "param": "response_format", "code": "invalid_value"}
