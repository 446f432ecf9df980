"""Matplotlib figures from a :class:`sanctionsim.results.Results` object, written as PNG files.

Figures render off screen (``Agg`` backend) and are written atomically. The
functions read only the documented Results contract: the ``metrics`` and
``flows`` tables and the ``manifest`` (``scenario``, ``runs`` and
``config.actors``).

Example:
    >>> from sanctionsim.plotting import plot_all
    >>> paths = plot_all(results, out_dir=Path("figures"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sanctionsim.atomic import make_parents
from sanctionsim.metrics import KEY_METRICS
from sanctionsim.plotting.flows import plot_flows
from sanctionsim.plotting.style import ResultsLike, axis_label, quantile_bands, save
from sanctionsim.plotting.ties import plot_ties
from sanctionsim.plotting.timeseries import plot_metrics


def plot_all(results: ResultsLike, *, out_dir: Path, metrics: Sequence[str] | None = None) -> list[Path]:
    """Write the standard figures of a run: ``metrics.png``, ``flows.png`` and ``ties.png``.

    Args:
        results: A :class:`sanctionsim.results.Results`.
        out_dir: Folder for the figures; created if missing.
        metrics: Metrics for ``metrics.png``; defaults to :data:`KEY_METRICS`.

    Returns:
        The paths written, in that order.

    Raises:
        ValueError: If a metric name is unknown or missing from the results.
    """
    folder = Path(out_dir)
    make_parents(folder / "metrics.png", "write")  # one clear line if a file is in the way
    return [
        plot_metrics(results, KEY_METRICS if metrics is None else metrics, out=folder / "metrics.png"),
        plot_flows(results, out=folder / "flows.png"),
        plot_ties(results, out=folder / "ties.png"),
    ]


__all__ = [
    "KEY_METRICS",
    "ResultsLike",
    "axis_label",
    "plot_all",
    "plot_flows",
    "plot_metrics",
    "plot_ties",
    "quantile_bands",
    "save",
]
