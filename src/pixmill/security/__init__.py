"""Guards for what callers hand the server: URLs it must fetch or post to (SSRF)."""

from pixmill.security.addresses import AllowList
from pixmill.security.urls import (
    BlockedTarget,
    Fetched,
    check_url,
    check_url_async,
    fetch,
    guarded_client,
)

__all__ = [
    "AllowList",
    "BlockedTarget",
    "Fetched",
    "check_url",
    "check_url_async",
    "fetch",
    "guarded_client",
]
