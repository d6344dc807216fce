"""OpenAI's dialect: POST /v1/images/generations, errors as {"error": {...}}."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict

from pixmill.api.errors import Dialect
from pixmill.api.generation import generate, result_body
from pixmill.api.responses import generation_responses
from pixmill.request import ImageRequest
from pixmill.service import ImageResult


class OpenAIImageRequest(ImageRequest):
    """The body of OpenAI's images.generate; unknown arguments are refused, as OpenAI does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    response_format: Literal["b64_json"] | None = None


router = APIRouter(tags=["openai"])


@router.post(
    "/v1/images/generations",
    summary="Create images (OpenAI's form)",
    responses=generation_responses(Dialect.OPENAI),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": OpenAIImageRequest.model_json_schema()}},
        }
    },
)
async def create_images(request: Request) -> Response:
    return await generate(request, Dialect.OPENAI, OpenAIImageRequest, _respond)


def _respond(result: ImageResult) -> Response:
    return JSONResponse(result_body(result))
