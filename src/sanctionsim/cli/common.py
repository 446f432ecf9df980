"""Shared pieces of the command line: error handling, progress bars, number formatting."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

#: Exit code for bad input (a bad scenario, option or results folder).
BAD_INPUT = 2


def handle_errors[F: Callable[..., Any]](func: F) -> F:
    """Turn bad-input exceptions into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (ValueError, FileExistsError, FileNotFoundError, NotADirectoryError) as err:
            message = str(err).strip().replace("\n", " ")
            err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
            raise typer.Exit(BAD_INPUT) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(description: str, *, enabled: bool = True) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on stderr; yields a ``(done, total)`` callback."""
    if not enabled:
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


def print_json(data: Any) -> None:
    """Print JSON for scripts, on stdout, with nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")
