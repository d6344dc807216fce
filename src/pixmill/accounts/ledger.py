"""The credits ledger: grants, and holds that a request reserves, then charges or releases.

Every movement is one append-only row; the account's balance column moves in the
same transaction, so it always equals the sum of its rows. A reserve is a single
conditional UPDATE, which is what keeps concurrent requests from overspending.

Each hold is also a row in `holds` with a state (held, settled, released). Settling
or releasing first moves that state from "held" by a conditional UPDATE: only the
caller that wins it moves credits, so a settle that runs again after a crash, or a
sweep racing a live job, changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, insert, select, update

from pixmill.accounts.db import Database
from pixmill.accounts.tables import Account, HoldRecord, LedgerEntry, utcnow
from pixmill.errors import InsufficientCredits, InvalidRequest, NotFound
from pixmill.usage import format_credits


@dataclass(frozen=True)
class Hold:
    """Credits reserved for one request, not yet charged or released."""

    account_id: str
    request_id: str
    amount_micro: int
    balance_micro: int | None = field(default=None, compare=False)
    """The account's balance just after the hold was taken, when this is that hold."""


class Ledger:
    def __init__(self, db: Database):
        self.db = db

    def grant(self, account_id: str, amount_micro: int, note: str | None = None) -> int:
        """Add credits; the new balance."""
        if amount_micro <= 0:
            raise InvalidRequest("credits must be a positive amount.", param="credits")
        with self.db.begin() as connection:
            return grant(connection, account_id, amount_micro, note)

    def reserve(self, account_id: str, request_id: str, amount_micro: int) -> Hold:
        """Hold amount_micro for the request, or raise InsufficientCredits.

        Its commit does not wait for the disk (Database.begin): what makes the hold
        count, the job engine's enqueue or the settle or release that ends it, is a
        durable commit, and it flushes this one first. Other calls see the hold at once
        all the same."""
        with self.db.begin(durable=False) as connection:
            return self.reserve_in(connection, account_id, request_id, amount_micro)

    def reserve_in(
        self, connection: Connection, account_id: str, request_id: str, amount_micro: int
    ) -> Hold:
        """`reserve`, in the caller's transaction."""
        taken = _move(
            connection,
            account_id,
            -amount_micro,
            [("reserve", -amount_micro)],
            request_id=request_id,
            at_least=amount_micro,
        )
        if taken is None:
            balance = connection.scalar(
                select(Account.balance_micro).where(Account.id == account_id)
            )
            raise InsufficientCredits(
                "You exceeded your current quota: this request can cost up to "
                f"{format_credits(amount_micro)} credits and the account has "
                f"{format_credits(balance or 0)}."
            )
        connection.execute(
            _NEW_HOLD,
            {
                "request": request_id,
                "account_": account_id,
                "amount": amount_micro,
                "now": utcnow(),
            },
        )
        return Hold(account_id, request_id, amount_micro, balance_micro=taken)

    def settle(self, hold: Hold, charge_micro: int) -> int:
        """Release the hold and charge what was delivered (at most the hold), in one step;
        the new balance. A hold already settled or released is left as it is."""
        with self.db.begin() as connection:
            return self.settle_in(connection, hold, charge_micro)

    def settle_in(self, connection: Connection, hold: Hold, charge_micro: int) -> int:
        """`settle`, in the caller's transaction."""
        if not 0 <= charge_micro <= hold.amount_micro:
            raise ValueError(f"charge {charge_micro} outside the hold of {hold.amount_micro}")
        rows = [("release", hold.amount_micro)]
        if charge_micro:
            rows.append(("charge", -charge_micro))
        closed = connection.execute(
            _CLOSE_HOLD,
            {
                "request": hold.request_id,
                "new_state": "settled" if charge_micro else "released",
                "charged": charge_micro,
                "now": utcnow(),
            },
        ).rowcount
        if not closed:
            balance = connection.scalar(_BALANCE, {"account": hold.account_id})
        else:
            balance = _move(
                connection,
                hold.account_id,
                hold.amount_micro - charge_micro,
                rows,
                request_id=hold.request_id,
            )
        assert balance is not None, "a hold's account cannot vanish"
        return balance

    def release(self, hold: Hold) -> int:
        """Give the whole hold back: the request failed or was not delivered; the new balance."""
        return self.settle(hold, 0)

    def hold(self, request_id: str) -> tuple[Hold, str] | None:
        """The hold of a request and its state, if it reserved one."""
        with self.db.read() as connection:
            row = connection.execute(
                select(HoldRecord.account_id, HoldRecord.amount_micro, HoldRecord.state).where(
                    HoldRecord.request_id == request_id
                )
            ).first()
        if row is None:
            return None
        return Hold(row.account_id, request_id, row.amount_micro), row.state

    def open_holds(self, older_than: datetime) -> list[Hold]:
        """Holds still held that were taken before `older_than`: what a sweep looks at."""
        with self.db.read() as connection:
            rows = connection.execute(
                select(HoldRecord.request_id, HoldRecord.account_id, HoldRecord.amount_micro)
                .where(HoldRecord.state == "held", HoldRecord.created_at < older_than)
                .order_by(HoldRecord.created_at)
            ).all()
        return [Hold(row.account_id, row.request_id, row.amount_micro) for row in rows]

    def balance(self, account_id: str) -> int:
        with self.db.read() as connection:
            balance = connection.scalar(_BALANCE, {"account": account_id})
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


def grant(connection: Connection, account_id: str, amount_micro: int, note: str | None) -> int:
    """Add credits within the caller's transaction; the new balance."""
    balance = _move(connection, account_id, amount_micro, [("grant", amount_micro)], note=note)
    if balance is None:
        raise NotFound(f"No account '{account_id}'.", param="account_id")
    return balance


# Built once: constructing a statement costs more than running it on SQLite.
_UNBOUNDED = 2**62
_CHANGE_BALANCE = (
    update(Account)
    .where(Account.id == bindparam("account"), Account.balance_micro >= bindparam("at_least"))
    .values(balance_micro=Account.balance_micro + bindparam("change"))
    .returning(Account.balance_micro)
)
_APPEND = insert(LedgerEntry)
_NEW_HOLD = insert(HoldRecord).values(
    request_id=bindparam("request"),
    account_id=bindparam("account_"),
    amount_micro=bindparam("amount"),
    state="held",
    charged_micro=0,
    created_at=bindparam("now"),
)
_CLOSE_HOLD = (
    update(HoldRecord)
    .where(HoldRecord.request_id == bindparam("request"), HoldRecord.state == "held")
    .values(
        state=bindparam("new_state"), charged_micro=bindparam("charged"), closed_at=bindparam("now")
    )
)
_BALANCE = select(Account.balance_micro).where(Account.id == bindparam("account"))


def _move(
    connection: Connection,
    account_id: str,
    change: int,
    rows: list[tuple[str, int]],
    *,
    request_id: str | None = None,
    note: str | None = None,
    at_least: int | None = None,
) -> int | None:
    """Change the balance and append the ledger rows (kind, amount) that sum to the change.

    The new balance; None when there is no such account, or it holds less than `at_least`.
    """
    assert sum(amount for _, amount in rows) == change
    balance = connection.scalar(
        _CHANGE_BALANCE,
        {
            "account": account_id,
            "change": change,
            "at_least": -_UNBOUNDED if at_least is None else at_least,
        },
    )
    if balance is not None:
        connection.execute(
            _APPEND,
            [
                {
                    "account_id": account_id,
                    "kind": kind,
                    "amount_micro": amount,
                    "request_id": request_id,
                    "note": note,
                }
                for kind, amount in rows
            ],
        )
    return balance
