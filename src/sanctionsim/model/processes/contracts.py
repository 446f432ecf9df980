"""Contracts: bilateral in-kind exchange whose two sides depend on each other.

For each contract, the supplier A delivers its contract goods to the buyer B as far as A offers them
and B wants them, scaled by A's trust that B pays and by A's willingness to extend credit
(``1 / (1 + arrears / credit limit)``); the services of people A has deployed at B are billed too.
The price of A's goods is ``terms`` times the geometric mean of the two valuations. B pays the value
V of A's side in kind, by the contract's value shares: ``q_B[h] = min(offer_B[h], share_h * V /
price_h) * trust_B(A)``; the cash share, and whatever the basket leaves unpaid, is settled in cash by
the payment steps, and what cash cannot settle becomes arrears, not free money. Trust follows what
each side actually received (the ``trust`` step), so a side that does not receive its part cuts its
own (Baker, Gibbons and Murphy 2002).
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model.context import Month
from sanctionsim.model.pars import ContractPars, GoodPars, PaymentPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import ContractState, DeploymentState, EconomyState, PaymentState, TrustState


class Contracts(Process):
    """Agree this month's deliveries under every contract, before the open market."""

    name = "contracts"
    title = "in-kind contracts: the supplier delivers as far as it trusts the buyer, who pays a basket"
    reads = ("valuation", "trade")
    writes = ("trade",)
    goods: GoodPars
    contracts: ContractPars
    payment_pars: PaymentPars
    trust: TrustState
    payment_state: PaymentState
    economy: EconomyState
    deployment: DeploymentState
    state: ContractState

    def init_state(self) -> ContractState:
        """Nothing promised yet."""
        c, g = len(self.structure.contract_supplier), self.structure.g
        return ContractState(promised=self.zeros(c), owed=self.zeros(c), in_kind=self.zeros(c, g))

    def step(self, m: Month) -> None:
        """Add each contract's deliveries and payments to ``m.trade``."""
        s, c, tr = self.structure, self.contracts, m.trade
        value = m.valuation
        st = self.state
        for ci in range(len(s.contract_supplier)):
            a, b = s.contract_supplier[ci], s.contract_buyer[ci]
            goods = s.contract_goods[ci] & ~s.personnel
            trust_a = self.trust.supplier[:, ci]
            trust_b = self.trust.buyer[:, ci]
            limit = self.payment_pars.credit_limit * self.economy.gdp[:, a]
            credit = 1.0 / (1.0 + self.payment_state.arrears[:, a, b] / np.maximum(limit, EPS))
            price_a = c.terms[:, ci, None] * np.sqrt(value[:, a] * value[:, b])  # (R, G)
            wanted = np.minimum(tr.offer[:, a], tr.want[:, b]) * goods
            qa = wanted * (trust_a * credit)[:, None]
            tr.offer[:, a] -= qa
            tr.want[:, b] -= qa
            services = self.zeros()
            for d in range(len(s.deploy_good)):
                if (
                    s.deploy_sender[d] == a
                    and s.deploy_host[d] == b
                    and s.contract_goods[ci, s.deploy_good[d]]
                ):
                    g = s.deploy_good[d]
                    services = (
                        services
                        + self.deployment.deployed[:, d] * self.goods.unit_value[:, g] * c.terms[:, ci]
                    )
            st.promised[:, ci] = (qa * price_a).sum(axis=1)
            st.owed[:, ci] = st.promised[:, ci] + services
            price_b = np.sqrt(value[:, b] * value[:, a])
            basket = c.payment[:, ci] * s.contract_in_kind[ci]
            qb = np.minimum(tr.offer[:, b], basket * st.owed[:, ci, None] / np.maximum(price_b, EPS))
            qb = qb * trust_b[:, None]
            st.in_kind[:, ci] = qb * price_b
            tr.offer[:, b] -= qb
            tr.q[:, a, b] += qa
            tr.q[:, b, a] += qb
            tr.requested[:, a, b] += wanted
            tr.price[:, a, b] = np.where(goods, price_a, tr.price[:, a, b])
            tr.services[:, a, b] += services

    @result(
        "contract_value_{partner}_to_{war}",
        "USD/month",
        "Value {partner} agreed to deliver to {war} under contracts this month (goods and services)",
        flow=True,
    )
    def _value(self, m: Month) -> np.ndarray:
        s, roles = self.structure, self.roles
        a, b = roles.index(roles.partner), roles.index(roles.war)
        mine = (s.contract_supplier == a) & (s.contract_buyer == b)
        return self.state.owed[:, mine].sum(axis=1)
