"""Shipping: legal deals go on the open route; sanctioned goods, and cash that must avoid the open
channel, go on the routes their senders choose (see :mod:`sanctionsim.model.channels`)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from sanctionsim.goods import CASH
from sanctionsim.model import channels, kernels
from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Flows, Month
from sanctionsim.model.pars import RouteChoicePars, RoutePars
from sanctionsim.model.process import Process
from sanctionsim.model.state import ComplianceState, RouteState
from sanctionsim.model.structure import RouteSet


class _Shipping(Process):
    """Route sanctioned quantities of one kind (goods or cash) onto the channels."""

    cash: ClassVar[bool]
    routes: RoutePars
    route_choice: RouteChoicePars
    route_state: RouteState
    compliance: ComplianceState

    def route(self, m: Month, qty: np.ndarray, price: np.ndarray) -> None:
        """Place ``qty`` (R, U) at ``price`` over the route set's pair-goods; add to ``m.flows``."""
        rs: RouteSet = self.structure.cash_routes if self.cash else self.structure.goods_routes
        if not len(rs.pg) or qty.max(initial=0.0) <= 0.0:
            return
        weights = np.stack(
            self.agents.map(
                Actor.route_weights,
                self.route_state.detect_prob,
                routes=self.routes,
                route_choice=self.route_choice,
            ),
            axis=1,
        )
        cap = channels.capacity(
            self.routes, self.route_state.health, self.structure, self.compliance.compliance
        )
        shipped, value = channels.allocate(rs, qty, price, weights, cap, self.routes)
        m.flows.shipped[:, rs.cols] += shipped
        m.flows.value[:, rs.cols] += value


class GoodsShipping(_Shipping):
    """Legal deals on the open route; sanctioned deals on the physical routes."""

    name = "shipping"
    title = "legal deals on the open route, sanctioned goods on the routes their senders choose"
    reads = ("deals",)
    writes = ("flows",)
    cash = False

    def step(self, m: Month) -> None:
        """Create ``m.flows`` and fill it with this month's goods."""
        s = self.structure
        r = self.n_replicates
        m.flows = Flows.zeros(r, len(s.combo_pg))
        legal = m.deals.legal.reshape(r, -1)
        price = m.deals.price.reshape(r, -1)
        # open combos (the first n_open columns): the legal quantity of their pair-good, at its price
        f = m.flows
        kernels.ship_open(legal, price, s.combo_pg[: s.n_open], f.shipped, f.delivered, f.value)
        pgs = s.goods_routes.pgs
        self.route(m, m.deals.sanctioned.reshape(r, -1)[:, pgs], price[:, pgs])


class CashShipping(_Shipping):
    """Cash balances: on the open (dollar) channel unless cash between the pair is sanctioned,
    otherwise on the payment channels."""

    name = "cash channels"
    title = "cash on the open channel, or on payment channels where cash is sanctioned"
    reads = ("deals", "payments", "flows")
    writes = ("flows",)
    cash = True

    def step(self, m: Month) -> None:
        """Add this month's cash payments to ``m.flows``."""
        s = self.structure
        n, g = s.n, s.g
        send = m.payments.send
        sanc = m.deals.sanctioned_mask[:, :, :, CASH]
        open_cash = s.open_cash_cols
        src, dst = s.combo_src[open_cash], s.combo_dst[open_cash]
        legal = send[:, src, dst] * (1.0 - sanc[:, src, dst])
        m.flows.shipped[:, open_cash] += legal
        m.flows.delivered[:, open_cash] += legal
        m.flows.value[:, open_cash] += legal
        pgs = s.cash_routes.pgs
        src, dst = pgs // (n * g), (pgs // g) % n
        sanctioned = send[:, src, dst] * sanc[:, src, dst]
        self.route(m, sanctioned, np.ones_like(sanctioned))
