"""Rendering ApiError in each dialect, and the app's exception handlers."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from enum import StrEnum

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match, Route

from pixmill.accounts.db import unavailable_from
from pixmill.errors import ApiError, InvalidRequest, NotFound, excerpt

log = logging.getLogger(__name__)

SEGMIND_CREDITS_PATH = "/v1/get-user-credits"
_SEGMIND_PATH = re.compile(r"^/v1/(?!images/)[^/]+/?$")

OPENAI_RESOURCES = frozenset(
    {
        "chat",
        "completions",
        "embeddings",
        "responses",
        "moderations",
        "audio",
        "files",
        "uploads",
        "batches",
        "fine_tuning",
        "assistants",
        "threads",
        "vector_stores",
        "realtime",
        "videos",
    }
)
"""OpenAI's API families pixmill does not serve: /v1/<one of these>/... answers OpenAI's
404 (`not_found`), never Segmind's, whatever route would otherwise catch it."""


# Segmind answers these with its own fixed wording, which clients may match on.
SEGMIND_MESSAGES = {"insufficient_quota": "Insufficient credits"}
NO_RETRY_CODES = frozenset({"insufficient_quota", "missing_part"})
"""Errors a retry cannot cure: answered with `x-should-retry: false`, which OpenAI's SDKs
obey (they would otherwise retry a 429 or a 503)."""


class Dialect(StrEnum):
    OPENAI = "openai"
    SEGMIND = "segmind"


def is_openai_resource(path: str) -> bool:
    """True for /v1/<an OpenAI API family>, with or without more segments."""
    parts = path.split("/", 3)
    return len(parts) > 2 and parts[0] == "" and parts[1] == "v1" and parts[2] in OPENAI_RESOURCES


def unserved_openai_path(request: Request) -> NotFound:
    return NotFound(
        f"Invalid URL ({request.method} {request.url.path}): pixmill serves OpenAI's image "
        "API (/v1/images/...) and /v1/models only."
    )


def dialect_of(request: Request) -> Dialect:
    """Segmind's routes are POST /v1/{model}, its credits and its async API (/v2/...,
    /v1/requests/...); the rest answer as OpenAI."""
    path = request.url.path
    if is_openai_resource(path) or path.rstrip("/") == "/v1/models":
        return Dialect.OPENAI
    if request.method == "POST" and _SEGMIND_PATH.match(path):
        return Dialect.SEGMIND
    if path.startswith(("/v2/", "/v1/requests/")):
        return Dialect.SEGMIND
    if path.rstrip("/") == SEGMIND_CREDITS_PATH:
        return Dialect.SEGMIND
    return Dialect.OPENAI


def error_response(
    dialect: Dialect, error: ApiError, headers: dict[str, str] | None = None
) -> JSONResponse:
    status = error.status
    if dialect is Dialect.SEGMIND:
        status = error.segmind_status or status
        body: dict[str, object] = {"error": SEGMIND_MESSAGES.get(error.code, error.message)}
        if error.param is not None:
            # pixmill's extension, ignored by Segmind's clients: which field is to blame.
            body["param"] = error.param
    else:
        body = {
            "error": {
                "message": error.message,
                "type": error.type,
                "param": error.param,
                "code": error.code,
            }
        }
    if error.code in NO_RETRY_CODES:
        headers = {**(headers or {}), "x-should-retry": "false"}
    return JSONResponse(body, status_code=status, headers={**error.headers, **(headers or {})})


def _headers(request: Request) -> dict[str, str]:
    request_id = getattr(request.state, "request_id", None)
    return {"x-request-id": request_id} if request_id else {}


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(dialect_of(request), exc, _headers(request))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    extra = dict(exc.headers or {})
    if exc.status_code in (404, 405) and is_openai_resource(request.url.path):
        error: ApiError = unserved_openai_path(request)
        extra = {}
    elif exc.status_code == 404:
        error = NotFound(f"No route for {request.method} {excerpt(request.url.path)[1:-1]}.")
    else:
        if exc.status_code == 405:
            # Starlette names the methods of the first route whose path matched only;
            # the answer must name every method this path is served with.
            extra["Allow"] = ", ".join(allowed_methods(request))
        error = InvalidRequest(str(exc.detail), status=exc.status_code, code="http_error")
    response = error_response(dialect_of(request), error, _headers(request))
    for name, value in extra.items():
        response.headers[name] = value
    return response


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {}
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path")]
    param = loc[0] if loc else None
    error = InvalidRequest(f"Invalid value for '{param}': {first.get('msg')}.", param=param)
    return error_response(dialect_of(request), error, _headers(request))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    error: ApiError | None = unavailable_from(exc)
    if error is None:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        error = ApiError("The server had an error while processing your request.")
    return error_response(dialect_of(request), error, _headers(request))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)


CATCH_ALL = "catch_all"
"""Route name of a route whose path parameter takes any name (Segmind's POST /v1/{model}):
a path that another route serves is that route's, whatever the method."""


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this request's path, catch-alls aside when a
    specific route has the path."""
    scope = {**request.scope, "method": "\0"}  # no route has it: a path match is PARTIAL
    routes = _routes(request.app.routes)
    matched = [route for route in routes if route.matches(scope)[0] is not Match.NONE]
    specific = [route for route in matched if route.name != CATCH_ALL]
    methods = {method for route in specific or matched for method in route.methods or ()}
    return sorted(methods)


def _routes(routes: list[BaseRoute]) -> Iterator[Route]:
    """The app's routes, flat; pixmill includes its routers without a prefix."""
    for route in routes:
        # Newer FastAPI keeps an included router whole, as one route holding the original.
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        elif isinstance(route, Route):
            yield route
