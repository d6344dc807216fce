"""Webhooks: signed per Standard Webhooks, retried with backoff, never sent to private
targets unless allow-listed."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from tests.conftest import API_KEY, make_settings, running_server, serving_in_thread, state_of
from tests.fakes import FakeEngine
from tests.jobs.test_async_api import BODY, wait_for


class Receiver:
    """A webhook receiver on loopback that fails its first `failures` deliveries."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.received = threading.Event()
        self.app = FastAPI()
        self.app.post("/hook")(self.hook)

    async def hook(self, request: Request) -> Response:
        self.deliveries.append((dict(request.headers), await request.body()))
        if len(self.deliveries) <= self.failures:
            return Response(status_code=500)
        self.received.set()
        return Response(status_code=204)


def _server(tmp_path, **overrides: Any):
    settings = make_settings(
        data_dir=tmp_path,
        url_allow_list=["127.0.0.1"],
        webhook_backoff_seconds=0.1,
        **overrides,
    )
    return running_server(settings, {"design": FakeEngine()})


def test_a_webhook_is_signed_and_verifies(tmp_path):
    receiver = Receiver()
    with serving_in_thread(receiver.app) as (hook_url, _), _server(tmp_path) as (url, server):
        client = httpx.Client(base_url=url, timeout=30, headers={"x-api-key": API_KEY})
        job = client.post(
            "/v2/gpt-image-1", json={**BODY, "webhook_url": hook_url + "/hook"}
        ).json()
        wait_for(client, job["request_id"], {"COMPLETED"})
        assert receiver.received.wait(10)
        headers, body = receiver.deliveries[0]
        secret = state_of(server).scheduler.webhooks.secrets.get(_account_of(server))
        payload = Webhook(secret).verify(body, headers)
        assert payload["request_id"] == job["request_id"]
        assert payload["status"] == "COMPLETED"
        assert payload["response_url"] == job["response_url"]
        assert "b64_json" not in body.decode()  # a link to the result, not the images
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "A" * 32).verify(body, headers)
        client.close()


def test_a_failed_delivery_is_retried_and_every_attempt_recorded(tmp_path):
    receiver = Receiver(failures=2)
    with serving_in_thread(receiver.app) as (hook_url, _), _server(tmp_path) as (url, server):
        client = httpx.Client(base_url=url, timeout=30, headers={"x-api-key": API_KEY})
        job = client.post(
            "/v2/gpt-image-1", json={**BODY, "webhook_url": hook_url + "/hook"}
        ).json()
        assert receiver.received.wait(20)
        webhooks = state_of(server).scheduler.webhooks
        deadline = time.monotonic() + 5
        while len(webhooks.attempts(job["request_id"])) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        attempts = webhooks.attempts(job["request_id"])
        assert [(a.attempt, a.status) for a in attempts] == [(1, 500), (2, 500), (3, 204)]
        assert len({headers["webhook-id"] for headers, _ in receiver.deliveries}) == 1
        client.close()


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "ftp://example.com/hook",
        "not a url",
    ],
)
def test_private_and_odd_targets_are_refused_at_submit(tmp_path, target):
    settings = make_settings(data_dir=tmp_path)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        response = httpx.post(
            url + "/v2/gpt-image-1",
            json={**BODY, "webhook_url": target},
            headers={"x-api-key": API_KEY},
        )
        assert response.status_code == 400
        assert response.json()["param"] == "webhook_url"


def _account_of(server) -> str:
    store = state_of(server).accounts
    return store.keys.authenticate(API_KEY).account_id


def test_the_secret_is_shown_and_rotated_through_the_admin_api_and_the_cli(tmp_path):
    from typer.testing import CliRunner

    from pixmill.cli import app

    token = "admin-token-for-webhooks"
    settings = make_settings(data_dir=tmp_path, admin_token=token)
    with running_server(settings, {"design": FakeEngine()}) as (url, server):
        account = _account_of(server)
        admin = httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"})
        path = f"/admin/accounts/{account}/webhook-secret"
        first = admin.get(path).json()["webhook_secret"]
        assert first.startswith("whsec_") and admin.get(path).json()["webhook_secret"] == first
        rotated = admin.post(path).json()["webhook_secret"]
        assert rotated != first and admin.get(path).json()["webhook_secret"] == rotated
        assert admin.get("/admin/accounts/acct_nope/webhook-secret").status_code == 404
        assert httpx.get(url + path).status_code == 401
        admin.close()
    env = {
        "PIXMILL_DATA_DIR": str(tmp_path),
        "PIXMILL_DATABASE_URL": settings.accounts_database_url(),
    }
    shown = CliRunner().invoke(app, ["webhooks", "secret", account], env=env)
    assert shown.exit_code == 0 and shown.output.strip() == rotated
    again = CliRunner().invoke(app, ["webhooks", "secret", account, "--rotate"], env=env)
    assert again.exit_code == 0 and again.output.strip() not in (rotated, "")
    missing = CliRunner().invoke(app, ["webhooks", "secret", "acct_nope"], env=env)
    assert missing.exit_code == 2
