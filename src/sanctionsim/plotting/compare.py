"""Figures of a policy comparison: bands of every scenario, fans of paired differences, effect bars.

All three read a :class:`sanctionsim.analysis.effects.Comparison`:

- :func:`plot_bands`: each metric over time, every scenario's median and
  10–90% band on one axis;
- :func:`plot_difference_fan`: each metric's paired difference (policy − base,
  replicate by replicate) over time, as a median with 50% and 90% bands;
- :func:`plot_effects`: horizontal bars of each policy's median effect with its
  90% interval, as a relative change of the base median.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sanctionsim.formatting import format_number, format_percent, format_probability
from sanctionsim.metrics import describe
from sanctionsim.plotting.style import (
    DEFAULT_QUANTILES,
    LINE_COLOR,
    band_label,
    compact_axis,
    empty_panel,
    finish,
    format_date_axis,
    metric_title,
    new_figure,
    quantile_bands,
)

if TYPE_CHECKING:
    from sanctionsim.analysis.effects import Comparison

__all__ = ["plot_bands", "plot_difference_fan", "plot_effects", "scenario_colors"]

#: Panels per row of the small multiples.
MAX_COLUMNS: int = 3

#: Inner and outer band of the difference fan.
FAN_INNER: tuple[float, float, float] = (0.25, 0.5, 0.75)
FAN_OUTER: tuple[float, float, float] = (0.05, 0.5, 0.95)


def scenario_colors(names: Sequence[str]) -> dict[str, str]:
    """Colours of scenarios: the base (first) in the package's line colour, policies from ``tab10``."""
    palette = [colormaps["tab10"](i) for i in (1, 2, 3, 4, 6, 8, 9, 5)]
    out = {names[0]: LINE_COLOR} if names else {}
    for i, name in enumerate(names[1:]):
        r, g, b, _ = palette[i % len(palette)]
        out[name] = f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
    return out


def _grid(n: int) -> tuple[int, int]:
    ncols = max(1, min(MAX_COLUMNS, math.ceil(math.sqrt(n))))
    return ncols, max(1, math.ceil(n / ncols))


def _panel(ax: Axes, metric: str, actors: Sequence[str]) -> None:
    ax.set_title(metric_title(metric, actors, width=44), fontsize=9, loc="left")
    ax.tick_params(labelsize=8)
    format_date_axis(ax)
    ax.grid(True, alpha=0.3, linewidth=0.5)


def _subtitle(comparison: Comparison) -> str:
    m = comparison.manifest
    return f"{m.get('runs')} runs, seed {m.get('seed')}, common random numbers"


def plot_bands(
    comparison: Comparison,
    *,
    out: Path | str | None = None,
    metrics: Sequence[str] | None = None,
    dpi: int | None = None,
) -> Figure:
    """Plot each metric over time with every scenario's median and 10–90% band on one axis.

    Args:
        comparison: The comparison.
        out: If given, also write the figure there (``.png``, ``.svg`` or ``.pdf``).
        metrics: Metrics to show (default: the comparison's metrics).
        dpi: Resolution when written.

    Returns:
        The figure.
    """
    names = list(comparison.metrics if metrics is None else metrics)
    scenarios = list(comparison.results)
    colors = scenario_colors(scenarios)
    actors = comparison.results[comparison.base].actors
    ncols, nrows = _grid(len(names))
    fig = new_figure(figsize=(4.6 * ncols, 2.9 * nrows + 0.8))
    axes = np.asarray(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, metric in zip(axes, names, strict=False):
        _panel(ax, metric, actors)
        ax.set_ylabel(describe(metric, actors).unit, fontsize=8)
        drawn = False
        for name in scenarios:
            table = comparison.results[name].metrics
            bands = quantile_bands(table, metric, DEFAULT_QUANTILES)
            if not bands["median"].notna().any():
                continue
            dates = bands.index.to_numpy()
            ax.fill_between(dates, bands["low"], bands["high"], color=colors[name], alpha=0.15, linewidth=0)
            ax.plot(dates, bands["median"], color=colors[name], linewidth=1.5, label=name)
            drawn = True
        if drawn:
            compact_axis(ax)
        else:
            empty_panel(ax, message="no values")
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        labels = [f"{lab} (base)" if lab == comparison.base else lab for lab in labels]
        fig.legend(handles, labels, loc="outside lower center", ncols=min(4, len(labels)), fontsize=8)
    fig.suptitle(
        f"Metrics by scenario: median and {band_label(DEFAULT_QUANTILES)}\n{_subtitle(comparison)}",
        fontsize=12,
    )
    return finish(fig, out, dpi=dpi)


def plot_difference_fan(
    comparison: Comparison,
    *,
    out: Path | str | None = None,
    metrics: Sequence[str] | None = None,
    dpi: int | None = None,
) -> Figure:
    """Plot each policy's paired difference from the base over calendar time, as a fan.

    For every month the fan shows the median of the per-replicate differences
    (policy − base) and their 50% and 90% bands, with a line at zero.

    Args:
        comparison: The comparison.
        out: If given, also write the figure there (``.png``, ``.svg`` or ``.pdf``).
        metrics: Metrics to show (default: the comparison's metrics).
        dpi: Resolution when written.

    Returns:
        The figure.
    """
    names = list(comparison.metrics if metrics is None else metrics)
    policies = comparison.others
    colors = scenario_colors(list(comparison.results))
    actors = comparison.results[comparison.base].actors
    ncols, nrows = _grid(len(names))
    fig = new_figure(figsize=(4.6 * ncols, 2.9 * nrows + 0.8))
    axes = np.asarray(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for ax, metric in zip(axes, names, strict=False):
        _panel(ax, metric, actors)
        ax.set_ylabel(f"Δ {describe(metric, actors).unit}", fontsize=8)
        ax.axhline(0.0, color="0.2", linewidth=0.9, zorder=1)
        for name in policies:
            diffs = comparison.differences(name)
            outer = quantile_bands(diffs, metric, FAN_OUTER)
            inner = quantile_bands(diffs, metric, FAN_INNER)
            dates = outer.index.to_numpy()
            ax.fill_between(dates, outer["low"], outer["high"], color=colors[name], alpha=0.15, linewidth=0)
            ax.fill_between(dates, inner["low"], inner["high"], color=colors[name], alpha=0.3, linewidth=0)
            ax.plot(
                dates, outer["median"], color=colors[name], linewidth=1.5, label=f"{name} − {comparison.base}"
            )
        compact_axis(ax)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(labels)), fontsize=8)
    fig.suptitle(
        f"Paired difference from {comparison.base}: median, 50% and 90% of replicates\n"
        f"{_subtitle(comparison)}",
        fontsize=12,
    )
    return finish(fig, out, dpi=dpi)


def _bar_note(row: pd.Series) -> str:
    p = f"{row['p_label']} {format_probability(row['p_good'])}"
    if math.isfinite(row["rel_change"]):
        return f"{format_percent(row['rel_change'])} [{format_percent(row['rel_p05'])}, " + (
            f"{format_percent(row['rel_p95'])}], {p}"
        )
    return f"Δ {format_number(row['median_diff'])} {row['unit']} (base median 0), {p}"


def plot_effects(comparison: Comparison, *, out: Path | str | None = None, dpi: int | None = None) -> Figure:
    """Plot each policy's effect on each metric as a bar with its 90% interval.

    Bars show the median paired difference of the outcome (horizon total of a
    flow, final value of a level) as a percentage of the base median, and the
    whiskers its 5–95% interval. A metric whose base median is 0 has no
    relative change: its row shows the absolute median difference as text.
    The right-hand labels give each bar's numbers and P(good direction).

    Args:
        comparison: The comparison.
        out: If given, also write the figure there (``.png``, ``.svg`` or ``.pdf``).
        dpi: Resolution when written.

    Returns:
        The figure.
    """
    effects = comparison.effects
    metrics = list(dict.fromkeys(effects["metric"]))
    policies = comparison.others
    colors = scenario_colors(list(comparison.results))
    k = max(1, len(policies))
    height = 0.8 / k
    fig = new_figure(figsize=(11.0, 0.9 + 0.55 * len(metrics) * max(1.0, 0.7 * k) + 1.2))
    ax = fig.subplots()
    if effects.empty:
        empty_panel(ax, message="No effects to show")
        return finish(fig, out, dpi=dpi)
    notes: list[tuple[float, str]] = []
    for j, name in enumerate(policies):
        rows = effects[effects["scenario"] == name].set_index("metric")
        for i, metric in enumerate(metrics):
            if metric not in rows.index:
                continue
            row = rows.loc[metric]
            y = i + (j - (k - 1) / 2) * height
            notes.append((y, _bar_note(row)))
            if not math.isfinite(row["rel_change"]):
                ax.plot([0.0], [y], marker="x", color=colors[name])
                continue
            lo, hi = 100.0 * row["rel_p05"], 100.0 * row["rel_p95"]
            med = 100.0 * row["rel_change"]
            ax.barh(
                y, med, height=height * 0.9, color=colors[name], alpha=0.8, label=name if i == 0 else None
            )
            ax.errorbar(
                med, y, xerr=[[med - lo], [hi - med]], fmt="none", ecolor="0.15", elinewidth=1.0, capsize=3
            )
    ax.axvline(0.0, color="0.2", linewidth=0.9)
    stats = effects.drop_duplicates("metric").set_index("metric")["stat"]
    actors = comparison.results[comparison.base].actors
    ax.set_yticks(
        range(len(metrics)), labels=[f"{metric_title(m, actors, width=40)}\n({stats[m]})" for m in metrics]
    )
    ax.set_ylim(len(metrics) - 0.5, -0.5)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(True, axis="x", alpha=0.3, linewidth=0.5)
    ax.set_xlabel(
        f"Change vs {comparison.base} median (%): median of paired differences, whiskers 5–95% of replicates",
        fontsize=9,
    )
    right = ax.twinx()
    right.set_ylim(ax.get_ylim())
    right.set_yticks([y for y, _ in notes], labels=[t for _, t in notes], fontsize=7)
    right.tick_params(axis="y", length=0)
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(3, len(labels)), fontsize=8)
    fig.suptitle(f"Policy effects vs {comparison.base}\n{_subtitle(comparison)}", fontsize=12)
    return finish(fig, out, dpi=dpi)
