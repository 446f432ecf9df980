"""Production and consumption: every actor produces and needs goods; need is met from stock and
production (people are not consumed: the need for personnel is the people a host wants deployed)."""

from __future__ import annotations

import numpy as np

from sanctionsim.goods import GOOD_INDEX
from sanctionsim.model.agents import Actor
from sanctionsim.model.context import Month, Production
from sanctionsim.model.pars import ActorPars, EconomyPars, WarPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import CapacityState, EconomyState, WarState

SHELLS = GOOD_INDEX["shells"]


class ProductionStep(Process):
    """Each actor produces at its capacity (base plus built) with noise and sets its need (the
    belligerent's from the war path); need is consumed from stock plus production."""

    name = "production"
    title = "production at capacity with noise, war demand, and consumption"
    writes = ("production",)
    actors: ActorPars
    war_pars: WarPars
    economy_pars: EconomyPars
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
            actors=self.actors,
            war=self.war_pars,
            economy=self.economy_pars,
        )
        produced = np.stack([p[0] for p in plans], axis=1)
        need = np.stack([p[1] for p in plans], axis=1)
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
