"""Trust: relational contracts (Baker, Gibbons and Murphy 2002). Each side's trust in a contract
moves toward the share of its side the other kept this month: ``trust += trust_speed * (ratio -
trust)``.

Each side trusts on what it can observe (in relational contracts a party sees outcomes, not the
other's intentions):

- The supplier's ratio: the buyer's in-kind goods shipped for this contract (valued at the
  contract's prices; shared between contracts that pay in the same good by what each promised),
  plus the contract's cash share as far as the buyer's reserves let it pay, over what the buyer
  owed this month. Payment orders are visible to the supplier's agents; cash that the channels
  cannot carry, or that is seized, is not reneging: it stays as arrears, which lower the supplier's
  willingness through its credit limit (:mod:`sanctionsim.model.processes.contracts`).
- The buyer's ratio: the value of the supplier's goods that *arrived* over the value promised. The
  buyer cannot tell a seized cargo from one never sent, so seizures cost the supplier trust, and the
  buyer then pays less in kind, which costs the buyer the supplier's trust in turn.

A month with nothing due leaves trust where it is. Trust scales each side's next deliveries and the
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
from sanctionsim.model.structure import lastsum


class Trust(Process):
    """Update each contract's two trusts from what each side shipped."""

    name = "trust"
    title = "each side's trust in a contract moves toward the share of its side the other kept"
    reads = ("flows", "payments")
    contracts: ContractPars
    contract_state: ContractState
    state: TrustState

    def init_state(self) -> TrustState:
        """Each contract's starting trust, both ways."""
        trust = self.contracts.trust.copy()
        return TrustState(supplier=trust, buyer=trust.copy())

    def step(self, m: Month) -> None:
        """Move trust toward what each side kept of its side."""
        s, cs, st = self.structure, self.contract_state, self.state
        if not len(s.contract_supplier):
            return
        r, n, g = self.n_replicates, s.n, s.g
        shipped = s.by_pair_good(m.flows.value).reshape(r, n, n, g)  # [src, dst, good], at deal prices
        arrived = s.by_pair_good(m.flows.delivered_value()).reshape(r, n, n, g)
        for ci in range(len(s.contract_supplier)):
            a, b = s.contract_supplier[ci], s.contract_buyer[ci]
            lam = self.contracts.trust_speed[:, ci]
            same = (s.contract_supplier == a) & (s.contract_buyer == b)
            share = cs.in_kind[:, ci] / np.maximum(cs.in_kind[:, same].sum(axis=1), EPS)  # (R, G)
            in_kind = lastsum(shipped[:, b, a] * share)
            cash_share = np.maximum(
                0.0, 1.0 - lastsum(self.contracts.payment[:, ci] * s.contract_in_kind[ci])
            )
            owed = cs.owed[:, ci]
            kept = in_kind + cash_share * owed * m.payments.afford[:, b]
            ratio = np.clip(kept / np.maximum(owed, EPS), 0.0, 1.0)
            st.supplier[:, ci] = np.where(
                owed > EPS, st.supplier[:, ci] + lam * (ratio - st.supplier[:, ci]), st.supplier[:, ci]
            )
            goods = s.contract_goods[ci] & ~s.personnel
            promised = cs.promised[:, ci]
            got = np.clip(lastsum(arrived[:, a, b] * goods) / np.maximum(promised, EPS), 0.0, 1.0)
            st.buyer[:, ci] = np.where(
                promised > EPS, st.buyer[:, ci] + lam * (got - st.buyer[:, ci]), st.buyer[:, ci]
            )

    def _between(self, supplier: str, buyer: str, trust: np.ndarray) -> np.ndarray:
        """Owed-weighted mean trust over the contracts from ``supplier`` to ``buyer`` (1 without any)."""
        s, roles = self.structure, self.roles
        mine = (s.contract_supplier == roles.index(supplier)) & (s.contract_buyer == roles.index(buyer))
        if not mine.any():
            return np.ones(self.n_replicates)
        w = np.maximum(self.contract_state.owed[:, mine], EPS)
        return (trust[:, mine] * w).sum(axis=1) / w.sum(axis=1)

    @result(
        "trust_{partner}_in_{war}",
        "share",
        "{partner} trust that {war} keeps its side of their contracts (weighted by what is owed)",
        direction=-1,
    )
    def _partner(self, m: Month) -> np.ndarray:
        return self._between(self.roles.partner, self.roles.war, self.state.supplier)

    @result(
        "trust_{war}_in_{partner}",
        "share",
        "{war} trust that {partner} keeps its side of their contracts (weighted by what is owed)",
        direction=-1,
    )
    def _war(self, m: Month) -> np.ndarray:
        return self._between(self.roles.partner, self.roles.war, self.state.buyer)
