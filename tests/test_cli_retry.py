"""The CLI against a server over HTTP: an Idempotency-Key on every submit, and a retry
with the same key when the answer is lost, collected without a second charge."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
from PIL import Image
from typer.testing import CliRunner

from pixmill.cli import app
from tests.conftest import API_KEY

runner = CliRunner()
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Seen:
    """What passed through the proxy: each request's headers, each server answer."""

    requests: list[dict[str, str]] = field(default_factory=list)
    answers: list[httpx.Response] = field(default_factory=list)


@contextmanager
def losing_first_answer(target: str) -> Iterator[tuple[str, Seen]]:
    """An HTTP proxy that forwards every POST to `target`, but drops the connection
    instead of relaying the first answer: the server did the work, the caller got nothing."""
    seen = Seen()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            seen.requests.append({k.lower(): v for k, v in headers.items()})
            answer = httpx.post(target + self.path, content=body, headers=headers, timeout=60)
            seen.answers.append(answer)
            if len(seen.answers) == 1:
                self.close_connection = True  # no status line: a dropped connection
                return
            self.send_response(answer.status_code)
            for name, value in answer.headers.items():
                if name.lower() not in HOP_BY_HOP | {"content-encoding"}:
                    self.send_header(name, value)
            self.send_header("content-length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def test_a_lost_answer_is_retried_with_the_same_key_and_charged_once(
    fake_server, fake_engine, tmp_path: Path
):
    out = tmp_path / "out.png"
    with losing_first_answer(fake_server) as (proxy, seen):
        result = runner.invoke(
            app,
            ["generate", "a fox", "--size", "256x256", "--seed", "3", "-o", str(out),
             "--server", proxy, "--api-key", API_KEY],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "retrying with the same Idempotency-Key" in " ".join(result.output.split())
    same_key_twice(seen)
    assert len(fake_engine.calls) == 1  # made once
    with Image.open(out) as image:
        assert image.size == (256, 256)


def test_an_edit_whose_answer_was_lost_is_collected_once(design_server, tmp_path: Path):
    Image.new("RGB", (256, 256), (30, 60, 90)).save(tmp_path / "in.png")
    with losing_first_answer(design_server) as (proxy, seen):
        result = runner.invoke(
            app,
            ["edit", 'a label saying "Fox"', "-i", str(tmp_path / "in.png"), "--quality", "low",
             "--size", "256x256", "-o", str(tmp_path / "out.png"),
             "--server", proxy, "--api-key", API_KEY],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    same_key_twice(seen)
    with Image.open(tmp_path / "out.png") as image:
        assert image.size == (256, 256)


def same_key_twice(seen: Seen) -> tuple[httpx.Response, httpx.Response]:
    """Two requests under one Idempotency-Key; the retry replayed, charged nothing more."""
    keys = [request.get("idempotency-key") for request in seen.requests]
    assert len(keys) == 2 and keys[0] and keys[0] == keys[1]
    first, retry = seen.answers
    assert first.status_code == retry.status_code == 200, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    # Charged once: the replay found the balance the first call left.
    assert retry.headers["x-remaining-credits"] == first.headers["x-remaining-credits"]
    return first, retry


def test_each_call_has_its_own_key(fake_server, tmp_path: Path):
    keys = []
    for name in ("a", "b"):
        with losing_first_answer(fake_server) as (proxy, seen):
            result = runner.invoke(
                app,
                ["generate", "a fox", "--size", "256x256", "-o", str(tmp_path / f"{name}.png"),
                 "--server", proxy, "--api-key", API_KEY],
            )  # fmt: skip
            assert result.exit_code == 0, result.output
            keys.append(seen.requests[0]["idempotency-key"])
    assert keys[0] != keys[1]
