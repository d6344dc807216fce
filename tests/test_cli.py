"""The `pixmill` command: generate (in-process and against a server), models, serve."""

import base64
import io
import re
import signal
import subprocess
from decimal import Decimal

import httpx
import pytest
from PIL import Image
from typer.testing import CliRunner

from pixmill.cli import app
from tests.conftest import API_KEY, pixmill_serve

runner = CliRunner()


@pytest.mark.parametrize("model", ["gpt-image-1", "dall-e-3"])  # dall-e-3: links by default
def test_generate_against_a_server_writes_numbered_files(fake_server, tmp_path, model):
    out = tmp_path / "pic.png"
    result = runner.invoke(
        app,
        ["generate", "a fox", "-n", "2", "--size", "256x512", "--format", "webp",
         "--seed", "4", "-o", str(out), "--server", fake_server, "--api-key", API_KEY,
         "--model", model],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for index in (1, 2):
        with Image.open(tmp_path / f"pic-{index}.webp") as image:
            assert (image.format, image.size) == ("WEBP", (256, 512))


def test_generate_against_a_server_reports_errors(fake_server, tmp_path):
    result = runner.invoke(
        app,
        ["generate", "a fox", "--quality", "ultra", "-o", str(tmp_path / "x.png"),
         "--server", fake_server, "--api-key", API_KEY],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "quality" in result.output


def test_generate_in_process(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["generate", 'a poster for "Night Market"', "--size", "256x384", "-o", "poster.png"]
    )
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "poster.png") as image:
        assert (image.format, image.size) == ("PNG", (256, 384))


def test_generate_in_process_refuses_bad_values(tmp_path):
    result = runner.invoke(
        app, ["generate", "x", "--size", "100x100", "-o", str(tmp_path / "x.png")]
    )
    assert result.exit_code == 1
    assert "size" in result.output
    assert not (tmp_path / "x.png").exists()


def test_models_lists_the_configured_models():
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0
    assert "gpt-image-1" in result.output
    assert "design" in result.output


@pytest.mark.slow
def test_serve_prints_a_working_starter_key_and_stops_cleanly_on_sigterm(tmp_path, seed_request):
    """The first run's curl line, pasted as printed, makes an image; the key pays for more."""
    with pixmill_serve(tmp_path) as served:
        lines, url = served.lines, served.url
        curl = next(line for line in lines if line.startswith("try it: curl "))
        key = re.search(r"starter key \(shown once, keep it\): (pm_\S+)", "".join(lines))
        assert key is not None
        done = subprocess.run(
            curl.removeprefix("try it: "), shell=True, cwd=tmp_path, capture_output=True
        )
        assert done.returncode == 0, done.stderr
        assert Image.open(tmp_path / "hello.png").format == "PNG"

        response = httpx.post(
            url + "/v1/gpt-image-1",
            json=seed_request,
            headers={"x-api-key": key.group(1)},
            timeout=120,
        )
        assert response.status_code == 200
        assert Decimal(response.headers["x-remaining-credits"]) < 5
        png = base64.b64decode(response.json()["data"][0]["b64_json"])
        assert Image.open(io.BytesIO(png)).size == (1024, 1536)
        assert (tmp_path / "data" / "pixmill.db").is_file()
    process, output = served.process, served.output
    # uvicorn drains, then re-raises SIGTERM so the exit status says how it ended.
    assert process.returncode in (0, -signal.SIGTERM), output
    assert "Finished server process" in output
    assert "Traceback" not in output
    assert output.count(key.group(1)) == 2  # the key line and the curl line, nowhere else


def test_generate_in_process_reports_a_bad_engine_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("PIXMILL_ENGINE", "no-such-engine")
    result = runner.invoke(app, ["generate", "x", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert "Cannot start" in result.output
    assert "no-such-engine" in result.output
