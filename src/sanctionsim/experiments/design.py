"""Run a design on the batched engine: candidates x replicates, with common random numbers.

A calibration (or any study of several parameter sets) runs every candidate for the same random
streams, so that comparisons between candidates are paired. :func:`evaluate_design` lays the whole
population out as one vectorised design (row ``i * K + k`` is candidate ``i`` on stream ``k``), splits
it into memory-capped batches, runs them in a local process pool or any ``concurrent.futures``
executor, and returns only the model quantities asked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from sanctionsim.analysis.aggregates import Quantity
from sanctionsim.experiments.ensemble import MAX_BATCH_CELLS, run_batch
from sanctionsim.experiments.executor import run_tasks
from sanctionsim.experiments.layout import Layout

__all__ = ["evaluate_design"]


def _answer_chunk(
    config: dict[str, Any],
    seed: int,
    rows: list[int],
    streams: list[int],
    design: dict[str, list[float]] | None,
    quantities: tuple[Quantity, ...],
) -> np.ndarray:
    """Run one chunk of design rows and return each quantity per row, shape (rows, quantities)."""
    metrics = run_batch(config, seed, rows, streams=streams, design=design, record_flows=False)[0]
    if not quantities:
        return np.empty((len(rows), 0))
    return np.stack([q.evaluate(metrics) for q in quantities], axis=1)


def evaluate_design(
    config: Mapping[str, Any],
    *,
    seed: int,
    paths: Sequence[str],
    values: np.ndarray,
    replicates: int,
    quantities: Sequence[Quantity],
    stream_offset: int = 0,
    workers: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Run every candidate for the same ``replicates`` random streams and answer each quantity.

    Row ``i * replicates + k`` runs candidate ``i`` on stream ``stream_offset + k`` (a
    :class:`~sanctionsim.experiments.layout.Layout`): candidates share every random number (common
    random numbers), so their differences come from their parameters. Rows are split into batches of
    at most :data:`~sanctionsim.experiments.ensemble.MAX_BATCH_CELLS` replicate-months, run in a local
    process pool (or ``executor``) by :func:`~sanctionsim.experiments.executor.run_tasks`.

    Args:
        config: The scenario as plain data (``ScenarioConfig.model_dump(mode="json")``).
        seed: Seed of the random streams.
        paths: Parameter paths, one per column of ``values``.
        values: Candidates, shape (candidates, len(paths)).
        replicates: Replicates per candidate (K).
        quantities: What to compute from each replicate.
        stream_offset: First stream index.
        workers: Local processes (default: CPU count).
        executor: A ``concurrent.futures`` executor to use instead.
        progress: Called with (rows done, rows) after each batch.

    Returns:
        Array of shape (candidates, replicates, quantities).
    """
    layout = Layout(
        paths=tuple(paths),
        values=np.asarray(values, dtype=float).reshape(-1, len(paths)),
        replicates=replicates,
        first=stream_offset,
    )
    total = layout.rows
    size = max(1, MAX_BATCH_CELLS // int(config["months"]))
    parts = [range(a, min(a + size, total)) for a in range(0, total, size)]
    cfg, qs = dict(config), tuple(quantities)
    tasks = [(cfg, seed, layout.ids(p), layout.streams(p), layout.design(p), qs) for p in parts]
    workers = (os.cpu_count() or 1) if workers is None else workers
    out = np.empty((total, len(qs)))
    done = 0
    for part, chunk in zip(
        parts, run_tasks(_answer_chunk, tasks, executor=executor, workers=workers), strict=True
    ):
        out[part.start : part.stop] = chunk
        done += len(part)
        if progress:
            progress(done, total)
    return out.reshape(layout.points, replicates, len(qs))
