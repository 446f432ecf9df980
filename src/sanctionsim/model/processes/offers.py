"""Offers: each actor decides what it offers (its stock above what it keeps) and what it wants
(its gap to the cover it wants), at its own valuations; the month's trade starts from them."""

from __future__ import annotations

import numpy as np

from sanctionsim.model.context import Month, Trade
from sanctionsim.model.pars import GoodPars
from sanctionsim.model.process import Process


class Offers(Process):
    """What each actor would sell and buy this month; personnel move only by deployment."""

    name = "offers"
    title = "each actor's offers and wants; the market price of every pair and good"
    reads = ("production", "valuation")
    writes = ("trade",)
    goods: GoodPars

    def step(self, m: Month) -> None:
        """Write ``m.trade`` with the offers, wants and market prices, and nothing agreed yet."""
        s = self.structure
        stock, need, value = self.ledger.stock, m.production.need, m.valuation
        goods = self.goods
        offer = np.stack(
            self.agents.map(lambda a: a.offer(stock[:, a.index], need[:, a.index], goods=goods)), axis=1
        )
        want = np.stack(
            self.agents.map(lambda a: a.want(stock[:, a.index], need[:, a.index], goods=goods)), axis=1
        )
        offer[:, :, s.personnel] = 0.0
        want[:, :, s.personnel] = 0.0
        n, g = s.n, s.g
        m.trade = Trade(
            offer=offer,
            want=want,
            q=self.zeros(n, n, g),
            price=np.sqrt(value[:, :, None, :] * value[:, None, :, :]),  # geometric mean of the valuations
            requested=self.zeros(n, n, g),
            services=self.zeros(n, n),
        )
