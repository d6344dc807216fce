"""Where stored images' bytes live: put, get and delete bytes by key.

Two stores: the accounts database (`blobs`, the default), or an S3-compatible bucket
(`PIXMILL_RESULT_STORE=s3://bucket/prefix`). Either way every replica reads what any
worker wrote. Keys are hierarchical (`jobs/<job id>/results/0`) so that everything of one
job can be deleted by its prefix, whatever a crashed attempt left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from pixmill.accounts.db import Database
from pixmill.errors import ServiceUnavailable
from pixmill.jobs.tables import Blob
from pixmill.settings import Settings

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
"""What a 503 for a bucket that does not answer asks the client to wait."""


class BlobStore(Protocol):
    """Bytes by key. Writing a key again replaces its bytes; deleting a missing key is no
    error. A store that cannot be reached raises ServiceUnavailable."""

    def put(self, blobs: Mapping[str, bytes]) -> None: ...

    def get(self, keys: Sequence[str]) -> dict[str, bytes]:
        """The bytes of each key that exists; missing keys are left out."""
        ...

    def delete(self, keys: Iterable[str]) -> None: ...

    def delete_under(self, prefix: str) -> None:
        """Delete every key that starts with `prefix`."""
        ...

    def ping(self) -> None:
        """Return when the store answers; ServiceUnavailable otherwise."""
        ...


def open_blob_store(settings: Settings, db: Database) -> BlobStore:
    """The store `PIXMILL_RESULT_STORE` names."""
    if settings.result_store == "database":
        return DatabaseBlobStore(db)
    return S3BlobStore.from_settings(settings)


class DatabaseBlobStore:
    """Blobs as rows of the accounts database: the SQLite file, or PostgreSQL."""

    def __init__(self, db: Database):
        self.db = db
        self._insert = sqlite.insert if db.is_sqlite else postgresql.insert

    def put(self, blobs: Mapping[str, bytes]) -> None:
        if not blobs:
            return
        # A job's next durable commit (the job engine's, or the settle) follows every put
        # before its bytes are read as a result: see Database.begin.
        with self.db.begin(durable=False) as connection:
            self.put_in(connection, blobs)

    def put_in(self, connection: Connection, blobs: Mapping[str, bytes]) -> None:
        """Put, within the caller's transaction on this database."""
        if not blobs:
            return
        statement = self._insert(Blob)
        statement = statement.on_conflict_do_update(
            index_elements=[Blob.key], set_={"data": statement.excluded.data}
        )
        connection.execute(statement, [{"key": k, "data": v} for k, v in blobs.items()])

    def get(self, keys: Sequence[str]) -> dict[str, bytes]:
        if not keys:
            return {}
        with self.db.read() as connection:
            rows = connection.execute(select(Blob.key, Blob.data).where(Blob.key.in_(keys)))
            return {row.key: row.data for row in rows}

    def delete(self, keys: Iterable[str]) -> None:
        keys = list(keys)
        if keys:
            with self.db.begin() as connection:
                connection.execute(delete(Blob).where(Blob.key.in_(keys)))

    def delete_under(self, prefix: str) -> None:
        # A range on the primary key, which its index serves (LIKE would scan on
        # PostgreSQL); keys compare bytewise (COLLATE "C" there), so the range holds
        # exactly the keys that start with the prefix.
        with self.db.begin() as connection:
            connection.execute(
                delete(Blob).where(Blob.key >= prefix, Blob.key < _after_prefix(prefix))
            )

    def ping(self) -> None:
        self.db.ping()


def _after_prefix(prefix: str) -> str:
    """The least string greater than every string that starts with `prefix`."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


T = TypeVar("T")


class S3BlobStore:
    """Blobs as objects of an S3-compatible bucket, under a key prefix.

    The client comes from boto3's standard chain: credentials from the environment, the
    AWS config files or the machine's role; pixmill holds none itself and logs none."""

    CONCURRENCY = 8
    """Objects fetched or stored at once for one job (a job has at most 10 images)."""

    def __init__(self, client: Any, bucket: str, prefix: str = ""):
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    @classmethod
    def from_settings(cls, settings: Settings) -> S3BlobStore:
        try:
            import boto3
            from botocore.config import Config
        except ImportError as exc:  # an optional extra
            raise RuntimeError(
                "PIXMILL_RESULT_STORE names a bucket, but boto3 is not installed: "
                "pip install 'pixmill[s3]'"
            ) from exc
        bucket, _, prefix = settings.result_store.removeprefix("s3://").partition("/")
        config = Config(
            connect_timeout=5,
            read_timeout=30,
            retries={"mode": "standard", "max_attempts": 3},
            s3={"addressing_style": settings.s3_addressing_style},
            max_pool_connections=32,
        )
        client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=config,
        )
        return cls(client, bucket, prefix)

    def put(self, blobs: Mapping[str, bytes]) -> None:
        def put_one(item: tuple[str, bytes]) -> None:
            self.client.put_object(Bucket=self.bucket, Key=self.prefix + item[0], Body=item[1])

        self._each(put_one, list(blobs.items()))

    def get(self, keys: Sequence[str]) -> dict[str, bytes]:
        from botocore.exceptions import ClientError

        def get_one(key: str) -> tuple[str, bytes | None]:
            try:
                answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                    return key, None
                raise
            return key, answer["Body"].read()

        return {key: data for key, data in self._each(get_one, list(keys)) if data is not None}

    def delete(self, keys: Iterable[str]) -> None:
        self._delete_objects([self.prefix + key for key in keys])

    def delete_under(self, prefix: str) -> None:
        with _unavailable():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                self._delete_objects([item["Key"] for item in page.get("Contents", ())])

    def ping(self) -> None:
        with _unavailable():
            self.client.head_bucket(Bucket=self.bucket)

    def _delete_objects(self, names: list[str]) -> None:
        for start in range(0, len(names), 1000):  # DeleteObjects' limit per call
            batch = [{"Key": name} for name in names[start : start + 1000]]
            with _unavailable():
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            if answer.get("Errors"):
                raise ServiceUnavailable(
                    "The result store did not delete every object; please try again.",
                    retry_after=RETRY_AFTER_SECONDS,
                )

    def _each(self, call: Callable[[Any], T], items: list[Any]) -> list[T]:
        """`call` on each item, several at once: one job's objects in one round trip's time."""
        with _unavailable():
            if len(items) <= 1:
                return [call(item) for item in items]
            with ThreadPoolExecutor(min(self.CONCURRENCY, len(items))) as pool:
                return list(pool.map(call, items))


@contextmanager
def _unavailable() -> Iterator[None]:
    """Turn the bucket being away or refusing (network, 5xx, credentials) into
    ServiceUnavailable; neither the log nor the message names a key or a credential."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
        log.warning("the result store failed: %s", code or type(exc).__name__)
        raise ServiceUnavailable(
            "The result store is unavailable; please try again shortly.",
            retry_after=RETRY_AFTER_SECONDS,
        ) from exc
