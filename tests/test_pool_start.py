"""The local pool starts its workers safely: fork only where the process runs one thread.

Forking a process that runs threads (a Jupyter kernel, a dashboard) can deadlock; there the pool
uses a fork server (Linux) or spawn (macOS, Windows), and runs give the same numbers.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

import sanctionsim as ss
from sanctionsim.experiments.workers import pool_context


@pytest.fixture
def a_thread_runs() -> Iterator[None]:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=True)
    thread.start()
    yield
    stop.set()
    thread.join()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and forkserver are Linux's choices")
def test_fork_only_while_a_single_thread_runs(a_thread_runs: None) -> None:
    assert threading.active_count() > 1
    assert pool_context().get_start_method() == "forkserver"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork and forkserver are Linux's choices")
def test_a_single_threaded_process_forks() -> None:
    # a fresh process: the test runner may have threads of its own by now (Dask, progress bars)
    code = (
        "from sanctionsim.experiments.workers import pool_context; print(pool_context().get_start_method())"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "fork"


def test_workers_started_beside_threads_give_the_same_run(a_thread_runs: None) -> None:
    method = pool_context().get_start_method()
    assert method != "fork"
    pooled = ss.simulate("baseline", runs=24, months=6, seed=9, workers=2, batch_size=6, progress=False)
    alone = ss.simulate("baseline", runs=24, months=6, seed=9, workers=1, progress=False)
    assert pooled.metrics.equals(alone.metrics)
    assert pooled.inputs is not None and pooled.inputs.equals(alone.inputs)
