"""Calibration: does an ensemble's median reproduce what was known by June 2024?

Targets (``data/calibration.yaml``) tie rows of the observations file
(``data/observations_to_2024-06.csv``) to a model quantity: one metric
aggregated over a calendar window. Each target's accepted range is derived
from the observations by a rule documented in the targets file, so every
number in a check traces back to a sourced row.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sanctionsim.analysis.claims import window_aggregate

DATA = Path(__file__).resolve().parents[3] / "data"
OBSERVATIONS = DATA / "observations_to_2024-06.csv"
TARGETS = DATA / "calibration.yaml"
RULES = ("range", "hull", "around", "at_least", "at_most")


@dataclass(frozen=True)
class Check:
    """One target's outcome: the model's median against the accepted range."""

    id: str
    metric: str
    window: tuple[str, str]
    median: float
    low: float
    high: float
    note: str

    @property
    def ok(self) -> bool:
        """Whether the median lies in [low, high]."""
        return self.low <= self.median <= self.high


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def load_observations(path: Path = OBSERVATIONS) -> dict[str, dict[str, Any]]:
    """Read the observations CSV into rows keyed by id, with numeric value/low/high."""
    with path.open(newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    for r in rows.values():
        for key in ("value", "low", "high"):
            r[key] = _num(r[key])
    return rows


def accepted_range(target: dict[str, Any], observations: dict[str, dict[str, Any]]) -> tuple[float, float]:
    """The [low, high] a target accepts, from its observations and rule.

    Raises:
        ValueError: For an unknown observation id or rule.
    """
    rule, slack, scale = target["rule"], float(target.get("slack", 0.0)), float(target.get("scale", 1.0))
    if rule not in RULES:
        raise ValueError(
            f"calibration target {target['id']}: rule {rule!r}; expected one of {', '.join(RULES)}"
        )
    rows = []
    for obs in target["observations"]:
        if obs not in observations:
            raise ValueError(f"calibration target {target['id']}: unknown observation {obs!r}")
        rows.append(observations[obs])
    value = rows[0]["value"] * scale
    if rule == "range":
        low, high = rows[0]["low"], rows[0]["high"]
        return (low * scale if low is not None else -math.inf, high * scale if high is not None else math.inf)
    if rule == "hull":
        points = [x * scale for r in rows for x in (r["value"], r["low"], r["high"]) if x is not None]
        return min(points) * (1 - slack), max(points) * (1 + slack)
    if rule == "around":
        return value * (1 - slack), value * (1 + slack)
    if rule == "at_least":
        return value * (1 - slack), math.inf
    return -math.inf, value * (1 + slack)


def check_calibration(
    metrics: pd.DataFrame, *, targets_path: Path = TARGETS, observations_path: Path = OBSERVATIONS
) -> list[Check]:
    """Check every calibration target against an ensemble's metrics table."""
    observations = load_observations(observations_path)
    targets = yaml.safe_load(targets_path.read_text())["targets"]
    checks = []
    for t in targets:
        window = (t["window"][0], t["window"][1])
        values = window_aggregate(metrics, t["aggregate"], t["metric"], *window)
        low, high = accepted_range(t, observations)
        checks.append(
            Check(t["id"], t["metric"], window, float(np.median(values)), low, high, t.get("note", ""))
        )
    return checks
