"""Content Credentials of edits, end to end: the official openai SDK's images.edit against
a real server on the design engine, the outputs read back with c2pa-python's Reader."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import openai
import pytest
from typer.testing import CliRunner

from pixmill.cli import app
from pixmill.imaging.c2pa_signing import LOCAL_DIR
from pixmill.imaging.encode import MEDIA_TYPES
from pixmill.imaging.provenance import (
    COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA,
    TRAINED_ALGORITHMIC_MEDIA,
)
from tests.api.edit_images import mask, photo
from tests.conftest import API_KEY, make_settings, running_server
from tests.content_credentials import (
    actions,
    ingredient_titles,
    read_back,
    unsigned_b64,
    with_garbage_manifest,
    without_manifest,
    xmp_source_type,
)
from tests.openai_schema import check

PROMPT = 'A poster for "Night Market" with this photo'


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[openai.OpenAI, Path]]:
    """The real design engine behind a real server: (the SDK, the server's data dir)."""
    data_dir = tmp_path_factory.mktemp("data")
    with running_server(make_settings(data_dir=data_dir)) as (url, _):
        sdk = openai.OpenAI(base_url=url + "/v1", api_key=API_KEY, max_retries=0, timeout=120)
        yield sdk, data_dir


def anchor(data_dir: Path) -> bytes:
    return (data_dir / LOCAL_DIR / "ca.pem").read_bytes()


def signed_edit(state: str, manifest: dict) -> list[dict]:
    """The edit's actions, after checking what every edit's manifest holds."""
    assert state == "Trusted"
    steps = actions(manifest)
    assert steps[0]["action"] == "c2pa.opened"  # the spec's first action with a parent
    assert not [a for a in steps if a["action"] == "c2pa.created"]
    [edited] = [a for a in steps if a["action"] == "c2pa.edited"]
    assert edited["digitalSourceType"] == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    agent = edited["softwareAgent"]
    assert (agent["name"], agent["engine"], agent["model"]) == ("pixmill", "design", "gpt-image-1")
    return steps


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
def test_one_image_is_the_parent(server, fmt):
    sdk, data_dir = server
    raw = sdk.images.with_raw_response.edit(
        image=("photo.png", photo(), "image/png"),
        prompt=PROMPT,
        size="1024x1024",
        quality="low",
        output_format=fmt,
    )
    body = raw.http_response.json()
    check("ImagesResponse", body)
    data = base64.b64decode(body["data"][0]["b64_json"])
    state, manifest, _ = read_back(data, MEDIA_TYPES[fmt], anchor(data_dir))
    steps = signed_edit(state, manifest)
    assert [a["action"] for a in steps] == ["c2pa.opened", "c2pa.edited"]
    [parent] = manifest["ingredients"]
    assert (parent["title"], parent["relationship"], parent["format"]) == (
        "image",
        "parentOf",
        "image/png",
    )
    assert "active_manifest" not in parent  # the photo carried no Content Credentials
    assert ingredient_titles(manifest, steps[0]) == ["image"]
    assert xmp_source_type(data) == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA


def test_two_images_and_a_mask(server):
    sdk, data_dir = server
    result = sdk.images.edit(
        image=[
            ("a.png", photo(512, 384), "image/png"),
            ("b.jpg", photo(300, 300, (40, 140, 40), fmt="JPEG"), "image/jpeg"),
        ],
        mask=("mask.png", mask(512, 384, (40, 40, 300, 200)), "image/png"),
        prompt=PROMPT,
        quality="low",
    )
    data = base64.b64decode(result.data[0].b64_json)
    state, manifest, _ = read_back(data, "image/png", anchor(data_dir))
    steps = signed_edit(state, manifest)
    assert [a["action"] for a in steps] == ["c2pa.opened", "c2pa.placed", "c2pa.edited"]
    found = {(i["title"], i["relationship"], i["format"]) for i in manifest["ingredients"]}
    assert found == {
        ("image[0]", "parentOf", "image/png"),
        ("image[1]", "componentOf", "image/jpeg"),
        ("mask", "inputTo", "image/png"),
    }
    assert [ingredient_titles(manifest, action) for action in steps] == [
        ["image[0]"],
        ["image[1]"],
        ["mask"],
    ]
    assert xmp_source_type(data) == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA


def test_an_input_with_its_own_credentials_keeps_them(server):
    """Edit a picture the server generated (and signed): its manifest is kept, whole and
    valid, inside the edit's parent ingredient."""
    sdk, data_dir = server
    generated = sdk.images.generate(prompt="a kite", size="512x512", quality="low")
    source = base64.b64decode(generated.data[0].b64_json)
    assert read_back(source, "image/png", anchor(data_dir))[0] == "Trusted"
    result = sdk.images.edit(
        image=[("kite.png", source, "image/png"), ("b.png", photo(), "image/png")],
        prompt=PROMPT,
        size="1024x1024",
        quality="low",
    )
    data = base64.b64decode(result.data[0].b64_json)
    state, manifest, store = read_back(data, "image/png", anchor(data_dir))
    signed_edit(state, manifest)
    parent, component = manifest["ingredients"]
    assert parent["relationship"] == "parentOf" and "active_manifest" not in component
    kept = store["manifests"][parent["active_manifest"]]
    [created] = actions(kept)
    assert created["action"] == "c2pa.created"
    assert created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    deltas = store["validation_results"].get("ingredientDeltas", [])
    assert all(not delta["validationDeltas"]["failure"] for delta in deltas)


def test_an_unreadable_manifest_in_an_input_is_named_not_a_failure(server):
    """A png whose C2PA chunk is garbage decodes fine (Pillow skips the chunk); c2pa cannot
    parse it, so it is an ingredient without its bytes, and the edit is made."""
    sdk, data_dir = server
    result = sdk.images.edit(
        image=("photo.png", with_garbage_manifest(photo()), "image/png"),
        prompt=PROMPT,
        size="1024x1024",
        quality="low",
    )
    data = base64.b64decode(result.data[0].b64_json)
    state, manifest, _ = read_back(data, "image/png", anchor(data_dir))
    signed_edit(state, manifest)
    [parent] = manifest["ingredients"]
    assert parent["relationship"] == "parentOf"
    assert "could not be parsed" in parent["description"]


def test_streamed_partial_images_are_signed_too(server):
    sdk, data_dir = server
    events = list(
        sdk.images.edit(
            image=("photo.png", photo(), "image/png"),
            prompt=PROMPT,
            size="1024x1024",
            quality="low",
            stream=True,
            partial_images=1,
        )
    )
    partials = [e for e in events if e.type == "image_edit.partial_image"]
    assert len(partials) == 1
    for event in partials:
        data = base64.b64decode(event.b64_json)
        state, manifest, _ = read_back(data, "image/png", anchor(data_dir))
        signed_edit(state, manifest)
        assert [i["relationship"] for i in manifest["ingredients"]] == ["parentOf"]
        assert xmp_source_type(data) == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA


def test_a_generation_streams_signed_partials(server):
    sdk, data_dir = server
    stream = sdk.images.generate(
        prompt="a poster for 'Open Day'",
        size="512x512",
        quality="low",
        output_format="jpeg",
        stream=True,
        partial_images=1,
    )
    [partial] = [e for e in stream if e.type == "image_generation.partial_image"]
    data = base64.b64decode(partial.b64_json)
    state, manifest, _ = read_back(data, "image/jpeg", anchor(data_dir))
    assert state == "Trusted"
    [created] = actions(manifest)
    assert created["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert xmp_source_type(data) == TRAINED_ALGORITHMIC_MEDIA


def test_apart_from_the_manifest_an_edit_is_the_same_for_a_seed(server):
    sdk, _ = server

    def edit() -> str:
        result = sdk.images.edit(
            image=("photo.png", photo(), "image/png"),
            prompt=PROMPT,
            size="1024x1024",
            quality="low",
            extra_body={"seed": 5},
        )
        return result.data[0].b64_json

    first, second = edit(), edit()
    assert first != second  # the signatures differ ...
    assert unsigned_b64(first) == unsigned_b64(second)  # ... and nothing else
    assert len(without_manifest(base64.b64decode(first))) < len(base64.b64decode(first))


def test_pixmill_verify_prints_the_edit(server, tmp_path):
    sdk, data_dir = server
    result = sdk.images.edit(
        image=[("a.png", photo(512, 384), "image/png"), ("b.png", photo(), "image/png")],
        mask=("mask.png", mask(512, 384, (40, 40, 300, 200)), "image/png"),
        prompt=PROMPT,
        quality="low",
    )
    path = tmp_path / "edit.png"
    path.write_bytes(base64.b64decode(result.data[0].b64_json))
    out = CliRunner().invoke(app, ["verify", str(path), "--data-dir", str(data_dir)])
    assert out.exit_code == 0, out.output
    lines = out.stdout.splitlines()
    assert f"digital source type: {COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA}" in lines
    assert f"XMP digital source type: {COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA}" in lines
    for line in (
        "ingredient: image[0] (parentOf, image/png)",
        "ingredient: image[1] (componentOf, image/png)",
        "ingredient: mask (inputTo, image/png)",
        "  ingredients: image[0]",
        "action: c2pa.edited",
    ):
        assert line in lines, out.stdout
    assert "signer trusted" in out.stdout
