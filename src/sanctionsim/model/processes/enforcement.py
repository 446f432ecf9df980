"""Enforcement's reaction: designations cut the health of routes where lots were detected (it
recovers at ``rebuild_rate``), and enforcers shift effort toward the routes where they detected
value. This month's detection probability becomes next month's perceived risk."""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.model.context import Month
from sanctionsim.model.pars import EnforcementPars, RoutePars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import RouteState
from sanctionsim.model.structure import lastsum


class Enforcement(Process):
    """Designations and the shift of effort (end of step 6 of the reference model)."""

    name = "enforcement"
    title = "designations cut route capacity; effort shifts toward detected flows"
    reads = ("detection", "flows")
    routes: RoutePars
    enforcement: EnforcementPars
    state: RouteState

    def init_state(self) -> RouteState:
        """Routes at full health; effort spread evenly over the routes enforcers can watch."""
        s = self.structure
        share = np.tile(s.enforceable.astype(float), (self.n_replicates, 1))
        share /= np.maximum(share.sum(axis=1, keepdims=True), 1.0)
        return RouteState(
            health=np.ones((self.n_replicates, s.k)),
            detect_prob=self.zeros(s.k),
            effort_share=share,
            detected_total=self.zeros(),
        )

    def step(self, m: Month) -> None:
        """Update route health, effort shares and the perceived detection probability."""
        s, st, rp = self.structure, self.state, self.routes
        route_val = s.by_route(m.flows.value)
        detected = s.by_route(m.flows.detected_value)
        lots = route_val / rp.lot_value
        p = m.detection.p
        health = st.health + rp.rebuild_rate * (1.0 - st.health)
        st.health = health * (1.0 - rp.designation_cut) ** (lots * p)
        total = lastsum(detected)[:, None]
        target = np.where(total > 0, detected / np.maximum(total, EPS), st.effort_share)
        a = self.enforcement.adaptation[:, None]
        st.effort_share = (1.0 - a) * st.effort_share + a * target
        st.detect_prob = p
        st.detected_total = total[:, 0]

    @result(
        "detected_value",
        "USD/month",
        "Expected value of sanctioned flows detected this month (the adaptive policy's trigger)",
        flow=True,
    )
    def _detected(self, m: Month) -> np.ndarray:
        return self.state.detected_total
