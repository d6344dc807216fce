"""Log lines are safe: a caller cannot forge one, and no key, digest or admin token shows.

The log-injection string is the one the reliability review used: a `user` of
"x\\r\\nINFO forged line" made a complete, well-formed line of its own.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from pixmill.accounts.db import make_engine, normalise_url
from pixmill.logs import JsonFormatter, Redactor, TextFormatter, escape
from tests.conftest import API_KEY, POSTGRES, pixmill_serve

FORGED = "x\r\nINFO forged line"
TOKEN = "admin-token-for-the-log-test"


@contextlib.contextmanager
def captured(formatter: logging.Formatter) -> Iterator[io.StringIO]:
    """What the root logger writes through `formatter` meanwhile."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def generate_as(url: str, user: str) -> None:
    response = httpx.post(
        url + "/v1/images/generations",
        json={"prompt": "a red fox", "size": "256x256", "user": user},
        headers={"Authorization": f"Bearer {API_KEY}"},
    )
    assert response.status_code == 200, response.text


def test_a_forged_user_stays_on_its_own_line_in_text_logs(fake_server):
    with captured(TextFormatter(Redactor())) as out:
        generate_as(fake_server, FORGED)
        time.sleep(0.1)
    lines = out.getvalue().splitlines()
    generated = [line for line in lines if "generated request_id=" in line]
    assert len(generated) == 1
    assert "user=x\\r\\nINFO forged line" in generated[0]
    assert not any(line.startswith("INFO forged") for line in lines)
    assert "\r" not in out.getvalue()


def test_json_logs_are_one_object_per_line(fake_server):
    with captured(JsonFormatter(Redactor())) as out:
        generate_as(fake_server, FORGED)
        time.sleep(0.1)
    entries = [json.loads(line) for line in out.getvalue().splitlines()]
    generated = [entry for entry in entries if "generated request_id=" in entry["message"]]
    assert len(generated) == 1
    assert f"user={FORGED}" in generated[0]["message"]
    assert {"time", "level", "logger", "message"} <= set(generated[0])


def test_tracebacks_are_indented_and_escaped():
    record = logging.LogRecord("t", logging.ERROR, __file__, 1, "failed for %s", (FORGED,), None)
    try:
        raise ValueError(FORGED)
    except ValueError:
        record.exc_info = sys.exc_info()
    lines = TextFormatter(Redactor()).format(record).split("\n")
    assert lines[0] == "ERROR t failed for x\\r\\nINFO forged line"
    # An exception's text may span lines, but none of them can pass for a record of its own.
    assert all(line.startswith("  ") for line in lines[1:])
    assert "\r" not in "".join(lines)


def test_keys_digests_and_the_token_are_masked():
    key = "pm_" + "A1b2" * 10
    digest = hashlib.sha256(key.encode()).hexdigest()
    redact = Redactor((TOKEN,))
    line = redact(f"key {key} digest {digest} token {TOKEN} request req_0123")
    assert line == "key [redacted] digest [redacted] token [redacted] request req_0123"
    access = redact('"GET /v2/requests/req_1/events?token=abc.def&x=1 HTTP/1.1" 200')
    assert access == '"GET /v2/requests/req_1/events?token=[redacted]&x=1 HTTP/1.1" 200'
    assert escape("a\x00b\u2028c\x1b") == "a\\x00b\\u2028c\\x1b"


def test_sql_errors_carry_no_bound_values():
    """An error's text is what gets logged: the engine hides its parameters (a key digest),
    and where PostgreSQL's own message quotes the value, the formatter masks it."""
    digest = hashlib.sha256(b"pm_secret").hexdigest()
    engine = make_engine(normalise_url(POSTGRES))
    errors = []
    try:
        for statement in ("SELECT CAST(:digest AS text), 1 / 0", "SELECT CAST(:digest AS integer)"):
            with pytest.raises(DBAPIError) as caught, engine.connect() as connection:
                connection.execute(text(statement), {"digest": digest})
            errors.append(caught.value)
    finally:
        engine.dispose()
    hidden, quoted = errors
    assert digest not in str(hidden)
    assert "parameters hidden" in str(hidden)
    record = logging.LogRecord("sql", logging.ERROR, __file__, 1, "failed", (), None)
    record.exc_info = (type(quoted), quoted, quoted.__traceback__)
    for formatter in (TextFormatter(Redactor()), JsonFormatter(Redactor())):
        assert digest not in formatter.format(record)


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_pixmill_serve_logs_safely(tmp_path, log_format):
    """`pixmill serve` itself: PIXMILL_LOG_FORMAT, escaping, and no secret in any line."""
    env = {"PIXMILL_LOG_FORMAT": log_format, "PIXMILL_ADMIN_TOKEN": TOKEN}
    with pixmill_serve(tmp_path, env) as served:
        key = next(line for line in served.lines if "starter key" in line).split()[-1]
        response = httpx.post(
            served.url + "/v1/images/generations",
            json={"prompt": "a red fox", "size": "256x256", "quality": "low", "user": FORGED},
            headers={"Authorization": f"Bearer {key}"},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        refused = httpx.get(served.url + "/admin/accounts", headers={"Authorization": "Bearer no"})
        assert refused.status_code == 401
    output = served.output
    logged = [line for line in output.splitlines() if "starter key" not in line]
    logged = [line for line in logged if not line.startswith("try it:")]
    assert any("generated request_id=" in line for line in logged), output
    assert not any(line.startswith("INFO forged") for line in logged), output
    assert "\r" not in output
    assert TOKEN not in output
    assert key not in "\n".join(logged)
    assert hashlib.sha256(key.encode()).hexdigest() not in output
    if log_format == "json":
        entries = [json.loads(line) for line in logged if line.startswith("{")]
        assert any(FORGED in entry["message"] for entry in entries)
        assert any(entry["logger"] == "uvicorn.access" for entry in entries)
