"""Rendering ApiError in each dialect, and the app's exception handlers."""

from __future__ import annotations

import logging
import re
from enum import StrEnum

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pixmill.accounts.db import unavailable_from
from pixmill.errors import ApiError, InvalidRequest, NotFound, excerpt

log = logging.getLogger(__name__)

SEGMIND_CREDITS_PATH = "/v1/get-user-credits"
_SEGMIND_PATH = re.compile(r"^/v1/(?!images/)[^/]+/?$")


# Segmind answers these with its own fixed wording, which clients may match on.
SEGMIND_MESSAGES = {"insufficient_quota": "Insufficient credits"}


class Dialect(StrEnum):
    OPENAI = "openai"
    SEGMIND = "segmind"


def dialect_of(request: Request) -> Dialect:
    """Segmind's routes are POST /v1/{model} and its credits; the rest answer as OpenAI."""
    path = request.url.path
    if request.method == "POST" and _SEGMIND_PATH.match(path):
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
    else:
        body = {
            "error": {
                "message": error.message,
                "type": error.type,
                "param": error.param,
                "code": error.code,
            }
        }
    return JSONResponse(body, status_code=status, headers={**error.headers, **(headers or {})})


def _headers(request: Request) -> dict[str, str]:
    request_id = getattr(request.state, "request_id", None)
    return {"x-request-id": request_id} if request_id else {}


async def _on_api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(dialect_of(request), exc, _headers(request))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        error: ApiError = NotFound(
            f"No route for {request.method} {excerpt(request.url.path)[1:-1]}."
        )
    else:
        error = InvalidRequest(str(exc.detail), status=exc.status_code, code="http_error")
    response = error_response(dialect_of(request), error, _headers(request))
    for name, value in (exc.headers or {}).items():
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
