"""``sanctionsim sweep``, ``sensitivity`` and ``discover``: exploratory modelling (docs/exploring.md).

- ``sweep`` runs a scenario over an experiment design (grid, Latin hypercube, Sobol, Morris,
  factorial, or a file of points), K replicates per point on common random numbers, into one results
  folder whose ``inputs.parquet`` gives each replicate's parameters; with ``--policy``/``--lever``,
  every policy over the same design, into a comparison folder.
- ``sensitivity`` ranks the parameters by their influence on an outcome (Sobol, Morris, factorial or
  extra-trees), with a table, ``--json`` and a ranked bar chart with intervals.
- ``discover`` finds, by PRIM, where in parameter space a claim holds: the peeling trajectory, the
  chosen box's limits with quasi-p-values, and a figure.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sanctionsim.cli.common import confirm_size, console, handle_errors, print_json, print_table, progress_bar
from sanctionsim.cli.run import (
    Json,
    Months,
    Root,
    ScenarioArg,
    Seed,
    Sets,
    Workers,
    Yes,
    default_out,
    load_named,
    unfinished_at,
)
from sanctionsim.formatting import format_number, plain_json
from sanctionsim.results import Results, load_results
from sanctionsim.results.comparison import is_comparison_folder

ResultsArg = Annotated[Path, typer.Argument(help="Results folder of a sweep (or of any run).")]
FigureOpt = Annotated[
    Path | None, typer.Option("--figure", help="PNG to write (default: in RESULTS/figures).")
]
NoFigure = Annotated[bool, typer.Option("--no-figure", help="Write no figure.")]


@handle_errors
def sweep_command(
    scenario: ScenarioArg,
    param: Annotated[
        list[str] | None,
        typer.Option(
            "--param",
            "-p",
            help="Parameter and range: path=low:high, path=low:high:log, or a path the scenario draws "
            "as an uncertainty (repeatable).",
            show_default=False,
        ),
    ] = None,
    design: Annotated[
        str,
        typer.Option("--design", "-d", help="grid, lhs, sobol, morris, factorial, or a CSV/Parquet file."),
    ] = "lhs",
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            "-N",
            help="grid: levels per parameter; lhs: points; sobol: base points (a power of 2); "
            "morris: trajectories.",
        ),
    ] = None,
    levels: Annotated[int, typer.Option("--levels", help="Grid levels of a Morris design.")] = 4,
    replicates: Annotated[
        int, typer.Option("--replicates", "-K", help="Runs per point, on the same random streams.")
    ] = 1,
    uncertainties: Annotated[
        bool, typer.Option("--uncertainties", help="Vary every uncertainty of the scenario too.")
    ] = False,
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", help="Another scenario to run over the same design (repeatable)."),
    ] = None,
    lever: Annotated[
        list[str] | None,
        typer.Option("--lever", help="A policy parameter and its settings: path=v1,v2,... (repeatable)."),
    ] = None,
    seed: Seed = None,
    months: Months = None,
    set_: Sets = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Results folder: new, or one a stopped sweep left to finish."),
    ] = None,
    workers: Workers = None,
    root: Root = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Run a scenario over an experiment design into one results folder (inputs joined by replicate)."""
    from sanctionsim.analysis.effects import Comparison
    from sanctionsim.experiments.estimate import estimate
    from sanctionsim.experiments.sweep import sweep

    base = load_named(scenario, root=root, overrides=set_ or [])
    target = out or default_out(f"sweep-{base.name}")
    unfinished_at(target)  # a stopped sweep's folder is finished by sweeping into it again
    with progress_bar(f"sweep {base.name}", enabled=not json_) as update:
        result = sweep(
            base,
            param or [],
            design=design,
            samples=samples,
            levels=levels,
            replicates=replicates,
            uncertainties=uncertainties,
            seed=seed,
            months=months,
            policies=[load_named(p, root=root) for p in policy or []],
            levers=lever or [],
            out=target,
            workers=workers,
            progress=update,
            command=sys.argv,
            before_run=lambda rows, months, scenarios: confirm_size(
                estimate(runs=rows, months=months, scenarios=scenarios, workers=workers), yes=yes
            ),
        )
    folders = (
        {name: res for name, res in result.results.items()}
        if isinstance(result, Comparison)
        else {base.name: result}
    )
    first = next(iter(folders.values()))
    d = first.manifest["design"]
    payload = {
        "results": str(target),
        "design": d["kind"],
        "points": d["points"],
        "replicates": d["replicates"],
        "rows": first.manifest["runs"],
        "parameters": [p["path"] for p in d["parameters"]],
        "seed": first.manifest["seed"],
        "months": first.manifest["months"],
        "policies": {name: str(res.path) for name, res in folders.items()},
    }
    if json_:
        print_json(plain_json(payload))
        return
    view = Table(title=f"sweep of {base.name}: {d['kind']} design, {d['points']} points x {d['replicates']}")
    for col in ("parameter", "low", "high", "scale"):
        view.add_column(col)
    for p in d["parameters"]:
        view.add_row(
            escape(p["path"]),
            format_number(p["low"]),
            format_number(p["high"]),
            "log" if p["log"] else "linear",
        )
    print_table(view)
    for name, res in folders.items():
        console.print(f"{escape(name)}: {res.path}")


def _load(results: Path) -> Results:
    """A results folder; a comparison folder (a sweep of several policies) names its policies' folders."""
    if is_comparison_folder(results):
        subs = sorted(str(p) for p in results.iterdir() if (p / "manifest.json").is_file())
        raise ValueError(f"{results} holds one sweep per policy; pass one of them: {', '.join(subs)}")
    return load_results(results)


def _figure(results: Path, figure: Path | None, name: str) -> Path:
    return figure or results / "figures" / f"{name}.png"


@handle_errors
def sensitivity_command(
    results: ResultsArg,
    metric: Annotated[
        str,
        typer.Option(
            "--metric",
            "-m",
            help='The outcome: e.g. sum(shells_prk_to_rus, "2025-01", "2025-12"), or a claim.',
        ),
    ],
    method: Annotated[
        str, typer.Option("--method", help="auto (the design's), sobol, morris, factorial or trees.")
    ] = "auto",
    seed: Seed = None,
    figure: FigureOpt = None,
    no_figure: NoFigure = False,
    json_: Json = False,
) -> None:
    """Rank a sweep's parameters by their influence on an outcome (SALib; extra-trees)."""
    from sanctionsim.analysis.sensitivity import sensitivity

    res = _load(results)
    result = sensitivity(res, metric, method=method, seed=seed)
    path = None
    if not no_figure:
        from sanctionsim.plotting.explore import plot_sensitivity

        path = _figure(results, figure, f"sensitivity-{result.method}")
        plot_sensitivity(result, out=path)
    if json_:
        print_json({**result.to_dict(), "figure": str(path) if path else None})
        return
    view = Table(
        title=f"{result.method} sensitivity of {escape(metric)} "
        f"({result.points} points x {result.replicates})"
    )
    view.add_column("parameter")
    for col in result.table.columns[1:]:
        view.add_column(col, justify="right")
    for row in result.table.itertuples(index=False):
        view.add_row(escape(str(row[0])), *(_num(v) for v in row[1:]))
    print_table(view)
    if result.interval:
        console.print(f"{result.interval}: half-width of the {result.conf_level:.0%} interval")
    if path:
        console.print(f"figure: {path}")


def _num(value: float) -> str:
    v = float(value)
    return "n/a" if not math.isfinite(v) else f"{v:.3g}"


@handle_errors
def discover_command(
    results: ResultsArg,
    claim: Annotated[
        str | None,
        typer.Option("--claim", help="SCENARIO:CLAIM_ID (policies/sanctions-enforced:shells_halved)."),
    ] = None,
    where: Annotated[str | None, typer.Option("--where", help="A condition in the claim grammar.")] = None,
    param: Annotated[
        list[str] | None,
        typer.Option("--param", "-p", help="Parameters to box (default: all the run explores)."),
    ] = None,
    min_density: Annotated[
        float, typer.Option("--min-density", help="Choose the box with most coverage at least this dense.")
    ] = 0.8,
    peel_alpha: Annotated[float, typer.Option("--peel-alpha", help="Share peeled per step.")] = 0.05,
    mass_min: Annotated[float, typer.Option("--mass-min", help="Smallest share of cases in a box.")] = 0.05,
    figure: FigureOpt = None,
    no_figure: NoFigure = False,
    root: Root = None,
    json_: Json = False,
) -> None:
    """Find where in parameter space a claim holds, by PRIM (scenario discovery)."""
    from sanctionsim.analysis.discovery import discover

    res = _load(results)
    result = discover(
        res,
        claim=claim,
        where=where,
        parameters=param or None,
        min_density=min_density,
        peel_alpha=peel_alpha,
        mass_min=mass_min,
        root=root,
    )
    path = None
    if not no_figure:
        from sanctionsim.plotting.explore import plot_discovery

        path = _figure(results, figure, "discover")
        plot_discovery(result, out=path)
    if json_:
        print_json({**result.to_dict(), "figure": str(path) if path else None})
        return
    console.print(
        f"{escape(result.condition)} holds in {result.share:.0%} of {result.n} replicates. "
        f"Chosen box {int(result.trajectory['box'].iloc[result.chosen])}: coverage {result.coverage:.2f}, "
        f"density {result.density:.2f}, mass {result.mass:.2f}"
    )
    if not result.meets_min_density:
        console.print(
            f"No box reaches the density asked (--min-density {min_density:g}): this is the densest "
            "found; the condition is not confined to one box of these parameters."
        )
    view = Table(title="box limits (qp: quasi-p-value of each limit)")
    for col in ("parameter", "low", "high", "range sampled", "qp low", "qp high"):
        view.add_column(col, justify="left" if col == "parameter" else "right")
    for row in result.limits.itertuples():
        view.add_row(
            escape(row.parameter),
            format_number(row.low),
            format_number(row.high),
            f"{format_number(row.min)} – {format_number(row.max)}",
            _num(row.qp_low),
            _num(row.qp_high),
        )
    print_table(view)
    steps = Table(title="peeling trajectory")
    for col in ("box", "coverage", "density", "mass", "restricted"):
        steps.add_column(col, justify="right")
    shown = sorted({0, result.chosen, len(result.trajectory) - 1, *range(0, len(result.trajectory), 5)})
    for i in shown:
        r = result.trajectory.iloc[i]
        mark = " *" if i == result.chosen else ""
        steps.add_row(
            f"{int(r['box'])}{mark}",
            f"{r['coverage']:.2f}",
            f"{r['density']:.2f}",
            f"{r['mass']:.2f}",
            str(int(r["restricted"])),
        )
    print_table(steps)
    if path:
        console.print(f"figure: {path}")


def register(app: typer.Typer) -> None:
    """Add ``sweep``, ``sensitivity`` and ``discover`` to the app."""
    app.command("sweep")(sweep_command)
    app.command("sensitivity")(sensitivity_command)
    app.command("discover")(discover_command)
