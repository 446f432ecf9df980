"""The ``sanctionsim`` command: a typer app with one module per group of commands."""

from __future__ import annotations

import signal

import typer

from sanctionsim.cli import compare, dashboard, explore, run, scenarios, validate
from sanctionsim.cli.common import interrupt_on

app = typer.Typer(
    name="sanctionsim",
    help="Agent-based simulator of sanctions and alliances.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
run.register(app)
compare.register(app)
scenarios.register(app)
validate.register(app)
dashboard.register(app)
explore.register(app)


def main() -> None:
    """Entry point of the ``sanctionsim`` script."""
    signal.signal(signal.SIGTERM, interrupt_on)  # unwind like Ctrl-C: temporary folders go, workers stop
    app()
