"""Step 8: the third party's (China's) compliance with the sanctions regime.

``c = logistic(intercept + w_secondary * exposure * secondary
+ w_closeness * max(0, tie between the partners) - w_ties * mean tie to the partners)``,
with ``secondary`` the strongest secondary sanctions among active regimes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sanctionsim.model.model import SanctionsModel


def update(model: SanctionsModel) -> None:
    """Set ``model.compliance`` (R,) for this month."""
    s, p = model.structure, model.params
    third = s.compliance_actor
    a, b = s.partners
    secondary = np.zeros(model.n_replicates)
    for regime in s.regimes:
        secondary = np.maximum(
            secondary, p[f"sanctions.{regime}.secondary"] * p[f"sanctions.{regime}.active"]
        )
    exposure = p[f"actors.{s.codes[third]}.trade_exposure_to_bloc"]
    closeness = np.maximum(0.0, model.ties[:, a, b])
    own = 0.5 * (model.ties[:, third, a] + model.ties[:, third, b])
    logit = (
        p["compliance.intercept"]
        + p["compliance.w_secondary"] * exposure * secondary
        + p["compliance.w_closeness"] * closeness
        - p["compliance.w_ties"] * own
    )
    model.compliance = 1.0 / (1.0 + np.exp(-logit))
    model.secondary = secondary
