"""The one timer the benchmarks share: the median of repeated runs, after warm-up runs."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_seconds(action: Callable[[], object], runs: int, *, warmup: int = 1) -> float:
    """Median wall time of `runs` calls of `action`, after `warmup` untimed calls."""
    for _ in range(warmup):
        action()  # fill caches (fonts, compiled statements, connections) outside the timing
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)
