"""The ``sanctionsim`` script's entry point: answers Ctrl-C and SIGTERM from its first moment.

Importing the command line (typer, rich, numpy, pandas, the model) takes seconds. This module
imports only the standard library and :mod:`sanctionsim.interrupts`, installs the handler of
SIGTERM and SIGINT, and then imports the app inside ``try``: Ctrl-C or SIGTERM while the imports
load prints the same one line as an interrupted run (:data:`~sanctionsim.interrupts.NOTHING_WRITTEN`)
and exits with 128 + the signal number (130, 143), never a traceback. Once a command runs, its own
handler (:func:`sanctionsim.cli.common.handle_errors`) answers instead.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import Any

from sanctionsim.interrupts import NOTHING_WRITTEN, Interrupted, interrupt_on

__all__ = ["main"]

#: Signals received while the app was imported.
_received: list[int] = []


def _while_importing(signum: int, frame: object) -> None:
    """Remember the signal, then unwind like Ctrl-C. Python ignores an exception raised inside some
    callbacks of the import machinery, so :func:`main` checks what was received once the imports
    are done, and stops then."""
    _received.append(signum)
    interrupt_on(signum, frame)


def _quiet_interrupts(hook: Callable[[Any], object]) -> Callable[[Any], object]:
    """An unraisable-exception hook that says nothing of an interrupt (Python would print "Exception
    ignored in ..." and a traceback for the one it swallowed); other exceptions go to ``hook``."""

    def quiet(unraisable: Any) -> object:
        return None if isinstance(unraisable.exc_value, KeyboardInterrupt) else hook(unraisable)

    return quiet


def main() -> None:
    """Run the ``sanctionsim`` command (``[project.scripts]``, ``python -m sanctionsim.cli``)."""
    try:
        # before the slow imports: SIGTERM unwinds like Ctrl-C, and Ctrl-C raises Interrupted, which
        # Python does not take for its own KeyboardInterrupt (that one, if it stops an exec() of a
        # string during the imports, makes ``python -m`` end by SIGINT instead of exit code 130)
        signal.signal(signal.SIGTERM, _while_importing)
        signal.signal(signal.SIGINT, _while_importing)
        hook = sys.unraisablehook
        sys.unraisablehook = _quiet_interrupts(hook)
        from sanctionsim.cli.app import main as run_app

        sys.unraisablehook = hook
        signal.signal(signal.SIGTERM, interrupt_on)
        signal.signal(signal.SIGINT, interrupt_on)
        if _received:  # a signal whose exception the import machinery swallowed
            raise Interrupted(_received[0])
        run_app()
    except KeyboardInterrupt as err:  # Interrupted is a KeyboardInterrupt
        signum = getattr(err, "signum", signal.SIGINT)
        try:
            sys.stderr.write(NOTHING_WRITTEN + "\n")
            sys.stderr.flush()
        except (KeyboardInterrupt, OSError):  # a second signal, or stderr gone: the exit code says it
            pass
        raise SystemExit(128 + signum) from None
