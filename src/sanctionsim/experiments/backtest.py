"""Backtest: from what was known at a cutoff, how well does the model forecast what came next?

:func:`backtest` splits an observations file at the cutoff month. With parameters named, it calibrates
them on the rows dated up to the cutoff (:func:`~sanctionsim.experiments.calibrate.calibrate`) and
writes the fitted scenario; then it runs the (fitted) scenario forward and scores only the rows dated
after the cutoff (:func:`~sanctionsim.experiments.validate.validate`). Without parameters it only
validates those rows. Rows are dated by the last month their model quantity reads.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from sanctionsim.analysis.aggregates import month
from sanctionsim.analysis.observations import Observations
from sanctionsim.experiments.calibrate import DISCREPANCY, THRESHOLD, Calibration, Parameter, calibrate
from sanctionsim.experiments.progress import ProgressOption, reporter
from sanctionsim.experiments.spec import run_spec
from sanctionsim.experiments.validate import Validation, as_observations, validate
from sanctionsim.scenario import Scenario

__all__ = ["Backtest", "backtest"]


@dataclass(frozen=True)
class Backtest:
    """A backtest's outcome.

    Attributes:
        cutoff: The cutoff month (``YYYY-MM``): rows up to it are known, rows after it are forecast.
        in_sample: Observations dated up to the cutoff that map to the model.
        calibration: The fit on the in-sample rows, or ``None`` when no parameter was named.
        validation: The forecast scored on the rows after the cutoff.
    """

    cutoff: str
    in_sample: int
    calibration: Calibration | None
    validation: Validation

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data: the validation of the rows after the cutoff, plus the fit if any."""
        out = self.validation.to_json()
        out["cutoff"] = self.cutoff
        out["in_sample_rows"] = self.in_sample
        out["fitted_scenario"] = (
            str(self.calibration.path) if self.calibration and self.calibration.path else None
        )
        out["calibration"] = self.calibration.to_json() if self.calibration else None
        return out


def backtest(
    scenario: Scenario | str | os.PathLike[str],
    observations: Observations | str | os.PathLike[str],
    *,
    cutoff: str,
    params: Sequence[str | Parameter] = (),
    runs: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    budget: int = 400,
    waves: int = 4,
    replicates: int = 20,
    threshold: float = THRESHOLD,
    discrepancy: float = DISCREPANCY,
    workers: int | None = None,
    executor: Executor | None = None,
    out: str | os.PathLike[str] | None = None,
    progress: ProgressOption = True,
) -> Backtest:
    """Calibrate on the rows up to ``cutoff`` (when ``params`` are named) and score the rows after it.

    Args:
        scenario: A loaded scenario, a scenario file, or a name under ``scenarios/``.
        observations: An observations file or loaded :class:`Observations`.
        cutoff: Last month known (``YYYY-MM``).
        params: Parameters to calibrate, ``path=low:high``; none to validate only.
        runs: Replicates of the forecast ensemble (default: the scenario's).
        seed: Seed of the calibration and of the forecast (default: the scenario's).
        overrides: ``a.b.c=value`` overrides applied to the scenario first (kept in the fitted file).
        budget: Calibration candidates in all.
        waves: Calibration waves.
        replicates: Runs per calibration candidate.
        threshold: Implausibility cut-off.
        discrepancy: Model discrepancy as a share of each observation's size.
        workers: Local processes (default: CPU count).
        executor: A ``concurrent.futures`` executor for the calibration's design.
        out: Fitted scenario file (default: ``<input>-backtest-<cutoff>.yaml`` beside the input).
        progress: ``True`` (a bar), ``False``, or a callable called with (steps done, steps, status
            text): calibration waves, then the forecast.

    Returns:
        The backtest.

    Raises:
        ValueError: For a bad option or input (one line), no row after the cutoff, or (with parameters)
            no row up to it.
        FileExistsError: If the fitted scenario file exists.
    """
    try:
        month(cutoff)
    except ValueError as err:
        raise ValueError(f"--cutoff: {err}") from None
    obs = as_observations(observations)
    after = obs.select(after=cutoff)
    before = obs.select(until=cutoff)
    if not after.targets:
        raise ValueError(
            f"{obs.path}: no row dated after the cutoff {cutoff} maps to a model quantity: "
            "nothing to forecast"
        )
    sc = run_spec(scenario, overrides=overrides, seed=seed).applied
    progress = reporter(progress, desc=f"backtest of {sc.name}", unit="step")
    after.check(actors=list(sc.config.actors), start=sc.config.start, months=sc.config.months)
    steps = (waves if params else 0) + 1
    fit: Calibration | None = None
    forecast: Scenario | str | os.PathLike[str] = sc
    if params:
        target = out if out is not None else sc.path.with_name(f"{sc.path.stem}-backtest-{cutoff}.yaml")
        fit = calibrate(
            sc,
            before,
            params,
            until=cutoff,
            budget=budget,
            waves=waves,
            replicates=replicates,
            threshold=threshold,
            discrepancy=discrepancy,
            workers=workers,
            executor=executor,
            out=target,
            progress=(lambda done, _total, text: progress(done, steps, text)) if progress else None,
        )
        assert fit.path is not None
        forecast = fit.path

    def tick(done: int, total: int) -> None:
        if progress:
            progress(steps - 1 + done / total, steps, "forecast")

    result = validate(forecast, after, runs=runs, seed=seed, workers=workers, progress=tick)
    return Backtest(cutoff=cutoff, in_sample=len(before.targets), calibration=fit, validation=result)
