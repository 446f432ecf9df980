"""The ledger of goods: every actor's stocks, changed only by postings that conserve them.

Stocks are (R, N, G). A process changes them only through the ledger: production adds,
consumption removes, a movement takes what was shipped from senders and gives what was delivered
to receivers. With ``keep=True`` the ledger keeps each month's postings, so that
:mod:`sanctionsim.model.invariants` can check ``stock_before + produced + received =
stock_after + consumed + sent`` for every good, actor, replicate and month.
"""

from __future__ import annotations

import numpy as np

Array = np.ndarray
ENTRIES = ("produced", "consumed", "sent", "received")


class Ledger:
    """Stocks of every good and the month's postings.

    Args:
        stock: Initial stocks (R, N, G); copied.
        keep: Keep every month's postings (for conservation checks).
    """

    def __init__(self, stock: Array, *, keep: bool = False) -> None:
        self.stock = stock.copy()
        self.keep = keep
        self.months: list[dict[str, Array]] = []
        self._open(self.stock)

    def _open(self, before: Array) -> None:
        zeros = np.zeros_like(before)
        self.month: dict[str, Array] = {"stock_before": before.copy(), **{e: zeros.copy() for e in ENTRIES}}

    def produce_and_consume(self, produced: Array, consumed: Array) -> None:
        """Add this month's production and remove what is consumed from the stock plus production."""
        self.stock = (self.stock + produced) - consumed
        self.month["produced"] += produced
        self.month["consumed"] += consumed

    def endow(self, amount: Array) -> None:
        """Add to the stocks before the first month (initial state that a process sets up)."""
        self.stock = self.stock + amount
        self.month["stock_before"] = self.month["stock_before"] + amount

    def consume(self, amount: Array) -> None:
        """Remove ``amount`` (R, N, G) from the stocks as consumed (used up, or lost)."""
        self.stock = self.stock - amount
        self.month["consumed"] += amount

    def move(self, sent: Array, received: Array) -> None:
        """Take ``sent`` from senders and give ``received`` to receivers, both (R, N, G)."""
        self.stock = self.stock - sent + received
        self.month["sent"] += sent
        self.month["received"] += received

    def close_month(self) -> None:
        """End the month: keep its postings if asked, and open the next."""
        if self.keep:
            self.months.append({**self.month, "stock_after": self.stock.copy()})
        self._open(self.stock)
