"""Ctrl-C and SIGTERM: the one line an interrupted command prints, and SIGTERM raised like Ctrl-C.

This module imports nothing but the standard library, so that the ``sanctionsim`` script
(:mod:`sanctionsim.cli.entry`) can install its handler and print the same line while the rest of
the package is still being imported.
"""

from __future__ import annotations

__all__ = ["NOTHING_WRITTEN", "Interrupted", "interrupt_on"]

#: What an interrupted run prints when it leaves nothing (no batch had finished, or it could not be kept).
NOTHING_WRITTEN = "interrupted; nothing written"


class Interrupted(KeyboardInterrupt):
    """A signal that stops the command like Ctrl-C; ``signum`` gives the exit code 128 + signum."""

    def __init__(self, signum: int) -> None:
        """Remember the signal."""
        super().__init__(signum)
        self.signum = signum


def interrupt_on(signum: int, frame: object) -> None:
    """Signal handler (SIGTERM; SIGINT too in the script): unwind like Ctrl-C, so that temporary
    folders are removed, with the signal's number for the exit code."""
    raise Interrupted(signum)
