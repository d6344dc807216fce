"""Signed tokens in URLs, made with itsdangerous from one secret (`signing_key`), each
kind under its own salt so one never passes for another:

- events tokens: short-lived, for a job's event stream, for browsers' EventSource,
  which cannot send headers: a key never goes in a URL;
- image links: one stored image of a job (`response_format: "url"`), readable without
  a key until the job's results expire.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pixmill.errors import AuthenticationError, NotFound
from pixmill.settings import Settings

SALT = "pixmill.job-events"
LINK_SALT = "pixmill.image-link"
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


@dataclass(frozen=True)
class ImageLink:
    """What a valid image link names: a job, the index of one of its images, and when
    the link ends (the job's results expire then), in Unix seconds."""

    job_id: str
    index: int
    expires: int

    def seconds_left(self) -> int:
        return max(0, self.expires - int(time.time()))


class ImageLinks:
    """Unguessable links to a job's stored images: bearer links, by design (OpenAI's are
    too), so whoever holds one may read that image, and only that image, until it ends.

    A token is signed (not encrypted): it shows the job id, which is of no use without
    the account's key. It ends at the job's expiry, and at most `max_seconds` after it
    was made (the result retention), whichever comes first.
    """

    def __init__(self, key: str, *, max_seconds: int):
        self._serializer = URLSafeTimedSerializer(key, salt=LINK_SALT)
        self.max_seconds = max_seconds

    def make(self, job_id: str, index: int, expires: datetime) -> str:
        return self._serializer.dumps([job_id, index, int(expires.timestamp())])

    def read(self, token: str) -> ImageLink:
        """The image a valid, unexpired token names; 404 for anything else, alike, so a
        caller learns nothing from a guess."""
        try:
            job_id, index, expires = self._serializer.loads(token, max_age=self.max_seconds)
        except (BadSignature, ValueError, TypeError):
            raise no_image() from None
        if not (isinstance(job_id, str) and type(index) is int and type(expires) is int):
            raise no_image()
        link = ImageLink(job_id, index, expires)
        if link.seconds_left() <= 0:
            raise no_image()
        return link


def no_image() -> NotFound:
    """The one answer to a link that does not lead to an image, whatever the reason."""
    return NotFound("No such image: the link is not valid, or it has expired.")
