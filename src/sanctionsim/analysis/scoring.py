"""Scoring an ensemble against observations: proper scores, PIT values, band coverage.

An ensemble gives, for each observation (:class:`~sanctionsim.analysis.observations.Target`), one value
per replicate. Each observation is a point, an interval, or a one-sided bound, and gets the score that
fits it (``docs/calibration.md`` gives the formulas and references):

- **point**: the CRPS of the ensemble, by the fair (unbiased) ensemble estimator of Ferro (2014),
  computed in its probability-weighted-moment form (Zamo & Naveau 2018) in O(n log n);
- **interval** ``[a, b]``: the interval score of the ensemble's central 80% band (10-90%), Gneiting &
  Raftery (2007, eq. 43), averaged over an observation uniform on ``[a, b]`` (for ``a = b`` it is the
  usual interval score);
- **one-sided bound** (``>= a`` or ``<= b``): the Brier score (Brier 1950) of the event "the bound
  holds", which the observation says happened: ``(1 - P(bound holds))**2``.

Scores are in the observation's unit (CRPS, interval score) or unitless (Brier); the *relative* score
divides by the observation's size (:attr:`Target.scale`) so that rows of different units average.
PIT values are the ensemble's mid-rank CDF at a point, and the mid-point of ``[F(a), F(b)]`` for an
interval or bound (``pit_low``/``pit_high`` give both ends). An observation is *covered* by a band
when it overlaps the band.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.analysis.observations import Target, describe_observed

__all__ = [
    "BAND",
    "COLUMNS",
    "brier_bound",
    "crps_fair",
    "interval_score",
    "jsonable",
    "mid_rank",
    "score_targets",
    "score_values",
    "summarize_scores",
]

#: The central band tables and figures show, and the interval the interval score scores: 10-90%.
BAND: tuple[float, float] = (0.1, 0.9)
#: Quantiles reported per row.
QUANTILES: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Columns of :func:`score_targets`.
COLUMNS: tuple[str, ...] = (
    "id",
    "quantity",
    "date",
    "rule",
    "kind",
    "observed",
    "low",
    "high",
    "median",
    "p10",
    "p25",
    "p75",
    "p90",
    "overlap",
    "covered_50",
    "score_kind",
    "score",
    "relative_score",
    "pit",
    "pit_low",
    "pit_high",
    "runs",
)
#: Score used for each kind of observation.
SCORE_KIND: dict[str, str] = {"point": "crps", "interval": "interval", "lower": "brier", "upper": "brier"}


def mid_rank(x: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """The ensemble's mid-rank CDF at ``y``: ``(#{x < y} + #{x == y} / 2) / n`` over the last axis."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)[..., None]
    return ((x < y).sum(axis=-1) + 0.5 * (x == y).sum(axis=-1)) / x.shape[-1]


def crps_fair(x: np.ndarray, y: np.ndarray | float) -> np.ndarray:
    """Fair CRPS of the ensemble ``x`` (members on the last axis) at the observation ``y``.

    ``mean|x_i - y| - sum_ij |x_i - x_j| / (2 n (n - 1))`` (Ferro 2014), with the double sum written as
    ``2 sum_i (2i - n - 1) x_(i)`` over the sorted members (Zamo & Naveau 2018). One member gives
    ``|x - y|``.
    """
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    y = np.asarray(y, dtype=float)
    term1 = np.abs(x - y[..., None]).mean(axis=-1)
    if n < 2:
        return term1
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    term2 = (np.sort(x, axis=-1) * weights).sum(axis=-1) / (n * (n - 1))
    return term1 - term2


def _expected_below(edge: np.ndarray, a: float, b: float) -> np.ndarray:
    """E[(edge - y)+] for y uniform on [a, b] (a point when a == b)."""
    if a == b:
        return np.maximum(edge - a, 0.0)
    inside = (edge - a) ** 2 / (2.0 * (b - a))
    return np.where(edge <= a, 0.0, np.where(edge >= b, edge - (a + b) / 2.0, inside))


def _expected_above(edge: np.ndarray, a: float, b: float) -> np.ndarray:
    """E[(y - edge)+] for y uniform on [a, b]."""
    if a == b:
        return np.maximum(a - edge, 0.0)
    inside = (b - edge) ** 2 / (2.0 * (b - a))
    return np.where(edge >= b, 0.0, np.where(edge <= a, (a + b) / 2.0 - edge, inside))


def interval_score(
    lower: np.ndarray, upper: np.ndarray, a: float, b: float, *, alpha: float = 1 - (BAND[1] - BAND[0])
) -> np.ndarray:
    """Interval score of a central (1 - alpha) band ``[lower, upper]``, averaged over y uniform on [a, b].

    ``(upper - lower) + (2 / alpha) * (E[(lower - y)+] + E[(y - upper)+])`` (Gneiting & Raftery 2007,
    eq. 43, averaged over the observation's range).
    """
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    penalty = _expected_below(lower, a, b) + _expected_above(upper, a, b)
    return (upper - lower) + (2.0 / alpha) * penalty


def brier_bound(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """Brier score of the event "the value lies in [low, high]" when it did: ``(1 - P)**2``."""
    x = np.asarray(x, dtype=float)
    p = ((x >= low) & (x <= high)).mean(axis=-1)
    return (1.0 - p) ** 2


def score_values(x: np.ndarray, target: Target) -> np.ndarray:
    """The target's score for ensembles ``x`` (members on the last axis); see the module docstring."""
    kind = target.kind
    if kind == "point":
        return crps_fair(x, target.low)
    if kind == "interval":
        lo, hi = np.quantile(np.asarray(x, dtype=float), BAND, axis=-1)
        return interval_score(lo, hi, target.low, target.high)
    return brier_bound(x, target.low, target.high)


def _overlaps(lo: float, hi: float, a: float, b: float) -> bool:
    return max(lo, a) <= min(hi, b)


def score_targets(targets: Sequence[Target], values: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """Score each target on its ensemble values (one per replicate).

    Non-finite values (e.g. a ratio over a zero window) are left out; a target with none left gets
    missing scores and counts as not covered.

    Returns:
        One row per target with the columns in :data:`COLUMNS`: the observation (``observed``,
        ``low``, ``high``), the ensemble's quantiles, ``overlap`` (the observation overlaps the 10-90%
        band), ``covered_50`` (it overlaps the 25-75% band), the score and its kind, the relative score,
        the PIT value and its ends, and the number of replicates scored.
    """
    rows = []
    for t in targets:
        x = np.asarray(values[t.id], dtype=float)
        x = x[np.isfinite(x)]
        row: dict[str, Any] = {
            "id": t.id,
            "quantity": str(t.quantity),
            "date": t.date,
            "rule": t.rule,
            "kind": t.kind,
            "observed": describe_observed(t),
            "low": t.low,
            "high": t.high,
            "score_kind": SCORE_KIND[t.kind],
            "runs": int(x.size),
        }
        if x.size == 0:
            row.update(
                dict.fromkeys(("median", "p10", "p25", "p75", "p90", "score", "relative_score"), math.nan)
            )
            row.update(overlap=False, covered_50=False, pit=math.nan, pit_low=math.nan, pit_high=math.nan)
            rows.append(row)
            continue
        p10, p25, p50, p75, p90 = (float(q) for q in np.quantile(x, QUANTILES))
        score = float(score_values(x, t))
        if t.kind == "point":
            pit_low = pit_high = float(mid_rank(x, t.low))
        else:
            pit_low = float((x < t.low).mean())
            pit_high = float((x <= t.high).mean())
        row.update(
            median=p50,
            p10=p10,
            p25=p25,
            p75=p75,
            p90=p90,
            overlap=_overlaps(p10, p90, t.low, t.high),
            covered_50=_overlaps(p25, p75, t.low, t.high),
            score=score,
            relative_score=score if t.kind in ("lower", "upper") else score / t.scale,
            pit=(pit_low + pit_high) / 2.0,
            pit_low=pit_low,
            pit_high=pit_high,
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _mean(series: pd.Series) -> float | None:
    finite = series[np.isfinite(series.astype(float))]
    return float(finite.mean()) if len(finite) else None


def summarize_scores(table: pd.DataFrame, *, unanswered: int) -> dict[str, Any]:
    """The summary under a validate table.

    Returns:
        ``answered`` and ``unanswered`` row counts, ``coverage_50`` and ``coverage_80`` (share of
        answered rows whose observation overlaps the 25-75% and 10-90% bands), ``mean_score`` (mean
        relative score), ``mean_crps`` (mean relative CRPS of point rows), ``mean_interval_score``
        (relative, interval rows), ``mean_brier`` (bound rows) and ``mean_pit``; ``None`` where there
        is nothing to average.
    """
    n = len(table)
    kinds = table["score_kind"]
    return {
        "answered": n,
        "unanswered": unanswered,
        "coverage_50": float(table["covered_50"].mean()) if n else None,
        "coverage_80": float(table["overlap"].mean()) if n else None,
        "mean_score": _mean(table["relative_score"]),
        "mean_crps": _mean(table.loc[kinds == "crps", "relative_score"]),
        "mean_interval_score": _mean(table.loc[kinds == "interval", "relative_score"]),
        "mean_brier": _mean(table.loc[kinds == "brier", "score"]),
        "mean_pit": _mean(table["pit"]),
    }


def jsonable(value: Any) -> Any:
    """Plain JSON data: NaN and infinities become ``None``, numpy scalars Python numbers."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
