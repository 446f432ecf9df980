"""Run policies against a base scenario with common random numbers.

Every scenario is simulated with the same seed, number of replicates and
horizon, so replicate ``r`` of each policy shares its random numbers with
replicate ``r`` of the base (docs/architecture.md, "Randomness"). The paired
effects are computed by :mod:`sanctionsim.analysis.effects`; the comparison
folder is written through :func:`sanctionsim.atomic.atomic_folder` and
:mod:`sanctionsim.results.comparison`.

Example:
    >>> from sanctionsim.experiments.compare import compare
    >>> cmp = compare("scenarios/baseline.yaml", ["scenarios/enforce.yaml"], runs=200)  # doctest: +SKIP
    >>> cmp.effects[["scenario", "metric", "median_diff", "diff_p05", "diff_p95", "p_good"]]  # doctest: +SKIP
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sanctionsim.analysis.effects import Comparison, check_metrics, folder_names, from_results, unique_names
from sanctionsim.atomic import atomic_folder
from sanctionsim.experiments.ensemble import simulate
from sanctionsim.experiments.layout import Layout
from sanctionsim.experiments.progress import ProgressOption, reporter
from sanctionsim.experiments.spec import RunSpec, ScenarioLike, load_for_run
from sanctionsim.results.comparison import write_comparison_file
from sanctionsim.results.store import Results, RunInterrupted

__all__ = ["compare"]

Progress = Callable[[int, int], None]


def compare(
    base: ScenarioLike,
    others: ScenarioLike | Sequence[ScenarioLike],
    *,
    runs: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    metrics: Sequence[str] | None = None,
    overrides: Sequence[str] = (),
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    progress: ProgressOption = True,
    command: str | Sequence[str] | None = None,
    layout: Layout | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
) -> Comparison:
    """Run a base scenario and policies with common random numbers, and compare them.

    Every scenario runs with the same seed, replicates and horizon: those given
    here, else the base scenario's. Replicate ``r`` of each run then shares its
    random numbers with replicate ``r`` of the base, so the paired differences
    measure the policy and not the noise. Each scenario is validated once, before
    anything runs.

    Args:
        base: The base scenario (a loaded :class:`~sanctionsim.scenario.Scenario`, a file or a name).
        others: The policies, one or more.
        runs: Replicates (default: the base scenario's ``runs``).
        seed: Seed (default: the base scenario's ``seed``).
        months: Horizon (default: the scenarios' ``months``, which must then agree: a comparison
            that silently extended or cut a scenario would show effects of the horizon, not the policy).
        metrics: Metrics to compare (default: :data:`sanctionsim.metrics.KEY_METRICS`).
        overrides: ``a.b.c=value`` overrides applied to every scenario.
        out: Comparison folder to write (must not exist): each scenario's results
            folder as ``out/<name>`` and ``out/comparison.json``. The folder
            appears only when complete. ``None`` keeps everything in memory.
        workers: Local processes per ensemble (default: CPU count).
        progress: ``True`` (a bar), ``False``, or a callable called with (replicates done, total)
            over all scenarios.
        command: The command line recorded in the manifests.
        layout: The rows every scenario runs (a sweep's design; default: a plain ensemble). With a
            layout, ``runs`` is its number of rows.
        manifest_extra: More entries for every manifest (a sweep records its design).

    Returns:
        The comparison, with ``path`` set when written to ``out``.

    Raises:
        ValueError: For no policies, an unknown metric, a bad option, scenarios with different
            start months, or different horizons when ``months`` is not given.
        ScenarioError: For a bad scenario file or override.
        FileExistsError: If ``out`` exists.
    """
    if isinstance(others, str | os.PathLike) or not isinstance(others, Sequence):
        others = [others]
    if not others:
        raise ValueError("compare needs a base scenario and at least one other scenario")
    loaded = [load_for_run(s, overrides=overrides) for s in (base, *others)]
    progress = reporter(progress, desc=f"{loaded[0].name} and {len(loaded) - 1} other(s)")
    first = loaded[0].config
    horizons = {sc.name: sc.config.months for sc in loaded}
    if months is None and len(set(horizons.values())) > 1:
        listed = ", ".join(f"{name} {n}" for name, n in horizons.items())
        raise ValueError(
            f"the scenarios run for different numbers of months ({listed}); paired differences need "
            "one horizon: pass --months N (months=N) to run them all for N months"
        )
    horizon = first.months if months is None else months
    for sc in loaded[1:]:
        if sc.config.start != first.start:
            raise ValueError(
                f"scenario {sc.name!r} starts in {sc.config.start} but the base {loaded[0].name!r} starts in "
                f"{first.start}; paired months need the same start (use --set start=...)"
            )
    if layout is not None:
        runs = layout.rows
    options = {
        "runs": first.runs if runs is None else runs,
        "seed": first.seed if seed is None else seed,
        "months": horizon,
    }
    specs = [RunSpec(scenario=sc, **options) for sc in loaded]  # each validated once, here
    for spec in specs:
        check_metrics(metrics, list(spec.config.actors))
    names = unique_names([spec.name for spec in specs])
    total = options["runs"] * len(specs)

    def _runner(offset: int) -> Progress | None:
        if progress is None:
            return None
        return lambda done, _total: progress(offset + done, total)

    folders = dict(zip(names, folder_names(names), strict=True))

    def run_all(folder: Path | None) -> dict[str, Results]:
        """Every scenario's results, written under ``folder`` when one is given."""
        return {
            name: simulate(
                spec,
                out=None if folder is None else folder / folders[name],
                workers=workers,
                progress=_runner(i * spec.runs),
                command=command,
                layout=layout,
                manifest_extra=manifest_extra,
            )
            for i, (name, spec) in enumerate(zip(names, specs, strict=True))
        }

    if out is None:
        return from_results(run_all(None), metrics=metrics)
    target = Path(out)
    try:
        with atomic_folder(target) as tmp:
            comparison = from_results(run_all(tmp), metrics=metrics)
            write_comparison_file(tmp, comparison.to_dict())
    except RunInterrupted as err:  # the comparison folder goes whole: no scenario's batches are kept
        raise RunInterrupted(signum=err.signum) from None
    comparison.path = target
    for name, res in comparison.results.items():
        res.path = target / folders[name]
    return comparison
