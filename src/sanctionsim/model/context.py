"""The month's context: what each process produces for the processes after it, typed.

A :class:`Month` is made fresh at the start of every month. Each process fills the fields it
declares in ``writes`` and reads those in ``reads``; the schedule checks that every field a
process reads was written by an earlier one (:mod:`sanctionsim.model.schedule`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sanctionsim.model import kernels

Array = np.ndarray


@dataclass
class Production:
    """This month's production, need and consumption, each (R, N, G)."""

    produced: Array
    need: Array
    consumed: Array
    supply: Array  # production plus stock at the start of the month


@dataclass
class Trade:
    """What actors agree to move this month, before the sanctions split, each (R, N, N, G) with
    [src, dst, good] unless noted; ``offer`` and ``want`` (R, N, G) are what is left to trade."""

    offer: Array
    want: Array
    q: Array
    price: Array
    requested: Array
    services: Array  # (R, N, N): value of services of people src has deployed at dst, billed this month


@dataclass
class Deals:
    """Agreed quantities and prices, each (R, N, N, G) with [src, dst, good]."""

    legal: Array
    sanctioned: Array
    price: Array
    requested: Array  # what each buyer asked of each seller
    sanctioned_mask: Array


@dataclass
class Detection:
    """This month's enforcement: effort and detection probability per route (R, K), spending (R,)."""

    effort: Array
    p: Array
    cost: Array


@dataclass
class Flows:
    """This month's flows, indexed by the structure's flow combos (R, C)."""

    shipped: Array
    delivered: Array
    interdicted: Array
    value: Array
    detected_value: Array

    @classmethod
    def zeros(cls, replicates: int, combos: int) -> Flows:
        """Empty flows for a month."""
        return cls(*(np.zeros((replicates, combos)) for _ in range(5)))

    def delivered_value(self) -> Array:
        """Value of what was delivered [USD], (R, C): shipped value times the delivered share."""
        return kernels.delivered_value(self.value, self.delivered, self.shipped)


@dataclass
class Payments:
    """This month's settlement, each (R, N, N) with [creditor, debtor] unless noted."""

    bill: Array  # bill[i, j]: what j owes i for the goods i delivered this month
    barter: Array  # the part of the bills netted against each other
    net: Array  # net[i, j]: what j owes i after netting, arrears included (may be negative)
    send: Array  # send[j, i]: cash j pays i this month, [payer, payee]
    afford: Array  # (R, N): the share of what each debtor owes that its reserves let it send
    paid: Array = field(default_factory=lambda: np.zeros(0))  # paid[i, j]: cash j paid i that arrived


@dataclass
class EconomyOutcome:
    """This month's economic outcomes, each (R, N)."""

    exports: Array
    shortfall: Array
    growth: Array


class Month:
    """The context of one simulated month; each field exists once the process that writes it has run.

    Attributes:
        t: Month index (0 = the scenario's start month).
    """

    production: Production
    valuation: Array  # (R, N, G) each actor's value of one more unit [USD/unit]
    trade: Trade
    deals: Deals
    detection: Detection
    flows: Flows
    payments: Payments
    economy: EconomyOutcome

    def __init__(self, t: int) -> None:
        self.t = t


#: The fields processes may declare in ``reads`` and ``writes``.
FIELDS: tuple[str, ...] = tuple(Month.__annotations__)
