"""Gateway mode: an upstream picture's own Content Credentials are kept, or become an
ingredient of pixmill's manifest when pixmill re-encodes the picture."""

from __future__ import annotations

import base64
import json
from typing import Any

import openai
import pytest
from starlette.responses import JSONResponse
from tests.api.edit_images import photo
from tests.conftest import API_KEY
from tests.content_credentials import actions, ingredient_titles, xmp_source_type
from tests.engines.upstream.fake_upstreams import (
    EventStream,
    openai_stream_events,
    openai_success,
    picture,
)
from tests.jobs.conftest import read_events

from pixmill.imaging.c2pa_signing import (
    LOCAL_DIR,
    ContentCredentials,
    SoftwareAgent,
    ensure_local_authority,
    verify,
)
from pixmill.imaging.provenance import COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA

OPENAI = "/v1/images/generations"


@pytest.fixture(scope="module")
def provider(tmp_path_factory) -> ContentCredentials:
    """The provider's own signer: another CA than the gateway's."""
    authority = ensure_local_authority(tmp_path_factory.mktemp("provider") / LOCAL_DIR)
    return ContentCredentials(authority.signer_cert.read_bytes(), authority.signer_key.read_bytes())


def signed_answer(provider: ContentCredentials):
    def answer(body: dict[str, Any]) -> JSONResponse:
        fmt = body.get("output_format", "png")
        data = picture(body.get("size", "1024x1024"), fmt, "opaque", 100)
        signed = provider.sign(data, f"image/{fmt}", SoftwareAgent("provider", "gpt-image-2"))
        plain = openai_success(body)
        payload: dict[str, Any] = json.loads(plain.body)
        payload["data"] = [{"b64_json": base64.b64encode(signed).decode()}]
        return JSONResponse(payload)

    return answer


def signed_stream(provider: ContentCredentials):
    """A stream whose completed image carries the provider's manifest."""

    def answer(body: dict[str, Any]) -> EventStream:
        events = openai_stream_events(body)
        kind, completed = events[-1]
        data = picture(body["size"], body["output_format"], "opaque", 100)
        signed = provider.sign(data, "image/png", SoftwareAgent("provider", "gpt-image-2"))
        events[-1] = (kind, completed | {"b64_json": base64.b64encode(signed).decode()})
        return EventStream(events)

    return answer


def agents(manifest: dict[str, Any]) -> list[str]:
    """The engines the manifest's actions name (c2pa.placed names none)."""
    placed = "c2pa.placed"
    return [a["softwareAgent"]["engine"] for a in actions(manifest) if a["action"] != placed]


def test_a_signed_upstream_picture_passed_through_keeps_its_manifest(
    client, openai_upstream, provider
):
    openai_upstream.then(signed_answer(provider))
    response = client.post(OPENAI, json={"prompt": "a cat", "size": "1024x1024"})
    assert response.status_code == 200, response.text
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    result = verify(data, "image/png", [])
    assert result is not None and result.intact
    assert agents(result.manifest) == ["provider"]


def test_a_signed_upstream_picture_converted_becomes_an_ingredient(
    client, openai_upstream, provider
):
    openai_upstream.then(signed_answer(provider))
    body = {"model": "openai-png-only", "prompt": "a cat", "size": "1024x1024"}
    response = client.post(OPENAI, json=body | {"output_format": "jpeg"})
    assert response.status_code == 200, response.text
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    result = verify(data, "image/jpeg", [])
    assert result is not None and result.intact, result and result.failures
    assert agents(result.manifest) == ["openai"]
    [ingredient] = result.manifest["ingredients"]
    assert ingredient["relationship"] == "componentOf"
    # The spec's action for a componentOf ingredient: placed, after the creation.
    assert [a["action"] for a in actions(result.manifest)] == ["c2pa.created", "c2pa.placed"]
    assert ingredient_titles(result.manifest, actions(result.manifest)[1]) == ["upstream image"]
    assert ingredient["format"] == "image/png"
    kept = result.store["manifests"][ingredient["active_manifest"]]
    assert agents(kept) == ["provider"]


def test_an_unsigned_upstream_picture_is_signed_by_pixmill(client, openai_upstream):
    response = client.post(OPENAI, json={"prompt": "a cat", "size": "1024x1024"})
    data = base64.b64decode(response.json()["data"][0]["b64_json"])
    result = verify(data, "image/png", [])
    assert result is not None and result.intact
    assert agents(result.manifest) == ["openai"]


def test_a_signed_streamed_picture_converted_becomes_an_ingredient(
    client, openai_upstream, provider
):
    openai_upstream.then(signed_stream(provider))
    body = {"model": "openai-png-only", "prompt": "a cat", "size": "1024x1024"}
    body |= {"output_format": "jpeg", "stream": True, "partial_images": 1}
    with client.stream("POST", OPENAI, json=body) as response:
        events = list(read_events(response))
    assert [kind for _, kind, _ in events][-1] == "image_generation.completed"
    assert openai_upstream.calls[0].body["stream"] is True
    data = base64.b64decode(events[-1][2]["b64_json"])
    result = verify(data, "image/jpeg", [])
    assert result is not None and result.intact, result and result.failures
    [ingredient] = result.manifest["ingredients"]
    assert agents(result.store["manifests"][ingredient["active_manifest"]]) == ["provider"]


def test_an_unsigned_upstream_edit_is_signed_as_an_edit(gateway, openai_upstream):
    sdk = openai.OpenAI(base_url=gateway + "/v1", api_key=API_KEY, max_retries=0)
    result = sdk.images.edit(
        image=[("a.png", photo(), "image/png"), ("b.png", photo(300, 300), "image/png")],
        prompt="put it on a marble counter",
        size="1024x1024",
        quality="low",
    )
    data = base64.b64decode(result.data[0].b64_json)
    outcome = verify(data, "image/png", [])
    assert outcome is not None and outcome.intact, outcome and outcome.failures
    steps = actions(outcome.manifest)
    assert [a["action"] for a in steps] == ["c2pa.opened", "c2pa.placed", "c2pa.edited"]
    assert steps[2]["digitalSourceType"] == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
    assert steps[2]["softwareAgent"]["engine"] == "openai"
    assert [(i["title"], i["relationship"]) for i in outcome.manifest["ingredients"]] == [
        ("image[0]", "parentOf"),
        ("image[1]", "componentOf"),
    ]


def test_a_signed_upstream_edit_converted_keeps_the_inputs_and_the_provider(
    gateway, openai_upstream, provider
):
    signed = signed_answer(provider)
    # A multipart call's fields are text: n is read as a number first, as the provider does.
    openai_upstream.then(lambda body: signed({**body, "n": int(body.get("n", 1))}))
    sdk = openai.OpenAI(base_url=gateway + "/v1", api_key=API_KEY, max_retries=0)
    result = sdk.images.edit(
        model="openai-png-only",
        image=("a.png", photo(), "image/png"),
        prompt="put it on a marble counter",
        size="1024x1024",
        quality="low",
        output_format="jpeg",
    )
    data = base64.b64decode(result.data[0].b64_json)
    outcome = verify(data, "image/jpeg", [])
    assert outcome is not None and outcome.intact, outcome and outcome.failures
    steps = actions(outcome.manifest)
    assert [a["action"] for a in steps] == ["c2pa.opened", "c2pa.placed", "c2pa.edited"]
    assert ingredient_titles(outcome.manifest, steps[0]) == ["image"]
    assert ingredient_titles(outcome.manifest, steps[1]) == ["upstream image"]
    upstream = outcome.manifest["ingredients"][1]
    assert agents(outcome.store["manifests"][upstream["active_manifest"]]) == ["provider"]
    assert xmp_source_type(data) == COMPOSITE_WITH_TRAINED_ALGORITHMIC_MEDIA
