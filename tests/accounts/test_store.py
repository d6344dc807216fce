"""The accounts store on both backends: migrations, the ledger's invariant, the starter key."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from decimal import Decimal

import pytest

from pixmill.accounts.db import Database, head_revision, normalise_url
from pixmill.accounts.keys import digest
from pixmill.accounts.pricing import PriceTable, to_micro
from pixmill.accounts.starter import create_starter_key, first_call
from pixmill.accounts.store import AccountStore
from pixmill.accounts.tables import ApiKey, utcnow
from pixmill.errors import AuthenticationError, InsufficientCredits, InvalidRequest, NotFound
from pixmill.settings import Settings


@pytest.fixture
def store(tmp_path, database_url):
    store = AccountStore.open(Settings(data_dir=tmp_path, database_url=database_url))
    store.db.upgrade()
    yield store
    store.db.dispose()


def test_migrations_reach_head_and_can_run_again(database_url):
    db = Database(database_url)
    assert db.revision() is None
    db.upgrade()
    db.upgrade()
    assert db.revision() == head_revision() is not None
    db.dispose()


def test_replicas_migrating_at_once_all_succeed(database_url):
    """Several server processes starting together on one new database."""
    script = "import sys; from pixmill.accounts.db import Database; Database(sys.argv[1]).upgrade()"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, database_url], stderr=subprocess.PIPE)
        for _ in range(3)
    ]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
    db = Database(database_url)
    assert db.revision() == head_revision()
    db.dispose()


def test_postgresql_urls_use_psycopg_3():
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")


def test_keys_are_stored_only_as_hashes(store):
    account_id = store.keys.create_account("a", 0)
    new = store.keys.create_key(account_id, "k")
    assert new.secret.startswith("pm_") and len(new.secret) > 40
    with store.db.transaction() as session:
        row = session.get(ApiKey, new.key.id)
        assert row is not None
        assert row.digest == digest(new.secret)
        assert new.secret not in (row.digest, row.prefix, row.name)
    assert store.keys.authenticate(new.secret).id == new.key.id


def test_revoked_and_expired_keys_are_refused(store):
    account_id = store.keys.create_account("a", 0)
    revoked = store.keys.create_key(account_id, "r")
    store.keys.revoke(revoked.key.id)
    expired = store.keys.create_key(account_id, "e", expires_at=utcnow() - timedelta(seconds=1))
    later = store.keys.create_key(account_id, "l", expires_at=utcnow() + timedelta(days=1))
    for secret, message in ((revoked.secret, "revoked"), (expired.secret, "expired")):
        with pytest.raises(AuthenticationError, match=message):
            store.keys.authenticate(secret)
    assert store.keys.authenticate(later.secret).state == "active"
    with pytest.raises(AuthenticationError):
        store.keys.authenticate(None)


def test_reserve_settle_and_release_keep_the_ledger_balanced(store):
    account_id = store.keys.create_account("a", 1_000)
    hold = store.ledger.reserve(account_id, "req_1", 600)
    assert store.ledger.balance(account_id) == 400
    with pytest.raises(InsufficientCredits):
        store.ledger.reserve(account_id, "req_2", 401)
    store.ledger.settle(hold, 250)
    assert store.ledger.balance(account_id) == 750
    store.ledger.release(store.ledger.reserve(account_id, "req_3", 750))
    assert store.ledger.balance(account_id) == 750 == store.ledger.ledger_sum(account_id)
    with pytest.raises(ValueError):
        store.ledger.settle(hold, 601)
    kinds = [e.kind for e in store.ledger.entries(account_id)]
    assert kinds == ["grant", "reserve", "release", "charge", "reserve", "release"]


def test_bad_amounts_and_unknown_accounts_are_refused(store):
    with pytest.raises(InvalidRequest):
        store.keys.create_account("a", -1)
    with pytest.raises(InvalidRequest):
        store.ledger.grant(store.keys.create_account("b", 0), 0)
    with pytest.raises(NotFound):
        store.ledger.grant("acct_missing", 5)
    with pytest.raises(NotFound):
        store.keys.create_key("acct_missing", "k")
    with pytest.raises(NotFound):
        store.keys.revoke("key_missing")


def test_the_starter_key_is_made_once(tmp_path, database_url):
    settings = Settings(data_dir=tmp_path, database_url=database_url, _env_file=None)
    store = AccountStore.open(settings)
    store.db.upgrade()
    new = create_starter_key(store, settings)
    assert new is not None
    assert store.ledger.balance(new.key.account_id) == 5_000_000
    assert f"x-api-key: {new.secret}" in first_call(new, "http://127.0.0.1:8000")
    assert create_starter_key(store, settings) is None
    off = Settings(data_dir=tmp_path, database_url=database_url, starter_key=False)
    store.db.dispose()
    empty = AccountStore.open(off.model_copy(update={"database_url": None}))
    empty.db.upgrade()
    assert create_starter_key(empty, off) is None
    empty.db.dispose()


def test_prices_default_to_gpt_image_1_and_can_be_replaced():
    table = PriceTable()
    assert table.price("gpt-image-1", "low", 1024, 1024, 1) == 10_880
    assert table.price("gpt-image-1", "medium", 1024, 1536, 2) == 2 * 63_360
    assert table.price("gpt-image-1", "high", 1536, 1024, 1) == 248_320
    assert table.price("any-model", "low", 512, 512, 1) == 2_720  # area-scaled
    custom = PriceTable({"sd-turbo": {"*": {"*": "0.002"}}, "design": {"low": {"*": 0.001}}})
    assert custom.price("sd-turbo", "max", 3840, 256, 3) == 6_000
    assert custom.price("gpt-image-1", "low", 1024, 1024, 1) == 10_880
    # A model's unlisted qualities keep GPT-Image-1's prices.
    assert custom.price("design", "low", 1024, 1024, 1) == 1_000
    assert custom.price("design", "medium", 1024, 1024, 1) == 42_240
    assert PriceTable({"*": {"*": {"*": 1}}}).price("any", "high", 256, 256, 2) == 2_000_000
    assert to_micro(Decimal("0.0000005")) == 1


@pytest.mark.parametrize(
    "table",
    [
        {"m": {"ultra": {"*": 1}}},
        {"m": {"low": {"512x512": 1}}},  # no price for other sizes
        {"m": {"low": {"*": "ten"}}},
        {"m": {"low": {"*": "1e999999999"}}},
        {"m": {"low": {"*": "NaN"}}},
    ],
)
def test_bad_price_tables_are_refused_at_start(table):
    with pytest.raises(ValueError, match=r"prices\.m"):
        PriceTable(table)
