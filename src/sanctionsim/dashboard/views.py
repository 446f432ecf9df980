"""What the dashboard shows, as tables: latest values, paired differences, flows, ties and events.

Pure functions of the ensemble tables (the same columns as a results folder's), so they are
tested without a browser. Medians and bands are across replicates; a paired difference is taken
replicate by replicate (current minus pinned), which common random numbers make meaningful.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sanctionsim import metrics as metric_registry
from sanctionsim.plotting.style import DEFAULT_QUANTILES

_LOW, _MID, _HIGH = DEFAULT_QUANTILES


def _last_month(metrics: pd.DataFrame) -> pd.DataFrame:
    return metrics[metrics["month"] == metrics["month"].max()]


def latest_numbers(
    current: pd.DataFrame, pinned: pd.DataFrame | None, names: Sequence[str], actors: Sequence[str]
) -> pd.DataFrame:
    """The last simulated month of each metric: median and 10-90% band, pinned and paired difference.

    Args:
        current: Metrics table of the current configuration (at least one month).
        pinned: Metrics table of the pinned configuration, or ``None``.
        names: Metric names.
        actors: Actor codes (for the metrics' descriptions and units).

    Returns:
        One row per metric: ``metric``, ``description``, ``unit``, ``median``, ``low``, ``high`` and,
        with a pinned table, ``pinned_median``, ``diff_median``, ``diff_low``, ``diff_high``.
    """
    now = _last_month(current).set_index("replicate").sort_index()
    then = None if pinned is None else _last_month(pinned).set_index("replicate").sort_index()
    rows = []
    for name in names:
        info = metric_registry.describe(name, actors)
        values = now[name]
        row: dict[str, object] = {
            "metric": name,
            "description": info.description,
            "unit": info.unit,
            "median": float(values.quantile(_MID)),
            "low": float(values.quantile(_LOW)),
            "high": float(values.quantile(_HIGH)),
        }
        if then is not None:
            diff = (values - then[name]).dropna()  # paired by replicate
            row.update(
                pinned_median=float(then[name].quantile(_MID)),
                diff_median=float(diff.quantile(_MID)),
                diff_low=float(diff.quantile(_LOW)),
                diff_high=float(diff.quantile(_HIGH)),
            )
        rows.append(row)
    return pd.DataFrame(rows)


def flow_matrix(flows: pd.DataFrame, *, month: int, replicates: int, actors: Sequence[str]) -> pd.DataFrame:
    """Median across replicates of the value delivered and interdicted per (src, dst) in one month.

    A replicate with no shipment on a pair counts as zero, so the median is over all replicates.

    Args:
        flows: Flows table (``replicate``, ``month``, ``src``, ``dst``, ``good``, ``shipped``,
            ``delivered``, ``interdicted``, ``value``).
        month: The month to summarise.
        replicates: Number of replicates in the ensemble.
        actors: Actor codes.

    Returns:
        One row per ordered pair with a positive median delivered or interdicted value: ``src``,
        ``dst``, ``delivered_value``, ``interdicted_value`` (USD) and ``main_good`` (the good with
        the largest median delivered value on the pair).
    """
    columns = ["src", "dst", "delivered_value", "interdicted_value", "main_good"]
    rows = flows[flows["month"] == month]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    shipped = rows["shipped"].to_numpy(dtype=float)
    unit = np.divide(
        rows["value"].to_numpy(dtype=float), shipped, out=np.zeros_like(shipped), where=shipped > 0
    )
    frame = pd.DataFrame(
        {
            "replicate": rows["replicate"].to_numpy(),
            "src": rows["src"].astype(str).to_numpy(),
            "dst": rows["dst"].astype(str).to_numpy(),
            "good": rows["good"].astype(str).to_numpy(),
            "delivered_value": unit * rows["delivered"].to_numpy(dtype=float),
            "interdicted_value": unit * rows["interdicted"].to_numpy(dtype=float),
        }
    )
    pairs = [(a, b) for a in actors for b in actors if a != b]
    index = pd.MultiIndex.from_tuples(
        [(r, a, b) for r in range(replicates) for a, b in pairs], names=["replicate", "src", "dst"]
    )
    sums = frame.groupby(["replicate", "src", "dst"])[["delivered_value", "interdicted_value"]].sum()
    medians = sums.reindex(index, fill_value=0.0).groupby(level=["src", "dst"]).median()
    by_good = frame.groupby(["src", "dst", "good"])["delivered_value"].sum()
    out = medians[(medians["delivered_value"] > 0) | (medians["interdicted_value"] > 0)].reset_index()
    out["main_good"] = [
        str(by_good.loc[(a, b)].idxmax()) if (a, b) in by_good.index.droplevel("good") else ""
        for a, b in zip(out["src"], out["dst"], strict=True)
    ]
    return out[columns]


def event_log(events: pd.DataFrame, *, replicates: int) -> pd.DataFrame:
    """The events fired so far: when first and last, in what share of replicates, and what happened.

    Args:
        events: Events table (``replicate``, ``month``, ``date``, ``event``, ``kind``, ``detail``).
        replicates: Number of replicates in the ensemble.

    Returns:
        One row per event name, by first date: ``event``, ``kind``, ``first``, ``last`` (dates),
        ``share`` (of replicates in which it fired) and ``detail``.
    """
    columns = ["event", "kind", "first", "last", "share", "detail"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    grouped = events.groupby("event", sort=False)
    out = pd.DataFrame(
        {
            "kind": grouped["kind"].first(),
            "first": grouped["date"].min(),
            "last": grouped["date"].max(),
            "share": grouped["replicate"].nunique() / float(replicates),
            "detail": grouped["detail"].first(),
        }
    ).reset_index()
    return out.sort_values(["first", "event"], kind="stable").reset_index(drop=True)[columns]


def tie_matrices(
    current: pd.DataFrame, pinned: pd.DataFrame | None, actors: Sequence[str]
) -> tuple[np.ndarray, np.ndarray | None]:
    """The median tie matrix in the last simulated month, and the median paired difference from the pin.

    Returns:
        ``(median, difference)``: ``(n, n)`` arrays with NaN on the diagonal; ``difference`` is the
        median over replicates of (current - pinned) per pair, or ``None`` without a pin.
    """
    from sanctionsim.plotting.ties import median_tie_matrix, tie_metric

    now = _last_month(current)
    median = median_tie_matrix(now, actors, pd.Timestamp(now["date"].iloc[0]))
    if pinned is None:
        return median, None
    a_rows = now.set_index("replicate").sort_index()
    b_rows = _last_month(pinned).set_index("replicate").sort_index()
    n = len(actors)
    diff = np.full((n, n), np.nan)
    for i, a in enumerate(actors):
        for j in range(i + 1, n):
            name = tie_metric(a, actors[j])
            if name in a_rows.columns:
                diff[i, j] = diff[j, i] = float((a_rows[name] - b_rows[name]).median())
    return median, diff
