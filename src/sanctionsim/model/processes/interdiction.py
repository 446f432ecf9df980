"""Interdiction: a share of what each channel carries is detected and seized; detected lots are
remembered, so enforcers and designations react (see the enforcement step)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model import channels
from sanctionsim.model.context import Month
from sanctionsim.model.pars import RoutePars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.structure import RouteSet, rowsum


class _Interdiction(Process):
    """Interdict what the channels of one kind (goods or cash) carry this month."""

    cash: ClassVar[bool]
    reads = ("detection", "flows")
    writes = ("flows",)
    routes: RoutePars

    def step(self, m: Month) -> None:
        """Split shipped quantities into delivered and interdicted; note the value detected."""
        rs: RouteSet = self.structure.cash_routes if self.cash else self.structure.goods_routes
        if not len(rs.pg):
            return
        if m.flows.shipped[:, rs.cols].max(initial=0.0) <= 0.0:
            return
        channels.interdict(rs, m.flows, m.detection.p, self.routes, self.streams, self.structure, m.t)


class GoodsInterdiction(_Interdiction):
    """Interdiction of sanctioned goods; records the leakage metrics of all sanctioned flows."""

    name = "interdiction"
    title = "detection and seizure of sanctioned goods on the routes"
    cash = False

    def _sanctioned(self, m: Month) -> tuple[np.ndarray, np.ndarray]:
        """Value of sanctioned flows shipped, and interdicted, this month (R,) each (computed once)."""
        memo = getattr(self, "_memo", None)
        if memo is not None and memo[0] is m:
            return memo[1]
        f, sel = m.flows, self.structure.sanctioned_cols
        attempted = rowsum(f.value[:, sel])
        frac = f.interdicted[:, sel] / np.maximum(f.shipped[:, sel], EPS)
        out = attempted, rowsum(f.value[:, sel] * frac)
        self._memo = (m, out)
        return out

    @result(
        "sanctioned_attempted_value",
        "USD/month",
        "Value of sanctioned flows shipped",
        direction=-1,
        flow=True,
    )
    def _attempted(self, m: Month) -> np.ndarray:
        return self._sanctioned(m)[0]

    @result(
        "sanctioned_delivered_value",
        "USD/month",
        "Value of sanctioned flows delivered",
        direction=-1,
        flow=True,
    )
    def _delivered(self, m: Month) -> np.ndarray:
        attempted, interdicted = self._sanctioned(m)
        return attempted - interdicted

    @result("interdicted_value", "USD/month", "Value of sanctioned flows interdicted", direction=1, flow=True)
    def _interdicted(self, m: Month) -> np.ndarray:
        return self._sanctioned(m)[1]

    @result(
        "leakage_ratio",
        "share",
        "Sanctioned value delivered / sanctioned value shipped (1 when nothing is shipped)",
        direction=-1,
    )
    def _leakage(self, m: Month) -> np.ndarray:
        attempted, interdicted = self._sanctioned(m)
        return np.where(attempted > 0, (attempted - interdicted) / np.maximum(attempted, EPS), 1.0)


class CashInterdiction(_Interdiction):
    """Interdiction of cash on the payment channels."""

    name = "cash interdiction"
    title = "detection and seizure of cash on the payment channels"
    cash = True
