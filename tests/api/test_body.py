"""Malformed bodies get a 400 naming the problem, never a 5xx: both routes and the admin API.

Each row failed with a 500 (or was accepted) before body parsing refused it.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from pixmill.api.body import MAX_DEPTH, parse_json
from pixmill.errors import InvalidRequest
from tests.conftest import API_KEY, make_settings, running_server
from tests.fakes import FakeEngine

TOKEN = "admin-body-test-token"
OPENAI = "/v1/images/generations"
SEGMIND = "/v1/gpt-image-1"
ADMIN = "/admin/accounts"

BIG = "1" * 5000
# (raw body, words the message must contain)
MALFORMED = [
    pytest.param(b'{"prompt": "x", "seed": ' + BIG.encode() + b"}", "5000 digits", id="huge-int"),
    pytest.param(b'{"prompt": "x", "n": -' + BIG.encode() + b"}", "5000 digits", id="huge-neg"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, "levels deep", id="deep-100000"),
    pytest.param(
        b'{"prompt": "x", "a": ' + b"[" * 40 + b"]" * 40 + b"}", "levels deep", id="deep-40"
    ),
    pytest.param(b'{"prompt": "x", "seed": NaN}', "NaN", id="nan"),
    pytest.param(b'{"prompt": "x", "seed": Infinity}', "Infinity", id="infinity"),
    pytest.param(b'{"prompt": "x", "seed": -Infinity}', "-Infinity", id="neg-infinity"),
    pytest.param(b'{"prompt": "x", "seed": 1e400}', "too large", id="float-overflow"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("body")
    settings = make_settings(data_dir=data, admin_token=TOKEN)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        yield url


def message_of(response: httpx.Response) -> str:
    error = response.json()["error"]
    return error if isinstance(error, str) else error["message"]


@pytest.mark.parametrize("path", [OPENAI, SEGMIND, ADMIN])
@pytest.mark.parametrize(("content", "words"), MALFORMED)
def test_malformed_bodies_get_a_400_naming_the_problem(server, path, content, words):
    headers = {
        "content-type": "application/json",
        "x-api-key": API_KEY,
        "authorization": f"Bearer {TOKEN}" if path == ADMIN else f"Bearer {API_KEY}",
    }
    response = httpx.post(server + path, content=content, headers=headers, timeout=60)
    assert response.status_code == 400, response.text
    assert words in message_of(response)
    assert len(response.content) < 1000
    if path == OPENAI and b'"seed"' in content:
        assert response.json()["error"]["param"] == "seed"


def test_admin_credits_of_5000_digits_is_a_400(server):
    headers = {"authorization": f"Bearer {TOKEN}"}
    for credits in (BIG, "1e" + BIG):
        response = httpx.post(
            server + ADMIN, json={"name": "big", "credits": credits}, headers=headers
        )
        assert response.status_code == 400, response.text
        assert response.json()["error"]["param"] == "credits"
        assert len(response.content) < 1000
    as_number = b'{"name": "big", "credits": ' + BIG.encode() + b"}"
    response = httpx.post(server + ADMIN, content=as_number, headers=headers)
    assert response.status_code == 400, response.text
    assert "5000 digits" in response.json()["error"]["message"]


def test_nesting_up_to_the_limit_is_fine():
    nested = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(b'{"a": ' + nested[1:-1] + b"}") == {"a": parse_json(nested[1:-1])}
    with pytest.raises(InvalidRequest, match="levels deep"):
        parse_json(b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1))


def test_ordinary_numbers_still_parse():
    assert parse_json(b'{"n": 10, "x": -2.5e3, "seed": 4294967295}') == {
        "n": 10,
        "x": -2500.0,
        "seed": 4294967295,
    }
