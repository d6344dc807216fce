"""The result store: storing and reading one job's images, per store.

    python bench/result_store.py [--runs 100] [--images 1] [--kib 300]

For each store (the database's `blobs` on SQLite and on PostgreSQL; an S3 bucket, moto's
S3 API server on loopback, which shows pixmill's and boto3's share, not a real bucket's
network time): `JobStore.save_images` (the worker's write, cap check included) and
`JobStore.images` (what a result answer reads), ms p50 / p99.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.conftest import postgres_schema  # noqa: E402

from pixmill.accounts.db import Database  # noqa: E402
from pixmill.accounts.keys import KeyStore  # noqa: E402
from pixmill.jobs.blobs import BlobStore, DatabaseBlobStore, S3BlobStore  # noqa: E402
from pixmill.jobs.store import JobStore, StoredImage  # noqa: E402


@contextmanager
def moto_bucket() -> Iterator[S3BlobStore]:
    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    client = boto3.client("s3", endpoint_url=f"http://{host}:{port}", region_name="us-east-1")
    client.create_bucket(Bucket="bench")
    try:
        yield S3BlobStore(client, "bench", "results")
    finally:
        server.stop()


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"{statistics.median(ordered) * 1000:6.2f} / {p99 * 1000:6.2f}"


def measure(name: str, db: Database, blobs: BlobStore | None, args: argparse.Namespace) -> None:
    db.upgrade()
    keys = KeyStore(db)
    key = keys.create_key(keys.create_account(name, 0), "k").key
    store = JobStore(db, retention=timedelta(hours=1), account_cap_bytes=1 << 40, blobs=blobs)
    images = [
        StoredImage(i, "image/png", i, os.urandom(args.kib * 1024)) for i in range(args.images)
    ]
    saves, reads = [], []
    for run in range(args.runs + 5):
        job_id = f"req_bench_{run}"
        store.create(
            job_id=job_id, account_id=key.account_id, key_id=key.id, model="m", queue="q",
            form="async", request={}, spec={}, webhook_url=None, base_url=None,
        )  # fmt: skip
        started = time.perf_counter()
        store.save_images(job_id, images)
        saved = time.perf_counter()
        assert len(store.images(job_id)) == args.images
        read = time.perf_counter()
        if run >= 5:  # warm-up left out
            saves.append(saved - started)
            reads.append(read - saved)
    print(f"{name:<22} {percentiles(saves):>17} {percentiles(reads):>17}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--images", type=int, default=1)
    parser.add_argument("--kib", type=int, default=300, help="bytes of each image, in KiB")
    args = parser.parse_args()
    print(f"{args.images} image(s) of {args.kib} KiB per job, {args.runs} runs; ms p50 / p99")
    print(f"{'store':<22} {'save_images':>17} {'images':>17}")
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        sqlite = Database(f"sqlite:///{folder / 'accounts.db'}")
        measure("database, SQLite", sqlite, DatabaseBlobStore(sqlite), args)
        postgres = Database(stack.enter_context(postgres_schema()))
        stack.callback(postgres.dispose)
        measure("database, PostgreSQL", postgres, DatabaseBlobStore(postgres), args)
        bucket = stack.enter_context(moto_bucket())
        other = Database(f"sqlite:///{folder / 'with-s3.db'}")
        measure("S3 (moto, loopback)", other, bucket, args)


if __name__ == "__main__":
    main()
