"""Matplotlib figures from a :class:`sanctionsim.results.Results` object.

Every plot function returns a :class:`matplotlib.figure.Figure` and writes a file only when given
``out=`` (PNG, SVG or PDF, by its suffix; atomically). Importing the package never selects or
changes the matplotlib backend, and figures are not registered with pyplot: a notebook shows a
returned figure inline, a script saves it (``fig.savefig`` or :func:`save`). The functions read
only the documented Results contract: the ``metrics`` and ``flows`` tables and the ``manifest``
(``scenario``, ``runs`` and ``config.actors``).

Example:
    >>> from sanctionsim.plotting import plot_metrics
    >>> fig = plot_metrics(results, ["shells_prk_to_rus", "tie_rus_prk"])  # doctest: +SKIP
    >>> paths = plot_all(results, out_dir=Path("figures"), fmt="svg")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from sanctionsim.atomic import make_parents
from sanctionsim.metrics import KEY_METRICS
from sanctionsim.plotting.flows import plot_flows
from sanctionsim.plotting.style import (
    DPI,
    FORMATS,
    ResultsLike,
    axis_label,
    figure_format,
    metric_title,
    quantile_bands,
    save,
)
from sanctionsim.plotting.ties import plot_ties
from sanctionsim.plotting.timeseries import plot_metrics


def standard_figures(results: ResultsLike, *, metrics: Sequence[str] | None = None) -> dict[str, Figure]:
    """The standard figures of a run, by file stem: ``metrics``, ``flows`` and ``ties``.

    Args:
        results: A :class:`sanctionsim.results.Results`.
        metrics: Metrics of the ``metrics`` figure; defaults to :data:`KEY_METRICS`.

    Raises:
        ValueError: If a metric name is unknown or missing from the results.
    """
    return {
        "metrics": plot_metrics(results, KEY_METRICS if metrics is None else metrics),
        "flows": plot_flows(results),
        "ties": plot_ties(results),
    }


def plot_all(
    results: ResultsLike,
    *,
    out_dir: Path | str,
    metrics: Sequence[str] | None = None,
    fmt: str = "png",
    dpi: int | None = None,
) -> list[Path]:
    """Write the standard figures of a run: ``metrics``, ``flows`` and ``ties``, as ``fmt`` files.

    Args:
        results: A :class:`sanctionsim.results.Results`.
        out_dir: Folder for the figures; created if missing.
        metrics: Metrics for the ``metrics`` figure; defaults to :data:`KEY_METRICS`.
        fmt: ``png``, ``svg`` or ``pdf``.
        dpi: Resolution of PNG figures (default :data:`~sanctionsim.plotting.style.DPI`).

    Returns:
        The paths written, in that order.

    Raises:
        ValueError: If a metric name is unknown or missing from the results, or for another format;
            nothing is written then.
    """
    folder = Path(out_dir)
    suffix = figure_format(folder / f"metrics.{fmt}", fmt)
    figures = standard_figures(results, metrics=metrics)
    make_parents(folder / f"metrics.{suffix}", "write")  # one clear line if a file is in the way
    return [save(fig, folder / f"{stem}.{suffix}", dpi=dpi) for stem, fig in figures.items()]


__all__ = [
    "DPI",
    "FORMATS",
    "KEY_METRICS",
    "ResultsLike",
    "axis_label",
    "metric_title",
    "plot_all",
    "plot_flows",
    "plot_metrics",
    "plot_ties",
    "quantile_bands",
    "save",
    "standard_figures",
]
