"""Other shapes of a run's metrics, for notebooks: a long table, an xarray Dataset, an HTML summary.

The metrics table is wide (one column per metric). Metrics that come in families, one per actor
(``gdp_rus``) or per pair of actors (``tie_rus_prk``), are one quantity measured for several
actors; these views give the actor a dimension of its own:

- :func:`long_metrics`: one row per (replicate, date, metric, actor) with the ``value``;
- :func:`to_xarray`: an :class:`xarray.Dataset` with one variable per quantity over
  ``replicate`` and ``date`` (and ``actor``, and ``counterpart`` for pairs);
- :func:`summary_html`: what a notebook shows for a :class:`~sanctionsim.results.Results`.

The families come from the metric registry (:mod:`sanctionsim.metrics`): the names here are the
names the model declares, not parsed from column names.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sanctionsim import metrics as metric_registry
from sanctionsim.formatting import format_number
from sanctionsim.model.result import Metric

if TYPE_CHECKING:
    import xarray as xr

    from sanctionsim.results.store import Results

__all__ = ["long_metrics", "metric_index", "summary_html", "to_xarray"]

#: Columns of the metrics table that are not metrics.
KEY_COLUMNS: tuple[str, ...] = ("replicate", "month", "date")


def metric_index(results: Results) -> dict[str, Metric]:
    """The :class:`~sanctionsim.model.result.Metric` of every metric column of a run, in table order.

    Columns the registry does not know (results written by an older version) are quantities of
    their own, without actors.
    """
    from sanctionsim.results.store import actors_of

    manifest = results.manifest
    scope = manifest.get("config") or actors_of(manifest)
    known = metric_registry.registry(scope)
    columns = [c for c in results.metrics.columns if c not in KEY_COLUMNS]
    return {c: known.get(c) or Metric(c, "", c) for c in columns}


def long_metrics(results: Results) -> pd.DataFrame:
    """The metrics table in long form.

    Returns:
        One row per (replicate, month, metric column): ``replicate``, ``month``, ``date``,
        ``metric`` (the quantity: ``gdp`` for ``gdp_rus``; a metric outside a family keeps its
        name), ``actor`` (``RUS``; ``""`` outside families), ``counterpart`` (the pair's second
        actor, else ``""``), ``value``. ``metric``, ``actor`` and ``counterpart`` are categoricals.
    """
    index = metric_index(results)
    wide = results.metrics
    long = wide.melt(id_vars=list(KEY_COLUMNS), value_vars=list(index), var_name="column", value_name="value")
    info = pd.DataFrame(
        [(c, m.quantity, m.actor, m.counterpart) for c, m in index.items()],
        columns=["column", "metric", "actor", "counterpart"],
    )
    out = long.merge(info, on="column", how="left").drop(columns="column")
    for col in ("metric", "actor", "counterpart"):
        out[col] = out[col].astype("category")
    return out[[*KEY_COLUMNS, "metric", "actor", "counterpart", "value"]]


def to_xarray(results: Results) -> xr.Dataset:
    """The metrics as an :class:`xarray.Dataset`.

    One data variable per quantity: a metric outside a family over (``replicate``, ``date``); a
    family of one metric per actor (``gdp``, ``stock_shells``) over (``replicate``, ``date``,
    ``actor``); a family of pairs (``tie``, ``recorded_trade``) over (``replicate``, ``date``,
    ``actor``, ``counterpart``), filled both ways (pairs are unordered) and NaN on the diagonal.
    Each variable's ``attrs`` hold its ``unit``, ``description`` and whether it is a ``flow``;
    ``month`` (0 = start) is a coordinate along ``date``.

    Example:
        >>> ds = results.to_xarray()  # doctest: +SKIP
        >>> ds["gdp"].sel(actor="PRK").median("replicate").plot()  # doctest: +SKIP
        >>> ds.to_dataarray("metric")  # every scalar metric along one "metric" dimension  # doctest: +SKIP
    """
    import xarray as xr

    from sanctionsim.results.store import actors_of

    wide = results.metrics
    index = metric_index(results)
    actors = actors_of(results.manifest)
    replicates, rep_pos = np.unique(wide["replicate"].to_numpy(), return_inverse=True)
    months, month_pos = np.unique(wide["month"].to_numpy(), return_inverse=True)
    dates = wide.drop_duplicates("month").set_index("month")["date"].reindex(months).to_numpy()
    shape = (len(replicates), len(months))

    def grid(column: str) -> np.ndarray:
        out = np.full(shape, np.nan)
        out[rep_pos, month_pos] = wide[column].to_numpy(dtype=float)
        return out

    groups: dict[str, list[tuple[str, Metric]]] = {}
    for column, metric in index.items():
        groups.setdefault(metric.quantity, []).append((column, metric))
    where = {a: i for i, a in enumerate(actors)}
    variables: dict[str, Any] = {}
    for quantity, members in groups.items():
        first = members[0][1]
        attrs = {"unit": first.unit, "description": _family_description(first), "flow": int(first.flow)}
        if not first.actor:
            variables[quantity] = (("replicate", "date"), grid(members[0][0]), attrs)
        elif not first.counterpart:
            values = np.full((*shape, len(actors)), np.nan)
            for column, metric in members:
                values[:, :, where[metric.actor]] = grid(column)
            variables[quantity] = (("replicate", "date", "actor"), values, attrs)
        else:
            values = np.full((*shape, len(actors), len(actors)), np.nan)
            for column, metric in members:
                i, j = where[metric.actor], where[metric.counterpart]
                values[:, :, i, j] = values[:, :, j, i] = grid(column)
            variables[quantity] = (("replicate", "date", "actor", "counterpart"), values, attrs)
    manifest = results.manifest
    return xr.Dataset(
        variables,
        coords={
            "replicate": replicates,
            "date": dates,
            "month": ("date", months),
            "actor": actors,
            "counterpart": actors,
        },
        attrs={k: str(manifest[k]) for k in ("scenario", "seed", "runs", "months", "start") if k in manifest},
    )


def _family_description(metric: Metric) -> str:
    """A family's description: a member's, without the actors it names at the end."""
    if metric.actor and metric.description.endswith(")"):
        return metric.description.rsplit(" (", 1)[0]
    return metric.description


def summary_html(results: Results, *, metrics: int | None = None) -> str:
    """A short HTML summary: the run, and each headline metric's median and 10–90% band over
    replicates in the run's last month.

    Args:
        results: The run.
        metrics: Show only the first this many headline metrics (default: all of them).
    """
    from sanctionsim.results.store import actors_of

    manifest: Mapping[str, Any] = results.manifest
    scope = manifest.get("config") or actors_of(manifest)
    esc = html.escape
    name = esc(str(manifest.get("scenario", "run")))
    facts = [
        ("runs", manifest.get("runs")),
        ("months", manifest.get("months")),
        ("start", manifest.get("start")),
        ("seed", manifest.get("seed")),
        ("folder", results.path),
    ]
    rows = "".join(
        f"<tr><th style='text-align:left'>{esc(k)}</th><td style='text-align:left'>{esc(str(v))}</td></tr>"
        for k, v in facts
        if v is not None
    )
    wide = results.metrics
    last = wide[wide["month"] == wide["month"].max()]
    shown = [m for m in metric_registry.key_metrics(scope) if m in wide.columns][:metrics]
    cells = []
    for m in shown:
        q = last[m].quantile([0.1, 0.5, 0.9]).to_numpy(dtype=float)
        label = esc(metric_registry.label(m, scope))
        cells.append(
            f"<tr><td style='text-align:left' title='{esc(m)}'>{label}</td>"
            f"<td>{format_number(q[1])}</td><td>{format_number(q[0])} – {format_number(q[2])}</td></tr>"
        )
    when = last["date"].iloc[0] if len(last) else None
    head = f"last month ({pd.Timestamp(when):%Y-%m})" if when is not None else "last month"
    return (
        f"<div><strong>sanctionsim results: {name}</strong>"
        f"<table>{rows}</table>"
        f"<table><thead><tr><th style='text-align:left'>{head}</th><th>median</th><th>10–90%</th></tr>"
        f"</thead><tbody>{''.join(cells)}</tbody></table>"
        "<p><code>.metrics</code>, <code>.flows</code>, <code>.events</code>, "
        "<code>.to_xarray()</code>, <code>.to_long()</code></p></div>"
    )
