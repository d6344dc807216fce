"""Prometheus metrics, in a registry owned by one app (no module globals)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "pixmill_requests",
            "Generation requests by dialect, model, status and quality.",
            ["dialect", "model", "status", "quality"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "pixmill_request_duration_seconds",
            "Generation request latency by dialect and model.",
            ["dialect", "model"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.images = Counter(
            "pixmill_images",
            "Images delivered by model and quality.",
            ["model", "quality"],
            registry=self.registry,
        )
        self.rate_limits_unchecked = Counter(
            "pixmill_rate_limit_unchecked",
            "Requests let through without a rate limit check: its storage was unreachable.",
            registry=self.registry,
        )

    def observe(
        self, *, dialect: str, model: str, status: int, quality: str, seconds: float, images: int
    ) -> None:
        self.requests.labels(dialect, model, str(status), quality).inc()
        self.latency.labels(dialect, model).observe(seconds)
        if images:
            self.images.labels(model, quality).inc(images)

    def render(self) -> bytes:
        return generate_latest(self.registry)
