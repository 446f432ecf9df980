"""One batch of an ensemble, where it runs: simulate it, check it, return compact results.

A worker (a local pool process, a Dask worker, or this process) receives the run's
:class:`RunPlan` once and then, for each batch, only the batch's number and rows (which replicate,
random stream and design point each row has comes from the plan's
:class:`~sanctionsim.experiments.layout.Layout`). It returns a :class:`Part`: each table of the
batch (metrics, flows, events, and the inputs each replicate ran with) as Parquet bytes (compressed
where it ran, so the process that writes the results folder writes bytes and does no per-row work)
and each replicate's outcome of the summary metrics (the streamed reductions the terminal summary
is made from).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sanctionsim.experiments.inputs import inputs_frame
from sanctionsim.experiments.layout import Layout
from sanctionsim.goods import GOOD_NAMES
from sanctionsim.model import SanctionsModel
from sanctionsim.model.structure import rowsum
from sanctionsim.results.tables import (
    EVENTS_SCHEMA,
    INPUT_FIELDS,
    KEY_FIELDS,
    events_table,
    flows_schema,
    flows_table,
    frame_to_table,
    inputs_schema,
    metrics_schema,
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
        layout: The run's rows: replicate ids, random streams and design points (default: a plain
            ensemble, row ``r`` being replicate ``r``).
        model: A batch function to run instead of sanctionsim's model, with
            :func:`~sanctionsim.experiments.ensemble.run_batch`'s signature and tables (tests plug in
            closed-form models); ``None`` runs the model.
    """

    config: dict[str, Any]
    config_hash: str
    seed: int
    record: str
    outcomes: tuple[tuple[str, bool], ...] = ()
    layout: Layout | None = None
    model: Callable[..., tuple[pd.DataFrame, ...]] | None = None


@dataclass(frozen=True)
class Part:
    """A finished batch.

    Attributes:
        index: The batch's number.
        start: Its first replicate.
        stop: One past its last replicate.
        files: Each table (``metrics``, ``flows``, ``events``, ``inputs``) as Parquet bytes.
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
    """Simulate rows ``start`` to ``stop - 1`` of the plan's layout and return the batch's tables and
    outcomes.

    Raises:
        ValueError: If a metric or flow is not a finite number, or an event drives a value out of range.
    """
    rows = range(start, stop)
    layout = plan.layout or Layout.plain(stop)
    ids, streams, design = layout.ids(rows), layout.streams(rows), layout.design(rows)
    point = layout.point(rows)
    if plan.model is not None:
        frames = plan.model(plan.config, plan.seed, ids, streams=streams, design=design)
        return _frames_part(plan, index, start, stop, frames, point, first=ids[0])
    config = _config(plan)
    model = SanctionsModel(
        config=config,
        seed=plan.seed,
        replicates=ids,
        streams=streams,
        design=design,
        record_flows=plan.record != "metrics",
    )
    inputs = inputs_frame(model, design=design or ())  # what each replicate starts with
    model.run()
    rec, s = model.recorder, model.world.structure
    values = rec.metric_values()
    _refuse_non_finite(values, rec.names, ids[0], "metric")
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
    tables["inputs"] = _inputs_table(inputs, point)
    outcomes = _outcomes(plan, values, rec.names)
    del model, rec, values  # the model's agents and world refer to each other: free them now,
    gc.collect()  # not when the collector next runs (memory stays flat batch after batch)
    return _part(index, start, stop, tables, outcomes)


def _part(index: int, start: int, stop: int, tables: dict[str, pa.Table], outcomes: np.ndarray) -> Part:
    files = {name: parquet_bytes(table) for name, table in tables.items()}
    return Part(
        index=index,
        start=start,
        stop=stop,
        files=files,
        sha256={name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
        rows={name: table.num_rows for name, table in tables.items()},
        outcomes=outcomes,
    )


def _outcomes(plan: RunPlan, values: np.ndarray, names: list[str]) -> np.ndarray:
    """Each replicate's outcome of the plan's summary metrics (NaN for a metric the run lacks)."""
    column = {name: k for k, name in enumerate(names)}
    outcomes = np.full((values.shape[0], len(plan.outcomes)), np.nan)
    for j, (name, flow) in enumerate(plan.outcomes):
        if name in column:
            series = values[:, :, column[name]]
            outcomes[:, j] = rowsum(series) if flow else series[:, -1]
    return outcomes


def _inputs_table(inputs: pd.DataFrame, point: np.ndarray) -> pa.Table:
    """The inputs of a batch (replicate, stream, parameters) with each row's design point."""
    keys = [f.name for f in INPUT_FIELDS]
    frame = inputs.assign(point=np.asarray(point, dtype=np.int32))
    params = [c for c in frame.columns if c not in keys]
    return frame_to_table(frame[keys + params], inputs_schema(params), table="inputs")


def _frames_part(
    plan: RunPlan,
    index: int,
    start: int,
    stop: int,
    frames: tuple[pd.DataFrame, ...],
    point: np.ndarray,
    *,
    first: int,
) -> Part:
    """A batch from a plugged-in model's pandas tables (metrics, flows, events, inputs)."""
    metrics, flows, events, inputs = frames
    keys = [f.name for f in KEY_FIELDS]
    names = [str(c) for c in metrics.columns if c not in keys]
    r, t = stop - start, int(metrics["month"].max()) + 1 if len(metrics) else 0
    ordered = metrics.sort_values(["replicate", "month"], kind="stable")
    values = ordered[names].to_numpy(dtype=np.float64).reshape(r, t, len(names))
    _refuse_non_finite(values, names, first, "metric")
    schema = flows_schema("flows" if plan.record == "flows" else "full")
    tables = {
        "metrics": frame_to_table(ordered, metrics_schema(names), table="metrics"),
        "flows": frame_to_table(flows, schema, table="flows") if len(flows) else schema.empty_table(),
        "events": frame_to_table(events, EVENTS_SCHEMA, table="events")
        if len(events)
        else EVENTS_SCHEMA.empty_table(),
        "inputs": _inputs_table(inputs, point),
    }
    return _part(index, start, stop, tables, _outcomes(plan, values, names))


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
