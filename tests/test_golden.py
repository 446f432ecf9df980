"""Golden results: every scenario's tables, pinned.

A refactoring must leave results unchanged; this test says so for the baseline and every scenario of
the library (12 runs, seed 42, each scenario's own horizon). It pins each table's shape, column names
and order, dtypes, and the sum of every numeric column (and of each text column's values' lengths).
Sums are compared at a relative tolerance of 1e-9, not bit for bit: numpy picks its math kernels by
CPU (AVX-512 or not), which changes the last bits of some results, and a byte hash would then fail on
a machine other than the one that pinned it. Any change of logic moves sums far more than 1e-9.
When a change is meant to move the numbers, regenerate the pins and say why in the commit:

    SANCTIONSIM_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import sanctionsim as ss

ROOT = Path(__file__).resolve().parents[1]
PINS = ROOT / "tests" / "data" / "golden.json"
NAMES = sorted(
    p.relative_to(ROOT / "scenarios").with_suffix("").as_posix() for p in (ROOT / "scenarios").rglob("*.yaml")
)
UPDATE = os.environ.get("SANCTIONSIM_UPDATE_GOLDEN") == "1"
RTOL = 1e-9


def fingerprint(frame: pd.DataFrame) -> dict[str, Any]:
    """Shape, columns, dtypes and column sums of a table."""
    sums = {}
    for column in frame.columns:
        values = frame[column].to_numpy()
        if values.dtype == object:
            sums[column] = float(sum(len(str(v)) for v in values))
        elif np.issubdtype(values.dtype, np.datetime64):
            sums[column] = float(values.astype("int64").sum() // 10**9)
        else:
            sums[column] = float(np.sum(values, dtype=np.float64))
    return {"rows": len(frame), "dtypes": [f"{c}:{frame[c].dtype}" for c in frame.columns], "sums": sums}


def fingerprints(name: str) -> dict[str, Any]:
    res = ss.simulate(name, runs=12, seed=42, workers=1)
    return {t: fingerprint(getattr(res, t)) for t in ("metrics", "flows", "events")}


def test_every_scenario_is_pinned() -> None:
    if UPDATE:
        PINS.write_text(json.dumps({n: fingerprints(n) for n in NAMES}, indent=1, sort_keys=True) + "\n")
    assert sorted(json.loads(PINS.read_text())) == NAMES, (
        "a scenario was added or removed: regenerate the pins"
    )


@pytest.mark.parametrize("name", NAMES)
def test_results_are_unchanged(name: str) -> None:
    pinned = json.loads(PINS.read_text())[name]
    now = fingerprints(name)
    for table in ("metrics", "flows", "events"):
        assert now[table]["rows"] == pinned[table]["rows"], f"{name} {table}: row count changed"
        assert now[table]["dtypes"] == pinned[table]["dtypes"], f"{name} {table}: columns changed"
        for column, value in pinned[table]["sums"].items():
            assert now[table]["sums"][column] == pytest.approx(value, rel=RTOL, abs=1e-12), (
                f"{name} {table}.{column} changed; if on purpose, regenerate (see module docstring)"
            )
