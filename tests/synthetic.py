"""Synthetic observations: generated from the model with known parameters, for recovery tests.

The base scenario is the baseline over a short horizon without the uncertainty on ``war.fire_rate``
(so that a value set for it holds in every replicate) and without the war path's month-to-month
shocks (so that demand reflects the fire rate, which the recovery tests identify). Observations are
a held-out replicate's values (random streams far from the ones validation and calibration use) of
a few model quantities.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import yaml

from sanctionsim.analysis.aggregates import Quantity
from sanctionsim.experiments.design import evaluate_design
from sanctionsim.scenario import load_scenario
from tests.conftest import BASELINE

#: The parameters the synthetic truth sets, and their values.
TRUTH: dict[str, float] = {"war.fire_rate": 26000.0, "compliance.intercept": -0.5}
#: What the synthetic rows observe (12 months from 2023-08).
QUANTITIES: dict[str, Quantity] = {
    "demand_early": Quantity(metric="war_demand_rus", aggregate="mean", start="2023-08", end="2024-01"),
    "demand_late": Quantity(metric="war_demand_rus", aggregate="mean", start="2024-02", end="2024-07"),
    "shells_total": Quantity(metric="shells_prk_to_rus", aggregate="sum", start="2023-08", end="2024-07"),
    "compliance_early": Quantity(metric="compliance_chn", aggregate="mean", start="2023-08", end="2024-01"),
    "compliance_late": Quantity(metric="compliance_chn", aggregate="last", start="2024-02", end="2024-07"),
    "gdp_growth": Quantity(metric="gdp_growth_prk", aggregate="mean", start="2023-08", end="2024-07"),
}
#: First random stream of held-out truths: far from the streams runs use (0, 1, ...).
HELD_OUT = 100_000
HEADER = ("id", "metric", "aggregate", "window_start", "window_end", "value", "low", "high", "unit", "source")


def base_scenario(folder: Path, *, months: int = 12) -> Path:
    """Write the synthetic base scenario into ``folder`` and return its path."""
    data = yaml.safe_load(BASELINE.read_text(encoding="utf-8"))
    del data["uncertainties"]["war.fire_rate"]
    del data["uncertainties"]["war.path_sd"]
    data["war"]["path_sd"] = 0.0
    data["months"] = months
    data["title"] = "Synthetic base"
    path = folder / "synthetic-base.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def truth_values(
    base: Path,
    quantities: Sequence[Quantity],
    *,
    replicates: int = 1,
    offset: int = HELD_OUT,
    truth: Mapping[str, float] = TRUTH,
) -> np.ndarray:
    """Each quantity in ``replicates`` held-out runs at the truth, shape (replicates, quantities)."""
    sc = load_scenario(base)
    values = evaluate_design(
        sc.config.model_dump(mode="json"),
        seed=sc.config.seed,
        paths=list(truth),
        values=np.array([list(truth.values())]),
        replicates=replicates,
        quantities=quantities,
        stream_offset=offset,
        workers=1,
    )
    return values[0]


def write_rows(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    """Write a spreadsheet-style observations CSV with the :data:`HEADER` columns."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in HEADER})
    return path


def point_rows(names: Sequence[str], values: Sequence[float], *, prefix: str = "") -> list[dict[str, object]]:
    """Point observations of the named :data:`QUANTITIES`."""
    rows = []
    for name, value in zip(names, values, strict=True):
        q = QUANTITIES[name]
        rows.append(
            {
                "id": f"{prefix}{name}",
                "metric": q.metric,
                "aggregate": q.aggregate,
                "window_start": q.start,
                "window_end": q.end,
                "value": repr(float(value)),
                "source": "synthetic truth",
            }
        )
    return rows
