"""Detection: the enforcers' budget becomes effort on each route, and effort a detection probability
``p = 1 - exp(-kappa * effort)``; a compliant third party adds effort on the routes through it."""

from __future__ import annotations

import numpy as np

from sanctionsim.model.context import Detection, Month
from sanctionsim.model.pars import ActorPars, EnforcementPars, RoutePars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import ComplianceState, RouteState
from sanctionsim.model.structure import rowsum


class DetectionStep(Process):
    """Effort = budget x effort per USD x monitoring, split by the effort shares (step 6)."""

    name = "detection"
    title = "enforcers' effort per route and this month's detection probability"
    writes = ("detection",)
    actors: ActorPars
    enforcement: EnforcementPars
    routes: RoutePars
    route_state: RouteState
    compliance: ComplianceState

    def step(self, m: Month) -> None:
        """Write ``m.detection``."""
        s, e = self.structure, self.enforcement
        budget = self.zeros()
        for i in s.enforcers:
            budget = budget + self.actors.enforcement_budget[:, i]
        effort = (budget * e.effort_per_usd * e.monitoring)[:, None] * self.route_state.effort_share
        third = (s.via == s.compliance_actor)[None, :] * (self.compliance.compliance * e.third_party_effort)[
            :, None
        ]
        effort = effort + third
        effort[:, 0] = 0.0
        p = 1.0 - np.exp(-self.routes.kappa * effort)
        m.detection = Detection(effort=effort, p=p, cost=budget)

    @result("enforcement_effort", "effort units", "Enforcers' total interdiction effort")
    def _effort(self, m: Month) -> np.ndarray:
        return rowsum(m.detection.effort)

    @result(
        "enforcement_cost",
        "USD/month",
        "Enforcers' spending on monitoring and interdiction",
        direction=-1,
        flow=True,
    )
    def _cost(self, m: Month) -> np.ndarray:
        return m.detection.cost
