"""Closed-form test models with the engine's batch signature, to plug into the sweep machinery.

Each returns (metrics, flows, events, inputs) as :func:`sanctionsim.experiments.ensemble.run_batch`
does, for a one-month run whose only metric is ``y``; the design's paths are the model's inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Ishigami's constants (Ishigami and Homma 1990), and its analytic Sobol indices for them.
A, B = 7.0, 0.1
_V = A**2 / 8 + B * np.pi**4 / 5 + B**2 * np.pi**8 / 18 + 0.5
_V1 = 0.5 * (1 + B * np.pi**4 / 5) ** 2
_V2 = A**2 / 8
_V13 = B**2 * np.pi**8 / 18 - B**2 * np.pi**8 / 50
ISHIGAMI_S1 = {"x1": _V1 / _V, "x2": _V2 / _V, "x3": 0.0}
ISHIGAMI_ST = {"x1": (_V1 + _V13) / _V, "x2": _V2 / _V, "x3": _V13 / _V}


def _tables(
    config: Mapping[str, Any],
    replicates: Sequence[int],
    streams: Sequence[int] | None,
    x: dict,
    y: np.ndarray,
) -> tuple[pd.DataFrame, ...]:
    n = len(replicates)
    reps = np.asarray(replicates, dtype=np.int32)
    start = np.datetime64(f"{config['start']}-01", "ns")
    metrics = pd.DataFrame(
        {"replicate": reps, "month": np.zeros(n, np.int32), "date": np.full(n, start), "y": y.astype(float)}
    )
    inputs = pd.DataFrame(
        {"replicate": reps, "stream": np.asarray(streams if streams is not None else replicates, np.int64)}
    )
    for name, values in x.items():
        inputs[name] = values
    return metrics, pd.DataFrame(), pd.DataFrame(), inputs


class FunctionModel:
    """A batch function that evaluates ``f(**design)`` per row (picklable, for process pools)."""

    def __init__(self, f: Callable[..., np.ndarray]) -> None:
        self.f = f

    def __call__(
        self,
        config: Mapping[str, Any],
        seed: int,
        replicates: Sequence[int],
        keep_ledger: bool = False,
        *,
        streams: Sequence[int] | None = None,
        design: Mapping[str, Sequence[float]] | None = None,
    ) -> tuple[pd.DataFrame, ...]:
        """Evaluate the function on the batch's rows."""
        x = {k: np.asarray(v, dtype=float) for k, v in (design or {}).items()}
        return _tables(config, replicates, streams, x, np.asarray(self.f(**x)))


def _ishigami(x1: np.ndarray, x2: np.ndarray, x3: np.ndarray) -> np.ndarray:
    return np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)


def _linear(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return 3.0 * a + 1.0 * b + 0.0 * c


def _planted(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> np.ndarray:
    """1 inside the planted box 0.2 < p < 0.6 and q > 0.5 (r plays no part), else 0."""
    return ((p > 0.2) & (p < 0.6) & (q > 0.5)).astype(float)


ishigami = FunctionModel(_ishigami)
linear = FunctionModel(_linear)
planted = FunctionModel(_planted)
