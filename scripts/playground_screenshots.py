"""Screenshots of the playground against a real `pixmill serve` on the design engine.

    python scripts/playground_screenshots.py [--out docs/playground]

Starts a server on a free loopback port with a fresh data directory and one key, drives
Debian's Chromium (as tests/web does) at 1280x900 and 390x844, and writes desktop.png,
zoom.png, phone.png, phone-results.png, error.png, history.png and edit.png.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from pixmill.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import provision  # noqa: E402
from tests.web.conftest import CHROMIUM_FLAGS, _free_port, chromium_path  # noqa: E402

KEY = "pm-screenshots"
PROMPT = 'A poster for "Night Market" with neon colours'
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    settings = Settings(_env_file=None, data_dir=data_dir)
    provision(settings, KEY, 30, name="screenshots")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIXMILL_")}
    env["PIXMILL_STARTER_KEY"] = "false"
    port = _free_port()
    command = [sys.executable, "-m", "pixmill", "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--data-dir", str(data_dir)], env=env, stdout=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(url + "/healthz").status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("pixmill serve did not start")
        time.sleep(0.2)


def open_page(browser: Any, url: str, viewport: dict[str, int]) -> Any:
    page = browser.new_context(viewport=viewport).new_page()
    page.set_default_timeout(120_000)
    page.goto(url + "/")
    page.fill("#api-key", KEY)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('credits-value').textContent !== '–'")
    page.wait_for_function("() => document.querySelectorAll('#model option').length > 0")
    page.evaluate("document.activeElement.blur()")  # no focus ring in the picture
    return page


def generate(page: Any, n: str) -> None:
    page.fill("#prompt", PROMPT)
    page.fill("#n", n)
    page.fill("#seed", "7")
    page.select_option("#partial_images", "2")
    page.click("#generate")
    page.wait_for_function(
        "() => document.getElementById('job-status').textContent === 'Done'"
        " && [...document.querySelectorAll('#result-images img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    page.mouse.move(0, 0)  # no hover styles in the picture


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/playground")
    args = parser.parse_args()
    executable = chromium_path()
    if executable is None:
        raise SystemExit("Chromium not found: install Debian's chromium or set PIXMILL_CHROMIUM")
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as data_dir:
        process, url = serve(Path(data_dir))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=executable, args=CHROMIUM_FLAGS
                )
                shoot(browser, url, args.out)
                browser.close()
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"screenshots in {args.out}")


def shoot(browser: Any, url: str, out: Path) -> None:
    page = open_page(browser, url, DESKTOP)
    generate(page, "2")
    page.screenshot(path=out / "desktop.png", full_page=True)

    page.locator("#result-images .zoom").first.click()
    page.wait_for_function("() => document.getElementById('zoom-image').complete")
    page.mouse.move(0, 0)
    page.screenshot(path=out / "zoom.png")
    page.keyboard.press("Escape")

    page.locator("#result-images button", has_text="Use as input").first.click()
    page.wait_for_function("() => document.getElementById('edit-base').width > 0")
    page.fill("#brush-size", "60")
    box = page.locator("#edit-mask").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.35)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.35, steps=16)
    page.mouse.up()
    page.fill("#edit-prompt", 'Add a sticker saying "Open late"')
    page.select_option("#edit-quality", "low")
    page.wait_for_function("() => /credits/.test(document.getElementById('edit-price').innerText)")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=out / "edit.png")

    page.click("#edit-submit")
    page.wait_for_function("() => document.getElementById('job-status').textContent === 'Done'")
    page.click("#tab-history")
    page.wait_for_function("() => document.querySelectorAll('#history .thumb img').length >= 2")
    page.mouse.move(0, 0)
    page.screenshot(path=out / "history.png")

    page.click("#tab-generate")
    page.select_option("#size", "custom")
    page.fill("#size-custom", "100x100")
    page.click("#generate")
    page.locator("#size-error").wait_for(state="visible")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=out / "error.png")
    page.context.close()

    phone = open_page(browser, url, PHONE)
    phone.screenshot(path=out / "phone.png")
    generate(phone, "1")
    phone.evaluate("document.getElementById('job').scrollIntoView()")
    phone.screenshot(path=out / "phone-results.png")
    phone.context.close()


if __name__ == "__main__":
    main()
