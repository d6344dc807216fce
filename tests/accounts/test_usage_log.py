"""The usage writer on the real PostgreSQL: one record it cannot store loses no other."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from pixmill.accounts.store import AccountStore
from pixmill.accounts.usage_log import CallUsage, UsageWriter
from pixmill.settings import Settings
from tests.conftest import postgres_schema


@pytest.fixture
def store(tmp_path) -> Iterator[AccountStore]:
    with postgres_schema() as url:
        store = AccountStore.open(Settings(_env_file=None, data_dir=tmp_path, database_url=url))
        store.db.upgrade()
        try:
            yield store
        finally:
            store.db.dispose()


def usage(store: AccountStore, name: str, request_id: str, **fields: object) -> CallUsage:
    account_id = store.keys.create_account(name)
    key = store.keys.create_key(account_id, name).key
    values: dict[str, object] = {
        "request_id": request_id,
        "account_id": account_id,
        "key_id": key.id,
        "model": "gpt-image-1",
        "status": 200,
        "outcome": "ok",
        "latency_ms": 12,
    }
    return CallUsage(**(values | fields))  # type: ignore[arg-type]


def test_a_poisoned_record_loses_no_other_keys_records(store, caplog):
    caplog.set_level(logging.INFO)
    good = [usage(store, f"k{i}", f"req_good_{i}", user=f"user-{i}") for i in range(4)]
    # Past the edge checks: NUL in text, which PostgreSQL refuses ("cannot contain NUL").
    poisoned = usage(store, "bad", "req_bad", user="x\x00y", model="m\x00")
    writer = UsageWriter(store.usage)
    # While another transaction locks the table, the writer waits on its first record and
    # the rest queue up: they are then written as one batch, as under load.
    with store.db.begin() as blocker:
        blocker.execute(text("LOCK TABLE usage IN EXCLUSIVE MODE"))
        writer.submit(good[0])
        time.sleep(0.2)
        for record in (good[1], poisoned, good[2], good[3]):
            writer.submit(record)
    writer.flush()
    writer.close()
    for record in good:
        stored = store.usage.get(record.request_id)
        assert stored is not None, record.request_id
        assert stored.user == record.user
    assert store.usage.get("req_bad") is None
    assert "a batch of 4 usage records failed" in caplog.text
    assert "could not write the usage record of req_bad" in caplog.text
    assert "x\x00y" not in caplog.text
