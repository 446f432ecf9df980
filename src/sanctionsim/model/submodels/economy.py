"""Step 9: GDP growth.

Monthly growth = trend / 12 + export_lift * (export earnings / GDP)
- shortfall_penalty * (shortfall - shortfall in the first month)
- sanction_cost * (active regimes targeting the actor) + noise. Shortfall is
the value-weighted share of need left unmet; it enters relative to the first
month so that trend growth already contains the chronic shortages of June 2023.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sanctionsim.goods import CASH, GOOD_NAMES

if TYPE_CHECKING:
    from sanctionsim.model.model import SanctionsModel
    from sanctionsim.model.submodels.payments import Payments
    from sanctionsim.model.submodels.production import Production

_EPS = 1e-9


@dataclass
class Economy:
    """This month's economic outcomes, each (R, N)."""

    exports: np.ndarray
    shortfall: np.ndarray
    growth: np.ndarray


def update(model: SanctionsModel, prod: Production, pay: Payments, t: int) -> Economy:
    """Grow GDP and return exports, shortfall and growth."""
    s, p = model.structure, model.params
    exports = pay.bill.sum(axis=2)  # value of the goods each actor delivered this month
    uv = p.stack(tuple(f"goods.{g}.unit_value" for g in GOOD_NAMES))[:, None, :]
    uv = np.where(np.arange(s.g) == CASH, 0.0, uv)
    met = np.where(s.perishable, model.stock, prod.consumed)  # labour: what is at hand this month
    unmet = np.maximum(0.0, prod.need - met)
    shortfall = (uv * unmet).sum(axis=2) / np.maximum((uv * prod.need).sum(axis=2), _EPS)
    if model.shortfall0 is None:
        model.shortfall0 = shortfall.copy()
    targeted = np.zeros((model.n_replicates, s.n))
    for r_i, regime in enumerate(s.regimes):
        targeted += p[f"sanctions.{regime}.active"][:, None] * s.regime_targets[r_i][None, :]
    trend = model.actor_param("trend_growth")
    z = np.concatenate([model.streams.normal(f"economy:{c}", t, 1) for c in s.codes], axis=1)
    growth = (
        trend / 12.0
        + p["economy.export_lift"][:, None] * exports / np.maximum(model.gdp, _EPS)
        - p["economy.shortfall_penalty"][:, None] * (shortfall - model.shortfall0)
        - p["economy.sanction_cost"][:, None] * targeted
        + p["economy.noise_sd"][:, None] * z
    )
    model.gdp = model.gdp * (1.0 + growth)
    model.gdp_history.append(model.gdp.copy())
    return Economy(exports=exports, shortfall=shortfall, growth=growth)
