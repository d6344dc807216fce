"""Short-lived signed tokens for a job's event stream, for browsers' EventSource, which
cannot send headers: a key never goes in a URL. Signed with itsdangerous."""

from __future__ import annotations

import secrets
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pixmill.errors import AuthenticationError
from pixmill.settings import Settings

SALT = "pixmill.job-events"
TOKEN_SECONDS = 600


def signing_key(settings: Settings) -> str:
    """The shared secret from settings, or one kept in the data directory (one machine)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = Path(settings.data_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip()


class EventTokens:
    def __init__(self, key: str, *, seconds: int = TOKEN_SECONDS):
        self._serializer = URLSafeTimedSerializer(key, salt=SALT)
        self.seconds = seconds

    def make(self, job_id: str, account_id: str) -> str:
        return self._serializer.dumps([job_id, account_id])

    def account_of(self, token: str, job_id: str) -> str:
        """The account a valid token for this job was made for; 401 otherwise."""
        try:
            token_job, account_id = self._serializer.loads(token, max_age=self.seconds)
        except SignatureExpired:
            raise AuthenticationError("The events token has expired; ask for a new one.") from None
        except (BadSignature, ValueError, TypeError):
            raise AuthenticationError("The events token is not valid.") from None
        if token_job != job_id:
            raise AuthenticationError("The events token is for another request.")
        return account_id
