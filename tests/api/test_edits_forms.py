"""The edit parsers, fed real multipart bodies (built by httpx and by the openai SDK) and
real JSON bodies with real images, data URLs and URLs on a loopback server."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import anyio
import httpx
import openai
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from pixmill.api.edits_forms import (
    EditForm,
    OpenAIEditFields,
    SegmindEditFields,
    edit_base_model,
    load_edit,
    openai_json_form,
    openai_multipart_form,
    read_edit_json,
    read_edit_multipart,
    read_openai_edit,
    read_segmind_edit,
    refuse_edit_fields,
    segmind_json_form,
)
from pixmill.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from pixmill.imaging.inputs import InputLimits
from pixmill.request import EditRequest, resolve
from pixmill.settings import Settings
from tests.conftest import serving_in_thread
from tests.imaging.samples import encoded, mask

LIMITS = InputLimits()
SETTINGS = Settings(_env_file=None)
PNG = encoded("png", (64, 48))
JPEG = encoded("jpeg", (48, 64))
WEBP = encoded("webp", (64, 48), alpha=True, lossless=True)
MASK = mask((64, 48))


def _starlette_request(built: httpx.Request, chunk: int = 65536) -> Request:
    """A Starlette request carrying exactly the bytes httpx (or the SDK) would send."""
    body = built.read()
    chunks = [body[i : i + chunk] for i in range(0, len(body), chunk)] or [b""]
    messages = [
        {"type": "http.request", "body": piece, "more_body": i < len(chunks) - 1}
        for i, piece in enumerate(chunks)
    ]

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    scope = {
        "type": "http",
        "method": "POST",
        "path": built.url.path,
        "headers": [(k.lower().encode(), v.encode()) for k, v in built.headers.items()],
        "query_string": b"",
    }
    return Request(scope, receive)


def _multipart(files: list[tuple[str, Any]], data: dict[str, Any]) -> httpx.Request:
    return httpx.Request("POST", "http://pixmill/v1/images/edits", files=files, data=data)


def _parse_multipart(built: httpx.Request, settings: Settings = SETTINGS) -> EditRequest:
    async def run() -> EditRequest:
        parsed = await read_openai_edit(_starlette_request(built), settings)
        return await load_edit(parsed, OpenAIEditFields, limits=LIMITS, allow_list=[])

    return anyio.run(run)


def _load(form: EditForm, cls: type = OpenAIEditFields, allow: list[str] | None = None):
    return anyio.run(lambda: load_edit(form, cls, limits=LIMITS, allow_list=allow or []))


def test_one_image_with_every_field() -> None:
    built = _multipart(
        [("image", ("photo.png", PNG, "image/png")), ("mask", ("m.png", MASK, "image/png"))],
        {
            "prompt": "put this bottle on a marble counter",
            "model": "gpt-image-1",
            "n": "2",
            "size": "1024x1536",
            "quality": "high",
            "background": "opaque",
            "output_format": "webp",
            "output_compression": "80",
            "input_fidelity": "high",
            "moderation": "low",
            "stream": "false",
            "partial_images": "0",
            "user": "u-1",
        },
    )
    edit = _parse_multipart(built)
    assert edit.prompt == "put this bottle on a marble counter"
    assert (edit.n, edit.size, edit.quality, edit.output_compression) == (
        2,
        "1024x1536",
        "high",
        80,
    )
    assert edit.input_fidelity == "high"
    assert [i.param for i in edit.inputs] == ["image"]
    assert edit.inputs[0].data == PNG
    assert edit.mask is not None and edit.mask.param == "mask"
    spec = resolve(edit)
    assert spec.is_edit and spec.inputs == edit.inputs and spec.mask == edit.mask
    assert spec.input_fidelity == "high"


def test_several_images_in_three_formats() -> None:
    built = _multipart(
        [
            ("image[]", ("a.png", PNG, "image/png")),
            ("image[]", ("b.jpg", JPEG, "image/jpeg")),
            ("image[]", ("c.webp", WEBP, "application/octet-stream")),  # type not trusted
        ],
        {"prompt": "a collage"},
    )
    edit = _parse_multipart(built)
    assert [(i.param, i.format, i.size) for i in edit.inputs] == [
        ("image[0]", "png", "64x48"),
        ("image[1]", "jpeg", "48x64"),
        ("image[2]", "webp", "64x48"),
    ]
    assert edit.inputs[2].has_alpha
    # "auto" follows the first image's aspect when there is no mask.
    assert resolve(edit).size == "1536x1024"  # 64x48 is landscape


def test_the_openai_sdk_multipart_body_parses(tmp_path: Any) -> None:
    """The official SDK's own encoding of images.edit (several images and a mask)."""
    captured: list[httpx.Request] = []

    def capture(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return httpx.Response(200, json={"created": 0, "data": []})

    client = openai.OpenAI(
        api_key="k",
        base_url="http://pixmill/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(capture)),
    )
    first, second = tmp_path / "a.png", tmp_path / "b.jpg"
    first.write_bytes(PNG)
    second.write_bytes(JPEG)
    with first.open("rb") as a, second.open("rb") as b:
        client.images.edit(
            image=[a, b],
            mask=MASK,
            prompt="make a poster",
            n=2,
            input_fidelity="high",
            output_format="jpeg",
        )
    edit = _parse_multipart(captured[0])
    assert [i.param for i in edit.inputs] == ["image[0]", "image[1]"]
    assert (edit.n, edit.output_format, edit.input_fidelity) == (2, "jpeg", "high")
    assert edit.mask is not None

    with first.open("rb") as a:
        client.images.edit(image=a, prompt="one")
    assert [i.param for i in _parse_multipart(captured[1]).inputs] == ["image"]


@pytest.mark.parametrize(
    ("files", "data", "param", "message"),
    [
        ([], {"prompt": "x"}, "image", "Missing required parameter"),
        ([("image", ("a.txt", b"hello", "image/png"))], {"prompt": "x"}, "image", "readable"),
        (
            [("image[]", ("a.png", PNG, "image/png")), ("image[]", ("b.png", b"no", "image/png"))],
            {"prompt": "x"},
            "image[1]",
            "readable",
        ),
        ([("image[]", ("a.png", PNG, "image/png"))] * 17, {"prompt": "x"}, "image", "at most 16"),
        ([("image[]", ("a.png", PNG, "image/png"))] * 18, {"prompt": "x"}, "image", "Too many"),
        (
            [("image", ("a.png", PNG, "image/png")), ("mask", ("m.png", mask((32, 32)), "x/y"))],
            {"prompt": "x"},
            "mask",
            "same size",
        ),
        (
            [("image", ("a.png", PNG, "image/png")), ("mask", ("m.png", PNG, "image/png"))],
            {"prompt": "x"},
            "mask",
            "no alpha",
        ),
        ([("image", ("a.png", PNG, "image/png"))], {}, "prompt", "Missing required"),
        ([("image", ("a.png", PNG, "image/png"))], {"prompt": "x", "n": "eleven"}, "n", "'n'"),
        ([("image", ("a.png", PNG, "image/png"))], {"prompt": "x", "size": "9x9"}, "size", "size"),
        (
            [("image", ("a.png", PNG, "image/png"))],
            {"prompt": "x", "input_fidelity": "max"},
            "input_fidelity",
            "Supported values",
        ),
        (
            [("image", ("a.png", PNG, "image/png"))],
            {"prompt": "x", "colour": "red"},
            "colour",
            "Unrecognized",
        ),
        ([("prompt", ("p.txt", b"x", "text/plain"))], {}, "prompt", "text field"),
    ],
)
def test_multipart_error_table(
    files: list[Any], data: dict[str, str], param: str | None, message: str
) -> None:
    built = (
        _multipart(files, data)
        if files
        else httpx.Request(
            "POST", "http://pixmill/v1/images/edits", files={"x": ("", b"", "")}, data=data
        )
    )
    with pytest.raises(InvalidRequest, match=message) as caught:
        _parse_multipart(built)
    assert caught.value.param == param
    assert caught.value.status == 400


def test_sixteen_images_pass_and_the_image_count_names_the_parameter() -> None:
    built = _multipart([("image[]", ("a.png", PNG, "image/png"))] * 16, {"prompt": "grid"})
    assert len(_parse_multipart(built).inputs) == 16
    body = {"prompt": "x", "image_urls": [base64.b64encode(PNG).decode()] * 17}
    with pytest.raises(InvalidRequest, match="at most 16") as caught:
        segmind_json_form(body, LIMITS, model="gpt-image-1")
    assert caught.value.param == "image_urls"


def test_oversized_file_and_body() -> None:
    small = Settings(_env_file=None, edit_max_image_bytes=1024, edit_max_body_bytes=3000)
    limits = InputLimits.from_settings(small)
    big = encoded("png", (200, 200))
    assert 1024 < len(big) < 3000 - 500

    async def parse(built: httpx.Request) -> EditForm:
        form = await read_edit_multipart(_starlette_request(built, chunk=512), small)
        try:
            return openai_multipart_form(form, limits)
        finally:
            await form.close()

    built = _multipart([("image", ("a.png", big, "image/png"))], {"prompt": "x"})
    with pytest.raises(InvalidRequest, match="larger than 1024 bytes") as caught:
        anyio.run(parse, built)
    assert caught.value.param == "image"
    two = _multipart([("image[]", ("a.png", big, "image/png"))] * 2, {"prompt": "x"})
    with pytest.raises(PayloadTooLarge):
        anyio.run(parse, two)
    # Without a Content-Length, the limit still holds while reading.
    del two.headers["content-length"]
    with pytest.raises(PayloadTooLarge):
        anyio.run(parse, two)


def test_multipart_needs_its_content_type() -> None:
    built = httpx.Request("POST", "http://pixmill/v1/images/edits", json={"prompt": "x"})
    with pytest.raises(UnsupportedMediaType):
        anyio.run(read_edit_multipart, _starlette_request(built), SETTINGS)


def test_json_body_limit_is_the_edit_limit() -> None:
    text = base64.b64encode(PNG).decode()
    body = {"prompt": "x", "images": [{"image_url": f"data:image/png;base64,{text}"}] * 3}
    built = httpx.Request("POST", "http://pixmill/v1/images/edits", json=body)
    assert len(built.read()) > 1024
    parsed = anyio.run(read_edit_json, _starlette_request(built), SETTINGS)
    assert len(parsed["images"]) == 3
    tight = Settings(_env_file=None, edit_max_body_bytes=1024)
    with pytest.raises(PayloadTooLarge):
        anyio.run(read_edit_json, _starlette_request(built), tight)


# JSON forms, with URLs on a loopback server


async def _serve_png(request: Request) -> Response:
    return Response(PNG, media_type="text/plain")  # a wrong type: the bytes decide


async def _serve_mask(request: Request) -> Response:
    return Response(MASK, media_type="image/png")


async def _serve_text(request: Request) -> Response:
    return Response(b"<html>not an image</html>", media_type="image/png")


@pytest.fixture(scope="module")
def images_origin() -> Iterator[str]:
    app = Starlette(
        routes=[Route("/a.png", _serve_png), Route("/m.png", _serve_mask), Route("/t", _serve_text)]
    )
    with serving_in_thread(app) as (url, _):
        yield url


def _data_url(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def test_openai_json_with_data_urls_and_urls(images_origin: str) -> None:
    body = {
        "prompt": "an ad",
        "images": [
            {"image_url": _data_url(JPEG, "image/jpeg")},
            {"image_url": f"{images_origin}/a.png"},
        ],
        "mask": {"image_url": _data_url(mask((48, 64)))},
        "size": "auto",
        "input_fidelity": "high",
    }
    edit = _load(openai_json_form(body, LIMITS), allow=["127.0.0.1"])
    assert [(i.param, i.format) for i in edit.inputs] == [
        ("images[0]", "jpeg"),
        ("images[1]", "png"),
    ]
    assert edit.inputs[1].data == PNG
    # A masked edit keeps the first image's size on "auto".
    assert resolve(edit).size == "48x64"


def test_openai_json_refusals(images_origin: str) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"prompt": "x"}, "images", "Missing"),
        ({"prompt": "x", "images": "a.png"}, "images", "array"),
        ({"prompt": "x", "images": [{"file_id": "file-1"}]}, "images[0]", "file_id"),
        ({"prompt": "x", "images": [{"image_url": "ftp://x/a.png"}]}, "images[0]", "data URL"),
        (
            {"prompt": "x", "images": [{"image_url": _data_url(PNG)}], "image": "x"},
            "image",
            "Unrecognized",
        ),
        (
            {"prompt": "x", "images": [{"image_url": f"{images_origin}/a.png"}]},
            "images[0]",
            "loopback",
        ),
        (
            {"prompt": "x", "images": [{"image_url": "http://169.254.169.254/latest"}]},
            "images[0]",
            "not allowed",
        ),
    ]
    for body, param, message in cases:
        with pytest.raises(InvalidRequest, match=message) as caught:
            _load(openai_json_form(body, LIMITS))  # no allow-list: loopback is refused
        assert caught.value.param == param, body


def test_fetched_content_is_checked_by_decoding(images_origin: str) -> None:
    body = {"prompt": "x", "images": [{"image_url": f"{images_origin}/t"}]}
    with pytest.raises(InvalidRequest, match="readable") as caught:
        _load(openai_json_form(body, LIMITS), allow=["127.0.0.1"])
    assert caught.value.param == "images[0]"


def test_segmind_json(images_origin: str) -> None:
    body = {
        "prompt": "a poster",
        "image_urls": [
            base64.b64encode(PNG).decode(),
            f"{images_origin}/a.png",
            _data_url(WEBP, "image/webp"),
        ],
        "mask": f"{images_origin}/m.png",
        "output_format": "jpeg",
        "unknown_key": "ignored as at Segmind",
    }
    form = segmind_json_form(body, LIMITS, model="gpt-image-1")
    edit = _load(form, SegmindEditFields, allow=["127.0.0.1"])
    assert edit.model == "gpt-image-1"
    assert [i.param for i in edit.inputs] == ["image_urls[0]", "image_urls[1]", "image_urls[2]"]
    assert edit.mask is not None and edit.mask.width == 64


def test_segmind_refusals_name_the_entry(images_origin: str) -> None:
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"prompt": "x"}, "image_urls", "Missing"),
        ({"prompt": "x", "image_urls": []}, "image_urls", "Missing"),
        ({"prompt": "x", "image_urls": [5]}, "image_urls[0]", "URL or base64"),
        ({"prompt": "x", "image_urls": [_data_url(PNG), "@@@"]}, "image_urls[1]", "base64"),
        (
            {"prompt": "x", "image_urls": [_data_url(PNG), f"{images_origin}/missing"]},
            "image_urls[1]",
            "HTTP 404",
        ),
        ({"prompt": "x", "image_urls": [_data_url(PNG)], "mask": _data_url(JPEG)}, "mask", "PNG"),
    ]
    for body, param, message in cases:
        with pytest.raises(InvalidRequest, match=message) as caught:
            _load(
                segmind_json_form(body, LIMITS, model="gpt-image-1"),
                SegmindEditFields,
                ["127.0.0.1"],
            )
        assert caught.value.param == param, body


def test_route_readers_take_json_bodies_too() -> None:
    """What a route calls: the OpenAI reader picks JSON or multipart by content type."""
    body = {"prompt": "x", "images": [{"image_url": _data_url(PNG)}]}
    built = httpx.Request("POST", "http://pixmill/v1/images/edits", json=body)
    form = anyio.run(read_openai_edit, _starlette_request(built), SETTINGS)
    assert [(i.param, i.data) for i in form.images] == [("images[0]", PNG)]
    segmind = {"prompt": "x", "image_urls": [base64.b64encode(PNG).decode()], "mask": ""}
    built = httpx.Request("POST", "http://pixmill/v1/gpt-image-1-edit", json=segmind)

    async def read() -> EditForm:
        return await read_segmind_edit(_starlette_request(built), SETTINGS, model="gpt-image-1")

    form = anyio.run(read)
    assert form.fields == {"prompt": "x", "model": "gpt-image-1"}
    assert form.mask is None and form.images[0].data == PNG


def test_segmind_edit_model_names() -> None:
    configured = ["gpt-image-1", "design", "sd-turbo", "design-edit-pro", "special-edit"]
    assert edit_base_model("gpt-image-1-edit", configured) == "gpt-image-1"
    assert edit_base_model("sd-turbo-edit", configured) == "sd-turbo"
    assert edit_base_model("gpt-image-1", configured) is None
    assert edit_base_model("special-edit", configured) is None  # its own name wins
    assert edit_base_model("nothing-edit", configured) is None


def test_generation_bodies_with_images_point_to_the_edit_model() -> None:
    with pytest.raises(InvalidRequest, match="gpt-image-1-edit") as caught:
        refuse_edit_fields({"prompt": "x", "image_urls": ["http://x/a.png"]}, "gpt-image-1")
    assert caught.value.param == "image_urls"
    refuse_edit_fields({"prompt": "x", "image_urls": []}, "gpt-image-1")


def test_an_edit_request_round_trips_as_json() -> None:
    """A job stores its request; the images travel as base64 and come back as bytes."""
    built = _multipart(
        [("image", ("a.png", PNG, "image/png")), ("mask", ("m.png", MASK, "image/png"))],
        {"prompt": "keep it"},
    )
    edit = _parse_multipart(built)
    again = EditRequest.model_validate_json(edit.model_dump_json())
    assert again == edit
    assert json.loads(edit.model_dump_json())["inputs"][0]["param"] == "image"
