"""Shared fixtures: the repository's paths and the baseline scenario."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctionsim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The baseline scenario, loaded once."""
    return load_scenario(BASELINE)
