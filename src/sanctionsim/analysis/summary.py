"""Per-replicate outcomes and their quantiles across an ensemble.

A metric's *outcome* for one replicate is its total over the horizon when it
is a monthly flow (``Metric.flow``), and its value in the last month when it is
a level or ratio. The summary gives the median and the 10-90% band of
outcomes across replicates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sanctionsim.metrics import Scope, describe


def outcome(metrics: pd.DataFrame, metric: str, actors: Sequence[str]) -> pd.Series:
    """One value per replicate: the horizon total of a flow, the final value of a level.

    Raises:
        ValueError: If the metric is unknown (the message lists the known names).
    """
    info = describe(metric, actors)
    by_rep = metrics.groupby("replicate", sort=True)[metric]
    return by_rep.sum() if info.flow else by_rep.last()


def summarize(metrics: pd.DataFrame, names: Sequence[str], actors: Sequence[str]) -> pd.DataFrame:
    """Median and 10-90% band of each metric's outcome across replicates.

    Returns:
        One row per metric with columns ``metric``, ``stat`` (``total`` or
        ``final``), ``unit``, ``p10``, ``median`` and ``p90``.
    """
    return summarize_outcomes({name: outcome(metrics, name, actors).to_numpy() for name in names}, actors)


def summarize_outcomes(outcomes: Mapping[str, np.ndarray], scope: Scope) -> pd.DataFrame:
    """Median and 10-90% band of per-replicate outcomes already reduced (an ensemble streams them
    from its batches, so its summary needs no table in memory); columns as :func:`summarize`.

    Args:
        outcomes: Each metric's outcome per replicate.
        scope: The scenario (or its actor codes) whose metrics these are.
    """
    rows = []
    for name, values in outcomes.items():
        info = describe(name, scope)
        unit = info.unit.removesuffix("/month") if info.flow else info.unit
        series = pd.Series(np.asarray(values, dtype=np.float64))
        rows.append(
            {
                "metric": name,
                "stat": "total" if info.flow else "final",
                "unit": unit,
                "p10": float(series.quantile(0.1)),
                "median": float(series.median()),
                "p90": float(series.quantile(0.9)),
            }
        )
    return pd.DataFrame(rows, columns=["metric", "stat", "unit", "p10", "median", "p90"])
