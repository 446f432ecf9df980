"""The outcome of a calibration (:class:`Calibration`) and the parameters it fits (:class:`Parameter`).

Data only: :mod:`sanctionsim.experiments.calibrate` computes a calibration and
:mod:`sanctionsim.experiments.fitted` writes it as a scenario file and a report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sanctionsim.analysis.observations import Observations, describe_observed
from sanctionsim.analysis.scoring import jsonable
from sanctionsim.scenario import Scenario

__all__ = ["FALLBACK_SHARE", "Calibration", "Parameter", "parse_parameters"]

#: Share of the least implausible candidates the next wave focuses on when none is below the threshold.
FALLBACK_SHARE = 0.1


@dataclass(frozen=True)
class Parameter:
    """A parameter to calibrate or sweep: its path and the range searched.

    Attributes:
        path: Parameter path, as in a scenario's ``uncertainties`` or ``--set``.
        low: Lowest value searched.
        high: Highest value searched.
        log: Spread values evenly on a log scale (``path=low:high:log``; sweeps only).
    """

    path: str
    low: float
    high: float
    log: bool = False

    @classmethod
    def parse(cls, text: str) -> Parameter:
        """Read ``path=low:high`` or ``path=low:high:log``.

        Raises:
            ValueError: Naming ``--param`` for a malformed text, ``low >= high`` or a log range that
                is not positive.
        """
        path, sep, bounds = text.partition("=")
        lo_text, colon, rest = bounds.partition(":")
        hi_text, _, scale = rest.partition(":")
        if not sep or not colon or not path.strip() or scale.strip() not in ("", "log"):
            raise ValueError(
                f"--param {text!r}: expected path=low:high or path=low:high:log, "
                "e.g. war.fire_rate=10000:40000"
            )
        try:
            low, high = float(lo_text), float(hi_text)
        except ValueError:
            raise ValueError(
                f"--param {text!r}: low and high must be numbers, e.g. war.fire_rate=10000:40000"
            ) from None
        if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
            raise ValueError(f"--param {text!r}: expected finite low < high")
        log = scale.strip() == "log"
        if log and low <= 0:
            raise ValueError(f"--param {text!r}: a log range needs low > 0")
        return cls(path=path.strip(), low=low, high=high, log=log)

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Values for points of the unit interval: linear in the range, or log-linear with ``log``."""
        unit = np.asarray(unit, dtype=float)
        if self.log:
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + unit * (hi - lo))
        return self.low + unit * (self.high - self.low)

    def __str__(self) -> str:
        """The text :meth:`parse` reads."""
        return f"{self.path}={self.low!r}:{self.high!r}{':log' if self.log else ''}"


def parse_parameters(texts: Sequence[str | Parameter]) -> list[Parameter]:
    """Parse ``path=low:high`` texts (or pass :class:`Parameter` through); paths must be distinct.

    Raises:
        ValueError: For a malformed text, a repeated path or no parameter.
    """
    params = [t if isinstance(t, Parameter) else Parameter.parse(t) for t in texts]
    if not params:
        raise ValueError(
            "--param: name at least one parameter to calibrate, e.g. --param war.fire_rate=1e4:4e4"
        )
    seen = set()
    for p in params:
        if p.path in seen:
            raise ValueError(f"--param {p.path}: named twice")
        seen.add(p.path)
    return params


@dataclass(frozen=True)
class Calibration:
    """The outcome of :func:`calibrate`.

    Attributes:
        scenario: The input scenario.
        observations: The observations fitted (rows dated up to ``until``).
        parameters: The calibrated parameters with their prior ranges.
        candidates: One row per candidate: ``wave``, one column per path, ``implausibility`` (largest
            over targets), ``score`` (mean relative score) and ``not_ruled_out``.
        target_implausibility: Per-target implausibility of every candidate, (candidates, targets).
        best: Best value per path.
        ranges: Range (low, high) of the candidates not ruled out, per path.
        consistent: Whether any candidate is not ruled out (if not, ``ranges`` span the least
            implausible candidates and the model misfits some rows).
        until: Last month of the rows fitted, or ``None`` for all.
        settings: Budget, waves, replicates, threshold, discrepancy, seed.
        seconds: Wall time.
        best_index: Row of the best candidate in ``candidates``.
        path: The fitted scenario file, when written.
        report: The report files written (json, md, png).
    """

    scenario: Scenario
    observations: Observations
    parameters: tuple[Parameter, ...]
    candidates: pd.DataFrame
    target_implausibility: np.ndarray
    best: dict[str, float]
    ranges: dict[str, tuple[float, float]]
    consistent: bool
    until: str | None
    settings: dict[str, Any]
    seconds: float
    best_index: int
    path: Path | None = None
    report: dict[str, Path] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The fit report as plain JSON data (no NaN)."""
        best_row = self.best_index
        not_out = self.candidates["not_ruled_out"].to_numpy()
        params = {}
        for p in self.parameters:
            col = self.candidates[p.path].to_numpy()
            kept = col[not_out] if not_out.any() else col[self._fallback()]
            q05, q50, q95 = np.quantile(kept, [0.05, 0.5, 0.95])
            params[p.path] = {
                "prior": [p.low, p.high],
                "best": self.best[p.path],
                "low": self.ranges[p.path][0],
                "high": self.ranges[p.path][1],
                "q05": float(q05),
                "q50": float(q50),
                "q95": float(q95),
            }
        targets = []
        for j, t in enumerate(self.observations.targets):
            targets.append(
                {
                    "id": t.id,
                    "quantity": str(t.quantity),
                    "observed": describe_observed(t),
                    "implausibility_at_best": float(self.target_implausibility[best_row, j]),
                    "share_ruling_out": float(
                        (self.target_implausibility[:, j] >= self.settings["threshold"]).mean()
                    ),
                }
            )
        waves = [
            {
                "wave": int(w),
                "candidates": int((self.candidates["wave"] == w).sum()),
                "not_ruled_out": int(
                    self.candidates.loc[self.candidates["wave"] == w, "not_ruled_out"].sum()
                ),
            }
            for w in sorted(self.candidates["wave"].unique())
        ]
        return jsonable(
            {
                "scenario": self.scenario.name,
                "scenario_path": str(self.scenario.path),
                "observations": str(self.observations.path),
                "until": self.until,
                "method": "history matching with implausibility (docs/calibration.md)",
                "settings": self.settings,
                "consistent": self.consistent,
                "candidates": len(self.candidates),
                "not_ruled_out": int(not_out.sum()),
                "parameters": params,
                "targets": targets,
                "unanswered": [r.id for r in self.observations.unanswered],
                "waves": waves,
                "fitted_scenario": str(self.path) if self.path else None,
                "seconds": self.seconds,
            }
        )

    def _fallback(self) -> np.ndarray:
        imp = self.candidates["implausibility"].to_numpy()
        n = max(2, math.ceil(FALLBACK_SHARE * imp.size))
        return np.argsort(imp, kind="stable")[:n]
