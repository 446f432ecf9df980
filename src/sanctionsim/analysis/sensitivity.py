"""Which parameters matter for an outcome: sensitivity analysis of a sweep, through SALib.

The outcome is any numeric claim-grammar expression, ``sum(shells_prk_to_rus, "2025-01", "2025-12")``
(:func:`~.outcomes.quantity`), averaged over each design point's replicates. The method follows the
design the results folder's manifest records:

- ``sobol``: first-order and total Sobol indices with bootstrap confidence intervals
  (``SALib.analyze.sobol``; Saltelli 2002, Jansen 1999);
- ``morris``: mu*, mu and sigma of the elementary effects, with mu*'s confidence interval
  (``SALib.analyze.morris``; Morris 1991, Campolongo et al. 2007), in units of the outcome per
  parameter range (a step over the whole range);
- ``factorial``: main effects of a two-level fractional factorial (``SALib.analyze.ff``): half the
  difference between the mean outcome at a parameter's high and at its low setting;
- ``trees``: extra-trees feature scores (Geurts et al. 2006; scikit-learn), as EMA Workbench's
  ``get_ex_feature_scores``, for any design, or a plain run whose uncertainties were drawn. It uses
  every replicate and every parameter the run explores (:func:`~.outcomes.explored`: in a sweep,
  not the drawn uncertainties outside the design, which take one value per random stream).

This module reads results and runs nothing.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.analysis.load import one_run
from sanctionsim.analysis.outcomes import by_point, explored, outcomes
from sanctionsim.formatting import plain_json
from sanctionsim.results import Results

__all__ = ["COLUMNS", "METHODS", "Sensitivity", "sensitivity"]

#: Methods, and the design each needs.
METHODS: Mapping[str, str] = {
    "sobol": "Sobol first-order (S1) and total (ST) indices; needs a sobol design",
    "morris": "Morris mu*, mu and sigma; needs a morris design",
    "factorial": "main effects; needs a factorial design",
    "trees": "extra-trees feature scores; any run in which parameters vary",
}
#: Columns of :attr:`Sensitivity.table` per method: the ranking score, its half-width, then the rest.
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "sobol": ("ST", "ST_conf", "S1", "S1_conf"),
    "morris": ("mu_star", "mu_star_conf", "mu", "sigma"),
    "factorial": ("ME",),
    "trees": ("score", "score_conf"),
}
#: Trees in the extra-trees ensemble.
TREES = 250


@dataclass(frozen=True)
class Sensitivity:
    """A sensitivity analysis of one outcome.

    Attributes:
        method: One of :data:`METHODS`.
        metric: The outcome's expression.
        table: One row per parameter, ranked by the method's score (first of :data:`COLUMNS`):
            ``parameter``, then the method's columns; ``*_conf`` are half-widths of the
            ``conf_level`` interval.
        points: Design points (replicates for ``trees``).
        replicates: Replicates averaged per point.
        conf_level: Confidence level of the intervals.
        settings: Design and analysis settings.
    """

    method: str
    metric: str
    table: pd.DataFrame
    points: int
    replicates: int
    conf_level: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> str:
        """The column the parameters are ranked by."""
        return COLUMNS[self.method][0]

    @property
    def interval(self) -> str | None:
        """The column with the score's half-width, if the method gives one."""
        cols = COLUMNS[self.method]
        return cols[1] if len(cols) > 1 and cols[1].endswith("_conf") else None

    def to_dict(self) -> dict[str, Any]:
        """Strict-JSON-ready data (NaN as ``None``)."""
        return plain_json(
            {
                "method": self.method,
                "metric": self.metric,
                "points": self.points,
                "replicates": self.replicates,
                "conf_level": self.conf_level,
                "settings": self.settings,
                "parameters": self.table.to_dict(orient="records"),
            }
        )


def _problem(names: list[str]) -> dict[str, Any]:
    return {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}


def _finite(y: np.ndarray, what: str, metric: str) -> None:
    bad = int((~np.isfinite(y)).sum())
    if bad:
        raise ValueError(
            f"--metric {metric!r} is not a finite number for {bad} of {y.size} {what} "
            f"(a division by zero?); choose an outcome defined everywhere"
        )


def _unit(values: np.ndarray) -> np.ndarray:
    """Each column (or a vector) mapped linearly onto [0, 1] (a constant one onto 0)."""
    low, span = values.min(axis=0), np.ptp(values, axis=0)
    return (values - low) / np.where(span > 0, span, 1.0)


def _trees(x: pd.DataFrame, y: np.ndarray, *, seed: int, conf_level: float) -> pd.DataFrame:
    from scipy.stats import norm
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor

    binary = y.dtype == np.bool_
    cls = ExtraTreesClassifier if binary else ExtraTreesRegressor
    forest = cls(n_estimators=TREES, max_features=0.6, bootstrap=True, random_state=seed, n_jobs=1)
    # both sides scaled to [0, 1]: the trees' splits and scores do not change, but scikit-learn takes a
    # feature spanning less than 1e-7 (effort per USD: 5e-9..8e-8) for a constant, and a node whose
    # outcomes vary by less than machine epsilon for pure, and never splits them
    forest.fit(_unit(x.to_numpy(dtype=float)), y if binary else _unit(y.astype(float)))
    per_tree = np.array([t.feature_importances_ for t in forest.estimators_])
    half = norm.ppf(0.5 + conf_level / 2) * per_tree.std(axis=0, ddof=1) / math.sqrt(len(per_tree))
    return pd.DataFrame(
        {"parameter": list(x.columns), "score": forest.feature_importances_, "score_conf": half}
    )


def sensitivity(
    results: Results | str | os.PathLike[str],
    metric: str,
    *,
    method: str = "auto",
    seed: int | None = None,
    resamples: int = 100,
    conf_level: float = 0.95,
) -> Sensitivity:
    """Rank the parameters of a sweep by their influence on an outcome.

    Args:
        results: A sweep's results (or any run whose parameters vary, for ``trees``), or its folder.
        metric: The outcome: a numeric expression in the claim grammar, or a metric name
            (:func:`~sanctionsim.analysis.outcomes.quantity`), or a condition (a claim or a
            comparison: true or false per replicate, so its probability per design point).
        method: ``auto`` (the design's own method: sobol, morris or factorial; otherwise trees), or
            one of :data:`METHODS`.
        seed: Seed of the bootstrap and the trees (default: the run's seed).
        resamples: Bootstrap resamples for the confidence intervals.
        conf_level: Confidence level of the intervals.

    Raises:
        ValueError: For a method the design does not support, an outcome that is not finite
            everywhere, results that record no inputs, or no parameter that varies.
    """
    from SALib.analyze import ff as ff_analyzer
    from SALib.analyze import morris as morris_analyzer
    from SALib.analyze import sobol as sobol_analyzer

    results = one_run(results, what="sensitivity")
    design = results.manifest.get("design") or {}
    kind = design.get("kind")
    if method == "auto":
        method = kind if kind in ("sobol", "morris", "factorial") else "trees"
    if method not in METHODS:
        raise ValueError(f"--method {method!r}: expected auto or one of {', '.join(METHODS)}")
    if method != "trees" and kind != method:
        raise ValueError(
            f"--method {method}: {METHODS[method]}; these results come from "
            f"{'a ' + str(kind) + ' design' if kind else 'a run without a design'} (use --method trees)"
        )
    if results.inputs is None:
        results.joined()  # raises: no inputs
    seed = int(results.manifest.get("seed", 0)) if seed is None else seed
    values = outcomes(results, [metric])[metric].to_numpy()
    settings = {"seed": seed, "resamples": resamples, "design": kind, "samples": design.get("samples")}
    if method == "trees":
        table = results.joined()
        params = explored(results)
        if not params:
            raise ValueError(
                "no parameter varies in these results: run a sweep, or a scenario with uncertainties"
            )
        if values.dtype != np.bool_:
            _finite(values, "replicates", metric)
        out = _trees(table[params], values, seed=seed, conf_level=conf_level)
        return _ranked(method, metric, out, len(values), 1, conf_level, {**settings, "trees": TREES})
    points, y = by_point(results, values.astype(float))
    _finite(y, "design points", metric)
    names = [p["path"] for p in design["parameters"]]
    replicates = int(design.get("replicates", 1))
    problem = _problem(names)
    if method == "sobol":
        n, d = int(design["samples"]), len(names)
        if len(y) != n * (d + 2):
            raise ValueError(
                f"a Sobol design of {n} base points and {d} parameters has {n * (d + 2)} points, not {len(y)}"
            )
        si = sobol_analyzer.analyze(
            problem, y, calc_second_order=False, num_resamples=resamples, conf_level=conf_level, seed=seed
        )
        cols = {c: si[c] for c in COLUMNS["sobol"]}
    elif method == "morris":
        x = points[names].to_numpy(dtype=float)
        si = morris_analyzer.analyze(
            problem,
            x,
            y,
            num_resamples=resamples,
            conf_level=conf_level,
            num_levels=int(design["levels"]),
            seed=seed,
        )
        cols = {c: np.asarray(si[c], dtype=float) for c in COLUMNS["morris"]}
    else:
        x = points[names].to_numpy(dtype=float)
        si = ff_analyzer.analyze(dict(problem, names=list(names)), x, y)
        cols = {"ME": np.asarray(si["ME"], dtype=float)[: len(names)]}
    out = pd.DataFrame({"parameter": names, **cols})
    return _ranked(method, metric, out, len(y), replicates, conf_level, settings)


def _ranked(
    method: str,
    metric: str,
    table: pd.DataFrame,
    points: int,
    replicates: int,
    conf_level: float,
    settings: dict[str, Any],
) -> Sensitivity:
    score = COLUMNS[method][0]
    key = table[score].abs() if method == "factorial" else table[score]
    order = np.argsort(-key.to_numpy(dtype=float), kind="stable")
    table = table.iloc[order].reset_index(drop=True)
    return Sensitivity(method, metric, table, points, replicates, conf_level, settings)
