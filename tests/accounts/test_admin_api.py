"""The admin API under /admin: the token, each endpoint, and clear 4xx answers to bad calls."""

from __future__ import annotations

import http.client
import json
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from pixmill.accounts.store import AccountStore
from pixmill.settings import Settings
from tests.conftest import running_server
from tests.fakes import FakeEngine

TOKEN = "admin-test-token"
PROMPT = {"prompt": "a red fox", "size": "256x256", "quality": "low"}


def admin_settings(data_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "admin_token": TOKEN,
        "requests_per_minute": 0,
        "images_per_minute": 0,
    }
    return Settings(_env_file=None, **(values | overrides))


@pytest.fixture
def admin(tmp_path: Path, database_url: str) -> Iterator[httpx.Client]:
    """A client with the admin token, on a real server over each database backend."""
    with (
        running_server(admin_settings(tmp_path, database_url), {"design": FakeEngine()}) as (
            url,
            _,
        ),
        httpx.Client(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def sqlite_admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """One server for the many bad-input cases, on SQLite."""
    data = tmp_path_factory.mktemp("admin")
    settings = admin_settings(data, f"sqlite:///{data / 'accounts.db'}")
    with (
        running_server(settings, {"design": FakeEngine()}) as (url, _),
        httpx.Client(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {TOKEN}"}
        ) as client,
    ):
        yield client


def generate(client: httpx.Client, key: str) -> httpx.Response:
    return client.post("/v1/gpt-image-1", json=PROMPT, headers={"x-api-key": key})


def test_the_admin_api_is_absent_without_a_token(tmp_path):
    settings = Settings(_env_file=None, data_dir=tmp_path)
    with running_server(settings, {"design": FakeEngine()}) as (url, _):
        for token in (None, "anything"):
            headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
            response = httpx.get(url + "/admin/accounts", headers=headers)
            assert response.status_code == 404
            assert response.json()["error"]["code"] == "not_found"
        openapi = httpx.get(url + "/openapi.json").json()
        assert not any(path.startswith("/admin") for path in openapi["paths"])


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
    ],
)
def test_a_missing_or_wrong_token_gets_401(sqlite_admin, authorization: str | None):
    headers = {} if authorization is None else {"Authorization": authorization}
    # The token is checked first: a bad body from a stranger is still a 401.
    for method, path, body in (
        ("GET", "/admin/accounts", None),
        ("POST", "/admin/keys", b"{not json"),
        ("GET", "/admin/usage?days=-1", None),
    ):
        request = sqlite_admin.build_request(method, path, content=body)
        request.headers.pop("authorization")
        request.headers.update(headers)
        response = sqlite_admin.send(request)
        assert response.status_code == 401, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid_admin_token"
        assert TOKEN not in response.text


def test_accounts_keys_credits_and_usage_end_to_end(admin, caplog):
    caplog.set_level(logging.DEBUG)
    # 1. An account with credits, listed and shown.
    account = admin.post("/admin/accounts", json={"name": "acme", "credits": "10.5"})
    assert account.status_code == 200, account.text
    account_id = account.json()["id"]
    assert account.json()["balance"] == "10.5"
    assert account.json()["keys"] == []
    listed = admin.get("/admin/accounts").json()["data"]
    assert {"id": account_id, "object": "account", "name": "acme", "balance": "10.5"} in listed

    # 2. Credits granted, as a number this time.
    granted = admin.post(
        f"/admin/accounts/{account_id}/credits", json={"amount": 1.25, "note": "top-up"}
    )
    assert granted.status_code == 200, granted.text
    assert granted.json()["balance"] == "11.75"

    # 3. A key for the account; its secret is in this answer only.
    created = admin.post(
        "/admin/keys",
        json={"name": "ci", "account_id": account_id, "credits": 1, "requests_per_minute": 100},
    )
    assert created.status_code == 200, created.text
    key = created.json()
    secret, key_id = key["key"], key["id"]
    assert secret.startswith("pm_") and key["prefix"] == secret[:8]
    assert key["balance"] == "12.75"
    assert (key["state"], key["requests_per_minute"], key["images_per_minute"]) == (
        "active",
        100,
        None,
    )
    shown = admin.get(f"/admin/keys/{key_id}").json()
    assert shown["state"] == "active" and "key" not in shown
    of_account = admin.get("/admin/keys", params={"account_id": account_id}).json()["data"]
    assert [k["id"] for k in of_account] == [key_id]
    assert admin.get("/admin/keys", params={"account_id": "acct_none"}).json()["data"] == []

    # 4. The key pays for a generation.
    response = generate(admin, secret)
    assert response.status_code == 200, response.text
    remaining = response.headers["x-remaining-credits"]
    cost = response.headers["x-cost"]
    detail = admin.get(f"/admin/accounts/{account_id}").json()
    assert detail["balance"] == remaining == detail["ledger_sum"]
    assert float(remaining) == pytest.approx(12.75 - float(cost))
    assert [k["id"] for k in detail["keys"]] == [key_id]

    # 5. Usage per key and day.
    usage = admin.get("/admin/usage", params={"key_id": key_id, "days": 1}).json()
    [row] = usage["data"]
    assert row["day"] == datetime.now(UTC).date().isoformat()
    counts = (row["key_id"], row["requests"], row["succeeded"], row["images"], row["credits"])
    assert counts == (key_id, 1, 1, 1, cost)

    # 6. Revoked, the key is refused; revoking again keeps the first time.
    revoked = admin.post(f"/admin/keys/{key_id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    again = admin.post(f"/admin/keys/{key_id}/revoke").json()
    assert again["revoked_at"] == revoked.json()["revoked_at"]
    refused = generate(admin, secret)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error"]

    # Nothing logged the secret.
    assert secret not in caplog.text


def test_a_key_without_an_account_gets_its_own_and_can_expire(admin):
    expires = datetime.now(UTC) + timedelta(seconds=1)
    created = admin.post(
        "/admin/keys",
        json={"name": "trial", "credits": "2", "expires_at": expires.isoformat()},
    )
    assert created.status_code == 200, created.text
    key = created.json()
    assert (key["state"], key["balance"]) == ("active", "2")
    time.sleep(max(0.0, (expires - datetime.now(UTC)).total_seconds()) + 0.05)
    assert admin.get(f"/admin/keys/{key['id']}").json()["state"] == "expired"
    account = admin.get(f"/admin/accounts/{key['account_id']}").json()
    assert (account["name"], account["balance"], account["ledger_sum"]) == ("trial", "2", "2")
    refused = generate(admin, key["key"])
    assert refused.status_code == 401
    assert "expired" in refused.json()["error"]


def test_unknown_ids_get_404_naming_the_parameter(admin):
    for method, path, body, param in (
        ("GET", "/admin/accounts/acct_none", None, "account_id"),
        ("POST", "/admin/accounts/acct_none/credits", {"amount": 1}, "account_id"),
        ("POST", "/admin/keys", {"name": "x", "account_id": "acct_none"}, "account_id"),
        ("GET", "/admin/keys/key_none", None, "key_id"),
        ("POST", "/admin/keys/key_none/revoke", None, "key_id"),
        ("GET", "/admin/usage?key_id=key_none", None, "key_id"),
    ):
        response = admin.request(method, path, json=body)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["error"]["param"] == param, path
    # A refused key creation made nothing.
    assert admin.get("/admin/keys").json()["data"] == []


def test_a_token_that_is_not_ascii_gets_401(sqlite_admin):
    host, port = sqlite_admin.base_url.host, sqlite_admin.base_url.port
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("GET", "/admin/accounts", headers={"Authorization": "Bearer ünï"})
        response = connection.getresponse()
        assert response.status == 401
        assert json.loads(response.read())["error"]["code"] == "invalid_admin_token"
    finally:
        connection.close()


BAD_INPUT = [
    # (path, body, param)
    ("/admin/accounts", {"name": "a", "credits": -1}, "credits"),
    ("/admin/accounts", {"name": "a", "credits": "-0.5"}, "credits"),
    ("/admin/accounts", {"name": "a", "credits": "ten"}, "credits"),
    ("/admin/accounts", {"name": "a", "credits": "NaN"}, "credits"),
    ("/admin/accounts", b'{"name": "a", "credits": NaN}', "credits"),
    ("/admin/accounts", {"name": "a", "credits": "Infinity"}, "credits"),
    ("/admin/accounts", {"name": "a", "credits": "1e999999999"}, "credits"),
    ("/admin/accounts", {"name": "a", "credits": True}, "credits"),
    ("/admin/accounts", {"name": "a", "credits": [1]}, "credits"),
    ("/admin/accounts", {"credits": 1}, "name"),
    ("/admin/accounts", {"name": ""}, "name"),
    ("/admin/accounts", {"name": "   "}, "name"),
    ("/admin/accounts", {"name": "x" * 201}, "name"),
    ("/admin/accounts", {"name": 5}, "name"),
    ("/admin/accounts", {"name": "a", "colour": "red"}, "colour"),
    ("/admin/keys", {"name": "k", "credits": -3}, "credits"),
    ("/admin/keys", {"name": "k", "expires_at": "soon"}, "expires_at"),
    ("/admin/keys", {"name": "k", "expires_at": "2030-01-01T00:00:00"}, "expires_at"),
    ("/admin/keys", {"name": "k", "requests_per_minute": -1}, "requests_per_minute"),
    ("/admin/keys", {"name": "k", "images_per_minute": "many"}, "images_per_minute"),
    ("/admin/keys", {"name": "k", "images_per_minute": 2**31}, "images_per_minute"),
    ("/admin/keys", {"name": "k", "account_id": 7}, "account_id"),
    # Strictly typed, storable, and in the future.
    ("/admin/keys", {"name": "k", "images_per_minute": True}, "images_per_minute"),
    ("/admin/keys", {"name": "k", "requests_per_minute": 1.5}, "requests_per_minute"),
    ("/admin/keys", {"name": "k", "expires_at": "0001-01-01T00:00:00+01:00"}, "expires_at"),
    ("/admin/keys", {"name": "k", "expires_at": "9999-12-31T23:59:59-01:00"}, "expires_at"),
    ("/admin/keys", {"name": "k", "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"),
    # NUL, which PostgreSQL cannot store.
    ("/admin/accounts", {"name": "a\x00b"}, "name"),
    ("/admin/keys", {"name": "\x00"}, "name"),
    ("/admin/keys", {"name": "k", "account_id": "acct_\x00"}, "account_id"),
    ("/admin/accounts/ACCOUNT/credits", {"amount": 1, "note": "n\x00"}, "note"),
    ("/admin/accounts/ACCOUNT/credits", {"amount": 1, "note": "n" * 501}, "note"),
    ("/admin/accounts/ACCOUNT/credits", {"note": "no amount"}, "amount"),
    ("/admin/keys", {"name": "k", "key": "pm_mine"}, "key"),
    ("/admin/keys", {}, "name"),
]


@pytest.mark.parametrize(("path", "body", "param"), BAD_INPUT)
def test_bad_bodies_get_400_naming_the_parameter(sqlite_admin, path, body, param):
    if "ACCOUNT" in path:
        account_id = sqlite_admin.post("/admin/accounts", json={"name": "a"}).json()["id"]
        path = path.replace("ACCOUNT", account_id)
    if isinstance(body, bytes):
        response = sqlite_admin.post(
            path, content=body, headers={"Content-Type": "application/json"}
        )
    else:
        response = sqlite_admin.post(path, json=body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["param"], error["type"]) == (param, "invalid_request_error")
    assert param in error["message"]


@pytest.mark.parametrize(
    ("amount", "fragment"),
    [(-5, "negative"), (0, "more than 0"), ("0.0000001", "more than 0"), ("abc", "decimal")],
)
def test_a_grant_must_be_a_positive_number(sqlite_admin, amount, fragment):
    account_id = sqlite_admin.post("/admin/accounts", json={"name": "g"}).json()["id"]
    response = sqlite_admin.post(f"/admin/accounts/{account_id}/credits", json={"amount": amount})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "amount"
    assert fragment in response.json()["error"]["message"]
    balance = sqlite_admin.get(f"/admin/accounts/{account_id}").json()["balance"]
    assert balance == "0"


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b"name=a", "application/x-www-form-urlencoded", 415),
    ],
)
def test_malformed_bodies_get_4xx(sqlite_admin, content, content_type, status):
    response = sqlite_admin.post(
        "/admin/accounts", content=content, headers={"Content-Type": content_type}
    )
    assert response.status_code == status
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("query", "param"), [("days=0", "days"), ("days=abc", "days"), ("days=99999", "days")]
)
def test_bad_usage_queries_get_400_naming_the_parameter(sqlite_admin, query, param):
    response = sqlite_admin.get(f"/admin/usage?{query}")
    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


@pytest.mark.parametrize(
    ("method", "path", "param"),
    [
        ("GET", "/admin/accounts/acct_%00", "account_id"),
        ("POST", "/admin/accounts/acct_%00/credits", "account_id"),
        ("GET", "/admin/keys/key_%00", "key_id"),
        ("POST", "/admin/keys/key_%00/revoke", "key_id"),
        ("GET", "/admin/keys?account_id=a%00", "account_id"),
        ("GET", "/admin/usage?key_id=k%00", "key_id"),
    ],
)
def test_nul_in_ids_gets_400_on_each_database(admin, method, path, param):
    response = admin.request(method, path, json={"amount": 1} if method == "POST" else None)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == param


def test_the_store_agrees_with_the_api(tmp_path, database_url):
    """What the API made is what the accounts store holds: hashed secret, ledger rows."""
    settings = admin_settings(tmp_path, database_url)
    with (
        running_server(settings, {"design": FakeEngine()}) as (url, _),
        httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}) as client,
    ):
        key = client.post("/admin/keys", json={"name": "k", "credits": "3.000001"}).json()
    store = AccountStore.open(settings)
    try:
        assert store.ledger.balance(key["account_id"]) == 3_000_001
        assert store.ledger.ledger_sum(key["account_id"]) == 3_000_001
        assert store.keys.authenticate(key["key"]).id == key["id"]
    finally:
        store.db.dispose()


LONE_SURROGATE = rb'"\ud800"'  # JSON may escape one; no database can store it


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/v1/images/generations", "user"),
        ("/v1/gpt-image-1", "prompt"),
        ("/v2/gpt-image-1", "user"),
    ],
)
def test_a_lone_surrogate_is_refused_before_anything_is_held(admin, path, field):
    """On each database: a 400 naming the field, the balance untouched, the record kept."""
    key = admin.post("/admin/keys", json={"name": "surrogate", "credits": 5}).json()
    body = json.dumps({**PROMPT, "prompt": "a fox", field: "@"}).encode()
    body = body.replace(b'"@"', LONE_SURROGATE)
    headers = {"x-api-key": key["key"], "content-type": "application/json"}
    response = admin.post(path, content=body, headers=headers)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["param"] if isinstance(error, dict) else response.json()["param"]) == field
    assert admin.get(f"/admin/accounts/{key['account_id']}").json()["balance"] == "5"
    # The refusal's own usage record is stored: its text is what was refused.
    [row] = admin.get("/admin/usage", params={"key_id": key["id"]}).json()["data"]
    assert (row["requests"], row["succeeded"], row["credits"]) == (1, 0, "0")


def test_a_grant_note_with_a_lone_surrogate_is_a_400(admin):
    account_id = admin.post("/admin/accounts", json={"name": "noted"}).json()["id"]
    body = b'{"amount": 1, "note": ' + LONE_SURROGATE + b"}"
    response = admin.post(
        f"/admin/accounts/{account_id}/credits",
        content=body,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["param"] == "note"
    assert admin.get(f"/admin/accounts/{account_id}").json()["balance"] == "0"
