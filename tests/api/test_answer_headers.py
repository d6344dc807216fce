"""x-request-id on every answer; x-remaining-credits on every answer to a known key, errors
included, never on a keyless one; x-should-retry: false where a retry cannot help."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from pixmill.usage import format_credits
from tests.conftest import API_KEY, make_settings, provision, running_server
from tests.fakes import FakeEngine

KEYED = {"x-api-key": API_KEY}
FILES_PATH = "/v1/images/files/{token}"
# What each path parameter is filled with: a model that exists, ids and links that do not.
PARAMETERS = {"model": "gpt-image-1", "model_id": "gpt-image-1", "request_id": "req_0"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[httpx.Client]:
    settings = make_settings(data_dir=tmp_path_factory.mktemp("data"))
    provision(settings, "pm-broke-key", 0, name="broke")
    with (
        running_server(settings, {"design": FakeEngine()}) as (url, _),
        httpx.Client(base_url=url, timeout=60) as client,
    ):
        yield client


def operations(client: httpx.Client) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return [(method.upper(), path) for path, methods in paths.items() for method in methods]


def filled(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda match: PARAMETERS.get(match[1], "nothing-here"), path)


def test_every_route_in_the_openapi_document_answers_both_headers(server):
    balance = server.get("/v1/get-user-credits", headers=KEYED).json()["credits"]
    seen = operations(server)
    assert len(seen) > 10
    for method, path in seen:
        body = {} if method in ("POST", "PUT", "PATCH") else None
        answer = server.request(method, filled(path), json=body, headers=KEYED)
        what = f"{method} {path}: {answer.status_code}"
        assert answer.headers.get("x-request-id", "").startswith("req_"), what
        if path == FILES_PATH:
            assert "x-remaining-credits" not in answer.headers, what  # keyless, key or not
        else:
            assert answer.headers.get("x-remaining-credits") == balance, what


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/v1/chat/completions", 404),  # an OpenAI family pixmill does not serve
        ("GET", "/v1/embeddings", 404),
        ("GET", "/v1/images/generations", 405),
        ("PUT", "/v2/requests/req_0", 405),
        ("GET", "/no/such/route", 404),
        ("DELETE", "/v2/requests/req_0", 404),
    ],
)
def test_unrouted_answers_carry_both_headers(server, method, path, status):
    answer = server.request(method, path, headers=KEYED)
    assert answer.status_code == status
    assert answer.headers["x-request-id"].startswith("req_")
    assert re.fullmatch(r"\d+(\.\d+)?", answer.headers["x-remaining-credits"])
    anonymous = server.request(method, path)
    assert anonymous.headers["x-request-id"].startswith("req_")
    assert "x-remaining-credits" not in anonymous.headers


def test_keyless_answers_carry_the_request_id_only(server):
    made = server.post(
        "/v1/images/generations",
        json={"prompt": "a red kite", "size": "1024x1024", "response_format": "url"},
        headers=KEYED,
    )
    assert made.status_code == 200, made.text
    link = made.json()["data"][0]["url"]
    image = server.get(link)
    head = server.head(link)
    assert image.status_code == head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(image.content))
    assert head.headers["content-type"] == image.headers["content-type"]
    for answer in (image, head):
        assert answer.headers["x-request-id"].startswith("req_")
        assert "x-remaining-credits" not in answer.headers

    job = server.post("/v2/gpt-image-1", json={"prompt": "a red kite"}, headers=KEYED).json()
    events = f"/v2/requests/{job['request_id']}/events"
    with server.stream("GET", events, params={"token": job["events_token"]}) as stream:
        assert stream.status_code == 200
        assert stream.headers["x-request-id"].startswith("req_")
        assert "x-remaining-credits" not in stream.headers
        stream.read()
    # The job is over: cancelling it is a 409, with the balance.
    late = server.delete(f"/v2/requests/{job['request_id']}", headers=KEYED)
    assert late.status_code == 409
    assert "x-remaining-credits" in late.headers


def test_insufficient_credits_says_a_retry_cannot_help(server):
    for path, status in (("/v1/images/generations", 429), ("/v1/gpt-image-1", 406)):
        answer = server.post(path, json={"prompt": "a kite"}, headers={"x-api-key": "pm-broke-key"})
        assert answer.status_code == status, answer.text
        assert answer.headers["x-should-retry"] == "false"
        assert answer.headers["x-remaining-credits"] == format_credits(0)
        assert answer.headers["x-request-id"].startswith("req_")
