"""Compliance: the third party (China) decides how far it complies with the sanctions regime; its
compliance throttles the routes through it and lowers its own appetite for sanctioned deals."""

from __future__ import annotations

import numpy as np

from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Month
from sanctionsim.model.pars import ActorPars, CompliancePars, SanctionPars, TiePars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import ComplianceState, TieState


class ComplianceStep(Process):
    """The third party's logistic compliance (step 8 of the reference model; see ``Actor.comply``)."""

    name = "compliance"
    title = "the third party's compliance, from secondary sanctions, exposure and ties"
    ties: TieState
    tie_pars: TiePars
    sanctions: SanctionPars
    actors: ActorPars
    compliance: CompliancePars
    state: ComplianceState

    def third(self) -> Actor:
        """The third party's agent."""
        return next(a for a in self.agents if isinstance(a, Actor) and a.code == self.roles.third)

    def init_state(self) -> ComplianceState:
        """Compliance under the starting ties, so that month 0 trades under it."""
        compliance, secondary = self._comply(self.tie_pars.affinity)
        return ComplianceState(compliance=compliance, secondary=secondary)

    def _comply(self, ties: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.third().comply(
            ties, sanctions=self.sanctions, actors=self.actors, compliance=self.compliance
        )

    def step(self, m: Month) -> None:
        """Update compliance from this month's ties and sanctions."""
        self.state.compliance, self.state.secondary = self._comply(self.ties.ties)

    @result(
        "compliance_{third}",
        "share",
        "{third} compliance with the sanctions regime, in [0, 1]",
        direction=1,
    )
    def _compliance(self, m: Month) -> np.ndarray:
        return self.state.compliance
