"""The part of a generation route both dialects share: body, key, pipeline, metrics."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

from fastapi import Request

from pixmill.accounts.keys import StaticKeys
from pixmill.api.body import read_json_object
from pixmill.api.errors import Dialect
from pixmill.api.metrics import Metrics
from pixmill.errors import ApiError
from pixmill.request import ImageRequest, parse_request
from pixmill.service import ImageResult, ImageService, new_request_id
from pixmill.settings import Settings
from pixmill.usage import format_credits


@dataclass(frozen=True)
class AppState:
    """Everything a route needs, built once by create_app()."""

    settings: Settings
    service: ImageService
    keys: StaticKeys
    metrics: Metrics


def app_state(request: Request) -> AppState:
    return request.app.state.pixmill


def api_key_of(request: Request) -> str | None:
    """The caller's key from 'x-api-key' or 'Authorization: Bearer', on either dialect."""
    key = request.headers.get("x-api-key")
    if key:
        return key.strip()
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


async def generate(
    http_request: Request,
    dialect: Dialect,
    wire_model: type[ImageRequest],
    *,
    model: str | None = None,
) -> ImageResult:
    """Run one generation request; `model` (from the path) overrides the body's."""
    state = app_state(http_request)
    request_id = new_request_id()
    http_request.state.request_id = request_id
    started = time.perf_counter()
    model_label, quality, status, delivered = "unknown", "unknown", 500, 0
    try:
        body = await read_json_object(http_request, state.settings.max_body_bytes)
        if model is not None:
            body["model"] = model
        image_request = parse_request(body, wire_model)
        if image_request.model in state.service.catalog:
            model_label = image_request.model
        quality = image_request.quality
        state.keys.authenticate(api_key_of(http_request))
        result = await state.service.generate(image_request, request_id=request_id)
        status, quality, delivered = 200, result.spec.quality, len(result.images)
        return result
    except ApiError as exc:
        status = exc.status
        raise
    finally:
        state.metrics.observe(
            dialect=dialect.value,
            model=model_label,
            status=status,
            quality=quality,
            seconds=time.perf_counter() - started,
            images=delivered,
        )


def result_headers(result: ImageResult) -> dict[str, str]:
    headers = {
        "x-request-id": result.request_id,
        "x-generation-time": f"{result.seconds:.3f}",
        "x-seed-value": str(result.images[0].seed),
        "x-cost": format_credits(result.usage.cost_micro),
    }
    if result.withheld:
        headers["x-images-withheld"] = str(result.withheld)
    return headers


def result_body(result: ImageResult) -> dict[str, object]:
    """OpenAI's success body, with every "auto" replaced by what was used."""
    spec = result.spec
    return {
        "created": result.created,
        "data": [{"b64_json": base64.b64encode(image.data).decode()} for image in result.images],
        "background": spec.background,
        "output_format": spec.output_format,
        "quality": spec.quality,
        "size": spec.size,
        "usage": result.usage.as_openai(),
    }
