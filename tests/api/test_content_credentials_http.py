"""Every raster a server delivers carries Content Credentials that its own CA verifies."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from pixmill.cli import app
from pixmill.imaging.c2pa_signing import LOCAL_DIR, has_manifest, verify
from pixmill.imaging.encode import MEDIA_TYPES
from pixmill.imaging.provenance import TRAINED_ALGORITHMIC_MEDIA
from pixmill.settings import ModelConfig
from tests.conftest import API_KEY, make_settings, running_server
from tests.fakes import FakeEngine

OPENAI = "/v1/images/generations"


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[httpx.Client, Path]]:
    """The real design engine as gpt-image-1, the fake one as 'fake'; (client, data dir)."""
    data_dir = tmp_path_factory.mktemp("data")
    settings = make_settings(data_dir=data_dir, models={"fake": ModelConfig(engine="fake")})
    with (
        running_server(settings, {"fake": FakeEngine()}) as (url, _),
        httpx.Client(base_url=url, headers={"x-api-key": API_KEY}, timeout=120) as client,
    ):
        yield client, data_dir


@pytest.mark.parametrize("model", ["gpt-image-1", "fake"])
@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_each_engine_and_format_is_signed(server, model, fmt):
    client, data_dir = server
    body = {"prompt": "a poster for 'Open Day'", "size": "256x384", "model": model}
    response = client.post(OPENAI, json=body | {"output_format": fmt, "quality": "low"})
    assert response.status_code == 200, response.text
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    anchor = (data_dir / LOCAL_DIR / "ca.pem").read_bytes()
    result = verify(data, MEDIA_TYPES[fmt], [anchor])
    assert result is not None and result.state == "Trusted", result and result.failures
    [assertion] = [a for a in result.manifest["assertions"] if "actions" in a["label"]]
    [action] = assertion["data"]["actions"]
    assert action["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    engine = "design" if model == "gpt-image-1" else "fake"
    assert (action["softwareAgent"]["engine"], action["softwareAgent"]["model"]) == (engine, model)


def test_an_alias_names_the_model_it_resolved_to(server):
    client, data_dir = server
    response = client.post(
        OPENAI,
        json={
            "prompt": "a kite",
            "size": "256x256",
            "model": "dall-e-3",
            "response_format": "b64_json",
        },
    )
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    result = verify(data, "image/png", [(data_dir / LOCAL_DIR / "ca.pem").read_bytes()])
    assert result is not None
    assert "gpt-image-1" in str(result.manifest["assertions"])


def test_svg_output_says_it_in_its_metadata(server):
    client, _ = server
    body = {"prompt": "a logo", "size": "256x256", "output_format": "svg"}
    response = client.post(OPENAI, json=body)
    svg = base64.b64decode(response.json()["data"][0]["b64_json"]).decode()
    assert "<metadata>" in svg and TRAINED_ALGORITHMIC_MEDIA in svg


def test_signing_can_be_switched_off(tmp_path):
    settings = make_settings(data_dir=tmp_path, content_credentials=False)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        response = httpx.post(
            url + OPENAI, json={"prompt": "x", "size": "256x256"}, headers={"x-api-key": API_KEY}
        )
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    assert not has_manifest(data, "image/png")
    assert not (tmp_path / LOCAL_DIR).exists()


def test_pixmill_verify(server, tmp_path):
    client, data_dir = server
    response = client.post(OPENAI, json={"prompt": "a kite", "size": "256x256", "seed": 1})
    signed = tmp_path / "kite.png"
    signed.write_bytes(base64.b64decode(response.json()["data"][0]["b64_json"]))
    runner = CliRunner()
    result = runner.invoke(app, ["verify", str(signed), "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert "trainedAlgorithmicMedia" in result.stdout
    assert "engine design, model gpt-image-1" in result.stdout
    assert "signer trusted" in result.stdout
    elsewhere = runner.invoke(app, ["verify", str(signed), "--data-dir", str(tmp_path / "none")])
    assert elsewhere.exit_code == 0 and "not trusted here" in elsewhere.stdout
    as_json = runner.invoke(app, ["verify", str(signed), "--json", "--data-dir", str(data_dir)])
    assert '"active_manifest"' in as_json.stdout
    tampered = tmp_path / "tampered.png"
    data = bytearray(signed.read_bytes())
    data[-40] ^= 0xFF
    tampered.write_bytes(bytes(data))
    broken = runner.invoke(app, ["verify", str(tampered), "--data-dir", str(data_dir)])
    assert broken.exit_code == 1 and "INVALID" in broken.stdout
    plain = tmp_path / "plain.png"
    from PIL import Image

    Image.new("RGB", (8, 8)).save(plain)
    assert runner.invoke(app, ["verify", str(plain)]).exit_code == 3
