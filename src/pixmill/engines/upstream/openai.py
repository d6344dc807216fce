"""The OpenAI Images API as an upstream: POST {base_url}/images/generations,
{base_url}/images/edits (multipart, the input images as they came) for edits, and
{base_url}/images/variations (multipart: the image, no prompt) for variations.

Any provider that speaks this API works through `base_url`. The answer's own values
(`quality`, `size`, `background`, `output_format`) and its token `usage` (input image
tokens included) come back to pixmill's client; the call's cost is its usage at
GPT-Image-1's prices.

When partial images are asked for, each image is a call with `stream: true` and
`partial_images`; its `*.partial_image` events are passed on as they come, and its
`*.completed` event is the image (streaming.py).
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx

from pixmill.engines.base import GeneratedImage, UpstreamReport
from pixmill.engines.upstream.engine import UpstreamEngine, file_part
from pixmill.engines.upstream.errors import (
    QUOTA_CODES,
    UpstreamFailure,
    error_for,
    malformed,
    stream_error_for,
)
from pixmill.engines.upstream.images import decode_base64, partial_picture, picture_from
from pixmill.engines.upstream.options import parse_options
from pixmill.engines.upstream.streaming import PartialSink
from pixmill.engines.upstream.transport import UpstreamClient, retryable_status
from pixmill.request import RenderSpec
from pixmill.usage import Usage

PROVIDER = "openai"


class OpenAIEngine(UpstreamEngine):
    """Forwards generations to OpenAI (or a compatible provider) with the operator's key."""

    name = "openai"
    streams = True

    def __init__(self, **options: Any):
        parsed = parse_options(
            PROVIDER,
            options,
            default_base_url="https://api.openai.com/v1",
            default_key_env="OPENAI_API_KEY",
            default_model="gpt-image-1",
            default_max_n=10,
        )
        client = UpstreamClient(PROVIDER, parsed, {"authorization": f"Bearer {parsed.api_key}"})
        super().__init__(parsed, client)
        self.capabilities = replace(self.capabilities, variations=True)

    def request_body(self, spec: RenderSpec) -> dict[str, Any]:
        """Every contract parameter in OpenAI's form; nothing left "auto" (pixmill resolved it)."""
        fmt = self.upstream_format(spec)
        body: dict[str, Any] = {
            "model": self.options.model,
            "prompt": spec.prompt,
            "n": spec.n,
            "size": spec.size,
            "quality": spec.quality,
            "background": self.upstream_background(spec),
            "moderation": spec.moderation,
            "output_format": fmt,
        }
        if fmt in ("jpeg", "webp"):  # OpenAI takes output_compression for these only
            body["output_compression"] = spec.output_compression
        if spec.user:
            body["user"] = spec.user
        return body

    def edit_form(self, spec: RenderSpec) -> tuple[dict[str, str], list[Any]]:
        """An edit as OpenAI's multipart: the generation's fields as text (but `moderation`,
        which images.edit does not take), `input_fidelity`, and the images and mask."""
        fields = {
            key: str(value) for key, value in self.request_body(spec).items() if key != "moderation"
        }
        fields["input_fidelity"] = spec.input_fidelity
        name = "image" if len(spec.inputs) == 1 else "image[]"
        files = [file_part(name, image, index) for index, image in enumerate(spec.inputs)]
        if spec.mask is not None:
            files.append(file_part("mask", spec.mask, 0))
        return fields, files

    def variation_form(self, spec: RenderSpec) -> tuple[dict[str, str], list[Any]]:
        """A variation as OpenAI's multipart: `image`, and `model`, `n`, `size`,
        `response_format` and `user`; no prompt."""
        fields = {"model": self.options.model, "n": str(spec.n), "size": spec.size,
                  "response_format": "b64_json"}  # fmt: skip
        if spec.user:
            fields["user"] = spec.user
        return fields, [file_part("image", spec.inputs[0], 0)]

    def call(self, spec: RenderSpec) -> list[GeneratedImage]:
        if spec.variation:
            return self.variation(spec)
        if spec.is_edit:
            return self.edit(spec)
        response = self.client.post(
            "/images/generations", self.request_body(spec), retryable=_retryable
        )
        if response.status_code >= 300:
            raise error_for(self.failure(response))
        return self.pictures(response, spec)

    def edit(self, spec: RenderSpec) -> list[GeneratedImage]:
        upstream = self.upstream_spec(spec)
        fields, files = self.edit_form(upstream)
        response = self.client.post("/images/edits", fields, files=files, retryable=_retryable)
        if response.status_code >= 300:
            raise error_for(self.failure(response))
        return self.fitted(self.pictures(response, upstream), spec)

    def variation(self, spec: RenderSpec) -> list[GeneratedImage]:
        fields, files = self.variation_form(spec)
        response = self.client.post("/images/variations", fields, files=files, retryable=_retryable)
        if response.status_code >= 300:
            raise error_for(self.failure(response))
        return self.fitted(self.pictures(response, spec), spec)

    def pictures(self, response: httpx.Response, spec: RenderSpec) -> list[GeneratedImage]:
        try:
            body = response.json()
        except ValueError as exc:
            raise malformed(PROVIDER, "the body is not JSON") from exc
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or len(data) != spec.n:
            raise malformed(PROVIDER, f"expected {spec.n} images in 'data'")
        report = _report(body, spec.n)
        return [
            picture_from(
                decode_base64(item.get("b64_json") if isinstance(item, dict) else None, PROVIDER),
                spec,
                report,
                PROVIDER,
            )
            for item in data
        ]

    def stream_one(self, spec: RenderSpec, partial: PartialSink) -> GeneratedImage:
        """One image with `stream: true`: each `*.partial_image` event's picture to
        `partial`, then the image of the `*.completed` event (with its usage)."""
        # 1. The call, as an unstreamed one, asking for events and partials.
        upstream = self.upstream_spec(spec)
        if spec.is_edit:
            kind = "image_edit"
            fields, files = self.edit_form(upstream)
            fields |= {"stream": "true", "partial_images": str(spec.partial_images)}
            opened = self.client.stream("/images/edits", fields, files=files, retryable=_retryable)
        else:
            kind = "image_generation"
            body = self.request_body(upstream)
            body |= {"stream": True, "partial_images": spec.partial_images}
            opened = self.client.stream("/images/generations", body, retryable=_retryable)
        with opened as response:
            if response.status_code >= 300:
                raise error_for(self.failure(response))
            # 2. Its events until the image; another kind of event is skipped.
            for event in self.client.events(response):
                data = _event_data(event.data)
                kind_of = _text(data.get("type")) or event.event
                if kind_of == f"{kind}.partial_image":
                    partial(partial_picture(data.get("b64_json"), PROVIDER))
                elif kind_of == f"{kind}.completed":
                    image = decode_base64(data.get("b64_json"), PROVIDER)
                    picture = picture_from(image, upstream, _report(data, 1), PROVIDER)
                    return self.fitted([picture], spec)[0]
                elif kind_of == "error" or event.event == "error":
                    raise stream_error_for(self.stream_failure(data))
        raise malformed(PROVIDER, f"the stream ended before its {kind}.completed event")

    def stream_failure(self, data: dict[str, Any]) -> UpstreamFailure:
        """Read an `error` event: {"error": {...}} as OpenAI's answers, or its fields bare."""
        error = data.get("error") if isinstance(data.get("error"), dict) else data
        return UpstreamFailure(
            provider=PROVIDER,
            status=200,  # the stream's own status: it had begun
            message=self.client.redact(_text(error.get("message")) or "(no message)"),
            code=_text(error.get("code")) or _text(error.get("type")),
            param=_text(error.get("param")),
        )

    def failure(self, response: httpx.Response) -> UpstreamFailure:
        """Read OpenAI's {"error": {"message", "type", "param", "code"}}, whatever came."""
        error = _error_object(response)
        message = error.get("message") if isinstance(error.get("message"), str) else None
        return UpstreamFailure(
            provider=PROVIDER,
            status=response.status_code,
            message=self.client.redact(message or response.text[:300]),
            code=_text(error.get("code")) or _text(error.get("type")),
            param=_text(error.get("param")),
        )


def _retryable(response: httpx.Response) -> bool:
    # An empty quota answers 429 too, but waiting will not fill it.
    if response.status_code == 429 and _error_object(response).get("code") in QUOTA_CODES:
        return False
    return retryable_status(response)


def _error_object(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _event_data(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise malformed(PROVIDER, "an event's data is not JSON") from exc
    if not isinstance(data, dict):
        raise malformed(PROVIDER, "an event's data is not a JSON object")
    return data


def _report(body: dict[str, Any], n: int) -> UpstreamReport:
    """What an answer (or a stream's completed event) says about its n images."""
    usage = _usage(body.get("usage"))
    return UpstreamReport(
        images=n,
        quality=_text(body.get("quality")),
        size=_text(body.get("size")),
        background=_text(body.get("background")),
        output_format=_text(body.get("output_format")),
        usage=usage,
        # What OpenAI bills: its token usage at GPT-Image-1's prices (usage.py).
        cost_micro=usage.cost_micro if usage is not None else None,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _usage(value: object) -> Usage | None:
    if not isinstance(value, dict):
        return None
    input_tokens, output_tokens = value.get("input_tokens"), value.get("output_tokens")
    if not isinstance(input_tokens, int) or not isinstance(output_tokens, int):
        return None
    details = value.get("input_tokens_details")
    image_tokens = details.get("image_tokens") if isinstance(details, dict) else None
    if not isinstance(image_tokens, int) or not 0 <= image_tokens <= input_tokens:
        image_tokens = 0
    return Usage(
        input_tokens=input_tokens, output_tokens=output_tokens, image_input_tokens=image_tokens
    )
