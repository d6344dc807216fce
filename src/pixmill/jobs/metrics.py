"""What an operator scales workers on: queue depth, job wait and run times, final
statuses and live workers, in the app's Prometheus registry."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pixmill.accounts.tables import utcnow
from pixmill.jobs.store import Job

_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900)


class _QueueCollector(Collector):
    """Read at scrape time from the shared database, so every replica reports the same."""

    def __init__(self, scheduler: Any):
        self.scheduler = scheduler

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "pixmill_queue_depth", "Jobs waiting in each queue.", labels=["queue"]
        )
        for queue in sorted({q.name for q in self.scheduler.queues.values()}):
            depth.add_metric([queue], self.scheduler.store.queued(queue))
        yield depth
        yield GaugeMetricFamily(
            "pixmill_live_workers",
            "Workers whose heartbeat is recent.",
            value=self.scheduler.sweeper.live_workers(),
        )


def observe_jobs(metrics: Any, scheduler: Any) -> None:
    registry: CollectorRegistry = metrics.registry
    waited = Histogram(
        "pixmill_job_wait_seconds",
        "Time from submit to start, by model.",
        ["model"],
        buckets=_BUCKETS,
        registry=registry,
    )
    ran = Histogram(
        "pixmill_job_run_seconds",
        "Time from start to end, by model.",
        ["model"],
        buckets=_BUCKETS,
        registry=registry,
    )
    ended = Counter(
        "pixmill_jobs", "Jobs by model and final status.", ["model", "status"], registry=registry
    )
    registry.register(_QueueCollector(scheduler))

    def observe(job: Job, outcome: dict[str, Any]) -> None:
        ended.labels(job.model, outcome["status"]).inc()
        # A job ends as its runner read it after its start: started_at is known.
        latest = job if job.started_at is not None else (scheduler.store.get(job.id) or job)
        if latest.started_at is not None:
            waited.labels(job.model).observe((latest.started_at - job.created_at).total_seconds())
            ran.labels(job.model).observe((utcnow() - latest.started_at).total_seconds())

    scheduler.observers.append(observe)
