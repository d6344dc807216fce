"""`pixmill worker --metrics-port`: a worker's job metrics, for Prometheus to scrape.

A standalone worker has no HTTP API, yet the jobs it runs end in it: their counts and
wait and run times are observed there (`observe_jobs`), and served on this port by
prometheus_client's own server, at `/metrics`. Queue depth and live workers are read
from the shared database, so a worker reports the same as every API replica.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server

from pixmill.jobs.metrics import observe_jobs

log = logging.getLogger(__name__)


@dataclass
class _Registry:
    """What `observe_jobs` needs of the API's Metrics: a registry of its own."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)


def serve_worker_metrics(scheduler: Any, host: str, port: int) -> Callable[[], None]:
    """Observe the scheduler's jobs and serve them on host:port; returns the stopper."""
    metrics = _Registry()
    observe_jobs(metrics, scheduler)
    server, thread = start_http_server(port, addr=host, registry=metrics.registry)
    bound = server.server_address[1]
    log.info("worker metrics at http://%s:%d/metrics", host, bound)

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop
