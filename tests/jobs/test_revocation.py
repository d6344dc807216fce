"""Revoking a key ends what stands in for it in URLs: its jobs' events tokens and the
image links of its answers. Until then both work without the key."""

from __future__ import annotations

import httpx

from tests.conftest import API_KEY, make_settings, running_server, state_of
from tests.fakes import FakeEngine

BODY = {"prompt": "a kite", "size": "256x256", "quality": "low"}


def test_revoking_a_key_ends_its_events_tokens_and_image_links(tmp_path):
    settings = make_settings(data_dir=tmp_path)
    with (
        running_server(settings, {"design": FakeEngine()}) as (url, server),
        httpx.Client(base_url=url, timeout=60, headers={"x-api-key": API_KEY}) as client,
    ):
        linked = client.post("/v1/images/generations", json={**BODY, "response_format": "url"})
        assert linked.status_code == 200, linked.text
        link = linked.json()["data"][0]["url"]
        submitted = client.post("/v2/gpt-image-1", json=BODY).json()
        events = f"/v2/requests/{submitted['request_id']}/events"
        token = {"token": submitted["events_token"]}
        # Without a key, both work while the key does.
        assert httpx.get(link, timeout=30).status_code == 200
        with httpx.stream("GET", url + events, params=token, timeout=30) as stream:
            assert stream.status_code == 200

        keys = state_of(server).accounts.keys
        keys.revoke(keys.authenticate(API_KEY).id)

        assert httpx.get(link, timeout=30).status_code == 404
        refused = httpx.get(url + events, params=token, timeout=30)
        assert refused.status_code == 401, refused.text
        assert "revoked" in refused.json()["error"]
