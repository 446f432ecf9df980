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

from sanctionsim.interrupts import NOTHING_WRITTEN, interrupt_on

__all__ = ["main"]


def main() -> None:
    """Run the ``sanctionsim`` command (``[project.scripts]``, ``python -m sanctionsim.cli``)."""
    try:
        # before the slow imports: SIGTERM unwinds like Ctrl-C, and Ctrl-C raises Interrupted, which
        # Python does not take for its own KeyboardInterrupt (that one, if it stops an exec() of a
        # string during the imports, makes ``python -m`` end by SIGINT instead of exit code 130)
        signal.signal(signal.SIGTERM, interrupt_on)
        signal.signal(signal.SIGINT, interrupt_on)
        from sanctionsim.cli.app import main as run_app

        run_app()
    except KeyboardInterrupt as err:  # Interrupted is a KeyboardInterrupt
        signum = getattr(err, "signum", signal.SIGINT)
        try:
            sys.stderr.write(NOTHING_WRITTEN + "\n")
            sys.stderr.flush()
        except (KeyboardInterrupt, OSError):  # a second signal, or stderr gone: the exit code says it
            pass
        raise SystemExit(128 + signum) from None
