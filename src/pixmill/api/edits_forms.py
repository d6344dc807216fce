"""Edit requests in each dialect's wire form, turned into one EditRequest.

Three forms, parsed by pure functions into an `EditForm` (the scalar fields, and where
each image comes from, named by its parameter):

    openai_multipart_form(form)   OpenAI's multipart: image / image[] (1-16 files), mask, ...
    openai_json_form(body)        OpenAI's JSON: images: [{"image_url"}], mask: {"image_url"}
    segmind_json_form(body)       Segmind's JSON: image_urls: [URL or base64], mask

then `load_edit(form, wire_cls, ...)` validates the fields first (cheap), fetches URL
images under the SSRF rules and checks every image (`pixmill.imaging.inputs`). Every
bad input is an InvalidRequest naming its parameter: `image`, `image[1]`, `images[0]`,
`image_urls[2]`, `mask`.

`read_openai_edit` and `read_segmind_edit` do it all for a route: read the body under
the edit routes' own size limit (`Settings.edit_body_limit()`, apart from the 1 MiB
limit of generation bodies) and take it apart, off the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import anyio.to_thread
import httpx
from fastapi import Request
from pydantic import ConfigDict
from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from pixmill.api.body import read_json_object
from pixmill.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from pixmill.imaging.inputs import InputLimits, decode_base64, decode_image, decode_mask
from pixmill.request import (
    MAX_INPUT_IMAGES,
    VARIATION_PROMPT,
    EditRequest,
    ImageRequest,
    InputFidelity,
    InputImage,
    ResponseFormat,
    parse_request,
)
from pixmill.security.urls import AllowListLike, fetch, guarded_client
from pixmill.settings import Settings

EDIT_SUFFIX = "-edit"
_INT_FIELDS = frozenset({"n", "output_compression", "partial_images", "seed"})
_BOOL_FIELDS = frozenset({"stream"})
_BOOLS = {"true": True, "false": False, "1": True, "0": False}
_MAX_FIELD_BYTES = 64 * 1024
"""A multipart text field (the prompt is at most 32,000 characters, 4 bytes each at worst)."""


class OpenAIEditFields(ImageRequest):
    """The scalar fields of OpenAI's images.edit; unknown arguments are refused, as OpenAI
    does. (The images themselves are not fields: they are read apart.)"""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_fidelity: InputFidelity = "low"
    response_format: ResponseFormat | None = None


class OpenAIEditRequest(EditRequest):
    """An EditRequest that keeps OpenAI's `response_format`: how the route answers."""

    response_format: ResponseFormat | None = None


class SegmindEditFields(ImageRequest):
    """The scalar fields of Segmind's gpt-image-1-edit; unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    input_fidelity: InputFidelity = "low"


@dataclass(frozen=True)
class ImageSource:
    """Where one input image comes from: its bytes, or an http(s) URL still to fetch."""

    param: str
    data: bytes | None = None
    url: str | None = None


@dataclass(frozen=True)
class EditForm:
    """An edit body taken apart: scalar fields for validation, and the image sources."""

    fields: dict[str, Any]
    images: list[ImageSource]
    mask: ImageSource | None = None


# Reading bodies


async def read_edit_multipart(request: Request, settings: Settings) -> FormData:
    """A multipart body under the edit limit, as FormData (close it when done)."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "multipart/form-data":
        raise UnsupportedMediaType(
            "Send the edit as 'multipart/form-data' (or as a JSON object).", param=None
        )
    limit = settings.edit_body_limit()
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _body_too_large(limit)

    async def limited() -> Any:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _body_too_large(limit)
            yield chunk

    parser = MultiPartParser(
        request.headers,
        limited(),
        max_files=MAX_INPUT_IMAGES + 1,
        max_fields=64,
        max_part_size=_MAX_FIELD_BYTES,
    )
    try:
        return await parser.parse()
    except MultiPartException as exc:
        param = "image" if "files" in exc.message.lower() else None
        raise InvalidRequest(
            f"The multipart body is not acceptable: {exc.message}", param=param
        ) from None


async def read_edit_json(request: Request, settings: Settings) -> dict[str, Any]:
    """A JSON object body under the edit limit."""
    return await read_json_object(request, settings.edit_body_limit())


def is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return content_type.split(";")[0].strip().lower() == "multipart/form-data"


def _body_too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the edit limit of {limit} bytes.")


# The three wire forms


def openai_multipart_form(form: FormData, limits: InputLimits) -> EditForm:
    """OpenAI's multipart edit: `image` (one file), or `image[]` / repeated `image` /
    `image[N]` (1 to 16 files), `mask`, and the other parameters as text fields."""
    files: list[UploadFile] = []
    mask: ImageSource | None = None
    fields: dict[str, Any] = {}
    plain_single = [key for key, _ in form.multi_items()].count("image") == 1
    for key, value in form.multi_items():
        if key == "image" or key == "image[]" or _indexed(key, "image"):
            files.append(_as_file(value, "image"))
        elif key == "mask":
            if mask is not None:
                raise InvalidRequest("Send at most one 'mask'.", param="mask")
            mask = ImageSource("mask", _read_upload(_as_file(value, "mask"), "mask", limits))
        elif isinstance(value, UploadFile):
            raise InvalidRequest(f"'{key}' must be a text field, not a file.", param=key)
        else:
            fields[key] = _coerce(key, value)
    _check_count(len(files), "image")
    single = plain_single and len(files) == 1
    images = []
    for index, upload in enumerate(files):
        param = "image" if single else f"image[{index}]"
        images.append(ImageSource(param, _read_upload(upload, param, limits)))
    return EditForm(fields, images, mask)


VARIATION_FIELDS = frozenset({"n", "size", "response_format", "user", "model"})
"""The text fields of OpenAI's images.createVariation (there is no prompt)."""


def openai_variation_form(form: FormData, limits: InputLimits) -> EditForm:
    """OpenAI's multipart variation: one `image` file, and `n`, `size`, `response_format`,
    `user` and `model` as text fields; anything else is refused, as OpenAI does. The
    prompt is VARIATION_PROMPT."""
    images: list[ImageSource] = []
    fields: dict[str, Any] = {"prompt": VARIATION_PROMPT}
    for key, value in form.multi_items():
        if key == "image":
            if images:
                raise InvalidRequest("A variation takes one 'image'.", param="image")
            images.append(ImageSource("image", _read_upload(_as_file(value, key), key, limits)))
        elif key not in VARIATION_FIELDS:
            raise InvalidRequest(
                f"Unrecognized request argument supplied: {key}. A variation takes 'image', "
                f"{', '.join(repr(name) for name in sorted(VARIATION_FIELDS))}.",
                param=key,
            )
        elif isinstance(value, UploadFile):
            raise InvalidRequest(f"'{key}' must be a text field, not a file.", param=key)
        else:
            fields[key] = _coerce(key, value)
    _check_count(len(images), "image")
    return EditForm(fields, images)


def openai_json_form(body: Mapping[str, Any], limits: InputLimits) -> EditForm:
    """OpenAI's JSON edit: `images: [{"image_url": data URL or http(s) URL}]`, and
    `mask: {"image_url": ...}`; the other keys are the parameters."""
    entries = _entries(body.get("images"), "images", "objects with an 'image_url'")
    images = [_image_reference(entry, f"images[{i}]", limits) for i, entry in enumerate(entries)]
    mask = None
    if body.get("mask") is not None:
        mask = _image_reference(body["mask"], "mask", limits)
    return EditForm(_fields(body, "images"), images, mask)


def segmind_json_form(body: Mapping[str, Any], limits: InputLimits, *, model: str) -> EditForm:
    """Segmind's JSON edit: `image_urls` (an array of http(s) URLs or base64, data URLs
    too) and `mask` (one of the same); the other keys are the parameters. `model` is the
    model the path names (see `edit_base_model`), as for Segmind's generations."""
    entries = _entries(body.get("image_urls"), "image_urls", "image URLs or base64 strings")
    images = [_url_or_base64(entry, f"image_urls[{i}]", limits) for i, entry in enumerate(entries)]
    mask = None
    if body.get("mask") not in (None, ""):
        mask = _url_or_base64(body["mask"], "mask", limits)
    return EditForm(_fields(body, "image_urls") | {"model": model}, images, mask)


async def read_openai_edit(request: Request, settings: Settings) -> EditForm:
    """An OpenAI edit body, multipart or JSON, read under the edit limit and taken apart.

    The file reads and base64 decoding run in a worker thread, off the event loop.
    """
    limits = InputLimits.from_settings(settings)
    if is_multipart(request):
        form = await read_edit_multipart(request, settings)
        try:
            return await anyio.to_thread.run_sync(openai_multipart_form, form, limits)
        finally:
            await form.close()
    body = await read_edit_json(request, settings)
    return await anyio.to_thread.run_sync(openai_json_form, body, limits)


async def read_openai_variation(request: Request, settings: Settings) -> EditForm:
    """An OpenAI variation body (multipart) read under the edit limit and taken apart."""
    limits = InputLimits.from_settings(settings)
    form = await read_edit_multipart(request, settings)
    try:
        return await anyio.to_thread.run_sync(openai_variation_form, form, limits)
    finally:
        await form.close()


async def read_segmind_edit(request: Request, settings: Settings, *, model: str) -> EditForm:
    """A Segmind edit body (JSON) read under the edit limit and taken apart."""
    limits = InputLimits.from_settings(settings)
    body = await read_edit_json(request, settings)
    return await anyio.to_thread.run_sync(lambda: segmind_json_form(body, limits, model=model))


# From a form to an EditRequest


async def load_edit(
    form: EditForm,
    wire_cls: type[ImageRequest],
    *,
    limits: InputLimits,
    allow_list: AllowListLike,
    client: httpx.AsyncClient | None = None,
    edit_cls: type[EditRequest] = EditRequest,
) -> EditRequest:
    """Validate the fields (before any image work), fetch URL images under the SSRF rules,
    check every image and the mask, and give the EditRequest (an `edit_cls`)."""
    wire = parse_request(form.fields, wire_cls)
    contents = await _fetch_all(form, limits, allow_list, client)
    inputs: list[InputImage] = []
    for source, data in zip(form.images, contents[: len(form.images)], strict=True):
        inputs.append(await _decode(data, source.param, limits))
    mask = None
    if form.mask is not None:
        mask_data = contents[len(form.images)]
        mask = await anyio.to_thread.run_sync(
            lambda: decode_mask(mask_data, param="mask", limits=limits, first=inputs[0])
        )
    values = wire.model_dump()
    return edit_cls.model_validate({**values, "inputs": tuple(inputs), "mask": mask})


async def _fetch_all(
    form: EditForm, limits: InputLimits, allow_list: AllowListLike, client: httpx.AsyncClient | None
) -> list[bytes]:
    """The bytes of every image, then the mask's, fetching URLs at once; the first error
    in parameter order wins, so the answer does not depend on which server was slower."""
    sources = [*form.images, *([form.mask] if form.mask else [])]
    results: list[bytes | InvalidRequest | None] = [s.data for s in sources]
    if not any(s.url for s in sources):
        return [r for r in results if isinstance(r, bytes)]
    active = client or guarded_client(allow_list)

    async def one(index: int, source: ImageSource) -> None:
        try:
            fetched = await fetch(
                source.url or "",
                max_bytes=limits.max_bytes,
                allow_list=allow_list,
                param=source.param,
                client=active,
            )
            results[index] = fetched.content
        except InvalidRequest as exc:
            results[index] = exc

    try:
        async with anyio.create_task_group() as group:
            for index, source in enumerate(sources):
                if source.url:
                    group.start_soon(one, index, source)
    finally:
        if client is None:
            await active.aclose()
    for result in results:
        if isinstance(result, InvalidRequest):
            raise result
    return [r for r in results if isinstance(r, bytes)]


async def _decode(data: bytes, param: str, limits: InputLimits) -> InputImage:
    return await anyio.to_thread.run_sync(lambda: decode_image(data, param=param, limits=limits))


# Segmind's edit models and the generation route


def edit_base_model(path_model: str, configured: Sequence[str]) -> str | None:
    """The model a Segmind `{name}-edit` path edits with, or None when the path is not an
    edit model. A configured model's own name wins over a derived `-edit` name."""
    if path_model in configured or not path_model.endswith(EDIT_SUFFIX):
        return None
    base = path_model.removesuffix(EDIT_SUFFIX)
    return base if base in configured else None


def refuse_edit_fields(body: Mapping[str, Any], model: str) -> None:
    """On a generation route, images to edit are an error pointing to the edit model, not
    something silently ignored."""
    for name in ("image_urls", "images", "image", "mask"):
        if body.get(name) not in (None, "", []):
            raise InvalidRequest(
                f"'{name}' is not a parameter of {model}: to edit images, call "
                f"{model}{EDIT_SUFFIX} (or POST /v1/images/edits).",
                param=name,
            )


# Helpers


def _indexed(key: str, name: str) -> bool:
    return key.startswith(f"{name}[") and key.endswith("]") and key[len(name) + 1 : -1].isdigit()


def _as_file(value: str | UploadFile, param: str) -> UploadFile:
    if not isinstance(value, UploadFile):
        raise InvalidRequest(
            f"'{param}' must be a file (png, jpeg or webp), sent as a multipart file part.",
            param=param,
        )
    return value


def _read_upload(upload: UploadFile, param: str, limits: InputLimits) -> bytes:
    if upload.size is not None and upload.size > limits.max_bytes:
        raise InvalidRequest(f"'{param}' is larger than {limits.max_bytes} bytes.", param=param)
    upload.file.seek(0)
    data = upload.file.read(limits.max_bytes + 1)
    if len(data) > limits.max_bytes:
        raise InvalidRequest(f"'{param}' is larger than {limits.max_bytes} bytes.", param=param)
    return data


def _coerce(key: str, value: str) -> Any:
    """Multipart sends every value as text; numbers and booleans become JSON's types, and
    anything else stays text for validation to name."""
    text = value.strip()
    digits = text.removeprefix("-")
    # Longer numbers stay text (int() refuses 4,300 digits): validation names the field.
    if key in _INT_FIELDS and digits.isascii() and digits.isdigit() and len(digits) <= 20:
        return int(text)
    if key in _BOOL_FIELDS and text.lower() in _BOOLS:
        return _BOOLS[text.lower()]
    return value


def _fields(body: Mapping[str, Any], images_key: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in (images_key, "mask")}


def _entries(value: Any, param: str, what: str) -> list[Any]:
    if value is None:
        raise InvalidRequest(f"Missing required parameter: '{param}'.", param=param)
    if not isinstance(value, list):
        raise InvalidRequest(f"'{param}' must be an array of {what}.", param=param)
    _check_count(len(value), param)
    return value


def _check_count(count: int, param: str) -> None:
    if count == 0:
        raise InvalidRequest(f"Missing required parameter: '{param}'.", param=param)
    if count > MAX_INPUT_IMAGES:
        raise InvalidRequest(
            f"Too many images: {count}; an edit takes at most {MAX_INPUT_IMAGES}.", param=param
        )


def _image_reference(entry: Any, param: str, limits: InputLimits) -> ImageSource:
    """OpenAI's `{"image_url": ...}` (a `file_id` is not something this server holds)."""
    if not isinstance(entry, dict):
        raise InvalidRequest(f"'{param}' must be an object with an 'image_url'.", param=param)
    if "file_id" in entry and "image_url" not in entry:
        raise InvalidRequest(
            f"'{param}': file_id is not supported here; send an 'image_url' (a data URL or "
            "an http(s) URL).",
            param=param,
        )
    url = entry.get("image_url")
    if not isinstance(url, str) or not url:
        raise InvalidRequest(f"'{param}' needs an 'image_url' string.", param=param)
    if url.startswith("data:"):
        return ImageSource(param, decode_base64(url, param=param, max_bytes=limits.max_bytes))
    if url.startswith(("http://", "https://")):
        return ImageSource(param, url=url)
    raise InvalidRequest(f"'{param}': image_url must be a data URL or an http(s) URL.", param=param)


def _url_or_base64(entry: Any, param: str, limits: InputLimits) -> ImageSource:
    if not isinstance(entry, str) or not entry.strip():
        raise InvalidRequest(f"'{param}' must be an image URL or base64 string.", param=param)
    if entry.startswith(("http://", "https://")):
        return ImageSource(param, url=entry)
    return ImageSource(param, decode_base64(entry, param=param, max_bytes=limits.max_bytes))


def edit_body_schemas() -> dict[str, Any]:
    """OpenAI's edit body, multipart and JSON, for the spec: images and prompt required."""
    fields = OpenAIEditFields.model_json_schema()
    binary = {"type": "string", "format": "binary"}
    reference = {
        "type": "object",
        "required": ["image_url"],
        "properties": {"image_url": {"type": "string", "minLength": 1}},
    }

    def body(images: str, schema: dict[str, Any], mask: dict[str, Any]) -> dict[str, Any]:
        return {
            **fields,
            "required": [images, *fields.get("required", [])],
            "properties": {**fields["properties"], images: schema, "mask": mask},
        }

    files = {"type": "array", "items": binary, "minItems": 1, "maxItems": MAX_INPUT_IMAGES}
    references = {**files, "items": reference}
    return {
        "multipart/form-data": {"schema": body("image", {"oneOf": [binary, files]}, binary)},
        "application/json": {"schema": body("images", references, reference)},
    }
