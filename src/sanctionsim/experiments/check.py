"""Run a scenario's ensemble and score its claims (``sanctionsim check`` and ``predictions``).

The claims themselves are compiled and evaluated on results by :mod:`sanctionsim.analysis.claims`,
which runs nothing; this module runs the ensembles they are scored on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sanctionsim.analysis.claims import evaluate_claims, validate_claims
from sanctionsim.experiments.ensemble import simulate
from sanctionsim.experiments.progress import ProgressOption, reporter
from sanctionsim.experiments.spec import RunSpec, ScenarioLike, run_spec
from sanctionsim.results import Results
from sanctionsim.scenario import Scenario

__all__ = ["ClaimCheck", "check_claims", "reference_probabilities"]


@dataclass(frozen=True)
class ClaimCheck:
    """A scenario's claims scored on its ensemble.

    Attributes:
        spec: The run (scenario and options).
        table: One row per claim (see :func:`sanctionsim.analysis.claims.evaluate_claims`).
        manifest: The run's manifest (seed, runs, git revision, versions, ...).
    """

    spec: RunSpec
    table: pd.DataFrame
    manifest: dict[str, Any]

    @property
    def scenario(self) -> Scenario:
        """The scenario as loaded (overrides applied)."""
        return self.spec.scenario

    @property
    def runs(self) -> int:
        """Replicates run."""
        return self.spec.runs

    @property
    def seed(self) -> int:
        """Seed of the run."""
        return self.spec.seed

    @property
    def months(self) -> int:
        """Horizon of the run."""
        return self.spec.months


def check_claims(
    scenario: ScenarioLike,
    *,
    runs: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    progress: ProgressOption = True,
    command: str | Sequence[str] | None = None,
) -> ClaimCheck:
    """Run a scenario's ensemble in memory and score its claims.

    The scenario and its claims are validated before anything is simulated.

    Args:
        scenario: A loaded scenario, a scenario file or a name under ``scenarios/``.
        runs: Replicates (default: the scenario's ``runs``).
        seed: Seed (default: the scenario's ``seed``).
        overrides: ``a.b.c=value`` overrides, as ``--set``.
        workers: Local processes (default: CPU count); 1 runs in this process.
        progress: ``True`` (a bar), ``False``, or a callable called with (replicates done, total).
        command: The command line recorded in the manifest.

    Returns:
        The scored claims.

    Raises:
        ValueError: For a bad scenario, option or claim, or a scenario without claims.
    """
    spec = run_spec(scenario, overrides=overrides, runs=runs, seed=seed)
    progress = reporter(progress, desc=f"{spec.name}: {spec.runs} runs")
    if not spec.config.claims:
        raise ValueError(
            f"{spec.name}: the scenario states no claims (add a 'claims:' list; see docs/claims.md)"
        )
    validate_claims(spec.config)
    results = simulate(spec, workers=workers, progress=progress, command=command)
    table = evaluate_claims(results, spec.config.claims)
    return ClaimCheck(spec=spec, table=table, manifest=results.manifest)


def reference_probabilities(
    checks: Sequence[ClaimCheck],
    reference: ScenarioLike,
    *,
    runs: int,
    seed: int,
    workers: int | None = None,
) -> dict[tuple[str, str], float | None]:
    """Score every scenario's claims on a reference scenario (the baseline), run at that scenario's horizon.

    Returns:
        P(holds) on the reference per (scenario name, claim id); ``None`` for a claim the reference
        cannot score (a metric or a window it does not have).
    """
    runs_by_months: dict[int, Results] = {}
    out: dict[tuple[str, str], float | None] = {}
    for check in checks:
        months = check.months
        if months not in runs_by_months:
            runs_by_months[months] = simulate(
                reference, runs=runs, seed=seed, months=months, workers=workers, progress=False
            )
        results = runs_by_months[months]
        for claim in check.spec.config.claims:
            try:
                table = evaluate_claims(results, [claim])
                out[(check.spec.name, claim.id)] = float(table["probability"].iloc[0])
            except ValueError:
                out[(check.spec.name, claim.id)] = None
    return out
