"""What an ensemble will cost before it runs: time, memory and disk, from measured per-unit costs.

The unit is the *replicate-month* (one replicate simulated for one month). The costs below were
measured on the development machine (2 shared cores, Python 3.12, the baseline scenario with 4
actors; see docs/robustness.md): a scenario with more actors, goods or routes costs more, roughly
in proportion to its flows. Runs above :data:`LARGE_RUN` replicate-months need ``--yes`` on the
command line, after the estimate is printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from sanctionsim.experiments.ensemble import batches

__all__ = [
    "DISK_BYTES_PER_REPLICATE_MONTH",
    "HELD_BYTES_PER_REPLICATE_MONTH",
    "LARGE_RUN",
    "SECONDS_PER_REPLICATE_MONTH",
    "WORKER_BASE_BYTES",
    "WORKER_BYTES_PER_REPLICATE_MONTH",
    "Estimate",
    "estimate",
]

#: Replicate-months above which the command line asks for ``--yes`` (the demo runs 7,200; this is
#: about a minute of one core and 1.3 GB of results).
LARGE_RUN = 1_000_000
#: Seconds of one core per replicate-month, in batches of hundreds of replicates, results written
#: (measured 37 µs: 10,000 runs of 36 months in 13.2 s on one core).
SECONDS_PER_REPLICATE_MONTH = 4.0e-5
#: Resident memory of a process that has imported sanctionsim and its libraries, numba's compiled
#: kernels loaded (measured 265-350 MB).
WORKER_BASE_BYTES = 300e6
#: Peak memory a batch adds per replicate-month it holds (measured 3-7 kB: 33-110 MB for 12,000).
WORKER_BYTES_PER_REPLICATE_MONTH = 7.0e3
#: Memory per replicate-month of results held in memory (``check``, ``simulate(out=None)``): the
#: tables (measured 3.6 kB), twice while the batches are joined.
HELD_BYTES_PER_REPLICATE_MONTH = 2 * 3.6e3
#: Bytes on disk per replicate-month of a results folder, by what is recorded (measured, Parquet with
#: zstd, the baseline: every flow in float64, in float32, or metrics and events only).
DISK_BYTES_PER_REPLICATE_MONTH: dict[str, float] = {"full": 1.15e3, "flows": 0.85e3, "metrics": 0.57e3}


@dataclass(frozen=True)
class Estimate:
    """The expected cost of an ensemble.

    Attributes:
        replicate_months: Replicates times months, summed over the scenarios.
        processes: Processes that simulate at once.
        seconds: Wall-clock time.
        memory_bytes: Peak memory of all processes together.
        disk_bytes: Size of the results written (0 when held in memory).
    """

    replicate_months: int
    processes: int
    seconds: float
    memory_bytes: float
    disk_bytes: float

    @property
    def large(self) -> bool:
        """Whether the run is above :data:`LARGE_RUN` and needs ``--yes``."""
        return self.replicate_months > LARGE_RUN

    def describe(self) -> str:
        """One line: ``7,200 replicate-months: about 1 s on 2 processes, 0.4 GB of memory, 9 MB on disk``."""
        plural = "es" if self.processes > 1 else ""
        parts = [
            f"about {_duration(self.seconds)} on {self.processes} process{plural}",
            f"{_size(self.memory_bytes)} of memory",
        ]
        if self.disk_bytes:
            parts.append(f"{_size(self.disk_bytes)} on disk")
        return f"{self.replicate_months:,} replicate-months: " + ", ".join(parts)


def estimate(
    *,
    runs: int,
    months: int,
    scenarios: int = 1,
    workers: int | None = None,
    in_memory: bool = False,
    record: str = "full",
) -> Estimate:
    """Estimate an ensemble's cost from the measured per-replicate-month costs.

    Args:
        runs: Replicates per scenario.
        months: Months per replicate.
        scenarios: Scenarios run one after the other with these options (a comparison).
        workers: Local processes (default: CPU count).
        in_memory: Whether the results are held in memory rather than written.
        record: What is recorded (``full``, ``flows`` or ``metrics``), for the disk.
    """
    cells = runs * months * scenarios
    workers = workers or os.cpu_count() or 1
    parts = batches(runs, months, workers=workers)  # as simulate() splits them
    batch = len(parts[0]) * months
    processes = max(1, min(workers, len(parts)))
    seconds = cells * SECONDS_PER_REPLICATE_MONTH / processes
    memory = WORKER_BASE_BYTES + processes * (batch * WORKER_BYTES_PER_REPLICATE_MONTH)
    if processes > 1:
        memory += processes * WORKER_BASE_BYTES
    if in_memory:
        memory += runs * months * HELD_BYTES_PER_REPLICATE_MONTH
    disk = (
        0.0
        if in_memory
        else cells * DISK_BYTES_PER_REPLICATE_MONTH.get(record, max(DISK_BYTES_PER_REPLICATE_MONTH.values()))
    )
    return Estimate(
        replicate_months=cells, processes=processes, seconds=seconds, memory_bytes=memory, disk_bytes=disk
    )


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def _size(nbytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= scale:
            return f"{nbytes / scale:.1f} {unit}"
    return f"{max(1, round(nbytes / 1e3))} kB"
