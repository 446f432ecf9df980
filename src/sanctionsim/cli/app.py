"""The ``sanctionsim`` command: a typer app with one module per group of commands.

The app itself adds ``--version`` and shell completion (``--install-completion``,
``--show-completion``); :mod:`sanctionsim.cli.commands` gives every command help without type
placeholders on its flags.
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer

from sanctionsim import __version__
from sanctionsim.cli import compare, dashboard, explore, run, scenarios, schema, validate
from sanctionsim.cli.commands import PlainHelpGroup, use_plain_help
from sanctionsim.cli.common import interrupt_on

app = typer.Typer(
    name="sanctionsim",
    help="Agent-based simulator of sanctions and alliances.",
    cls=PlainHelpGroup,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"sanctionsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Agent-based simulator of sanctions and alliances."""


run.register(app)
compare.register(app)
scenarios.register(app)
validate.register(app)
dashboard.register(app)
explore.register(app)
schema.register(app)
use_plain_help(app)


def main() -> None:
    """Entry point of the ``sanctionsim`` script."""
    signal.signal(signal.SIGTERM, interrupt_on)  # unwind like Ctrl-C: temporary folders go, workers stop
    app()
