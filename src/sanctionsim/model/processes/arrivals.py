"""Arrivals: people who got through join the deployment at the host (folded in next month by the
deployment step); people interdicted on the way are turned back home."""

from __future__ import annotations

import numpy as np

from sanctionsim.goods import GOOD_INDEX as _GOOD
from sanctionsim.model.context import Month
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import ArrivalState, DeploymentState
from sanctionsim.model.structure import rowsum


class Arrivals(Process):
    """Count arrivals per deployment; send those interdicted back to the sender."""

    name = "arrivals"
    title = "people who got through join the deployment; those interdicted are turned back"
    reads = ("flows",)
    deployment: DeploymentState
    state: ArrivalState

    def init_state(self) -> ArrivalState:
        """Nobody has arrived yet."""
        d = len(self.structure.deploy_good)
        return ArrivalState(shipped=self.zeros(d), arrived=self.zeros(d), turned_back=self.zeros(d))

    def _combos(self, d: int) -> np.ndarray:
        s = self.structure
        return (
            (s.combo_src == s.deploy_sender[d])
            & (s.combo_dst == s.deploy_host[d])
            & (s.combo_good == s.deploy_good[d])
        )

    def step(self, m: Month) -> None:
        """Record arrivals and turn back the interdicted."""
        s, st = self.structure, self.state
        back = np.zeros_like(self.ledger.stock)
        for d in range(len(s.deploy_good)):
            sel = self._combos(d)
            st.shipped[:, d] = rowsum(m.flows.shipped[:, sel])
            st.arrived[:, d] = rowsum(m.flows.delivered[:, sel])
            st.turned_back[:, d] = rowsum(m.flows.interdicted[:, sel])
            back[:, s.deploy_sender[d], s.deploy_good[d]] += st.turned_back[:, d]
        self.ledger.move(np.zeros_like(back), back)

    def _at_host(self, good: str) -> np.ndarray:
        """People of ``good`` the partner has at the belligerent at month end (0 without a deployment)."""
        s, roles = self.structure, self.roles
        a, b = roles.index(roles.partner), roles.index(roles.war)
        out = self.zeros()
        for d in range(len(s.deploy_good)):
            if s.deploy_sender[d] == a and s.deploy_host[d] == b and s.deploy_good[d] == _GOOD[good]:
                out = out + self.deployment.deployed[:, d] + self.state.arrived[:, d]
        return out

    @result(
        "workers_{partner}_in_{war}",
        "persons",
        "{partner} workers working in {war} at month end",
        direction=-1,
    )
    def _workers(self, m: Month) -> np.ndarray:
        return self._at_host("workers")

    @result(
        "troops_{partner}_in_{war}",
        "persons",
        "{partner} troops serving with {war} at month end",
        direction=-1,
    )
    def _troops(self, m: Month) -> np.ndarray:
        return self._at_host("troops")

    @result(
        "workers_sent_{partner}_to_{war}",
        "persons/month",
        "{partner} workers shipped to {war} this month (before interdiction)",
        direction=-1,
        flow=True,
    )
    def _sent(self, m: Month) -> np.ndarray:
        s, roles = self.structure, self.roles
        a, b = roles.index(roles.partner), roles.index(roles.war)
        mine = (s.deploy_sender == a) & (s.deploy_host == b) & (s.deploy_good == _GOOD["workers"])
        return self.state.shipped[:, mine].sum(axis=1)
