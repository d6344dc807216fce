"""Reading a JSON request body: content type, size limit, and JSON-object shape.

The parser refuses what would make later steps fail or stall, before any work: integers
beyond MAX_INTEGER_DIGITS (Python refuses to convert ones past 4,300 digits), nesting
deeper than MAX_DEPTH (the C decoder recurses), and NaN, Infinity or numbers too large
for a float, which no parameter takes and no database column stores.
"""

from __future__ import annotations

import json
import math
from typing import Any

from fastapi import Request
from starlette.requests import ClientDisconnect

from pixmill.api.disconnect import ClientDisconnected
from pixmill.errors import InvalidRequest, PayloadTooLarge, UnsupportedMediaType
from pixmill.request import lone_surrogate

_JSON_TYPES = ("application/json",)
MAX_INTEGER_DIGITS = 100
MAX_DEPTH = 32


async def read_json_object(request: Request, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object, or a 4xx that says what is wrong with it.

    The time the body may take is bounded apart, by `pixmill.server.BodyDeadline`.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type and not (content_type in _JSON_TYPES or content_type.endswith("+json")):
        raise UnsupportedMediaType(
            f"Unsupported Content-Type {content_type[:60]!r}: send the parameters as a JSON "
            "object with 'Content-Type: application/json'."
        )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(max_bytes)
    chunks = await _read(request, max_bytes)
    if not chunks.strip():
        raise InvalidRequest("The request body is empty: send the parameters as a JSON object.")
    body = parse_json(bytes(chunks))
    if not isinstance(body, dict):
        raise InvalidRequest(
            f"The request body must be a JSON object, not a JSON {type(body).__name__}."
        )
    return body


async def _read(request: Request, max_bytes: int) -> bytearray:
    chunks = bytearray()
    try:
        async for chunk in request.stream():
            chunks += chunk
            if len(chunks) > max_bytes:
                raise _too_large(max_bytes)
    except ClientDisconnect:
        # The client's failure, not the server's: a 4xx in the usage record and metrics.
        raise ClientDisconnected(
            "The client closed the connection before sending the whole body."
        ) from None
    return chunks


def parse_json(data: bytes) -> Any:
    """Decode JSON, refusing huge integers, deep nesting and non-finite numbers (400).

    A refused number names the top-level parameter it sits under.
    """
    try:
        value = json.loads(data, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidRequest(f"The request body is not valid JSON: {exc}.") from None
    except RecursionError:
        raise _too_deep() from None
    _check(value)
    return value


class _Refused:
    """A number the decoder met and refused; `_check` says where it was."""

    def __init__(self, problem: str):
        self.problem = problem


def _integer(text: str) -> int | _Refused:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        return _Refused(f"an integer of {digits} digits; at most {MAX_INTEGER_DIGITS} are accepted")
    return int(text)


def _float(text: str) -> float | _Refused:
    value = float(text)
    if not math.isfinite(value):
        return _Refused(f"a number too large for a float ({text[:40]})")
    return value


def _constant(name: str) -> _Refused:
    return _Refused(f"{name}, which is not a JSON number")


def _check(value: Any) -> None:
    """Refuse nesting deeper than MAX_DEPTH and refused numbers (iteratively: no recursion)."""
    stack: list[tuple[Any, int, str | None]] = [(value, 0, None)]
    while stack:
        item, depth, param = stack.pop()
        if isinstance(item, _Refused):
            where = f"'{param[:40]}' " if param is not None else ""
            raise InvalidRequest(
                f"Invalid value for {where}in the request body: {item.problem}.", param=param
            )
        if isinstance(item, str) and lone_surrogate(item):
            raise InvalidRequest(_unstorable(param), param=param)
        if isinstance(item, dict | list):
            if depth >= MAX_DEPTH:
                raise _too_deep()
            if isinstance(item, dict):
                for key in item:
                    if lone_surrogate(key):
                        raise InvalidRequest(_unstorable(param))
                stack.extend(
                    (child, depth + 1, param if depth else key) for key, child in item.items()
                )
            else:
                stack.extend((child, depth + 1, param) for child in item)


def _unstorable(param: str | None) -> str:
    # Text with no UTF-8 form cannot be stored or logged: refused before anything is held.
    where = f"'{param[:40]}' " if param is not None else ""
    return (
        f"Invalid value for {where}in the request body: a lone surrogate (an unpaired "
        "\\ud800 to \\udfff escape), which is not text."
    )


def _too_deep() -> InvalidRequest:
    return InvalidRequest(
        f"The request body nests arrays or objects more than {MAX_DEPTH} levels deep."
    )


def _too_large(max_bytes: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"The request body is larger than the limit of {max_bytes} bytes.")
