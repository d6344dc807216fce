"""Options, Retry-After parsing, redaction and capabilities, without any server."""

from __future__ import annotations

import email.utils

import pytest

from pixmill.engines import build_engine
from pixmill.engines.upstream.options import parse_options
from pixmill.engines.upstream.transport import UpstreamClient, retry_after

DEFAULTS = {
    "default_base_url": "https://api.example.com/v1",
    "default_key_env": "EXAMPLE_KEY",
    "default_model": "gpt-image-1",
    "default_max_n": 10,
}


def test_the_key_comes_from_the_named_environment_variable(monkeypatch):
    monkeypatch.setenv("TEAM_OPENAI_KEY", "sk-from-env-123456")
    options = parse_options("openai", {"api_key_env": "TEAM_OPENAI_KEY"}, **DEFAULTS)
    assert options.api_key == "sk-from-env-123456"
    assert "sk-from-env" not in repr(options)


def test_a_missing_key_is_a_clear_configuration_error(monkeypatch):
    monkeypatch.delenv("EXAMPLE_KEY", raising=False)
    with pytest.raises(ValueError, match="EXAMPLE_KEY"):
        parse_options("openai", {}, **DEFAULTS)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api_key": "k", "bogus": 1}, "unknown openai engine options: bogus"),
        ({"api_key": "k", "output_formats": ["gif"]}, "output_formats"),
        ({"api_key": "k", "output_formats": ["jpeg"]}, "png"),
        ({"api_key": "k", "timeout": 0}, "timeouts"),
        ({"api_key": "k", "max_n": 0}, "max_n"),
    ],
)
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        parse_options("openai", options, **DEFAULTS)


def test_engines_declare_gateway_capabilities():
    engine = build_engine("segmind", api_key="SG_x", moderate_output=True, native_alpha=False)
    capabilities = engine.capabilities
    assert capabilities.io_bound and not capabilities.seeded
    assert not capabilities.moderates_output and not capabilities.native_alpha
    assert build_engine("openai", api_key="sk-x").capabilities.moderates_output


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "0.5"}, 0.5),
        ({"retry-after-ms": "250", "retry-after": "9"}, 0.25),
        ({"retry-after": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_forms(headers, seconds):
    assert retry_after(headers) == seconds


def test_retry_after_as_an_http_date():
    now = 1_700_000_000.0
    headers = {"retry-after": email.utils.formatdate(now + 30, usegmt=True)}
    assert retry_after(headers, now=now) == pytest.approx(30, abs=1)


def test_redaction_masks_the_key_and_key_like_strings():
    options = parse_options("openai", {"api_key": "sk-secret-abcdef"}, **DEFAULTS)
    client = UpstreamClient("openai", options, {})
    try:
        text = client.redact("Incorrect API key provided: sk-secret-abcdef; also sk-proj-zzzz99")
    finally:
        client.close()
    assert "secret" not in text and "zzzz99" not in text
