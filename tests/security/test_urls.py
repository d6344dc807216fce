"""SSRF rules for caller-given URLs, against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
import time
from collections.abc import Iterator

import anyio
import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from pixmill.errors import InvalidRequest
from pixmill.security import AllowList, BlockedTarget, check_url, fetch, guarded_client
from pixmill.security.addresses import refusal
from tests.conftest import serving_in_thread

BODY = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16


async def _image(request: Request) -> Response:
    return Response(BODY, media_type="image/png")


async def _host(request: Request) -> Response:
    return Response(request.headers["host"].encode(), media_type="text/plain")


async def _redirect(request: Request) -> Response:
    return RedirectResponse("/image", status_code=302)


async def _missing(request: Request) -> Response:
    return Response(b"no", status_code=404)


async def _slow(request: Request) -> Response:
    await asyncio.sleep(3)
    return Response(b"late")


async def _endless(request: Request) -> StreamingResponse:
    async def chunks() -> object:
        while True:
            yield b"x" * 1024
            await asyncio.sleep(0.05)

    return StreamingResponse(chunks())  # no Content-Length: the limit must work while reading


async def _post(request: Request) -> Response:
    return Response(await request.body(), status_code=201)


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    app = Starlette(
        routes=[
            Route("/image", _image),
            Route("/host", _host),
            Route("/redirect", _redirect),
            Route("/missing", _missing),
            Route("/slow", _slow),
            Route("/endless", _endless),
            Route("/post", _post, methods=["POST"]),
        ]
    )
    with serving_in_thread(app) as (url, _):
        yield url


def _port(origin: str) -> int:
    return httpx.URL(origin).port or 80


REFUSED = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://10.1.2.3/",
    "http://192.168.0.10/",
    "http://172.16.5.4/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[fd00:ec2::254]/",
    "http://[fe80::1]/",
    "http://2130706433/",  # 127.0.0.1 written as a decimal number
    "http://017700000001/",  # ... as an octal one
    "http://0x7f.0.0.1/",  # ... with a hexadecimal first part
    "http://127.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://100.64.0.1/",  # carrier-grade NAT
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
]


@pytest.mark.parametrize("url", REFUSED)
def test_check_url_refuses_non_public_targets(url: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_url(url, [], param="webhook_url")
    assert caught.value.param == "webhook_url"
    assert "not allowed" in caught.value.message


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/a.png", "file:///etc/passwd", "gopher://x/", "not a url", "http:///x"],
)
def test_check_url_refuses_other_schemes_and_garbage(url: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_url(url, [], param="image_urls[0]")
    assert caught.value.param == "image_urls[0]"


def test_check_url_accepts_public_addresses_and_allow_listed_ones() -> None:
    check_url("https://8.8.8.8/x.png", [], param="p")
    check_url("http://[2001:4860:4860::8888]/", [], param="p")
    check_url("http://127.0.0.1:9/", ["127.0.0.0/8"], param="p")
    check_url("http://localhost/", ["localhost"], param="p")
    check_url("http://[::1]/", ["::1"], param="p")
    check_url("http://10.9.8.7/", ["*.corp.example", "10.0.0.0/8"], param="p")


def test_metadata_needs_an_entry_of_its_own() -> None:
    with pytest.raises(InvalidRequest):
        check_url("http://169.254.169.254/", ["169.254.0.0/16", "0.0.0.0/0"], param="p")
    check_url("http://169.254.169.254/", ["169.254.169.254"], param="p")


def test_addresses_judged_on_the_ipv4_inside() -> None:
    assert refusal(ipaddress.ip_address("::ffff:10.0.0.1")) == "a private address"
    assert refusal(ipaddress.ip_address("::ffff:169.254.169.254")) == "a cloud metadata address"
    assert refusal(ipaddress.ip_address("93.184.216.34")) is None
    allow = AllowList.parse(["127.0.0.1"])
    assert allow.allows_address(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert AllowList.parse(["*.corp.example"]).allows_host("hooks.corp.example.")
    assert not AllowList.parse(["*.corp.example"]).allows_host("corp.example.evil.com")


def test_fetch_refuses_loopback_unless_allow_listed(origin: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        anyio.run(lambda: fetch(f"{origin}/image", max_bytes=10_000, allow_list=[], param="mask"))
    assert caught.value.param == "mask"
    assert "loopback" in caught.value.message

    fetched = anyio.run(
        lambda: fetch(f"{origin}/image", max_bytes=10_000, allow_list=["127.0.0.1"], param="mask")
    )
    assert fetched.content == BODY
    assert fetched.content_type == "image/png"


def test_a_name_resolving_to_loopback_is_refused_at_connect_time(origin: str) -> None:
    """The guarded client checks by itself, without check_url having been called."""
    url = f"http://localhost:{_port(origin)}/image"

    async def get() -> None:
        async with guarded_client([]) as client:
            await client.get(url)

    with pytest.raises(BlockedTarget):
        anyio.run(get)


def test_the_checked_address_is_the_one_connected_to(
    origin: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A name is resolved once, checked, and that address is dialled; Host keeps the name."""
    calls: list[str] = []

    async def resolver(host: str, port: int, **kwargs: object) -> list[tuple[object, ...]]:
        calls.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(anyio, "getaddrinfo", resolver)
    url = f"http://pinned.test:{_port(origin)}/host"
    fetched = anyio.run(lambda: fetch(url, max_bytes=1000, allow_list=["127.0.0.1/32"], param="p"))
    assert fetched.content == f"pinned.test:{_port(origin)}".encode()
    assert calls == ["pinned.test"]
    with pytest.raises(InvalidRequest, match="loopback"):
        anyio.run(lambda: fetch(url, max_bytes=1000, allow_list=[], param="p"))


def test_redirects_are_not_followed(origin: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        anyio.run(
            lambda: fetch(
                f"{origin}/redirect", max_bytes=10_000, allow_list=["127.0.0.1"], param="image"
            )
        )
    assert "redirect" in caught.value.message
    assert caught.value.param == "image"


def test_http_errors_name_the_parameter(origin: str) -> None:
    with pytest.raises(InvalidRequest, match="HTTP 404") as caught:
        anyio.run(
            lambda: fetch(f"{origin}/missing", max_bytes=10, allow_list=["127.0.0.1"], param="m")
        )
    assert caught.value.param == "m"


def test_byte_limit_by_declared_length_and_while_reading(origin: str) -> None:
    with pytest.raises(InvalidRequest, match="larger than 100 bytes"):
        anyio.run(
            lambda: fetch(f"{origin}/image", max_bytes=100, allow_list=["127.0.0.1"], param="p")
        )
    with pytest.raises(InvalidRequest, match="larger than 4096 bytes"):
        anyio.run(
            lambda: fetch(f"{origin}/endless", max_bytes=4096, allow_list=["127.0.0.1"], param="p")
        )


def test_read_timeout_and_total_deadline(origin: str) -> None:
    async def slow() -> None:
        async with guarded_client(["127.0.0.1"], timeout=0.3) as client:
            await fetch(f"{origin}/slow", max_bytes=100, allow_list=None, param="p", client=client)

    with pytest.raises(InvalidRequest, match="timed out"):
        anyio.run(slow)
    # A server that keeps dripping bytes within the read timeout still meets the deadline.
    with pytest.raises(InvalidRequest, match="timed out"):
        anyio.run(
            lambda: fetch(
                f"{origin}/endless",
                max_bytes=10**9,
                allow_list=["127.0.0.1"],
                param="p",
                total_seconds=0.5,
            )
        )


@pytest.fixture
def unanswered_port() -> Iterator[int]:
    """A loopback port whose accept queue is full, so new connections hang in SYN."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    held = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        held.append(filler)
    yield port
    for sock in [*held, listener]:
        sock.close()


def test_connect_timeout_is_short(unanswered_port: int) -> None:
    async def post() -> None:
        async with guarded_client(["127.0.0.1"], timeout=httpx.Timeout(5, connect=0.3)) as c:
            await c.post(f"http://127.0.0.1:{unanswered_port}/hook", content=b"{}")

    started = time.monotonic()
    with pytest.raises(httpx.ConnectTimeout):
        anyio.run(post)
    assert time.monotonic() - started < 3


def test_webhook_posts_go_through_the_guarded_client(origin: str) -> None:
    async def post(allow: list[str]) -> httpx.Response:
        async with guarded_client(allow) as client:
            return await client.post(f"{origin}/post", content=b'{"ok": true}')

    response = anyio.run(lambda: post(["127.0.0.1"]))
    assert response.status_code == 201
    assert response.content == b'{"ok": true}'
    with pytest.raises(httpx.HTTPError):  # BlockedTarget is an httpx.ConnectError
        anyio.run(lambda: post([]))
