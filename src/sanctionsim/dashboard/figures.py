"""The dashboard's matplotlib figures: metric bands, the flow network and the tie matrix.

Figures are built as bare :class:`matplotlib.figure.Figure` objects (no pyplot state, so
sessions and threads do not share figures) with the project's plotting helpers, and shown by
Solara as PNG images. The current configuration is blue, the pinned one orange.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch

from sanctionsim import metrics as metric_registry
from sanctionsim.formatting import format_number
from sanctionsim.plotting.style import (
    DEFAULT_QUANTILES,
    LINE_COLOR,
    band_label,
    compact_axis,
    empty_panel,
    format_date_axis,
    quantile_bands,
)
from sanctionsim.plotting.ties import tie_heatmap

#: Colour of the pinned configuration.
PINNED_COLOR: str = "#c55a11"
#: Panels per row of the metrics figure.
METRIC_COLUMNS: int = 5


def _band(ax: Axes, bands: pd.DataFrame, *, color: str, label: str) -> None:
    dates = bands.index.to_numpy()
    ax.fill_between(
        dates, bands["low"].to_numpy(), bands["high"].to_numpy(), color=color, alpha=0.18, linewidth=0
    )
    few = len(dates) < 3  # a line needs two points: mark them too
    ax.plot(
        dates,
        bands["median"].to_numpy(),
        color=color,
        linewidth=1.6,
        label=label,
        marker="o" if few else None,
        markersize=3,
    )


def metrics_figure(
    current: pd.DataFrame,
    pinned: pd.DataFrame | None,
    names: Sequence[str],
    actors: Sequence[str],
    *,
    span: tuple[pd.Timestamp, pd.Timestamp],
) -> Figure:
    """Small multiples of metrics: median and 10-90% band across replicates, current and pinned.

    Args:
        current: Metrics table of the current configuration so far.
        pinned: Metrics table of the pinned configuration, or ``None``.
        names: Metric names, one panel each.
        actors: Actor codes.
        span: First and last month of the horizon: the x axis shows the whole run from the start.
    """
    ncols = min(METRIC_COLUMNS, len(names))
    nrows = math.ceil(len(names) / ncols)
    fig = Figure(figsize=(2.5 * ncols, 2.3 * nrows + 0.5), layout="constrained")
    axes = np.asarray(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, name in zip(axes, names, strict=False):
        info = metric_registry.describe(name, actors)
        ax.set_title(textwrap.fill(info.description, width=32), fontsize=8, loc="left")
        ax.set_ylabel(info.unit, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(True, alpha=0.3, linewidth=0.5)
        if current.empty:
            empty_panel(ax, message="press Step", dates=list(span))
            continue
        if pinned is not None and not pinned.empty:
            _band(ax, quantile_bands(pinned, name, DEFAULT_QUANTILES), color=PINNED_COLOR, label="pinned")
        _band(ax, quantile_bands(current, name, DEFAULT_QUANTILES), color=LINE_COLOR, label="current")
        format_date_axis(ax)
        ax.set_xlim(span[0], span[1])
        compact_axis(ax)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        labels = [f"{lab}: median, band {band_label(DEFAULT_QUANTILES)}" for lab in labels]
        fig.legend(handles, labels, loc="outside upper right", ncols=2, fontsize=8, frameon=False)
    return fig


def network_figure(flows: pd.DataFrame, actors: Sequence[str], *, title: str) -> Figure:
    """Actors on a circle with an arrow per flow, its width growing with the median delivered value.

    Args:
        flows: From :func:`sanctionsim.dashboard.views.flow_matrix`.
        actors: Actor codes.
        title: Figure title (the month shown).
    """
    fig = Figure(figsize=(6.0, 4.6), layout="constrained")
    ax = fig.subplots()
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    ax.set_xlim(-1.45, 1.45)
    ax.set_ylim(-1.3, 1.3)
    ax.set_aspect("equal")
    angles = np.pi / 2 + 2 * np.pi * np.arange(len(actors)) / len(actors)
    where = {a: (float(np.cos(t)), float(np.sin(t))) for a, t in zip(actors, angles, strict=True)}
    for code, (x, y) in where.items():
        ax.scatter([x], [y], s=1500, color="#dce6f1", edgecolor=LINE_COLOR, zorder=3)
        ax.text(x, y, code, ha="center", va="center", fontsize=10, weight="bold", zorder=4)
    if flows.empty:
        ax.text(0, 0, "nothing delivered yet", ha="center", va="center", color="0.35")
        return fig
    biggest = float(flows["delivered_value"].max()) or 1.0
    for row in flows.itertuples():
        (x0, y0), (x1, y1) = where[row.src], where[row.dst]
        share = math.sqrt(max(float(row.delivered_value), 0.0) / biggest)
        arrow = FancyArrowPatch(
            (x0, y0),
            (x1, y1),
            connectionstyle="arc3,rad=0.18",
            arrowstyle="-|>",
            mutation_scale=10 + 10 * share,
            linewidth=0.6 + 6 * share,
            color=LINE_COLOR,
            alpha=0.75,
            shrinkA=24,
            shrinkB=24,
            zorder=2,
        )
        ax.add_patch(arrow)
        # label beside the arc's middle, on the side it bends to
        mx, my = (x0 + x1) / 2, (y0 + y1) / 2
        nx, ny = (y1 - y0), -(x1 - x0)
        norm = math.hypot(nx, ny) or 1.0
        lx, ly = mx + 0.3 * nx / norm, my + 0.3 * ny / norm
        text = f"${format_number(row.delivered_value)}"
        if row.main_good:
            text += f" ({row.main_good})"
        if row.interdicted_value > 0:
            text += f"\n${format_number(row.interdicted_value)} seized"
        ax.text(
            lx,
            ly,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="0.15",
            zorder=5,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.85},
        )
    return fig


def ties_figure(
    median: np.ndarray, difference: np.ndarray | None, actors: Sequence[str], *, title: str
) -> Figure:
    """The median tie matrix, and beside it the paired difference from the pinned configuration.

    Every cell is annotated with its value, so the pair of panels goes without colour bars.
    """
    if difference is None:
        fig = Figure(figsize=(5.2, 4.4), layout="constrained")
        ax = fig.subplots()
        fig.suptitle(title, fontsize=11)
        image = tie_heatmap(ax, median, actors, scale=1.0)
        ax.set_title("Median tie (index [-1, 1])", fontsize=9)
        fig.colorbar(image, ax=ax, shrink=0.8)
        return fig
    fig = Figure(figsize=(6.4, 3.9), layout="constrained")
    axes = fig.subplots(1, 2)
    fig.suptitle(title, fontsize=11)
    tie_heatmap(axes[0], median, actors, scale=1.0)
    axes[0].set_title("Median tie (index [-1, 1])", fontsize=9)
    finite = difference[np.isfinite(difference)]
    scale = max(0.05, float(np.max(np.abs(finite))) if finite.size else 0.05)
    tie_heatmap(axes[1], difference, actors, scale=scale)
    axes[1].set_title("Current minus pinned (paired median)", fontsize=9)
    return fig
