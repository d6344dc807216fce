"""The first run: an empty database gets a starter account and key, so a first call works."""

from __future__ import annotations

from pixmill.accounts.keys import NewKey
from pixmill.accounts.pricing import to_micro
from pixmill.accounts.store import AccountStore
from pixmill.settings import Settings

STARTER_NAME = "starter"


def create_starter_key(store: AccountStore, settings: Settings) -> NewKey | None:
    """A starter account holding settings.starter_credits and its key; None when the
    database already has accounts or starter keys are switched off."""
    if not settings.starter_key or store.keys.has_accounts():
        return None
    return store.keys.create_key(
        None, STARTER_NAME, credits_micro=to_micro(settings.starter_credits)
    )


def first_call(new: NewKey, base_url: str) -> str:
    """A ready-to-paste curl line that makes an image with the new key."""
    return (
        f"curl -s {base_url}/v1/gpt-image-1 -H 'x-api-key: {new.secret}' "
        "-H 'content-type: application/json' -H 'accept: image/png' "
        """-d '{"prompt": "a poster for \\"Hello pixmill\\"", "quality": "low"}' -o hello.png"""
    )
