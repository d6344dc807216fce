"""One request's credits: reserve the most it can cost, then charge what was delivered."""

from __future__ import annotations

import anyio
import anyio.to_thread

from pixmill.accounts.ledger import Hold, Ledger
from pixmill.accounts.pricing import PriceTable
from pixmill.request import RenderSpec


class Billing:
    """The credits of one request by one account; the service drives it through the pipeline.

    Settling and releasing are shielded from cancellation (a client that disconnects
    cancels the request), and each happens at most once, so a hold is never left behind
    nor given back twice.
    """

    def __init__(self, ledger: Ledger, prices: PriceTable, account_id: str):
        self.ledger = ledger
        self.prices = prices
        self.account_id = account_id
        self.spec: RenderSpec | None = None
        """The resolved request, once reserved: what the usage record describes."""
        self.charged_micro = 0
        self.balance_micro: int | None = None
        """The account's balance once the hold is settled or released."""
        self._hold: Hold | None = None

    def price(self, spec: RenderSpec, images: int) -> int:
        return self.prices.price(spec.model, spec.quality, spec.width, spec.height, images)

    async def reserve(self, request_id: str, spec: RenderSpec) -> None:
        """Hold the price of all spec.n images; InsufficientCredits when the account can't."""
        self.spec = spec
        self._hold = await anyio.to_thread.run_sync(
            self.ledger.reserve, self.account_id, request_id, self.price(spec, spec.n)
        )

    async def settle(self, delivered: int) -> None:
        """Charge for the delivered images and release the rest of the hold."""
        hold, self._hold = self._hold, None
        if hold is None or self.spec is None:
            return
        charge = self.price(self.spec, delivered)
        with anyio.CancelScope(shield=True):
            self.balance_micro = await anyio.to_thread.run_sync(self.ledger.settle, hold, charge)
        self.charged_micro = charge

    async def release(self) -> None:
        """Give the whole hold back: nothing was delivered."""
        hold, self._hold = self._hold, None
        if hold is not None:
            with anyio.CancelScope(shield=True):
                self.balance_micro = await anyio.to_thread.run_sync(self.ledger.release, hold)
