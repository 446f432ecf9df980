"""Shared pieces of the command line: error handling, warnings, interrupts, progress bars, tables, JSON."""

from __future__ import annotations

import functools
import json
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.measure import Measurement
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from sanctionsim.experiments.estimate import LARGE_RUN, Estimate
from sanctionsim.formatting import plain_json
from sanctionsim.interrupts import NOTHING_WRITTEN
from sanctionsim.interrupts import interrupt_on as interrupt_on  # the SIGTERM handler, for the app
from sanctionsim.results.store import RunInterrupted
from sanctionsim.scenario.errors import ScenarioWarning

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for bad input (a bad scenario, option or results folder).
BAD_INPUT = 2


def os_error_message(err: OSError) -> str:
    """One line for an error of the file system: what the path is and what went wrong."""
    if err.errno is None or not err.strerror:
        return " ".join(str(err).split())
    where = err.filename if err.filename is not None else ""
    if err.filename2 is not None:
        where = f"{where} -> {err.filename2}"
    return f"{where}: {err.strerror.lower()}" if where else err.strerror.lower()


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    """Print a scenario warning as one line; other warnings (numpy's overflow, say) are not for users."""
    if not issubclass(category, ScenarioWarning):
        return
    text = escape(_one_line(str(message)))
    err_console.print(f"[bold yellow]warning:[/] {text}", highlight=False, soft_wrap=True)


def fail(message: str) -> NoReturn:
    """Print ``error: message`` as one line on stderr and exit with code 2."""
    err_console.print(f"[bold red]error:[/] {escape(_one_line(message))}", highlight=False, soft_wrap=True)
    raise typer.Exit(BAD_INPUT)


def handle_errors[F: Callable[..., Any]](func: F) -> F:
    """Turn bad input and file-system errors into one line on stderr and exit code 2.

    Also: scenario warnings print as one ``warning:`` line each; Ctrl-C (and SIGTERM, see
    :func:`interrupt_on`) prints one line, what a run kept or
    :data:`~sanctionsim.results.store.NOTHING_WRITTEN`, and exits with 128 + the signal number.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("always", ScenarioWarning)
            warnings.showwarning = _show_warning
            try:
                return func(*args, **kwargs)
            except OSError as err:
                fail(os_error_message(err))
            except ValueError as err:
                fail(str(err))
            except KeyboardInterrupt as err:  # a run's RunInterrupted says what it kept
                message = str(err) if isinstance(err, RunInterrupted) else NOTHING_WRITTEN
                err_console.print(escape(message), highlight=False, soft_wrap=True)
                raise typer.Exit(128 + getattr(err, "signum", signal.SIGINT)) from None

    return wrapper  # type: ignore[return-value]


def confirm_size(cost: Estimate, *, yes: bool) -> None:
    """Refuse a run above :data:`~sanctionsim.experiments.estimate.LARGE_RUN` without ``--yes``.

    Prints the estimate either way for such a run: as the error (exit code 2) without ``--yes``,
    as an ``estimate:`` line on stderr with it. Smaller runs print nothing.
    """
    if not cost.large:
        return
    if not yes:
        fail(
            f"{cost.describe()}; runs above {LARGE_RUN:,} replicate-months need --yes "
            "(fewer --runs or --months make it smaller)"
        )
    err_console.print(f"estimate: {escape(cost.describe())}", highlight=False, soft_wrap=True)


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr, when stderr is a terminal; yields a ``(done, total)`` callback."""
    if not enabled or not err_console.is_terminal:  # a log file gets no bar (nor its blank line)
        yield lambda done, total: None
        return
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        auto_refresh=False,  # no refresh thread: worker processes are forked
    )
    with bar:
        task = bar.add_task(description, total=None)
        bar.refresh()

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, refresh=True)

        yield update


#: Widest line a table printed to a pipe or file may take (wider tables wrap their cells).
PIPED_WIDTH = 400


def print_table(table: Table) -> None:
    """Print a table on stdout: wrapped to the terminal's width, or at its full width when piped.

    On a terminal, rich wraps long cells to fit. Printed to a pipe or a file (where rich would
    assume 80 columns), the table takes the width its content needs, up to :data:`PIPED_WIDTH`
    characters (or ``COLUMNS``, when that is set), so nothing is clipped or folded for ``grep`` or a log.
    """
    if console.is_terminal or "COLUMNS" in os.environ:
        console.print(table)
        return
    wide = Console(width=PIPED_WIDTH)
    width = Measurement.get(wide, wide.options, table).maximum
    Console(width=max(min(width, PIPED_WIDTH), 20)).print(table)


def print_json(data: Any) -> None:
    """Print strict JSON for scripts, on stdout, with nothing else: NaN and infinities become ``null``."""
    sys.stdout.write(json.dumps(plain_json(data), indent=2, default=str, allow_nan=False) + "\n")
