"""Step 2: production and consumption; end-of-month use of perishable labour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sanctionsim.goods import CASH, GOOD_INDEX, GOOD_NAMES

if TYPE_CHECKING:
    from sanctionsim.model.model import SanctionsModel

SHELLS = GOOD_INDEX["shells"]
DAYS_PER_MONTH = 365.25 / 12


@dataclass
class Production:
    """This month's production, need and consumption, each (R, N, G)."""

    produced: np.ndarray
    need: np.ndarray
    consumed: np.ndarray
    supply: np.ndarray  # production plus stock at the start of the month


def _matrix(model: SanctionsModel, field: str) -> np.ndarray:
    paths = tuple(f"actors.{c}.goods.{g}.{field}" for c in model.codes for g in GOOD_NAMES)
    return model.params.stack(paths).reshape(model.n_replicates, len(model.codes), len(GOOD_NAMES)).copy()


def produce_and_consume(model: SanctionsModel, t: int) -> Production:
    """Produce with noise, set war demand, and consume non-perishable goods from stock.

    Cash is produced as foreign-currency income (``actors.X.fx_income_share`` of
    monthly GDP) and consumed by unmodelled imports (``actors.X.fx_import_share``).
    """
    p, s = model.params, model.structure
    produced = _matrix(model, "production")
    need = _matrix(model, "need")
    z = np.stack([model.streams.normal(f"production:{c}", t, s.g) for c in model.codes], axis=1)
    sd = p["economy.production_noise_sd"][:, None, None]
    produced *= np.exp(sd * z - 0.5 * sd**2)
    income = model.actor_param("fx_income_share")
    spending = model.actor_param("fx_import_share")
    produced[:, :, CASH] = income * model.gdp
    need[:, :, CASH] = spending * model.gdp
    # war demand: rounds/day * days, trend, intensity, log-normal noise
    zw = model.streams.normal("war_demand", t, 1)[:, 0]
    sdw = p["war.noise_sd"]
    fire = p["war.fire_rate"] * p["war.intensity"] * (1.0 + p["war.trend"]) ** (t / 12.0)
    need[:, s.war_actor, SHELLS] = fire * DAYS_PER_MONTH * np.exp(sdw * zw - 0.5 * sdw**2)
    model.need = need
    supply = model.stock + produced
    consumed = np.where(s.perishable, 0.0, np.minimum(need, supply))
    model.stock = supply - consumed
    return Production(produced=produced, need=need, consumed=consumed, supply=supply)


def end_of_month(model: SanctionsModel, prod: Production) -> None:
    """Perishable goods (labour) left at month end are used at home: consumed, not stocked."""
    per = model.structure.perishable
    used = model.stock[:, :, per]
    prod.consumed[:, :, per] += used
    model.stock[:, :, per] = 0.0
