"""`response_format: "url"` end to end: real servers on loopback, the official openai SDK,
litellm and raw httpx; every link fetched without a key and its image decoded.

Every 200 answer is checked strictly against OpenAI's ImagesResponse schema, and every
404 of a link against its ErrorResponse.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import numpy as np
import openai
import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from PIL import Image
from sqlalchemy import update

from pixmill.jobs.tables import JobRecord
from pixmill.jobs.tokens import LINK_SALT, signing_key
from pixmill.settings import Settings
from tests.api.edit_images import photo
from tests.conftest import API_KEY, make_settings, provision, running_server, state_of
from tests.fakes import FakeEngine
from tests.openai_schema import check

OPENAI = "/v1/images/generations"
FILES = "/v1/images/files/"


@pytest.fixture
def served(tmp_path) -> Iterator[tuple[str, Any, Settings]]:
    """A real server on the fake engine: its URL, its app state and its settings."""
    settings = make_settings(data_dir=tmp_path)
    with running_server(settings, {"design": FakeEngine()}) as (url, server):
        yield url, state_of(server), settings


@pytest.fixture
def client(served) -> Iterator[httpx.Client]:
    with keyed_client(served[0]) as client:
        yield client


@contextlib.contextmanager
def serving(tmp_path, **overrides: Any) -> Iterator[tuple[str, httpx.Client]]:
    """A server on the fake engine with these settings: its URL, and a client with the key."""
    settings = make_settings(data_dir=tmp_path, **overrides)
    with (
        running_server(settings, {"design": FakeEngine()}) as (url, _),
        keyed_client(url) as client,
    ):
        yield url, client


def keyed_client(url: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY})


def generate(client: httpx.Client, host: str | None = None, **body: Any) -> httpx.Response:
    """POST OpenAI's generations with `body` (and a prompt), naming `host` in Host."""
    headers = {"host": host} if host is not None else {}
    return client.post(OPENAI, json={"prompt": "a kite", **body}, headers=headers)


def answered(response: httpx.Response) -> dict[str, Any]:
    """A 200 answer's body, checked against OpenAI's ImagesResponse schema."""
    assert response.status_code == 200, response.text
    body = response.json()
    check("ImagesResponse", body)
    return body


def fetch(url: str, **kwargs: Any) -> httpx.Response:
    """A link as a browser or an SDK user reads it: a plain GET, no key."""
    return httpx.get(url, timeout=30, **kwargs)


def picture(response: httpx.Response) -> Image.Image:
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def gone(response: httpx.Response) -> None:
    """A link that leads nowhere: 404 in OpenAI's error shape, whatever the reason."""
    assert response.status_code == 404, response.text
    check("ErrorResponse", response.json())
    assert response.json()["error"]["code"] == "not_found"


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1]


def sign(settings: Settings, payload: list[Any], *, age: float = 0) -> str:
    """A link token signed with the server's own secret, as if made `age` seconds ago."""

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time() - age)

    serializer = URLSafeTimedSerializer(signing_key(settings), salt=LINK_SALT, signer=Earlier)
    return serializer.dumps(payload)


# The official SDK


def test_sdk_generate_links_read_without_a_key(served):
    url, _, settings = served
    sdk = openai.OpenAI(base_url=url + "/v1", api_key=API_KEY, max_retries=0)
    linked = sdk.images.generate(
        prompt="a kite", model="gpt-image-1", n=2, response_format="url", extra_body={"seed": 7}
    )
    check("ImagesResponse", linked.model_dump(exclude_unset=True))
    assert [image.b64_json for image in linked.data] == [None, None]
    inline = sdk.images.generate(
        prompt="a kite",
        model="gpt-image-1",
        n=2,
        response_format="b64_json",
        extra_body={"seed": 7},
    )
    for link, image in zip(linked.data, inline.data, strict=True):
        assert link.url.startswith(f"{url}{FILES}")
        response = fetch(link.url)
        assert response.headers["content-type"] == "image/png"
        cache, max_age = response.headers["cache-control"].split(", max-age=")
        assert cache == "private"
        assert 0 < int(max_age) <= settings.result_retention_seconds
        got = picture(response)
        assert (got.format, got.size) == ("PNG", (1024, 1024))
        # The same seed in base64: the same pixels.
        expected = Image.open(io.BytesIO(base64.b64decode(image.b64_json)))
        assert np.array_equal(np.asarray(got), np.asarray(expected))
    assert fetch(linked.data[0].url).content != fetch(linked.data[1].url).content


def test_sdk_edit_links(design_server):
    sdk = openai.OpenAI(base_url=design_server + "/v1", api_key=API_KEY, max_retries=0)
    result = sdk.images.edit(
        model="gpt-image-1",
        image=("photo.png", photo(), "image/png"),
        prompt='A poster for "Night Market" with this photo',
        quality="low",
        response_format="url",
        # Some seeds' treatments grade the photo (a duotone): its red would not count.
        extra_body={"seed": 1},
    )
    check("ImagesResponse", result.model_dump(exclude_unset=True))
    assert result.data[0].b64_json is None
    image = picture(fetch(result.data[0].url))
    assert (image.format, f"{image.width}x{image.height}") == ("PNG", result.size)
    # The red disc of the photo is in the picture.
    rgb = np.asarray(image.convert("RGB")).astype(int)
    red, green, blue = rgb[:, :, 0], rgb[:, :, 1], rgb[:, :, 2]
    assert ((red - green > 50) & (red - blue > 50)).sum() > 20_000


def test_content_type_follows_the_output_format(client):
    body = answered(generate(client, response_format="url", output_format="webp", size="512x512"))
    response = fetch(body["data"][0]["url"])
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (picture(response).format, picture(response).size) == ("WEBP", (512, 512))


# Defaults by model, streams


@pytest.mark.parametrize("model", ["dall-e-3", "dall-e-2"])
def test_dalle_names_answer_links_by_default(client, model):
    body = answered(generate(client, model=model))
    assert list(body["data"][0]) == ["url"]
    assert picture(fetch(body["data"][0]["url"])).format == "PNG"
    # As on OpenAI's API, b64_json when asked; and null is "not given".
    inline = answered(generate(client, model=model, response_format="b64_json"))
    assert list(inline["data"][0]) == ["b64_json"]
    null = answered(generate(client, model=model, response_format=None))
    assert list(null["data"][0]) == ["url"]


@pytest.mark.parametrize("model", [None, "gpt-image-1", "gpt-image-2", "chatgpt-image-latest"])
def test_other_names_answer_base64_by_default(client, model):
    body = answered(generate(client, model=model))
    assert list(body["data"][0]) == ["b64_json"]


def test_a_stream_with_links_is_refused(client):
    response = generate(client, stream=True, response_format="url")
    assert response.status_code == 400
    check("ErrorResponse", response.json())
    assert response.json()["error"]["param"] == "response_format"
    # A DALL·E name streams base64, as streams only can.
    request = {"prompt": "a kite", "model": "dall-e-3", "stream": True}
    with client.stream("POST", OPENAI, json=request) as stream:
        assert stream.status_code == 200
        text = stream.read().decode()
    completed = [line for line in text.splitlines() if '"image_generation.completed"' in line]
    assert len(completed) == 1
    assert json.loads(completed[0].removeprefix("data: "))["b64_json"]


# litellm


@pytest.mark.slow
def test_litellm_links(served, monkeypatch):
    url = served[0]
    monkeypatch.setenv("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    litellm = pytest.importorskip("litellm")
    # litellm refuses `response_format` (it sends GPT-Image parameters only): it goes in
    # extra_body; a DALL·E name needs none.
    for model, extra in (
        ("openai/dall-e-3", {}),
        ("openai/gpt-image-1", {"extra_body": {"response_format": "url"}}),
    ):
        response = litellm.image_generation(
            prompt="a kite", model=model, api_base=url + "/v1", api_key=API_KEY, **extra
        )
        assert response.data[0].url.startswith(f"{url}{FILES}")
        assert picture(fetch(response.data[0].url)).size == (1024, 1024)


# Where links point


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost@evil.example"]
)
def test_a_forged_host_gets_no_link(client, served, host):
    response = generate(client, host, model="dall-e-3")
    assert response.status_code == 400
    check("ErrorResponse", response.json())
    error = response.json()["error"]
    assert error["param"] == "response_format"
    assert "PIXMILL_ALLOWED_HOSTS" in error["message"]
    # Nothing was held or charged for it, and base64 is answered whatever the Host.
    assert response.headers["x-remaining-credits"] == "1000"
    inline = generate(client, host, model="dall-e-3", response_format="b64_json")
    assert answered(inline)["data"][0]["b64_json"]


def test_loopback_names_are_allowed_hosts(client, served):
    url = served[0]
    port = url.rsplit(":", 1)[1]
    for host in (f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        body = answered(generate(client, host, model="dall-e-2"))
        link = body["data"][0]["url"]
        assert link.startswith(f"http://{host}{FILES}")
        # The same path, on the address the test can reach.
        assert picture(fetch(url + FILES + token_of(link))).format == "PNG"


def test_allowed_hosts_setting(tmp_path):
    with serving(tmp_path, allowed_hosts="*.pixmill.test, images.internal") as (_, client):
        for host in ("eu.pixmill.test:8443", "images.internal"):
            body = answered(generate(client, host, model="dall-e-3"))
            assert body["data"][0]["url"].startswith(f"http://{host}{FILES}")
        for host in ("pixmill.test", "images.internal.evil.example"):
            assert generate(client, host, model="dall-e-3").status_code == 400


def test_public_url_is_used(tmp_path):
    public = "https://images.example.test/pix"
    with serving(tmp_path, public_url=public + "/") as (url, client):
        # Whatever Host the request names: behind a proxy, the proxy's own.
        link = answered(generate(client, "internal:9000", model="dall-e-3"))["data"][0]["url"]
        assert link.startswith(f"{public}{FILES}")
        # What the proxy would forward: the path without its prefix.
        assert picture(fetch(url + FILES + token_of(link))).format == "PNG"
        # The async API's links come from it too.
        job = client.post("/v2/gpt-image-1", json={"prompt": "x"}).json()
        assert job["status_url"].startswith(f"{public}/v2/requests/")


def test_public_url_must_be_http():
    with pytest.raises(ValueError, match="PIXMILL_PUBLIC_URL"):
        Settings(_env_file=None, public_url="ftp://images.example.test")


# Links that lead nowhere


def test_bad_expired_and_purged_links_are_404(client, served):
    url, state, settings = served
    response = generate(client, response_format="url", n=2)
    body = answered(response)
    job_id = response.headers["x-request-id"]
    link = body["data"][0]["url"]
    assert fetch(link).status_code == 200
    token = token_of(link)
    future = int(time.time()) + 600
    retention = settings.result_retention_seconds
    for bad in (
        token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),  # the signature changed
        token.replace(token.split(".")[0], token.split(".")[0][::-1]),  # the payload changed
        "not-a-token",
        sign(settings, [job_id, 5, future]),  # an image the job does not have
        sign(settings, [job_id, -1, future]),
        sign(settings, [job_id, "0", future]),
        sign(settings, [job_id, 0, int(time.time()) - 1]),  # past the job's expiry
        sign(settings, [job_id, 0, future], age=retention + 60),  # older than retention
    ):
        gone(fetch(f"{url}{FILES}{bad}"))
    # Signed by another secret, or an events token (another salt), for the same job.
    other = URLSafeTimedSerializer("another-secret", salt=LINK_SALT).dumps([job_id, 0, future])
    gone(fetch(f"{url}{FILES}{other}"))
    gone(fetch(f"{url}{FILES}{state.scheduler.tokens.make(job_id, 'acct')}"))
    # A valid token signed now works: the checks above are what refused the others.
    assert fetch(f"{url}{FILES}{sign(settings, [job_id, 1, future])}").status_code == 200
    # Once retention purges the job, its links lead nowhere, though they have not ended.
    store = state.scheduler.store
    with store.db.begin() as connection:
        connection.execute(
            update(JobRecord).where(JobRecord.id == job_id).values(expires_at=JobRecord.created_at)
        )
    assert store.purge_expired() == 1
    gone(fetch(link))


def test_a_link_is_the_credential_and_nothing_more(client, served, tmp_path):
    """Links are bearer links, as OpenAI's: anyone holding one reads that image, with any
    key or none; the job behind it stays the account's own."""
    url, _, settings = served
    response = generate(client, model="dall-e-3")
    link = answered(response)["data"][0]["url"]
    provision(settings, "pm-other-key", 10, name="other")
    other = {"x-api-key": "pm-other-key"}
    assert fetch(link, headers=other).status_code == 200
    assert fetch(link, headers={"x-api-key": "pm-unknown"}).status_code == 200
    job_id = response.headers["x-request-id"]
    assert httpx.get(f"{url}/v2/requests/{job_id}", headers=other).status_code == 404


# Replays and usage


def test_an_idempotent_replay_gives_working_links(client):
    request = {"prompt": "a kite", "model": "dall-e-3"}
    headers = {"Idempotency-Key": "links-once"}
    first = client.post(OPENAI, json=request, headers=headers)
    again = client.post(OPENAI, json=request, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["x-request-id"] == first.headers["x-request-id"]
    images = [fetch(answered(r)["data"][0]["url"]).content for r in (first, again)]
    assert images[0] == images[1] and picture(fetch(answered(again)["data"][0]["url"]))


def test_usage_keeps_the_name_asked_and_the_model_resolved(client, served):
    state = served[1]
    done = generate(client, model="dall-e-3")
    refused = generate(client, "evil.example", model="dall-e-2")
    unknown = generate(client, model="dall-e-4")
    state.usage_writer.flush()
    records = [
        state.accounts.usage.get(r.headers["x-request-id"]) for r in (done, refused, unknown)
    ]
    assert [(r.model, r.resolved_model, r.status) for r in records] == [
        ("dall-e-3", "gpt-image-1", 200),
        ("dall-e-2", "gpt-image-1", 400),
        ("dall-e-4", None, 400),
    ]
