"""Figures of exploratory analyses: ranked sensitivity bars, and a PRIM box with its trajectory."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from sanctionsim.analysis.discovery import Discovery
from sanctionsim.analysis.sensitivity import Sensitivity
from sanctionsim.plotting.style import LINE_COLOR, finish, new_figure

__all__ = ["plot_discovery", "plot_sensitivity"]

#: Second colour: first-order indices, sigma, the chosen box.
ACCENT = "#c55a11"
#: What each method's bars are called.
_LABELS = {
    "sobol": ("total index ST", "first-order index S1"),
    "morris": ("mu* (mean |elementary effect|)", "sigma (interactions, non-linearity)"),
    "factorial": ("main effect", None),
    "trees": ("extra-trees feature score", None),
}


def _wrap(text: str, width: int = 90) -> str:
    """Lines of at most ``width`` characters, broken at spaces (a long word stays whole)."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)) or text


def plot_sensitivity(
    result: Sensitivity,
    *,
    out: Path | str | None = None,
    title: str | None = None,
    dpi: int | None = None,
) -> Figure:
    """A horizontal bar per parameter, ranked, with the score's confidence interval.

    Sobol: total (ST) and first-order (S1) indices side by side; Morris: mu* and sigma; other
    methods: one score. Whiskers are the ``conf_level`` intervals SALib (or the trees) give.
    """
    table = result.table.iloc[::-1]  # highest at the top
    n = len(table)
    fig = new_figure(figsize=(8.0, 1.6 + 0.45 * n))
    ax = fig.add_subplot(1, 1, 1)
    y = np.arange(n, dtype=float)
    main, second = _LABELS[result.method]
    cols = {"sobol": ("ST", "S1"), "morris": ("mu_star", "sigma")}.get(result.method, (result.score, None))
    height = 0.38 if cols[1] else 0.6
    err = table[result.interval].to_numpy(dtype=float) if result.interval else None
    ax.barh(y + (height / 2 if cols[1] else 0), table[cols[0]], height=height, color=LINE_COLOR, label=main)
    if err is not None:
        ax.errorbar(
            table[cols[0]],
            y + (height / 2 if cols[1] else 0),
            xerr=err,
            fmt="none",
            ecolor="black",
            capsize=3,
        )
    if cols[1]:
        ax.barh(y - height / 2, table[cols[1]], height=height, color=ACCENT, label=second)
        if result.method == "sobol":
            ax.errorbar(
                table["S1"], y - height / 2, xerr=table["S1_conf"], fmt="none", ecolor="black", capsize=3
            )
    ax.set_yticks(y, [_wrap(str(p), 40) for p in table["parameter"]])
    ax.axvline(0, color="0.3", linewidth=0.8)
    ax.legend(loc="lower right", fontsize=8)
    unit = {"sobol": "share of variance", "morris": "outcome per parameter range"}.get(result.method, "")
    ax.set_xlabel(f"{main}{f' ({unit})' if unit else ''}; whiskers: {result.conf_level:.0%} interval")
    ax.grid(axis="x", alpha=0.3)
    head = title or f"{result.method} sensitivity of {result.metric}"
    size = (
        f"{result.points} runs"
        if result.method == "trees"
        else f"{result.points} points x {result.replicates} replicates"
    )
    ax.set_title(_wrap(f"{head} ({size})", 75), fontsize=10)
    return finish(fig, out, dpi=dpi)


def plot_discovery(
    result: Discovery,
    *,
    out: Path | str | None = None,
    title: str | None = None,
    dpi: int | None = None,
) -> Figure:
    """Left: the peeling trajectory, coverage against density, coloured by the number of restricted
    parameters, the chosen box marked. Right: the chosen box's limits on each restricted parameter,
    as a share of the range sampled, with their quasi-p-values."""
    fig = new_figure(figsize=(11.0, 4.8))
    left, right = fig.subplots(1, 2, width_ratios=(1.0, 1.2))
    t = result.trajectory
    points = left.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=22, zorder=3)
    left.plot(t["coverage"], t["density"], color="0.6", linewidth=0.8, zorder=2)
    left.scatter(
        [result.coverage],
        [result.density],
        s=160,
        facecolors="none",
        edgecolors=ACCENT,
        linewidths=2,
        zorder=4,
    )
    left.annotate(
        f"chosen box {int(t['box'].iloc[result.chosen])}\n"
        f"coverage {result.coverage:.2f}, density {result.density:.2f}",
        (result.coverage, result.density),
        textcoords="offset points",
        xytext=(-10, -34) if result.coverage >= 0.5 else (10, -34),
        ha="right" if result.coverage >= 0.5 else "left",
        fontsize=8,
        color=ACCENT,
    )
    fig.colorbar(points, ax=left, label="restricted parameters")
    left.set_xlabel("coverage: share of the hits inside the box")
    left.set_ylabel("density: share of the box that hits")
    left.set_xlim(-0.02, 1.02)
    left.set_ylim(-0.02, 1.02)
    left.grid(alpha=0.3)
    left.set_title("peeling trajectory", fontsize=10)
    lim = result.limits
    if lim.empty:
        right.text(0.5, 0.5, "the chosen box restricts no parameter", ha="center", va="center", color="0.35")
        right.set_axis_off()
    else:
        rows = np.arange(len(lim))[::-1]
        span = (lim["max"] - lim["min"]).replace(0, np.nan)
        lo = ((lim["low"] - lim["min"]) / span).to_numpy(dtype=float)
        hi = ((lim["high"] - lim["min"]) / span).to_numpy(dtype=float)
        right.barh(rows, np.ones(len(lim)), color="0.9", height=0.5)
        right.barh(rows, hi - lo, left=lo, color=LINE_COLOR, height=0.5)
        for r, row in zip(rows, lim.itertuples(), strict=True):
            qps = [f"qp {q:.2g}" for q in (row.qp_low, row.qp_high) if np.isfinite(q)]
            right.text(
                1.02,
                r,
                f"{row.low:.3g} .. {row.high:.3g}\n{', '.join(qps)}",
                va="center",
                fontsize=8,
                transform=right.get_yaxis_transform(),
            )
        right.set_yticks(rows, [_wrap(str(p), 32) for p in lim["parameter"]])
        right.set_xlim(0, 1)
        right.set_xlabel("share of the range sampled (grey) kept in the box (blue)")
        right.set_title("chosen box", fontsize=10)
    head = title or f"where {result.condition} holds"
    fig.suptitle(_wrap(f"{head}: {result.share:.0%} of {result.n} replicates"), fontsize=11)
    return finish(fig, out, dpi=dpi)
