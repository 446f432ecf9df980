"""Results as EMA Workbench's ``(experiments, outcomes)`` pair, so EMA's analyses run on them.

EMA Workbench's ``perform_experiments`` returns ``experiments``, a data frame with one row per
experiment and one column per uncertainty and lever, plus ``scenario``, ``policy`` and ``model``
(categories), and ``outcomes``, a dict of arrays aligned on the rows: (experiments,) for a scalar
outcome, (experiments, time steps) for a time series. :func:`to_ema` gives the same for a results
folder (one experiment per replicate; ``scenario`` is the design point) or for a comparison folder
of policies (the policies' rows one after the other, ``policy`` naming each, with a column per lever).
EMA itself is not needed to build the pair.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.analysis.effects import Comparison
from sanctionsim.analysis.load import opened
from sanctionsim.analysis.outcomes import metric_columns, outcomes
from sanctionsim.results import Results

__all__ = ["to_ema"]

#: The model name in ``experiments["model"]``.
MODEL_NAME = "sanctionsim"


def _value_at(config: Mapping[str, Any], path: str) -> float:
    node: Any = config
    for part in path.split("."):
        node = node[part]
    return float(node)


def _one(
    results: Results, *, policy: str, metrics: Sequence[str], scalars: Sequence[str], levers: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    table = results.joined()
    frame = table[results.parameters].copy()
    config = results.manifest.get("config") or {}
    for lever in levers:
        frame[lever] = _value_at(config, lever)
    frame["scenario"] = table["point"].to_numpy()
    frame["policy"] = policy
    frame["model"] = MODEL_NAME
    ordered = results.metrics.sort_values(["replicate", "month"], kind="stable")
    months = int(ordered["month"].max()) + 1
    n = len(table)
    out: dict[str, np.ndarray] = {
        "TIME": np.broadcast_to(np.arange(months, dtype=float), (n, months)).copy(),
    }
    for name in metrics:
        out[name] = ordered[name].to_numpy(dtype=float).reshape(n, months)
    if scalars:
        extra = outcomes(results, scalars)
        for name in scalars:
            out[name] = extra[name].to_numpy()
    return frame, out


def to_ema(
    results: Results | Comparison | str | os.PathLike[str],
    *,
    metrics: Sequence[str] | None = None,
    scalars: Sequence[str] = (),
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """EMA Workbench's ``(experiments, outcomes)`` for a run, a sweep, or a comparison of policies.

    Args:
        results: A results folder's results, or a comparison (one block of rows per policy), or
            the folder either was written to.
        metrics: Time-series outcomes, each (experiments, months) (default: every metric).
        scalars: Scalar outcomes per experiment, in the claim grammar (expressions, conditions, claim
            references; :func:`~sanctionsim.analysis.outcomes.outcomes`).

    Returns:
        ``experiments`` (parameters, levers, then ``scenario`` = design point, ``policy``, ``model``)
        and ``outcomes`` (``TIME``: months since the start, then the metrics and scalars).

    Raises:
        ValueError: If the results record no inputs, or a metric is unknown.
    """
    results = opened(results)
    runs = (
        results.results
        if isinstance(results, Comparison)
        else {str(results.manifest.get("scenario")): results}
    )
    first = next(iter(runs.values()))
    names = metric_columns(first) if metrics is None else list(metrics)
    for name in names:
        if name not in first.metrics.columns:
            raise ValueError(f"metric {name!r} is not in these results")
    levers = list(first.manifest.get("levers") or [])
    parts = [
        _one(res, policy=name, metrics=names, scalars=scalars, levers=levers) for name, res in runs.items()
    ]
    experiments = pd.concat([p[0] for p in parts], ignore_index=True)
    for col in ("scenario", "policy", "model"):
        experiments[col] = experiments[col].astype("category")
    out = {key: np.concatenate([p[1][key] for p in parts]) for key in parts[0][1]}
    return experiments, out
