"""Calibrate parameters to observations by history matching, on the batched engine.

The method (``docs/calibration.md``): history matching with implausibility (Craig et al. 1997;
Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015 for agent-based models), run directly on the
simulator instead of an emulator because the vectorised model is cheap. Each wave draws a Latin
hypercube of candidates (``scipy.stats.qmc``) in the current box, runs every candidate for the same
``replicates`` random streams (common random numbers: candidates differ only by their parameters) as
one batched design, and computes each candidate's implausibility for every observation::

    I = distance(mean of the K values, observed value or range) / sqrt(var * (1 + 1/K) + (d * size)^2)

where ``var`` is the ensemble's variance, ``d`` the relative model discrepancy and ``size`` the
observation's size. A candidate whose largest implausibility is below the threshold (3, Pukelsheim's
three-sigma rule) is *not ruled out*. The next wave samples the box around the candidates not ruled
out. The fit is the range of the candidates not ruled out (their uncertainty) and the best of them
by mean relative score (the score ``validate`` reports).

:func:`calibrate` writes a scenario file that ``extends`` the input with the best values and their
ranges as ``uncertainties``, and a report (JSON, Markdown and a figure) beside it, each atomically
(:mod:`sanctionsim.experiments.fitted`); the design runs through :mod:`sanctionsim.experiments.design`.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor

import numpy as np
import pandas as pd
from pydantic import ValidationError
from scipy.stats import qmc

from sanctionsim.analysis.aggregates import month
from sanctionsim.analysis.observations import Observations, Target
from sanctionsim.analysis.scoring import score_values
from sanctionsim.experiments.design import evaluate_design
from sanctionsim.experiments.ensemble import run_batch
from sanctionsim.experiments.fit import FALLBACK_SHARE, Calibration, Parameter, parse_parameters
from sanctionsim.experiments.fitted import fitted_path, write_fit
from sanctionsim.experiments.progress import ProgressOption, reporter
from sanctionsim.experiments.spec import run_spec
from sanctionsim.experiments.validate import as_observations
from sanctionsim.scenario import Scenario
from sanctionsim.scenario.errors import from_validation_error
from sanctionsim.scenario.loader import apply_overrides
from sanctionsim.scenario.schema import ScenarioConfig

__all__ = [
    "Calibration",
    "Parameter",
    "calibrate",
    "check_parameters",
    "implausibility",
    "parse_parameters",
]

#: Default implausibility cut-off (Pukelsheim's three-sigma rule).
THRESHOLD = 3.0
#: Default model discrepancy, as a share of each observation's size.
DISCREPANCY = 0.05

#: ``progress(done, total, text)``: waves done (fractional within a wave), total waves, a status line.
Progress = Callable[[float, int, str], None]


def check_parameters(scenario: Scenario, params: Sequence[Parameter], *, writable: bool = True) -> None:
    """Check that each parameter is a scenario value the model can vary over its whole range.

    The engine checks the path (with a did-you-mean) and the schema's bounds; with ``writable``, the
    scenario schema checks that a fitted value can be written into a scenario file.

    Raises:
        ValueError: Naming ``--param`` and the path.
    """
    config = scenario.config.model_dump(mode="json")
    config["months"] = 1
    design = {p.path: [p.low, p.high] for p in params}
    try:
        run_batch(config, scenario.config.seed, [0, 1], design=design)
    except ValueError as err:
        raise ValueError(f"--param {str(err).removeprefix('design.')}") from None
    for p in params if writable else ():
        try:
            probe = p.low + (p.high - p.low) / math.pi  # not a whole number: integer fields refuse it
            data = apply_overrides(scenario.resolved, [f"{p.path}={probe!r}"])
            ScenarioConfig.model_validate(data)
        except (ValueError, ValidationError) as err:
            if isinstance(err, ValidationError):
                err = from_validation_error(err, model=ScenarioConfig, file="--param")
            raise ValueError(
                f"--param {p.path}: not a numeric value of the scenario file, so a fitted value could not be "
                f"written there ({str(err).strip()})"
            ) from None


# ---------------------------------------------------------------------------------------------
# Implausibility and scores
# ---------------------------------------------------------------------------------------------


def implausibility(
    values: np.ndarray, targets: Sequence[Target], *, discrepancy: float = DISCREPANCY
) -> np.ndarray:
    """Implausibility of each candidate for each target, shape (candidates, targets).

    ``values`` has shape (candidates, replicates, targets). The distance of the replicates' mean from
    the observed value or range, over ``sqrt(var * (1 + 1/K) + (discrepancy * size)^2)``; 0 inside the
    range, infinite when a candidate gives no finite value.
    """
    k = values.shape[1]
    with np.errstate(invalid="ignore"):
        mean = values.mean(axis=1)
        var = values.var(axis=1, ddof=1) if k > 1 else np.zeros_like(mean)
    low = np.array([t.low for t in targets])
    high = np.array([t.high for t in targets])
    size = np.array([t.scale for t in targets])
    distance = np.maximum.reduce([low - mean, np.zeros_like(mean), mean - high])
    denom = np.sqrt(var * (1.0 + 1.0 / k) + (discrepancy * size) ** 2 + 1e-300)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(distance > 0, distance / denom, 0.0)
    return np.where(np.isfinite(mean) & np.isfinite(var), out, np.inf)


def relative_scores(values: np.ndarray, targets: Sequence[Target]) -> np.ndarray:
    """Each candidate's relative score per target (as ``validate`` scores it), shape (candidates, targets)."""
    cols = []
    for j, t in enumerate(targets):
        score = score_values(values[:, :, j], t)
        cols.append(score if t.kind in ("lower", "upper") else score / t.scale)
    return np.stack(cols, axis=1)


# ---------------------------------------------------------------------------------------------
# Calibrating
# ---------------------------------------------------------------------------------------------


def _focus(values: np.ndarray, imp: np.ndarray, threshold: float) -> tuple[np.ndarray, bool]:
    """Indices of the candidates not ruled out, or of the least implausible ones when there are none."""
    keep = np.flatnonzero(imp < threshold)
    if keep.size:
        return keep, True
    n = max(2, math.ceil(FALLBACK_SHARE * imp.size))
    return np.argsort(imp, kind="stable")[:n], False


def _next_box(
    values: np.ndarray,
    idx: np.ndarray,
    box: tuple[np.ndarray, np.ndarray],
    prior: tuple[np.ndarray, np.ndarray],
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The box the next wave samples: around the focus candidates, widened, inside the prior."""
    lo, hi = values[idx].min(axis=0), values[idx].max(axis=0)
    spacing = (box[1] - box[0]) / max(n, 1) ** (1.0 / values.shape[1])
    margin = np.maximum(0.1 * (hi - lo), spacing)
    return np.maximum(prior[0], lo - margin), np.minimum(prior[1], hi + margin)


def calibrate(
    scenario: Scenario | str | os.PathLike[str],
    observations: Observations | str | os.PathLike[str],
    params: Sequence[str | Parameter],
    *,
    until: str | None = None,
    budget: int = 400,
    waves: int = 4,
    replicates: int = 20,
    threshold: float = THRESHOLD,
    discrepancy: float = DISCREPANCY,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    executor: Executor | None = None,
    out: str | os.PathLike[str] | None = None,
    write: bool = True,
    progress: ProgressOption = True,
) -> Calibration:
    """Fit parameters to the observations dated up to ``until`` by history matching.

    Args:
        scenario: A loaded scenario, a scenario file, or a name under ``scenarios/``.
        observations: An observations file or loaded :class:`Observations`.
        params: ``path=low:high`` texts or :class:`Parameter` objects.
        until: Fit only rows dated up to this month (``YYYY-MM``); default all.
        budget: Candidates evaluated in all (each for ``replicates`` runs).
        waves: Waves (generations) the budget is spread over.
        replicates: Runs per candidate, on the same random streams for every candidate.
        threshold: Implausibility above which a candidate is ruled out.
        discrepancy: Model discrepancy as a share of each observation's size.
        seed: Seed of the random streams and the designs (default: the scenario's).
        overrides: ``a.b.c=value`` overrides applied to the scenario first (kept in the fitted file).
        workers: Local processes (default: CPU count).
        executor: A ``concurrent.futures`` executor to use instead.
        out: Fitted scenario file (default: ``<input>-fitted.yaml`` beside the input); must not exist.
        write: Write the fitted scenario and the report (``False``: only return the result).
        progress: ``True`` (a bar), ``False``, or a callable called with (waves done, waves, status
            text) as the waves run.

    Returns:
        The calibration, with ``path`` and ``report`` set when written.

    Raises:
        ValueError: For a bad scenario, parameter, option or observations row (one line), or when no
            row dated up to ``until`` maps to a model quantity.
        FileExistsError: If the fitted scenario file exists.
    """
    started = time.perf_counter()
    parameters = tuple(parse_parameters(params))
    for p in parameters:
        if p.log:
            raise ValueError(f"--param {p}: calibration searches linear ranges; drop ':log'")
    if budget < 2 * waves:
        raise ValueError(f"--budget {budget}: at least 2 candidates per wave ({2 * waves} for {waves} waves)")
    if waves < 1:
        raise ValueError(f"--waves {waves}: at least 1")
    if replicates < 2:
        raise ValueError(
            f"--replicates {replicates}: at least 2 (the spread of the runs enters the implausibility)"
        )
    if threshold <= 0 or discrepancy < 0:
        raise ValueError("threshold must be positive and discrepancy non-negative")
    obs = as_observations(observations).select(until=until)
    sc = run_spec(scenario, overrides=overrides, seed=seed).applied
    progress = reporter(progress, desc=f"calibrating {sc.name}", unit="wave")
    cfg = sc.config
    obs.check(actors=list(cfg.actors), start=cfg.start, months=cfg.months)
    if not obs.targets:
        dated = f" dated up to {until}" if until else ""
        raise ValueError(f"{obs.path}: no row{dated} maps to a model quantity: nothing to calibrate to")
    check_parameters(sc, parameters)
    target = fitted_path(sc, out) if write else None
    if target is not None and target.exists():
        raise FileExistsError(f"{target}: the fitted scenario file exists; pass another --out")

    config = cfg.model_dump(mode="json")
    assert obs.last_month is not None
    config["months"] = min(cfg.months, (month(obs.last_month) - month(cfg.start)).n + 1)
    targets = obs.targets
    quantities = [t.quantity for t in targets]
    paths = [p.path for p in parameters]
    prior = (np.array([p.low for p in parameters]), np.array([p.high for p in parameters]))
    box = prior
    sampler = qmc.LatinHypercube(d=len(parameters), rng=np.random.default_rng(cfg.seed))
    sizes = [budget // waves + (1 if w < budget % waves else 0) for w in range(waves)]
    all_values: list[np.ndarray] = []
    all_imp: list[np.ndarray] = []
    all_scores: list[np.ndarray] = []
    wave_of: list[np.ndarray] = []
    for w, n in enumerate(sizes):
        cand = box[0] + sampler.random(n) * (box[1] - box[0])

        def tick(done: int, total: int, w: int = w) -> None:
            if progress:
                progress(w + done / total, waves, f"wave {w + 1}/{waves}")

        vals = evaluate_design(
            config,
            seed=cfg.seed,
            paths=paths,
            values=cand,
            replicates=replicates,
            quantities=quantities,
            workers=workers,
            executor=executor,
            progress=tick,
        )
        all_values.append(cand)
        all_imp.append(implausibility(vals, targets, discrepancy=discrepancy))
        with np.errstate(invalid="ignore", divide="ignore"):
            all_scores.append(relative_scores(vals, targets).mean(axis=1))
        wave_of.append(np.full(n, w + 1))
        values_so_far = np.concatenate(all_values)
        imp_max = np.concatenate(all_imp).max(axis=1)
        idx, _ = _focus(values_so_far, imp_max, threshold)
        box = _next_box(values_so_far, idx, box, prior, n)
        if progress:
            kept = int((imp_max < threshold).sum())
            progress(w + 1, waves, f"wave {w + 1}/{waves}: {kept} of {imp_max.size} not ruled out")

    values_all = np.concatenate(all_values)
    imp_t = np.concatenate(all_imp)
    imp_max = imp_t.max(axis=1)
    scores = np.concatenate(all_scores)
    idx, consistent = _focus(values_all, imp_max, threshold)
    order = np.lexsort((imp_max[idx], np.nan_to_num(scores[idx], nan=np.inf)))
    best_index = int(idx[order[0]])
    candidates = pd.DataFrame(values_all, columns=paths)
    candidates.insert(0, "wave", np.concatenate(wave_of))
    candidates["implausibility"] = imp_max
    candidates["score"] = scores
    candidates["not_ruled_out"] = imp_max < threshold
    best = {p: float(values_all[best_index, j]) for j, p in enumerate(paths)}
    ranges = {
        p: (float(values_all[idx, j].min()), float(values_all[idx, j].max())) for j, p in enumerate(paths)
    }
    settings = {
        "budget": budget,
        "waves": waves,
        "replicates": replicates,
        "threshold": threshold,
        "discrepancy": discrepancy,
        "seed": cfg.seed,
        "months_run": config["months"],
    }
    result = Calibration(
        scenario=sc,
        observations=obs,
        parameters=parameters,
        candidates=candidates,
        target_implausibility=imp_t,
        best=best,
        ranges=ranges,
        consistent=consistent,
        until=until,
        settings=settings,
        seconds=time.perf_counter() - started,
        best_index=best_index,
    )
    if target is None:
        return result
    return write_fit(result, target)
