"""Per-replicate outcomes and their quantiles across an ensemble.

A metric's *outcome* for one replicate is its total over the horizon when it
is a monthly flow (``Metric.flow``), and its value in the last month when it is
a level or ratio. The summary gives the median and the 10-90% band of
outcomes across replicates.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sanctionsim.metrics import describe


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
    rows = []
    for name in names:
        info = describe(name, actors)
        values = outcome(metrics, name, actors)
        unit = info.unit.removesuffix("/month") if info.flow else info.unit
        rows.append(
            {
                "metric": name,
                "stat": "total" if info.flow else "final",
                "unit": unit,
                "p10": float(values.quantile(0.1)),
                "median": float(values.median()),
                "p90": float(values.quantile(0.9)),
            }
        )
    return pd.DataFrame(rows)
