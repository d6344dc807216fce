"""OpenAI's dialect: POST /v1/images/generations, errors as {"error": {...}}."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from pixmill.api.errors import Dialect
from pixmill.api.generation import generate, result_body
from pixmill.request import ImageRequest
from pixmill.service import ImageResult


class OpenAIImageRequest(ImageRequest):
    """The body of OpenAI's images.generate; unknown arguments are refused, as OpenAI does."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    response_format: Literal["b64_json", "url"] | None = None
    """Only b64_json is served for now; null or absent means b64_json, on every model."""

    @field_validator("response_format")
    @classmethod
    def _no_links_yet(cls, value: str | None) -> str | None:
        if value == "url":
            raise PydanticCustomError(
                "url_unsupported",
                "This server does not serve image links yet: leave 'response_format' out or "
                "set it to 'b64_json', and read data[].b64_json",
            )
        return value


router = APIRouter(tags=["openai"])


@router.post(
    "/v1/images/generations",
    summary="Create images (OpenAI's form)",
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
