"""Validate a scenario against an observations file: run its ensemble, score every observation.

:func:`validate` checks the observations against the scenario (metric names, windows inside the run)
before anything runs, runs the ensemble in memory only as far as the last month the observations
read, and scores each observation (:mod:`sanctionsim.analysis.scoring`). The result keeps every
replicate's value of every observation, for the figure (:mod:`sanctionsim.plotting.validation`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.analysis.aggregates import month
from sanctionsim.analysis.observations import Observations, load_observations, summary_fields
from sanctionsim.analysis.scoring import jsonable, score_targets, summarize_scores
from sanctionsim.experiments.ensemble import simulate
from sanctionsim.experiments.progress import ProgressOption, reporter
from sanctionsim.experiments.spec import run_spec
from sanctionsim.scenario import Scenario

__all__ = ["Validation", "as_observations", "validate"]


@dataclass(frozen=True)
class Validation:
    """A scenario's ensemble scored against observations.

    Attributes:
        scenario: The scenario as run (run options applied).
        observations: The observations scored (after any date selection).
        table: One row per answered observation (:data:`sanctionsim.analysis.scoring.COLUMNS`).
        summary: Coverage, mean scores and row counts
            (:func:`~sanctionsim.analysis.scoring.summarize_scores`).
        values: Each observation's value in every replicate, keyed by target id.
        runs: Replicates run.
        seed: Seed of the run.
    """

    scenario: Scenario
    observations: Observations
    table: pd.DataFrame
    summary: dict[str, Any]
    values: dict[str, np.ndarray]
    runs: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data (no NaN): scenario, run, rows, unanswered rows and the summary."""
        rows = []
        targets = {t.id: t for t in self.observations.targets}
        for record in self.table.to_dict(orient="records"):
            record.update({k: v for k, v in summary_fields(targets[record["id"]]).items() if k not in record})
            rows.append(record)
        return jsonable(
            {
                "scenario": self.scenario.name,
                "observations": str(self.observations.path),
                "runs": self.runs,
                "seed": self.seed,
                "rows": rows,
                "unanswered": [
                    {"id": r.id, "where": r.where, "date": r.date, "reason": r.reason}
                    for r in self.observations.unanswered
                ],
                "summary": self.summary,
            }
        )


def as_observations(observations: Observations | str | os.PathLike[str]) -> Observations:
    """An :class:`Observations` as given, or loaded from its file."""
    return observations if isinstance(observations, Observations) else load_observations(observations)


def validate(
    scenario: Scenario | str | os.PathLike[str],
    observations: Observations | str | os.PathLike[str],
    *,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    until: str | None = None,
    after: str | None = None,
    workers: int | None = None,
    progress: ProgressOption = True,
) -> Validation:
    """Run a scenario's ensemble and score it against observations.

    Args:
        scenario: A loaded scenario, a scenario file, or a name under ``scenarios/``.
        observations: An observations file or loaded :class:`Observations`.
        runs: Replicates (default: the scenario's ``runs``).
        seed: Seed (default: the scenario's ``seed``).
        overrides: ``a.b.c=value`` overrides, as ``--set``.
        until: Score only rows dated up to this month (``YYYY-MM``).
        after: Score only rows dated after this month (``YYYY-MM``).
        workers: Local processes (default: CPU count); 1 runs in this process.
        progress: ``True`` (a bar), ``False``, or a callable called with (replicates done, total).

    Returns:
        The scored validation.

    Raises:
        ValueError: For a bad scenario, option or observations row (one line naming the file and row),
            or when no row is left to score.
    """
    obs = as_observations(observations).select(until=until, after=after)
    sc = run_spec(scenario, overrides=overrides, runs=runs, seed=seed).applied
    progress = reporter(progress, desc=f"{sc.name}: {sc.config.runs} runs")
    cfg = sc.config
    obs.check(actors=list(cfg.actors), start=cfg.start, months=cfg.months)
    if not obs.targets:
        span = " ".join(f"{k} {v}" for k, v in (("until", until), ("after", after)) if v)
        raise ValueError(
            f"{obs.path}: no row {('dated ' + span + ' ') if span else ''}maps to a model quantity: "
            "nothing to score (give rows a metric or expr; see docs/observations.md)"
        )
    needed = (month(obs.last_month) - month(cfg.start)).n + 1 if obs.last_month else cfg.months
    results = simulate(sc, months=min(needed, cfg.months), workers=workers, progress=progress)
    values = {t.id: t.quantity.evaluate(results.metrics) for t in obs.targets}
    table = score_targets(obs.targets, values)
    summary = summarize_scores(table, unanswered=len(obs.unanswered))
    return Validation(
        scenario=sc,
        observations=obs,
        table=table,
        summary=summary,
        values=values,
        runs=cfg.runs,
        seed=cfg.seed,
    )
