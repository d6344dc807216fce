"""OpenAI's `response_format: "url"`: answers with links to the images, served by any
replica from the job result store.

    answer_format(request)       "url" or "b64_json": what the client asked, or its model's default
    links_check(call)            refuses, before anything is held, a url answer that cannot be made
    image_urls(call, result)     the links of a finished call's images
    GET /v1/images/files/{token} one image, without a key, until the job's results expire

A link is a signed token (`pixmill.jobs.tokens.ImageLinks`) naming the job and the
image's index in the answer; it ends when the job's results do, or when the key that
made the job is revoked or expires. Links are bearer links, as OpenAI's are: whoever
holds one may read that one image.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import Response

from pixmill.api.answer_headers import keyless
from pixmill.api.generation import Call, app_state
from pixmill.api.public_url import link_base
from pixmill.api.responses import OpenAIError
from pixmill.errors import ApiError, InvalidRequest, excerpt
from pixmill.jobs.tokens import no_image
from pixmill.request import ImageRequest, ResponseFormat
from pixmill.service import ImageResult

DALLE_MODELS = frozenset({"dall-e-2", "dall-e-3"})
"""Names whose default answer is links, as on OpenAI's API (by the name the client
asked for, whatever model it resolves to here)."""
FILES_PATH = "/v1/images/files"
_FILE_HEADERS = {
    "x-content-type-options": "nosniff",
    # An SVG opened from a link runs nothing, and reaches nothing, on this origin.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
}

router = APIRouter(tags=["openai"])


def answer_format(request: ImageRequest) -> ResponseFormat:
    """The form of the answer: `response_format` when given; else links for the DALL·E
    names, base64 for the rest. A stream's default is base64: streams carry only that."""
    given: ResponseFormat | None = getattr(request, "response_format", None)
    if given is not None:
        return given
    return "url" if request.model in DALLE_MODELS and not request.stream else "b64_json"


def links_check(call: Call) -> Callable[[ImageRequest], None]:
    """A `Call.submit` vet: a url answer is refused before the job when it cannot be
    given, a 400 naming `response_format`."""

    def check(request: ImageRequest) -> None:
        if answer_format(request) != "url":
            return
        if request.stream:
            raise InvalidRequest(
                "Streams send images in base64 only: set 'response_format' to 'b64_json' "
                "(or leave it out), or leave 'stream' out to get links.",
                param="response_format",
            )
        if link_base(call.http, call.state.settings) is None:
            host = excerpt(call.http.headers.get("host", ""))
            raise InvalidRequest(
                f"Image links cannot be made for the Host {host}: this server is not known "
                "by that name. Set 'response_format' to 'b64_json', or call the server by "
                "a name its operator allows (PIXMILL_ALLOWED_HOSTS, PIXMILL_PUBLIC_URL).",
                param="response_format",
            )

    return check


def image_urls(call: Call, result: ImageResult) -> list[str]:
    """One link per image of the finished call's job, ending when its results do."""
    job = call.job
    base = link_base(call.http, call.state.settings)
    if job is None or job.expires_at is None or base is None:
        raise ApiError("The image links could not be made.")  # checked before the job
    links = call.state.scheduler.image_links
    return [
        f"{base}{FILES_PATH}/{links.make(job.id, index, job.expires_at)}"
        for index in range(len(result.images))
    ]


@router.head(FILES_PATH + "/{token}", include_in_schema=False)  # the headers alone
@router.get(
    FILES_PATH + "/{token}",
    summary="One image of a `response_format: url` answer",
    description="The link itself is the credential: no key is needed. It ends when the "
    "request's results expire (`PIXMILL_RESULT_RETENTION_SECONDS`), or when the key that "
    "made the request is revoked or expires; then, or for a link that is not valid, 404.",
    responses={
        200: {
            "description": "The image.",
            "content": {
                f"image/{kind}": {"schema": {"type": "string", "format": "binary"}}
                for kind in ("png", "jpeg", "webp", "svg+xml")
            },
        },
        404: {"model": OpenAIError, "description": "The link is not valid, or it has expired."},
    },
)
async def image_file(token: str, request: Request) -> Response:
    keyless(request)
    state = app_state(request)
    scheduler = state.scheduler
    link = scheduler.image_links.read(token)
    job = await anyio.to_thread.run_sync(scheduler.store.get, link.job_id)
    # A link lives as long as the key that made its job: a revoked key's links end too.
    if job is None or not await anyio.to_thread.run_sync(state.accounts.keys.active, job.key_id):
        raise no_image()
    images = await anyio.to_thread.run_sync(scheduler.store.images, link.job_id)
    if not 0 <= link.index < len(images):
        # Purged with its job, though the link has not ended (replicas' clocks differ).
        raise no_image()
    image = images[link.index]
    return Response(
        image.data,
        media_type=image.media_type,
        headers={"cache-control": f"private, max-age={link.seconds_left()}", **_FILE_HEADERS},
    )
