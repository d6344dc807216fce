"""Logging for `pixmill serve`: one line per record, as text or JSON, with secrets masked.

Callers' strings (a `user`, a path, an exception's text) reach log messages, so a record
is made safe as it is formatted, not at each call site:

- text: control characters in the message are escaped (`\\r\\n` becomes the four
  characters `\\r\\n`), and a traceback's lines are indented, so no caller can start a
  line of their own;
- json (`PIXMILL_LOG_FORMAT=json`): one JSON object per line, which escapes them anyway.

Either way API keys (`pm_...`), SHA-256 key digests, the admin token and credentials in
a URL's query (`?token=`) are masked.
SQLAlchemy's engines are made with `hide_parameters=True`, so SQL errors carry no bound
values in the first place (`pixmill.accounts.db`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]
MASK = "[redacted]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")
_SECRETS = re.compile(r"\bpm_[A-Za-z0-9_\-]{8,}|\b[0-9a-f]{64}\b")
"""Keys as pixmill makes them, and SHA-256 hex digests (how keys are stored)."""
_TOKEN_QUERY = re.compile(r"([?&](?:token|api_key|key)=)[^&\s\"']+")
"""Credentials in a URL's query, as an access log line shows it (an EventSource's token)."""


def escape(text: str) -> str:
    """Control characters as visible escapes: `\\n`, `\\r`, `\\t`, else `\\xNN`/`\\uNNNN`."""
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in special:
        return special[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


class Redactor:
    """Masks keys, digests and the given secrets (the admin token) in a line."""

    def __init__(self, secrets: tuple[str, ...] = ()):
        self.secrets = tuple(secret for secret in secrets if secret)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return _TOKEN_QUERY.sub(rf"\g<1>{MASK}", _SECRETS.sub(MASK, text))


class TextFormatter(logging.Formatter):
    """`LEVEL logger message`, one line; a traceback follows on indented lines."""

    def __init__(self, redact: Redactor):
        super().__init__("%(levelname)s %(name)s %(message)s")
        self.redact = redact

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape(record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        line, *rest = super().format(record).split("\n")
        # Traceback lines come from Python, but an exception's text may quote a caller.
        rest = ["  " + escape(part) for part in rest]
        return self.redact("\n".join([line, *rest]))


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, and exception if any."""

    def __init__(self, redact: Redactor):
        super().__init__()
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": self.redact(record.getMessage()),
        }
        if record.exc_info:
            entry["exception"] = self.redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a record comes, as logging's last resort does."""

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def setup_logging(
    level: str = "info", log_format: LogFormat = "text", secrets: tuple[str, ...] = ()
) -> None:
    """Send every logger's records, uvicorn's too, through one safe handler on stderr.

    Like `logging.basicConfig`, it leaves a root logger that already has handlers alone
    (an embedding program's, or a test runner's); called again, it replaces its own."""
    root = logging.getLogger()
    if any(not isinstance(handler, StderrHandler) for handler in root.handlers):
        return
    redact = Redactor(secrets)
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter(redact) if log_format == "json" else TextFormatter(redact))
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers would write its lines unescaped; let them reach the root.
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
