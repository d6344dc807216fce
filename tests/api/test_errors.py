"""The error table, on both dialects, through the real server."""

import pytest

OPENAI = "/v1/images/generations"
SEGMIND = "/v1/gpt-image-1"

BAD_BODIES = [
    ({}, "prompt"),
    ({"prompt": ""}, "prompt"),
    ({"prompt": "x" * 32_001}, "prompt"),
    ({"prompt": "x", "n": 0}, "n"),
    ({"prompt": "x", "n": 11}, "n"),
    ({"prompt": "x", "size": "999x9999"}, "size"),
    ({"prompt": "x", "quality": "ultra"}, "quality"),
    ({"prompt": "x", "background": "green"}, "background"),
    ({"prompt": "x", "output_format": "gif"}, "output_format"),
    ({"prompt": "x", "output_compression": -1}, "output_compression"),
    ({"prompt": "x", "output_compression": 101}, "output_compression"),
    ({"prompt": "x", "background": "transparent", "output_format": "jpeg"}, "background"),
    ({"prompt": "x", "model": "no-such-model"}, "model"),
    # Strings PostgreSQL cannot store, refused at the edge.
    ({"prompt": "a\x00b"}, "prompt"),
    ({"prompt": "x", "user": "u\x00"}, "user"),
    ({"prompt": "x", "safety_identifier": "\x00"}, "safety_identifier"),
    ({"prompt": "x", "model": "m\x00"}, "model"),
    # ASCII digits only, nothing trailing.
    ({"prompt": "x", "size": "1024x1024\n"}, "size"),
    ({"prompt": "x", "size": "\u0661\u0660\u0662\u0664x\u0661\u0660\u0662\u0664"}, "size"),
    ({"prompt": "x", "size": " 1024x1024"}, "size"),
]


@pytest.mark.parametrize(("body", "param"), BAD_BODIES)
def test_openai_errors_name_the_parameter(fake_server, client_for, body, param):
    response = client_for(fake_server).post(OPENAI, json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == param
    assert error["code"] == "invalid_value"
    assert error["type"] == "invalid_request_error"
    assert param in error["message"]


@pytest.mark.parametrize(("body", "param"), [b for b in BAD_BODIES if b[1] != "model"])
def test_segmind_errors_name_the_parameter(fake_server, client_for, body, param):
    response = client_for(fake_server).post(SEGMIND, json=body)
    assert response.status_code == 400
    # Segmind's {"error": "..."}, plus pixmill's `param` naming the field to blame.
    assert response.json() == {"error": response.json()["error"], "param": param}
    assert param in response.json()["error"]


def test_unknown_model_on_the_segmind_path(fake_server, client_for):
    response = client_for(fake_server).post("/v1/no-such-model", json={"prompt": "x"})
    assert response.status_code == 404
    assert "no-such-model" in response.json()["error"]


@pytest.mark.parametrize("path", [OPENAI, SEGMIND])
@pytest.mark.parametrize(
    ("content", "content_type", "status", "words"),
    [
        (b'{"prompt": "x"', "application/json", 400, "not valid JSON"),
        (b'["prompt", "x"]', "application/json", 400, "JSON object"),
        (b"", "application/json", 400, "empty"),
        (b"\xff\xfe", "application/json", 400, "not valid JSON"),
        (b"prompt=x", "application/x-www-form-urlencoded", 415, "Content-Type"),
        (b'{"prompt": "x"}', "text/plain", 415, "Content-Type"),
    ],
)
def test_bad_bodies(fake_server, client_for, path, content, content_type, status, words):
    response = client_for(fake_server).post(
        path, content=content, headers={"content-type": content_type}
    )
    assert response.status_code == status
    error = response.json()["error"]
    message = error if isinstance(error, str) else error["message"]
    assert words in message
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", [OPENAI, SEGMIND])
def test_oversized_body_is_refused(fake_server, client_for, path):
    body = b'{"prompt": "' + b"x" * 2_000_000 + b'"}'
    response = client_for(fake_server).post(
        path, content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert "larger than the limit" in response.text


@pytest.mark.parametrize("path", [OPENAI, SEGMIND])
@pytest.mark.parametrize(
    "body",
    [
        {"prompt": "x" * 32_001},
        {"prompt": "x", "size": "9" * 5000},
        {"prompt": "x", "quality": "q" * 5000},
        {"prompt": "x", "n": "n" * 5000},
        {"prompt": "x", "user": "u" * 5000},
    ],
)
def test_errors_quote_only_an_excerpt_of_the_value(fake_server, client_for, path, body):
    response = client_for(fake_server).post(path, json=body)
    assert response.status_code == 400
    assert len(response.content) < 600, response.text


def test_openai_quotes_only_an_excerpt_of_an_unknown_argument(fake_server, client_for):
    response = client_for(fake_server).post(OPENAI, json={"prompt": "x", "k" * 5000: 1})
    assert response.status_code == 400
    assert len(response.content) < 600 + 5000  # the param field names it; the message does not
    assert "k" * 100 not in response.json()["error"]["message"]


def test_oversized_chunked_body_is_refused(fake_server, client_for):
    def chunks():
        yield b'{"prompt": "'
        for _ in range(40):
            yield b"x" * 50_000
        yield b'"}'

    response = client_for(fake_server).post(
        OPENAI, content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413


def test_openai_refuses_unknown_arguments(fake_server, client_for):
    response = client_for(fake_server).post(OPENAI, json={"prompt": "x", "hue": "teal"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "hue"


def test_openai_refuses_links_in_a_stream(fake_server, client_for):
    response = client_for(fake_server).post(
        OPENAI, json={"prompt": "x", "response_format": "url", "stream": True}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["param"] == "response_format"
    assert "b64_json" in error["message"]


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        (OPENAI, {}),
        (OPENAI, {"authorization": "Bearer wrong"}),
        (SEGMIND, {"x-api-key": "wrong"}),
        (SEGMIND, {}),
    ],
)
def test_missing_or_wrong_keys_get_401(fake_server, path, headers):
    import httpx

    response = httpx.post(fake_server + path, json={"prompt": "x"}, headers=headers)
    assert response.status_code == 401
    error = response.json()["error"]
    if path == OPENAI:
        assert error["code"] == "invalid_api_key"
    else:
        assert isinstance(error, str)


@pytest.mark.parametrize("header", ["x-api-key", "authorization"])
@pytest.mark.parametrize("path", [OPENAI, SEGMIND])
def test_both_key_headers_work_on_both_dialects(fake_server, path, header):
    import httpx

    from tests.conftest import API_KEY

    value = API_KEY if header == "x-api-key" else f"Bearer {API_KEY}"
    response = httpx.post(
        fake_server + path, json={"prompt": "x", "size": "256x256"}, headers={header: value}
    )
    assert response.status_code == 200


def test_engine_failure_is_a_clean_500(settings, client_for):
    from tests.conftest import running_server
    from tests.fakes import FakeEngine

    with running_server(settings, {"design": FakeEngine(fail=True)}) as (url, _):
        response = client_for(url).post(OPENAI, json={"prompt": "x"})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "engine_error"
    assert "fake engine failure" not in response.text


def test_unknown_routes_answer_json_404(fake_server, client_for):
    response = client_for(fake_server).get("/v3/nothing")
    assert response.status_code == 404
    assert "error" in response.json()
