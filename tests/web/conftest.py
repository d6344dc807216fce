"""A real `pixmill serve` subprocess on loopback, and Debian's Chromium driven by playwright.

Browser tests skip, saying why, when Chromium or the playwright package is missing;
nothing here downloads a browser (`scripts/install test` installs Debian's chromium).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from pixmill.settings import Settings
from tests.conftest import provision

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KEY = "pm-playground-key"
POOR_KEY = "pm-playground-poor"  # an account with no credits


def chromium_path() -> str | None:
    """The system Chromium: $PIXMILL_CHROMIUM, else Debian's /usr/bin/chromium, else PATH."""
    for candidate in (os.environ.get("PIXMILL_CHROMIUM"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file():
            return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(frozen=True)
class Served:
    url: str
    data_dir: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`python -m pixmill serve` on a free loopback port, with KEY (1000 credits) and
    POOR_KEY (none); rate and poll limits off, no starter key."""
    data_dir = tmp_path_factory.mktemp("playground-data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXMILL_")}
    env |= {
        "PIXMILL_STARTER_KEY": "false",
        "PIXMILL_REQUESTS_PER_MINUTE": "0",
        "PIXMILL_IMAGES_PER_MINUTE": "0",
        # History loads a thumbnail per finished job (GET /v2/requests/{id}), each a poll.
        "PIXMILL_STATUS_POLLS_PER_MINUTE": "0",
    }
    settings = Settings(_env_file=None, data_dir=data_dir)
    provision(settings, KEY, 1000, name="playground")
    provision(settings, POOR_KEY, 0, name="poor")
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "pixmill", "serve", "--port", str(port),
         "--data-dir", str(data_dir)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(url + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "pixmill serve did not start"
            time.sleep(0.2)
        yield Served(url, data_dir)
    finally:
        process.terminate()
        process.wait(timeout=30)
        reader.join(timeout=5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "Chromium not found: install Debian's chromium (scripts/install test does, as root) "
            "or set PIXMILL_CHROMIUM"
        )
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing (pip install playwright)"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh desktop-sized page on the playground, with clipboard access; page errors fail."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900},
        permissions=["clipboard-read", "clipboard-write"],
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Failed API calls log console errors by design; CSP violations must not happen.
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.set_default_timeout(30_000)
    page.goto(served.url + "/")
    page.errors = errors
    yield page
    context.close()
