"""Deals: bilateral trade between willing partners at the geometric mean of their valuations.

Each seller offers stock above what it keeps; each buyer wants stock up to its cover. Offers and
wants are split between partners in proportion to willingness and the other side's size; a deal
is the smaller of the two splits times the pair's willingness, and happens only when the buyer
values the good above the seller. Sanctioned flows are traded only to the extent both sides
tolerate the risk, and a regime's cap lets part of a capped good move legally.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Deals, Month
from sanctionsim.model.pars import ActorPars, GoodPars, PaymentPars, SanctionPars, TieDynamicsPars
from sanctionsim.model.process import Process
from sanctionsim.model.state import ComplianceState, EconomyState, PaymentState, TieState


class Market(Process):
    """Match the agents' offers and wants (step 4 of the reference model)."""

    name = "deals"
    title = "bilateral deals between willing partners; sanctioned goods within risk tolerance and caps"
    reads = ("production", "valuation")
    writes = ("deals",)
    goods: GoodPars
    actors: ActorPars
    sanctions: SanctionPars
    tie_dynamics: TieDynamicsPars
    payment_pars: PaymentPars
    ties: TieState
    payments: PaymentState
    economy: EconomyState
    compliance: ComplianceState

    def start(self) -> None:
        """Start with no cached sanctions mask."""
        self._mask_key: np.ndarray | None = None
        self._mask = np.zeros(0)

    def sanctioned_mask(self) -> np.ndarray:
        """Which flows [src, dst, good] an active regime sanctions, (R, N, N, G) in {0, 1}."""
        s = self.structure
        if not s.regimes:
            return np.zeros((self.n_replicates, s.n, s.n, s.g))
        active = self.sanctions.active
        if self._mask_key is None or not np.array_equal(active, self._mask_key):
            self._mask = (active[:, :, None, None, None] * s.regime_mask[None]).max(axis=1)
            self._mask_key = active.copy()
        return self._mask

    def step(self, m: Month) -> None:
        """Write ``m.deals``."""
        s = self.structure
        stock, need, value = self.ledger.stock, m.production.need, m.valuation
        goods = self.goods
        offer = np.stack(
            self.agents.map(lambda a: a.offer(stock[:, a.index], need[:, a.index], goods=goods)), axis=1
        )
        want = np.stack(
            self.agents.map(lambda a: a.want(stock[:, a.index], need[:, a.index], goods=goods)), axis=1
        )
        w = np.stack(
            self.agents.map(
                Actor.willingness,
                self.ties.ties,
                self.payments.arrears,
                self.economy.gdp,
                tie_dynamics=self.tie_dynamics,
                payments=self.payment_pars,
            ),
            axis=1,
        )[:, :, :, None]  # (R, seller i, buyer j, 1)
        # seller i's offer split across buyers j, and buyer j's want split across sellers i
        ws = w * want[:, None, :, :]
        from_seller = offer[:, :, None, :] * ws / np.maximum(ws.sum(axis=2, keepdims=True), EPS)
        wd = w * offer[:, :, None, :]
        requested = want[:, None, :, :] * wd / np.maximum(wd.sum(axis=1, keepdims=True), EPS)
        # hostile or indifferent partners trade less, not just elsewhere; and only when buyer j values
        # the good above seller i
        q = np.minimum(from_seller, requested) * w * (value[:, None, :, :] > value[:, :, None, :])
        price = np.sqrt(value[:, :, None, :] * value[:, None, :, :])
        sanc = self.sanctioned_mask()
        # legal allowance under caps: a share of capped flows to a target is legal
        legal_share = np.zeros_like(q)
        for r_i in range(len(s.regimes)):
            capped = s.regime_capped[r_i]  # (N, G)
            if not capped.any():
                continue
            active = self.sanctions.active[:, r_i][:, None, None]
            for t, gg in zip(*np.nonzero(capped), strict=True):
                cap = self.sanctions.caps[:, r_i, gg]
                inflow = (q[:, :, t, gg] * sanc[:, :, t, gg]).sum(axis=1)
                share = np.minimum(1.0, cap / np.maximum(inflow, EPS))
                legal_share[:, :, t, gg] = np.maximum(
                    legal_share[:, :, t, gg], share[:, None] * active[:, :, 0]
                )
        q_sanctioned = q * sanc
        allowed = q_sanctioned * legal_share  # sanctioned goods moving legally under a cap
        legal = q - q_sanctioned + allowed
        tol = np.stack(
            self.agents.map(Actor.risk_tolerance, self.compliance.compliance, actors=self.actors), axis=1
        )
        accept = np.minimum(tol[:, :, None], tol[:, None, :])
        sanctioned = (q_sanctioned - allowed) * accept[:, :, :, None]
        m.deals = Deals(
            legal=legal, sanctioned=sanctioned, price=price, requested=requested, sanctioned_mask=sanc
        )
