"""Step 10: technology absorption and Richardson-style capability.

Technology: ``tech += psi * received * (1 - tech)`` for technology units
delivered this month. Capability moves at ``adjustment`` a month toward its
sustainable level ``C0 * (tech / tech0) * min(1, munitions sufficiency)`` and
grows by ``reaction`` times the capability of hostile actors (Richardson's
reaction term), weighted by hostility ``max(0, -tie)``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sanctionsim.goods import GOOD_INDEX

if TYPE_CHECKING:
    from sanctionsim.model.model import MonthFlows, SanctionsModel
    from sanctionsim.model.submodels.production import Production

TECH = GOOD_INDEX["technology"]
SHELLS = GOOD_INDEX["shells"]
_EPS = 1e-9


def update(model: SanctionsModel, prod: Production, flows: MonthFlows) -> None:
    """Absorb technology, compute munitions sufficiency and move capability."""
    s, p = model.structure, model.params
    inflow = s.by_dst(flows.delivered).reshape(model.n_replicates, s.n, s.g)
    received = inflow[:, :, TECH]
    model.tech = model.tech + p["military.psi"][:, None] * received * (1.0 - model.tech)
    imported = inflow[:, :, SHELLS]
    w = s.war_actor
    need = prod.need[:, w, SHELLS]
    model.sufficiency = (prod.produced[:, w, SHELLS] + imported[:, w]) / np.maximum(need, _EPS)
    suff = np.ones_like(model.capability)
    suff[:, w] = np.minimum(1.0, model.sufficiency)
    target = model.capability0 * (model.tech / np.maximum(model.tech0, _EPS)) * suff
    hostility = np.maximum(0.0, -model.ties)
    pressure = (hostility * model.capability[:, None, :]).sum(axis=2) / max(s.n - 1, 1)
    adj = p["military.adjustment"][:, None]
    model.capability = (
        model.capability + adj * (target - model.capability) + p["military.reaction"][:, None] * pressure
    )
