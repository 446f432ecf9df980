"""Figures of validation and calibration: observed against simulated, and implausibility profiles.

- :func:`plot_validation`: one panel per observation, the ensemble's values (histogram) with its
  10-90% and 25-75% bands and median, and the observation marked in red: a line for a point, a
  hatched span for a range, a line with an arrow for a one-sided bound.
- :func:`plot_calibration`: one panel per calibrated parameter, every candidate's largest
  implausibility against its value, the threshold, the non-implausible range and the best value.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sanctionsim.formatting import format_number
from sanctionsim.plotting.style import LINE_COLOR, CompactFormatter, empty_panel, finish, new_figure

if TYPE_CHECKING:
    from sanctionsim.analysis.observations import Target

__all__ = ["plot_calibration", "plot_validation"]

#: Panels per row.
MAX_COLUMNS: int = 3
#: Most panels in one validation figure.
MAX_PANELS: int = 36
#: Colour of observations.
OBS_COLOR: str = "#c0392b"


def _grid(n: int) -> tuple[int, int]:
    cols = min(MAX_COLUMNS, max(n, 1))
    return math.ceil(max(n, 1) / cols), cols


def _observation(ax: Axes, target: Target, lo: float, hi: float) -> None:
    """Mark the observation on a panel whose x axis spans [lo, hi]."""
    kind = target.kind
    if kind == "point":
        ax.axvline(target.low, color=OBS_COLOR, lw=2, label="observed")
        return
    if kind == "interval":
        ax.axvspan(
            target.low,
            target.high,
            facecolor="none",
            edgecolor=OBS_COLOR,
            hatch="//",
            lw=1.2,
            label="observed range",
        )
        return
    edge = target.low if kind == "lower" else target.high
    ax.axvline(edge, color=OBS_COLOR, lw=2, label="observed bound")
    span = (hi - lo) * 0.25 * (1 if kind == "lower" else -1)
    y = ax.get_ylim()[1] * 0.85
    ax.annotate(
        "",
        xy=(edge + span, y),
        xytext=(edge, y),
        arrowprops={"arrowstyle": "->", "color": OBS_COLOR, "lw": 1.5},
    )


def _legend(axes: Sequence[Axes]) -> tuple[list[Any], list[str]]:
    """Legend entries of several panels, each label once."""
    seen: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    return list(seen.values()), list(seen)


def plot_validation(
    targets: Sequence[Target],
    values: Mapping[str, np.ndarray],
    table: pd.DataFrame,
    *,
    out: Path | str | None = None,
    title: str = "Observed against simulated",
    dpi: int | None = None,
) -> Figure:
    """Plot observed against simulated, one panel per observation.

    Args:
        targets: The observations scored.
        values: Each observation's value per replicate, keyed by target id.
        table: The validate table (:func:`sanctionsim.analysis.scoring.score_targets`).
        out: If given, also write the figure there (``.png``, ``.svg`` or ``.pdf``).
        title: Figure title.
        dpi: Resolution when written.

    Returns:
        The figure.

    At most :data:`MAX_PANELS` rows are drawn: the missed ones first, then those with the largest
    relative scores, in file order; the title says how many are shown.
    """
    if len(targets) > MAX_PANELS:
        ranked = table.assign(_missed=~table["overlap"].astype(bool)).sort_values(
            ["_missed", "relative_score"], ascending=False, kind="stable"
        )
        keep = set(ranked["id"].head(MAX_PANELS))
        title += f" (showing {MAX_PANELS} of {len(targets)} rows: misses and largest scores first)"
        targets = [t for t in targets if t.id in keep]
    rows_, cols = _grid(len(targets))
    fig = new_figure(figsize=(4.2 * cols, 2.4 * rows_ + 0.6))
    fig.suptitle(title)
    by_id = table.set_index("id")
    axes = fig.subplots(rows_, cols, squeeze=False).ravel()
    for ax in axes[len(targets) :]:
        ax.set_visible(False)
    if not targets:
        axes[0].set_visible(True)
        empty_panel(axes[0], message="no observation maps to a model quantity")
    for ax, t in zip(axes, targets, strict=False):
        x = np.asarray(values[t.id], dtype=float)
        x = x[np.isfinite(x)]
        row = by_id.loc[t.id]
        if x.size == 0:
            empty_panel(ax, message="no finite value in any run")
            ax.set_title(t.id, fontsize=9)
            continue
        ends = [v for v in (t.low, t.high) if math.isfinite(v)]
        lo, hi = min([*ends, float(x.min())]), max([*ends, float(x.max())])
        pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
        ax.hist(
            x,
            bins=min(40, max(10, x.size // 10)),
            range=(lo, hi),
            color="#d0d0d0",
            edgecolor="none",
            label="runs",
        )
        ax.axvspan(row["p10"], row["p90"], color=LINE_COLOR, alpha=0.15, label="10–90% of runs")
        ax.axvspan(row["p25"], row["p75"], color=LINE_COLOR, alpha=0.25, label="25–75%")
        ax.axvline(row["median"], color=LINE_COLOR, lw=1.5, label="median")
        ax.set_xlim(lo, hi)
        _observation(ax, t, lo, hi)
        ax.xaxis.set_major_formatter(CompactFormatter())
        ax.set_yticks([])
        verdict = "covered" if row["overlap"] else "missed"
        ax.set_title(
            f"{t.id}: {verdict}, PIT {row['pit']:.2f}",
            fontsize=9,
            color="black" if row["overlap"] else OBS_COLOR,
        )
        ax.set_xlabel(str(t.quantity), fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
    if targets:
        handles, labels = _legend(list(axes[: len(targets)]))
        fig.legend(handles, labels, loc="outside lower center", ncol=len(labels), fontsize=8, frameon=False)
    return finish(fig, out, dpi=dpi)


def plot_calibration(
    candidates: pd.DataFrame,
    parameters: Sequence[Any],
    *,
    best: Mapping[str, float],
    ranges: Mapping[str, tuple[float, float]],
    threshold: float,
    out: Path | str | None = None,
    title: str = "Calibration",
    dpi: int | None = None,
) -> Figure:
    """Plot the implausibility profile of a calibration, one panel per parameter.

    Args:
        candidates: One row per candidate: ``wave``, one column per parameter path and ``implausibility``.
        parameters: The calibrated parameters (objects with ``path``, ``low`` and ``high``).
        best: Best value per path.
        ranges: Non-implausible range per path.
        threshold: The implausibility cut-off.
        out: If given, also write the figure there (``.png``, ``.svg`` or ``.pdf``).
        title: Figure title.
        dpi: Resolution when written.

    Returns:
        The figure.
    """
    n = len(parameters)
    rows_, cols = _grid(n)
    fig = new_figure(figsize=(4.2 * cols, 3.0 * rows_ + 0.5))
    fig.suptitle(title)
    axes = fig.subplots(rows_, cols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.set_visible(False)
    waves = sorted(candidates["wave"].unique())
    cmap = colormaps["viridis"]
    cap = 4.0 * threshold
    imp = candidates["implausibility"].to_numpy(dtype=float)
    shown = np.where(np.isfinite(imp), np.minimum(imp, cap), cap)
    for ax, p in zip(axes, parameters, strict=False):
        for i, w in enumerate(waves):
            sel = (candidates["wave"] == w).to_numpy()
            ax.scatter(
                candidates.loc[sel, p.path],
                shown[sel],
                s=8,
                alpha=0.7,
                color=cmap(i / max(len(waves) - 1, 1)),
                label=f"wave {w}",
            )
        ax.axhline(threshold, color="black", ls="--", lw=1, label=f"threshold {threshold:g}")
        lo, hi = ranges[p.path]
        ax.axvspan(lo, hi, color=OBS_COLOR, alpha=0.12, label="not ruled out")
        ax.axvline(best[p.path], color=OBS_COLOR, lw=1.5, label="best")
        ax.set_ylim(0, cap * 1.05)
        ax.set_xlim(p.low, p.high)
        ax.xaxis.set_major_formatter(CompactFormatter())
        ax.set_xlabel(p.path, fontsize=8)
        ax.set_ylabel(f"largest implausibility (capped at {cap:g})", fontsize=8)
        ax.set_title(
            f"best {format_number(best[p.path])}, range {format_number(lo)}–{format_number(hi)}", fontsize=9
        )
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncol=min(len(labels), 7), fontsize=8, frameon=False
    )
    return finish(fig, out, dpi=dpi)
