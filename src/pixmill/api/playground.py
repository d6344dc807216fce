"""The web playground: GET / and GET /static/{name}, static files shipped in pixmill.web.

Only the files are served here; the page itself calls the public API like any client.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.responses import Response

from pixmill.errors import NotFound

MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}

# Its own scripts and styles only, no inline script, connections to this server only;
# images may also be data: (base64 results) and blob: (downloads, uploads).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        # The browser itself refuses HTML strings in innerHTML and its kin: text only.
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    # Small files that change with the package: revalidate rather than go stale.
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["playground"], include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
async def index() -> Response:
    return static_file("index.html")


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
async def static(name: str) -> Response:
    return static_file(name)


def static_file(name: str) -> Response:
    """One file of pixmill.web by plain name (no folders), with the playground's headers."""
    body = _read(name)
    if body is None:
        raise NotFound(f"No static file {name!r}.")
    suffix = name[name.rfind(".") :]
    return Response(body, media_type=MEDIA_TYPES[suffix], headers=SECURITY_HEADERS)


@cache
def _read(name: str) -> bytes | None:
    suffix = name[name.rfind(".") :] if "." in name else ""
    if suffix not in MEDIA_TYPES or "/" in name or "\\" in name or name.startswith("."):
        return None
    resource = files("pixmill.web").joinpath(name)
    return resource.read_bytes() if resource.is_file() else None
