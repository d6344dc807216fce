"""Everything accounts keep, over one database: keys, ledger, usage, idempotency, prices."""

from __future__ import annotations

from dataclasses import dataclass

from pixmill.accounts.db import Database
from pixmill.accounts.idempotency import IdempotencyStore
from pixmill.accounts.keys import KeyStore
from pixmill.accounts.ledger import Ledger
from pixmill.accounts.pricing import PriceTable
from pixmill.accounts.usage_log import UsageLog
from pixmill.settings import Settings


@dataclass(frozen=True)
class AccountStore:
    db: Database
    keys: KeyStore
    ledger: Ledger
    usage: UsageLog
    idempotency: IdempotencyStore
    prices: PriceTable

    @classmethod
    def open(cls, settings: Settings) -> AccountStore:
        """Connect to the settings' database; run `db.upgrade()` before first use."""
        db = Database(settings.accounts_database_url())
        return cls(
            db=db,
            keys=KeyStore(db),
            ledger=Ledger(db),
            usage=UsageLog(db),
            idempotency=IdempotencyStore(db),
            prices=PriceTable(settings.prices, settings.art_table()),
        )
