"""The one loop that runs batches: in this process, in a local process pool, or on any
``concurrent.futures`` executor (``dask.distributed.Client.get_executor()`` for a cluster).

Results come back in submission order, so what is written does not depend on the executor. Local
pool workers ignore Ctrl-C and die with their parent (:mod:`sanctionsim.experiments.workers`); on an
error or an interrupt, batches not started are dropped and those running are stopped.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any

from sanctionsim.experiments.workers import init_worker, stop_pool

__all__ = ["run_tasks"]


def run_tasks[T](
    fn: Callable[..., T], tasks: Sequence[tuple[Any, ...]], *, executor: Executor | None, workers: int
) -> Iterator[T]:
    """Yield ``fn(*task)`` for each task, in order.

    Args:
        fn: A plain function of plain data (it may run in another process).
        tasks: Its arguments, one tuple per call.
        executor: An executor to use; ``None`` makes a local process pool of ``workers`` processes,
            or runs here when ``workers <= 1`` or there is one task.
        workers: Local processes.
    """
    if executor is None and (workers <= 1 or len(tasks) <= 1):
        for task in tasks:
            yield fn(*task)
        return
    own = executor is None
    if executor is None:
        # fork works from scripts without a __main__ guard and from notebooks; the CLI keeps no threads
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        executor = ProcessPoolExecutor(
            max_workers=min(workers, len(tasks)),
            mp_context=context,
            initializer=init_worker,
            initargs=(os.getpid(),),
        )
    futures = [executor.submit(fn, *task) for task in tasks]
    finished = False
    try:
        for f in futures:
            yield f.result()
        finished = True
    finally:  # on an error or an interrupt, drop the batches not started: no orphaned work
        for f in futures:
            f.cancel()
        if own and isinstance(executor, ProcessPoolExecutor):
            if finished:
                executor.shutdown(wait=True)
            else:  # stop the batches in progress too, rather than wait for them
                stop_pool(executor)
