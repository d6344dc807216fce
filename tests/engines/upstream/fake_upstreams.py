"""Fake OpenAI and Segmind servers on loopback, speaking their protocols and error shapes.

A test scripts the next answers with `then(...)`; unscripted calls succeed. Every call
is recorded (path, headers, body), so tests can count attempts and check the mapping.

    OpenAI:   POST /v1/images/generations -> {created, data: [{b64_json}], background,
              output_format, quality, size, usage}; errors {"error": {message, type, param, code}}
              POST /v1/images/edits (multipart) -> the same, with the input images' tokens
              either with `stream: true` (n=1) -> server-sent events: `partial_images`
              `*.partial_image` events, flat grey PNGs of PARTIAL_SHADES, then `*.completed`
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
from starlette.responses import JSONResponse, Response, StreamingResponse
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


PARTIAL_SHADES = (40, 110, 180)
"""The grey of each partial image a stream sends, by its partial_image_index."""


@functools.lru_cache(maxsize=16)
def partial_picture(size: str, index: int) -> bytes:
    """A real PNG at the asked size: flat grey, one shade per partial, told apart by it."""
    width, height = (int(side) for side in size.split("x"))
    out = io.BytesIO()
    Image.new("RGB", (width, height), (PARTIAL_SHADES[index],) * 3).save(out, "PNG")
    return out.getvalue()


Event = tuple[str, dict[str, Any]]


def openai_stream_events(
    body: dict[str, Any], files: list[UploadedFile] | None = None
) -> list[Event]:
    """What OpenAI streams for one image: its partial images, then the image with usage."""
    kind = "image_edit" if files else "image_generation"
    whole = openai_edit_success(body, files) if files else openai_success(body)
    answer = json.loads(bytes(whole.body))
    common = {key: answer[key] for key in ("size", "quality", "background", "output_format")}
    created = {"created_at": int(time.time())}
    partials = [
        (
            f"{kind}.partial_image",
            {
                "b64_json": base64.b64encode(partial_picture(answer["size"], index)).decode(),
                **created,
                **common,
                "partial_image_index": index,
            },
        )
        for index in range(int(body.get("partial_images", 0)))
    ]
    image = answer["data"][0]["b64_json"]
    completed = {"b64_json": image, **created, **common, "usage": answer["usage"]}
    return [*partials, (f"{kind}.completed", completed)]


def openai_stream(body: dict[str, Any], files: list[UploadedFile]) -> Response:
    if int(body.get("n", 1)) != 1:  # its events name no image: one image per stream
        return openai_error(400, "streams make one image", param="n")(body)
    return EventStream(openai_stream_events(body, files))


def stream_error(after: int, code: str = "server_error", message: str = "it broke") -> Answer:
    """A stream that sends `after` partial images, then an `error` event (OpenAI's shape)."""
    error = {"message": message, "type": "server_error", "param": None, "code": code}
    return lambda body: EventStream(
        [*openai_stream_events(body)[:after], ("error", {"error": error})]
    )


def stream_cut(after: int) -> Answer:
    """A stream that sends `after` partial images, then ends without its image."""
    return lambda body: EventStream(openai_stream_events(body)[:after])


@dataclass
class StreamRecord:
    """What one streamed answer sent, and how it ended."""

    sent: list[str] = field(default_factory=list)
    """The types of the events sent, in order."""
    ended: str | None = None
    """"finished" when every event went, "abandoned" when the client went away first."""
    over: threading.Event = field(default_factory=threading.Event)


class EventStream(StreamingResponse):
    """Server-sent events, one at a time, recorded; paced by its fake when the test asks."""

    def __init__(self, events: list[Event]):
        self.events = events
        self.record = StreamRecord()
        self.fake: FakeUpstream | None = None
        super().__init__(self._events(), media_type="text/event-stream")

    async def _events(self) -> Any:
        try:
            for number, (kind, data) in enumerate(self.events):
                while number and self.fake is not None and not self.fake.may_send():
                    await asyncio.sleep(0.01)  # a client going away cancels this wait
                self.record.sent.append(kind)
                payload = json.dumps({"type": kind, **data})
                yield f"event: {kind}\ndata: {payload}\n\n"
            self.record.ended = "finished"
        finally:
            self.record.ended = self.record.ended or "abandoned"
            self.record.over.set()


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
    paced: threading.Semaphore | None = None
    """While set, a stream sends each event after its first only on a permit the test
    releases."""
    streams: list[StreamRecord] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def then(self, *answers: Answer) -> FakeUpstream:
        self.script.extend(answers)
        return self

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.script.clear()
            self.streams.clear()
        self.delay = 0.0
        self.held.clear()
        self.paced = None

    def may_send(self) -> bool:
        paced = self.paced
        return paced is None or paced.acquire(blocking=False)

    edit_success: Callable[[dict[str, Any], list[UploadedFile]], Response] | None = None
    """The answer to an unscripted multipart call (an OpenAI edit)."""
    stream_success: Callable[[dict[str, Any], list[UploadedFile]], Response] | None = None
    """The answer to an unscripted call asking for `stream` (OpenAI)."""

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
            answer = scripted(body)
        elif body.get("stream") in (True, "true") and self.stream_success is not None:
            answer = self.stream_success(body, files)
        elif files and self.edit_success is not None:
            answer = self.edit_success(body, files)
        else:
            answer = self.success(body)
        if isinstance(answer, EventStream):
            answer.fake = self
            with self._lock:
                self.streams.append(answer.record)
        return answer

    def app(self, *paths: str) -> Starlette:
        return Starlette(routes=[Route(path, self.handle, methods=["POST"]) for path in paths])


def fake_openai() -> FakeUpstream:
    return FakeUpstream(
        openai_success, edit_success=openai_edit_success, stream_success=openai_stream
    )


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
OPENAI_VARIATIONS_PATH = "/v1/images/variations"
SEGMIND_PATH = "/v1/{model}"
