"""`pixmill edit`, in-process and against a real server."""

from __future__ import annotations

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from pixmill.cli import app
from tests.api.edit_images import mask, photo
from tests.conftest import API_KEY

runner = CliRunner()


def test_edit_in_process_with_a_mask(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photo.png").write_bytes(photo(256, 192))
    (tmp_path / "mask.png").write_bytes(mask(256, 192, (0, 0, 99, 99)))
    result = runner.invoke(
        app,
        ["edit", 'a sticker saying "Hi"', "-i", "photo.png", "--mask", "mask.png",
         "--quality", "low", "-o", "out.png"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    before = np.asarray(Image.open(tmp_path / "photo.png").convert("RGB"))
    with Image.open(tmp_path / "out.png") as image:
        assert image.size == (256, 192)
        after = np.asarray(image.convert("RGB"))
    assert np.array_equal(after[100:], before[100:])  # below the mask: untouched
    assert not np.array_equal(after[:100, :100], before[:100, :100])


def test_edit_against_a_server(design_server, tmp_path):
    for name in ("a.png", "b.png"):
        (tmp_path / name).write_bytes(photo(200, 300))
    result = runner.invoke(
        app,
        ["edit", 'a cover for "Slow Rivers"', "-i", str(tmp_path / "a.png"),
         "-i", str(tmp_path / "b.png"), "--fidelity", "high", "--size", "1024x1536",
         "--quality", "low", "--format", "jpeg", "-o", str(tmp_path / "cover"),
         "--server", design_server, "--api-key", API_KEY],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    with Image.open(tmp_path / "cover.jpg") as image:
        assert (image.format, image.size) == ("JPEG", (1024, 1536))


def test_edit_reports_a_bad_image(design_server, tmp_path):
    (tmp_path / "bad.png").write_bytes(b"not an image")
    result = runner.invoke(
        app,
        ["edit", "x", "-i", str(tmp_path / "bad.png"), "-o", str(tmp_path / "x.png"),
         "--server", design_server, "--api-key", API_KEY],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "image" in result.output
