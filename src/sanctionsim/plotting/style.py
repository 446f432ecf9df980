"""Shared plotting helpers: figures, quantile bands, labels, date axes and atomic saving.

Every figure module builds its figures through :func:`new_figure` and writes
them, when asked, with :func:`save`, so resolution, formats and file handling
live in one place.

Figures are :class:`matplotlib.figure.Figure` objects made without
:mod:`matplotlib.pyplot`: the package never selects or changes the matplotlib
backend, keeps no global figure state (figures are freed when dropped, and
threads do not share them), and a notebook shows a returned figure inline once
(:class:`SanctionsFigure` renders itself as PNG for IPython). Save one with
:func:`save` or ``fig.savefig``.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sanctionsim import metrics as metric_registry
from sanctionsim.atomic import write_bytes
from sanctionsim.constants import FIGURE_DPI, FIGURE_FORMATS

#: Resolution of the PNGs the package writes, unless asked for another (``--dpi``).
DPI: int = FIGURE_DPI

#: The file formats figures are written in, by file suffix.
FORMATS: tuple[str, ...] = FIGURE_FORMATS

#: Metadata that changes from one save to the next (the date), left out: figure files carry no time stamp.
_NO_DATES: dict[str, dict[str, Any]] = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}

#: Default quantiles: lower band edge, median, upper band edge.
DEFAULT_QUANTILES: tuple[float, float, float] = (0.1, 0.5, 0.9)

#: Colour of median lines and of their bands.
LINE_COLOR: str = "#1f4e79"

_SCALES: tuple[tuple[float, str], ...] = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


class ResultsLike(Protocol):
    """What the plotting functions read from a :class:`sanctionsim.results.Results`.

    See ``docs/architecture.md`` for the full data contract.
    """

    @property
    def metrics(self) -> pd.DataFrame:
        """One row per (replicate, month): ``replicate``, ``month``, ``date``, then one column per metric."""
        ...

    @property
    def flows(self) -> pd.DataFrame:
        """One row per shipment with ``shipped > 0``."""
        ...

    @property
    def manifest(self) -> Mapping[str, Any]:
        """Run description; at least ``scenario``, ``config`` (with ``actors``), ``seed`` and ``runs``."""
        ...


def actors_of(results: ResultsLike) -> list[str]:
    """Return the actor codes of a run, in scenario order (see :func:`sanctionsim.results.actors_of`)."""
    from sanctionsim.results import actors_of as manifest_actors

    return manifest_actors(results.manifest)


def runs_of(results: ResultsLike) -> int:
    """Return the number of replicates: ``manifest["runs"]``, else the distinct replicates in the metrics."""
    runs = results.manifest.get("runs")
    if runs is not None:
        return int(runs)
    frame = results.metrics
    return int(frame["replicate"].nunique()) if "replicate" in frame else 0


def run_title(results: ResultsLike, subject: str) -> str:
    """Return a figure title naming the subject, the scenario, the number of runs and the months shown.

    The months matter because concise date ticks label a year only at its January: a run starting
    in August 2023 would otherwise never show "2023".
    """
    scenario = results.manifest.get("scenario", "unnamed scenario")
    runs = runs_of(results)
    span = ""
    dates = results.metrics.get("date")
    if dates is not None and len(dates):
        span = f", {pd.Timestamp(dates.min()):%b %Y} to {pd.Timestamp(dates.max()):%b %Y}"
    return f"{subject} — {scenario} ({runs} run{'s' if runs != 1 else ''}{span})"


def quantile_bands(df: pd.DataFrame, metric: str, q: Sequence[float] = DEFAULT_QUANTILES) -> pd.DataFrame:
    """Summarise one metric across replicates, month by month.

    Args:
        df: A metrics table with a ``date`` column and a column called ``metric``.
        metric: The column to summarise.
        q: Three increasing quantiles: lower band edge, centre line, upper band edge.

    Returns:
        A frame indexed by ``date`` (sorted) with columns ``low``, ``median`` and
        ``high``. Missing values are skipped; a month with none gives NaN.

    Raises:
        ValueError: If ``q`` is not three increasing numbers in [0, 1] or the
            column is missing.
    """
    qs = [float(v) for v in q]
    if len(qs) != 3 or not all(0.0 <= v <= 1.0 for v in qs) or not qs[0] <= qs[1] <= qs[2]:
        raise ValueError(f"q must be three increasing quantiles in [0, 1], got {tuple(q)!r}")
    if metric not in df.columns:
        raise ValueError(f"metric {metric!r} is not a column of the metrics table")
    if "date" not in df.columns:
        raise ValueError("the metrics table has no 'date' column")
    frame = pd.DataFrame({"date": pd.to_datetime(df["date"]), "value": df[metric].astype("float64")})
    grouped = frame.groupby("date", sort=True)["value"]
    out = pd.DataFrame(
        {name: grouped.quantile(v) for name, v in zip(("low", "median", "high"), qs, strict=True)}
    )
    out.index.name = "date"
    return out


def band_label(q: Sequence[float] = DEFAULT_QUANTILES) -> str:
    """Return the legend label of a quantile band, e.g. ``"10–90% of runs"``."""
    return f"{q[0] * 100:g}–{q[-1] * 100:g}% of runs"


def axis_label(metric: str, actors: Sequence[str], *, width: int | None = None) -> str:
    """Return ``"Description (unit)"`` for a metric, from the registry.

    Args:
        metric: Metric name, e.g. ``"tech_prk"``.
        actors: The scenario's actor codes.
        width: If given, wrap the label onto lines of at most this many characters.

    Raises:
        ValueError: If the metric is unknown; the message lists the known names.
    """
    info = metric_registry.describe(metric, actors)
    if not width:
        return f"{info.description} ({info.unit})"
    # A non-breaking space keeps the unit on one line: textwrap splits only at ordinary spaces.
    unit = info.unit.replace(" ", "\N{NO-BREAK SPACE}")
    return textwrap.fill(f"{info.description} ({unit})", width=width, break_on_hyphens=False)


def format_date_axis(ax: Axes) -> None:
    """Give an axis calendar-date ticks with concise labels (``2024``, ``Apr``, ``Jul`` …).

    The x axis spans the data exactly (no margin), so the first tick is not a
    month before the run whose year is left unlabelled.
    """
    ax.set_xmargin(0.0)
    ax.autoscale_view(scaley=False)
    locator = mdates.AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


class CompactFormatter(ticker.Formatter):
    """Tick labels with thousand-scale suffixes (``250k``, ``1.5M``, ``2B``) and just enough decimals.

    Args:
        prefix: Text put before every label, e.g. ``"$"``.
    """

    def __init__(self, *, prefix: str = "") -> None:
        self.prefix = prefix
        self._div = 1.0
        self._suffix = ""
        self._decimals = 2

    def set_locs(self, locs: list[float]) -> None:
        """Choose the scale and the number of decimals from the tick positions."""
        super().set_locs(locs)
        values = np.asarray([v for v in locs if np.isfinite(v)], dtype=float)
        biggest = float(np.max(np.abs(values))) if values.size else 0.0
        self._div, self._suffix = next(((d, s) for d, s in _SCALES if biggest >= d), (1.0, ""))
        scaled = values / self._div
        self._decimals = next(
            (d for d in range(7) if np.allclose(np.round(scaled, d), scaled, rtol=0.0, atol=1e-9)), 6
        )

    def __call__(self, x: float, pos: int | None = None) -> str:
        """Format one tick value."""
        value = x / self._div + 0.0  # + 0.0 turns -0.0 into 0.0
        if value == 0.0:
            return f"{self.prefix}0"
        sign = "−" if value < 0 else ""
        return f"{sign}{self.prefix}{abs(value):.{self._decimals}f}{self._suffix}"


def compact_axis(ax: Axes, *, prefix: str = "") -> None:
    """Use :class:`CompactFormatter` on an axis's y ticks."""
    ax.yaxis.set_major_formatter(CompactFormatter(prefix=prefix))


class SanctionsFigure(Figure):
    """A matplotlib figure that a notebook (IPython) shows inline as a PNG.

    The figures are made without pyplot, so no backend's display hook knows them; this
    ``_repr_png_`` lets Jupyter show a figure returned as a cell's value, once, whatever the backend.
    """

    def _repr_png_(self) -> bytes:
        """The figure as PNG bytes, at :data:`DPI`."""
        return figure_bytes(self, fmt="png")


def new_figure(*, figsize: tuple[float, float]) -> Figure:
    """Return an empty figure with constrained layout (not registered with pyplot).

    Plot functions return it; :func:`save` writes it when asked.
    """
    return SanctionsFigure(figsize=figsize, layout="constrained")


def metric_title(metric: str, actors: Sequence[str], *, width: int | None = None) -> str:
    """The readable name of a metric for titles and tables: its description from the registry.

    Args:
        metric: Metric name, e.g. ``"shells_prk_to_rus"``.
        actors: The scenario's actor codes (descriptions name the actors that play each role).
        width: If given, wrap onto lines of at most this many characters.

    Raises:
        ValueError: If the metric is unknown; the message lists the known names.
    """
    text = metric_registry.label(metric, actors)
    return textwrap.fill(text, width=width, break_on_hyphens=False) if width else text


def figure_format(path: Path | str, fmt: str | None = None) -> str:
    """The format a figure is written in: ``fmt``, else the file's suffix; one of :data:`FORMATS`.

    Raises:
        ValueError: For another format, naming the file and the formats accepted.
    """
    chosen = (fmt or Path(path).suffix.lstrip(".")).lower()
    if chosen not in FORMATS:
        what = f"format {chosen!r}" if chosen else "no format (the file name has no suffix)"
        raise ValueError(f"{path}: {what}; expected a figure format, one of {', '.join(FORMATS)}")
    return chosen


def figure_bytes(fig: Figure, *, fmt: str = "png", dpi: int | None = None) -> bytes:
    """Render a figure to the bytes of a PNG, SVG or PDF file (SVG and PDF without a date in them)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=dpi or DPI, metadata=_NO_DATES.get(fmt))
    return buffer.getvalue()


def empty_panel(ax: Axes, *, message: str, dates: Sequence[Any] | pd.Index | None = None) -> None:
    """Mark an axis as having nothing to show, with the reason in its centre.

    Args:
        ax: The axis.
        message: Why there is nothing to show.
        dates: If given and not empty, the x axis spans these dates, so an empty
            panel still shows the months of the run; if given and empty, the
            x axis has no ticks.
    """
    if dates is not None and len(dates) > 0:
        span = pd.DatetimeIndex(list(dates))
        ax.set_xlim(float(mdates.date2num(span.min())), float(mdates.date2num(span.max())))
    elif dates is not None:
        ax.set_xticks([])
    ax.text(
        0.5,
        0.5,
        message,
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color="0.35",
        wrap=True,
    )
    ax.set_yticks([])


def save(fig: Figure, path: Path | str, *, fmt: str | None = None, dpi: int | None = None) -> Path:
    """Write a figure to a file atomically: PNG, SVG or PDF, by ``fmt`` or the file's suffix.

    The image is written to a hidden temporary file in the target folder and
    renamed over ``path``, so a reader never sees a half-written file. The
    folder is created if needed. The figure stays usable.

    Args:
        fig: The figure.
        path: Where to write it.
        fmt: ``png``, ``svg`` or ``pdf`` (default: the suffix of ``path``).
        dpi: Resolution of a PNG (and of images inside SVG and PDF); default :data:`DPI`.

    Returns:
        The path written.

    Raises:
        ValueError: For a format other than :data:`FORMATS`, before anything is written.
    """
    data = figure_bytes(fig, fmt=figure_format(path, fmt), dpi=dpi)
    return write_bytes(path, data)


def finish(fig: Figure, out: Path | str | None, *, dpi: int | None = None) -> Figure:
    """Return a plot function's figure, written to ``out`` first when given (see :func:`save`)."""
    if out is not None:
        save(fig, out, dpi=dpi)
    return fig


def draw_band(ax: Axes, bands: pd.DataFrame, *, q: Sequence[float] = DEFAULT_QUANTILES) -> None:
    """Draw a median line and its quantile band from :func:`quantile_bands` output."""
    dates = bands.index.to_numpy()
    ax.fill_between(
        dates,
        bands["low"].to_numpy(),
        bands["high"].to_numpy(),
        color=LINE_COLOR,
        alpha=0.2,
        linewidth=0,
        label=band_label(q),
    )
    ax.plot(dates, bands["median"].to_numpy(), color=LINE_COLOR, linewidth=1.6, label="median")
