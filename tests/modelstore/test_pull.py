"""`pixmill models pull | list | rm` against a fake hub on loopback."""

from __future__ import annotations

import json

from tests.modelstore.fake_hub import COMMIT, TOKEN

UNET = "unet/diffusion_pytorch_model.safetensors"


def _stored(tmp_path, name="tiny"):
    folder = tmp_path / "data" / "models" / name
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and ".cache" not in p.parts
    )


def test_pull_fetches_only_the_pipeline_files_and_verifies_them(run, tmp_path, tiny_repo):
    done = run("models", "pull", "acme/tiny")
    assert done.returncode == 0, done.stderr
    files = _stored(tmp_path)
    assert UNET in files and "model_index.json" in files and "README.md" in files
    # one set of weights per component: no fp16 copy, no .bin, no Flax, no root checkpoint
    assert not [f for f in files if "fp16" in f or f.endswith((".bin", ".msgpack"))]
    assert "tiny.safetensors" not in files
    assert (tmp_path / "data" / "models" / "tiny" / UNET).read_bytes() == (
        tiny_repo / UNET
    ).read_bytes()
    manifest = json.loads(
        (tmp_path / "data" / "models" / "tiny" / "pixmill-model.json").read_text()
    )
    assert (manifest["repo"], manifest["revision"]) == ("acme/tiny", COMMIT)
    assert "licence: apache-2.0" in done.stderr
    assert "pixmill serve --model tiny" in done.stderr


def test_a_transfer_cut_halfway_is_resumed_where_it_stopped(run, hub, tmp_path, big_repo):
    _, fake = hub
    fake.cut_once.add("acme/big/tokenizer/big.txt")
    done = run("models", "pull", "acme/big")
    assert done.returncode == 0, done.stderr
    ranges = [r for p, r in fake.gets if p == "acme/big/tokenizer/big.txt"]
    assert len(ranges) == 2 and ranges[0] is None
    resumed_at = int(ranges[1].removeprefix("bytes=").rstrip("-"))
    assert 0 < resumed_at <= 12 * 1024 * 1024
    pulled = tmp_path / "data" / "models" / "big" / "tokenizer" / "big.txt"
    assert pulled.read_bytes() == (big_repo / "tokenizer" / "big.txt").read_bytes()


def test_pull_a_variant_takes_its_weights_where_the_repo_has_them(run, tmp_path):
    done = run("models", "pull", "acme/tiny", "--variant", "fp16", "--name", "tiny16")
    assert done.returncode == 0, done.stderr
    files = _stored(tmp_path, "tiny16")
    assert "unet/diffusion_pytorch_model.fp16.safetensors" in files
    assert UNET not in files
    assert "text_encoder/model.safetensors" in files  # no fp16 there: the main weights


def test_an_interrupted_pull_run_again_keeps_the_files_it_finished(run, hub, tmp_path):
    _, fake = hub
    fake.fail_once.add("acme/tiny/unet/config.json")
    first = run("models", "pull", "acme/tiny")
    assert first.returncode == 1
    assert "unet/config.json of acme/tiny" in first.stderr
    assert "Run the same pull again" in first.stderr
    assert "Traceback" not in first.stderr
    fetched_first = {p for p, _ in fake.gets}
    fake.gets.clear()
    second = run("models", "pull", "acme/tiny")
    assert second.returncode == 0, second.stderr
    again = {p for p, _ in fake.gets}
    assert "acme/tiny/unet/config.json" in again
    assert not (again & (fetched_first - {"acme/tiny/unet/config.json"}))


def test_a_gated_repo_needs_hf_token_and_its_licence_is_flagged(run, tmp_path):
    refused = run("models", "pull", "acme/gated")
    assert refused.returncode == 1
    assert "acme/gated is gated" in refused.stderr
    assert "HF_TOKEN" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = run("models", "pull", "acme/gated", env={"HF_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    assert "licence: sai-nc-community" in done.stderr
    assert "does not allow (all) commercial use" in done.stderr
    assert "acme/gated is gated" in done.stderr


def test_a_missing_repo_is_named(run):
    done = run("models", "pull", "acme/missing")
    assert done.returncode == 1
    assert "no model repo acme/missing" in done.stderr
    assert "Traceback" not in done.stderr


def test_list_shows_a_pulled_model_and_rm_removes_it(run, tmp_path):
    assert run("models", "pull", "acme/tiny").returncode == 0
    listed = run("models", "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if "tiny" in line)
    assert "acme/tiny" in row and COMMIT[:12] in row and "StableDiffusionPipeline" in row
    assert "img2img" in row
    bare = run("models")
    assert bare.returncode == 0 and "gpt-image-1" in bare.stdout and "acme/tiny" in bare.stdout
    removed = run("models", "rm", "tiny")
    assert removed.returncode == 0, removed.stderr
    assert not (tmp_path / "data" / "models" / "tiny").exists()
    unknown = run("models", "rm", "tiny")
    assert unknown.returncode == 1 and "no model 'tiny'" in unknown.stderr
