"""Shared fixtures: settings, a fake engine, and a real uvicorn server on loopback."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest
import uvicorn

from pixmill.app import create_app
from pixmill.engines import Engine
from pixmill.settings import Settings
from tests.fakes import FakeEngine

SEED_REQUEST = Path(__file__).parent / "data" / "seed-request.json"
API_KEY = "pm-test-key"


@contextlib.contextmanager
def running_server(
    settings: Settings, engines: Mapping[str, Engine] | None = None
) -> Iterator[tuple[str, uvicorn.Server]]:
    """Serve create_app(settings) with uvicorn on a free loopback port, in a thread."""
    app = create_app(settings, engines=engines)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", server
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, api_keys=[API_KEY], _env_file=None)


@pytest.fixture
def fake_engine() -> FakeEngine:
    return FakeEngine()


@pytest.fixture
def fake_server(settings: Settings, fake_engine: FakeEngine) -> Iterator[str]:
    """A real server whose default engine is the fake one."""
    with running_server(settings, {"design": fake_engine}) as (url, _):
        yield url


@pytest.fixture(scope="session")
def design_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real server on the real built-in design engine, shared by the session."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"), api_keys=[API_KEY], _env_file=None
    )
    with running_server(settings) as (url, _):
        yield url


@pytest.fixture
def client_for() -> Iterator[Callable[[str], httpx.Client]]:
    clients: list[httpx.Client] = []

    def make(url: str) -> httpx.Client:
        client = httpx.Client(base_url=url, timeout=120, headers={"x-api-key": API_KEY})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture(scope="session")
def seed_request() -> dict[str, object]:
    return json.loads(SEED_REQUEST.read_text(encoding="utf-8"))
