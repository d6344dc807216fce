"""Odd but well-formed inputs to the job routes: a clear 400 naming them, never a 500."""

from __future__ import annotations

import base64

import pytest

from tests.jobs.test_async_api import BODY


def cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "created",
    [
        "2026-01-01T00:00:00",  # naive: the cursors this server gives carry an offset
        "9999-12-31T23:59:59-01:00",  # past year 9999 in UTC
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "99999-01-01T00:00:00+00:00",
    ],
)
def test_a_cursor_this_server_never_gave_is_a_400(client, created):
    response = client.get("/v2/requests", params={"after": cursor(f"{created}|req_x")})
    assert response.status_code == 400, response.text
    assert response.json()["param"] == "after"


def test_a_cursor_at_the_end_of_time_is_an_empty_page(client):
    response = client.get("/v2/requests", params={"after": cursor("0001-01-01T00:00:00+00:00|x")})
    assert response.status_code == 200, response.text
    assert response.json()["data"] == []


def test_a_5000_digit_last_event_id_is_a_400(client, engine):
    request_id = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
    url = f"/v2/requests/{request_id}/events"
    response = client.get(url, headers={"Last-Event-ID": "9" * 5000})
    assert response.status_code == 400, response.text
    assert response.json()["param"] == "Last-Event-ID"
    # Not digits to int(): ignored, as an id this server never sent.
    engine.gate.set()
    with client.stream("GET", url, headers={"Last-Event-ID": b"\xb2"}) as stream:
        assert stream.status_code == 200
