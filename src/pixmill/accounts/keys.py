"""API key checks against the keys configured in settings."""

from __future__ import annotations

import hashlib
import hmac

from pixmill.errors import AuthenticationError

ANONYMOUS = "anonymous"


class StaticKeys:
    """Accepts the configured keys, compared in constant time; with none configured, any caller.

    Keys are kept only as SHA-256 digests, so neither memory dumps nor logs show them.
    """

    def __init__(self, keys: list[str]):
        self._digests = [_digest(key) for key in keys]

    @property
    def open(self) -> bool:
        return not self._digests

    def authenticate(self, key: str | None) -> str:
        """Return a printable id of the caller's key; raise AuthenticationError when refused."""
        if self.open:
            return ANONYMOUS
        if not key:
            raise AuthenticationError(
                "Missing API key: send it in the 'x-api-key' header or as "
                "'Authorization: Bearer KEY'."
            )
        digest = _digest(key)
        # Compare against every key, so timing does not reveal which one was close.
        matched = [hmac.compare_digest(digest, known) for known in self._digests]
        if not any(matched):
            raise AuthenticationError("Invalid API key.")
        return f"key_{digest[:12]}"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
