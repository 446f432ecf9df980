"""Trust: relational contracts (Baker, Gibbons and Murphy 2002). Each side's trust moves toward the
share of its due it actually received this month: ``trust += trust_speed * (ratio - trust)``.

The supplier's ratio is what it was paid (in kind by netting, and in cash) over what the buyer owed
it for this month's deliveries and services; the buyer's is the value of the supplier's goods that
arrived over the value the supplier promised. A month with nothing due leaves trust where it is.
Trust scales each side's next deliveries (:mod:`sanctionsim.model.processes.contracts`) and the
sender's willingness to deploy people (:mod:`sanctionsim.model.processes.deployment`).
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model.context import Month
from sanctionsim.model.pars import ContractPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import ContractState, TrustState
from sanctionsim.model.structure import rowsum


class Trust(Process):
    """Update each contract's two trusts from this month's settlement and deliveries."""

    name = "trust"
    title = "each side's trust moves toward the share of its due it received"
    reads = ("flows", "payments")
    contracts: ContractPars
    contract_state: ContractState
    state: TrustState

    def init_state(self) -> TrustState:
        """Full trust between pairs without a contract; a contract's own starting trust both ways."""
        s = self.structure
        trust = np.ones((self.n_replicates, s.n, s.n))
        for ci in range(len(s.contract_supplier)):
            a, b = s.contract_supplier[ci], s.contract_buyer[ci]
            trust[:, a, b] = trust[:, b, a] = self.contracts.trust[:, ci]
        return TrustState(trust=trust)

    def step(self, m: Month) -> None:
        """Move trust toward what each side received."""
        s, pay, tau = self.structure, m.payments, self.state.trust
        value = m.flows.delivered_value()
        for ci in range(len(s.contract_supplier)):
            a, b = s.contract_supplier[ci], s.contract_buyer[ci]
            lam = self.contracts.trust_speed[:, ci]
            owed = pay.bill[:, a, b]
            paid = pay.barter[:, a, b] + pay.paid[:, a, b]
            ratio = np.clip(paid / np.maximum(owed, EPS), 0.0, 1.0)
            tau[:, a, b] = np.where(owed > EPS, tau[:, a, b] + lam * (ratio - tau[:, a, b]), tau[:, a, b])
            sel = (
                (s.combo_src == a)
                & (s.combo_dst == b)
                & s.contract_goods[ci, s.combo_good]
                & ~s.personnel[s.combo_good]
            )
            promised = self.contract_state.promised[:, ci]
            arrived = np.clip(rowsum(value[:, sel]) / np.maximum(promised, EPS), 0.0, 1.0)
            tau[:, b, a] = np.where(
                promised > EPS, tau[:, b, a] + lam * (arrived - tau[:, b, a]), tau[:, b, a]
            )

    @result(
        "trust_{partner}_in_{war}",
        "share",
        "{partner} trust that {war} pays its side of their contracts",
        direction=-1,
    )
    def _partner(self, m: Month) -> np.ndarray:
        return self.state.trust[:, self.roles.index(self.roles.partner), self.roles.index(self.roles.war)]

    @result(
        "trust_{war}_in_{partner}",
        "share",
        "{war} trust that {partner} delivers its side of their contracts",
        direction=-1,
    )
    def _war(self, m: Month) -> np.ndarray:
        return self.state.trust[:, self.roles.index(self.roles.war), self.roles.index(self.roles.partner)]
