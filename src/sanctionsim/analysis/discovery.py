"""Scenario discovery: the region of parameter space where a claim holds, found by PRIM.

PRIM (the Patient Rule Induction Method, Friedman and Fisher 1999), as used for scenario discovery
(Bryant and Lempert 2010), peels a box around the replicates in which a condition holds, one small
slice at a time, trading *coverage* (the share of all replicates where the condition holds that fall
inside the box) for *density* (the share of the replicates inside the box where it holds). The
peeling trajectory is that trade-off; the chosen box is the one with the most coverage among those
at least ``min_density`` dense, or the densest box when none is (``meets_min_density`` says
which). Each limit of the box has a quasi-p-value: a one-sided binomial test
of whether the density would be as high without that limit (Bryant and Lempert 2010).

The condition is an analyst's claim, ``policies/sanctions-enforced:shells_halved``, or any condition
in the claim grammar; the parameters are those ``inputs.parquet`` records (a sweep's design values
and drawn uncertainties). PRIM itself is EMA Workbench's (``ema_workbench.analysis.prim``), the
optional extra ``sanctionsim[ema]``. This module reads results and runs nothing.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.analysis.load import one_run
from sanctionsim.analysis.outcomes import condition, explored
from sanctionsim.formatting import plain_json
from sanctionsim.results import Results

__all__ = ["Discovery", "discover", "prim_box"]

#: Columns of :attr:`Discovery.trajectory`.
TRAJECTORY = ("box", "coverage", "density", "mass", "restricted", "n", "k")
#: Columns of :attr:`Discovery.limits`.
LIMITS = ("parameter", "low", "high", "min", "max", "qp_low", "qp_high")


def _prim() -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # EMA warns about optional parallel back ends on import
            from ema_workbench.analysis import prim
    except ImportError:
        raise ValueError(
            "scenario discovery uses EMA Workbench's PRIM; install it with pip install 'sanctionsim[ema]'"
        ) from None
    return prim


@dataclass(frozen=True)
class Discovery:
    """A PRIM box and its peeling trajectory.

    Attributes:
        condition: The condition explained (a claim reference or an expression).
        expr: The expression evaluated.
        share: Share of replicates in which it holds.
        n: Replicates.
        trajectory: One row per box on the peeling trajectory: ``box``, ``coverage``, ``density``,
            ``mass`` (share of replicates inside), ``restricted`` (parameters limited), ``n`` and
            ``k`` (replicates inside, and those where the condition holds).
        chosen: The chosen box's row in ``trajectory``.
        limits: The chosen box, one row per restricted parameter: ``low``/``high`` (the box),
            ``min``/``max`` (the range sampled) and the quasi-p-values of the lower and upper limit
            (``NaN`` where the box does not restrict that side).
        settings: PRIM's settings.
    """

    condition: str
    expr: str
    share: float
    n: int
    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        """Coverage of the chosen box."""
        return float(self.trajectory["coverage"].iloc[self.chosen])

    @property
    def density(self) -> float:
        """Density of the chosen box."""
        return float(self.trajectory["density"].iloc[self.chosen])

    @property
    def meets_min_density(self) -> bool:
        """Whether the chosen box is at least as dense as asked (``min_density``); when no box on
        the trajectory is, PRIM returns the densest it found."""
        return self.density >= float(self.settings.get("min_density", 0.0)) - 1e-12

    @property
    def mass(self) -> float:
        """Share of all replicates inside the chosen box."""
        return float(self.trajectory["mass"].iloc[self.chosen])

    def to_dict(self) -> dict[str, Any]:
        """Strict-JSON-ready data (NaN as ``None``)."""
        return plain_json(
            {
                "condition": self.condition,
                "expr": self.expr,
                "share": self.share,
                "replicates": self.n,
                "box": {
                    "index": self.chosen,
                    "coverage": self.coverage,
                    "density": self.density,
                    "mass": self.mass,
                    "meets_min_density": self.meets_min_density,
                    "limits": self.limits.to_dict(orient="records"),
                },
                "trajectory": self.trajectory.to_dict(orient="records"),
                "settings": self.settings,
            }
        )


def prim_box(
    x: pd.DataFrame,
    y: np.ndarray,
    *,
    label: str = "condition",
    expr: str = "",
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
) -> Discovery:
    """Find the box where ``y`` holds, by PRIM.

    Args:
        x: One row per case, one float column per parameter.
        y: Whether the condition holds in each case.
        label: The condition's name, for reports.
        expr: Its expression.
        min_density: The chosen box is the one with the most coverage among those at least this dense
            (the densest box if none is).
        peel_alpha: Share of cases peeled off per step.
        paste_alpha: Share of cases pasted back per step.
        mass_min: Smallest share of cases a box may hold.

    Raises:
        ValueError: If the condition holds in no case or in every case, or the arguments are out of range.
    """
    y = np.asarray(y, dtype=bool)
    if len(y) != len(x):
        raise ValueError(f"{len(y)} outcomes for {len(x)} cases")
    if not 0 < min_density <= 1 or not 0 < peel_alpha < 1 or not 0 < paste_alpha < 1 or not 0 < mass_min < 1:
        raise ValueError("--min-density must be in (0, 1]; --peel-alpha, --paste-alpha, --mass-min in (0, 1)")
    if x.shape[1] == 0:
        raise ValueError(
            "no parameter varies in these results: run a sweep, or a scenario with uncertainties"
        )
    k = int(y.sum())
    if k == 0 or k == len(y):
        raise ValueError(f"{label!r} holds in {k} of {len(y)} replicates; there is nothing to tell apart")
    prim = _prim()
    x = x.astype(float).reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # EMA's own use of pandas, not ours
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        finder = prim.Prim(x, y, peel_alpha=peel_alpha, paste_alpha=paste_alpha, mass_min=mass_min)
        box = finder.find_box()
    raw = box.peeling_trajectory.reset_index(drop=True)
    trajectory = pd.DataFrame(
        {
            "box": raw["id"].astype(int),
            "coverage": raw["coverage"].astype(float),
            "density": raw["density"].astype(float),
            "mass": raw["mass"].astype(float),
            "restricted": raw["res_dim"].astype(int),
            "n": raw["n"].astype(int),
            "k": raw["k"].astype(int),
        }
    )
    dense = trajectory.index[trajectory["density"] >= min_density - 1e-12]
    if len(dense):
        chosen = int(trajectory.loc[dense, "coverage"].idxmax())  # first (least peeled) of the ties
    else:
        chosen = int(trajectory["density"].idxmax())
    lims, full, qps = box.box_lims[chosen], box.box_lims[0], box.p_values[chosen]
    rows = []
    for name, (qp_low, qp_high) in qps.items():
        rows.append(
            {
                "parameter": str(name),
                "low": float(lims[name].iloc[0]),
                "high": float(lims[name].iloc[1]),
                "min": float(full[name].iloc[0]),
                "max": float(full[name].iloc[1]),
                "qp_low": float(qp_low) if qp_low >= 0 else np.nan,
                "qp_high": float(qp_high) if qp_high >= 0 else np.nan,
            }
        )
    limits = pd.DataFrame(rows, columns=list(LIMITS))
    settings = {
        "min_density": min_density,
        "peel_alpha": peel_alpha,
        "paste_alpha": paste_alpha,
        "mass_min": mass_min,
        "prim": "ema_workbench.analysis.prim",
    }
    return Discovery(label, expr, k / len(y), len(y), trajectory, chosen, limits, settings)


def discover(
    results: Results | str | os.PathLike[str],
    *,
    claim: str | None = None,
    where: str | None = None,
    parameters: Sequence[str] | None = None,
    min_density: float = 0.8,
    peel_alpha: float = 0.05,
    paste_alpha: float = 0.05,
    mass_min: float = 0.05,
    root: str | os.PathLike[str] | None = None,
) -> Discovery:
    """Find where in parameter space a claim (or a condition) holds, by PRIM over the replicates.

    Args:
        results: A sweep's results (or any run whose parameters vary), or its folder.
        claim: ``SCENARIO:CLAIM_ID`` (``policies/sanctions-enforced:shells_halved``) or the id of a
            claim of the run's own scenario.
        where: A condition in the claim grammar instead, e.g.
            ``mean(shells_prk_to_rus, "2025-07", "2026-06") < 1e5``.
        parameters: The parameters to box (default: those the run explores,
            :func:`~sanctionsim.analysis.outcomes.explored`: in a sweep, not the drawn uncertainties
            outside the design, which take one value per random stream).
        min_density: See :func:`prim_box`.
        peel_alpha: See :func:`prim_box`.
        paste_alpha: See :func:`prim_box`.
        mass_min: See :func:`prim_box`.
        root: A scenarios folder the claim's scenario is looked up in as well (``--root``).

    Raises:
        ValueError: For a bad condition or parameter, results without inputs, or a condition that
            holds in every replicate or in none.
    """
    results = one_run(results, what="discover")
    cond = condition(results, claim=claim, where=where, root=root)
    table = results.joined()
    names = list(explored(results) if parameters is None else parameters)
    unknown = [p for p in names if p not in results.parameters]
    if unknown:
        raise ValueError(
            f"--param {unknown[0]!r}: not a parameter that varies here; "
            f"these do: {', '.join(results.parameters)}"
        )
    return prim_box(
        table[names],
        cond.holds,
        label=cond.label,
        expr=cond.expr,
        min_density=min_density,
        peel_alpha=peel_alpha,
        paste_alpha=paste_alpha,
        mass_min=mass_min,
    )
