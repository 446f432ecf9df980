"""Monthly delivered value of trade flows, stacked by good and by route, with interdictions.

Each row of the flows table is one shipment; its ``value`` (USD) is the shipped
quantity at the deal price, so the delivered (interdicted) value of a row is
``value * delivered / shipped`` (``value * interdicted / shipped``). Values are
summed per replicate and month, months or categories with no shipment count as
zero, and the median across replicates is plotted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.typing import ColorType

from sanctionsim.goods import GOOD_NAMES
from sanctionsim.plotting.style import (
    ResultsLike,
    compact_axis,
    empty_panel,
    finish,
    format_date_axis,
    new_figure,
    run_title,
)

#: Columns of the flows table this module reads.
FLOW_COLUMNS: tuple[str, ...] = (
    "replicate",
    "date",
    "good",
    "route",
    "shipped",
    "delivered",
    "interdicted",
    "value",
)

_Y_LABEL = "Delivered value (USD/month)"


def plot_flows(results: ResultsLike, *, out: Path | str | None = None, dpi: int | None = None) -> Figure:
    """Plot the median monthly delivered value stacked by good and by route, and the interdicted value.

    An empty flows table gives a figure with annotated empty panels.

    Args:
        results: A :class:`sanctionsim.results.Results` (or anything with the
            same ``metrics`` and ``flows`` tables and ``manifest``).
        out: If given, also write the figure there (``.png``, ``.svg`` or ``.pdf``).
        dpi: Resolution when written.

    Returns:
        The figure.

    Raises:
        ValueError: If a non-empty flows table lacks a required column.
    """
    flows = results.flows
    if flows is not None and len(flows) > 0:
        missing = [c for c in FLOW_COLUMNS if c not in flows.columns]
        if missing:
            raise ValueError(f"flows table lacks columns: {', '.join(missing)}")
    fig = new_figure(figsize=(11.0, 7.5))
    ax_good, ax_route = fig.subplots(2, 1, sharex=True)
    fig.suptitle(run_title(results, "Delivered value of flows, median of monthly sums"), fontsize=12)
    replicates, dates = _grid(results.metrics, flows)

    if flows is None or len(flows) == 0:
        for ax, title in ((ax_good, "By good"), (ax_route, "By route")):
            _style_panel(ax, title)
            empty_panel(ax, message="No flows recorded: nothing was shipped in any run", dates=dates)
        return finish(fig, out, dpi=dpi)

    frame = _with_values(flows)
    interdicted = _median_total(frame, "interdicted_value", replicates, dates)
    present = set(frame["good"])
    extra_goods = sorted(present - set(GOOD_NAMES))
    goods_order = [g for g in GOOD_NAMES if g in present] + extra_goods
    routes_order = sorted(set(frame["route"]))
    # A good keeps its colour whatever else is shipped: colours follow the registry order.
    good_colors = _colors([*GOOD_NAMES, *extra_goods], "tab10")
    route_colors = _colors(routes_order, "tab20")
    for ax, by, order, colors, title in (
        (ax_good, "good", goods_order, good_colors, "By good"),
        (ax_route, "route", routes_order, route_colors, "By route"),
    ):
        _style_panel(ax, title)
        medians = _median_by(frame, by, order, replicates, dates)
        _stack(ax, medians, colors=colors)
        if interdicted.gt(0).any():
            ax.plot(
                interdicted.index,
                interdicted.to_numpy(),
                color="black",
                linestyle="--",
                linewidth=1.4,
                label="interdicted (all goods)",
            )
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax_route.set_xlim(float(mdates.date2num(dates[0])), float(mdates.date2num(dates[-1])))
    return finish(fig, out, dpi=dpi)


def _style_panel(ax: Axes, title: str) -> None:
    ax.set_title(title, fontsize=10, loc="left")
    ax.set_ylabel(_Y_LABEL, fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(True, alpha=0.3, linewidth=0.5)
    format_date_axis(ax)
    ax.xaxis.set_tick_params(labelbottom=True)


def _grid(metrics: pd.DataFrame | None, flows: pd.DataFrame | None) -> tuple[np.ndarray, pd.DatetimeIndex]:
    """Return every replicate and every month of the run, from both tables."""
    replicates: set[int] = set()
    dates: set[pd.Timestamp] = set()
    for table in (metrics, flows):
        if table is None or len(table) == 0:
            continue
        if "replicate" in table.columns:
            replicates.update(int(r) for r in table["replicate"].unique())
        if "date" in table.columns:
            dates.update(pd.to_datetime(table["date"].unique()))
    return np.array(sorted(replicates), dtype=np.int64), pd.DatetimeIndex(sorted(dates), name="date")


def _with_values(flows: pd.DataFrame) -> pd.DataFrame:
    """Return the flows with ``delivered_value`` and ``interdicted_value`` columns in USD."""
    shipped = flows["shipped"].to_numpy(dtype="float64")
    value = flows["value"].to_numpy(dtype="float64")
    unit_value = np.divide(value, shipped, out=np.zeros_like(value), where=shipped > 0)
    return pd.DataFrame(
        {
            "replicate": flows["replicate"].astype("int64").to_numpy(),
            "date": pd.to_datetime(flows["date"]).to_numpy(),
            "good": flows["good"].astype(str).to_numpy(),
            "route": flows["route"].astype(str).to_numpy(),
            "delivered_value": unit_value * flows["delivered"].to_numpy(dtype="float64"),
            "interdicted_value": unit_value * flows["interdicted"].to_numpy(dtype="float64"),
        }
    )


def _median_by(
    frame: pd.DataFrame, by: str, order: Sequence[str], replicates: np.ndarray, dates: pd.DatetimeIndex
) -> pd.DataFrame:
    """Median across replicates of the per-month delivered value of each category (dates x categories)."""
    sums = frame.groupby(["replicate", "date", by])["delivered_value"].sum()
    full = pd.MultiIndex.from_product([replicates, dates, list(order)], names=["replicate", "date", by])
    sums = sums.reindex(full, fill_value=0.0)
    medians = sums.groupby(level=["date", by]).median().unstack(by)
    return medians.reindex(index=dates, columns=list(order), fill_value=0.0)


def _median_total(
    frame: pd.DataFrame, column: str, replicates: np.ndarray, dates: pd.DatetimeIndex
) -> pd.Series:
    """Median across replicates of the per-month total of ``column``."""
    sums = frame.groupby(["replicate", "date"])[column].sum()
    full = pd.MultiIndex.from_product([replicates, dates], names=["replicate", "date"])
    return sums.reindex(full, fill_value=0.0).groupby(level="date").median().reindex(dates, fill_value=0.0)


def _stack(ax: Axes, medians: pd.DataFrame, *, colors: dict[str, ColorType]) -> None:
    """Draw a stacked area of the non-zero columns, or say that every median is zero."""
    shown = [c for c in medians.columns if medians[c].gt(0).any()]
    if not shown:
        empty_panel(ax, message="Median delivered value is zero in every month", dates=medians.index)
        return
    ax.stackplot(
        medians.index,
        *(medians[c].to_numpy() for c in shown),
        labels=shown,
        colors=[colors[c] for c in shown],
        alpha=0.85,
        linewidth=0.3,
        edgecolor="white",
    )
    ax.set_ylim(bottom=0)
    compact_axis(ax, prefix="$")


def _colors(categories: Iterable[str], cmap: str) -> dict[str, ColorType]:
    """Give each category a fixed colour from a qualitative colormap, in category order."""
    palette = colormaps[cmap]
    n = getattr(palette, "N", 10)
    return {c: palette(i % n) for i, c in enumerate(categories)}
