"""Slow and oversized clients against a real server, over raw sockets.

Before `pixmill.server`, a client trickling its headers or body held its connection open
indefinitely, and one that gave up mid-body was recorded as a 500.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from uvicorn.protocols.http.h11_impl import H11Protocol

from pixmill.server import guarded_protocol
from tests.conftest import API_KEY, make_settings, running_server
from tests.fakes import FakeEngine

HEADER_TIMEOUT = 0.5
BODY_TIMEOUT = 0.5
KEEP_ALIVE = 1
HEAD = (
    "POST /v1/images/generations HTTP/1.1\r\nHost: pixmill\r\n"
    f"Authorization: Bearer {API_KEY}\r\nContent-Type: application/json\r\n"
)


@pytest.fixture(scope="module", params=["auto", "h11"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A server on uvicorn's default parser (httptools here), then on h11."""
    settings = make_settings(
        data_dir=tmp_path_factory.mktemp("server"),
        header_timeout=HEADER_TIMEOUT,
        body_timeout=BODY_TIMEOUT,
        keep_alive_timeout=KEEP_ALIVE,
        max_header_bytes=8192,
    )
    options = {}
    if request.param == "h11":
        options["http"] = guarded_protocol(HEADER_TIMEOUT, 8192, base=H11Protocol)
    with running_server(settings, {"design": FakeEngine()}, **options) as (url, _):
        yield url


def connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def read_until_closed(sock: socket.socket, limit: float = 10) -> tuple[bytes, float]:
    """Everything the server sends until it closes, and how long that took."""
    started = time.monotonic()
    sock.settimeout(limit)
    data = b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return data, time.monotonic() - started
        data += chunk


def trickle_until_answered(sock: socket.socket, data: bytes, every: float, limit: float) -> float:
    """Send `data` a byte every `every` seconds until the server answers; the seconds taken."""
    started = time.monotonic()
    for byte in data:
        readable, _, _ = select.select([sock], [], [], every)
        if readable or time.monotonic() - started > limit:
            break
        sock.sendall(bytes([byte]))
    return time.monotonic() - started


def requests_by_status(url: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for line in httpx.get(url + "/metrics").text.splitlines():
        if line.startswith("pixmill_requests_total{"):
            status = line.split('status="')[1].split('"')[0]
            counts[status] = counts.get(status, 0) + float(line.rsplit(" ", 1)[1])
    return counts


def test_a_silent_connection_is_closed(server):
    with connect(server) as sock:
        data, seconds = read_until_closed(sock)
    assert data == b""
    assert seconds < HEADER_TIMEOUT + 2


def test_a_client_trickling_its_headers_is_dropped(server):
    with connect(server) as sock:
        seconds = trickle_until_answered(sock, (HEAD + "X-Slow: " + "a" * 500).encode(), 0.02, 5)
        data, _ = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408 ")
    assert HEADER_TIMEOUT - 0.1 <= seconds < HEADER_TIMEOUT + 2


def test_headers_over_the_limit_get_431(server):
    with connect(server) as sock:
        sock.sendall((HEAD + "X-Big: " + "a" * 10_000 + "\r\n\r\n").encode())
        data, _ = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 431 ")


def test_a_slow_body_gets_408_and_is_recorded_as_the_clients_failure(server):
    before = requests_by_status(server)
    body = b'{"prompt": "a red fox", "size": "256x256"}'
    with connect(server) as sock:
        sock.sendall(f"{HEAD}Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        data, seconds = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 408 "), data
    assert b'"code":"request_timeout"' in data
    assert b"connection: close" in data.lower()
    assert seconds < BODY_TIMEOUT + 2
    after = requests_by_status(server)
    assert after.get("408", 0) == before.get("408", 0) + 1
    assert after.get("500", 0) == before.get("500", 0)


def test_a_client_that_gives_up_mid_body_is_a_4xx_not_a_500(server):
    before = requests_by_status(server)
    body = b'{"prompt": "a red fox", "size": "256x256"}'
    with connect(server) as sock:
        sock.sendall(f"{HEAD}Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
        time.sleep(0.1)
    deadline = time.monotonic() + 5
    while requests_by_status(server).get("499", 0) == before.get("499", 0):
        assert time.monotonic() < deadline, requests_by_status(server)
        time.sleep(0.05)
    assert requests_by_status(server).get("500", 0) == before.get("500", 0)


def test_an_idle_kept_alive_connection_is_closed(server):
    with connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: pixmill\r\n\r\n")
        data, seconds = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200 ")
    assert data.count(b"HTTP/1.1") == 1
    assert seconds < max(KEEP_ALIVE, HEADER_TIMEOUT) + 2


def test_a_head_and_body_in_one_read_are_not_counted_as_a_large_head(server):
    body = b'{"prompt": "' + b"a red fox " * 2_000 + b'", "size": "256x256"}'
    with connect(server) as sock:
        sock.sendall(
            f"{HEAD}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
        )
        data, _ = read_until_closed(sock)
    assert data.startswith(b"HTTP/1.1 200 "), data[:200]


def test_a_prompt_client_is_unaffected(server):
    with httpx.Client(base_url=server, headers={"x-api-key": API_KEY}) as client:
        for _ in range(3):
            response = client.post("/v1/gpt-image-1", json={"prompt": "x", "size": "256x256"})
            assert response.status_code == 200
            time.sleep(HEADER_TIMEOUT / 2)
