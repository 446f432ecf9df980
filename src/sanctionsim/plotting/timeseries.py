"""Small-multiple time series of output metrics: median and band across replicates."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from sanctionsim import metrics as metric_registry
from sanctionsim.plotting.style import (
    DEFAULT_QUANTILES,
    ResultsLike,
    actors_of,
    compact_axis,
    draw_band,
    empty_panel,
    finish,
    format_date_axis,
    metric_title,
    new_figure,
    quantile_bands,
    run_title,
)

#: Panels per row of the grid.
MAX_COLUMNS: int = 3


def plot_metrics(
    results: ResultsLike, metrics: Sequence[str], *, out: Path | str | None = None, dpi: int | None = None
) -> Figure:
    """Plot one panel per metric: median over replicates and the 10–90% band, against calendar dates.

    Each panel is titled with the metric's description and its y axis gives the unit.

    Args:
        results: A :class:`sanctionsim.results.Results` (or anything with the
            same ``metrics`` table and ``manifest``).
        metrics: Metric names, e.g. ``["tech_prk", "leakage_ratio"]``.
        out: If given, also write the figure there (``.png``, ``.svg`` or ``.pdf``).
        dpi: Resolution when written (default :data:`~sanctionsim.plotting.style.DPI`).

    Returns:
        The figure.

    Raises:
        ValueError: If ``metrics`` is empty, a name is not a known metric (the
            message lists the known names) or a known metric is missing from
            the table.
    """
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    if not names:
        raise ValueError("no metrics to plot")
    actors = actors_of(results)
    table = results.metrics
    for name in names:
        metric_registry.describe(name, actors)  # raises ValueError listing the known names
        if name not in table.columns:
            raise ValueError(f"metric {name!r} is known but not in this results' metrics table")

    ncols = min(MAX_COLUMNS, math.ceil(math.sqrt(len(names))))
    nrows = math.ceil(len(names) / ncols)
    fig = new_figure(figsize=(4.6 * ncols, 2.9 * nrows + 0.5))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        bands = quantile_bands(table, name, DEFAULT_QUANTILES)
        ax.set_title(metric_title(name, actors, width=44), fontsize=9, loc="left")
        ax.set_ylabel(metric_registry.describe(name, actors).unit, fontsize=8)
        ax.tick_params(labelsize=8)
        format_date_axis(ax)
        if bands["median"].notna().any():
            draw_band(ax, bands, q=DEFAULT_QUANTILES)
            compact_axis(ax)
        else:
            empty_panel(ax, message="no values", dates=bands.index)
        ax.grid(True, alpha=0.3, linewidth=0.5)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside upper right", ncols=2, fontsize=8, frameon=False)
    fig.suptitle(run_title(results, "Metrics"), fontsize=12)
    return finish(fig, out, dpi=dpi)
