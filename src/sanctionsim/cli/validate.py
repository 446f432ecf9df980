"""``sanctionsim validate``, ``calibrate`` and ``backtest``: the model against observations.

- ``validate`` runs a scenario's ensemble and scores it against an observations file
  (``docs/observations.md``): per row the observation, the simulated median and 10-90% band, whether
  they overlap, a proper score and the PIT value; then coverage, mean scores and unanswered rows;
  and a figure, one panel per row.
- ``calibrate`` fits named parameters to the rows up to ``--until`` by history matching
  (``docs/calibration.md``) and writes a fitted scenario that extends the input, with its report.
- ``backtest`` calibrates on the rows up to ``--cutoff`` (or only validates, without ``--param``) and
  scores the rows after it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sanctionsim.cli.common import (
    confirm_size,
    console,
    err_console,
    handle_errors,
    print_json,
    print_table,
    progress_bar,
)
from sanctionsim.cli.run import Json, Root, Runs, ScenarioArg, Seed, Sets, Workers, Yes, load_named
from sanctionsim.experiments.backtest import backtest
from sanctionsim.experiments.calibrate import DISCREPANCY, THRESHOLD, Calibration, calibrate
from sanctionsim.experiments.estimate import estimate
from sanctionsim.experiments.validate import Validation, validate
from sanctionsim.formatting import format_number
from sanctionsim.scenario import Scenario

#: Short names of the score kinds in tables.
_KIND = {"crps": "CRPS", "interval": "IS", "brier": "Brier"}
#: Folder of default validation figures.
FIGURES_ROOT = Path("results")

ObservationsOpt = Annotated[
    Path,
    typer.Option("--observations", "-O", help="Observations file (CSV or YAML; docs/observations.md)."),
]
Params = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="Parameter to fit and its range: path=low:high (repeatable).",
        show_default=False,
    ),
]
Budget = Annotated[int, typer.Option("--budget", help="Calibration candidates in all.")]
Waves = Annotated[int, typer.Option("--waves", help="Waves (generations) of history matching.")]
Replicates = Annotated[int, typer.Option("--replicates", help="Runs per candidate (common random numbers).")]
Threshold = Annotated[float, typer.Option("--threshold", help="Implausibility that rules a candidate out.")]
Discrepancy = Annotated[
    float, typer.Option("--discrepancy", help="Model discrepancy, as a share of each observation's size.")
]
Figure = Annotated[
    Path | None,
    typer.Option(
        "--figure",
        help="PNG of observed against simulated (default: results/validate-<scenario>-<time>.png).",
    ),
]
NoFigure = Annotated[bool, typer.Option("--no-figure", help="Write no figure.")]
FittedOut = Annotated[
    Path | None, typer.Option("--out", "-o", help="Fitted scenario file (default: beside the input).")
]


@contextmanager
def wave_bar(description: str, *, enabled: bool) -> Iterator[Callable[[float, int, str], None]]:
    """A rich progress bar over waves on stderr; yields a ``(done, total, status)`` callback."""
    if not enabled:
        yield lambda done, total, text: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        auto_refresh=False,  # no refresh thread: worker processes are forked
    )
    with bar:
        task = bar.add_task(description, total=None, status="")
        bar.refresh()

        def update(done: float, total: int, text: str) -> None:
            bar.update(task, completed=done, total=total, status=text, refresh=True)

        yield update


def _confirm(sc: Scenario, *, runs: int, workers: int | None, yes: bool) -> None:
    """Refuse, after an estimate, work above the size limit without ``--yes`` (as ``run`` does):
    ``runs`` replicates of the scenario's horizon, in all."""
    confirm_size(estimate(runs=runs, months=sc.config.months, workers=workers, in_memory=True), yes=yes)


def _figure_path(name: str) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return FIGURES_ROOT / f"validate-{name.replace('/', '-')}-{stamp}.png"


def _write_figure(result: Validation, figure: Path | None, no_figure: bool, *, title: str) -> Path | None:
    if no_figure:
        return None
    from sanctionsim.plotting.validation import plot_validation

    path = figure or _figure_path(result.scenario.name)
    plot_validation(result.observations.targets, result.values, result.table, out=path, title=title)
    return path


def _validation_title(result: Validation, subject: str) -> str:
    cov = result.summary["coverage_80"]
    return (
        f"{subject}: {result.scenario.name} ({result.runs} runs); "
        f"10–90% band covers {cov:.0%} of {result.summary['answered']} rows"
    )


def _print_validation(result: Validation, *, title: str) -> None:
    view = Table(title=title)
    view.add_column("row", no_wrap=True)
    view.add_column("observed")
    for col in ("median", "10–90%", "overlap", "score", "PIT"):
        view.add_column(col, justify="right")
    for row in result.table.to_dict(orient="records"):
        pit = float(row["pit"])
        view.add_row(
            escape(str(row["id"])),
            escape(str(row["observed"])),
            format_number(row["median"]),
            f"{format_number(row['p10'])} – {format_number(row['p90'])}",
            "[green]yes[/]" if row["overlap"] else "[red]no[/]",
            f"{format_number(row['score'])} {_KIND[str(row['score_kind'])]}",
            "n/a" if math.isnan(pit) else f"{pit:.2f}",
        )
    print_table(view)
    s = result.summary

    def num(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3g}"

    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.0%}"

    console.print(
        f"coverage: {pct(s['coverage_50'])} of {s['answered']} answered rows overlap the 25–75% band, "
        f"{pct(s['coverage_80'])} the 10–90% band",
        soft_wrap=True,
    )
    console.print(
        f"mean relative score {num(s['mean_score'])} (CRPS {num(s['mean_crps'])}, interval "
        f"{num(s['mean_interval_score'])}, Brier {num(s['mean_brier'])}); mean PIT {num(s['mean_pit'])}",
        soft_wrap=True,
    )
    unanswered = result.observations.unanswered
    if unanswered:
        rows = "row" if len(unanswered) == 1 else "rows"
        console.print(
            f"unanswered: {len(unanswered)} {rows} ({escape(', '.join(r.id for r in unanswered))}); "
            "see their model_note",
            soft_wrap=True,
        )
    else:
        console.print("unanswered: 0 rows", soft_wrap=True)


def _print_fit(fit: Calibration) -> None:
    view = Table(title=f"{fit.scenario.name}: history matching, {len(fit.candidates)} candidates")
    for col in ("parameter", "searched", "best", "not ruled out"):
        view.add_column(col, justify="left" if col == "parameter" else "right")
    for p in fit.parameters:
        lo, hi = fit.ranges[p.path]
        view.add_row(
            escape(p.path),
            f"{format_number(p.low)} – {format_number(p.high)}",
            format_number(fit.best[p.path]),
            f"{format_number(lo)} – {format_number(hi)}",
        )
    print_table(view)
    kept = int(fit.candidates["not_ruled_out"].sum())
    console.print(
        f"{kept} of {len(fit.candidates)} candidates not ruled out; {fit.seconds:.1f} s", soft_wrap=True
    )
    if not fit.consistent:
        console.print(
            "[yellow]no candidate is consistent with every row: the ranges span the least implausible "
            "(see the report for the rows that rule candidates out)[/]"
        )
    if fit.path is not None:
        console.print(f"fitted scenario: {escape(str(fit.path))}", soft_wrap=True)
        console.print(
            f"report: {escape(str(fit.report['md']))} (and .json, .png)",
            soft_wrap=True,
        )


@handle_errors
def validate_command(
    scenario: ScenarioArg,
    observations: ObservationsOpt,
    runs: Runs = None,
    seed: Seed = None,
    set_: Sets = None,
    until: Annotated[str | None, typer.Option("--until", help="Score only rows dated up to YYYY-MM.")] = None,
    after: Annotated[str | None, typer.Option("--after", help="Score only rows dated after YYYY-MM.")] = None,
    figure: Figure = None,
    no_figure: NoFigure = False,
    workers: Workers = None,
    root: Root = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Score a scenario's ensemble against an observations file."""
    sc = load_named(scenario, root=root)
    runs_total = runs if runs is not None else sc.config.runs
    _confirm(sc, runs=runs_total, workers=workers, yes=yes)
    with progress_bar(f"{sc.name}: validating", enabled=not json_) as update:
        result = validate(
            sc,
            observations,
            runs=runs,
            seed=seed,
            overrides=set_ or [],
            until=until,
            after=after,
            workers=workers,
            progress=update,
        )
    path = _write_figure(result, figure, no_figure, title=_validation_title(result, "Observed vs simulated"))
    if json_:
        data = result.to_json()
        data["figure"] = str(path) if path else None
        print_json(data)
        return
    _print_validation(result, title=f"{result.scenario.name}: {result.runs} runs, seed {result.seed}")
    if path:
        console.print(f"figure: {escape(str(path))}", soft_wrap=True)


@handle_errors
def calibrate_command(
    scenario: ScenarioArg,
    observations: ObservationsOpt,
    param: Params = None,
    until: Annotated[str | None, typer.Option("--until", help="Fit only rows dated up to YYYY-MM.")] = None,
    budget: Budget = 400,
    waves: Waves = 4,
    replicates: Replicates = 20,
    threshold: Threshold = THRESHOLD,
    discrepancy: Discrepancy = DISCREPANCY,
    seed: Seed = None,
    set_: Sets = None,
    out: FittedOut = None,
    workers: Workers = None,
    root: Root = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Fit parameters to observations by history matching; write a fitted scenario and a report."""
    sc = load_named(scenario, root=root)
    _confirm(sc, runs=budget * replicates, workers=workers, yes=yes)
    with wave_bar(f"{sc.name}: calibrating", enabled=not json_) as update:
        fit = calibrate(
            sc,
            observations,
            param or [],
            until=until,
            budget=budget,
            waves=waves,
            replicates=replicates,
            threshold=threshold,
            discrepancy=discrepancy,
            seed=seed,
            overrides=set_ or [],
            out=out,
            workers=workers,
            progress=update,
        )
    if json_:
        print_json(fit.to_json())
        return
    _print_fit(fit)


@handle_errors
def backtest_command(
    scenario: ScenarioArg,
    observations: ObservationsOpt,
    cutoff: Annotated[
        str, typer.Option("--cutoff", help="Last month known, YYYY-MM: later rows are scored.")
    ],
    param: Params = None,
    runs: Runs = None,
    seed: Seed = None,
    set_: Sets = None,
    budget: Budget = 400,
    waves: Waves = 4,
    replicates: Replicates = 20,
    threshold: Threshold = THRESHOLD,
    discrepancy: Discrepancy = DISCREPANCY,
    out: FittedOut = None,
    figure: Figure = None,
    no_figure: NoFigure = False,
    workers: Workers = None,
    root: Root = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Calibrate on the rows up to a cutoff (if --param) and score the forecast of the rows after it."""
    sc = load_named(scenario, root=root)
    forecast = runs if runs is not None else sc.config.runs
    _confirm(sc, runs=forecast + (budget * replicates if param else 0), workers=workers, yes=yes)
    with wave_bar(f"{sc.name}: backtest from {cutoff}", enabled=not json_) as update:
        result = backtest(
            sc,
            observations,
            cutoff=cutoff,
            params=param or [],
            runs=runs,
            seed=seed,
            overrides=set_ or [],
            budget=budget,
            waves=waves,
            replicates=replicates,
            threshold=threshold,
            discrepancy=discrepancy,
            workers=workers,
            out=out,
            progress=update,
        )
    v = result.validation
    path = _write_figure(v, figure, no_figure, title=_validation_title(v, f"Forecast after {cutoff}"))
    if json_:
        data = result.to_json()
        data["figure"] = str(path) if path else None
        print_json(data)
        return
    if result.calibration is not None:
        _print_fit(result.calibration)
    _print_validation(v, title=f"{v.scenario.name}: rows after {cutoff}, {v.runs} runs, seed {v.seed}")
    if path:
        console.print(f"figure: {escape(str(path))}", soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``validate``, ``calibrate`` and ``backtest`` to the app."""
    app.command("validate")(validate_command)
    app.command("calibrate")(calibrate_command)
    app.command("backtest")(backtest_command)
