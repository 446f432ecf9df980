"""Golden hashes: every scenario's tables, to the bit, pinned.

A refactoring must leave results bit-identical; this test says so for the baseline and every
scenario of the library (12 runs, seed 42, each scenario's own horizon). When a change is meant to
move the numbers, regenerate the pins and say why in the commit:

    SANCTIONSIM_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

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


def table_hash(frame: pd.DataFrame) -> str:
    """SHA-256 (first 16 hex digits) of a table's column names, order, dtypes and values."""
    h = hashlib.sha256()
    for column in frame.columns:
        values = frame[column].to_numpy()
        h.update(f"{column}:{values.dtype}".encode())
        if values.dtype == object:
            h.update("\x1f".join(map(str, values)).encode())
        else:
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()[:16]


def hashes(name: str) -> dict[str, str]:
    res = ss.simulate(name, runs=12, seed=42, workers=1)
    return {t: table_hash(getattr(res, t)) for t in ("metrics", "flows", "events")}


def test_every_scenario_is_pinned() -> None:
    if UPDATE:
        PINS.write_text(json.dumps({n: hashes(n) for n in NAMES}, indent=1, sort_keys=True) + "\n")
    assert sorted(json.loads(PINS.read_text())) == NAMES, (
        "a scenario was added or removed: regenerate the pins"
    )


@pytest.mark.parametrize("name", NAMES)
def test_results_are_bit_identical_to_the_pins(name: str) -> None:
    pinned = json.loads(PINS.read_text())[name]
    assert hashes(name) == pinned, (
        f"{name}: results changed; if on purpose, regenerate (see module docstring)"
    )
