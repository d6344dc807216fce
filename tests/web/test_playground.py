"""The playground at /, driven in Debian's Chromium against a real `pixmill serve`.

The tests that make images go through the async jobs API (POST /v2/{model} and its
events), exactly as the page does.
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.web.conftest import KEY, POOR_KEY, Served

PROGRESS_WATCH = """() => {
  window.seen = { progress: [], statuses: [] };
  const progress = document.getElementById("job-progress");
  new MutationObserver(() => {
    window.seen.progress.push(progress.value);
    window.seen.statuses.push(document.getElementById("job-status").textContent);
  }).observe(document.getElementById("job"), {
    subtree: true, childList: true, attributes: true, characterData: true,
  });
}"""


def enter_key(page: Any, key: str = KEY) -> None:
    page.fill("#api-key", key)
    page.click("#key-save")


def credits_shown(page: Any, served: Served, key: str = KEY) -> None:
    """Waits until the page shows the key's balance as the server has it now."""
    answer = httpx.get(served.url + "/v1/get-user-credits", headers={"x-api-key": key})
    page.wait_for_function(
        "(credits) => document.getElementById('credits-value').textContent === credits",
        arg=answer.json()["credits"],
    )


def fill(page: Any, **params: str) -> None:
    """Sets generate-form controls by id; selects by value, inputs by typing."""
    for name, value in params.items():
        control = page.locator(f"#{name}")
        if control.evaluate("node => node.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


SETTLED = """() => document.querySelector("#result-images img.final")
  || [...document.querySelectorAll(".error")].some(slot => !slot.hidden)"""


def final_image(page: Any) -> Any:
    """Waits for the job's first final <img>, failing at once with any error the page shows."""
    page.wait_for_function(SETTLED, timeout=120_000)
    shown = page.locator(".error:visible").all_text_contents()
    assert not shown, shown
    return page.locator("#result-images img.final").first


def decode_data_url(src: str) -> Image.Image:
    match = re.fullmatch(r"data:image/[a-z+]+;base64,(.+)", src, flags=re.S)
    assert match, src[:80]
    image = Image.open(io.BytesIO(base64.b64decode(match[1])))
    image.load()
    return image


def copied_snippet(page: Any, language: str, prefix: str = "") -> str:
    """The code of a Code box (`prefix` "edit-" for the Edit tab's), copied with its button."""
    page.click(f"#{prefix}snippet-tab-{language}")
    page.click(f"#{prefix}snippet-copy")
    page.wait_for_function(
        f"() => document.getElementById('{prefix}snippet-copied').textContent === 'Copied.'"
    )
    return page.evaluate("navigator.clipboard.readText()")


def run_snippet(command: list[str], cwd: Path) -> None:
    env = os.environ | {"PIXMILL_API_KEY": KEY}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


# -- the static route ---------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data


def test_the_page_is_served_with_a_strict_content_security_policy(served: Served):
    response = httpx.get(served.url + "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    directives = response.headers["content-security-policy"].split("; ")
    policy = {directive.partition(" ")[0]: directive.partition(" ")[2] for directive in directives}
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"

    tags = _Tags()
    tags.feed(response.text)
    scripts = [attrs for tag, attrs in tags.tags if tag == "script"]
    assert scripts and all(attrs.get("src", "").startswith("/static/") for attrs in scripts)
    assert tags.script_text.strip() == ""  # no inline script
    for _, attrs in tags.tags:  # nothing from another origin, no inline handlers
        for name, value in attrs.items():
            assert not name.startswith("on"), name
            if name in ("src", "href") and value:
                assert value.startswith(("/", "#")), value


def test_static_files_ship_in_the_package_and_nothing_else_is_served(served: Served):
    script = httpx.get(served.url + "/static/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "content-security-policy" in script.headers
    for name in ("__init__.py", "..%2Fapp.py", "missing.js", ".hidden.js"):
        assert httpx.get(served.url + "/static/" + name).status_code == 404, name


# -- the page in a browser ----------------------------------------------------------


def test_a_typed_key_is_used_without_clicking_use_key(page):
    """Typed, never applied: Generate uses it. A key pasted counts at once, Enter too."""
    page.fill("#api-key", KEY)
    fill(page, prompt="a fox", size="custom")
    fill(page, **{"size-custom": "256x256"}, seed="3")
    page.click("#generate")
    assert decode_data_url(final_image(page).get_attribute("src")).size == (256, 256)
    assert page.evaluate("localStorage.getItem('pixmill.apiKey')") == KEY

    page.evaluate("localStorage.clear()")
    page.reload()
    page.evaluate("key => navigator.clipboard.writeText(key)", POOR_KEY)
    page.focus("#api-key")
    page.keyboard.press("Control+V")  # pasted, focus still in the box
    page.wait_for_function("() => document.getElementById('credits-value').textContent === '0'")
    assert page.evaluate("document.activeElement.id") == "api-key"

    page.fill("#api-key", KEY)
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('credits-value').textContent !== '0'")
    assert page.errors == []


def test_aliases_are_marked_in_the_model_list(page, served):
    enter_key(page)
    page.wait_for_selector("#model optgroup[label='Aliases'] option", state="attached")
    listed = httpx.get(served.url + "/v1/models", headers={"x-api-key": KEY}).json()["data"]
    aliases = {model["id"]: model["alias_for"] for model in listed if "alias_for" in model}
    assert aliases
    shown = page.locator("#model optgroup[label='Aliases'] option").evaluate_all(
        "options => options.map(o => [o.value, o.textContent])"
    )
    assert dict(shown) == {alias: f"{alias} → {model}" for alias, model in aliases.items()}
    models = page.locator("#model optgroup[label='Models'] option").evaluate_all(
        "options => options.map(o => o.textContent)"
    )
    assert not set(models) & set(aliases)


def test_the_price_shown_before_generate_is_what_the_job_costs(page, served):
    """From the server's own prices (GET /v1/models/{id}): a listed size, a size scaled by
    area, and the job's charge afterwards."""
    enter_key(page)
    pricing = httpx.get(served.url + "/v1/models/gpt-image-1", headers={"x-api-key": KEY}).json()[
        "pricing"
    ]
    page.select_option("#model", "gpt-image-1")
    fill(page, prompt="a fox", quality="low", size="1536x1024", n="2")
    listed = Decimal(pricing["per_image"]["low"]["1536x1024"]) * 2
    page.wait_for_function(
        "(text) => document.getElementById('price').textContent.startsWith(text)",
        arg=f"{listed.normalize():f} credits",
    )
    fill(page, size="custom")
    fill(page, **{"size-custom": "256x256"}, n="1", seed="9")
    scaled = round(Decimal(pricing["per_image"]["low"]["1024x1024"]) * 10**6 / 16) / Decimal(10**6)
    page.wait_for_function(
        "(text) => document.getElementById('price').textContent.startsWith(text)",
        arg=f"{scaled.normalize():f} credits",
    )
    page.click("#generate")
    final_image(page)
    meta = dict(
        zip(
            page.locator("#result-meta dt").all_text_contents(),
            page.locator("#result-meta dd").all_text_contents(),
            strict=True,
        )
    )
    assert meta["Cost"] == f"{scaled.normalize():f} credits"


def test_a_result_opens_full_size_and_closes(page):
    enter_key(page)
    fill(page, prompt="a fox", size="custom")
    fill(page, **{"size-custom": "256x384"}, seed="4")
    page.click("#generate")
    src = final_image(page).get_attribute("src")
    page.locator("#result-images .zoom").first.click()
    assert page.is_visible("#zoom")
    assert page.get_attribute("#zoom-image", "src") == src
    page.keyboard.press("Escape")
    page.wait_for_selector("#zoom", state="hidden")
    page.locator("#result-images .zoom").first.click()
    page.click("#zoom-image")  # a click anywhere closes it too
    page.wait_for_selector("#zoom", state="hidden")


def test_a_lost_submit_answer_is_retried_with_the_same_key_and_makes_one_job(page, served):
    """The first POST reaches the server, but its answer is dropped on the way back: the page
    retries under the same Idempotency-Key and follows the job the first one made."""
    posts: list[dict[str, str]] = []

    def lose_first_answer(route: Any) -> None:
        posts.append(route.request.headers)
        if len(posts) == 1:
            route.fetch()  # the server gets it and makes the job
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/v2/gpt-image-1", lose_first_answer)
    enter_key(page)
    page.select_option("#model", "gpt-image-1")
    prompt = "a fox whose first answer was lost"
    fill(page, prompt=prompt, size="custom")
    fill(page, **{"size-custom": "256x256"}, seed="6")
    page.click("#generate")
    final_image(page)
    assert len(posts) == 2
    keys = [headers.get("idempotency-key") for headers in posts]
    assert keys[0] and keys[0] == keys[1]
    jobs = httpx.get(served.url + "/v2/requests?limit=50", headers={"x-api-key": KEY}).json()
    assert [job["prompt"] for job in jobs["data"]].count(prompt) == 1


def test_a_key_shows_the_credits_and_the_models_and_is_remembered(page, served):
    assert page.locator("#credits-value").text_content() == "–"
    assert page.locator(".error:visible").count() == 0  # no key yet is not an error
    enter_key(page)
    credits_shown(page, served)
    models = page.locator("#model option").evaluate_all("options => options.map(o => o.value)")
    assert {"gpt-image-1", "design"} <= set(models)
    assert page.evaluate("localStorage.getItem('pixmill.apiKey')") == KEY
    page.reload()
    assert page.input_value("#api-key") == KEY
    credits_shown(page, served)
    assert page.errors == []


def test_the_browser_refuses_html_strings_and_inline_script(page):
    """Trusted Types: innerHTML and its kin take no strings, so API text can only be text."""
    refused = page.evaluate(
        """() => {
          try { document.body.insertAdjacentHTML("beforeend", "<b>x</b>"); return false; }
          catch (error) { return error instanceof TypeError; }
        }"""
    )
    assert refused
    page.evaluate(
        """() => {
          try {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
          } catch (error) {}
        }"""
    )
    assert page.evaluate("window.injected === undefined")


def test_a_key_can_be_entered_with_the_keyboard_alone(page, served):
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "api-key":
            break
    assert page.evaluate("document.activeElement.id") == "api-key"
    page.keyboard.type(KEY)
    page.keyboard.press("Enter")
    credits_shown(page, served)


@pytest.mark.parametrize("width, height", [(1280, 900), (390, 844)])
def test_the_page_fits_the_window_without_sideways_scrolling(page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    enter_key(page)
    page.fill("#prompt", "a long prompt " * 200)
    for tab in ("generate", "edit", "history"):
        page.click(f"#tab-{tab}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, tab


def test_a_wrong_key_is_explained_beside_the_key_field(page):
    enter_key(page, "pm-no-such-key")
    error = page.locator("#key-error")
    error.wait_for(state="visible")
    assert "did not accept this API key" in error.text_content()
    assert page.get_attribute("#api-key", "aria-invalid") == "true"


def test_the_prompt_counts_its_characters_against_the_limit(page):
    page.fill("#prompt", "a fox 🦊")
    assert page.text_content("#prompt-count") == "7 / 32,000 characters"
    page.fill("#prompt", "x" * 32_001)
    assert page.text_content("#prompt-count") == "32,001 / 32,000 characters"
    assert "over" in page.get_attribute("#prompt-count", "class")


def test_tabs_work_from_the_keyboard_and_edit_says_it_is_unavailable(page):
    page.focus("#tab-generate")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.id") == "tab-edit"
    assert page.get_attribute("#tab-edit", "aria-selected") == "true"
    assert page.is_visible("#panel-edit") and page.is_hidden("#panel-generate")
    assert "aren't available" in page.text_content("#edit-unavailable")
    page.keyboard.press("Home")
    assert page.is_visible("#panel-generate")


def test_the_python_and_curl_snippets_run_as_copied_make_the_same_image(page, tmp_path):
    enter_key(page)
    fill(page, prompt='A poster for "Night Market"', size="custom")
    fill(page, **{"size-custom": "256x384"}, quality="low", seed="1234")
    fill(page, output_format="webp", output_compression="80")
    python = copied_snippet(page, "python")
    assert 'extra_body={"seed": 1234}' in python and KEY not in python
    (tmp_path / "py").mkdir()
    run_snippet([sys.executable, "-c", python], tmp_path / "py")
    curl = copied_snippet(page, "curl")
    (tmp_path / "sh").mkdir()
    run_snippet(["bash", "-c", curl], tmp_path / "sh")
    from_python = Image.open(tmp_path / "py" / "image-1.webp")
    from_curl = Image.open(tmp_path / "sh" / "image.webp")
    assert from_python.size == (256, 384)
    assert from_python.tobytes() == from_curl.tobytes()
    node = copied_snippet(page, "node")
    assert '"seed": 1234' in node and 'require("axios")' in node


# -- jobs, through the async API (POST /v2/{model} and its events) ------------------


@pytest.mark.slow
def test_generate_shows_progress_partials_then_the_image_the_snippet_makes(page, served, tmp_path):
    """Two images with two partials each asked: progress moves between them, the partials
    the design engine sends (its layers as drawn) are real images of the asked size, at
    most two per image, and the first final <img> decodes to the same pixels that the
    copied Python snippet makes with the same seed."""
    enter_key(page)
    fill(page, prompt='A poster for "Night Market"', size="custom")
    fill(page, **{"size-custom": "512x768"}, seed="77", n="2", partial_images="2")
    page.evaluate(PROGRESS_WATCH)
    page.click("#generate")
    final = final_image(page)
    seen = page.evaluate("window.seen")
    assert any(0 < value < 1 for value in seen["progress"]), seen["progress"]
    assert any(re.fullmatch(r"Rendering: \d+%", text) for text in seen["statuses"]), seen
    partials = page.locator("#partials img")
    assert 0 < partials.count() <= 2 * 2
    assert page.is_visible("#partials-none") == (partials.count() == 0)  # said, not hidden
    for index in range(partials.count()):
        assert decode_data_url(partials.nth(index).get_attribute("src")).size == (512, 768)
    assert page.evaluate(
        "[...document.querySelectorAll('#partials img, #result-images img')]"
        ".every(img => img.complete && img.naturalWidth > 0)"
    )
    assert page.locator("#result-images img.final").count() == 2
    image = decode_data_url(final.get_attribute("src"))
    assert image.size == (512, 768)
    assert page.text_content("#job-status") == "Done"
    meta = page.text_content("#result-meta")
    assert "77" in meta and "credits" in meta
    credits_shown(page, served)  # the balance after the charge

    python = copied_snippet(page, "python")
    assert "n=2" in python
    run_snippet([sys.executable, "-c", python], tmp_path)
    made = Image.open(tmp_path / "image-1.png")
    assert made.convert("RGBA").tobytes() == image.convert("RGBA").tobytes()

    first_meta = page.text_content("#result-meta")
    page.locator("#result-images button", has_text="Same again with this seed").first.click()
    page.wait_for_function(
        "(old) => document.getElementById('result-meta').textContent !== old", arg=first_meta
    )
    assert page.input_value("#seed") == "77" and page.input_value("#n") == "1"
    again = decode_data_url(final_image(page).get_attribute("src"))
    assert again.convert("RGBA").tobytes() == image.convert("RGBA").tobytes()

    page.click("#tab-history")
    row = page.locator("#history li").first
    row.locator(".thumb img").wait_for(state="visible")
    assert 'A poster for "Night Market"' in row.text_content()
    assert page.errors == []


@pytest.mark.slow
def test_cancel_stops_a_slow_job(page, served):
    """The job ends CANCELLED on the server and its hold goes back: nothing is charged."""
    enter_key(page)
    page.wait_for_function("() => document.getElementById('credits-value').textContent !== '–'")
    before = page.text_content("#credits-value")
    fill(page, prompt="a very detailed city map", size="custom")
    fill(page, **{"size-custom": "3840x3840"}, quality="max", n="10", partial_images="0")
    page.click("#generate")
    page.wait_for_function(
        "() => /Queued|Rendering/.test(document.getElementById('job-status').textContent)"
        " || !document.getElementById('form-error').hidden"
    )
    assert page.is_hidden("#form-error"), page.text_content("#form-error")
    assert page.is_enabled("#cancel")
    page.click("#cancel")
    page.wait_for_function(
        "() => document.getElementById('job-status').textContent === 'Cancelled'", timeout=60_000
    )
    assert page.is_hidden("#results")
    assert page.is_enabled("#generate") and page.is_disabled("#cancel")
    newest = httpx.get(served.url + "/v2/requests?limit=1", headers={"x-api-key": KEY}).json()
    assert newest["data"][0]["status"] == "CANCELLED"
    page.wait_for_function(
        "(before) => document.getElementById('credits-value').textContent === before", arg=before
    )


def test_without_an_event_stream_the_job_is_polled_to_its_end(page):
    """A proxy that breaks streams: the events route never answers here, so the page polls
    GET /v2/requests/{id}/status and then fetches the result."""
    page.route("**/events", lambda route: route.abort())
    polled: list[str] = []
    page.on("request", lambda request: "/status" in request.url and polled.append(request.url))
    enter_key(page)
    fill(page, prompt="a fox", size="custom")
    fill(page, **{"size-custom": "256x256"}, seed="5")
    page.click("#generate")
    image = decode_data_url(final_image(page).get_attribute("src"))
    assert image.size == (256, 256)
    assert page.text_content("#job-status") == "Done" and polled


def test_a_parameter_error_is_shown_beside_its_control_as_text(page):
    """The submit's 400 names `size`; the value comes back as text, not markup."""
    enter_key(page)
    fill(page, prompt="a fox", size="custom")
    fill(page, **{"size-custom": "<b>100</b>x100"})
    page.click("#generate")
    error = page.locator("#size-error")
    error.wait_for(state="visible")
    assert "size" in error.text_content() and "<b>100</b>" in error.text_content()
    assert page.locator("#size-error b").count() == 0
    assert page.get_attribute("#size-custom", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "size-custom"
    assert page.is_hidden("#form-error")


def test_insufficient_credits_are_explained(page):
    """Segmind's 406 at submit, in words."""
    enter_key(page, POOR_KEY)
    page.wait_for_function("() => document.getElementById('credits-value').textContent === '0'")
    fill(page, prompt="a fox")
    page.click("#generate")
    error = page.locator("#form-error")
    error.wait_for(state="visible")
    assert "Insufficient credits" in error.text_content()


# -- edits ---------------------------------------------------------------------------


def edit_models(served: Served) -> list[str]:
    """The models GET /v1/models marks as able to edit: `"capabilities": {"edit": true}`
    (or `["edit"]`), as the page reads it."""
    listed = httpx.get(served.url + "/v1/models", headers={"x-api-key": KEY}).json()["data"]

    def can_edit(capabilities: Any) -> bool:
        if isinstance(capabilities, dict):
            return capabilities.get("edit") is True
        return isinstance(capabilities, list) and "edit" in capabilities

    return [model["id"] for model in listed if can_edit(model.get("capabilities"))]


def input_picture(path: Path) -> Path:
    picture = Image.new("RGB", (320, 240), (40, 90, 160))
    picture.save(path)
    return path


def paint(page: Any, tool: str, start: tuple[float, float], end: tuple[float, float]) -> None:
    """Drags across the mask with `tool`, from and to fractions of its width and height."""
    page.check(f'input[name="tool"][value="{tool}"]')
    mask = page.locator("#edit-mask")
    mask.scroll_into_view_if_needed()
    box = mask.bounding_box()
    at = [(box["x"] + box["width"] * x, box["y"] + box["height"] * y) for x, y in (start, end)]
    page.mouse.move(*at[0])
    page.mouse.down()
    page.mouse.move(*at[1], steps=12)
    page.mouse.up()


def painted_mask(page: Any, tmp_path: Path) -> Image.Image:
    """Loads a picture into the Edit tab, brushes a band across it and erases its middle."""
    page.click("#tab-edit")
    page.set_input_files("#edit-files", str(input_picture(tmp_path / "input.png")))
    page.wait_for_function("() => document.getElementById('edit-base').width === 320")
    page.fill("#brush-size", "30")
    paint(page, "brush", (0.1, 0.5), (0.9, 0.5))
    paint(page, "eraser", (0.5, 0.3), (0.5, 0.7))
    return decode_data_url(page.get_attribute("#mask-download", "href"))


def test_a_mask_painted_with_brush_and_eraser_is_transparent_where_painted(page, served, tmp_path):
    """The downloadable mask follows OpenAI's rule: the input's size, transparent where the
    picture may change (brushed), opaque elsewhere (never brushed, or erased)."""
    mask = painted_mask(page, tmp_path)
    # The file input says what was added, never "No file chosen": the native control is
    # kept for the keyboard, but out of sight.
    assert page.text_content("#edit-files-status") == "1 image added."
    assert page.locator("#edit-files").bounding_box()["width"] <= 1
    assert "320×240" in page.text_content("#edit-images")
    assert (mask.format, mask.mode, mask.size) == ("PNG", "RGBA", (320, 240))
    alpha = mask.getchannel("A")
    assert alpha.getpixel((64, 120)) == 0  # brushed
    assert alpha.getpixel((256, 120)) == 0
    assert alpha.getpixel((160, 120)) == 255  # brushed, then erased
    assert alpha.getpixel((64, 30)) == 255  # never touched
    editing = bool(edit_models(served))  # the Edit tab says so when no model can edit
    assert page.is_hidden("#edit-unavailable") == editing
    assert page.is_enabled("#edit-submit") == editing
    page.click("#mask-clear")
    assert page.is_hidden("#mask-download")


@pytest.mark.slow
def test_an_edit_with_a_painted_mask(page, served, tmp_path):
    """The page posts Segmind's edit form to /v2/{model}-edit with the picture, the painted
    mask and the Edit tab's own n and quality, shows an image of the input's size, marks
    the job as an edit in History; the copied Python snippet makes the same image."""
    model = edit_models(served)[0]
    enter_key(page)
    page.wait_for_function("() => document.querySelectorAll('#model option').length > 0")
    page.select_option("#model", model)
    fill(page, n="3", quality="high", seed="21")  # the Generate tab's: not the edit's
    assert page.is_enabled("#edit-submit")
    mask = painted_mask(page, tmp_path)
    page.fill("#edit-prompt", "Add a bright red star")  # no quoted text: the painted stroke is thin
    page.fill("#edit-n", "1")
    page.select_option("#edit-quality", "low")
    page.wait_for_function(
        "() => /credits/.test(document.getElementById('edit-price').textContent)"
    )
    with page.expect_request(lambda request: request.method == "POST") as posted:
        page.click("#edit-submit")
    body = posted.value.post_data_json
    assert posted.value.url.endswith(f"/v2/{model}-edit")
    assert (body["n"], body["quality"], body["seed"]) == (1, "low", 21)
    assert len(body["image_urls"]) == 1
    sent = Image.open(io.BytesIO(base64.b64decode(body["mask"])))
    assert sent.tobytes() == mask.tobytes()
    made = decode_data_url(final_image(page).get_attribute("src"))
    assert made.size == (320, 240)

    page.click("#tab-history")
    row = page.locator("#history li").first
    row.locator(".thumb img").wait_for(state="visible")
    assert row.locator(".badge").text_content() == "Edit"

    page.click("#tab-edit")
    mask.save(tmp_path / "mask.png")
    python = copied_snippet(page, "python", prefix="edit-")
    assert 'image=[open("input.png", "rb")]' in python and "mask.png" in python
    run_snippet([sys.executable, "-c", python], tmp_path)
    again = Image.open(tmp_path / "image-1.png")
    assert again.convert("RGBA").tobytes() == made.convert("RGBA").tobytes()
    run_snippet(["bash", "-c", copied_snippet(page, "curl", prefix="edit-")], tmp_path)
    answer = json.loads((tmp_path / "result.json").read_text())
    by_curl = Image.open(io.BytesIO(base64.b64decode(answer["data"][0]["b64_json"])))
    assert by_curl.convert("RGBA").tobytes() == made.convert("RGBA").tobytes()


def test_an_edit_with_a_model_that_cannot_edit_is_explained_beside_the_model(page):
    """Nothing is sent; the page names the models that can edit, beside the model.

    Every model of the test server can edit, so the real GET /v1/models answer is
    narrowed here, in the browser, to one editing model: the page's own choice is tested."""

    def one_model_edits(route: Any) -> None:
        answer = route.fetch()
        listed = answer.json()
        for model in listed["data"]:
            model["capabilities"] = {"edit": model["id"] == "gpt-image-1"}
        route.fulfill(response=answer, json=listed)

    page.route("**/v1/models", one_model_edits)
    page.reload()  # so that no list fetched before the route was set can be in use
    enter_key(page)
    page.wait_for_function("() => !document.getElementById('edit-submit').disabled")
    # The key's own reload of the list refills the select: choose once it has come.
    page.wait_for_load_state("networkidle")
    page.select_option("#model", "design")
    posted: list[str] = []
    page.on("request", lambda request: request.method == "POST" and posted.append(request.url))
    page.click("#tab-edit")
    page.click("#edit-submit")
    error = page.locator("#model-error")
    error.wait_for(state="visible")
    assert error.text_content() == "design can't edit images. Models that can: gpt-image-1."
    assert page.is_visible("#panel-generate")
    assert page.get_attribute("#model", "aria-invalid") == "true"
    assert posted == []
