"""Fake providers on loopback and a real pixmill gateway in front of them.

The servers live for the module; each test starts with the fakes' scripts and call
logs empty. Timeouts and backoffs are short so that the suite stays fast.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import make_settings, running_server
from tests.engines.upstream.fake_upstreams import (
    OPENAI_EDITS_PATH,
    OPENAI_KEY,
    OPENAI_PATH,
    OPENAI_VARIATIONS_PATH,
    SEGMIND_KEY,
    SEGMIND_PATH,
    FakeUpstream,
    fake_openai,
    fake_segmind,
    serving,
)

FAST = {"timeout": 2.0, "connect_timeout": 1.0, "max_retries": 2, "backoff": 0.01}


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gateway_models(openai: FakeUpstream, segmind: FakeUpstream) -> dict[str, Any]:
    """gpt-image-1 from OpenAI, segmind-gpt-image-1 from Segmind, design locally, and variants."""

    def openai_model(**options: Any) -> dict[str, Any]:
        base = {"base_url": openai.url, "api_key": OPENAI_KEY, "model": "gpt-image-1"}
        return {"engine": "openai", "options": base | FAST | options}

    return {
        "gpt-image-1": openai_model(),
        "segmind-gpt-image-1": {
            "engine": "segmind",
            "options": {"base_url": segmind.url, "api_key": SEGMIND_KEY, "model": "gpt-image-1"}
            | FAST,
        },
        "openai-png-only": openai_model(output_formats=["png"]),
        "openai-any-size": openai_model(sizes=None, qualities=["low", "medium", "high", "max"]),
        "openai-one-per-call": openai_model(max_n=1),
        "openai-quick-timeout": openai_model(timeout=0.3, max_retries=0),
        "openai-long-timeout": openai_model(timeout=120),
        "openai-patient": openai_model(max_retries=2, max_backoff=0.2),
        "openai-unreachable": openai_model(
            base_url=f"http://127.0.0.1:{closed_port()}/v1", max_retries=1
        ),
    }


@pytest.fixture(scope="module")
def openai_upstream() -> Iterator[FakeUpstream]:
    with serving(fake_openai(), OPENAI_PATH, OPENAI_EDITS_PATH, OPENAI_VARIATIONS_PATH) as fake:
        yield fake


@pytest.fixture(scope="module")
def segmind_upstream() -> Iterator[FakeUpstream]:
    with serving(fake_segmind(), SEGMIND_PATH) as fake:
        yield fake


@pytest.fixture(scope="module")
def gateway(
    openai_upstream: FakeUpstream,
    segmind_upstream: FakeUpstream,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """A real pixmill server in gateway mode, two render slots as by default."""
    settings = make_settings(
        data_dir=Path(tmp_path_factory.mktemp("gateway")),
        models=gateway_models(openai_upstream, segmind_upstream),
    )
    with running_server(settings) as (url, _):
        yield url


@pytest.fixture(autouse=True)
def fresh_fakes(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with unscripted fakes, and leaves none held."""
    fakes = [
        request.getfixturevalue(name)
        for name in ("openai_upstream", "segmind_upstream")
        if name in request.fixturenames
    ]
    for fake in fakes:
        fake.reset()
    yield
    for fake in fakes:
        fake.reset()


@pytest.fixture
def client(gateway: str, client_for: Callable[[str], httpx.Client]) -> httpx.Client:
    return client_for(gateway)
