"""The credits ledger: grants, and holds that a request reserves, then charges or releases.

Every movement is one append-only row; the account's balance column moves in the
same transaction, so it always equals the sum of its rows. A reserve is a single
conditional UPDATE, which is what keeps concurrent requests from overspending.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from pixmill.accounts.db import Database
from pixmill.accounts.tables import Account, LedgerEntry
from pixmill.errors import InsufficientCredits, InvalidRequest, NotFound
from pixmill.usage import format_credits


@dataclass(frozen=True)
class Hold:
    """Credits reserved for one request, not yet charged or released."""

    account_id: str
    request_id: str
    amount_micro: int


class Ledger:
    def __init__(self, db: Database):
        self.db = db

    def grant(self, account_id: str, amount_micro: int, note: str | None = None) -> int:
        """Add credits; the new balance."""
        if amount_micro <= 0:
            raise InvalidRequest("credits must be a positive amount.", param="credits")
        with self.db.transaction() as session:
            balance = session.scalar(
                update(Account)
                .where(Account.id == account_id)
                .values(balance_micro=Account.balance_micro + amount_micro)
                .returning(Account.balance_micro)
            )
            if balance is None:
                raise NotFound(f"No account '{account_id}'.", param="account_id")
            session.add(
                LedgerEntry(
                    account_id=account_id, kind="grant", amount_micro=amount_micro, note=note
                )
            )
        return balance

    def reserve(self, account_id: str, request_id: str, amount_micro: int) -> Hold:
        """Hold amount_micro for the request, or raise InsufficientCredits."""
        with self.db.transaction() as session:
            taken = session.scalar(
                update(Account)
                .where(Account.id == account_id, Account.balance_micro >= amount_micro)
                .values(balance_micro=Account.balance_micro - amount_micro)
                .returning(Account.balance_micro)
            )
            if taken is None:
                balance = session.scalar(
                    select(Account.balance_micro).where(Account.id == account_id)
                )
                raise InsufficientCredits(
                    "You exceeded your current quota: this request can cost up to "
                    f"{format_credits(amount_micro)} credits and the account has "
                    f"{format_credits(balance or 0)}."
                )
            session.add(
                LedgerEntry(
                    account_id=account_id,
                    kind="reserve",
                    amount_micro=-amount_micro,
                    request_id=request_id,
                )
            )
        return Hold(account_id, request_id, amount_micro)

    def settle(self, hold: Hold, charge_micro: int) -> None:
        """Release the hold and charge what was delivered (at most the hold), in one step."""
        if not 0 <= charge_micro <= hold.amount_micro:
            raise ValueError(f"charge {charge_micro} outside the hold of {hold.amount_micro}")
        with self.db.transaction() as session:
            session.execute(
                update(Account)
                .where(Account.id == hold.account_id)
                .values(balance_micro=Account.balance_micro + hold.amount_micro - charge_micro)
            )
            session.add(
                LedgerEntry(
                    account_id=hold.account_id,
                    kind="release",
                    amount_micro=hold.amount_micro,
                    request_id=hold.request_id,
                )
            )
            if charge_micro:
                session.add(
                    LedgerEntry(
                        account_id=hold.account_id,
                        kind="charge",
                        amount_micro=-charge_micro,
                        request_id=hold.request_id,
                    )
                )

    def release(self, hold: Hold) -> None:
        """Give the whole hold back: the request failed or was not delivered."""
        self.settle(hold, 0)

    def balance(self, account_id: str) -> int:
        with self.db.transaction() as session:
            balance = session.scalar(select(Account.balance_micro).where(Account.id == account_id))
        if balance is None:
            raise NotFound(f"No account '{account_id}'.", param="account_id")
        return balance

    def ledger_sum(self, account_id: str) -> int:
        """The sum of the account's ledger rows: what balance() must always equal."""
        with self.db.transaction() as session:
            total = session.scalar(
                select(func.coalesce(func.sum(LedgerEntry.amount_micro), 0)).where(
                    LedgerEntry.account_id == account_id
                )
            )
        return int(total or 0)

    def entries(self, account_id: str) -> list[LedgerEntry]:
        with self.db.transaction() as session:
            return list(
                session.scalars(
                    select(LedgerEntry)
                    .where(LedgerEntry.account_id == account_id)
                    .order_by(LedgerEntry.id)
                )
            )
