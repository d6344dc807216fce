"""Odd but well-formed inputs to the job routes: a clear 400 naming them, never a 500."""

from __future__ import annotations

import base64

import pytest

from tests.jobs.test_async_api import BODY


@pytest.mark.parametrize(
    "after",
    [
        # The base64 cursors of before: a naive time, and times past year 9999 in UTC.
        base64.urlsafe_b64encode(b"2026-01-01T00:00:00|req_x").decode(),
        base64.urlsafe_b64encode(b"9999-12-31T23:59:59-01:00|req_x").decode(),
        "12345678901234567.req_x",  # 17 digits: past year 2286
        "1.",
        ".req_x",
    ],
)
def test_a_cursor_that_is_not_one_is_a_400(client, after):
    response = client.get("/v2/requests", params={"after": after})
    assert response.status_code == 400, response.text
    assert response.json()["param"] == "after"


def test_any_cursor_of_the_form_is_a_position(client, engine):
    engine.gate.set()
    job = client.post("/v2/gpt-image-1", json=BODY).json()["request_id"]
    for after, ids in [("0.0", []), ("0" * 16 + ".0", []), ("9" * 16 + ".zz", [job])]:
        response = client.get("/v2/requests", params={"after": after})
        assert response.status_code == 200, response.text
        assert [entry["request_id"] for entry in response.json()["data"]] == ids


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


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT"])
def test_the_job_list_path_allows_get_only_as_the_spec_says(client, method):
    """/v2/requests is no model name for POST /v2/{model}: its Allow is the spec's."""
    response = client.request(method, "/v2/requests", json=BODY)
    assert response.status_code == 405, response.text
    assert response.headers["allow"] == "GET"
