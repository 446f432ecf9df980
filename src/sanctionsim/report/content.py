"""What a report shows, gathered once and rendered as HTML or Markdown.

:func:`collect` reads its inputs (a comparison folder written by
``sanctionsim compare``, or plain results folders, the first being the base),
computes the effects table and the storylines, draws the figures, and returns
a :class:`ReportContent` of plain strings and PNG bytes. The renderers only lay
it out, so both formats show exactly the same numbers, formatted by
:func:`sanctionsim.formatting.format_effect`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sanctionsim.analysis.effects import (
    Comparison,
    effect_records,
    from_results,
    load_comparison,
    unique_names,
)
from sanctionsim.formatting import format_effect, format_number, format_percent, format_probability
from sanctionsim.metrics import KEY_METRICS, label
from sanctionsim.report.storylines import storylines
from sanctionsim.results import Results, load_results
from sanctionsim.results.comparison import is_comparison_folder

__all__ = ["Figure", "ReportContent", "Table", "collect", "load_inputs"]

#: Package versions listed in the run summary, in order.
VERSION_KEYS: tuple[str, ...] = ("python", "sanctionsim", "mesa", "numpy", "pandas", "pyarrow")

#: Most headline sentences per policy.
MAX_HEADLINES: int = 5


@dataclass(frozen=True)
class Table:
    """A table of display strings.

    Attributes:
        columns: Column headings.
        rows: Rows of cell strings, one per column.
        keys: Optional per-row identifiers (``data-*`` attributes in HTML).
        numeric: Indices of right-aligned (numeric) columns.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    keys: tuple[dict[str, str], ...] = ()
    numeric: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Figure:
    """A figure: file stem, title, caption and PNG bytes."""

    name: str
    title: str
    caption: str
    png: bytes


@dataclass(frozen=True)
class ReportContent:
    """Everything a report shows, as display strings and images."""

    title: str
    intro: str
    runs: Table
    effects: Table | None
    headlines: dict[str, list[str]]
    figures: list[Figure]
    storylines: dict[str, Table]
    footer: str
    meta: dict[str, Any] = field(default_factory=dict)


def load_inputs(paths: Sequence[str | os.PathLike[str]]) -> tuple[dict[str, Results], Comparison | None]:
    """Read a report's inputs: one comparison folder, or one or more results folders.

    Results folders are compared, the first as the base, after checking they
    share seed, runs, months and start.

    Returns:
        The runs by name (base first) and the comparison (``None`` for a single run).

    Raises:
        ValueError: If no path is given, a comparison folder is mixed with other
            paths, or the results folders cannot be paired.
        FileNotFoundError: If a folder is missing or incomplete.
    """
    folders = [Path(p) for p in paths]
    if not folders:
        raise ValueError("report needs a comparison folder or one or more results folders")
    marked = [f for f in folders if is_comparison_folder(f)]
    if marked:
        if len(folders) > 1:
            raise ValueError(
                f"{marked[0]} is a comparison folder; pass it alone, or pass plain results folders"
            )
        comparison = load_comparison(folders[0])
        return comparison.results, comparison
    runs = [load_results(f) for f in folders]
    named = dict(zip(unique_names([str(r.manifest.get("scenario", "run")) for r in runs]), runs, strict=True))
    if len(named) == 1:
        return named, None
    comparison = from_results(named, metrics=KEY_METRICS)
    return comparison.results, comparison


def _short(value: Any, n: int = 12) -> str:
    return "n/a" if not value else str(value)[:n]


def _runs_table(runs: dict[str, Results]) -> Table:
    rows = []
    for name, res in runs.items():
        m = res.manifest
        versions = m.get("versions") or {}
        git = _short(m.get("git_revision"))
        if m.get("git_dirty"):
            git += " (dirty)"
        overrides = ", ".join(m.get("overrides") or []) or "none"
        rows.append(
            (
                name,
                str(m.get("scenario", "")),
                str(m.get("runs", "")),
                str(m.get("seed", "")),
                str(m.get("months", "")),
                str(m.get("start", "")),
                _short(m.get("config_hash")),
                git,
                ", ".join(f"{k} {versions[k]}" for k in VERSION_KEYS if versions.get(k)),
                overrides,
                str(m.get("created", "")),
            )
        )
    columns = (
        "Run",
        "Scenario",
        "Runs",
        "Seed",
        "Months",
        "Start",
        "Config hash",
        "Git revision",
        "Versions",
        "Overrides",
        "Created",
    )
    return Table(columns=columns, rows=tuple(rows), numeric=frozenset({2, 3, 4}))


def _effects_table(comparison: Comparison) -> Table:
    rows, keys = [], []
    actors = comparison.results[comparison.base].actors
    for row in effect_records(comparison.effects):
        f = format_effect(row)
        rows.append(
            (
                str(row["scenario"]),
                label(str(row["metric"]), actors),
                f"{row['stat']}, {row['unit']}",
                f["base_median"],
                f["median_diff"],
                f["interval"],
                f["rel_change"],
                f["rel_interval"],
                f"{row['p_label']} = {f['p_good']}",
                str(row["n"]),
            )
        )
        keys.append({"scenario": str(row["scenario"]), "metric": str(row["metric"])})
    columns = (
        "Policy",
        "Metric",
        "Outcome",
        "Base median",
        "Median difference",
        "90% interval",
        "Relative change",
        "Relative 90% interval",
        "P(good direction)",
        "Pairs",
    )
    return Table(
        columns=columns, rows=tuple(rows), keys=tuple(keys), numeric=frozenset({3, 4, 5, 6, 7, 8, 9})
    )


def _headline(row: dict[str, Any], actors: Sequence[str]) -> str:
    p = f"{row['p_label']} = {format_probability(row['p_good'])}"
    name = label(str(row["metric"]), actors)
    if row["rel_change"] == row["rel_change"]:  # not NaN
        return (
            f"{name} ({row['stat']}): {format_percent(row['rel_change'])} "
            f"(90% interval {format_percent(row['rel_p05'])} to {format_percent(row['rel_p95'])}), {p}"
        )
    return (
        f"{name} ({row['stat']}): {format_number(row['median_diff'])} {row['unit']} "
        f"(90% interval {format_number(row['diff_p05'])} to {format_number(row['diff_p95'])}), {p}"
    )


def _headlines(comparison: Comparison) -> dict[str, list[str]]:
    """The clearest effects of each policy.

    Metrics whose 90% interval of the paired difference excludes zero come
    first, then the others that moved in some replicate; each group is sorted
    by the size of the median relative change.
    """
    out: dict[str, list[str]] = {}
    actors = comparison.results[comparison.base].actors
    for name in comparison.others:
        rows = [r for r in effect_records(comparison.effects) if r["scenario"] == name]
        moved = [r for r in rows if r["diff_p05"] != 0 or r["diff_p95"] != 0]
        moved.sort(
            key=lambda r: (
                not (r["diff_p05"] > 0 or r["diff_p95"] < 0),
                -abs(r["rel_change"]) if r["rel_change"] == r["rel_change"] else 0.0,
                -abs(r["rel_p95"] - r["rel_p05"]) if r["rel_p05"] == r["rel_p05"] else 0.0,
            )
        )
        out[name] = [_headline(r, actors) for r in moved[:MAX_HEADLINES]] or [
            "No metric differs from the base."
        ]
    return out


def _share(share: float) -> str:
    """A share as a percentage without needless decimals: ``100%``, ``37.5%``."""
    return f"{100.0 * share:.1f}".removesuffix(".0") + "%"


def _storyline_table(results: Results) -> Table:
    frame = storylines(results)
    rows = []
    for r in frame.to_dict(orient="records"):
        fired = r["replicates"] > 0
        span = (
            r["first_date"] if r["first_date"] == r["last_date"] else f"{r['first_date']} to {r['last_date']}"
        )
        rows.append(
            (
                str(r["event"]),
                str(r["kind"]),
                f"{_share(r['share'])} ({r['replicates']} of {r['runs']})",
                str(r["median_date"]) if fired else "never fired",
                span if fired else "",
                str(r["description"]),
            )
        )
    columns = ("Event", "Kind", "Fired in", "Median month", "First firing, range", "Description")
    return Table(columns=columns, rows=tuple(rows), numeric=frozenset({2}))


def _figures(runs: dict[str, Results], comparison: Comparison | None) -> list[Figure]:
    from sanctionsim.plotting.compare import plot_bands, plot_difference_fan, plot_effects
    from sanctionsim.plotting.style import figure_bytes
    from sanctionsim.plotting.timeseries import plot_metrics

    if comparison is None:
        only = next(iter(runs.values()))
        specs = [
            (
                "metrics",
                "Metrics over time",
                "Median and 10–90% band across replicates.",
                plot_metrics(only, KEY_METRICS),
            )
        ]
    else:
        specs = [
            (
                "effects",
                "Policy effects",
                "Median paired difference of each outcome (horizon total of a flow, final value of a "
                "level) as a change of the base median, with its 5–95% interval across replicates.",
                plot_effects(comparison),
            ),
            (
                "bands",
                "Metrics by scenario",
                "Each scenario's median and 10–90% band across replicates, month by month.",
                plot_bands(comparison),
            ),
            (
                "difference_fan",
                "Paired differences over time",
                "Policy minus base, replicate by replicate: median, 50% and 90% of replicates.",
                plot_difference_fan(comparison),
            ),
        ]
    return [Figure(name, title, caption, figure_bytes(fig, fmt="png")) for name, title, caption, fig in specs]


def collect(paths: Sequence[str | os.PathLike[str]]) -> ReportContent:
    """Gather a report's content from a comparison folder or results folders.

    Raises:
        ValueError: For inputs that cannot be read or paired (see :func:`load_inputs`).
        FileNotFoundError: If a folder is missing or incomplete.
    """
    runs, comparison = load_inputs(paths)
    from sanctionsim import __version__

    base = next(iter(runs))
    if comparison is None:
        title = f"sanctionsim report: {base}"
        intro = "One run of one scenario: its metrics over time and the events that fired."
    else:
        title = f"sanctionsim comparison: {', '.join(comparison.others)} vs {base}"
        intro = (
            f"Every scenario ran with the same seed and replicates, so replicate i of each policy used "
            f"the same random numbers as replicate i of the base ({base}) and differs only where the "
            f"policy acts (common random numbers). Effects are the per-replicate paired differences of "
            f"each outcome (policy minus base): the horizon total of a flow, the final value of a level. "
            f"The tables give their median, 90% interval (5th to 95th percentile), the same relative to "
            f"the base median, and the share of replicates in which the difference lies in the metric's "
            f"good direction for the sanctioning bloc."
        )
    m = runs[base].manifest
    return ReportContent(
        title=title,
        intro=intro,
        runs=_runs_table(runs),
        effects=_effects_table(comparison) if comparison is not None else None,
        headlines=_headlines(comparison) if comparison is not None else {},
        figures=_figures(runs, comparison),
        storylines={name: _storyline_table(res) for name, res in runs.items()},
        footer=(
            f"Made by sanctionsim {__version__} on "
            f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} from "
            f"{', '.join(str(Path(p)) for p in paths)}."
        ),
        meta={
            "seed": m.get("seed"),
            "runs": m.get("runs"),
            "months": m.get("months"),
            "start": m.get("start"),
        },
    )
