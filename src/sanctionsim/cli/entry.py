"""The ``sanctionsim`` script's entry point: answers Ctrl-C and SIGTERM from its first moment.

Importing the command line (typer, rich, numpy, pandas, the model) takes seconds. This module
imports only the standard library and :mod:`sanctionsim.interrupts` and installs handlers of SIGTERM
and SIGINT that only remember the signal while the app is imported: an exception raised in the
middle of an import can be swallowed by the import machinery, or turn into an ``ImportError`` of a
C extension, so nothing is raised there. Once the imports are done, a signal received meanwhile
stops the command with the same one line as an interrupted run
(:data:`~sanctionsim.interrupts.NOTHING_WRITTEN`) and exit code 128 + the signal number (130, 143),
never a traceback. From then on SIGINT and SIGTERM raise at once, and a running command's own
handler (:func:`sanctionsim.cli.common.handle_errors`) answers.
"""

from __future__ import annotations

import signal
import sys

from sanctionsim.interrupts import NOTHING_WRITTEN, Interrupted, interrupt_on

__all__ = ["main"]

#: Signals received while the app was imported.
_received: list[int] = []


def _remember(signum: int, frame: object) -> None:
    """Signal handler while the app is imported: note the signal; :func:`main` answers it after."""
    _received.append(signum)


def main() -> None:
    """Run the ``sanctionsim`` command (``[project.scripts]``, ``python -m sanctionsim.cli``)."""
    try:
        signal.signal(signal.SIGTERM, _remember)
        signal.signal(signal.SIGINT, _remember)
        from sanctionsim.cli.app import main as run_app

        # Ctrl-C raises Interrupted, which Python does not take for its own KeyboardInterrupt (that
        # one makes ``python -m`` end by SIGINT instead of exit code 130)
        signal.signal(signal.SIGTERM, interrupt_on)
        signal.signal(signal.SIGINT, interrupt_on)
        if _received:
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
