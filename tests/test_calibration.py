"""The baseline ensemble median reproduces what was known by June 2024 (the shipped observations file)."""

from __future__ import annotations

from pathlib import Path

import pytest

import sanctionsim as ss
from sanctionsim.analysis.calibration import OBSERVATIONS, check_calibration

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / OBSERVATIONS.name


@pytest.fixture(scope="module")
def checks(baseline):
    results = ss.simulate(baseline, runs=200, seed=42, months=12)
    return check_calibration(results.metrics)


def test_every_calibration_target_is_met(checks):
    failed = [
        f"{c.id}: median {c.median:.4g} not in [{c.low:.4g}, {c.high:.4g}] ({c.note})"
        for c in checks
        if not c.ok
    ]
    assert not failed, "\n".join(failed)


def test_targets_cover_the_observations_named_in_the_issue(checks):
    ids = {c.id for c in checks}
    assert {
        "containers_by_feb2024",
        "shells_jun2024",
        "un_cap_refined",
        "gdp_prk_2023",
        "cn_share_prk_trade_2022",
    } <= ids


def test_a_miscalibrated_model_fails_the_check(baseline):
    """The check has teeth: a war at a tenth of the fire rate misses the shell targets."""
    results = ss.simulate(baseline, runs=20, seed=1, months=12, overrides=["war.fire_rate=2000"])
    failed = {c.id for c in check_calibration(results.metrics) if not c.ok}
    assert "containers_by_feb2024" in failed


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside this checkout")
def test_repository_copy_of_observations_matches_shared():
    assert OBSERVATIONS.read_text() == SHARED.read_text()
