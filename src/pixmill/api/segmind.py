"""Segmind's dialect: POST /v1/{model} with x-api-key, errors as {"error": "..."};
POST /v1/{model}-edit takes Segmind's edit form (`image_urls`, `mask`)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ConfigDict, Field, StrictBool, field_validator
from starlette.exceptions import HTTPException

from pixmill.api.edits import refusing_edit_fields, segmind_edit_reader
from pixmill.api.edits_forms import edit_base_model
from pixmill.api.errors import (
    CATCH_ALL,
    SEGMIND_CREDITS_PATH,
    Dialect,
    allowed_methods,
    is_openai_resource,
    unserved_openai_path,
)
from pixmill.api.generation import (
    app_state,
    authenticate,
    generate,
    remaining_credits,
    result_body,
)
from pixmill.api.responses import (
    REMAINING_CREDITS,
    CreditsResponse,
    error_responses,
    generation_responses,
)
from pixmill.request import ImageRequest
from pixmill.service import ImageResult


class SegmindImageRequest(ImageRequest):
    """Segmind's body for GPT-Image-1; the model comes from the path, unknown keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    stream: StrictBool = Field(
        default=False,
        json_schema_extra={"enum": [False]},
        description="Segmind's form does not stream; only `false` is accepted.",
    )

    @field_validator("stream")
    @classmethod
    def _no_stream(cls, stream: bool) -> bool:
        if stream:
            raise ValueError(
                "Segmind's form does not stream: use POST /v2/{model} and follow its "
                "events_url, or OpenAI's /v1/images/generations with stream: true"
            )
        return stream


router = APIRouter(tags=["segmind"])


@router.get(
    SEGMIND_CREDITS_PATH,
    summary="The account's credits (Segmind's form)",
    tags=["segmind"],
    responses={
        200: {
            "model": CreditsResponse,
            "description": "The balance.",
            "headers": REMAINING_CREDITS,
        },
        **error_responses(Dialect.SEGMIND, (401, 503)),
    },
)
async def get_user_credits(request: Request) -> JSONResponse:
    key = await authenticate(request)
    headers = await remaining_credits(request, key)
    return JSONResponse({"credits": headers["x-remaining-credits"]}, headers=headers)


@router.post(
    "/v1/{model}",
    name=CATCH_ALL,
    summary="Create images (Segmind's form)",
    description="Answers OpenAI's JSON body, or the image itself when `Accept: image/*` and n=1.",
    responses=generation_responses(Dialect.SEGMIND),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SegmindImageRequest.model_json_schema()}},
        }
    },
)
async def create_image(model: str, request: Request) -> Response:
    if is_openai_resource(request.url.path):
        raise unserved_openai_path(request)
    served_with = allowed_methods(request)
    if "POST" not in served_with:
        # Another route serves this path (GET /v1/models, /v1/get-user-credits): not a model.
        raise HTTPException(405, "Method Not Allowed", {"Allow": ", ".join(served_with)})
    raw = wants_raw_image(request.headers.get("accept", ""))

    def respond(result: ImageResult) -> Response:
        if raw and len(result.images) == 1:
            image = result.images[0]
            return Response(image.data, media_type=image.media_type)
        return JSONResponse(result_body(result))

    base = edit_base_model(model, list(app_state(request).settings.model_table()))
    if base is not None:
        # A `{name}-edit` model: Segmind's edit form, run on `name`.
        return await generate(
            request,
            Dialect.SEGMIND,
            SegmindImageRequest,
            respond,
            reader_for=lambda call: segmind_edit_reader(call, base),
        )
    return await generate(
        request,
        Dialect.SEGMIND,
        SegmindImageRequest,
        respond,
        path_model=model,
        body_hook=refusing_edit_fields(model),
    )


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
