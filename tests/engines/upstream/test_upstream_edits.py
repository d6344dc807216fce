"""Gateway engines forward edits: OpenAI's /images/edits as multipart, Segmind's
{model}-edit with base64 images, against the fake providers on loopback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from tests.engines.upstream.conftest import FAST
from tests.engines.upstream.fake_upstreams import (
    OPENAI_INPUT_TOKENS,
    OPENAI_KEY,
    SEGMIND_KEY,
    FakeUpstream,
    openai_error,
    segmind_error,
)
from tests.imaging.samples import encoded, mask

from pixmill.engines import build_engine
from pixmill.engines.reports import delivered_usage
from pixmill.engines.upstream.engine import UpstreamEngine
from pixmill.errors import InvalidRequest, ModerationBlocked, UpstreamMisconfigured
from pixmill.imaging.inputs import InputLimits, decode_image, decode_mask
from pixmill.request import EditRequest, RenderSpec, resolve
from pixmill.usage import input_image_tokens

LIMITS = InputLimits()
PHOTO = encoded("jpeg", (1200, 900), quality=90)
LOGO = encoded("png", (300, 300), alpha=True)


def _spec(*images: bytes, mask_bytes: bytes | None = None, **fields: Any) -> RenderSpec:
    params = ["image"] if len(images) == 1 else [f"image[{i}]" for i in range(len(images))]
    inputs = tuple(
        decode_image(data, param=param, limits=LIMITS)
        for data, param in zip(images, params, strict=True)
    )
    checked_mask = decode_mask(mask_bytes, limits=LIMITS, first=inputs[0]) if mask_bytes else None
    request = EditRequest(
        prompt="put it on a marble counter", inputs=inputs, mask=checked_mask, **fields
    )
    return resolve(request)


def _engine(name: str, upstream: FakeUpstream, key: str) -> Iterator[UpstreamEngine]:
    engine = build_engine(name, base_url=upstream.url, api_key=key, model="gpt-image-1", **FAST)
    yield engine
    engine.close()


@pytest.fixture
def openai_engine(openai_upstream: FakeUpstream) -> Iterator[UpstreamEngine]:
    yield from _engine("openai", openai_upstream, OPENAI_KEY)


@pytest.fixture
def segmind_engine(segmind_upstream: FakeUpstream) -> Iterator[UpstreamEngine]:
    yield from _engine("segmind", segmind_upstream, SEGMIND_KEY)


def test_gateway_engines_declare_edits(openai_engine, segmind_engine) -> None:
    assert openai_engine.capabilities.edits and segmind_engine.capabilities.edits


def test_openai_edit_is_multipart_with_the_images_as_sent(openai_engine, openai_upstream) -> None:
    spec = _spec(
        PHOTO,
        LOGO,
        size="1536x1024",
        quality="high",
        input_fidelity="high",
        output_format="webp",
        output_compression=80,
        user="end-user-3",
        n=2,
    )
    openai_engine.check_spec(spec)
    pictures = openai_engine.generate(spec)
    [call] = openai_upstream.calls
    assert call.path == "/v1/images/edits"
    assert call.headers["authorization"] == f"Bearer {OPENAI_KEY}"
    assert call.headers["content-type"].startswith("multipart/form-data")
    assert call.body == {
        "model": "gpt-image-1",
        "prompt": "put it on a marble counter",
        "n": "2",
        "size": "1536x1024",
        "quality": "high",
        "background": "opaque",
        "output_format": "webp",
        "output_compression": "80",
        "user": "end-user-3",
        "input_fidelity": "high",
    }
    assert [(f.field, f.content_type) for f in call.files] == [
        ("image[]", "image/jpeg"),
        ("image[]", "image/png"),
    ]
    assert [f.data for f in call.files] == [PHOTO, LOGO]  # forwarded as they came
    assert len(pictures) == 2 and all(p.image.size == (1536, 1024) for p in pictures)
    assert pictures[0].encoded is not None  # the provider's bytes pass through
    usage = delivered_usage([pictures[0].report], 2)
    image_tokens = input_image_tokens(1200, 900) + input_image_tokens(300, 300)
    assert usage is not None and usage.image_input_tokens == image_tokens
    assert usage.as_openai()["input_tokens_details"] == {
        "text_tokens": OPENAI_INPUT_TOKENS,
        "image_tokens": image_tokens,
    }


def test_openai_masked_edit_keeps_the_image_size(openai_engine, openai_upstream) -> None:
    """A masked edit's "auto" size is its image's (1200x900): the provider is asked for
    the standard size of that orientation and the answer is scaled back."""
    spec = _spec(PHOTO, mask_bytes=mask((1200, 900), (100, 100, 500, 400)))
    assert spec.size == "1200x900"
    openai_engine.check_spec(spec)  # not refused although 1200x900 is no provider size
    [picture] = openai_engine.generate(spec)
    [call] = openai_upstream.calls
    assert call.body["size"] == "1536x1024"
    assert [f.field for f in call.files] == ["image", "mask"]
    assert call.files[1].content_type == "image/png"
    assert picture.image.size == (1200, 900)
    assert picture.encoded is None  # scaled: pixmill encodes it again
    assert picture.report is not None and picture.report.size == "1200x900"


def test_other_sizes_are_still_refused(openai_engine) -> None:
    spec = _spec(PHOTO, size="640x480")
    with pytest.raises(InvalidRequest) as caught:
        openai_engine.check_spec(spec)
    assert caught.value.param == "size"


@pytest.mark.parametrize(
    ("answer", "error", "param"),
    [
        (openai_error(400, "Invalid image file", param="image"), InvalidRequest, "image"),
        (
            openai_error(400, "Rejected by the safety system", code="moderation_blocked"),
            ModerationBlocked,
            None,
        ),
        (
            openai_error(401, "Incorrect API key sk-test-operator-secret-0123456789"),
            UpstreamMisconfigured,
            None,
        ),
    ],
)
def test_openai_edit_errors_map_as_for_generations(
    openai_engine, openai_upstream, answer, error, param
) -> None:
    openai_upstream.then(answer)
    with pytest.raises(error) as caught:
        openai_engine.generate(_spec(LOGO))
    assert caught.value.param == param
    assert OPENAI_KEY not in caught.value.message


def test_openai_edit_is_retried_with_its_files(openai_engine, openai_upstream) -> None:
    openai_upstream.then(openai_error(500, "try again"))
    [picture] = openai_engine.generate(_spec(LOGO, size="1024x1024"))
    assert len(openai_upstream.calls) == 2
    assert openai_upstream.calls[1].files[0].data == LOGO
    assert picture.image.size == (1024, 1024)


def test_segmind_edit_goes_to_the_edit_model(segmind_engine, segmind_upstream) -> None:
    spec = _spec(PHOTO, LOGO, size="1024x1536", quality="low", output_format="png")
    [picture] = segmind_engine.generate(spec)
    [call] = segmind_upstream.calls
    assert call.path == "/v1/gpt-image-1-edit"
    assert call.headers["x-api-key"] == SEGMIND_KEY
    assert call.body["image_urls"] == [base64.b64encode(d).decode() for d in (PHOTO, LOGO)]
    assert "mask" not in call.body
    assert {k: v for k, v in call.body.items() if k != "image_urls"} == {
        "prompt": "put it on a marble counter",
        "size": "1024x1536",
        "quality": "low",
        "moderation": "auto",
        "background": "opaque",
        "output_compression": 100,
        "output_format": "png",
    }
    assert picture.image.size == (1024, 1536)
    assert picture.report is not None and picture.report.cost_micro == 167_000


def test_segmind_masked_edit_and_its_errors(segmind_engine, segmind_upstream) -> None:
    masked = _spec(LOGO, mask_bytes=mask((300, 300), (0, 0, 100, 100)))
    [picture] = segmind_engine.generate(masked)
    call = segmind_upstream.calls[-1]
    assert call.body["mask"] == base64.b64encode(masked.mask.data).decode()
    assert call.body["size"] == "1024x1024"
    assert picture.image.size == (300, 300)
    segmind_upstream.then(segmind_error(400, "image_urls[0] could not be read"))
    with pytest.raises(InvalidRequest, match="could not be read"):
        segmind_engine.generate(_spec(LOGO, size="1024x1024"))


def test_a_configured_edit_model_name_is_used(segmind_upstream) -> None:
    engine = build_engine(
        "segmind",
        base_url=segmind_upstream.url,
        api_key=SEGMIND_KEY,
        model="gpt-image-1",
        edit_model="gpt-image-1-edit-v2",
        **FAST,
    )
    try:
        engine.generate(_spec(LOGO, size="1024x1024"))
    finally:
        engine.close()
    assert segmind_upstream.calls[-1].path == "/v1/gpt-image-1-edit-v2"
