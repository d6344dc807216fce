"""Segmind's dialect: POST /v1/{model} with x-api-key, errors as {"error": "..."}."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict

from pixmill.api.errors import Dialect
from pixmill.api.generation import app_state, generate, result_body, result_headers
from pixmill.errors import NotFound
from pixmill.request import ImageRequest


class SegmindImageRequest(ImageRequest):
    """Segmind's body for GPT-Image-1; the model comes from the path, unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


router = APIRouter(tags=["segmind"])


@router.post(
    "/v1/{model}",
    summary="Create images (Segmind's form)",
    description="Answers OpenAI's JSON body, or the image itself when `Accept: image/*` and n=1.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SegmindImageRequest.model_json_schema()}},
        }
    },
)
async def create_image(model: str, request: Request) -> Response:
    if model not in app_state(request).service.catalog:
        raise NotFound(f"Model '{model}' not found on this server.", param="model")
    result = await generate(request, Dialect.SEGMIND, SegmindImageRequest, model=model)
    headers = result_headers(result)
    if len(result.images) == 1 and wants_raw_image(request.headers.get("accept", "")):
        image = result.images[0]
        return Response(image.data, media_type=image.media_type, headers=headers)
    return JSONResponse(result_body(result), headers=headers)


def wants_raw_image(accept: str) -> bool:
    """True when the Accept header prefers an image/* type over JSON."""
    best_image = best_json = 0.0
    for part in accept.split(","):
        media_type, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        media_type = media_type.lower()
        if media_type.startswith("image/"):
            best_image = max(best_image, weight)
        elif media_type in ("application/json", "application/*", "*/*"):
            best_json = max(best_json, weight)
    return best_image > best_json
