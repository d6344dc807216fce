"""Reaching URLs that callers give (webhooks, input images) without SSRF.

Rules: only http and https; the host is resolved and every address it resolves to must
be public (see `addresses`) unless allow-listed; the connection goes to an address that
was checked, in the same step as the check, so DNS rebinding has no window (the Host
header and TLS SNI keep the URL's name); redirects are never followed; timeouts are
short and a read stops at a byte limit. Environment proxies are ignored, since a proxy
would reach the target for us, unchecked.

    check_url(url, allow_list, param=...)        submit-time check (resolves the host)
    guarded_client(allow_list)                   an httpx.AsyncClient under these rules
    fetch(url, max_bytes=..., allow_list=..., param=...)   GET into memory, or InvalidRequest
"""

from __future__ import annotations

import ipaddress
import socket
import typing
from collections.abc import Iterable
from dataclasses import dataclass

import anyio
import httpcore
import httpx

from pixmill.errors import InvalidRequest
from pixmill.security.addresses import AllowList, IPAddress, check_address

SCHEMES = frozenset({"http", "https"})
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=3.0)
DEFAULT_TOTAL_SECONDS = 30.0
"""A fetch ends after this long however the server drips its bytes."""

AllowListLike = AllowList | Iterable[str] | None


class BlockedTarget(httpx.ConnectError):
    """The guarded client refused to connect: the target is not allowed (an httpx error, so
    a webhook sender's `except httpx.HTTPError` records it as a failed attempt)."""


def _parse(url: str, param: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InvalidRequest(f"'{param}' is not a valid URL.", param=param) from None
    if parsed.scheme not in SCHEMES:
        raise InvalidRequest(f"'{param}' must be an http or https URL.", param=param)
    if not parsed.host:
        raise InvalidRequest(f"'{param}' has no host.", param=param)
    return parsed


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _verdict(host: str, addresses: list[IPAddress], allow: AllowList) -> str | None:
    """Why a connection to `host` must be refused, or None; every address must pass."""
    if not addresses:
        return "its host does not resolve"
    for address in addresses:
        reason = check_address(host, address, allow)
        if reason is not None:
            return f"its host resolves to {reason}"
    return None


def _addresses(infos: Iterable[tuple[typing.Any, ...]]) -> list[IPAddress]:
    # getaddrinfo may append a scope ("fe80::1%eth0"); the address is what comes before it.
    found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    return list(dict.fromkeys(found))


def check_url(url: str, allow_list: AllowListLike, *, param: str) -> None:
    """Refuse, with a 400 naming `param`, a URL that pixmill must not fetch or post to.

    Resolves the host (blocking; call it from a thread in async code, or use
    `check_url_async`). Passing says the URL was acceptable now; the guarded client checks
    again at connect time, so a host that resolves elsewhere later is still refused.
    """
    parsed = _parse(url, param)
    allow = AllowList.parse(allow_list)
    literal = _literal(parsed.host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = _addresses(
                socket.getaddrinfo(parsed.host, parsed.port or 443, type=socket.SOCK_STREAM)
            )
        except (OSError, UnicodeError):
            addresses = []
    _raise_if_refused(parsed.host, addresses, allow, param)


async def check_url_async(url: str, allow_list: AllowListLike, *, param: str) -> None:
    """`check_url` for async code: resolves the host without blocking the event loop."""
    await anyio.to_thread.run_sync(lambda: check_url(url, allow_list, param=param))


def _raise_if_refused(host: str, addresses: list[IPAddress], allow: AllowList, param: str) -> None:
    reason = _verdict(host, addresses, allow)
    if reason is not None:
        raise InvalidRequest(f"'{param}' is not allowed: {reason}.", param=param)


class _PinningBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects in one step, to the very address that passed."""

    def __init__(self, allow: AllowList):
        self._allow = allow
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        literal = _literal(host)
        if literal is not None:
            addresses = [literal]
        else:
            try:
                with anyio.fail_after(timeout):
                    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except TimeoutError as exc:
                raise httpcore.ConnectTimeout(str(exc)) from exc
            except (OSError, UnicodeError) as exc:
                raise httpcore.ConnectError(f"cannot resolve the host: {exc}") from exc
            addresses = _addresses(infos)
        reason = _verdict(host, addresses, self._allow)
        if reason is not None:
            raise BlockedTarget(f"refused: {reason}")
        error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(self, *args: typing.Any, **kwargs: typing.Any) -> typing.NoReturn:
        raise BlockedTarget("refused: unix sockets are not reachable through URLs")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport, with its connection pool connecting through `_PinningBackend`."""

    def __init__(self, allow: AllowList, *, limits: httpx.Limits | None = None):
        super().__init__(trust_env=False)
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20)
        # httpx builds its pool without a network-backend hook; swap in an equivalent pool
        # that has one (the same arguments httpx passes, plus ours).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinningBackend(allow),
        )


def guarded_client(
    allow_list: AllowListLike,
    *,
    timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
    headers: dict[str, str] | None = None,
) -> httpx.AsyncClient:
    """An AsyncClient that only reaches allowed targets and never follows redirects.

    A refused target raises `BlockedTarget` (an `httpx.ConnectError`) from the request.
    """
    return httpx.AsyncClient(
        transport=GuardedTransport(AllowList.parse(allow_list)),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers=headers,
    )


@dataclass(frozen=True)
class Fetched:
    """What a URL answered: its bytes and its declared (untrusted) content type."""

    content: bytes
    content_type: str | None


async def fetch(
    url: str,
    *,
    max_bytes: int,
    allow_list: AllowListLike,
    param: str,
    client: httpx.AsyncClient | None = None,
    total_seconds: float = DEFAULT_TOTAL_SECONDS,
) -> Fetched:
    """GET a caller-given URL into memory under the SSRF rules; any failure is a 400
    naming `param`. Pass `client` (from `guarded_client`) to share connections: its own
    allow-list then applies, and `allow_list` is not used."""
    _parse(url, param)
    own = client is None
    active = client or guarded_client(allow_list)
    try:
        with anyio.fail_after(total_seconds):
            return await _read(active, url, max_bytes, param)
    except InvalidRequest:
        raise
    except BlockedTarget as exc:
        raise InvalidRequest(f"'{param}' is not allowed: {_reason(exc)}.", param=param) from None
    except (httpx.TimeoutException, TimeoutError):
        raise InvalidRequest(f"'{param}' could not be fetched: timed out.", param=param) from None
    except httpx.HTTPError as exc:
        raise InvalidRequest(
            f"'{param}' could not be fetched: {type(exc).__name__}.", param=param
        ) from None
    finally:
        if own:
            await active.aclose()


def _reason(exc: BlockedTarget) -> str:
    return str(exc).removeprefix("refused: ")


async def _read(client: httpx.AsyncClient, url: str, max_bytes: int, param: str) -> Fetched:
    # Identity encoding: the limit then counts what the server sends, not what it inflates to.
    async with client.stream("GET", url, headers={"Accept-Encoding": "identity"}) as response:
        if response.is_redirect:
            raise InvalidRequest(
                f"'{param}' answered with a redirect (HTTP {response.status_code}); "
                "redirects are not followed.",
                param=param,
            )
        if not response.is_success:
            raise InvalidRequest(
                f"'{param}' could not be fetched: HTTP {response.status_code}.", param=param
            )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(param, max_bytes)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(param, max_bytes)
            chunks.append(chunk)
        return Fetched(b"".join(chunks), response.headers.get("content-type"))


def _too_large(param: str, max_bytes: int) -> InvalidRequest:
    return InvalidRequest(f"'{param}' is larger than {max_bytes} bytes.", param=param)
