"""What keys, credits and usage records add to a request, on SQLite and on PostgreSQL.

    python bench/accounts_overhead.py [--runs 200]

For each backend, in the same run: the accounts' database work of one request (key
lookup, reserve, settle, usage record, balance) timed alone, and a small generation
(256x256, low, the built-in engine) timed in-process, without accounts, and over HTTP
with them. PostgreSQL is the local server at 127.0.0.1:5432, database `test`, in a
schema of its own that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import API_KEY, make_settings, postgres_schema, running_server  # noqa: E402

from pixmill.accounts.store import AccountStore  # noqa: E402
from pixmill.accounts.usage_log import CallUsage  # noqa: E402
from pixmill.request import parse_request  # noqa: E402
from pixmill.service import ImageService  # noqa: E402
from timing import median_seconds  # noqa: E402

BODY = {"prompt": "a kite over a hill", "size": "256x256", "quality": "low", "seed": 3}


def bookkeeping(store: AccountStore) -> Callable[[], None]:
    """The accounts' database work of one request, as the HTTP layer does it."""
    account_id = store.keys.authenticate(API_KEY).account_id
    count = iter(range(10**9))

    def one() -> None:
        key = store.keys.authenticate(API_KEY)
        request_id = f"req_bench_{next(count)}"
        hold = store.ledger.reserve(account_id, request_id, 10_880)
        store.ledger.settle(hold, 10_880)
        store.usage.record(
            CallUsage(request_id, account_id, key.id, "gpt-image-1", 200, "ok", 1, images=1)
        )
        store.ledger.balance(account_id)

    return one


def measure(label: str, database_url: str | None, runs: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="pixmill-bench-"))
    settings = make_settings(data_dir=data_dir, database_url=database_url)
    store = AccountStore.open(settings)
    database = median_seconds(bookkeeping(store), runs, warmup=5) * 1000
    store.db.dispose()

    service = ImageService.from_settings(settings)
    request = parse_request(BODY)
    loop = asyncio.new_event_loop()
    in_process = (
        median_seconds(lambda: loop.run_until_complete(service.generate(request)), runs, warmup=5)
        * 1000
    )
    loop.close()
    with running_server(settings) as (url, _), httpx.Client(base_url=url) as client:
        headers = {"x-api-key": API_KEY}
        http = 1000 * median_seconds(
            lambda: client.post(
                "/v1/images/generations", json=BODY, headers=headers
            ).raise_for_status(),
            runs,
            warmup=5,
        )
    print(f"{label:10} {database:12.2f} {in_process:13.2f} {http:13.2f} {http - in_process:10.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    print(f"median of {args.runs} runs, ms; generation: {BODY['size']} {BODY['quality']} png")
    columns = ("accounts DB", "in-process", "HTTP+accounts", "added")
    print(f"{'backend':10} {columns[0]:>12} {columns[1]:>13} {columns[2]:>13} {columns[3]:>10}")
    measure("sqlite", None, args.runs)
    with postgres_schema() as url:
        measure("postgresql", url, args.runs)


if __name__ == "__main__":
    main()
