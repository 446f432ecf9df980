"""``sanctionsim dashboard``: serve the live SolaraViz dashboard of a scenario on 127.0.0.1."""

from __future__ import annotations

import contextlib
import importlib.util
from pathlib import Path
from typing import Annotated

import typer

from sanctionsim.cli.common import console, handle_errors
from sanctionsim.cli.run import Root, ScenarioArg
from sanctionsim.scenario.library import find_scenario

#: Default port (as ``solara run``'s).
DEFAULT_PORT = 8765
#: Largest ensemble the page steps live (each month of 10,000 replicates takes about a second).
MAX_RUNS = 10_000


def _check_installed() -> None:
    missing = [name for name in ("solara", "solara_assets") if importlib.util.find_spec(name) is None]
    if missing:
        raise ValueError(
            f"the dashboard needs {' and '.join(missing)}: pip install -e '.[dashboard]' (make venv does)"
        )


@handle_errors
def dashboard_command(
    scenario: ScenarioArg = "baseline",
    port: Annotated[
        int, typer.Option("--port", "-p", help="Port on 127.0.0.1 (0: any free port).")
    ] = DEFAULT_PORT,
    runs: Annotated[int, typer.Option("--runs", "-n", help="Initial ensemble size.")] = 100,
    seed: Annotated[
        int | None, typer.Option("--seed", "-s", help="Initial seed (default: the scenario's).")
    ] = None,
    save_dir: Annotated[
        Path, typer.Option("--save-dir", help="Folder for scenario files saved from the page.")
    ] = Path("."),
    root: Root = None,
) -> None:
    """Serve a live dashboard of a scenario: levers, a stepping ensemble, pin, save as scenario."""
    _check_installed()
    if not 0 <= port <= 65535:
        raise ValueError(f"--port: a port in [0, 65535], got {port}")
    if not 1 <= runs <= MAX_RUNS:
        raise ValueError(
            f"--runs: between 1 and {MAX_RUNS:,} (the page steps the ensemble live), got {runs:,}; "
            "run larger ensembles with sanctionsim run"
        )
    if seed is not None and seed < 0:
        raise ValueError(f"--seed: at least 0, got {seed}")
    folder = str(root) if root is not None else None
    source = str(find_scenario(scenario, root=folder))

    from sanctionsim.dashboard.model import DashboardModel
    from sanctionsim.dashboard.server import serve

    DashboardModel(
        source=source, replicates=runs, seed=seed, root=folder
    )  # fails here, with exit code 2, if it would there
    from sanctionsim.dashboard.app import DashboardSettings

    settings = DashboardSettings(
        source=source, replicates=runs, seed=seed, save_dir=str(save_dir), root=folder
    )

    def announce(address: str) -> None:
        line = f"sanctionsim dashboard of {scenario}: {address}  (Ctrl-C stops it)"
        console.print(line, highlight=False, soft_wrap=True)

    with contextlib.suppress(KeyboardInterrupt):
        serve(settings, port=port, announce=announce)


def register(app: typer.Typer) -> None:
    """Add ``dashboard`` to the app."""
    app.command("dashboard")(dashboard_command)
