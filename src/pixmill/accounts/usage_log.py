"""Usage records, one per generation call by a known key, and the per-key, per-day report."""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from time import sleep
from typing import Any

from sqlalchemy import Date, case, cast, func, insert, select

from pixmill.accounts.db import Database
from pixmill.accounts.tables import ApiKey, UsageRecord, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallUsage:
    """What happened to one call; `params` are the resolved parameters, without the prompt."""

    request_id: str
    account_id: str
    key_id: str
    model: str | None
    """As asked (an alias, maybe); `resolved_model` is the configured model it named."""
    status: int
    outcome: str
    latency_ms: int
    params: dict[str, Any] = field(default_factory=dict)
    images: int = 0
    cost_micro: int = 0
    upstream_cost_micro: int | None = None
    user: str | None = None
    moderation_stage: str | None = None
    moderation_category: str | None = None
    resolved_model: str | None = None


@dataclass(frozen=True)
class DailyUsage:
    day: date
    key_id: str
    key_name: str
    requests: int
    succeeded: int
    images: int
    cost_micro: int


class UsageLog:
    def __init__(self, db: Database):
        self.db = db

    def record(self, *usages: CallUsage) -> None:
        # Parameters apart from the statement, so its compiled form is cached.
        with self.db.begin() as connection:
            connection.execute(
                insert(UsageRecord),
                [{"created_at": utcnow(), **usage.__dict__} for usage in usages],
            )

    def get(self, request_id: str) -> UsageRecord | None:
        with self.db.transaction() as session:
            return session.get(UsageRecord, request_id)

    def daily(self, *, days: int = 30, key_id: str | None = None) -> list[DailyUsage]:
        """Per key and per UTC day, newest day first, over the last `days` days."""
        since = datetime.combine(utcnow().date() - timedelta(days=days - 1), time(), UTC)
        day = self._utc_day(UsageRecord.created_at)
        query = (
            select(
                day.label("day"),
                UsageRecord.key_id,
                ApiKey.name,
                func.count().label("requests"),
                func.sum(case((UsageRecord.status == 200, 1), else_=0)).label("succeeded"),
                func.sum(UsageRecord.images).label("images"),
                func.sum(UsageRecord.cost_micro).label("cost"),
            )
            .join(ApiKey, ApiKey.id == UsageRecord.key_id)
            .where(UsageRecord.created_at >= since)
            .group_by(day, UsageRecord.key_id, ApiKey.name)
            .order_by(day.desc(), UsageRecord.key_id)
        )
        if key_id is not None:
            query = query.where(UsageRecord.key_id == key_id)
        with self.db.transaction() as session:
            rows = session.execute(query).all()
        return [
            DailyUsage(
                day=row.day if isinstance(row.day, date) else date.fromisoformat(row.day),
                key_id=row.key_id,
                key_name=row.name,
                requests=row.requests,
                succeeded=int(row.succeeded),
                images=int(row.images),
                cost_micro=int(row.cost),
            )
            for row in rows
        ]

    def _utc_day(self, column: Any) -> Any:
        # SQLite keeps these timestamps as UTC text; PostgreSQL's date() would use the
        # session's time zone.
        if self.db.is_sqlite:
            return func.date(column)
        return cast(func.timezone("UTC", column), Date)


class UsageWriter:
    """Writes usage records on a thread of its own, in batches, after the answers went out.

    A record reaches the database moments after its answer, so writing it costs the
    request nothing, and many records share one transaction under load. When a batch
    fails, each of its records is tried alone, so one record the database refuses loses
    no other. `flush()` waits for all submitted so far; `close()` flushes and stops the
    thread (at shutdown). The ledger, not these records, is what credits are counted from.
    """

    def __init__(self, usage: UsageLog, *, batch: int = 500, linger: float = 0.05):
        self.usage = usage
        self.batch = batch
        self.linger = linger
        self._queue: queue.Queue[CallUsage | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="usage-writer", daemon=True)
        self._thread.start()

    def submit(self, usage: CallUsage) -> None:
        self._queue.put(usage)

    def flush(self) -> None:
        self._queue.join()

    def close(self, timeout: float = 30) -> None:
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            if batch[0] is not None:
                # The answer that submitted this record is on its way out: let it go first.
                sleep(self.linger)
            while len(batch) < self.batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            records = [usage for usage in batch if usage is not None]
            try:
                if records:
                    self._write(records)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if len(records) < len(batch):
                return

    def _write(self, records: list[CallUsage]) -> None:
        try:
            self.usage.record(*records)
            return
        except Exception as exc:
            if len(records) == 1:
                _lost(records[0], exc)
                return
            log.warning(
                "a batch of %d usage records failed (%s); writing them one by one",
                len(records),
                type(exc).__name__,
            )
        for usage in records:
            try:
                self.usage.record(usage)
            except Exception as exc:
                _lost(usage, exc)


def _lost(usage: CallUsage, exc: Exception) -> None:
    # The exception's class only: its text may quote the record's values (what a caller sent).
    log.error("could not write the usage record of %s: %s", usage.request_id, type(exc).__name__)
