"""Building what runs jobs from Settings: shared by `pixmill serve` (with HTTP) and
`pixmill worker` (without), so both run exactly the same code."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from pixmill.accounts.store import AccountStore
from pixmill.accounts.usage_log import UsageWriter
from pixmill.engines import Engine
from pixmill.jobs.scheduler import Scheduler
from pixmill.jobs.webhooks import WebhookSender
from pixmill.jobs.worker_metrics import serve_worker_metrics
from pixmill.service import ImageService
from pixmill.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSystem:
    accounts: AccountStore
    usage_writer: UsageWriter
    service: ImageService
    scheduler: Scheduler

    @classmethod
    def build(cls, settings: Settings, engines: Mapping[str, Engine] | None = None) -> JobSystem:
        accounts = AccountStore.open(settings)
        accounts.db.upgrade()
        usage_writer = UsageWriter(accounts.usage)
        service = ImageService.from_settings(settings, engines)
        scheduler = Scheduler(settings, service, accounts, usage_writer)
        scheduler.webhooks = WebhookSender(
            scheduler.store,
            allow_list=settings.url_allow_list,
            timeout=settings.webhook_timeout_seconds,
            max_attempts=settings.webhook_max_attempts,
            backoff_seconds=settings.webhook_backoff_seconds,
            public_url=settings.public_url,
        )
        return cls(accounts, usage_writer, service, scheduler)

    def close(self) -> None:
        """After scheduler.stop(): close the engines, flush usage, let the database go."""
        self.service.close()
        self.usage_writer.close()
        self.accounts.db.dispose()


def run_worker(settings: Settings) -> None:
    """`pixmill worker`: take jobs until SIGTERM or SIGINT, then drain and hand back."""
    system = JobSystem.build(settings)
    stopping = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopping.set())
    threading.Thread(target=system.service.warm_up, name="warm-up", daemon=True).start()
    system.scheduler.start()
    stop_metrics = None
    if settings.worker_metrics_port is not None:
        stop_metrics = serve_worker_metrics(
            system.scheduler, settings.host, settings.worker_metrics_port
        )
    queues = ", ".join(q.name for q in system.scheduler.served_queues()) or "none"
    log.info("worker %s serving %s", system.scheduler.executor_id, queues)
    try:
        stopping.wait()
    finally:
        if stop_metrics is not None:
            stop_metrics()
        log.info("worker stopping: running jobs get %d s to finish", settings.worker_drain_seconds)
        system.scheduler.stop()
        system.close()
    exit_now()


def exit_now() -> None:
    """End the process without waiting for its threads: a job a drain put back may still
    hold one, parked (jobs.worker.park_if_handed_back), and runs elsewhere now."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
