"""Monte Carlo ensembles: run a scenario for many replicates, batch by batch.

Replicates are split into batches; each batch is one vectorised
``SanctionsModel``. Batches run in a local process pool by default, or on any
``concurrent.futures`` executor (``dask.distributed.Client.get_executor()`` for
a cluster), and stream to a results folder in replicate order, so memory stays
flat and the folder is the same whatever the executor.

A run's rows are laid out by a :class:`~sanctionsim.experiments.layout.Layout`: a plain ensemble, or
a design of points x replicates on common random streams (``sanctionsim sweep``). Every batch also
returns the parameters each replicate ran with, which the results folder keeps as ``inputs.parquet``.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.experiments.executor import run_tasks
from sanctionsim.experiments.inputs import inputs_frame
from sanctionsim.experiments.layout import Layout
from sanctionsim.experiments.spec import RunSpec, ScenarioLike, run_spec
from sanctionsim.model import SanctionsModel
from sanctionsim.results import Results, ResultsWriter, build_manifest, load_results
from sanctionsim.results.store import INPUT_FIELDS, MANIFEST_NAME
from sanctionsim.scenario import Scenario
from sanctionsim.scenario.loader import compute_config_hash, config_from_data
from sanctionsim.scenario.schema import ScenarioConfig

#: Most replicate-months held in memory by one batch.
MAX_BATCH_CELLS = 24_000

Progress = Callable[[int, int], None]
#: (metrics, flows, events, inputs) of one batch.
Tables = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]


def run_batch(
    config: dict[str, Any],
    seed: int,
    replicates: Sequence[int],
    keep_ledger: bool = False,
    *,
    streams: Sequence[int] | None = None,
    design: Mapping[str, Sequence[float]] | None = None,
) -> Tables:
    """Simulate one batch of replicates and return its (metrics, flows, events, inputs) tables.

    A plain function of plain data, so that any executor can run it in another process.
    ``streams`` and ``design`` are as in :class:`~sanctionsim.model.SanctionsModel`; ``inputs`` holds
    each replicate's stream and the parameters that vary (:func:`~.inputs.inputs_frame`).
    """
    model = SanctionsModel(
        config=ScenarioConfig.model_validate(config),
        seed=seed,
        replicates=replicates,
        streams=streams,
        design=design,
        keep_ledger=keep_ledger,
    )
    inputs = inputs_frame(model, design=design or ())
    model.run()
    rec = model.recorder
    return rec.metrics_frame(), rec.flows_frame(), rec.events_frame(), inputs


def batches(runs: int, months: int, *, workers: int, batch_size: int | None = None) -> list[range]:
    """Split ``runs`` replicates into contiguous batches."""
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if batch_size is None:
        cap = max(1, MAX_BATCH_CELLS // months)
        batch_size = min(cap, max(50, math.ceil(runs / (2 * max(workers, 1)))))
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return [range(a, min(a + batch_size, runs)) for a in range(0, runs, batch_size)]


def _rows(
    model: Callable[..., Tables],
    config: dict[str, Any],
    seed: int,
    ids: list[int],
    streams: list[int],
    design: dict[str, list[float]] | None,
) -> Tables:
    """One batch of a layout's rows (``run_tasks`` passes arguments by position)."""
    return model(config, seed, ids, streams=streams, design=design)


def _finite(stream: Iterator[Tables]) -> Iterator[Tables]:
    """Refuse a batch with a value that is not a finite number (NaN or infinite), before it is written.

    Raises:
        ValueError: Naming the first such metric (or flow column), replicate and month.
    """
    for tables in stream:
        for label, frame in zip(("metric", "flow column"), tables[:2], strict=True):
            numeric = frame.select_dtypes("number").drop(columns=["replicate", "month"], errors="ignore")
            values = numeric.to_numpy(dtype=np.float64)
            bad = ~np.isfinite(values)
            if bad.any():
                row, col = (int(i[0]) for i in np.nonzero(bad))
                raise ValueError(
                    f"the run produced a value that is not a finite number ({label} {numeric.columns[col]} "
                    f"= {values[row, col]} in replicate {frame['replicate'].iloc[row]}, month "
                    f"{frame['month'].iloc[row]}); a parameter or an event drives the model out of range, "
                    "so nothing is written"
                )
        yield tables


def _named_errors(stream: Iterator[Tables], path: Path) -> Iterator[Tables]:
    """Prefix a run-time scenario error (an event driving a value out of range) with the file."""
    try:
        yield from stream
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def _spec_of(
    scenario: RunSpec | ScenarioLike,
    *,
    overrides: Sequence[str],
    runs: int | None,
    seed: int | None,
    months: int | None,
) -> RunSpec:
    if not isinstance(scenario, RunSpec):
        return run_spec(scenario, overrides=overrides, runs=runs, seed=seed, months=months)
    if overrides or any(v is not None for v in (runs, seed, months)):
        raise ValueError("pass runs, seed, months and overrides in the RunSpec, not beside it")
    return scenario


def manifest_of(
    spec: RunSpec, *, command: str | Sequence[str] | None, batch_size: int, layout: Layout | None = None
) -> dict[str, Any]:
    """The manifest of a run of ``spec`` (see :func:`sanctionsim.results.build_manifest`)."""
    cfg = spec.config
    manifest = build_manifest(
        scenario_name=spec.name,
        config=spec.resolved,
        config_hash=spec.config_hash,
        seed=spec.seed,
        runs=spec.runs,
        months=spec.months,
        start=cfg.start,
        command=command if command is not None else " ".join(sys.argv),
    )
    manifest["actors"] = list(cfg.actors)
    manifest["scenario_path"] = str(spec.scenario.path)
    manifest["overrides"] = list(spec.overrides)
    manifest["batch_size"] = batch_size
    manifest["layout"] = (layout or Layout.plain(spec.runs)).describe()
    return manifest


def simulate(
    scenario: RunSpec | ScenarioLike,
    *,
    runs: int | None = None,
    seed: int | None = None,
    months: int | None = None,
    overrides: Sequence[str] = (),
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    executor: Executor | None = None,
    batch_size: int | None = None,
    progress: Progress | None = None,
    command: str | Sequence[str] | None = None,
    layout: Layout | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
    model: Callable[..., Tables] = run_batch,
) -> Results:
    """Run a scenario as a Monte Carlo ensemble, or a design (``layout``).

    Args:
        scenario: A :class:`RunSpec`, a loaded :class:`Scenario`, a scenario file, or a name under
            ``scenarios/``.
        runs: Replicates (default: the scenario's ``runs``).
        seed: Seed (default: the scenario's ``seed``).
        months: Horizon (default: the scenario's ``months``).
        overrides: ``a.b.c=value`` overrides, as ``--set`` on the command line.
        out: Results folder to write; must not exist. ``None`` keeps results in memory.
        workers: Local processes (default: CPU count); 1 runs in this process.
        executor: A ``concurrent.futures`` executor to use instead (e.g. Dask's).
        batch_size: Replicates per batch (default: balanced over workers, memory-capped).
        progress: Called with (replicates done, total) after each batch.
        command: The command line recorded in the manifest.
        layout: The rows to run (default: a plain ensemble of ``runs`` replicates); it must have
            ``runs`` rows.
        manifest_extra: More entries for the manifest (a sweep records its design).
        model: The batch function, with :func:`run_batch`'s signature (tests plug in other models).

    Returns:
        The results, with ``path`` set when written to ``out``.

    Raises:
        ScenarioError: For a bad scenario file, override or option.
        ValueError: For a bad event path or condition, or options given beside a :class:`RunSpec`.
    """
    spec = _spec_of(scenario, overrides=overrides, runs=runs, seed=seed, months=months)
    workers = os.cpu_count() or 1 if workers is None else workers
    layout = layout or Layout.plain(spec.runs)
    layout.check_rows(spec.runs)
    parts = batches(spec.runs, spec.months, workers=workers, batch_size=batch_size)
    manifest = manifest_of(spec, command=command, batch_size=len(parts[0]), layout=layout)
    manifest.update(manifest_extra or {})
    config = spec.config.model_dump(mode="json")
    tasks = [(model, config, spec.seed, layout.ids(p), layout.streams(p), layout.design(p)) for p in parts]
    done = 0
    stream = _named_errors(
        _finite(run_tasks(_rows, tasks, executor=executor, workers=workers)), spec.scenario.path
    )

    def pointed(part: range, tables: Tables) -> Tables:
        metrics, flows, events, inputs = tables
        return (
            metrics,
            flows,
            events,
            inputs.assign(point=layout.point(part).astype("int32"))[_input_order(inputs)],
        )

    if out is None:
        collected: list[Tables] = []
        for part, tables in zip(parts, stream, strict=True):
            collected.append(pointed(part, tables))
            done += len(part)
            if progress:
                progress(done, spec.runs)
        metrics, flows, events, inputs = (
            pd.concat([t[i] for t in collected], ignore_index=True) for i in range(4)
        )
        return Results(metrics=metrics, flows=flows, events=events, manifest=manifest, inputs=inputs)
    with ResultsWriter(Path(out), manifest=manifest) as writer:
        for part, tables in zip(parts, stream, strict=True):
            writer.write_batch(*pointed(part, tables))
            done += len(part)
            if progress:
                progress(done, spec.runs)
    return load_results(Path(out))


def _input_order(inputs: pd.DataFrame) -> list[str]:
    """Columns of ``inputs.parquet``: replicate, point, stream, then the parameters."""
    keys = [f.name for f in INPUT_FIELDS]
    return keys + [c for c in inputs.columns if c not in keys]


def spec_from_manifest(manifest: dict[str, Any], *, source: str) -> RunSpec:
    """The :class:`RunSpec` a results folder's manifest records (its configuration, options, overrides).

    Args:
        manifest: The manifest.
        source: How errors name the manifest file.

    Raises:
        ScenarioError: If the recorded configuration is not a valid scenario.
        ValueError: If the manifest lacks the configuration or an option.
    """
    try:
        resolved = dict(manifest["config"])
        options = {k: manifest[k] for k in ("runs", "seed", "months")}
        scenario_name = str(manifest["scenario"])
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{source}: the manifest lacks {err}; it cannot be replayed") from None
    scenario = Scenario(
        config=config_from_data(resolved, source=source),
        resolved=resolved,
        path=Path(manifest.get("scenario_path") or scenario_name),
        name=scenario_name,
        config_hash=compute_config_hash(resolved),
        overrides=tuple(str(o) for o in manifest.get("overrides") or ()),
    )
    return RunSpec(scenario=scenario, **options)


def replay(
    results: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> Results:
    """Run again what a results folder's manifest records: same configuration, seed and runs.

    Args:
        results: A results folder.
        out: Where to write the replay (``None`` keeps it in memory).
        workers: Local processes.
        progress: Called with (replicates done, total).

    Returns:
        The replayed results; with the same package versions they equal the original bit for bit.
    """
    original = load_results(Path(results))
    manifest = original.manifest
    spec = spec_from_manifest(manifest, source=str(Path(results) / MANIFEST_NAME))
    layout = Layout.recorded(manifest.get("layout"), runs=spec.runs, inputs=original.inputs)
    extra = {k: manifest[k] for k in ("design",) if k in manifest}
    return simulate(
        spec,
        out=out,
        workers=workers,
        progress=progress,
        batch_size=manifest.get("batch_size"),
        layout=layout,
        manifest_extra=extra,
    )
