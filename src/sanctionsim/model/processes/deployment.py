"""Deployment: people abroad are stocks. Each month some go home (rotation) and some are lost
(attrition); the host asks for the gap between what it needs and who is there, and the sender sends
as far as it is willing; the movement goes through the routes like goods, so interdiction acts on
movements, never on the people already deployed.

For a deployment of good ``g`` from sender A to host B, with D the people at the host:
``lost = attrition * D``, ``returned = D / rotation_months``, then
``sent = speed * min(max(0, need_B[g] - D), pool_A[g] * willingness_A(B) * trust)`` where the pool
is the people A has ready (its stock of ``g``), the willingness A's logistic willingness to deal with
B (its ties, lowered by B's arrears), and the trust A's trust that B pays under the contract that
pays for these people (1 without one; it falls when the compensation is not paid). The host's need
``need_B[g]`` is set by ``production``: the belligerent's follows its war path, and while a
deployment's mutual-assistance clause is invoked it includes the share of the manpower shortfall the
host asks that ally to fill. Arrivals are folded in by the ``arrivals`` step; people interdicted on
the way are turned back. Conservation: people shipped = arrived + turned back, and the people deployed at the
start plus those who arrived = returned + lost + still deployed.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.goods import GOOD_INDEX
from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Month
from sanctionsim.model.pars import DeploymentPars, GoodPars, PaymentPars, TieDynamicsPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import (
    ArrivalState,
    DeploymentState,
    EconomyState,
    PaymentState,
    TieState,
    TrustState,
)


class DeploymentStep(Process):
    """Rotation and attrition of the people deployed, and this month's sending."""

    name = "deployment"
    title = "people abroad: rotation home, attrition, and the sending the host asks for"
    reads = ("production", "trade")
    writes = ("trade",)
    deployments: DeploymentPars
    goods: GoodPars
    tie_dynamics: TieDynamicsPars
    payment_pars: PaymentPars
    ties: TieState
    payment_state: PaymentState
    economy: EconomyState
    trust: TrustState
    arrivals: ArrivalState
    state: DeploymentState

    def init_state(self) -> DeploymentState:
        """The people deployed at the start, present in their hosts' stocks."""
        s = self.structure
        deployed = self.deployments.deployed.copy()
        endowment = np.zeros_like(self.ledger.stock)
        for d in range(len(s.deploy_good)):
            endowment[:, s.deploy_host[d], s.deploy_good[d]] += deployed[:, d]
        self.ledger.endow(endowment)
        zeros = np.zeros_like(deployed)
        return DeploymentState(deployed=deployed, returned=zeros, lost=zeros.copy(), sent=zeros.copy())

    def step(self, m: Month) -> None:
        """Fold in last month's arrivals; send people home, lose some; plan this month's sending."""
        s, dp, st = self.structure, self.deployments, self.state
        if not len(s.deploy_good):
            return
        st.deployed = st.deployed + self.arrivals.arrived
        lost = st.deployed * dp.attrition
        returned = st.deployed / dp.rotation_months
        st.deployed = st.deployed - lost - returned
        consumed, sent_home, received = (np.zeros_like(self.ledger.stock) for _ in range(3))
        for d in range(len(s.deploy_good)):
            a, b, g = s.deploy_sender[d], s.deploy_host[d], s.deploy_good[d]
            consumed[:, b, g] += lost[:, d]
            sent_home[:, b, g] += returned[:, d]
            received[:, a, g] += returned[:, d]
        self.ledger.consume(consumed)
        self.ledger.move(sent_home, received)  # going home: outside the channels, not interdicted
        willing = np.stack(
            self.agents.map(
                Actor.willingness,
                self.ties.ties,
                self.payment_state.arrears,
                self.economy.gdp,
                tie_dynamics=self.tie_dynamics,
                payments=self.payment_pars,
            ),
            axis=1,
        )  # (R, sender, host)
        need = m.production.need
        sent = np.zeros_like(st.deployed)
        for d in range(len(s.deploy_good)):
            a, b, g = s.deploy_sender[d], s.deploy_host[d], s.deploy_good[d]
            request = np.maximum(0.0, need[:, b, g] - st.deployed[:, d])
            c = s.deploy_contract[d]
            trust = self.trust.supplier[:, c] if c >= 0 else 1.0  # the sender's trust that it is paid
            pool = self.ledger.stock[:, a, g] * willing[:, a, b] * trust
            sent[:, d] = dp.speed[:, d] * np.minimum(request, pool)
            m.trade.requested[:, a, b, g] += request
        # deployments of the same sender's people share its pool: never plan more than it has
        for a, g in {(int(x), int(y)) for x, y in zip(s.deploy_sender, s.deploy_good, strict=True)}:
            mine = (s.deploy_sender == a) & (s.deploy_good == g)
            planned = sent[:, mine].sum(axis=1)
            scale = np.minimum(1.0, self.ledger.stock[:, a, g] / np.maximum(planned, EPS))
            sent[:, mine] *= scale[:, None]
        for d in range(len(s.deploy_good)):
            a, b, g = s.deploy_sender[d], s.deploy_host[d], s.deploy_good[d]
            m.trade.q[:, a, b, g] += sent[:, d]
            m.trade.price[:, a, b, g] = self.goods.unit_value[:, g]  # a month's pay: for routing and risk
        st.lost, st.returned, st.sent = lost, returned, sent

    def _requested(self, m: Month, good: str) -> np.ndarray:
        roles = self.roles
        return m.trade.requested[:, roles.index(roles.partner), roles.index(roles.war), GOOD_INDEX[good]]

    @result(
        "workers_requested_{partner}_to_{war}",
        "persons",
        "{partner} workers {war} asked for this month (its need less those deployed)",
    )
    def _workers_requested(self, m: Month) -> np.ndarray:
        return self._requested(m, "workers")

    @result(
        "troops_requested_{partner}_to_{war}",
        "persons",
        "{partner} troops {war} asked for this month (its need, with a mutual-assistance clause's share "
        "of its manpower shortfall, less those deployed)",
    )
    def _troops_requested(self, m: Month) -> np.ndarray:
        return self._requested(m, "troops")
