"""The tie matrix over time: one panel per pair of actors, and heatmaps of its first and last month.

Ties are the pair metrics ``tie_{a}_{b}`` (``a`` before ``b`` in scenario
order), each in [-1, 1]. The panels show the median across replicates and the
10–90% band on a common y axis; the heatmaps show the median tie of each pair
in the first and the last month of the run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from sanctionsim.plotting.style import (
    DEFAULT_QUANTILES,
    ResultsLike,
    actors_of,
    draw_band,
    empty_panel,
    finish,
    format_date_axis,
    new_figure,
    quantile_bands,
    run_title,
)

#: Diverging colormap of the heatmaps: red for hostile ties, blue for friendly ones.
TIE_CMAP: str = "RdBu"

#: Panels per row of the small multiples.
MAX_COLUMNS: int = 3


def tie_metric(a: str, b: str) -> str:
    """Return the metric name of the tie between actors ``a`` and ``b`` (``a`` first in scenario order)."""
    return f"tie_{a.lower()}_{b.lower()}"


def plot_ties(results: ResultsLike, *, out: Path | str | None = None, dpi: int | None = None) -> Figure:
    """Plot every pair's tie over time, and the median tie matrix in the first and last month.

    Pairs whose tie column is missing from the metrics table are left out of
    the small multiples and shown blank in the heatmaps.

    Args:
        results: A :class:`sanctionsim.results.Results` (or anything with the
            same ``metrics`` table and ``manifest``).
        out: If given, also write the figure there (``.png``, ``.svg`` or ``.pdf``).
        dpi: Resolution when written.

    Returns:
        The figure.
    """
    actors = actors_of(results)
    table = results.metrics
    pairs = [(a, b) for i, a in enumerate(actors) for b in actors[i + 1 :]]
    present = [(a, b) for a, b in pairs if tie_metric(a, b) in table.columns]

    ncols = max(1, min(MAX_COLUMNS, len(present)))
    nrows = max(1, math.ceil(len(present) / ncols))
    fig = new_figure(figsize=(4.2 * max(ncols, 2) + 0.6, 2.4 * nrows + 4.2))
    top, bottom = np.asarray(fig.subfigures(2, 1, height_ratios=[2.4 * nrows, 4.0])).ravel()
    _pair_panels(top, results, present, nrows=nrows, ncols=ncols)
    _heatmaps(bottom, table, actors)
    fig.suptitle(run_title(results, "Ties between actors"), fontsize=12)
    return finish(fig, out, dpi=dpi)


def _pair_panels(
    fig: Figure, results: ResultsLike, pairs: Sequence[tuple[str, str]], *, nrows: int, ncols: int
) -> None:
    """Draw one median-and-band panel per pair on a shared [-1, 1] y axis."""
    axes = fig.subplots(nrows, ncols, squeeze=False, sharey=True).ravel()
    if not pairs:
        dates = _dates(results.metrics)
        format_date_axis(axes[0])
        empty_panel(axes[0], message="No tie metrics in the results", dates=dates)
        return
    for ax, (a, b) in zip(axes, pairs, strict=False):
        bands = quantile_bands(results.metrics, tie_metric(a, b), DEFAULT_QUANTILES)
        format_date_axis(ax)
        if bands["median"].notna().any():
            ax.axhline(0.0, color="0.5", linewidth=0.8)
            draw_band(ax, bands, q=DEFAULT_QUANTILES)
        else:
            empty_panel(ax, message="no values", dates=bands.index)
        ax.set_ylim(-1.05, 1.05)
        ax.set_yticks([-1.0, -0.5, 0.0, 0.5, 1.0])
        ax.set_title(f"{a}–{b}", fontsize=10, loc="left")
        ax.tick_params(labelsize=8)
        ax.grid(True, alpha=0.3, linewidth=0.5)
    for ax in axes[len(pairs) :]:
        ax.set_visible(False)
    for row in range(nrows):
        axes[row * ncols].set_ylabel("Tie (index [-1, 1])", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside upper right", ncols=2, fontsize=8, frameon=False)


def median_tie_matrix(table: pd.DataFrame, actors: Sequence[str], date: pd.Timestamp) -> np.ndarray:
    """Return the median across replicates of every tie at one date, as a symmetric matrix.

    Args:
        table: A metrics table with ``date`` and ``tie_{a}_{b}`` columns.
        actors: Actor codes in scenario order.
        date: The month to summarise.

    Returns:
        An ``(n, n)`` array; the diagonal and pairs without a column are NaN.
    """
    rows = table[pd.to_datetime(table["date"]) == date]
    n = len(actors)
    matrix = np.full((n, n), np.nan)
    for i, a in enumerate(actors):
        for j in range(i + 1, n):
            name = tie_metric(a, actors[j])
            if name in rows.columns and len(rows):
                matrix[i, j] = matrix[j, i] = float(rows[name].median())
    return matrix


def _heatmaps(fig: Figure, table: pd.DataFrame, actors: Sequence[str]) -> None:
    """Draw the median tie matrix of the first and the last month side by side, with a colour bar."""
    axes = fig.subplots(1, 2)
    dates = _dates(table)
    if len(dates) == 0:
        for ax in axes:
            empty_panel(ax, message="No months in the results")
        return
    image: AxesImage | None = None
    for ax, date, which in ((axes[0], dates[0], "First month"), (axes[1], dates[-1], "Last month")):
        matrix = median_tie_matrix(table, actors, date)
        image = tie_heatmap(ax, matrix, actors)
        ax.set_title(f"{which}: {date:%b %Y} (median tie)", fontsize=10)
    if image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.85, label="Tie (index [-1, 1])")


def _dates(table: pd.DataFrame) -> pd.DatetimeIndex:
    """Return the distinct months of a metrics table, sorted."""
    if "date" not in table.columns or len(table) == 0:
        return pd.DatetimeIndex([], name="date")
    return pd.DatetimeIndex(pd.to_datetime(table["date"]).unique(), name="date").sort_values()


def tie_heatmap(ax: Axes, matrix: np.ndarray, actors: Sequence[str], *, scale: float = 1.0) -> AxesImage:
    """Draw one annotated tie matrix on a diverging scale ``[-scale, scale]``.

    Args:
        ax: The axes to draw on.
        matrix: An ``(n, n)`` array of ties (or of differences of ties); NaN cells are grey and ``—``.
        actors: Actor codes labelling rows and columns.
        scale: Half-width of the colour scale (1 for ties, smaller for differences).

    Returns:
        The image, for a colour bar.
    """
    cmap = colormaps[TIE_CMAP].with_extremes(bad="0.92")
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=-scale, vmax=scale)
    ticks = np.arange(len(actors))
    ax.set_xticks(ticks, labels=list(actors), fontsize=9)
    ax.set_yticks(ticks, labels=list(actors), fontsize=9)
    ax.tick_params(length=0)
    for i in range(len(actors)):
        for j in range(len(actors)):
            value = matrix[i, j]
            text = "—" if np.isnan(value) else f"{value:+.2f}"
            color = "white" if not np.isnan(value) and abs(value) > 0.6 * scale else "black"
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color=color)
    return image
