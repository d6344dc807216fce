"""Edit calls over HTTP: read an edit body (`api.edits_forms`) into an EditRequest for
the generation routes' one lifecycle (`api.generation.Call`).

    openai_edit_reader(call)                     POST /v1/images/edits (multipart or JSON)
    openai_variation_reader(call)                POST /v1/images/variations (multipart)
    segmind_edit_reader(call, base, body_hook)   POST /v1/{model}-edit and /v2/{model}-edit
    refusing_edit_fields(model, body_hook)       image_urls on a generation model: a 400

Each reader runs after the key is checked, so nobody unauthenticated makes the server
read a large body or fetch a URL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import anyio.to_thread

from pixmill.api.edits_forms import (
    EditForm,
    OpenAIEditFields,
    OpenAIEditRequest,
    SegmindEditFields,
    load_edit,
    read_edit_json,
    read_openai_edit,
    read_openai_variation,
    refuse_edit_fields,
    segmind_json_form,
)
from pixmill.api.generation import Call, Reader
from pixmill.errors import InvalidRequest
from pixmill.imaging.inputs import InputLimits
from pixmill.request import EditRequest, ImageRequest

BodyHook = Callable[[dict[str, Any]], dict[str, Any]]


def openai_edit_reader(call: Call) -> Reader:
    """Reads OpenAI's edit form; a `stream: true` edit makes the call a stream."""
    settings = call.state.settings

    async def read() -> tuple[ImageRequest, dict[str, Any], dict[str, Any]]:
        form = await read_openai_edit(call.http, settings)
        edit = await _load(call, form, OpenAIEditFields, OpenAIEditRequest)
        if edit.stream:
            call.form = "stream"
        return edit, fingerprint_body(form, edit), {}

    return read


def openai_variation_reader(call: Call) -> Reader:
    """Reads OpenAI's variation form: an edit of one image, with no prompt of the client's."""
    settings = call.state.settings

    async def read() -> tuple[ImageRequest, dict[str, Any], dict[str, Any]]:
        form = await read_openai_variation(call.http, settings)
        edit = await _load(call, form, OpenAIEditFields, OpenAIEditRequest)
        return edit.model_copy(update={"variation": True}), fingerprint_body(form, edit), {}

    return read


def segmind_edit_reader(call: Call, base_model: str, body_hook: BodyHook | None = None) -> Reader:
    """Reads Segmind's edit JSON for `base_model`; `body_hook` takes its extensions out
    first (v2's webhook_url) and answers extra submit arguments."""
    settings = call.state.settings

    async def read() -> tuple[ImageRequest, dict[str, Any], dict[str, Any]]:
        body = await read_edit_json(call.http, settings)
        extras = body_hook(body) if body_hook is not None else {}
        limits = InputLimits.from_settings(settings)
        if body.get("stream") not in (None, False):
            raise InvalidRequest(
                "Segmind's form does not stream: use POST /v2/{model}-edit and follow its "
                "events_url, or OpenAI's /v1/images/edits with stream: true.",
                param="stream",
            )
        form = await anyio.to_thread.run_sync(
            lambda: segmind_json_form(body, limits, model=base_model)
        )
        edit = await _load(call, form, SegmindEditFields)
        return edit, fingerprint_body(form, edit), extras

    return read


def refusing_edit_fields(model: str, body_hook: BodyHook | None = None) -> BodyHook:
    """A generation route's body hook: images to edit are a 400 pointing to the edit
    model, never silently ignored; then `body_hook`, if any."""

    def hook(body: dict[str, Any]) -> dict[str, Any]:
        refuse_edit_fields(body, model)
        return body_hook(body) if body_hook is not None else {}

    return hook


async def _load(
    call: Call,
    form: EditForm,
    wire_cls: type[ImageRequest],
    edit_cls: type[EditRequest] = EditRequest,
) -> EditRequest:
    settings = call.state.settings
    return await load_edit(
        form,
        wire_cls,
        limits=InputLimits.from_settings(settings),
        allow_list=settings.url_allow_list,
        edit_cls=edit_cls,
    )


def fingerprint_body(form: EditForm, edit: EditRequest) -> dict[str, Any]:
    """What an Idempotency-Key's fingerprint is made of: the fields, and a digest of
    each image (the same images sent again, by URL or as bytes, are the same request)."""
    return {
        "fields": form.fields,
        "images": [hashlib.sha256(image.data).hexdigest() for image in edit.inputs],
        "mask": hashlib.sha256(edit.mask.data).hexdigest() if edit.mask else None,
    }
