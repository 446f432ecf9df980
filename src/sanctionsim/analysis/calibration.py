"""Calibration check: does an ensemble's median reproduce what was known by June 2024?

The observations file (``data/observations/in-sample_to_2024-06.csv``, the rows of
``data/observations_to_2024-06.csv`` with their mapping to the model) states for each row the model
quantity that answers it and the rule that turns the sourced figures into an accepted value or range
(``docs/observations.md``). The same file drives ``sanctionsim validate`` and ``calibrate``; this
module keeps the baseline's own check: the ensemble *median* of every answered row lies in its range.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sanctionsim.analysis.observations import SHIPPED, Observations, load_observations

__all__ = ["OBSERVATIONS", "Check", "check_calibration"]

#: The sourced figures as shared with the project (kept verbatim; the shipped file adds the mapping).
OBSERVATIONS = SHIPPED.parents[1] / "observations_to_2024-06.csv"


@dataclass(frozen=True)
class Check:
    """One observation's outcome: the ensemble median against the accepted range."""

    id: str
    quantity: str
    median: float
    low: float
    high: float
    note: str

    @property
    def ok(self) -> bool:
        """Whether the median lies in [low, high]."""
        return self.low <= self.median <= self.high


def check_calibration(
    metrics: pd.DataFrame, *, observations: Observations | str | os.PathLike[str] = SHIPPED
) -> list[Check]:
    """Check the median of every answered observation whose window lies in the run.

    Args:
        metrics: An ensemble's metrics table.
        observations: The observations (default: the shipped in-sample file).

    Returns:
        One check per answered observation read by the run (rows beyond its last month are left out).
    """
    obs = observations if isinstance(observations, Observations) else load_observations(Path(observations))
    last = pd.Period(pd.Timestamp(metrics["date"].max()), freq="M")
    checks = []
    for t in obs.select(until=str(last)).targets:
        values = t.quantity.evaluate(metrics)
        note = "; ".join(r.fields.get("model_note", "") for r in t.rows[:1])
        checks.append(Check(t.id, str(t.quantity), float(np.nanmedian(values)), t.low, t.high, note))
    return checks
