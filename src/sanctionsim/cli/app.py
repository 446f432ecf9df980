"""The ``sanctionsim`` command: a typer app with one module per group of commands.

The app itself adds ``--version`` and shell completion (``--install-completion``,
``--show-completion``); :mod:`sanctionsim.cli.commands` gives every command help without type
placeholders on its flags.
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer
from rich.markup import escape

from sanctionsim import __version__
from sanctionsim.cli import compare, dashboard, explore, run, scenarios, schema, validate
from sanctionsim.cli.commands import PlainHelpGroup, use_plain_help
from sanctionsim.cli.common import BAD_INPUT, err_console, interrupt_on
from sanctionsim.interrupts import NOTHING_WRITTEN

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
    """Entry point of the ``sanctionsim`` script (through :mod:`sanctionsim.cli.entry`).

    A usage error (an unknown option, ``--runs abc``) prints one line, as bad input does, and exits
    with code 2; an interrupt while the command line is parsed prints the interrupted line.
    """
    signal.signal(signal.SIGTERM, interrupt_on)  # unwind like Ctrl-C: temporary folders go, workers stop
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as err:  # typer's own click: a usage error, or a bad parameter
        text = " ".join((err.format_message() if hasattr(err, "format_message") else str(err)).split())
        ctx = getattr(err, "ctx", None)
        if text:  # no text: no arguments at all, and the help is already shown
            where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
            err_console.print(f"[bold red]error:[/] {escape(text + where)}", highlight=False, soft_wrap=True)
        raise SystemExit(getattr(err, "exit_code", BAD_INPUT)) from None
    except typer.Abort:  # Ctrl-C while the command line was parsed
        err_console.print(NOTHING_WRITTEN, highlight=False, soft_wrap=True)
        raise SystemExit(128 + signal.SIGINT) from None
    raise SystemExit(code if isinstance(code, int) else 0)
