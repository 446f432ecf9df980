"""Random streams: one SeedSequence per replicate, one child stream per process.

Replicate ``r`` of a run with seed ``s`` owns ``SeedSequence(s, spawn_key=(r,))``.
Each stochastic process (an actor's production, a route's interdiction, ...)
gets a 64-bit key derived from that SeedSequence and a stable hash of the
process name, and reads uniforms from a counter-based SplitMix64 stream indexed
by (month, slot). The count of numbers a process reads in a month is fixed, so
a policy that changes one process never shifts another's numbers (common random
numbers), and a replicate's numbers do not depend on which other replicates
run beside it (R = 1 equals replicate 0 of a batch).
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np

from sanctionsim.model import kernels

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SLOTS_PER_MONTH = 4096  # most uniforms a process may read in one month


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (vectorised, wrapping uint64 arithmetic)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * _M1
        x = (x ^ (x >> np.uint64(27))) * _M2
        return x ^ (x >> np.uint64(31))


class Streams:
    """Counter-based random streams for a batch of replicates.

    Args:
        seed: The run's seed.
        replicates: Replicate indices of this batch (global, not batch-local).
    """

    def __init__(self, *, seed: int, replicates: Sequence[int]) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        self.seed = seed
        self.replicates = np.asarray(replicates, dtype=np.int64)
        self._base = np.array(
            [
                np.random.SeedSequence(seed, spawn_key=(int(r),)).generate_state(1, np.uint64)[0]
                for r in replicates
            ],
            dtype=np.uint64,
        )
        self._keys: dict[str, np.ndarray] = {}

    def key(self, process: str) -> np.ndarray:
        """Return the (R,) uint64 keys of the named process's child streams."""
        if process not in self._keys:
            tag = np.uint64(zlib.crc32(process.encode()) | (len(process) << 32))
            self._keys[process] = _mix(_mix(self._base ^ tag) + _GAMMA)
        return self._keys[process]

    def uniform(self, process: str, month: int, n: int) -> np.ndarray:
        """Return uniforms in (0, 1) of shape (R, n) for ``process`` at ``month``."""
        if not 0 < n <= _SLOTS_PER_MONTH:
            raise ValueError(f"a process reads 1..{_SLOTS_PER_MONTH} numbers a month, asked {n}")
        return kernels.splitmix_uniform(self.key(process), month * _SLOTS_PER_MONTH + 1, n)

    def normal(self, process: str, month: int, n: int) -> np.ndarray:
        """Return standard normals of shape (R, n) by Box-Muller (2n uniforms)."""
        u = self.uniform(process, month, 2 * n)
        return np.sqrt(-2.0 * np.log(u[:, :n])) * np.cos(2.0 * np.pi * u[:, n:])
