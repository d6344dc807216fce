"""Usage records, one per generation call by a known key, and the per-key, per-day report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Date, case, cast, func, select

from pixmill.accounts.db import Database
from pixmill.accounts.tables import ApiKey, UsageRecord, utcnow


@dataclass(frozen=True)
class CallUsage:
    """What happened to one call; `params` are the resolved parameters, without the prompt."""

    request_id: str
    account_id: str
    key_id: str
    model: str | None
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

    def record(self, usage: CallUsage) -> None:
        with self.db.transaction() as session:
            session.add(UsageRecord(created_at=utcnow(), **usage.__dict__))

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
