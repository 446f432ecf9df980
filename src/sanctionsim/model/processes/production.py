"""Production and consumption: every actor produces and needs goods; need is met from stock and
production (people are not consumed: the need for personnel is the people a host wants deployed).

The belligerent's need follows the war path (``Actor.produce``): rounds
``fire_rate * I[t] * (1 + trend) ** years`` a day (with noise), and personnel
``need * (I[t] / I[0]) ** war.personnel_elasticity``, where ``I`` is the war's intensity and ``I[0]``
its value at the start. While a deployment's mutual-assistance clause is invoked (an event sets
``deployments.<name>.assistance_invoked``), the host asks that ally to fill a share of its manpower
shortfall, which comes from the war path: for a deployment d of good g to the belligerent B,
``need_B[g] += assistance_invoked[d] * shortfall_share[d] * war.manpower_shortfall * I[t]`` (the
deployment step sends against that need; a host that is not the belligerent has no shortfall).
"""

from __future__ import annotations

import numpy as np

from sanctionsim.goods import GOOD_INDEX
from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Month, Production
from sanctionsim.model.pars import ActorPars, DeploymentPars, EconomyPars, WarPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import CapacityState, EconomyState, WarState

SHELLS = GOOD_INDEX["shells"]


class ProductionStep(Process):
    """Each actor produces at its capacity (base plus built) with noise and sets its need (the
    belligerent's rounds and personnel from the war path); need is consumed from stock plus production."""

    name = "production"
    title = "production at capacity with noise, war demand, and consumption"
    writes = ("production",)
    actors: ActorPars
    war_pars: WarPars
    economy_pars: EconomyPars
    deployments: DeploymentPars
    economy: EconomyState
    war: WarState
    capacity: CapacityState

    def step(self, m: Month) -> None:
        """Post production and consumption to the ledger; write ``m.production``."""
        capacity = self.actors.production + self.capacity.built
        plans = self.agents.map(
            Actor.produce,
            m.t,
            self.economy.gdp,
            capacity,
            self.war.intensity,
            self.war.start,
            actors=self.actors,
            war=self.war_pars,
            economy=self.economy_pars,
        )
        produced = np.stack([p[0] for p in plans], axis=1)
        need = np.stack([p[1] for p in plans], axis=1)
        s, dp = self.structure, self.deployments
        war = self.roles.index(self.roles.war)
        for d in np.flatnonzero(s.deploy_host == war):  # mutual assistance: a share of the shortfall
            shortfall = self.war_pars.manpower_shortfall * self.war.intensity
            asked = dp.assistance_invoked[:, d] * dp.shortfall_share[:, d] * shortfall
            need[:, war, s.deploy_good[d]] += asked
        supply = self.ledger.stock + produced
        consumed = np.where(self.structure.personnel, 0.0, np.minimum(need, supply))
        self.ledger.produce_and_consume(produced, consumed)
        m.production = Production(produced=produced, need=need, consumed=consumed, supply=supply)

    @result("war_demand_{war}", "rounds/month", "{war} artillery need this month")
    def _war_demand(self, m: Month) -> np.ndarray:
        return m.production.need[:, self.roles.index(self.roles.war), SHELLS]

    @result("shell_production_{actor}", "rounds/month", "Artillery rounds produced this month", per="actor")
    def _shell_production(self, m: Month) -> np.ndarray:
        return m.production.produced[:, :, SHELLS]

    @result("stock_{good}_{actor}", "good unit", "Stock at month end", per="good_actor")
    def _stocks(self, m: Month) -> np.ndarray:
        return self.ledger.stock
