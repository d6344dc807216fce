"""A fake hub on loopback serving a tiny diffusers pipeline built here, and `pixmill` run
as a real process against it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import serving_in_thread
from tests.modelstore.fake_hub import FakeHub, Repo

pytest.importorskip("diffusers")

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="session")
def tiny_repo(tmp_path_factory) -> Path:
    """A hub repo's files: a tiny pipeline, plus what a pull must leave: an fp16 copy of
    the UNet's weights, a .bin beside the text encoder's safetensors, Flax weights, and a
    single-file checkpoint at the root."""
    from pixmill.modelstore import demo

    built = demo.build(tmp_path_factory.mktemp("built")).folder
    repo = tmp_path_factory.mktemp("hub") / "tiny"
    shutil.copytree(built, repo)
    (repo / "pixmill-model.json").unlink()
    unet = repo / "unet" / "diffusion_pytorch_model.safetensors"
    shutil.copy(unet, repo / "unet" / "diffusion_pytorch_model.fp16.safetensors")
    shutil.copy(
        repo / "text_encoder" / "model.safetensors", repo / "text_encoder" / "pytorch_model.bin"
    )
    (repo / "unet" / "diffusion_flax_model.msgpack").write_bytes(b"flax")
    (repo / "tiny.safetensors").write_bytes(b"single-file checkpoint")
    (repo / "README.md").write_text("---\nlicense: apache-2.0\n---\n# tiny\n")
    return repo


@pytest.fixture(scope="session")
def big_repo(tiny_repo, tmp_path_factory) -> Path:
    """The tiny pipeline with a 24 MB tokenizer file: huggingface_hub reads a transfer in
    10 MB chunks, so only a file past that can be resumed partway."""
    repo = tmp_path_factory.mktemp("hub") / "big"
    shutil.copytree(tiny_repo, repo)
    (repo / "tokenizer" / "big.txt").write_bytes(os.urandom(24 * 1024 * 1024))
    return repo


@pytest.fixture
def hub(tiny_repo, big_repo) -> Iterator[tuple[str, FakeHub]]:
    fake = FakeHub(
        repos={
            "acme/tiny": Repo(tiny_repo),
            "acme/big": Repo(big_repo),
            "acme/gated": Repo(
                tiny_repo,
                licence={"license": "other", "license_name": "sai-nc-community"},
                gated=True,
            ),
        }
    )
    with serving_in_thread(fake.app()) as (url, _server):
        yield url, fake


@pytest.fixture
def run(tmp_path, hub) -> Run:
    """`pixmill ARGS` in a fresh process, data in tmp_path/data, the fake hub as HF_ENDPOINT."""
    url, _ = hub
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PIXMILL_", "HF_"))}
    base |= {
        "HF_ENDPOINT": url,
        "HF_HOME": str(tmp_path / "hf"),
        "PIXMILL_DATA_DIR": str(tmp_path / "data"),
        "COLUMNS": "200",
    }

    def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pixmill", *args],
            env=base | (env or {}),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run
