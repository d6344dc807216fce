"""Fixtures for job tests: a server on an engine the test can hold, and a second account."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from pixmill.settings import Settings
from tests.conftest import API_KEY, make_settings, provision, running_server
from tests.fakes import SteppedEngine

OTHER_KEY = "pm-other-account-key"


@pytest.fixture
def engine() -> SteppedEngine:
    return SteppedEngine(steps=4, gate=True)


@pytest.fixture
def job_settings(tmp_path) -> Settings:
    settings = make_settings(data_dir=tmp_path, account_share=1.0)
    provision(settings, OTHER_KEY, 10, name="other")
    return settings


@pytest.fixture
def job_server(job_settings: Settings, engine: SteppedEngine) -> Iterator[str]:
    with running_server(job_settings, {"design": engine}) as (url, _):
        yield url
    engine.gate.set()


@pytest.fixture
def client(job_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=job_server, timeout=60, headers={"x-api-key": API_KEY}) as c:
        yield c


@pytest.fixture
def other(job_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=job_server, timeout=60, headers={"x-api-key": OTHER_KEY}) as c:
        yield c


def read_events(response: httpx.Response) -> Iterator[tuple[str | None, str, dict[str, Any]]]:
    """(id, event, data) of each server-sent event, comments (heartbeats) skipped."""
    event_id, kind, data = None, "message", []
    for line in response.iter_lines():
        if not line:
            if data:
                yield event_id, kind, json.loads("\n".join(data))
            event_id, kind, data = None, "message", []
        elif line.startswith(":"):
            continue
        else:
            field, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if field == "id":
                event_id = value
            elif field == "event":
                kind = value
            elif field == "data":
                data.append(value)
