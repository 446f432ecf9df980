"""Other shapes of a run's metrics, for notebooks: a long table, an xarray Dataset, an HTML summary.

The metrics table is wide (one column per metric). Metrics that come in families, one per actor
(``gdp_rus``) or per pair of actors (``tie_rus_prk``), are one quantity measured for several
actors; these views give the actor a dimension of its own:

- :func:`long_metrics`: one row per (replicate, date, metric, actor) with the ``value``;
- :func:`to_xarray`: an :class:`xarray.Dataset` with one variable per quantity over
  ``replicate`` and ``date`` (and ``actor``, and ``counterpart`` for pairs);
- :func:`summary_html`: what a notebook shows for a :class:`~sanctionsim.results.Results`.

What each column measures comes from the manifest's ``metrics`` (the model's own declarations,
recorded by the run: :func:`sanctionsim.metrics.catalogue`), not from parsing column names, so
these views read a results folder without the model. A column the manifest does not describe
(folders written before it did) is a quantity of its own.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from sanctionsim.formatting import format_number

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["long_metrics", "metric_index", "summary_html", "to_xarray"]

#: Columns of the metrics table that are not metrics.
KEY_COLUMNS: tuple[str, ...] = ("replicate", "month", "date")


class RunLike(Protocol):
    """What the views read of a :class:`~sanctionsim.results.Results`."""

    @property
    def metrics(self) -> pd.DataFrame: ...

    @property
    def actors(self) -> list[str]: ...

    manifest: dict[str, Any]
    path: Path | None


def metric_index(results: RunLike) -> dict[str, dict[str, Any]]:
    """What each metric column of a run measures, in table order (see the module docstring).

    Returns:
        Per column: ``quantity``, ``actor``, ``counterpart``, ``unit``, ``description``, ``flow``.
    """
    known = {str(m["name"]): m for m in results.manifest.get("metrics") or [] if isinstance(m, Mapping)}
    out = {}
    for column in (str(c) for c in results.metrics.columns if c not in KEY_COLUMNS):
        m = known.get(column, {})
        out[column] = {
            "quantity": str(m.get("quantity") or column),
            "actor": str(m.get("actor") or ""),
            "counterpart": str(m.get("counterpart") or ""),
            "unit": str(m.get("unit") or ""),
            "description": str(m.get("description") or column),
            "flow": bool(m.get("flow", False)),
        }
    return out


def long_metrics(results: RunLike) -> pd.DataFrame:
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
        [(c, m["quantity"], m["actor"], m["counterpart"]) for c, m in index.items()],
        columns=["column", "metric", "actor", "counterpart"],
    )
    out = long.merge(info, on="column", how="left").drop(columns="column")
    for col in ("metric", "actor", "counterpart"):
        out[col] = out[col].astype("category")
    return out[[*KEY_COLUMNS, "metric", "actor", "counterpart", "value"]]


def to_xarray(results: RunLike) -> xr.Dataset:
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
        >>> ds.to_dataarray("metric")  # every quantity along one "metric" dimension  # doctest: +SKIP
    """
    import xarray as xr

    wide = results.metrics
    index = metric_index(results)
    actors = results.actors
    replicates, rep_pos = np.unique(wide["replicate"].to_numpy(), return_inverse=True)
    months, month_pos = np.unique(wide["month"].to_numpy(), return_inverse=True)
    dates = wide.drop_duplicates("month").set_index("month")["date"].reindex(months).to_numpy()
    shape = (len(replicates), len(months))

    def grid(column: str) -> np.ndarray:
        out = np.full(shape, np.nan)
        out[rep_pos, month_pos] = wide[column].to_numpy(dtype=float)
        return out

    groups: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for column, metric in index.items():
        groups.setdefault(metric["quantity"], []).append((column, metric))
    where = {a: i for i, a in enumerate(actors)}
    variables: dict[str, Any] = {}
    for quantity, members in groups.items():
        first = members[0][1]
        attrs = {"unit": first["unit"], "description": _family_description(first), "flow": int(first["flow"])}
        if not first["actor"]:
            variables[quantity] = (("replicate", "date"), grid(members[0][0]), attrs)
        elif not first["counterpart"]:
            values = np.full((*shape, len(actors)), np.nan)
            for column, metric in members:
                values[:, :, where[metric["actor"]]] = grid(column)
            variables[quantity] = (("replicate", "date", "actor"), values, attrs)
        else:
            values = np.full((*shape, len(actors), len(actors)), np.nan)
            for column, metric in members:
                i, j = where[metric["actor"]], where[metric["counterpart"]]
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


def _family_description(metric: Mapping[str, Any]) -> str:
    """A family's description: a member's, without the actors it names at the end."""
    text = str(metric["description"])
    if metric["actor"] and text.endswith(")"):
        return text.rsplit(" (", 1)[0]
    return text


def summary_html(results: RunLike) -> str:
    """A short HTML summary: the run, and its key outcomes (the manifest's ``summary``: each key
    metric's median and 10–90% band over replicates, totals for flows and end values for levels)."""
    manifest: Mapping[str, Any] = results.manifest
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
    described = {str(m.get("name")): m for m in manifest.get("metrics") or [] if isinstance(m, Mapping)}
    cells = []
    for row in manifest.get("summary") or []:
        metric = str(row.get("metric"))
        label = esc(str(described.get(metric, {}).get("description") or metric))
        cells.append(
            f"<tr><td style='text-align:left' title='{esc(metric)}'>{label}</td>"
            f"<td>{esc(str(row.get('stat', '')))}</td><td>{esc(str(row.get('unit', '')))}</td>"
            f"<td>{format_number(row.get('median'))}</td>"
            f"<td>{format_number(row.get('p10'))} – {format_number(row.get('p90'))}</td></tr>"
        )
    outcomes = (
        "<table><thead><tr><th style='text-align:left'>outcome</th><th></th><th>unit</th>"
        f"<th>median</th><th>10–90%</th></tr></thead><tbody>{''.join(cells)}</tbody></table>"
        if cells
        else ""
    )
    return (
        f"<div><strong>sanctionsim results: {name}</strong><table>{rows}</table>{outcomes}"
        "<p><code>.metrics</code>, <code>.flows</code>, <code>.events</code>, <code>.inputs</code>, "
        "<code>.to_xarray()</code>, <code>.to_long()</code></p></div>"
    )
