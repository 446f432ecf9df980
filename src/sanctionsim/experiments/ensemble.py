"""Monte Carlo ensembles: run a scenario for many replicates, batch by batch.

Replicates are split into batches; each batch is one vectorised
``SanctionsModel``. Batches run in a local process pool by default, or on any
``concurrent.futures`` executor (``dask.distributed.Client.get_executor()`` for
a cluster), and stream to a results folder in replicate order, so memory stays
flat and the folder is the same whatever the executor.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from sanctionsim.model import SanctionsModel, validate_config
from sanctionsim.results import Results, ResultsWriter, build_manifest, load_results
from sanctionsim.scenario import Scenario, load_scenario
from sanctionsim.scenario.errors import from_validation_error
from sanctionsim.scenario.library import find_scenario
from sanctionsim.scenario.loader import apply_overrides, compute_config_hash
from sanctionsim.scenario.schema import ScenarioConfig

#: Most replicate-months held in memory by one batch.
MAX_BATCH_CELLS = 24_000

Progress = Callable[[int, int], None]
Tables = tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]


def prepare(
    scenario: Scenario | str | os.PathLike[str],
    *,
    overrides: Sequence[str] = (),
    runs: int | None = None,
    seed: int | None = None,
    months: int | None = None,
) -> Scenario:
    """Load a scenario (if given a path) and apply the run options as overrides.

    Validates everything a run needs, including event paths and conditions, so
    that bad input fails before any result is written.

    Raises:
        ScenarioError: For a bad file or override.
        ValueError: For a bad event path, condition or option.
    """
    options = {k: v for k, v in (("runs", runs), ("seed", seed), ("months", months)) if v is not None}
    if not isinstance(scenario, Scenario):
        file = find_scenario(scenario)  # a path, or a name under scenarios/ such as "baseline"
        scenario = load_scenario(file, [*overrides, *(f"{k}={v}" for k, v in options.items())])
    elif overrides or options:
        resolved = apply_overrides(scenario.resolved, [*overrides, *(f"{k}={v}" for k, v in options.items())])
        try:
            config = ScenarioConfig.model_validate(resolved)
        except ValidationError as exc:
            raise from_validation_error(exc, model=ScenarioConfig, file="--set") from None
        scenario = Scenario(
            config=config,
            resolved=resolved,
            path=scenario.path,
            name=scenario.name,
            config_hash=compute_config_hash(resolved),
        )
    try:
        validate_config(scenario.config)  # event paths and conditions against the model
    except ValueError as err:
        raise ValueError(f"{scenario.path}: {err}") from None
    return scenario


def run_batch(
    config: dict[str, Any],
    seed: int,
    replicates: Sequence[int],
    keep_ledger: bool = False,
    *,
    streams: Sequence[int] | None = None,
    design: Mapping[str, Sequence[float]] | None = None,
) -> Tables:
    """Simulate one batch of replicates and return its (metrics, flows, events) tables.

    A plain function of plain data, so that any executor can run it in another process.
    ``streams`` and ``design`` are as in :class:`~sanctionsim.model.SanctionsModel`.
    """
    model = SanctionsModel(
        config=ScenarioConfig.model_validate(config),
        seed=seed,
        replicates=replicates,
        streams=streams,
        design=design,
        keep_ledger=keep_ledger,
    )
    model.run()
    rec = model.recorder
    return rec.metrics_frame(), rec.flows_frame(), rec.events_frame()


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


def _execute(
    config: dict[str, Any], seed: int, parts: list[range], *, executor: Executor | None, workers: int
) -> Iterator[Tables]:
    if executor is None and (workers <= 1 or len(parts) == 1):
        for p in parts:
            yield run_batch(config, seed, list(p))
        return
    own = executor is None
    if executor is None:
        # fork works from scripts without a __main__ guard and from notebooks; the CLI keeps no threads
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        executor = ProcessPoolExecutor(max_workers=min(workers, len(parts)), mp_context=context)
    futures = [executor.submit(run_batch, config, seed, list(p)) for p in parts]
    try:
        for f in futures:
            yield f.result()
    finally:  # on an error or an interrupt, drop the batches not started: no orphaned work
        for f in futures:
            f.cancel()
        if own:
            executor.shutdown(wait=True, cancel_futures=True)


def _named_errors(stream: Iterator[Tables], path: Path) -> Iterator[Tables]:
    """Prefix a run-time scenario error (an event driving a value out of range) with the file."""
    try:
        yield from stream
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None


def simulate(
    scenario: Scenario | str | os.PathLike[str],
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
) -> Results:
    """Run a scenario as a Monte Carlo ensemble.

    Args:
        scenario: A loaded :class:`Scenario`, a scenario file, or a name under ``scenarios/``.
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

    Returns:
        The results, with ``path`` set when written to ``out``.
    """
    sc = prepare(scenario, overrides=overrides, runs=runs, seed=seed, months=months)
    cfg = sc.config
    workers = os.cpu_count() or 1 if workers is None else workers
    parts = batches(cfg.runs, cfg.months, workers=workers, batch_size=batch_size)
    manifest = build_manifest(
        scenario_name=sc.name,
        config=sc.resolved,
        config_hash=compute_config_hash(sc.resolved),
        seed=cfg.seed,
        runs=cfg.runs,
        months=cfg.months,
        start=cfg.start,
        command=command if command is not None else " ".join(sys.argv),
    )
    manifest["actors"] = list(cfg.actors)
    manifest["scenario_path"] = str(sc.path)
    manifest["overrides"] = list(overrides)
    manifest["batch_size"] = len(parts[0])
    config = cfg.model_dump(mode="json")
    done = 0
    stream = _named_errors(_execute(config, cfg.seed, parts, executor=executor, workers=workers), sc.path)
    if out is None:
        collected: list[Tables] = []
        for part, tables in zip(parts, stream, strict=True):
            collected.append(tables)
            done += len(part)
            if progress:
                progress(done, cfg.runs)
        metrics, flows, events = (pd.concat([t[i] for t in collected], ignore_index=True) for i in range(3))
        return Results(metrics=metrics, flows=flows, events=events, manifest=manifest, path=None)
    with ResultsWriter(Path(out), manifest=manifest) as writer:
        for part, tables in zip(parts, stream, strict=True):
            writer.write_batch(*tables)
            done += len(part)
            if progress:
                progress(done, cfg.runs)
    return load_results(Path(out))


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
    manifest = load_results(Path(results)).manifest
    resolved = manifest["config"]
    try:
        config = ScenarioConfig.model_validate(resolved)
    except ValidationError as exc:
        raise from_validation_error(
            exc, model=ScenarioConfig, file=str(Path(results) / "manifest.json")
        ) from None
    scenario = Scenario(
        config=config,
        resolved=resolved,
        path=Path(manifest.get("scenario_path", manifest["scenario"])),
        name=manifest["scenario"],
        config_hash=compute_config_hash(resolved),
    )
    return simulate(
        scenario, out=out, workers=workers, progress=progress, batch_size=manifest.get("batch_size")
    )
