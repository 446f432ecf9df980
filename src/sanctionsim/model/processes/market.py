"""The open market: what offers and wants the contracts and deployments leave is traded between
willing partners at the geometric mean of their valuations (Sugarscape's MRS trade). Goods a pair
exchanges under a contract (either side's) move between that pair only under the contract.

A seller's offer and a buyer's want are split between partners in proportion to willingness (a
logistic function of the tie, reduced by arrears) and the other side's size; a deal is the smaller
of the two splits times the pair's willingness, and happens only when the buyer values the good
above the seller.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.model import kernels
from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Month
from sanctionsim.model.pars import CompliancePars, PaymentPars, TieDynamicsPars
from sanctionsim.model.process import Process
from sanctionsim.model.state import ComplianceState, EconomyState, PaymentState, TieState


class Market(Process):
    """Match the remaining offers and wants between willing partners (step 4 of the reference model)."""

    name = "market"
    title = "what contracts leave is traded between willing partners at the geometric-mean price"
    reads = ("valuation", "trade")
    writes = ("trade",)
    tie_dynamics: TieDynamicsPars
    payment_pars: PaymentPars
    compliance_pars: CompliancePars
    ties: TieState
    payments: PaymentState
    economy: EconomyState
    compliance: ComplianceState

    def step(self, m: Month) -> None:
        """Add the market's deals to ``m.trade``."""
        tr, value = m.trade, m.valuation
        offer, want = tr.offer, tr.want
        value = np.ascontiguousarray(value)
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
        )
        # a third party that de-risks trades less with the partners, buying and selling alike
        keep = np.stack(
            self.agents.map(Actor.derisk, self.compliance.compliance, compliance_pars=self.compliance_pars),
            axis=1,
        )  # (R, N)
        roles = self.roles
        third, partners = roles.index(roles.third), [roles.index(roles.war), roles.index(roles.partner)]
        w[:, third, partners] *= keep[:, third, None]
        w[:, partners, third] *= keep[:, third, None]
        # seller i's offer split across buyers j, and buyer j's want split across sellers i; hostile or
        # indifferent partners trade less, not just elsewhere; and only when buyer j values the good
        # above seller i; what a pair trades under a contract does not go to market (compiled:
        # kernels.market, the same arithmetic as the array code it replaced)
        kernels.market(
            np.ascontiguousarray(w, dtype=np.float64),
            offer,
            want,
            value,
            self.structure.under_contract,
            tr.q,
            tr.requested,
        )
