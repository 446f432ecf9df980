"""Paired policy effects: differences of runs made with common random numbers, and their summary.

Runs of a base and of policies made with the same seed, replicates, horizon and
start share their random numbers replicate by replicate (docs/architecture.md,
"Randomness"), so replicate ``r`` of a policy differs from replicate ``r`` of the
base only where the policy acts. The effect of a policy on a metric is summarised
from the per-replicate *paired* differences ``outcome(policy, r) - outcome(base, r)``,
where the outcome is the horizon total of a flow or the final value of a level
(:func:`sanctionsim.analysis.summary.outcome`).

This module reads results and computes; it runs nothing (``experiments.compare`` runs the
scenarios) and formats nothing (``formatting.format_effect`` makes the display strings).

Example:
    >>> from sanctionsim.analysis.effects import load_comparison
    >>> cmp = load_comparison("results/compare-20240101T000000Z")  # doctest: +SKIP
    >>> cmp.effects[["scenario", "metric", "median_diff", "diff_p05", "diff_p95", "p_good"]]  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.analysis.summary import outcome
from sanctionsim.metrics import KEY_METRICS, describe
from sanctionsim.results import Results
from sanctionsim.results.comparison import comparison_payload, read_comparison_folder

__all__ = [
    "EFFECT_COLUMNS",
    "PAIRING_FIELDS",
    "Comparison",
    "check_metrics",
    "check_pairable",
    "effect_records",
    "effects_table",
    "folder_names",
    "from_results",
    "good_label",
    "load_comparison",
    "paired_differences",
    "paired_outcomes",
    "unique_names",
]

#: Columns of :attr:`Comparison.effects`, in order.
EFFECT_COLUMNS: tuple[str, ...] = (
    "scenario",
    "metric",
    "unit",
    "stat",
    "direction",
    "p_label",
    "base_median",
    "median_diff",
    "diff_p05",
    "diff_p95",
    "rel_change",
    "rel_p05",
    "rel_p95",
    "p_good",
    "n",
)

#: Manifest fields two runs must share for their replicates to be paired.
PAIRING_FIELDS: tuple[str, ...] = ("seed", "runs", "months", "start", "layout")

_KEYS = ("replicate", "month", "date")


def effect_records(effects: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of an effects table as plain dicts keyed by column name."""
    return [{str(k): v for k, v in row.items()} for row in effects.to_dict(orient="records")]


def good_label(direction: int) -> str:
    """Label of the ``p_good`` column for a metric's good direction.

    ``P(decrease)`` when lower is better for the bloc, ``P(increase)`` when
    higher is better, and ``P(diff > 0)`` for a neutral metric.
    """
    return {-1: "P(decrease)", 1: "P(increase)"}.get(int(direction), "P(diff > 0)")


def check_pairable(base: Results, other: Results) -> None:
    """Check that two runs can be paired replicate by replicate.

    Raises:
        ValueError: If they differ in seed, runs, months, start month or layout
            (first replicate, design points; folders written before layouts
            were recorded are taken as plain runs); the message names each
            difference and how to fix it.
    """
    diffs = [
        f"{key} {_pairing(base, key)!r} vs {_pairing(other, key)!r}"
        for key in PAIRING_FIELDS
        if str(_pairing(base, key)) != str(_pairing(other, key))
    ]
    if diffs:
        raise ValueError(
            f"cannot pair {_label(other)} with {_label(base)}: they differ in {'; '.join(diffs)}. "
            f"Paired differences need runs made with the same seed, runs, months, start and design "
            f"(run them with `sanctionsim compare`, or with the same --seed/--runs/--months)"
        )


def _pairing(results: Results, key: str) -> Any:
    """A manifest's value of a pairing field; a layout as (first replicate, "plain") or (first replicate,
    points, replicates, a digest of the design's values)."""
    value = results.manifest.get(key)
    if key != "layout":
        return value
    layout = value or {}
    if not layout.get("paths"):
        return (layout.get("first", 0), "plain")
    return (layout["first"], layout["points"], layout["replicates"], str(layout["values_sha256"])[:12])


def _label(results: Results) -> str:
    name = results.manifest.get("scenario", "?")
    return f"{name!r} ({results.path})" if results.path is not None else repr(name)


def _metric_columns(results: Results) -> list[str]:
    return [c for c in results.metrics.columns if c not in _KEYS]


def paired_differences(
    base: Results, other: Results, *, metrics: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per-month paired differences ``other - base``, replicate by replicate.

    Args:
        base: The base run.
        other: A run made with the same seed, runs, months and start.
        metrics: Metric columns to difference (default: every metric column of ``base``).

    Returns:
        One row per (replicate, month), sorted, with ``replicate``, ``month``,
        ``date`` and one float64 column per metric holding ``other - base``.

    Raises:
        ValueError: If the runs cannot be paired, or a metric is missing from either.
    """
    check_pairable(base, other)
    names = _metric_columns(base) if metrics is None else list(metrics)
    for res in (base, other):
        missing = [m for m in names if m not in res.metrics.columns]
        if missing:
            raise ValueError(f"metric(s) {missing} not in the metrics table of {_label(res)}")
    a = base.metrics.sort_values(["replicate", "month"], kind="stable").reset_index(drop=True)
    b = other.metrics.sort_values(["replicate", "month"], kind="stable").reset_index(drop=True)
    same = len(a) == len(b) and all(
        np.array_equal(a[k].to_numpy(), b[k].to_numpy()) for k in ("replicate", "month")
    )
    if not same:
        raise ValueError(f"{_label(other)} and {_label(base)} do not hold the same (replicate, month) rows")
    diff = b[names].to_numpy(dtype=np.float64) - a[names].to_numpy(dtype=np.float64)
    out = a[list(_KEYS)].copy()
    return pd.concat([out, pd.DataFrame(diff, columns=names)], axis=1)


def paired_outcomes(base: Results, other: Results, metric: str) -> pd.DataFrame:
    """Per-replicate outcomes of a metric in both runs and their paired difference.

    Returns:
        A frame indexed by replicate with columns ``base``, ``other`` and
        ``diff`` (``other - base``).

    Raises:
        ValueError: If the runs cannot be paired or the metric is unknown.
    """
    check_pairable(base, other)
    a = outcome(base.metrics, metric, base.actors)
    b = outcome(other.metrics, metric, other.actors)
    if not a.index.equals(b.index):
        raise ValueError(f"{_label(other)} and {_label(base)} do not hold the same replicates")
    return pd.DataFrame({"base": a, "other": b, "diff": b - a})


def effects_table(results: Mapping[str, Results], *, base: str, metrics: Sequence[str]) -> pd.DataFrame:
    """Summarise each policy's paired differences against the base, per metric.

    Args:
        results: Runs by scenario name, the base among them.
        base: Name of the base run.
        metrics: Metric names.

    Returns:
        One row per (policy, metric) with :data:`EFFECT_COLUMNS`:
        ``base_median`` (median outcome of the base), ``median_diff``,
        ``diff_p05`` and ``diff_p95`` (median and 90% interval of the paired
        differences), ``rel_change``/``rel_p05``/``rel_p95`` (the same divided
        by ``|base_median|``; NaN when it is 0), ``p_good`` (share of
        replicates whose difference is in the metric's good direction, or
        P(diff > 0) for a neutral metric, as ``p_label`` says) and ``n``.
    """
    ref = results[base]
    rows: list[dict[str, Any]] = []
    for name, res in results.items():
        if name == base:
            continue
        for metric in metrics:
            info = describe(metric, ref.actors)
            paired = paired_outcomes(ref, res, metric)
            d = paired["diff"].to_numpy(dtype=np.float64)
            base_median = float(np.median(paired["base"].to_numpy(dtype=np.float64)))
            median_diff = float(np.median(d))
            p05, p95 = (float(v) for v in np.quantile(d, [0.05, 0.95]))
            scale = abs(base_median)
            direction = int(info.direction)
            good = d < 0 if direction < 0 else d > 0
            rows.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "unit": info.unit.removesuffix("/month") if info.flow else info.unit,
                    "stat": "total" if info.flow else "final",
                    "direction": direction,
                    "p_label": good_label(direction),
                    "base_median": base_median,
                    "median_diff": median_diff,
                    "diff_p05": p05,
                    "diff_p95": p95,
                    "rel_change": median_diff / scale if scale > 0 else math.nan,
                    "rel_p05": p05 / scale if scale > 0 else math.nan,
                    "rel_p95": p95 / scale if scale > 0 else math.nan,
                    "p_good": float(np.mean(good)),
                    "n": len(d),
                }
            )
    return pd.DataFrame(rows, columns=list(EFFECT_COLUMNS))


@dataclass(eq=False)
class Comparison:
    """Runs of a base and one or more policies made with common random numbers, and their effects.

    Attributes:
        results: Each scenario's results by (unique) name, the base first.
        effects: Tidy table of paired effects, one row per (policy, metric); see
            :func:`effects_table` for its columns.
        metrics: The metrics compared.
        path: The comparison folder, or ``None`` when held in memory.
    """

    results: dict[str, Results]
    effects: pd.DataFrame
    metrics: tuple[str, ...]
    path: Path | None = None
    _diffs: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def base(self) -> str:
        """Name of the base scenario."""
        return next(iter(self.results))

    @property
    def others(self) -> list[str]:
        """Names of the policies compared with the base, in order."""
        return list(self.results)[1:]

    @property
    def manifest(self) -> dict[str, Any]:
        """The base run's manifest (seed, runs, months, start and actors are shared by all runs)."""
        return self.results[self.base].manifest

    def differences(self, scenario: str) -> pd.DataFrame:
        """Per-month paired differences of a policy against the base (see :func:`paired_differences`)."""
        if scenario not in self.results or scenario == self.base:
            raise ValueError(f"no policy {scenario!r} in this comparison; policies: {', '.join(self.others)}")
        if scenario not in self._diffs:
            self._diffs[scenario] = paired_differences(self.results[self.base], self.results[scenario])
        return self._diffs[scenario]

    def to_dict(self) -> dict[str, Any]:
        """Metadata and effects as strict-JSON-ready data (NaN becomes ``None``), as in
        ``comparison.json`` (:func:`sanctionsim.results.comparison.comparison_payload`)."""
        return comparison_payload(
            base=self.base, results=self.results, metrics=self.metrics, effects=self.effects
        )

    def __repr__(self) -> str:
        return (
            f"Comparison(base={self.base!r}, others={self.others!r}, metrics={len(self.metrics)}, "
            f"runs={self.manifest.get('runs')}, path={self.path!r})"
        )


def from_results(
    results: Sequence[Results] | Mapping[str, Results], *, metrics: Sequence[str] | None = None
) -> Comparison:
    """Compare runs already made: the first is the base, the others are policies.

    Args:
        results: Runs, the base first (a mapping keeps its names; a sequence is
            named by each manifest's scenario, made unique).
        metrics: Metric names (default: :data:`sanctionsim.metrics.KEY_METRICS`).

    Raises:
        ValueError: If fewer than two runs are given, they cannot be paired
            (different seed, runs, months or start), or a metric is unknown.
    """
    named = dict(results) if isinstance(results, Mapping) else _name_runs(results)
    if len(named) < 2:
        raise ValueError("a comparison needs a base run and at least one other run")
    runs = list(named.values())
    for res in runs[1:]:
        check_pairable(runs[0], res)
    names = check_metrics(metrics, runs[0].actors)
    base = next(iter(named))
    return Comparison(results=named, effects=effects_table(named, base=base, metrics=names), metrics=names)


def _name_runs(runs: Sequence[Results]) -> dict[str, Results]:
    return dict(zip(unique_names([str(r.manifest.get("scenario", "run")) for r in runs]), runs, strict=True))


def unique_names(names: Sequence[str]) -> list[str]:
    """Names as given, made unique: ``a, a`` becomes ``a, a-2`` (``policies/x`` stays ``policies/x``)."""
    out: list[str] = []
    for raw in names:
        name = raw or "run"
        candidate, k = name, 2
        while candidate in out:
            candidate, k = f"{name}-{k}", k + 1
        out.append(candidate)
    return out


def folder_names(names: Sequence[str]) -> list[str]:
    """Folder names for runs named ``names``, unique, one path component each: ``policies/x`` is
    stored as ``policies-x`` (``comparison.json`` keeps the name)."""
    return unique_names([n.replace("/", "-").replace("\\", "-").strip(".") or "run" for n in names])


def check_metrics(metrics: Sequence[str] | None, actors: Sequence[str]) -> tuple[str, ...]:
    """The metrics to compare (default :data:`sanctionsim.metrics.KEY_METRICS`), each checked.

    Raises:
        ValueError: For no metric, or an unknown one (the message lists the known names).
    """
    names = tuple(KEY_METRICS if metrics is None else metrics)
    if not names:
        raise ValueError("no metrics to compare")
    for name in names:
        describe(name, list(actors))
    return names


def load_comparison(path: str | os.PathLike[str], *, metrics: Sequence[str] | None = None) -> Comparison:
    """Read a comparison folder written by ``compare``.

    The effects are recomputed from the stored results, which gives the same
    numbers as when the comparison was made.

    Args:
        path: The comparison folder.
        metrics: Metrics to compare (default: those recorded in ``comparison.json``).

    Raises:
        FileNotFoundError: If the folder or a results folder in it is missing.
        ValueError: If ``comparison.json`` is not valid, or the runs cannot be paired.
    """
    meta, results = read_comparison_folder(path)
    comparison = from_results(results, metrics=metrics if metrics is not None else meta.get("metrics"))
    comparison.path = Path(path)
    return comparison
