"""`pixmill db`, `keys`, `credits` and `usage` against a real database and a real server."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner, Result

from pixmill.accounts.store import AccountStore
from pixmill.cli import app
from pixmill.settings import Settings
from tests.conftest import running_server
from tests.fakes import FakeEngine

PROMPT = {"prompt": "a red fox", "size": "256x256", "quality": "low"}


class Pixmill:
    """Runs `pixmill ...` in-process with the environment pointing at one database."""

    def __init__(self, data_dir: Path, database_url: str):
        self.settings = Settings(
            _env_file=None,
            data_dir=data_dir,
            database_url=database_url,
            requests_per_minute=0,
            images_per_minute=0,
        )
        self.env = {"PIXMILL_DATA_DIR": str(data_dir), "PIXMILL_DATABASE_URL": database_url}
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0) -> Result:
        result = self.runner.invoke(app, list(args), env=self.env)
        assert result.exit_code == code, (args, result.output, result.exception)
        assert "Traceback" not in result.output
        return result

    def create_key(self, *args: str) -> tuple[str, str]:
        """(secret, key id) of `keys create ARGS`."""
        result = self("keys", "create", *args)
        secret = result.stdout.strip()
        assert secret.startswith("pm_") and "\n" not in secret
        key_id = next(word for word in result.stderr.split() if word.startswith("key_"))
        return secret, key_id

    def store(self) -> AccountStore:
        return AccountStore.open(self.settings)


@pytest.fixture
def pixmill(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Pixmill:
    monkeypatch.chdir(tmp_path)  # no stray .env
    return Pixmill(tmp_path / "data", database_url)


@pytest.fixture
def sqlite_pixmill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pixmill:
    monkeypatch.chdir(tmp_path)
    return Pixmill(tmp_path / "data", f"sqlite:///{tmp_path / 'accounts.db'}")


def generate(url: str, key: str) -> httpx.Response:
    return httpx.post(url + "/v1/gpt-image-1", json=PROMPT, headers={"x-api-key": key}, timeout=30)


def test_db_upgrade_prints_the_revision(pixmill):
    result = pixmill("db", "upgrade")
    store = pixmill.store()
    try:
        revision = store.db.revision()
    finally:
        store.db.dispose()
    assert revision is not None
    assert f"at revision {revision}" in result.stdout


def test_a_created_key_pays_for_generations_until_revoked(pixmill):
    secret, key_id = pixmill.create_key("--name", "ci", "--credits", "5")
    with running_server(pixmill.settings, {"design": FakeEngine()}) as (url, _):
        # 1. The key works and the balance drops by the cost.
        response = generate(url, secret)
        assert response.status_code == 200, response.text
        cost = float(response.headers["x-cost"])
        assert cost > 0
        assert float(response.headers["x-remaining-credits"]) == pytest.approx(5 - cost)

        # 2. Listed, active, with the balance.
        listed = pixmill("keys", "list").stdout
        row = next(line for line in listed.splitlines() if key_id in line)
        assert "ci" in row and "active" in row and secret[:8] in row
        assert response.headers["x-remaining-credits"] in row
        assert secret not in listed

        # 3. Usage: one request, one image, its cost, on today's row.
        report = pixmill("usage", "--key", key_id).stdout
        row = next(line for line in report.splitlines() if key_id in line)
        assert row.split()[-4:] == ["1", "1", "1", response.headers["x-cost"]]

        # 4. Revoked, the key is refused.
        assert key_id in pixmill("keys", "revoke", key_id).stdout
        refused = generate(url, secret)
        assert refused.status_code == 401
        assert "revoked" in refused.json()["error"]
        assert "revoked" in pixmill("keys", "list").stdout


def test_a_key_with_an_expiry_in_the_past_is_refused(pixmill):
    expired, _ = pixmill.create_key("--name", "old", "--credits", "1", "--expires", "2020-01-01")
    fresh, _ = pixmill.create_key("--name", "new", "--credits", "1", "--expires-in-days", "1")
    with running_server(pixmill.settings, {"design": FakeEngine()}) as (url, _):
        refused = generate(url, expired)
        assert refused.status_code == 401
        assert "expired" in refused.json()["error"]
        assert generate(url, fresh).status_code == 200
    assert "expired" in pixmill("keys", "list").stdout


def test_grants_raise_the_balance_and_match_the_ledger(pixmill):
    _, first = pixmill.create_key("--name", "team", "--credits", "1.5")
    store = pixmill.store()
    try:
        account_id = store.keys.get(first).account_id
        # A second key on the same account, with a grant.
        _, second = pixmill.create_key(
            "--name", "team-2", "--account", account_id, "--credits", "0.25",
            "--requests-per-minute", "10", "--images-per-minute", "0",
        )  # fmt: skip
        key = store.keys.get(second)
        assert (key.account_id, key.requests_per_minute, key.images_per_minute) == (
            account_id,
            10,
            0,
        )
        # By account id, and by key id.
        assert "balance 11.75" in pixmill("credits", "grant", account_id, "10").stdout
        granted = pixmill("credits", "grant", second, "0.000001", "--note", "a tip").stdout
        assert "balance 11.750001" in granted
        assert store.ledger.balance(account_id) == 11_750_001
        assert store.ledger.ledger_sum(account_id) == 11_750_001
        assert store.ledger.entries(account_id)[-1].note == "a tip"
        listed = pixmill("keys", "list", "--account", account_id).stdout
        assert first in listed and second in listed
    finally:
        store.db.dispose()


def test_serve_shows_a_starter_key_on_an_empty_database_only(
    sqlite_pixmill, monkeypatch: pytest.MonkeyPatch
):
    import uvicorn

    served: list[object] = []
    monkeypatch.setattr(uvicorn, "run", lambda asgi_app, **_: served.append(asgi_app))
    # serve ends its process once uvicorn returns (a drain may leave a parked thread):
    # here that process is the test's own.
    monkeypatch.setattr("pixmill.jobs.assembly.exit_now", lambda: None)
    first = sqlite_pixmill("serve", "--port", "8123").stderr
    [line] = [line for line in first.splitlines() if "starter key" in line]
    secret = line.split()[-1]
    assert f"x-api-key: {secret}" in first and "http://127.0.0.1:8123/v1/gpt-image-1" in first
    store = sqlite_pixmill.store()
    try:
        key = store.keys.authenticate(secret)
        assert store.ledger.balance(key.account_id) == 5_000_000
    finally:
        store.db.dispose()
    assert "starter key" not in sqlite_pixmill("serve").stderr
    assert len(served) == 2


def test_usage_without_requests_says_so(sqlite_pixmill):
    result = sqlite_pixmill("usage", "--days", "7")
    assert "No requests" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["keys", "create", "--name", "x", "--credits", "abc"], "credits"),
        (["keys", "create", "--name", "x", "--credits", "-1"], "negative"),
        (["keys", "create", "--name", "x", "--credits", "NaN"], "finite"),
        (["keys", "create", "--name", " ", "--credits", "1"], "name"),
        (["keys", "create", "--name", "x", "--account", "acct_none"], "acct_none"),
        (["keys", "create", "--name", "x", "--expires", "someday"], "ISO 8601"),
        ("keys create --name x --expires 2030-01-01 --expires-in-days 3".split(), "not both"),
        (["keys", "create", "--name", "x", "--expires-in-days", "0"], "more than 0"),
        (["keys", "revoke", "key_none"], "key_none"),
        (["credits", "grant", "acct_none", "5"], "acct_none"),
        (["credits", "grant", "ACCOUNT", "ten"], "amount"),
        (["credits", "grant", "ACCOUNT", "0"], "more than 0"),
        (["credits", "grant", "ACCOUNT", "--", "-5"], "negative"),
        (["usage", "--key", "key_none"], "key_none"),
    ],
)
def test_bad_input_gets_one_line_and_exit_2(sqlite_pixmill, args, message):
    store = sqlite_pixmill.store()
    try:
        store.db.upgrade()
        account_id = store.keys.create_account("someone", 1_000_000)
    finally:
        store.db.dispose()
    args = [account_id if arg == "ACCOUNT" else arg for arg in args]
    result = sqlite_pixmill(*args, code=2)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert message in lines[0]
    # Nothing was made: only the one account, no key.
    store = sqlite_pixmill.store()
    try:
        assert [row[0] for row in store.keys.accounts()] == [account_id]
        assert store.keys.list() == []
        assert store.ledger.balance(account_id) == 1_000_000
    finally:
        store.db.dispose()


def test_every_database_command_takes_data_dir_and_database_url(tmp_path, monkeypatch):
    """The options, with no PIXMILL_* environment: each command opens the database named."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    data = tmp_path / "elsewhere"
    data.mkdir()
    by_dir = ["--data-dir", str(data)]
    by_url = ["--database-url", f"sqlite:///{tmp_path / 'named.db'}"]
    for where, database in ((by_dir, data / "pixmill.db"), (by_url, tmp_path / "named.db")):
        made = runner.invoke(app, ["keys", "create", "--name", "x", "--credits", "3", *where])
        assert made.exit_code == 0, made.output
        key_id = next(word for word in made.stderr.split() if word.startswith("key_"))
        assert database.exists()
        for args in (
            ["db", "upgrade"],
            ["keys", "list"],
            ["credits", "grant", key_id, "1"],
            ["usage"],
            ["keys", "revoke", key_id],
        ):
            result = runner.invoke(app, [*args, *where])
            assert result.exit_code == 0, (args, result.output)
        assert "revoked" in runner.invoke(app, ["keys", "list", *where]).stdout
    assert not (tmp_path / "data").exists()  # the default data directory was never used
    assert "--database-url" in runner.invoke(app, ["serve", "--help"]).stdout
