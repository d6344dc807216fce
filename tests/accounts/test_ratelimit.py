"""Rate limits on the real `limits` storages: process memory and the Redis on loopback."""

from __future__ import annotations

import asyncio
import math
import re
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from typing import Protocol

import pytest
import redis

from pixmill.accounts.ratelimit import (
    Dimension,
    Quota,
    RateLimiter,
    RateLimitExceeded,
    RateLimitState,
    WindowState,
    async_storage_uri,
)
from pixmill.api.errors import Dialect
from pixmill.api.ratelimit import (
    openai_duration,
    rate_limit_headers,
    rate_limited,
    utc_timestamp,
)
from pixmill.errors import RateLimited, ServiceUnavailable

REDIS_URI = "redis://127.0.0.1:6379/0"

pytestmark = pytest.mark.anyio


class MakeLimiter(Protocol):
    def __call__(self, window_seconds: int = 60) -> RateLimiter: ...


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own, its Redis keys deleted afterwards."""
    prefix = f"pixmill-test-{uuid.uuid4().hex}"
    yield prefix
    client = redis.Redis.from_url(REDIS_URI)
    try:
        for key in client.scan_iter(match=f"*{prefix}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(params=["memory://", REDIS_URI])
def storage_uri(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
async def make_limiter(storage_uri: str, prefix: str) -> AsyncIterator[MakeLimiter]:
    """Limiters on this test's storage and prefix, closed afterwards."""
    made: list[RateLimiter] = []

    def make(window_seconds: int = 60) -> RateLimiter:
        made.append(RateLimiter(storage_uri, key_prefix=prefix, window_seconds=window_seconds))
        return made[-1]

    yield make
    for limiter in made:
        await limiter.aclose()


@pytest.fixture
async def redis_limiter(prefix: str) -> AsyncIterator[Callable[[str], RateLimiter]]:
    """Limiters on the Redis, each a process of its own, closed afterwards."""
    made: list[RateLimiter] = []

    def make(key_prefix: str) -> RateLimiter:
        made.append(RateLimiter(REDIS_URI, key_prefix=key_prefix))
        return made[-1]

    yield make
    for limiter in made:
        await limiter.aclose()


async def remaining(limiter: RateLimiter, key: str, quota: Quota, images: int) -> dict[str, int]:
    """Check, and say what is left in each limited dimension."""
    state = await limiter.check(key, quota, images)
    return {window.dimension: window.remaining for window in state.windows}


async def refusal(limiter: RateLimiter, key: str, quota: Quota, images: int) -> RateLimitExceeded:
    with pytest.raises(RateLimitExceeded) as info:
        await limiter.check(key, quota, images)
    return info.value


# -- counting and refusing ----------------------------------------------------------------


async def test_requests_pass_up_to_the_limit_then_refuse_until_the_oldest_leaves(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter()
    quota = Quota(requests_per_minute=3)
    first = time.time()
    left = [await remaining(limiter, "k", quota, 1) for _ in range(3)]
    assert left == [{"requests": 2}, {"requests": 1}, {"requests": 0}]

    exc = await refusal(limiter, "k", quota, 1)
    window = exc.state.refused
    assert window is not None and window.dimension is Dimension.REQUESTS
    assert (window.limit, window.remaining) == (3, 0)
    # The oldest request leaves the window a minute after it was counted.
    expected = first + 60 - exc.state.at
    assert expected <= exc.retry_after <= expected + 0.5
    assert window.retry_after == exc.retry_after
    assert window.reset_at == pytest.approx(exc.state.at + exc.retry_after)
    assert exc.status == 429 and exc.code == "rate_limit_exceeded"
    assert "requests per minute: limit 3, used 3, requested 1" in exc.message
    assert f"try again in {math.ceil(exc.retry_after)}s" in exc.message


async def test_images_count_n_each(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    quota = Quota(images_per_minute=5)
    assert await remaining(limiter, "k", quota, 2) == {"images": 3}
    assert await remaining(limiter, "k", quota, 2) == {"images": 1}

    exc = await refusal(limiter, "k", quota, 2)
    assert exc.state.refused is exc.state.images
    assert exc.state.images is not None and exc.state.images.remaining == 1
    assert 59 < exc.retry_after <= 60
    assert "images per minute: limit 5, used 4, requested 2" in exc.message
    # One image still fits.
    assert await remaining(limiter, "k", quota, 1) == {"images": 0}


async def test_a_refusal_counts_in_neither_dimension(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    quota = Quota(requests_per_minute=2, images_per_minute=4)
    await limiter.check("k", quota, 3)

    exc = await refusal(limiter, "k", quota, 2)
    assert exc.state.refused is exc.state.images
    assert exc.state.requests is not None and exc.state.requests.remaining == 1
    assert exc.state.requests.retry_after is None
    assert exc.state.images is not None and exc.state.images.remaining == 1

    state = await limiter.check("k", quota, 1)
    assert state.requests is not None and state.requests.remaining == 0
    assert state.images is not None and state.images.remaining == 0
    exc = await refusal(limiter, "k", quota, 1)
    assert exc.state.refused is exc.state.requests


async def test_more_images_than_the_limit_never_fit(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    quota = Quota(requests_per_minute=10, images_per_minute=4)
    exc = await refusal(limiter, "k", quota, 5)
    assert exc.retry_after == 60
    assert "can never fit; ask for at most 4 images" in exc.message
    assert exc.state.images is not None and exc.state.images.remaining == 4
    assert exc.state.requests is not None and exc.state.requests.remaining == 10


async def test_keys_are_counted_apart(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    quota = Quota(requests_per_minute=1)
    await limiter.check("alice", quota, 1)
    await refusal(limiter, "alice", quota, 1)
    assert await remaining(limiter, "bob", quota, 1) == {"requests": 0}


@pytest.mark.parametrize("quota", [Quota(), Quota(0, 0), Quota(None, 0)])
async def test_an_unlimited_quota_never_refuses(make_limiter: MakeLimiter, quota: Quota) -> None:
    limiter = make_limiter()
    for _ in range(50):
        state = await limiter.check("k", quota, 10)
    assert state.windows == () and state.refused is None


async def test_one_dimension_may_be_unlimited(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    state = await limiter.check("k", Quota(images_per_minute=100), 10)
    assert state.requests is None
    assert state.images is not None and state.images.remaining == 90


async def test_concurrent_checks_never_pass_the_limit(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    quota = Quota(requests_per_minute=5, images_per_minute=100)
    results = await asyncio.gather(
        *(limiter.check("k", quota, 1) for _ in range(20)), return_exceptions=True
    )
    assert sum(isinstance(r, RateLimitState) for r in results) == 5
    assert all(isinstance(r, RateLimitState | RateLimitExceeded) for r in results)


async def test_reset_at_is_when_the_oldest_leaves(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    quota = Quota(requests_per_minute=10)
    before = time.time()
    state = await limiter.check("k", quota, 1)
    window = state.requests
    assert window is not None and window.retry_after is None
    assert before + 60 <= window.reset_at <= state.at + 60


async def test_room_comes_back_after_the_window(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(window_seconds=1)
    quota = Quota(requests_per_minute=1)
    await limiter.check("k", quota, 1)
    exc = await refusal(limiter, "k", quota, 1)
    assert "per 1 seconds" in exc.message
    assert 0.5 < exc.retry_after <= 1
    await asyncio.sleep(exc.retry_after + 0.05)
    await limiter.check("k", quota, 1)


async def test_clear_forgets_a_key(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    quota = Quota(requests_per_minute=1, images_per_minute=1)
    await limiter.check("k", quota, 1)
    await limiter.clear("k", quota)
    await limiter.check("k", quota, 1)


# -- sharing between processes --------------------------------------------------------------


async def test_limiters_on_one_redis_share_counters(
    prefix: str, redis_limiter: Callable[[str], RateLimiter]
) -> None:
    quota = Quota(requests_per_minute=2)
    one, two = redis_limiter(prefix), redis_limiter(prefix)
    await one.check("k", quota, 1)
    assert await remaining(two, "k", quota, 1) == {"requests": 0}
    await refusal(one, "k", quota, 1)
    # Another prefix is another deployment.
    other = redis_limiter(f"{prefix}-other")
    await other.check("k", quota, 1)


async def test_limiters_in_memory_do_not_share(prefix: str) -> None:
    quota = Quota(requests_per_minute=1)
    one, two = (RateLimiter("memory://", key_prefix=prefix) for _ in range(2))
    await one.check("k", quota, 1)
    await two.check("k", quota, 1)


# -- construction ---------------------------------------------------------------------------


def test_quota_refuses_negative_limits() -> None:
    with pytest.raises(ValueError, match="requests_per_minute"):
        Quota(requests_per_minute=-1)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("memory://", "async+memory://"),
        ("redis://127.0.0.1:6379/0", "async+redis://127.0.0.1:6379/0"),
        ("async+redis://h:1", "async+redis://h:1"),
    ],
)
def test_operator_uris_map_to_asyncio_storages(uri: str, expected: str) -> None:
    assert async_storage_uri(uri) == expected


@pytest.mark.parametrize("uri", ["nosuch://x", "memcached://127.0.0.1:11211"])
def test_an_unusable_storage_is_a_clear_error(uri: str) -> None:
    with pytest.raises(ValueError, match="rate limit storage"):
        RateLimiter(uri)


# -- headers --------------------------------------------------------------------------------

_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$")


def parse_duration(text: str) -> float:
    match = _DURATION.match(text)
    assert match and text, text
    hours, minutes, seconds, millis = match.groups()
    return (
        int(hours or 0) * 3600
        + int(minutes or 0) * 60
        + float(seconds or 0)
        + int(millis or 0) / 1000
    )


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (-1, "0s"),
        (0.0004, "1ms"),
        (0.02, "20ms"),
        (0.999, "999ms"),
        (1, "1s"),
        (1.5, "1.5s"),
        (8.64, "8.64s"),
        (60, "1m0s"),
        (360, "6m0s"),
        (90.25, "1m30.25s"),
        (3600, "1h0m0s"),
    ],
)
def test_openai_durations(seconds: float, text: str) -> None:
    assert openai_duration(seconds) == text
    assert parse_duration(text) == pytest.approx(max(0, seconds), abs=0.001)


def test_utc_timestamps_round_up_to_the_second() -> None:
    assert utc_timestamp(0) == "1970-01-01T00:00:00Z"
    assert utc_timestamp(1_795_497_424.2) == "2026-11-24T05:17:05Z"
    assert utc_timestamp(1_795_497_425.0) == "2026-11-24T05:17:05Z"


async def test_openai_headers_on_success(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    state = await limiter.check("k", Quota(requests_per_minute=5, images_per_minute=8), 3)
    headers = rate_limit_headers(Dialect.OPENAI, state)
    assert set(headers) == {
        f"x-ratelimit-{what}-{dim}"
        for what in ("limit", "remaining", "reset")
        for dim in ("requests", "images")
    }
    assert headers["x-ratelimit-limit-requests"] == "5"
    assert headers["x-ratelimit-remaining-requests"] == "4"
    assert headers["x-ratelimit-limit-images"] == "8"
    assert headers["x-ratelimit-remaining-images"] == "5"
    for window in state.windows:
        reset = parse_duration(headers[f"x-ratelimit-reset-{window.dimension}"])
        assert reset == pytest.approx(window.reset_at - state.at, abs=0.001)
        assert 59 < reset <= 60
    assert rate_limit_headers(Dialect.SEGMIND, state) == {}


async def test_openai_and_segmind_headers_on_a_refusal(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter()
    quota = Quota(requests_per_minute=1)
    await limiter.check("k", quota, 1)
    exc = await refusal(limiter, "k", quota, 1)
    window = exc.state.refused
    assert window is not None and window.retry_after is not None

    openai = rate_limited(Dialect.OPENAI, exc)
    assert isinstance(openai, RateLimited) and not isinstance(openai, RateLimitExceeded)
    assert (openai.status, openai.code, openai.message) == (429, exc.code, exc.message)
    assert openai.retry_after == exc.retry_after
    assert openai.headers["Retry-After"] == str(math.ceil(window.retry_after))
    assert openai.headers["x-ratelimit-remaining-requests"] == "0"
    reset = parse_duration(openai.headers["x-ratelimit-reset-requests"])
    assert reset == pytest.approx(window.retry_after, abs=0.001)
    assert "x-ratelimit-limit-images" not in openai.headers

    segmind = rate_limited(Dialect.SEGMIND, exc)
    assert set(segmind.headers) == {"x-rate-limit-reset-at-utc", "Retry-After"}
    reset_at = datetime.fromisoformat(segmind.headers["x-rate-limit-reset-at-utc"]).timestamp()
    assert 0 <= reset_at - (exc.state.at + window.retry_after) < 1
    assert segmind.headers["Retry-After"] == openai.headers["Retry-After"]


def test_retry_after_is_at_least_one_second() -> None:
    window = WindowState(Dimension.REQUESTS, 1, 0, 100.01, retry_after=0.01)
    state = RateLimitState(at=100.0, requests=window, images=None)
    assert rate_limit_headers(Dialect.OPENAI, state)["Retry-After"] == "1"
    assert rate_limit_headers(Dialect.OPENAI, state)["x-ratelimit-reset-requests"] == "10ms"


async def test_an_unreachable_redis_lets_requests_through(caplog):
    """Fail open: an outage of the counters' store must not take generation down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    limiter = RateLimiter(f"redis://127.0.0.1:{port}/0", key_prefix=f"t-{uuid.uuid4().hex}")
    for _ in range(3):
        state = await limiter.check("key_a", Quota(requests_per_minute=1), 1)
        assert state.windows == ()
    assert "rate limits not applied" in caplog.text
    await limiter.aclose()


async def test_an_unreachable_redis_refuses_requests_when_failing_closed():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    unchecked: list[None] = []
    limiter = RateLimiter(
        f"redis://:secret@127.0.0.1:{port}/0",
        key_prefix=f"t-{uuid.uuid4().hex}",
        fail_closed=True,
        on_unchecked=lambda: unchecked.append(None),
    )
    with pytest.raises(ServiceUnavailable) as refused:
        await limiter.check("key_a", Quota(requests_per_minute=1), 1)
    assert refused.value.headers["Retry-After"] == "5"
    with pytest.raises(ServiceUnavailable):
        await limiter.ping()
    assert unchecked == []
    await limiter.aclose()


async def test_unchecked_requests_are_counted_when_failing_open(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    unchecked: list[None] = []
    limiter = RateLimiter(
        f"redis://:secret@127.0.0.1:{port}/0",
        key_prefix=f"t-{uuid.uuid4().hex}",
        on_unchecked=lambda: unchecked.append(None),
    )
    for _ in range(3):
        await limiter.check("key_a", Quota(requests_per_minute=1), 1)
    assert len(unchecked) == 3
    assert "secret" not in caplog.text
    await limiter.aclose()
