"""Valuation: each actor values one more unit of a good more as its months of cover fall
(Sugarscape's marginal rate of substitution)."""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model.context import Month
from sanctionsim.model.pars import GoodPars
from sanctionsim.model.process import Process


class Valuation(Process):
    """``v = unit_value * (need * cover_months / stock) ** eta``, capped at ``max_markup`` times the
    unit value either way."""

    name = "valuation"
    title = "each actor's value of one more unit of each good, from its months of cover"
    reads = ("production",)
    writes = ("valuation",)
    goods: GoodPars

    def step(self, m: Month) -> None:
        """Write ``m.valuation`` (R, N, G) [USD/unit]."""
        uv = self.goods.unit_value[:, None, :]
        eta = self.goods.eta[:, None, :]
        h = self.goods.cover_months[:, None, :]
        cap = np.maximum(self.goods.max_markup[:, None, :], 1.0)
        ratio = (m.production.need * h + EPS) / (self.ledger.stock + EPS)
        m.valuation = uv * np.clip(ratio**eta, 1.0 / cap, cap)
