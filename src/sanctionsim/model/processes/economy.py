"""Economy: GDP grows at trend, lifted by export earnings and cut by shortfalls and sanctions.

Monthly growth = trend / 12 + export_lift * (export earnings / GDP) - shortfall_penalty *
(shortfall - shortfall in the first month) - sanction_cost * (active regimes targeting the actor)
+ noise. Shortfall is the value-weighted share of need left unmet; it enters relative to the
first month so that trend growth already contains the chronic shortages at the start.
"""

from __future__ import annotations

import numpy as np

from sanctionsim.constants import EPS
from sanctionsim.goods import CASH
from sanctionsim.model.context import EconomyOutcome, Month
from sanctionsim.model.pars import ActorPars, EconomyPars, GoodPars, SanctionPars
from sanctionsim.model.process import Process
from sanctionsim.model.result import result
from sanctionsim.model.state import EconomyState
from sanctionsim.model.structure import lastsum


class EconomyStep(Process):
    """Grow every actor's GDP (step 9 of the reference model)."""

    name = "economy"
    title = "GDP growth: trend, export earnings, shortfalls, sanctions, noise"
    reads = ("production", "payments")
    writes = ("economy",)
    actors: ActorPars
    goods: GoodPars
    economy: EconomyPars
    sanctions: SanctionPars
    state: EconomyState

    def init_state(self) -> EconomyState:
        """GDP at a monthly rate."""
        gdp = self.actors.gdp / 12.0
        return EconomyState(gdp=gdp, history=[gdp.copy()])

    def step(self, m: Month) -> None:
        """Grow GDP; write ``m.economy``."""
        s, e, st, prod = self.structure, self.economy, self.state, m.production
        exports = lastsum(m.payments.bill)  # value of the goods each actor delivered this month
        uv = self.goods.unit_value[:, None, :]
        uv = np.where(np.arange(s.g) == CASH, 0.0, uv)
        met = np.where(s.personnel, self.ledger.stock, prod.consumed)  # people: those at hand this month
        unmet = np.maximum(0.0, prod.need - met)
        shortfall = lastsum(uv * unmet) / np.maximum(lastsum(uv * prod.need), EPS)
        if st.shortfall0 is None:
            st.shortfall0 = shortfall.copy()
        targeted = self.zeros(s.n)
        for r_i in range(len(s.regimes)):
            targeted += self.sanctions.active[:, r_i][:, None] * s.regime_targets[r_i][None, :]
        z = np.concatenate([self.streams.normal(f"economy:{c}", m.t, 1) for c in s.codes], axis=1)
        growth = (
            self.actors.trend_growth / 12.0
            + e.export_lift[:, None] * exports / np.maximum(st.gdp, EPS)
            - e.shortfall_penalty[:, None] * (shortfall - st.shortfall0)
            - e.sanction_cost[:, None] * targeted
            + e.noise_sd[:, None] * z
        )
        st.gdp = st.gdp * (1.0 + growth)
        st.history.append(st.gdp.copy())
        m.economy = EconomyOutcome(exports=exports, shortfall=shortfall, growth=growth)

    @result(
        "gdp_{actor}", "USD/year", "GDP at annual rate", per="actor", directions={"war": -1, "partner": -1}
    )
    def _gdp(self, m: Month) -> np.ndarray:
        return self.state.gdp * 12.0

    @result(
        "gdp_growth_{actor}",
        "1/year",
        "Year-on-year GDP growth (annualised monthly growth before month 12)",
        per="actor",
        directions={"war": -1, "partner": -1},
    )
    def _growth(self, m: Month) -> np.ndarray:
        hist = self.state.history
        yoy = len(hist) > 12
        base = hist[-13] if yoy else hist[-2]
        ratio = hist[-1] / np.maximum(base, EPS)
        return ratio - 1.0 if yoy else ratio**12 - 1.0

    @result("reserves_{actor}", "USD", "Foreign-currency reserves (stock of cash)", per="actor")
    def _reserves(self, m: Month) -> np.ndarray:
        return self.ledger.stock[:, :, CASH]

    @result("shortfall_{actor}", "share", "Value-weighted unmet need this month, in [0, 1]", per="actor")
    def _shortfall(self, m: Month) -> np.ndarray:
        return m.economy.shortfall
