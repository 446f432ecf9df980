"""Military and technology: technology absorption, munitions sufficiency and Richardson-style
capability.

Technology: ``tech += psi * received * (1 - tech)`` for technology units delivered this month.
Capability moves at ``adjustment`` a month toward its sustainable level
``C0 * (tech / tech0) * min(1, munitions sufficiency)`` and grows by ``reaction`` times the
capability of hostile actors (Richardson's reaction term), weighted by hostility ``max(0, -tie)``.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.goods import GOOD_INDEX
from sanctionsim.model.context import Month
from sanctionsim.model.pars import ActorPars, MilitaryPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import MilitaryState, TieState
from sanctionsim.model.structure import lastsum, rowsum

TECH = GOOD_INDEX["technology"]
SHELLS = GOOD_INDEX["shells"]


class MilitaryStep(Process):
    """Absorb technology, measure munitions sufficiency, move capability (step 10)."""

    name = "military"
    title = "technology absorption, munitions sufficiency, Richardson capability"
    reads = ("production", "flows")
    actors: ActorPars
    military: MilitaryPars
    ties: TieState
    state: MilitaryState

    def init_state(self) -> MilitaryState:
        """Technology and capability as the scenario states them."""
        tech, cap = self.actors.tech.copy(), self.actors.capability.copy()
        return MilitaryState(
            tech=tech,
            tech0=tech.copy(),
            capability=cap,
            capability0=cap.copy(),
            sufficiency=np.ones(len(tech)),
        )

    def step(self, m: Month) -> None:
        """Update technology, sufficiency and capability."""
        s, st, mp = self.structure, self.state, self.military
        inflow = s.by_dst(m.flows.delivered).reshape(self.n_replicates, s.n, s.g)
        received = inflow[:, :, TECH]
        st.tech = st.tech + mp.psi[:, None] * received * (1.0 - st.tech)
        imported = inflow[:, :, SHELLS]
        w = s.war_actor
        need = m.production.need[:, w, SHELLS]
        st.sufficiency = (m.production.produced[:, w, SHELLS] + imported[:, w]) / np.maximum(need, EPS)
        suff = np.ones_like(st.capability)
        suff[:, w] = np.minimum(1.0, st.sufficiency)
        target = st.capability0 * (st.tech / np.maximum(st.tech0, EPS)) * suff
        hostility = np.maximum(0.0, -self.ties.ties)
        pressure = lastsum(hostility * st.capability[:, None, :]) / max(s.n - 1, 1)
        adj = mp.adjustment[:, None]
        st.capability = st.capability + adj * (target - st.capability) + mp.reaction[:, None] * pressure

    @result(
        "munitions_sufficiency_{war}",
        "ratio",
        "{war} shell supply (production + imports) / need this month",
        direction=-1,
    )
    def _sufficiency(self, m: Month) -> np.ndarray:
        return self.state.sufficiency

    @result(
        "threat_index",
        "index",
        "Capability of the {war}-{partner} partnership weighted by its tie, vs the enforcers'",
        direction=-1,
    )
    def _threat(self, m: Month) -> np.ndarray:
        s, cap = self.structure, self.state.capability
        a, b = s.partners
        enf = s.enforcers
        bloc_cap = rowsum(cap[:, enf]) if len(enf) else np.ones(self.n_replicates)
        partner_cap = cap[:, a] + cap[:, b]
        return partner_cap * (1.0 + np.maximum(0.0, self.ties.ties[:, a, b])) / np.maximum(bloc_cap, EPS)

    @result("tech_{actor}", "index [0, 1]", "Technology level", per="actor", directions={"partner": -1})
    def _tech(self, m: Month) -> np.ndarray:
        return self.state.tech

    @result(
        "capability_{actor}",
        "index",
        "Military capability (Richardson dynamics)",
        per="actor",
        directions={"war": -1, "partner": -1},
    )
    def _capability(self, m: Month) -> np.ndarray:
        return self.state.capability
