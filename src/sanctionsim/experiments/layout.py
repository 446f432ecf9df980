"""Which design point, random stream and parameter values each row of a run has (:class:`Layout`).

The rows of a run are the replicates of its results. A plain ensemble has one point (the scenario as
it is) and ``runs`` replicates: row ``r`` is replicate ``first + r`` on random stream ``first + r``.
A design has P points, each a set of parameter values, and K replicates per point: row ``p * K + k``
is replicate ``first + p * K + k``, runs point ``p`` on stream ``first + k``. Every point thus shares
the same K random streams (common random numbers), so points differ only by their parameters.

A layout is plain data, fixed before anything runs, so a run's results do not depend on how its
rows are split into batches or on which executor runs them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Layout"]


@dataclass(frozen=True, eq=False)
class Layout:
    """The rows of a run: points x replicates, on common random streams.

    Attributes:
        paths: Parameter paths the design sets, one per column of ``values`` (empty for a plain run).
        values: The design points, shape (points, len(paths)).
        replicates: Replicates per point (K); every point runs on streams ``first .. first + K - 1``.
        first: Replicate id of row 0, and its stream: ``sanctionsim run --first-replicate``.

    Raises:
        ValueError: For a bad shape, a value that is not finite, fewer than one point or replicate,
            or a negative ``first``.
    """

    paths: tuple[str, ...]
    values: np.ndarray
    replicates: int
    first: int = 0

    def __post_init__(self) -> None:
        """Check the shape and the values (see the class docstring)."""
        values = np.asarray(self.values, dtype=float)
        if values.ndim != 2 or values.shape[1] != len(self.paths) or values.shape[0] < 1:
            raise ValueError(
                f"a layout needs values of shape (points >= 1, {len(self.paths)}), got {values.shape}"
            )
        if len(set(self.paths)) != len(self.paths):
            raise ValueError(f"a layout names a parameter twice: {list(self.paths)}")
        if not np.isfinite(values).all():
            raise ValueError("design values must be finite numbers")
        if self.replicates < 1:
            raise ValueError(f"replicates per point must be >= 1, got {self.replicates}")
        if self.first < 0:
            raise ValueError(f"the first replicate must be >= 0, got {self.first}")
        values.flags.writeable = False
        object.__setattr__(self, "paths", tuple(self.paths))
        object.__setattr__(self, "values", values)

    @classmethod
    def plain(cls, runs: int, *, first: int = 0) -> Layout:
        """A plain ensemble: one point, ``runs`` replicates on streams ``first .. first + runs - 1``."""
        return cls(paths=(), values=np.zeros((1, 0)), replicates=runs, first=first)

    @property
    def points(self) -> int:
        """Number of design points (P)."""
        return int(self.values.shape[0])

    @property
    def rows(self) -> int:
        """Number of rows (P x K): the run's replicates."""
        return self.points * self.replicates

    def ids(self, part: range) -> list[int]:
        """Replicate ids of rows ``part``."""
        return [self.first + r for r in part]

    def streams(self, part: range) -> list[int]:
        """Random-stream index of rows ``part``."""
        return [self.first + r % self.replicates for r in part]

    def point(self, part: range) -> np.ndarray:
        """Design point of rows ``part``."""
        return np.arange(part.start, part.stop, dtype=np.int64) // self.replicates

    def design(self, part: range) -> dict[str, list[float]] | None:
        """Per-row parameter values of rows ``part`` (``None`` when the layout sets none)."""
        if not self.paths:
            return None
        rows = self.values[self.point(part)]
        return {p: rows[:, j].tolist() for j, p in enumerate(self.paths)}

    def digest(self) -> str:
        """SHA-256 of the paths and values: two runs with the same digest ran the same points."""
        h = hashlib.sha256(repr(self.paths).encode())
        h.update(np.ascontiguousarray(self.values, dtype="<f8").tobytes())
        return h.hexdigest()

    def describe(self) -> dict[str, Any]:
        """What a manifest records under ``layout`` (the values themselves are in ``inputs.parquet``)."""
        return {
            "points": self.points,
            "replicates": self.replicates,
            "first": self.first,
            "paths": list(self.paths),
            "rows": "replicate = first + point * replicates + k; stream = first + k",
            "values_sha256": self.digest(),
        }

    @classmethod
    def recorded(cls, entry: Mapping[str, Any] | None, *, runs: int, inputs: pd.DataFrame | None) -> Layout:
        """The layout a manifest's ``layout`` entry and its ``inputs.parquet`` record.

        Args:
            entry: The manifest's ``layout`` (``None`` for folders written before layouts: plain).
            runs: The manifest's ``runs``.
            inputs: The folder's inputs table (needed when the layout sets parameters).

        Raises:
            ValueError: If the entry and the inputs disagree, or the values are missing.
        """
        if not entry:
            return cls.plain(runs)
        paths = tuple(str(p) for p in entry.get("paths") or ())
        points, replicates = int(entry["points"]), int(entry["replicates"])
        values = np.zeros((points, 0))
        if paths:
            if inputs is None or any(p not in inputs.columns for p in paths):
                raise ValueError(f"the inputs table lacks the design's parameters {list(paths)}")
            first_rows = inputs.sort_values("replicate", kind="stable").groupby("point", sort=True).head(1)
            values = first_rows[list(paths)].to_numpy(dtype=float)
        layout = cls(paths=paths, values=values, replicates=replicates, first=int(entry.get("first", 0)))
        digest = entry.get("values_sha256")
        if layout.rows != runs or (digest is not None and digest != layout.digest()):
            raise ValueError("the inputs table does not hold the points the manifest's layout records")
        return layout

    def check_rows(self, runs: int) -> None:
        """Raise ``ValueError`` unless the layout has ``runs`` rows."""
        if self.rows != runs:
            raise ValueError(
                f"the layout has {self.rows} rows ({self.points} x {self.replicates}), not {runs}"
            )
