"""The base URL of the links this server hands out: `PIXMILL_PUBLIC_URL`, or the
request's own when its Host is one the operator allows, so that a forged Host header
cannot point image links elsewhere.

Starlette's TrustedHostMiddleware does not fit: it refuses every request whose Host it
does not know, in plain text and before any route, where only links need a trusted
host (the same call asking for base64 works from any name), and it cuts the port off
at the first colon, which breaks on IPv6 addresses.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from fastapi import Request

from pixmill.settings import Settings

_HOST = re.compile(
    r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?"
)
"""host[:port], the host a name or an address (IPv6 in brackets): nothing else, such as
`user@`, a path or a second host, may ride in a link."""


def host_name(header: str) -> str | None:
    """The host a Host header names, in lower case, an IPv6 address without brackets;
    None when the header is not a plain `host[:port]`."""
    match = _HOST.fullmatch(header)
    return match[1].strip("[]").lower() if match else None


def host_allowed(name: str, hosts: Collection[str]) -> bool:
    """Whether `hosts` takes `name`: listed, under a listed `*.domain`, or `*` listed."""
    if name in hosts or "*" in hosts:
        return True
    return any(host.startswith("*.") and name.endswith(host[1:]) for host in hosts)


def link_base(request: Request, settings: Settings) -> str | None:
    """The base URL for image links in the answer to this request: the public URL, else
    the request's own (scheme, Host, root path) when its Host is allowed; else None."""
    if settings.public_url:
        return settings.public_url
    header = request.headers.get("host", "")
    name = host_name(header)
    if name is None or not host_allowed(name, settings.link_hosts()):
        return None
    root = request.scope.get("root_path", "")
    return f"{request.url.scheme}://{header}{root}".rstrip("/")


def job_base(request: Request, settings: Settings) -> str:
    """The base URL of a job's own links (status, result, events): the public URL, else
    the request's own. They go to the caller who asked, with its key."""
    return settings.public_url or str(request.base_url).rstrip("/")
