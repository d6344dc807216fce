"""Shared fixtures: settings, a fake engine, and a real uvicorn server on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, text
from starlette.types import ASGIApp

from pixmill.accounts.db import normalise_url
from pixmill.accounts.store import AccountStore
from pixmill.app import create_app
from pixmill.engines import Engine
from pixmill.jobs.runtime import JobRuntime
from pixmill.server import uvicorn_config
from pixmill.settings import Settings
from pixmill.usage import MICRO
from tests.fakes import FakeEngine

# Commands and settings that name no data directory use the per-user one (datadir.py):
# keep the suite's out of the home directory of whoever runs it.
os.environ.setdefault("PIXMILL_DATA_DIR", tempfile.mkdtemp(prefix="pixmill-test-data-"))

SEED_REQUEST = Path(__file__).parent / "data" / "seed-request.json"
API_KEY = "pm-test-key"
TEST_CREDITS = 1000


def make_settings(**overrides: Any) -> Settings:
    """Settings for a test server whose database holds an account paying for API_KEY.

    Rate limits are off unless a test sets them.
    """
    values: dict[str, Any] = {
        "requests_per_minute": 0,
        "images_per_minute": 0,
        "status_polls_per_minute": 0,
        # One job engine per process (DBOS is a singleton): every in-process server of
        # the session shares its database, each in a namespace of its own.
        "jobs_namespace": f"test-{uuid.uuid4().hex[:12]}",
        **jobs_database(),
    }
    if SERVER_DATABASE == "postgresql" and "database_url" not in overrides:
        values["database_url"] = _schemas.enter_context(postgres_schema())
    settings = Settings(_env_file=None, **(values | overrides))
    provision(settings, API_KEY, TEST_CREDITS)
    return settings


def provision(settings: Settings, secret: str, credits: int, name: str = "test") -> str:
    """Migrate the settings' database and add an account with `credits` paying for `secret`."""
    store = AccountStore.open(settings)
    try:
        store.db.upgrade()
        account_id = store.keys.create_account(name, credits * MICRO)
        store.keys.create_key(account_id, name, secret=secret)
        return account_id
    finally:
        store.db.dispose()


@contextlib.contextmanager
def serving_in_thread(
    app: ASGIApp, settings: Settings | None = None, **uvicorn_options: Any
) -> Iterator[tuple[str, uvicorn.Server]]:
    """Serve an ASGI app with uvicorn on a free loopback port, in a thread: (URL, server).

    With `settings`, through `pixmill serve`'s configuration (timeouts and limits)."""
    options: dict[str, Any] = {"host": "127.0.0.1", "port": 0, "log_level": "warning"}
    options |= uvicorn_options
    if settings is not None:
        config = uvicorn_config(app, settings, lifespan="on", **options)
    else:
        config = uvicorn.Config(app, lifespan="on", **options)
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


@contextlib.contextmanager
def running_server(
    settings: Settings, engines: Mapping[str, Engine] | None = None, **uvicorn_options: Any
) -> Iterator[tuple[str, uvicorn.Server]]:
    """Serve create_app(settings) on a free loopback port, in a thread."""
    app = create_app(settings, engines=engines)
    with serving_in_thread(app, settings, **uvicorn_options) as served:
        yield served


def state_of(server: uvicorn.Server) -> Any:
    """The pixmill AppState of a server running_server() started (under its middleware)."""
    app = server.config.app
    while not hasattr(app, "state"):
        app = app.app
    return app.state.pixmill


@dataclass
class ServeProcess:
    """A `pixmill serve` process: its URL, and its output lines as they come."""

    url: str
    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    @property
    def output(self) -> str:
        return "".join(self.lines)


@contextlib.contextmanager
def pixmill_serve(
    folder: Path,
    env: Mapping[str, str] | None = None,
    args: tuple[str, ...] = (),
    start_seconds: float = 60,
) -> Iterator[ServeProcess]:
    """Run `pixmill serve ARGS` on a free port with data under `folder`, no PIXMILL_* from
    this environment but `env`; wait until it answers; SIGTERM it and wait for it on exit."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PIXMILL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "pixmill", "serve", "--port", str(port),
         "--data-dir", str(folder / "data"), *args],
        env=environ | dict(env or {}), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        cwd=folder, text=True,
    )  # fmt: skip
    served = ServeProcess(f"http://127.0.0.1:{port}", process)
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: served.lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + start_seconds
        while not _answers(served.url):
            assert process.poll() is None, served.output
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        reader.join(timeout=5)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz").status_code == 200
    except httpx.TransportError:
        return False


POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def postgres_schema() -> Iterator[str]:
    """A database URL on the real PostgreSQL whose tables live in a new, private schema."""
    schema = f"pixmill_test_{uuid.uuid4().hex[:12]}"
    # No connection is held while the schema lives: servers that keep their schema to the
    # end of the session would otherwise use up PostgreSQL's connections.
    admin = create_engine(normalise_url(POSTGRES), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        _drop_schema(schema)


def jobs_database() -> dict[str, str]:
    """The job engine's database for this test process: an SQLite file, or a schema of
    its own on the real PostgreSQL when the servers run there."""
    if not _jobs:
        if SERVER_DATABASE == "postgresql":
            schema = f"dbos_test_{uuid.uuid4().hex[:12]}"
            _jobs.update(jobs_database_url=POSTGRES, jobs_schema=schema)
            _schemas.callback(_drop_schema, schema)
        else:
            folder = Path(tempfile.mkdtemp(prefix="pixmill-jobs-"))
            _jobs.update(jobs_database_url=f"sqlite:///{folder / 'jobs.sqlite'}")
    return dict(_jobs)


_jobs: dict[str, str] = {}


def _drop_schema(schema: str) -> None:
    admin = create_engine(normalise_url(POSTGRES), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


SERVER_DATABASE = os.environ.get("PIXMILL_TEST_DATABASE", "sqlite")
"""Where make_settings keeps test servers' accounts: sqlite, or postgresql to run the
API suites against the real PostgreSQL (scripts/test does both)."""
_schemas = contextlib.ExitStack()


# One job engine for the whole session: apps start and stop, DBOS stays up.
JobRuntime.keep_running = True

# Servers made from plain Settings() in this process share the job database too;
# subprocess servers never inherit it (their spawners drop PIXMILL_* variables).
for _name, _value in jobs_database().items():
    os.environ[f"PIXMILL_{_name.upper()}"] = _value


@pytest.fixture(autouse=True)
def _jobs_namespace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's servers made from plain Settings() get a jobs namespace of their own."""
    monkeypatch.setenv("PIXMILL_JOBS_NAMESPACE", f"test-{uuid.uuid4().hex[:12]}")


@pytest.fixture(scope="session", autouse=True)
def _drop_postgres_schemas() -> Iterator[None]:
    yield
    _schemas.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each backend in turn: an SQLite file, then a private schema on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'accounts.db'}"
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(data_dir=tmp_path)


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
    settings = make_settings(data_dir=tmp_path_factory.mktemp("data"))
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
