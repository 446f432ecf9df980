"""The one loop that runs batches: in this process, in a local process pool, or on any
``concurrent.futures`` executor (``dask.distributed.Client.get_executor()`` for a cluster).

- :func:`run_tasks` yields results in submission order, so what is written does not depend on the
  executor; :func:`stream_tasks` yields ``(index, result)`` as batches finish (their order does
  not matter when each batch is written to its own file).
- At most a few batches per worker are submitted ahead of the ones finished, so results never pile
  up in memory however many batches a run has.
- What every batch needs (the configuration) can be sent once per worker instead of with every
  batch (``shared``): a local pool's workers receive it when they start; a Dask cluster gets it
  scattered to every worker once; any other executor gets it with each batch.

Local pool workers ignore Ctrl-C and die with their parent (:mod:`sanctionsim.experiments.workers`);
on an error or an interrupt, batches not started are dropped and those running are stopped.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from typing import Any

from sanctionsim.experiments.workers import init_worker, pool_context, shared_value, stop_pool

__all__ = ["run_tasks", "stream_tasks"]

#: Batches submitted ahead per worker: enough to keep every worker busy, few enough to hold little.
AHEAD = 2

_NOTHING: Any = object()


def run_tasks[T](
    fn: Callable[..., T],
    tasks: Sequence[tuple[Any, ...]],
    *,
    executor: Executor | None,
    workers: int,
    shared: Any = _NOTHING,
) -> Iterator[T]:
    """Yield ``fn(*task)`` (or ``fn(shared, *task)``) for each task, in order.

    Args:
        fn: A plain function of plain data (it may run in another process).
        tasks: Its arguments, one tuple per call.
        executor: An executor to use; ``None`` makes a local process pool of ``workers`` processes,
            or runs here when ``workers <= 1`` or there is one task.
        workers: Local processes.
        shared: An argument every call takes first, sent once per worker (see the module docstring).
    """
    held: dict[int, T] = {}
    following = 0
    for index, value in _loop(fn, tasks, executor=executor, workers=workers, shared=shared):
        held[index] = value
        while following in held:
            yield held.pop(following)
            following += 1


def stream_tasks[T](
    fn: Callable[..., T],
    tasks: Sequence[tuple[Any, ...]],
    *,
    executor: Executor | None,
    workers: int,
    shared: Any = _NOTHING,
) -> Iterator[tuple[int, T]]:
    """Yield ``(index, fn(shared, *tasks[index]))`` as the calls finish; see :func:`run_tasks`."""
    yield from _loop(fn, tasks, executor=executor, workers=workers, shared=shared)


def _call_shared(fn: Callable[..., Any], key: str, *task: Any) -> Any:
    """Run in a pool worker: call ``fn`` with the value the worker received when it started."""
    return fn(shared_value(key), *task)


def _dask_client(executor: Executor) -> Any:
    """The Dask client behind ``Client.get_executor()``, or ``None`` for another executor."""
    client = getattr(executor, "_client", None)
    return client if client is not None and hasattr(client, "scatter") else None


def _loop(
    fn: Callable[..., Any],
    tasks: Sequence[tuple[Any, ...]],
    *,
    executor: Executor | None,
    workers: int,
    shared: Any,
) -> Iterator[tuple[int, Any]]:
    with_shared = shared is not _NOTHING
    if executor is None and (workers <= 1 or len(tasks) <= 1):
        for index, task in enumerate(tasks):
            yield index, (fn(shared, *task) if with_shared else fn(*task))
        return
    own = executor is None
    submit: Callable[[tuple[Any, ...]], Future[Any]]
    if executor is None:
        context = pool_context()  # fork, forkserver or spawn: whichever is safe here
        key = secrets.token_hex(8)
        executor = ProcessPoolExecutor(
            max_workers=min(workers, len(tasks)),
            mp_context=context,
            initializer=init_worker,
            initargs=(os.getpid(), key, shared if with_shared else None, context.get_start_method()),
        )
        pool = executor
        slots = min(workers, len(tasks))
        if with_shared:
            submit = lambda task: pool.submit(_call_shared, fn, key, *task)  # noqa: E731
        else:
            submit = lambda task: pool.submit(fn, *task)  # noqa: E731
    else:
        given = executor
        client = _dask_client(given)
        slots = len(client.nthreads()) if client is not None else max(workers, 1)
        if with_shared and client is not None:
            scattered = client.scatter(shared, broadcast=True, hash=False)  # once per worker
            submit = lambda task: given.submit(fn, scattered, *task)  # noqa: E731
        elif with_shared:
            submit = lambda task: given.submit(fn, shared, *task)  # noqa: E731
        else:
            submit = lambda task: given.submit(fn, *task)  # noqa: E731
    pending: dict[Future[Any], int] = {}
    following = 0
    finished = False
    try:
        while following < len(tasks) or pending:
            while following < len(tasks) and len(pending) < AHEAD * max(slots, 1):
                pending[submit(tasks[following])] = following
                following += 1
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in sorted(done, key=pending.__getitem__):
                index = pending.pop(future)
                yield index, future.result()
        finished = True
    finally:  # on an error or an interrupt, drop the batches not started: no orphaned work
        for future in pending:
            future.cancel()
        if own and isinstance(executor, ProcessPoolExecutor):
            if finished:
                executor.shutdown(wait=True)
            else:  # stop the batches in progress too, rather than wait for them
                stop_pool(executor)
