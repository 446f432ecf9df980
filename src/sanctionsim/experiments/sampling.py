"""Experiment designs: points in parameter space, generated from the seed before anything runs.

Every kind samples the unit cube with a library sampler (SALib or ``scipy.stats.qmc``; none is
written here) and maps each column onto its parameter's range, linearly or on a log scale
(:meth:`~sanctionsim.experiments.fit.Parameter.scale`). A design can also be read from a CSV or
Parquet file of points (one column per parameter path).

The design is fixed by the seed alone, so a sweep's results do not depend on batch size or executor.
:meth:`Design.describe` is what a results folder's manifest records under ``design``; the sensitivity
analysis reads it back (its kind, sample size and levels).
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from SALib.sample import ff as ff_sampler
from SALib.sample import morris as morris_sampler
from SALib.sample import sobol as sobol_sampler
from scipy.stats import qmc

from sanctionsim.experiments.fit import Parameter

__all__ = ["DEFAULT_SAMPLES", "KINDS", "MAX_POINTS", "Design", "make_design", "read_design"]

#: Design kinds and what ``--samples`` means for each.
KINDS: Mapping[str, str] = {
    "grid": "N evenly spaced levels per parameter (low and high included), every combination: N^D points",
    "lhs": "a Latin hypercube of N points (scipy.stats.qmc)",
    "sobol": "Saltelli's scheme on a scrambled Sobol' sequence of N base points (N a power of 2): "
    "N (D + 2) points (SALib); for first-order and total Sobol indices",
    "morris": "N Morris trajectories on --levels levels: N (D + 1) points (SALib); for mu* and sigma",
    "factorial": "a two-level fractional factorial (SALib), N unused: 2 x (the power of 2 >= D) points; "
    "for main effects",
}
#: ``--samples`` when none is given.
DEFAULT_SAMPLES: Mapping[str, int] = {"grid": 5, "lhs": 100, "sobol": 64, "morris": 10, "factorial": 0}
#: Most points a design may have.
MAX_POINTS = 2_000_000
#: Files a design may be read from.
FILE_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True, eq=False)
class Design:
    """Points in parameter space.

    Attributes:
        kind: One of :data:`KINDS`, or ``file``.
        parameters: The parameters, with their ranges (for a file: the smallest and largest value).
        values: The points, shape (points, parameters).
        samples: ``--samples`` (``None`` for a file or a factorial design).
        levels: Morris grid levels (``None`` for other kinds).
        seed: The seed the sampler used.
        source: The file the points came from, for ``file``.
    """

    kind: str
    parameters: tuple[Parameter, ...]
    values: np.ndarray
    samples: int | None = None
    levels: int | None = None
    seed: int = 0
    source: str | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        """The parameters' paths, one per column of :attr:`values`."""
        return tuple(p.path for p in self.parameters)

    @property
    def points(self) -> int:
        """Number of points."""
        return int(self.values.shape[0])

    def with_paths(self, paths: Sequence[str]) -> Design:
        """The same design with its parameters renamed (to their canonical paths)."""
        params = tuple(
            Parameter(path=new, low=p.low, high=p.high, log=p.log)
            for p, new in zip(self.parameters, paths, strict=True)
        )
        return Design(self.kind, params, self.values, self.samples, self.levels, self.seed, self.source)

    def describe(self) -> dict[str, Any]:
        """What a manifest records under ``design``."""
        return {
            "kind": self.kind,
            "parameters": [
                {"path": p.path, "low": p.low, "high": p.high, "log": p.log} for p in self.parameters
            ],
            "samples": self.samples,
            "levels": self.levels,
            "seed": self.seed,
            "points": self.points,
            "source": self.source,
            "second_order": False,
        }


def _problem(d: int) -> dict[str, Any]:
    """A SALib problem over the unit cube (values are mapped onto the ranges afterwards)."""
    return {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}


def _unit_points(kind: str, d: int, *, samples: int, levels: int, seed: int) -> np.ndarray:
    if kind == "grid":
        axis = np.linspace(0.0, 1.0, samples)
        return np.array(list(itertools.product(axis, repeat=d)), dtype=float).reshape(-1, d)
    if kind == "lhs":
        return qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(samples)
    if kind == "sobol":
        return np.asarray(sobol_sampler.sample(_problem(d), samples, calc_second_order=False, seed=seed))
    if kind == "morris":
        return np.asarray(morris_sampler.sample(_problem(d), samples, num_levels=levels, seed=seed))
    return np.asarray(ff_sampler.sample(_problem(d), seed=seed))[:, :d]  # factorial; dummies dropped


def _count(kind: str, d: int, samples: int) -> int:
    if kind == "grid":
        return samples**d
    if kind == "sobol":
        return samples * (d + 2)
    if kind == "morris":
        return samples * (d + 1)
    if kind == "factorial":
        return 2 * 2 ** math.ceil(math.log2(max(d, 1)))
    return samples


def make_design(
    kind: str,
    parameters: Sequence[Parameter],
    *,
    samples: int | None = None,
    seed: int,
    levels: int = 4,
) -> Design:
    """Sample a design of ``kind`` over the parameters' ranges.

    Args:
        kind: One of :data:`KINDS`.
        parameters: The parameters and their ranges (distinct paths).
        samples: What ``--samples`` means for the kind (:data:`KINDS`; default :data:`DEFAULT_SAMPLES`).
        seed: Seed of the sampler.
        levels: Grid levels of a Morris design.

    Raises:
        ValueError: Naming the option: an unknown kind, no parameter, a sample size the kind cannot use
            (a Sobol design needs a power of 2), or a design larger than :data:`MAX_POINTS`.
    """
    if kind not in KINDS:
        raise ValueError(f"--design {kind!r}: expected one of {', '.join(KINDS)}, or a CSV or Parquet file")
    params = tuple(parameters)
    if not params:
        raise ValueError("--param: name at least one parameter to vary, e.g. --param war.fire_rate=1e4:4e4")
    if len({p.path for p in params}) != len(params):
        raise ValueError("--param: a parameter is named twice")
    d = len(params)
    n = DEFAULT_SAMPLES[kind] if samples is None else samples
    if kind != "factorial" and n < (2 if kind == "grid" else 1):
        raise ValueError(f"--samples {n}: a {kind} design needs at least {2 if kind == 'grid' else 1}")
    if kind == "sobol" and n & (n - 1):
        lower = 1 << (n.bit_length() - 1)
        raise ValueError(
            f"--samples {n}: a Sobol design needs a power of 2 base points (e.g. {lower} or {2 * lower})"
        )
    if kind == "morris" and levels < 2:
        raise ValueError(f"--levels {levels}: a Morris design needs at least 2 levels (4 is usual)")
    total = _count(kind, d, n)
    if total > MAX_POINTS:
        raise ValueError(f"--samples {n}: a {kind} design of {d} parameters would have {total} points")
    unit = _unit_points(kind, d, samples=n, levels=levels, seed=seed)
    values = np.column_stack([p.scale(unit[:, j]) for j, p in enumerate(params)])
    return Design(
        kind=kind,
        parameters=params,
        values=values,
        samples=None if kind == "factorial" else n,
        levels=levels if kind == "morris" else None,
        seed=seed,
    )


def is_design_file(text: str | os.PathLike[str]) -> bool:
    """Whether a ``--design`` value names a file of points rather than a kind."""
    return Path(text).suffix.lower() in FILE_SUFFIXES


def read_design(path: str | os.PathLike[str]) -> Design:
    """Read design points from a CSV or Parquet file: one column per parameter path, one row per point.

    Raises:
        FileNotFoundError: If the file does not exist.
        ValueError: Naming the file, and the column or row, for an empty file, a column that is not
            numeric or a value that is missing or not finite.
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"{file}: no such design file")
    try:
        frame = pd.read_parquet(file) if file.suffix.lower() == ".parquet" else pd.read_csv(file)
    except Exception as err:  # pandas raises many kinds for a file it cannot read
        raise ValueError(f"{file}: not a readable design file ({err})") from None
    frame = frame.drop(columns=[c for c in ("point",) if c in frame.columns])
    if frame.empty or not len(frame.columns):
        raise ValueError(f"{file}: no points; expected one column per parameter path and one row per point")
    params = []
    for col in frame.columns:
        try:
            values = pd.to_numeric(frame[col], errors="raise").to_numpy(dtype=float)
        except (ValueError, TypeError):
            raise ValueError(f"{file}: column {col!r} is not numeric") from None
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ValueError(f"{file}: column {col!r}, row {int(bad[0]) + 1}: expected a finite number")
        params.append(Parameter(path=str(col).strip(), low=float(values.min()), high=float(values.max())))
        frame[col] = values
    return Design(kind="file", parameters=tuple(params), values=frame.to_numpy(dtype=float), source=str(file))
