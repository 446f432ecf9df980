"""Monte Carlo ensembles: run a scenario for many replicates, batch by batch.

Replicates are split into batches; each batch is one vectorised ``SanctionsModel``. Batches run
in a local process pool by default, or on any ``concurrent.futures`` executor
(``dask.distributed.Client.get_executor()`` for a cluster), through one path
(:mod:`sanctionsim.experiments.parts`): each worker receives the run's plan once, and returns each
batch as Parquet bytes and per-replicate outcomes. This process writes each batch to its own file
of the results folder as it arrives, so memory stays flat whatever the number of runs, and the
folder is the same whatever the executor. The terminal summary is made from the streamed outcomes.
A killed run is finished by running it again into the same folder (``resume``).

A run's rows are laid out by a :class:`~sanctionsim.experiments.layout.Layout`: a plain ensemble, or
a design of points x replicates on common random streams (``sanctionsim sweep``). Every batch also
records the parameters each replicate ran with, which the results folder keeps as ``inputs``.
"""

from __future__ import annotations

import io
import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sanctionsim.analysis.summary import summarize_outcomes
from sanctionsim.experiments.executor import stream_tasks
from sanctionsim.experiments.inputs import inputs_frame
from sanctionsim.experiments.layout import Layout
from sanctionsim.experiments.parts import Part, RunPlan, run_part
from sanctionsim.experiments.progress import ProgressOption, reporter
from sanctionsim.experiments.spec import RunSpec, ScenarioLike, run_spec
from sanctionsim.metrics import catalogue, describe, key_metrics
from sanctionsim.model import SanctionsModel
from sanctionsim.results import Results, ResultsWriter, build_manifest, load_results
from sanctionsim.results.store import MANIFEST_NAME, TABLES, unfinished_run
from sanctionsim.results.tables import check_record, default_record, read_parquet_bytes, to_pandas
from sanctionsim.scenario import Scenario
from sanctionsim.scenario.loader import compute_config_hash, config_from_data
from sanctionsim.scenario.schema import ScenarioConfig

#: Most replicate-months held in memory by one batch.
MAX_BATCH_CELLS = 20_000

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
    record_flows: bool = True,
) -> Tables:
    """Simulate one batch of replicates and return its (metrics, flows, events, inputs) tables as pandas.

    A plain function of plain data, so that any executor can run it in another process; ensembles
    run :func:`~sanctionsim.experiments.parts.run_part` instead, which returns Parquet bytes.
    ``streams``, ``design`` and ``record_flows`` are as in :class:`~sanctionsim.model.SanctionsModel`;
    ``inputs`` holds each replicate's stream and the parameters that vary (:func:`~.inputs.inputs_frame`).
    """
    model = SanctionsModel(
        config=ScenarioConfig.model_validate(config),
        seed=seed,
        replicates=replicates,
        streams=streams,
        design=design,
        keep_ledger=keep_ledger,
        record_flows=record_flows,
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
    manifest["metrics"] = catalogue(cfg)  # the folder describes its own columns
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
    progress: ProgressOption = True,
    command: str | Sequence[str] | None = None,
    record: str | None = None,
    resume: bool | None = None,
    layout: Layout | None = None,
    manifest_extra: Mapping[str, Any] | None = None,
    model: Callable[..., Tables] | None = None,
) -> Results:
    """Run a scenario as a Monte Carlo ensemble, or a design (``layout``).

    Args:
        scenario: A :class:`RunSpec`, a loaded :class:`Scenario`, a scenario file, or a name under
            ``scenarios/``.
        runs: Replicates (default: the scenario's ``runs``).
        seed: Seed (default: the scenario's ``seed``).
        months: Horizon (default: the scenario's ``months``).
        overrides: ``a.b.c=value`` overrides, as ``--set`` on the command line.
        out: Results folder to write; must not exist (unless a killed run of the same ensemble left
            it to finish). ``None`` keeps results in memory.
        workers: Local processes (default: CPU count); 1 runs in this process.
        executor: A ``concurrent.futures`` executor to use instead (e.g. Dask's).
        batch_size: Replicates per batch (default: balanced over workers, memory-capped; a resumed
            run keeps the batches it started with).
        progress: ``True`` (a progress bar where someone watches), ``False``, or a callable called
            with (replicates done, total) after each batch (:mod:`~sanctionsim.experiments.progress`).
        command: The command line recorded in the manifest.
        record: ``full``, ``flows`` or ``metrics`` (default: ``full`` up to
            :data:`~sanctionsim.results.tables.FULL_RECORD_RUNS` runs, ``metrics`` above; see
            :mod:`sanctionsim.results.tables`).
        resume: Finish the unfinished run a killed or interrupted process left at ``out``, keeping
            its verified batches: ``None`` (default) does it when there is one, ``True`` requires
            one, ``False`` never does (and an interrupted run then keeps nothing). Unless ``False``,
            Ctrl-C or SIGTERM keeps the finished batches at ``out`` for the next call to finish.
        layout: The rows to run (default: a plain ensemble of ``runs`` replicates); it must have
            ``runs`` rows.
        manifest_extra: More entries for the manifest (a sweep records its design).
        model: A batch function with :func:`run_batch`'s signature to run instead of the model
            (tests plug in closed-form models).

    Returns:
        The results, with ``path`` set when written to ``out`` (tables read when first used). The
        manifest's ``summary`` holds the median and 10-90% band of the key metrics' outcomes.

    Raises:
        ScenarioError: For a bad scenario file, override or option.
        ValueError: For a bad event path or condition, options given beside a :class:`RunSpec`, a bad
            ``record``, or ``resume=True`` with nothing to resume.
        RunInterrupted: Ctrl-C or SIGTERM stopped a run written to ``out``; its message says what
            was kept.
    """
    spec = _spec_of(scenario, overrides=overrides, runs=runs, seed=seed, months=months)
    progress = reporter(progress, desc=f"{spec.name}: {spec.runs} runs")
    workers = os.cpu_count() or 1 if workers is None else workers
    layout = layout or Layout.plain(spec.runs)
    layout.check_rows(spec.runs)
    record = default_record(spec.runs) if record is None else check_record(record)
    unfinished = unfinished_run(Path(out)) if out is not None and resume is not False else None
    if resume and unfinished is None:
        raise ValueError(f"--resume: {out} holds no unfinished run to finish")
    if unfinished is not None and batch_size is None and isinstance(unfinished.get("batch_size"), int):
        batch_size = unfinished["batch_size"]  # the batches the killed run started with
    parts = batches(spec.runs, spec.months, workers=workers, batch_size=batch_size)
    manifest = manifest_of(spec, command=command, batch_size=len(parts[0]), layout=layout)
    manifest.update(manifest_extra or {})
    manifest["record"] = record
    names = _summary_metrics(spec)
    plan = RunPlan(
        config=spec.config.model_dump(mode="json"),
        config_hash=spec.config_hash,
        seed=spec.seed,
        record=record,
        outcomes=tuple((name, describe(name, spec.config).flow) for name in names),
        layout=layout,
        model=model,
    )
    tasks = [(i, p.start, p.stop) for i, p in enumerate(parts)]
    if out is None:
        found: dict[int, Part] = {}
        for _, part in _stream(plan, tasks, spec, executor=executor, workers=workers, progress=progress):
            found[part.index] = part
        ordered = [found[i] for i in sorted(found)]
        manifest["summary"] = _summary(spec, names, [p.outcomes for p in ordered])
        tables = {
            t: to_pandas(pa.concat_tables([read_parquet_bytes(p.files[t]) for p in ordered])) for t in TABLES
        }
        return Results(**tables, manifest=manifest, path=None)
    writer = ResultsWriter(
        Path(out), manifest=manifest, resume=unfinished is not None, keep_on_interrupt=resume is not False
    )
    with writer:
        kept = writer.kept
        outcomes = {i: _npy_load(writer.progress_file(_outcomes_name(i))) for i in kept}
        remaining = [t for t in tasks if t[0] not in kept]
        done = sum(r.stop - r.start for r in kept.values())
        if progress:
            progress(done, spec.runs)
        for _, part in _stream(
            plan, remaining, spec, executor=executor, workers=workers, progress=progress, done=done
        ):
            writer.write_part(
                part.index,
                part.files,
                start=part.start,
                stop=part.stop,
                rows=part.rows,
                extra={_outcomes_name(part.index): _npy_bytes(part.outcomes)},
            )
            outcomes[part.index] = part.outcomes
        writer.manifest["summary"] = _summary(spec, names, [outcomes[i] for i in sorted(outcomes)])
        if writer.resumed:
            writer.manifest["resumed"] = {"batches_kept": len(kept), "batches_run": len(remaining)}
    # every part was checksummed as it was written (kept ones when the writer reopened them)
    return Results(manifest=writer.manifest, path=Path(out))


def _summary_metrics(spec: RunSpec) -> list[str]:
    """The key metrics of the scenario that its schedule records (the terminal summary's)."""
    names = []
    for name in key_metrics(spec.config):
        try:
            describe(name, spec.config)
        except ValueError:
            continue
        names.append(name)
    return names


def _summary(spec: RunSpec, names: list[str], outcomes: list[np.ndarray]) -> list[dict[str, Any]]:
    """The summary rows (metric, stat, unit, p10, median, p90) of streamed outcomes."""
    values = np.concatenate(outcomes, axis=0) if outcomes else np.zeros((0, len(names)))
    table = summarize_outcomes({n: values[:, j] for j, n in enumerate(names)}, spec.config)
    return [
        {str(k): (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
        for row in table.to_dict(orient="records")
    ]


def _stream(
    plan: RunPlan,
    tasks: list[tuple[int, int, int]],
    spec: RunSpec,
    *,
    executor: Executor | None,
    workers: int,
    progress: Progress | None,
    done: int = 0,
) -> Iterator[tuple[int, Part]]:
    """The finished batches as they arrive, with progress; run-time errors name the scenario file."""
    try:
        for index, part in stream_tasks(run_part, tasks, executor=executor, workers=workers, shared=plan):
            done += part.stop - part.start
            yield index, part
            if progress:
                progress(done, spec.runs)
    except ValueError as err:
        raise ValueError(f"{spec.scenario.path}: {err}") from None


def _outcomes_name(index: int) -> str:
    return f"outcomes-{index:06d}.npy"


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _npy_load(data: bytes) -> np.ndarray:
    return np.asarray(np.load(io.BytesIO(data), allow_pickle=False))


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
        record=manifest.get("record", "full"),
        resume=False,
        layout=layout,
        manifest_extra=extra,
    )
