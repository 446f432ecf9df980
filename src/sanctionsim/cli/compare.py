"""``sanctionsim compare`` and ``sanctionsim report``: paired policy effects, and a report of them."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from sanctionsim.analysis.effects import effect_records
from sanctionsim.cli.common import (
    confirm_size,
    console,
    handle_errors,
    print_json,
    print_table,
    progress_bar,
)
from sanctionsim.cli.run import (
    Json,
    Months,
    Root,
    Runs,
    ScenarioArg,
    ScenariosArg,
    Seed,
    Sets,
    Workers,
    Yes,
    default_out,
    load_named,
)
from sanctionsim.experiments.compare import compare
from sanctionsim.experiments.estimate import estimate
from sanctionsim.formatting import format_effect
from sanctionsim.metrics import label

Metrics = Annotated[
    list[str] | None,
    typer.Option(
        "--metrics",
        help="Metrics to compare: m1,m2 or repeatable (default: the key metrics).",
        show_default=False,
    ),
]


def default_compare_out() -> Path:
    """``results/compare-<UTC time>-<random>`` (see ``new_folder_name``)."""
    return default_out("compare")


def _split(values: list[str] | None) -> list[str] | None:
    names = [m.strip() for item in values or [] for m in item.split(",") if m.strip()]
    return names or None


#: How the table marks the good direction: P(decrease) as a down arrow, P(increase) as an up one.
ARROWS = {"P(decrease)": "↓", "P(increase)": "↑"}


@handle_errors
def compare_command(
    base: ScenarioArg,
    others: ScenariosArg,
    runs: Runs = None,
    seed: Seed = None,
    months: Months = None,
    metrics: Metrics = None,
    set_: Sets = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="Comparison folder (must not exist; default results/compare-<UTC>)."
        ),
    ] = None,
    workers: Workers = None,
    root: Root = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Run policies against a base with common random numbers and report paired differences.

    Every scenario runs with the same seed and replicates, so replicate i of each differs from
    replicate i of the base only where the policy acts. For each metric and policy the table gives
    the median and 90% interval of the per-replicate differences, the relative change and the share
    of replicates in which the difference lies in the metric's good direction.
    """
    target = out or default_compare_out()
    if target.exists():
        raise FileExistsError(f"{target}: comparison folder exists; pass another --out")
    loaded = [load_named(s, root=root, overrides=set_ or []) for s in (base, *others)]
    first = loaded[0].config
    cost = estimate(
        runs=runs or first.runs, months=months or first.months, scenarios=len(loaded), workers=workers
    )
    confirm_size(cost, yes=yes)
    with progress_bar(f"compare: {1 + len(others)} scenarios", enabled=not json_) as update:
        cmp = compare(
            loaded[0],
            loaded[1:],
            runs=runs,
            seed=seed,
            months=months,
            metrics=_split(metrics),
            out=target,
            workers=workers,
            progress=update,
            command=sys.argv,
        )
    if json_:
        print_json({"comparison": str(target), **cmp.to_dict()})
        return
    m = cmp.manifest
    console.print(
        f"Paired differences vs {cmp.base}: {m.get('runs')} runs, seed {m.get('seed')}, "
        f"{m.get('months')} months from {m.get('start')}",
        highlight=False,
    )
    records = effect_records(cmp.effects)
    actors = cmp.results[cmp.base].actors
    for scenario in dict.fromkeys(str(r["scenario"]) for r in records):  # one table per policy
        view = Table(title=escape(scenario), title_justify="left")
        view.add_column("metric (outcome, unit)", overflow="fold", min_width=24)
        for col in ("median diff", "90% interval", "change", "P(good)"):
            view.add_column(col, justify="right", no_wrap=True)
        for row in (r for r in records if str(r["scenario"]) == scenario):
            f = format_effect(row)
            view.add_row(
                escape(f"{label(str(row['metric']), actors)} ({row['stat']}, {row['unit']})"),
                f["median_diff"],
                f["interval"],
                f["rel_change"],
                f["p_good"]
                if f["p_good"] == "no change"
                else f"{f['p_good']} {ARROWS.get(str(row['p_label']), '>0')}",
            )
        print_table(view)
    console.print(
        "P(good): share of replicates whose difference goes the bloc's way (↓ lower is better, "
        "↑ higher; >0 for neutral metrics)",
        highlight=False,
    )
    console.print(f"comparison: {target}")


@handle_errors
def report_command(
    results: Annotated[
        list[Path],
        typer.Argument(help="A comparison folder, or results folders (the first is the base)."),
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Report file, .html or .md (default: RESULTS[0]/report.html)."),
    ] = None,
    json_: Json = False,
) -> None:
    """Write a report (HTML with embedded figures, or Markdown): runs, effects, figures, storylines."""
    from sanctionsim.report import build_report

    path = build_report(results, out=out or results[0] / "report.html")
    if json_:
        print_json({"report": str(path)})
        return
    console.print(f"report: {path}")


def register(app: typer.Typer) -> None:
    """Add ``compare`` and ``report`` to the app."""
    app.command("compare")(compare_command)
    app.command("report")(report_command)
