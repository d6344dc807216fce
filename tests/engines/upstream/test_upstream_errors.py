"""Every upstream error answer maps to pixmill's own error; the operator's key never leaks."""

from __future__ import annotations

import pytest
from tests.engines.upstream.fake_upstreams import (
    OPENAI_KEY,
    SEGMIND_KEY,
    openai_error,
    openai_success,
    raw,
    segmind_error,
    segmind_success,
    truncated,
)

OPENAI = "/v1/images/generations"
BODY = {"prompt": "a cat", "size": "1024x1024"}


def test_upstream_moderation_blocked_is_ours(client, openai_upstream):
    openai_upstream.then(
        openai_error(
            400,
            "Your request was rejected as a result of our safety system.",
            type="image_generation_user_error",
            code="moderation_blocked",
        )
    )
    response = client.post(OPENAI, json=BODY)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["type"]) == ("moderation_blocked", "image_generation_user_error")
    assert "x-cost" not in response.headers
    assert len(openai_upstream.calls) == 1


def test_upstream_moderation_blocked_on_the_segmind_dialect(client, openai_upstream):
    openai_upstream.then(
        openai_error(400, "rejected by our safety system", code="moderation_blocked")
    )
    response = client.post("/v1/gpt-image-1", json=BODY)
    assert response.status_code == 400
    assert "safety system" in response.json()["error"]


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_operator_key_is_a_502_without_the_key(client, openai_upstream, status):
    openai_upstream.then(
        openai_error(
            status,
            f"Incorrect API key provided: {OPENAI_KEY}. You can find your API key at ...",
            code="invalid_api_key",
        )
    )
    response = client.post(OPENAI, json=BODY)
    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "gateway_misconfigured"
    assert "misconfigured" in error["message"]
    assert OPENAI_KEY not in response.text and "sk-" not in response.text
    assert len(openai_upstream.calls) == 1  # a wrong key is not retried


def test_a_refused_segmind_key_is_a_502_in_segmind_form(client, segmind_upstream):
    segmind_upstream.then(segmind_error(401, f"Invalid API key {SEGMIND_KEY}"))
    response = client.post("/v1/segmind-gpt-image-1", json=BODY)
    assert response.status_code == 502
    assert "misconfigured" in response.json()["error"]
    assert SEGMIND_KEY not in response.text


def test_an_empty_operator_account_is_a_502_not_retried(client, openai_upstream, segmind_upstream):
    openai_upstream.then(
        openai_error(
            429, "You exceeded your current quota.", type="insufficient_quota",
            code="insufficient_quota",
        )
    )  # fmt: skip
    response = client.post(OPENAI, json=BODY)
    assert (response.status_code, len(openai_upstream.calls)) == (502, 1)
    assert "out of credits" in response.json()["error"]["message"]

    segmind_upstream.then(segmind_error(406, "Not enough credits"))
    response = client.post("/v1/segmind-gpt-image-1", json=BODY)
    assert (response.status_code, len(segmind_upstream.calls)) == (502, 1)


def test_an_upstream_bad_request_is_a_400_naming_the_parameter(client, openai_upstream):
    openai_upstream.then(openai_error(400, "Invalid value for 'prompt': too long.", param="prompt"))
    response = client.post(OPENAI, json=BODY)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["param"]) == ("invalid_value", "prompt")
    assert "too long" in error["message"]


@pytest.mark.parametrize(
    "answer",
    [
        raw(200, b"<html>bad gateway</html>", "text/html"),
        raw(200, b'{"created": 1}'),
        raw(200, b'{"data": [{"b64_json": "%%% not base64 %%%"}]}'),
        raw(200, b'{"data": [{"b64_json": "aGVsbG8gd29ybGQ="}]}'),  # "hello world"
        raw(200, b'{"data": [{"url": "https://example.com/a.png"}]}'),
        truncated(openai_success),
    ],
    ids=["html", "no-data", "bad-base64", "not-an-image", "url-not-b64", "truncated"],
)
def test_a_malformed_or_truncated_answer_is_a_502(client, openai_upstream, answer):
    openai_upstream.then(answer)
    response = client.post(OPENAI, json=BODY)
    assert response.status_code == 502, response.text
    assert response.json()["error"]["code"] == "upstream_error"
    assert len(openai_upstream.calls) == 1


def test_an_image_of_the_wrong_size_is_a_502(client, openai_upstream):
    openai_upstream.then(lambda body: openai_success(body | {"size": "1024x1536"}))
    response = client.post(OPENAI, json=BODY)
    assert response.status_code == 502
    assert "1024x1536" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "answer",
    [raw(200, b"not an image", "image/png"), truncated(segmind_success)],
    ids=["garbage-image", "truncated"],
)
def test_a_malformed_segmind_answer_is_a_502(client, segmind_upstream, answer):
    segmind_upstream.then(answer)
    response = client.post("/v1/segmind-gpt-image-1", json=BODY)
    assert response.status_code == 502, response.text
    assert "error" in response.json()
