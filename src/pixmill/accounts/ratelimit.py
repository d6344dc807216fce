"""Per-key rate limits, in requests and images per minute, counted by the `limits` library.

The counters live in process memory by default (``memory://``), or in Redis
(``redis://host:port/db``) where every process pointed at the same server shares them.

Strategy: limits' moving window. It keeps one timestamp per unit counted (a request, or
an image) and lets a hit through while fewer than `limit` units fall in the last minute.
A fixed window lets twice the limit through across a window boundary; the sliding window
counter is a weighted estimate of the previous window. The moving window is exact, and
its oldest timestamp says exactly when room comes back, which is a refused request's
retry time. Its cost, one entry per unit (a Redis list trimmed to the limit), is small at
per-minute limits.

A refused request counts in neither dimension: after `retry_after` the same request gets
through unless other traffic took the room first, and a client retrying in a loop does
not keep pushing its own window forward.

When Redis cannot be reached, the limiter fails open by default: the request goes through
unchecked, and `on_unchecked` is called (a metric counts them). With `fail_closed` it is
refused with `ServiceUnavailable` (503) instead.

No HTTP here: `RateLimiter.check` returns a `RateLimitState`, or raises
`RateLimitExceeded` (a `RateLimited` carrying that state and no headers).
`pixmill.api.ratelimit` turns the state into each dialect's headers.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from limits import RateLimitItemPerSecond
from limits.aio.storage import MovingWindowSupport, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import ConfigurationError
from limits.storage import storage_from_string

from pixmill.errors import RateLimited, ServiceUnavailable

log = logging.getLogger(__name__)

MINUTE = 60


class Dimension(StrEnum):
    """What is counted; the values name OpenAI's headers (``x-ratelimit-limit-requests``)."""

    REQUESTS = "requests"
    IMAGES = "images"


@dataclass(frozen=True)
class Quota:
    """A key's limits per minute; None or 0 is unlimited."""

    requests_per_minute: int | None = None
    images_per_minute: int | None = None

    def __post_init__(self) -> None:
        for name in ("requests_per_minute", "images_per_minute"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be 0 (unlimited) or more, not {value}")

    def limit(self, dimension: Dimension) -> int | None:
        """The limit for `dimension`, None when unlimited."""
        value = (
            self.requests_per_minute if dimension is Dimension.REQUESTS else self.images_per_minute
        )
        return value or None


@dataclass(frozen=True)
class WindowState:
    """One dimension of a key's limits, as measured at `RateLimitState.at`."""

    dimension: Dimension
    limit: int
    remaining: int
    reset_at: float
    """Epoch seconds when the oldest counted unit leaves the window and `remaining` goes
    up; `RateLimitState.at` when nothing is counted."""
    retry_after: float | None = None
    """Seconds to wait before retrying; set on the refused dimension only. For a request
    it is exact; for a batch of images it is when the oldest units leave, the first moment
    the batch may fit (a retry then learns the rest)."""


@dataclass(frozen=True)
class RateLimitState:
    """A key's windows after a check; a dimension without a limit is None."""

    at: float
    """Epoch seconds when the windows were read."""
    requests: WindowState | None
    images: WindowState | None

    @property
    def windows(self) -> tuple[WindowState, ...]:
        """The limited dimensions, requests first."""
        return tuple(w for w in (self.requests, self.images) if w is not None)

    @property
    def refused(self) -> WindowState | None:
        """The dimension that refused the request, if one did."""
        return next((w for w in self.windows if w.retry_after is not None), None)


class RateLimitExceeded(RateLimited):
    """A refusal before any dialect's headers; `pixmill.api.ratelimit` adds them."""

    def __init__(self, message: str, state: RateLimitState):
        refused = state.refused
        assert refused is not None and refused.retry_after is not None
        super().__init__(message, retry_after=refused.retry_after, headers={})
        self.state = state


def async_storage_uri(uri: str) -> str:
    """Map an operator's ``memory://`` or ``redis://...`` to limits' asyncio scheme."""
    # limits picks its asyncio storages by an "async+" scheme prefix; operators should not
    # have to know that, and the checks run on the event loop so the sync ones are wrong.
    return uri if uri.startswith("async+") else f"async+{uri}"


class RateLimiter:
    """Counts requests and images per API key, refusing what would go over its quota."""

    def __init__(
        self,
        storage_uri: str = "memory://",
        *,
        key_prefix: str = "pixmill",
        window_seconds: int = MINUTE,
        fail_closed: bool = False,
        on_unchecked: Callable[[], None] | None = None,
    ):
        """`key_prefix` namespaces the counters (one per deployment, or per test);
        `window_seconds` is a minute except in tests that watch a window pass.
        `fail_closed` refuses requests while the storage is unreachable; otherwise they
        pass, and `on_unchecked` is called for each."""
        if window_seconds < 1:
            raise ValueError(f"window_seconds must be 1 or more, not {window_seconds}")
        uri = async_storage_uri(storage_uri)
        options: dict[str, str] = {}
        shared = urlsplit(uri).scheme.removeprefix("async+").startswith("redis")
        if shared:
            # limits defaults to coredis; the `limits[redis]` extra installs redis-py.
            options["implementation"] = "redispy"
        try:
            storage = storage_from_string(uri, **options)
        except ConfigurationError as exc:
            raise ValueError(f"Unusable rate limit storage {storage_uri!r}: {exc}") from exc
        if not isinstance(storage, Storage) or not isinstance(storage, MovingWindowSupport):
            raise ValueError(
                f"Rate limit storage {storage_uri!r} has no asyncio moving window; "
                "use memory:// or redis://"
            )
        self.storage_uri = storage_uri
        self.fail_closed = fail_closed
        self.on_unchecked = on_unchecked
        self.key_prefix = key_prefix
        self.window_seconds = window_seconds
        self._strategy = MovingWindowRateLimiter(storage)
        # What the shared storage raises when it cannot be reached (redis.RedisError).
        self._unavailable = _as_tuple(storage.base_exceptions) if shared else ()

    async def check(self, key_id: str, quota: Quota, images: int) -> RateLimitState:
        """Count one request and `images` images for `key_id`, or raise RateLimitExceeded.

        A refusal counts nothing, with one exception: when another process takes the
        last room between this check's test and its count, the request may stay counted
        though its images were refused. No dimension is ever counted past its limit.
        """
        if images < 1:
            raise ValueError(f"images must be 1 or more, not {images}")
        try:
            return await self._check(key_id, quota, images)
        except self._unavailable as exc:
            where = _without_password(self.storage_uri)
            if self.fail_closed:
                log.warning("request refused: rate limit storage %s is unreachable", where)
                raise _unavailable() from exc
            # Fail open: an outage of the counters' store should not take generation down.
            log.warning(
                "rate limits not applied: %s is unreachable (%s)", where, type(exc).__name__
            )
            if self.on_unchecked is not None:
                self.on_unchecked()
            return RateLimitState(at=time.time(), requests=None, images=None)

    async def ping(self) -> None:
        """ServiceUnavailable when a shared storage (Redis) does not answer; memory always does."""
        if not self._unavailable:
            return
        try:
            answered = await self._strategy.storage.check()
        except self._unavailable:
            answered = False
        if not answered:
            raise _unavailable()

    async def _check(self, key_id: str, quota: Quota, images: int) -> RateLimitState:
        costs = {Dimension.REQUESTS: 1, Dimension.IMAGES: images}
        items = {
            dimension: self._item(limit)
            for dimension in Dimension
            if (limit := quota.limit(dimension)) is not None
        }
        # 1. Test every dimension before counting any, so that a refusal counts nothing.
        for dimension, item in items.items():
            if not await self._strategy.test(item, dimension, key_id, cost=costs[dimension]):
                raise await self._refusal(key_id, items, dimension, costs[dimension])
        # 2. Count, requests first: hit() tests again atomically, and should a concurrent
        #    request win the race, losing one request slot is cheaper than `images` slots.
        for dimension, item in items.items():
            if not await self._strategy.hit(item, dimension, key_id, cost=costs[dimension]):
                raise await self._refusal(key_id, items, dimension, costs[dimension])
        return await self._state(key_id, items)

    async def clear(self, key_id: str, quota: Quota) -> None:
        """Forget what `key_id` has used under `quota` (an operator's reset)."""
        for dimension in Dimension:
            if (limit := quota.limit(dimension)) is not None:
                await self._strategy.clear(self._item(limit), dimension, key_id)

    async def aclose(self) -> None:
        """Close the storage's connections (Redis's pool); the limiter is done after this."""
        # limits has no close of its own; its Redis storages keep their client on `bridge`.
        bridge = getattr(self._strategy.storage, "bridge", None)
        if bridge is not None:
            await bridge.get_connection().aclose()

    def _item(self, limit: int) -> RateLimitItemPerSecond:
        # The prefix is the namespace, so it leads every storage key. limits also puts the
        # amount in the key: a key whose quota changes starts on a fresh window.
        return RateLimitItemPerSecond(limit, self.window_seconds, namespace=self.key_prefix)

    async def _state(
        self,
        key_id: str,
        items: dict[Dimension, RateLimitItemPerSecond],
        refused: Dimension | None = None,
        cost: int = 0,
    ) -> RateLimitState:
        at = time.time()
        windows: dict[Dimension, WindowState] = {}
        for dimension, item in items.items():
            stats = await self._strategy.get_window_stats(item, dimension, key_id)
            remaining = max(0, min(item.amount, stats.remaining))
            # An empty window reports now + window as its reset: nothing is waiting to
            # come back, so say "now".
            reset_at = stats.reset_time if remaining < item.amount else at
            retry_after = None
            if dimension is refused:
                # More than the whole limit never fits: a full window is as good as any.
                retry_after = (
                    float(self.window_seconds) if cost > item.amount else max(0.0, reset_at - at)
                )
            windows[dimension] = WindowState(
                dimension, item.amount, remaining, reset_at, retry_after
            )
        return RateLimitState(
            at=at, requests=windows.get(Dimension.REQUESTS), images=windows.get(Dimension.IMAGES)
        )

    async def _refusal(
        self,
        key_id: str,
        items: dict[Dimension, RateLimitItemPerSecond],
        dimension: Dimension,
        cost: int,
    ) -> RateLimitExceeded:
        state = await self._state(key_id, items, refused=dimension, cost=cost)
        window = state.refused
        assert window is not None and window.retry_after is not None
        per = "minute" if self.window_seconds == MINUTE else f"{self.window_seconds} seconds"
        used = window.limit - window.remaining
        if cost > window.limit:
            message = (
                f"Rate limit reached for {dimension} per {per}: limit {window.limit}, "
                f"requested {cost}. This request can never fit; ask for at most "
                f"{window.limit} {dimension}."
            )
        else:
            message = (
                f"Rate limit reached for {dimension} per {per}: limit {window.limit}, "
                f"used {used}, requested {cost}. Please try again in "
                f"{max(1, math.ceil(window.retry_after))}s."
            )
        return RateLimitExceeded(message, state)


def _unavailable() -> ServiceUnavailable:
    return ServiceUnavailable("Rate limits cannot be checked right now; please try again shortly.")


def _without_password(uri: str) -> str:
    parts = urlsplit(uri)
    if parts.password is None:
        return uri
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username or ''}:***@{host}").geturl()


def _as_tuple(
    exceptions: type[Exception] | tuple[type[Exception], ...],
) -> tuple[type[Exception], ...]:
    return exceptions if isinstance(exceptions, tuple) else (exceptions,)
