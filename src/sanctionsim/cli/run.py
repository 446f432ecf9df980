"""``sanctionsim run`` and ``sanctionsim plot``: an ensemble in, a results folder and figures out."""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.markup import escape
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
from sanctionsim.constants import FIGURE_DPI, FIGURE_FORMATS
from sanctionsim.experiments.ensemble import replay, simulate
from sanctionsim.experiments.estimate import LARGE_RUN, estimate
from sanctionsim.experiments.layout import Layout
from sanctionsim.experiments.spec import run_spec
from sanctionsim.formatting import format_number
from sanctionsim.metrics import label
from sanctionsim.results import load_results
from sanctionsim.results.store import new_folder_name, unfinished_run
from sanctionsim.results.tables import FULL_RECORD_RUNS, RECORD_MODES, check_record, default_record
from sanctionsim.scenario import Scenario, load_scenario
from sanctionsim.scenario.library import catalogue, find_scenario

RESULTS_ROOT = Path("results")
#: File formats of ``plot`` (:data:`sanctionsim.constants.FIGURE_FORMATS`).
FigureFormat = enum.StrEnum("FigureFormat", {fmt: fmt for fmt in FIGURE_FORMATS})
DEFAULT_FORMAT = FigureFormat(FIGURE_FORMATS[0])
SUMMARY_COLUMNS = ["metric", "stat", "unit", "p10", "median", "p90"]


Runs = Annotated[int | None, typer.Option("--runs", "-n", help="Replicates (default: the scenario's runs).")]
Seed = Annotated[int | None, typer.Option("--seed", "-s", help="Seed (default: the scenario's seed).")]
Months = Annotated[int | None, typer.Option("--months", "-m", help="Horizon in months.")]
Sets = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a value: a.b.c=value (repeatable).", show_default=False),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
Workers = Annotated[int | None, typer.Option("--workers", "-w", help="Local processes (default: CPU count).")]
Root = Annotated[
    Path | None,
    typer.Option(
        "--root",
        help="Scenarios folder to look names up in, after ./scenarios and before the packaged library.",
        show_default=False,
    ),
]
Record = Annotated[
    str | None,
    typer.Option(
        "--record",
        help=(
            f"What to keep: {'|'.join(RECORD_MODES)} (full: every flow in float64; flows: every flow in "
            f"float32; metrics: metrics and events only). Default: full up to {FULL_RECORD_RUNS:,} runs, "
            "metrics above."
        ),
        show_default=False,
    ),
]


def complete_scenario(ctx: typer.Context, incomplete: str) -> list[str]:
    """Shell completion of a scenario argument: the names in ./scenarios, ``--root`` and the package
    that start with what was typed (files complete as files where the shell does that itself)."""
    try:
        names = catalogue(ctx.params.get("root"))
    except OSError:
        return []
    return [name for name in names if name.startswith(incomplete)]


#: A scenario argument (one source of its help and its completion).
ScenarioArg = Annotated[
    str,
    typer.Argument(
        help="Scenario file, or name in ./scenarios, --root or the package (policies/full-pressure).",
        autocompletion=complete_scenario,
        show_default=False,
    ),
]
#: Several scenario arguments.
ScenariosArg = Annotated[
    list[str],
    typer.Argument(help="Scenario files or names.", autocompletion=complete_scenario, show_default=False),
]
Yes = Annotated[
    bool,
    typer.Option("--yes", help=f"Run even above {LARGE_RUN:,} replicate-months (an estimate is printed)."),
]


def load_named(
    name: str | os.PathLike[str], *, root: Path | None = None, overrides: Sequence[str] = ()
) -> Scenario:
    """Find a scenario argument (a file, or a name in ./scenarios, ``--root``, the package) and load it.

    ``--set`` overrides are applied, and ``extends:`` names are looked up in ``root`` as well.
    """
    return load_scenario(find_scenario(name, root=root), list(overrides), root=root)


def unfinished_at(target: Path, *, resume: bool = False) -> dict[str, Any] | None:
    """What a stopped run left at ``target`` to finish (``None``: nothing, the folder is new).

    Raises:
        ValueError: ``resume`` and nothing to finish there.
        FileExistsError: ``target`` is a finished results folder (or anything else that exists).
    """
    unfinished = unfinished_run(target)
    if resume and unfinished is None:
        raise ValueError(f"--resume: {target} holds no unfinished run to finish")
    if target.exists() and unfinished is None:
        raise FileExistsError(f"{target}: results folder exists; pass another --out")
    return unfinished


def default_out(name: str) -> Path:
    """``results/<scenario>-<UTC time>-<random>`` for a scenario name (see ``new_folder_name``)."""
    while True:
        path = RESULTS_ROOT / new_folder_name(name)
        if not path.exists():
            return path


@handle_errors
def run_command(
    scenario: ScenarioArg,
    runs: Runs = None,
    seed: Seed = None,
    months: Months = None,
    set_: Sets = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Results folder (must not exist, or hold a killed run to finish)."),
    ] = None,
    workers: Workers = None,
    first_replicate: Annotated[
        int,
        typer.Option(
            "--first-replicate",
            help="Run replicates K..K+runs-1 (K's random stream first): rerun one replicate of a run or "
            "sweep alone, with its parameters from inputs.parquet as --set.",
        ),
    ] = 0,
    root: Root = None,
    record: Record = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Finish the run a killed process left at --out, keeping its finished batches "
            "(running again into the same --out does it too).",
        ),
    ] = False,
    batch_size: Annotated[
        int | None,
        typer.Option("--batch-size", min=1, help="Replicates per batch (default: balanced, memory-capped)."),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Run the batches on a Dask cluster: its address, tcp://HOST:PORT."),
    ] = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Run a scenario as a Monte Carlo ensemble and write a results folder."""
    spec = run_spec(
        load_named(scenario, root=root, overrides=set_ or []), runs=runs, seed=seed, months=months
    )
    if first_replicate < 0:
        raise ValueError(f"--first-replicate: got {first_replicate}; expected an integer >= 0")
    layout = Layout.plain(spec.runs, first=first_replicate)
    mode = default_record(spec.runs) if record is None else check_record(record)
    if resume and out is None:
        raise ValueError("--resume: give the folder of the run to finish with --out")
    target = out or default_out(spec.name)
    unfinished = unfinished_at(target, resume=resume)
    confirm_size(estimate(runs=spec.runs, months=spec.months, workers=workers, record=mode), yes=yes)
    if not json_ and err_console.is_terminal:  # the folder to --resume if the run is killed
        verb = "finishing" if unfinished is not None else "writing"
        err_console.print(f"{verb} {target} (record: {mode})", highlight=False, soft_wrap=True)
    with (
        _executor(scheduler) as executor,
        progress_bar(f"{spec.name}: {spec.runs} runs", enabled=not json_) as update,
    ):
        results = simulate(
            spec,
            out=target,
            workers=workers,
            executor=executor,
            batch_size=batch_size,
            progress=update,
            command=sys.argv,
            record=mode,
            resume=True if unfinished is not None else None,  # None: keep finished batches on Ctrl-C
            layout=layout,
        )
    table = pd.DataFrame(results.manifest["summary"], columns=SUMMARY_COLUMNS)
    kept = (results.manifest.get("resumed") or {}).get("batches_kept", 0)
    if json_:
        print_json(
            {
                "results": str(target),
                "scenario": spec.name,
                "runs": spec.runs,
                "seed": spec.seed,
                "months": spec.months,
                "record": mode,
                "batches_kept": kept,
                "summary": table.set_index("metric").to_dict(orient="index"),
            }
        )
        return
    view = Table(title=f"{spec.name}: {spec.runs} runs, seed {spec.seed}, {spec.months} months")
    view.add_column("metric", overflow="fold", min_width=24)
    for col in ("outcome", "unit"):
        view.add_column(col)
    for col in ("median", "10%", "90%"):
        view.add_column(col, justify="right", no_wrap=True)
    for row in table.itertuples():
        view.add_row(
            escape(label(str(row.metric), results.actors)),
            row.stat,
            escape(str(row.unit)),
            format_number(row.median),
            format_number(row.p10),
            format_number(row.p90),
        )
    print_table(view)
    console.print(f"results: {escape(str(target))}", soft_wrap=True)
    console.print(f"recorded: {_recorded(mode, record is None)}")
    if kept:
        console.print(
            f"resumed: {kept} finished batches kept, {results.manifest['resumed']['batches_run']} run"
        )


def _recorded(mode: str, default: bool) -> str:
    """What a run recorded, and why, in a few words."""
    what = {
        "full": "metrics, events and every flow (float64)",
        "flows": "metrics, events and every flow (float32)",
        "metrics": "metrics and events, no flows",
    }[mode]
    if not default:
        return what
    if mode == "full":
        return f"{what}: the default up to {FULL_RECORD_RUNS:,} runs"
    return f"{what}: the default above {FULL_RECORD_RUNS:,} runs (--record full keeps every flow)"


@contextmanager
def _executor(scheduler: str | None) -> Iterator[Executor | None]:
    """A Dask cluster's executor for ``--scheduler``, or ``None`` for the local pool.

    Raises:
        ValueError: When Dask is not installed or the scheduler cannot be reached (one line).
    """
    if scheduler is None:
        yield None
        return
    try:
        from dask.distributed import Client
    except ImportError:
        raise ValueError("--scheduler needs Dask: pip install 'sanctionsim[dask]'") from None
    try:
        client = Client(scheduler, timeout="5s")
    except (OSError, TimeoutError, ValueError) as err:
        raise ValueError(f"--scheduler: cannot reach the Dask scheduler at {scheduler}: {err}") from None
    with client:
        yield client.get_executor()


@handle_errors
def plot_command(
    results: Annotated[Path, typer.Argument(help="Results folder written by `sanctionsim run`.")],
    metrics: Annotated[
        list[str] | None,
        typer.Option("--metrics", help="Metrics to plot (repeatable; default: key metrics)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Folder for the figures (default: RESULTS/figures).")
    ] = None,
    format_: Annotated[
        FigureFormat, typer.Option("--format", "-f", help="File format of the figures.")
    ] = DEFAULT_FORMAT,
    dpi: Annotated[
        int, typer.Option("--dpi", min=10, max=1200, help="Resolution (dots per inch) of PNG figures.")
    ] = FIGURE_DPI,
    json_: Json = False,
) -> None:
    """Write figures of a results folder: metrics with bands, flows by good and route, ties."""
    from sanctionsim.plotting import plot_all

    res = load_results(results)
    names = [m for item in metrics or [] for m in item.split(",") if m] or None
    paths = plot_all(res, out_dir=out or results / "figures", metrics=names, fmt=format_.value, dpi=dpi)
    if json_:
        print_json({"figures": [str(p) for p in paths]})
        return
    for p in paths:
        console.print(escape(str(p)), soft_wrap=True)


@handle_errors
def replay_command(
    results: Annotated[Path, typer.Argument(help="Results folder to replay from its manifest.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Results folder for the replay.")] = None,
    workers: Workers = None,
    yes: Yes = False,
    json_: Json = False,
) -> None:
    """Run again what a results folder's manifest records, and say whether the tables are identical."""
    original = load_results(results)
    m = original.manifest
    target = out or default_out(f"{m.get('scenario', 'run')}-replay")
    if target.exists():
        raise FileExistsError(f"{target}: results folder exists; pass another --out")
    if isinstance(m.get("runs"), int) and isinstance(m.get("months"), int):
        confirm_size(estimate(runs=m["runs"], months=m["months"], workers=workers), yes=yes)
    with progress_bar(f"replay {results}", enabled=not json_) as update:
        again = replay(results, out=target, workers=workers, progress=update)
    same = {
        name: getattr(original, name).equals(getattr(again, name)) for name in ("metrics", "flows", "events")
    }
    if original.inputs is not None:
        same["inputs"] = original.inputs.equals(again.inputs)
    if json_:
        print_json({"results": str(target), "identical": all(same.values()), "tables": same})
        return
    for name, ok in same.items():
        console.print(f"{name}: {'identical' if ok else '[bold red]differs[/]'}")
    console.print(f"results: {target}")
    if not all(same.values()):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add ``run``, ``plot`` and ``replay`` to the app."""
    app.command("run")(run_command)
    app.command("plot")(plot_command)
    app.command("replay")(replay_command)
