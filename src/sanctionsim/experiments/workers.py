"""Worker processes of the local pool: quiet on Ctrl-C, gone when their parent dies.

- Ctrl-C in a terminal sends SIGINT to every process of the foreground group. Workers ignore it
  (and take SIGTERM's default action), so only the parent reacts: it stops the pool and prints one
  line, with no traceback from any worker.
- A worker receives, when it starts, what every batch it runs needs (the run's configuration), so
  batches carry only their replicates (:func:`shared_value`).
- The start method is safe on every system, and needs no ``if __name__ == "__main__":`` guard in
  notebooks (:func:`pool_context`): ``fork`` on Linux while the process runs a single thread (the
  CLI, most scripts: nothing is re-imported, so a script without the guard works), ``forkserver``
  on Linux when threads run (a Jupyter kernel, a dashboard: forking a threaded process can deadlock),
  and ``spawn`` on macOS and Windows, where forking is unsafe or absent. Workers import only the
  package: a notebook's ``__main__`` has no file, so no start method re-runs its cells.
- A worker must not outlive its parent (an out-of-memory killer sends the parent SIGKILL, which
  cannot be caught). On Linux the kernel kills the worker when its parent dies
  (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); everywhere, a watchdog thread in the worker exits it once
  its parent process id changes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing.context import BaseContext
from typing import Any

__all__ = ["WATCHDOG_SECONDS", "init_worker", "pool_context", "shared_value", "stop_pool"]

#: Modules the fork server imports once, so that workers forked from it start ready.
PRELOAD = ["sanctionsim.experiments.parts"]

#: How often a worker's watchdog checks that its parent is alive, in seconds.
WATCHDOG_SECONDS = 0.5

_PR_SET_PDEATHSIG = 1

#: What this worker received when it started, by the key its pool gave it.
_SHARED: dict[str, Any] = {}


def _die_with_parent() -> None:
    """Ask the Linux kernel to SIGKILL this process when its parent dies (no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _watchdog(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_SECONDS)
        if os.getppid() != parent:
            os._exit(1)  # the parent is gone: nothing is waiting for this worker's results


def pool_context() -> BaseContext:
    """The multiprocessing context of the local pool (see the module docstring)."""
    methods = multiprocessing.get_all_start_methods()
    if sys.platform.startswith("linux"):
        if "fork" in methods and threading.active_count() == 1:
            return multiprocessing.get_context("fork")
        if "forkserver" in methods:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            return context
    return multiprocessing.get_context("spawn")


def init_worker(parent: int, key: str | None = None, shared: Any = None, method: str = "fork") -> None:
    """Initializer of a pool worker (runs in the worker): see the module docstring.

    Args:
        parent: The process id of the parent that made the pool.
        key: The pool's key for ``shared``.
        shared: What every batch of the pool needs, kept for :func:`shared_value`.
        method: The pool's start method. A ``forkserver`` worker's parent is the fork server, which
            exits when the process that made the pool does; the worker watches it instead.
    """
    if method == "forkserver":
        parent = os.getppid()
    if key is not None:
        _SHARED.clear()
        _SHARED[key] = shared
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)
    threading.Thread(target=_watchdog, args=(parent,), name="parent-watchdog", daemon=True).start()


def shared_value(key: str) -> Any:
    """What this worker received when it started (see :func:`init_worker`).

    Raises:
        RuntimeError: If the worker was not started with ``key``.
    """
    try:
        return _SHARED[key]
    except KeyError:
        raise RuntimeError("this worker was not started with the run's configuration") from None


def stop_pool(executor: ProcessPoolExecutor) -> None:
    """Stop a pool now: terminate its workers (batches in progress are dropped) and shut it down."""
    workers = dict(getattr(executor, "_processes", None) or {})  # pid -> Process (a private detail)
    for process in workers.values():
        with contextlib.suppress(Exception):
            process.terminate()
    executor.shutdown(wait=True, cancel_futures=True)
