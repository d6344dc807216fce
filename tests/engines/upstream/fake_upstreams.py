"""Fake OpenAI and Segmind servers on loopback, speaking their protocols and error shapes.

A test scripts the next answers with `then(...)`; unscripted calls succeed. Every call
is recorded (path, headers, body), so tests can count attempts and check the mapping.

    OpenAI:   POST /v1/images/generations -> {created, data: [{b64_json}], background,
              output_format, quality, size, usage}; errors {"error": {message, type, param, code}}
              POST /v1/images/edits (multipart) -> the same, with the input images' tokens
    Segmind:  POST /v1/{model} -> the image bytes; errors {"error": "message"}
              (its edit models, {model}-edit, take `image_urls` and `mask` in the same JSON)

A multipart call is recorded with its text fields as the body, and its files apart.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import io
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send
from tests.conftest import serving_in_thread

from pixmill.usage import image_output_tokens, input_image_tokens

Answer = Callable[[dict[str, Any]], Response]

OPENAI_KEY = "sk-test-operator-secret-0123456789"
SEGMIND_KEY = "SG_test_operator_secret_0123456789"
OPENAI_INPUT_TOKENS = 17
SEGMIND_COST = "0.167"


@functools.lru_cache(maxsize=64)
def picture(size: str, fmt: str, background: str, compression: int) -> bytes:
    """A real image: a gradient, its top quarter clear when the background is transparent."""
    width, height = (int(side) for side in size.split("x"))
    ramp = Image.linear_gradient("L").resize((width, height))
    flat = Image.new("L", (width, height), 90)
    image = Image.merge("RGBA", (ramp, ramp.transpose(Image.Transpose.FLIP_LEFT_RIGHT), flat, flat))
    image.putalpha(255)
    if background == "transparent":
        alpha = Image.new("L", (width, height), 255)
        alpha.paste(0, (0, 0, width, height // 4))
        image.putalpha(alpha)
    out = io.BytesIO()
    if fmt == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=compression)
    elif fmt == "webp":
        image.save(out, "WEBP", quality=compression)
    else:
        image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def openai_success(body: dict[str, Any]) -> Response:
    size = body.get("size", "1024x1024")
    quality = body.get("quality", "medium")
    fmt = body.get("output_format", "png")
    background = body.get("background", "opaque")
    data = picture(size, fmt, background, body.get("output_compression", 100))
    n = body.get("n", 1)
    width, height = (int(side) for side in size.split("x"))
    output_tokens = image_output_tokens(quality, width, height) * n
    return JSONResponse(
        {
            "created": int(time.time()),
            "data": [{"b64_json": base64.b64encode(data).decode()} for _ in range(n)],
            "background": background,
            "output_format": fmt,
            "quality": quality,
            "size": size,
            "usage": {
                "total_tokens": OPENAI_INPUT_TOKENS + output_tokens,
                "input_tokens": OPENAI_INPUT_TOKENS,
                "output_tokens": output_tokens,
                "input_tokens_details": {"text_tokens": OPENAI_INPUT_TOKENS, "image_tokens": 0},
            },
        }
    )


def openai_edit_success(body: dict[str, Any], files: list[UploadedFile]) -> Response:
    """An edit's answer: a generation's, at the asked size, with the images' input tokens
    (the mask not counted) in its usage."""
    fields = {**body, "n": int(body.get("n", 1))}
    if "output_compression" in fields:
        fields["output_compression"] = int(fields["output_compression"])
    response = openai_success(fields)
    answer = json.loads(bytes(response.body))
    image_tokens = sum(
        input_image_tokens(*Image.open(io.BytesIO(f.data)).size) for f in files if f.field != "mask"
    )
    usage = answer["usage"]
    usage["input_tokens"] += image_tokens
    usage["total_tokens"] += image_tokens
    usage["input_tokens_details"]["image_tokens"] = image_tokens
    return JSONResponse(answer)


def segmind_success(body: dict[str, Any]) -> Response:
    fmt = body.get("output_format", "png")
    data = picture(
        body.get("size", "1024x1024"),
        fmt,
        body.get("background", "opaque"),
        body.get("output_compression", 100),
    )
    return Response(
        data,
        media_type=f"image/{fmt}",
        headers={"x-remaining-credits": "99.5", "x-cost": SEGMIND_COST},
    )


def openai_error(
    status: int,
    message: str,
    *,
    type: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    error = {"message": message, "type": type, "param": param, "code": code}
    return lambda _: JSONResponse({"error": error}, status_code=status, headers=headers)


def segmind_error(status: int, message: str, headers: dict[str, str] | None = None) -> Answer:
    return lambda _: JSONResponse({"error": message}, status_code=status, headers=headers)


def raw(status: int, content: bytes, media_type: str = "application/json") -> Answer:
    return lambda _: Response(content, status_code=status, media_type=media_type)


class Truncated(Response):
    """Promises more bytes than it sends, then ends: the client sees a cut-off body."""

    def __init__(self, content: bytes):
        super().__init__(content, media_type="application/json")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(self.body) * 2).encode()),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": self.body, "more_body": False})


def truncated(success: Answer) -> Answer:
    def answer(body: dict[str, Any]) -> Response:
        return Truncated(bytes(success(body).body)[:2000])

    return answer


@dataclass(frozen=True)
class UploadedFile:
    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    files: list[UploadedFile] = field(default_factory=list)


@dataclass
class FakeUpstream:
    """One fake provider: its scripted answers, its delay, and the calls it saw."""

    success: Answer
    delay: float = 0.0
    calls: list[Call] = field(default_factory=list)
    script: list[Answer] = field(default_factory=list)
    url: str = ""
    held: threading.Event = field(default_factory=threading.Event)
    """While set, every call waits upstream until the test clears it."""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def then(self, *answers: Answer) -> FakeUpstream:
        self.script.extend(answers)
        return self

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.script.clear()
        self.delay = 0.0
        self.held.clear()

    edit_success: Callable[[dict[str, Any], list[UploadedFile]], Response] | None = None
    """The answer to an unscripted multipart call (an OpenAI edit)."""

    async def handle(self, request: Request) -> Response:
        files: list[UploadedFile] = []
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            body: dict[str, Any] = {}
            async with request.form(max_files=32) as form:
                for key, value in form.multi_items():
                    if isinstance(value, str):
                        body[key] = value
                    else:
                        data = await value.read()
                        kind = value.content_type or ""
                        files.append(UploadedFile(key, value.filename or "", kind, data))
        else:
            body = await request.json()
        with self._lock:
            self.calls.append(Call(request.url.path, dict(request.headers), body, files))
            scripted = self.script.pop(0) if self.script else None
        if self.delay:
            await asyncio.sleep(self.delay)
        while self.held.is_set():
            await asyncio.sleep(0.01)
        if scripted is not None:
            return scripted(body)
        if files and self.edit_success is not None:
            return self.edit_success(body, files)
        return self.success(body)

    def app(self, *paths: str) -> Starlette:
        return Starlette(routes=[Route(path, self.handle, methods=["POST"]) for path in paths])


def fake_openai() -> FakeUpstream:
    return FakeUpstream(openai_success, edit_success=openai_edit_success)


def fake_segmind() -> FakeUpstream:
    return FakeUpstream(segmind_success)


@contextlib.contextmanager
def serving(fake: FakeUpstream, *paths: str) -> Iterator[FakeUpstream]:
    """Serve the fake on a free loopback port, in a thread; sets fake.url."""
    with serving_in_thread(fake.app(*paths)) as (url, _):
        fake.url = url + "/v1"
        yield fake


OPENAI_PATH = "/v1/images/generations"
OPENAI_EDITS_PATH = "/v1/images/edits"
SEGMIND_PATH = "/v1/{model}"
