"""Segmind as an upstream: POST {base_url}/{model} with the operator's x-api-key; edits
go to its edit model, {model}-edit, with the images as base64 in `image_urls`.

Segmind answers with the image itself (`image/*`), one per call, so a request for n
images becomes n concurrent calls. It reports no token usage: pixmill's own count of
tokens is shown, and the call's cost is read from an `x-cost` header when one is sent.
"""

from __future__ import annotations

import base64
import contextlib
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from pixmill.engines.base import GeneratedImage, UpstreamReport
from pixmill.engines.upstream.engine import UpstreamEngine
from pixmill.engines.upstream.errors import UpstreamFailure, error_for, malformed
from pixmill.engines.upstream.images import decode_base64, picture_from
from pixmill.engines.upstream.options import parse_options
from pixmill.engines.upstream.transport import UpstreamClient
from pixmill.request import RenderSpec
from pixmill.usage import MICRO

PROVIDER = "segmind"


class SegmindEngine(UpstreamEngine):
    """Forwards generations to Segmind's serverless API with the operator's key."""

    name = "segmind"

    def __init__(self, **options: Any):
        parsed = parse_options(
            PROVIDER,
            options,
            default_base_url="https://api.segmind.com/v1",
            default_key_env="SEGMIND_API_KEY",
            default_model="gpt-image-1",
            default_max_n=1,
        )
        super().__init__(parsed, UpstreamClient(PROVIDER, parsed, {"x-api-key": parsed.api_key}))

    def request_body(self, spec: RenderSpec) -> dict[str, Any]:
        """Every contract parameter in Segmind's form, every "auto" already resolved."""
        body: dict[str, Any] = {
            "prompt": spec.prompt,
            "size": spec.size,
            "quality": spec.quality,
            "moderation": spec.moderation,
            "background": self.upstream_background(spec),
            "output_compression": spec.output_compression,
            "output_format": self.upstream_format(spec),
        }
        if spec.n > 1:
            body["n"] = spec.n
        return body

    def edit_body(self, spec: RenderSpec) -> dict[str, Any]:
        """An edit in the form of Segmind's gpt-image-1-edit: the generation's parameters,
        `image_urls` as base64 (no URL for the provider to fetch) and the mask."""
        body = self.request_body(spec)
        body["image_urls"] = [_base64(image.data) for image in spec.inputs]
        if spec.mask is not None:
            body["mask"] = _base64(spec.mask.data)
        return body

    def call(self, spec: RenderSpec) -> list[GeneratedImage]:
        if spec.is_edit:
            upstream = self.upstream_spec(spec)
            model = self.options.edit_model or f"{self.options.model}-edit"
            response = self.client.post(f"/{model}", self.edit_body(upstream))
        else:
            upstream = spec
            response = self.client.post(f"/{self.options.model}", self.request_body(spec))
        if response.status_code >= 300:
            raise error_for(self.failure(response))
        report = UpstreamReport(images=spec.n, cost_micro=_cost(response.headers.get("x-cost")))
        pictures = [
            picture_from(data, upstream, report, PROVIDER) for data in _images(response, spec.n)
        ]
        return self.fitted(pictures, spec)

    def failure(self, response: httpx.Response) -> UpstreamFailure:
        """Read Segmind's {"error": "message"} (or "message", "detail"), whatever came."""
        message = None
        with contextlib.suppress(ValueError):
            body = response.json()
            if isinstance(body, dict):
                found = body.get("error") or body.get("message") or body.get("detail")
                message = found if isinstance(found, str) else None
        return UpstreamFailure(
            provider=PROVIDER,
            status=response.status_code,
            message=self.client.redact(message or response.text[:300]),
        )


def _images(response: httpx.Response, n: int) -> list[bytes]:
    """The image bytes: the body itself, or base64 in a JSON body ("image", "images", "data")."""
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type.startswith("image/"):
        if n != 1:
            raise malformed(PROVIDER, f"one image came where {n} were asked for")
        return [response.content]
    try:
        body = response.json()
    except ValueError as exc:
        raise malformed(PROVIDER, "the body is neither an image nor JSON") from exc
    if not isinstance(body, dict):
        raise malformed(PROVIDER, "the JSON body is not an object")
    if isinstance(body.get("image"), str):
        items: list[object] = [body["image"]]
    elif isinstance(body.get("images"), list):
        items = body["images"]
    elif isinstance(body.get("data"), list):
        items = [item.get("b64_json") if isinstance(item, dict) else None for item in body["data"]]
    else:
        raise malformed(PROVIDER, "the JSON body holds no image")
    if len(items) != n:
        raise malformed(PROVIDER, f"{len(items)} images came where {n} were asked for")
    return [decode_base64(item, PROVIDER) for item in items]


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _cost(header: str | None) -> int | None:
    """Credits (USD) as a decimal string, in micro-credits; None when absent or unreadable."""
    if not header:
        return None
    try:
        return int(Decimal(header.strip()) * MICRO)
    except (InvalidOperation, ValueError):
        return None
