"""Capacity: production capacity grows with investment and wears with depreciation (time to build,
Kydland and Prescott 1982).

Each actor's capacity in each good is its base (``production``, which events may change) plus what
it has built: ``built[t+1] = (1 - depreciation) * built[t] + I[t - build_months] + ramp * (ceiling -
capacity)``, never above the ceiling. Investment ``I = invest_share * earnings / capacity_cost +
tech_gain * technology received``, where earnings are the value the actor was paid this month for
what it delivered (in kind and in cash). So arms earnings and Russian technology build DPRK
munitions lines, after a lag, and a state's own programme (``ramp``) builds Russia's.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.goods import GOOD_INDEX
from sanctionsim.model import kernels
from sanctionsim.model.context import Month
from sanctionsim.model.pars import ActorPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import CapacityState
from sanctionsim.model.structure import lastsum

#: Longest time to build a pipeline holds (the schema's bound on ``build_months``, plus this month).
SLOTS = 37
TECH = GOOD_INDEX["technology"]
SHELLS = GOOD_INDEX["shells"]


class Capacity(Process):
    """Invest this month's earnings and technology; bring last investments into production."""

    name = "capacity"
    title = "capacity grows with invested earnings and technology after a lag, wears, ramps to a ceiling"
    reads = ("flows", "payments")
    actors: ActorPars
    state: CapacityState

    def init_state(self) -> CapacityState:
        """Nothing built and nothing being built."""
        s = self.structure
        return CapacityState(
            built=self.zeros(s.n, s.g), pipeline=np.zeros((SLOTS, self.n_replicates, s.n, s.g))
        )

    def step(self, m: Month) -> None:
        """Invest, depreciate, ramp, and cap at the ceiling (for next month's production)."""
        s, a, st = self.structure, self.actors, self.state
        r = self.n_replicates
        earnings = lastsum(m.payments.barter + m.payments.paid)  # (R, N): what each was paid
        tech = s.by_dst(m.flows.delivered).reshape(r, s.n, s.g)[:, :, TECH]
        invest = (
            a.invest_share * earnings[:, :, None] / np.maximum(a.capacity_cost, EPS) * (a.capacity_cost > 0)
        )
        invest = invest + a.tech_gain * tech[:, :, None]
        due = (m.t + 1 + a.build_months.astype(np.int64)) % SLOTS  # (R, N, G): the month it produces
        kernels.scatter_add_slots(st.pipeline, due, np.ascontiguousarray(invest, dtype=np.float64))
        now = (m.t + 1) % SLOTS
        built = (1.0 - a.depreciation) * st.built + st.pipeline[now]
        st.pipeline[now] = 0.0
        room = np.maximum(0.0, a.ceiling - a.production)
        grows = a.ceiling > 0
        built = built + a.ramp * np.maximum(0.0, room - built)
        st.built = np.where(grows, np.clip(built, 0.0, room), 0.0)

    @result(
        "shell_capacity_{actor}",
        "rounds/month",
        "Artillery production capacity (base plus built)",
        per="actor",
    )
    def _shells(self, m: Month) -> np.ndarray:
        return self.actors.production[:, :, SHELLS] + self.state.built[:, :, SHELLS]
