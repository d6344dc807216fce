"""Reading a JSON request body: content type, size limit, and JSON-object shape."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from pixmill.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType

_JSON_TYPES = ("application/json",)


async def read_json_object(request: Request, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object, or a 4xx that says what is wrong with it."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and not (content_type in _JSON_TYPES or content_type.endswith("+json")):
        raise UnsupportedMediaType(
            f"Unsupported Content-Type {content_type!r}: send the parameters as a JSON object "
            "with 'Content-Type: application/json'."
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks = bytearray()
    async for chunk in request.stream():
        chunks += chunk
        if len(chunks) > max_bytes:
            raise _too_large(max_bytes)
    if not chunks.strip():
        raise InvalidRequest("The request body is empty: send the parameters as a JSON object.")
    try:
        body = json.loads(chunks)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise InvalidRequest(
            f"The request body must be a JSON object, not a JSON {type(body).__name__}."
        )
    return body


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the limit of {max_bytes} bytes.")
