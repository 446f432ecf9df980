"""One batch of an ensemble, where it runs: simulate it, check it, return compact results.

A worker (a local pool process, a Dask worker, or this process) receives the run's
:class:`RunPlan` once and then, for each batch, only the batch's number and replicates. It returns a
:class:`Part`: each table of the batch as Parquet bytes (compressed where it ran, so the process
that writes the results folder writes bytes and does no per-row work) and each replicate's outcome
of the summary metrics (the streamed reductions the terminal summary is made from).
"""

from __future__ import annotations

import gc
import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sanctionsim.goods import GOOD_NAMES
from sanctionsim.model import SanctionsModel
from sanctionsim.model.structure import rowsum
from sanctionsim.results.tables import (
    events_table,
    flows_table,
    metrics_table,
    parquet_bytes,
)
from sanctionsim.scenario.schema import ScenarioConfig

__all__ = ["Part", "RunPlan", "run_part"]


@dataclass(frozen=True)
class RunPlan:
    """What every batch of a run needs, sent to each worker once.

    Attributes:
        config: The configuration that runs (plain data).
        config_hash: Its hash (workers validate each configuration once).
        seed: The run's seed.
        record: What is recorded: ``full``, ``flows`` or ``metrics``.
        outcomes: The metrics summarised per replicate, each with whether it is a flow (summed over
            the horizon) or a level (its last value).
    """

    config: dict[str, Any]
    config_hash: str
    seed: int
    record: str
    outcomes: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class Part:
    """A finished batch.

    Attributes:
        index: The batch's number.
        start: Its first replicate.
        stop: One past its last replicate.
        files: Each table (``metrics``, ``flows``, ``events``) as Parquet bytes.
        sha256: Each table's SHA-256.
        rows: Each table's rows.
        outcomes: (replicates, summary metrics) outcomes, in the plan's order.
    """

    index: int
    start: int
    stop: int
    files: dict[str, bytes]
    sha256: dict[str, str]
    rows: dict[str, int]
    outcomes: np.ndarray = field(repr=False)


_CONFIGS: dict[str, ScenarioConfig] = {}


def _config(plan: RunPlan) -> ScenarioConfig:
    """The plan's configuration, validated once per process."""
    if plan.config_hash not in _CONFIGS:
        _CONFIGS.clear()
        _CONFIGS[plan.config_hash] = ScenarioConfig.model_validate(plan.config)
    return _CONFIGS[plan.config_hash]


def _refuse_non_finite(values: np.ndarray, names: list[str], first: int, label: str) -> None:
    """Raise if a value is NaN or infinite, naming the first one (row-major over the table)."""
    bad = ~np.isfinite(values)
    if bad.any():
        r, t, k = (int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            "the run produced a value that is not a finite number "
            f"({label} {names[k]} = {values[r, t, k]} in replicate {first + r}, month {t}); "
            "a parameter or an event drives the model out of range, "
            "so nothing is written"
        )


def run_part(plan: RunPlan, index: int, start: int, stop: int) -> Part:
    """Simulate replicates ``start`` to ``stop - 1`` and return the batch's tables and outcomes.

    Raises:
        ValueError: If a metric or flow is not a finite number, or an event drives a value out of range.
    """
    config = _config(plan)
    model = SanctionsModel(
        config=config, seed=plan.seed, replicates=range(start, stop), record_flows=plan.record != "metrics"
    )
    model.run()
    rec, s = model.recorder, model.world.structure
    values = rec.metric_values()
    _refuse_non_finite(values, rec.names, start, "metric")
    tables = {
        "metrics": metrics_table(
            values=values, replicates=model.replicates, names=rec.names, start=config.start
        )
    }
    rep, month, combo, flow_values = rec.flow_rows()
    _refuse_flows(rep, month, flow_values)
    tables["flows"] = flows_table(
        replicate=rep,
        month=month,
        labels={
            "src": (s.combo_src[combo], s.codes),
            "dst": (s.combo_dst[combo], s.codes),
            "good": (s.combo_good[combo], GOOD_NAMES),
            "route": (s.combo_route[combo], s.routes),
        },
        values=flow_values,
        start=config.start,
        record="flows" if plan.record == "flows" else "full",
    )
    e_rep, e_month, entries, code = rec.event_rows()
    tables["events"] = events_table(
        replicate=e_rep, month=e_month, labels=_event_labels(entries, code), start=config.start
    )
    files = {name: parquet_bytes(table) for name, table in tables.items()}
    column = {name: k for k, name in enumerate(rec.names)}
    outcomes = np.zeros((stop - start, len(plan.outcomes)))
    for j, (name, flow) in enumerate(plan.outcomes):
        series = values[:, :, column[name]]
        outcomes[:, j] = rowsum(series) if flow else series[:, -1]
    rows = {name: table.num_rows for name, table in tables.items()}
    del model, rec, values, tables  # the model's agents and world refer to each other: free them now,
    gc.collect()  # not when the collector next runs (memory stays flat batch after batch)
    return Part(
        index=index,
        start=start,
        stop=stop,
        files=files,
        sha256={name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        rows=rows,
        outcomes=outcomes,
    )


def _refuse_flows(rep: np.ndarray, month: np.ndarray, values: np.ndarray) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        name = ("shipped", "delivered", "interdicted", "value")[col]
        raise ValueError(
            f"the run produced a value that is not a finite number (flow column {name} = {values[row, col]} "
            f"in replicate {int(rep[row])}, month {int(month[row])}); a parameter or an event drives the "
            "model out of range, so nothing is written"
        )


def _event_labels(
    entries: list[tuple[str, str, str]], code: np.ndarray
) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Codes and labels of the event, kind and detail columns from the distinct log entries."""
    labels: dict[str, tuple[np.ndarray, list[str]]] = {}
    for k, column in enumerate(("event", "kind", "detail")):
        distinct: dict[str, int] = {}
        per_entry = np.array([distinct.setdefault(e[k], len(distinct)) for e in entries], dtype=np.int64)
        labels[column] = (per_entry[code] if len(code) else np.zeros(0, dtype=np.int64), list(distinct))
    return labels
