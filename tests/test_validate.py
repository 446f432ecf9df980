"""`sanctionsim validate`: the shipped baseline, JSON and figure, the synthetic truth at its nominal rate."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import matplotlib.image as mpimg
import pytest
from typer.testing import CliRunner

import sanctionsim as ss
from sanctionsim.analysis.observations import SHIPPED
from sanctionsim.cli.app import app
from tests import synthetic
from tests.conftest import BASELINE, ROOT

runner = CliRunner()


@pytest.fixture(scope="module")
def shipped_validation():
    return ss.validate(BASELINE, SHIPPED, runs=200, seed=42)


def test_baseline_covers_at_least_80_percent_of_answerable_rows(shipped_validation):
    summary = shipped_validation.summary
    missed = shipped_validation.table.loc[~shipped_validation.table["overlap"], "id"].tolist()
    assert summary["answered"] >= 10
    assert summary["coverage_80"] >= 0.8, f"10-90% bands miss {missed}"


def test_every_shipped_row_is_scored_or_listed(shipped_validation):
    obs = shipped_validation.observations
    assert len(shipped_validation.table) + len(obs.unanswered) == len({r.target for r in obs.rows})
    assert shipped_validation.summary["unanswered"] == len(obs.unanswered) > 0


def test_cli_validate_prints_table_summary_and_writes_the_figure(tmp_path):
    fig = tmp_path / "validation.png"
    env = {**os.environ, "COLUMNS": "160"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sanctionsim.cli",
            "validate",
            "baseline",
            "--observations",
            str(SHIPPED),
            "--runs",
            "60",
            "--seed",
            "3",
            "-w",
            "1",
            "--figure",
            str(fig),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for text in (
        "containers_by_feb2024",
        "10–90%",
        "overlap",
        "PIT",
        "coverage:",
        "mean relative score",
        "unanswered: 11 rows",
        str(fig),
    ):
        assert text in out
    image = mpimg.imread(fig)
    assert image.shape[0] > 500 and image.shape[1] > 500


def test_cli_validate_json_is_strict_json(tmp_path):
    result = runner.invoke(
        app,
        [
            "validate",
            str(BASELINE),
            "-O",
            str(SHIPPED),
            "--runs",
            "20",
            "-w",
            "1",
            "--json",
            "--figure",
            str(tmp_path / "f.png"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data["runs"] == 20 and data["figure"] == str(tmp_path / "f.png")
    row = {r["id"]: r for r in data["rows"]}["shells_jun2024"]
    assert row["low"] is None and row["high"] == 4_800_000 and row["kind"] == "upper"
    assert row["p10"] <= row["median"] <= row["p90"] and 0 <= row["pit"] <= 1
    assert set(data["summary"]) >= {"coverage_50", "coverage_80", "mean_score", "mean_crps", "unanswered"}
    assert data["summary"]["mean_crps"] is None  # the shipped rows are ranges and bounds, no points
    assert {r["id"] for r in data["unanswered"]} >= {"dprk_oil_need", "workers_ru_2017"}
    assert "return_flow" not in {r["id"] for r in data["unanswered"]}  # answered by an expression


def test_same_seed_same_validation():
    a = ss.validate(BASELINE, SHIPPED, runs=10, seed=5, workers=1)
    b = ss.validate(BASELINE, SHIPPED, runs=10, seed=5, workers=2)
    assert a.table.equals(b.table)


# ---------------------------------------------------------------------------------------------
# Synthetic truth: bands cover held-out truths at their nominal rate
# ---------------------------------------------------------------------------------------------

HELD_OUT_ROWS = 240


@pytest.fixture(scope="module")
def synthetic_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    base = synthetic.base_scenario(folder)
    names = list(synthetic.QUANTITIES)
    values = synthetic.truth_values(base, list(synthetic.QUANTITIES.values()), replicates=HELD_OUT_ROWS)
    rows = []
    for i in range(HELD_OUT_ROWS):  # row i: one quantity of held-out run i, so rows are independent
        j = i % len(names)
        rows += synthetic.point_rows([names[j]], [values[i, j]], prefix=f"run{i}_")
    return base, synthetic.write_rows(folder / "held-out.csv", rows)


def test_validate_covers_the_synthetic_truth_at_the_nominal_rate(synthetic_file):
    base, file = synthetic_file
    truth = [f"{k}={v}" for k, v in synthetic.TRUTH.items()]
    result = ss.validate(base, file, runs=400, seed=7, overrides=truth, workers=1)
    s = result.summary
    assert s["answered"] == HELD_OUT_ROWS and s["mean_crps"] is not None
    for level, got in ((0.5, s["coverage_50"]), (0.8, s["coverage_80"])):
        se = math.sqrt(level * (1 - level) / HELD_OUT_ROWS)
        assert abs(got - level) <= 3 * se, f"{level:.0%} band covers {got:.1%} of held-out truths"
    assert abs(s["mean_pit"] - 0.5) <= 3 * math.sqrt(1 / 12 / HELD_OUT_ROWS)


def test_a_wrong_parameter_misses_the_synthetic_truth(synthetic_file):
    base, file = synthetic_file
    wrong = ["war.fire_rate=15000", f"compliance.intercept={synthetic.TRUTH['compliance.intercept']}"]
    s = ss.validate(base, file, runs=200, seed=7, overrides=wrong, workers=1).summary
    assert s["coverage_80"] < 0.8 - 3 * math.sqrt(0.16 / HELD_OUT_ROWS)


def test_the_figure_of_a_long_file_shows_the_misses_first(synthetic_file, tmp_path):
    from sanctionsim.plotting.validation import MAX_PANELS, plot_validation

    base, file = synthetic_file
    result = ss.validate(base, file, runs=50, seed=7, overrides=["war.fire_rate=15000"], workers=1)
    path = tmp_path / "v.png"
    plot_validation(result.observations.targets, result.values, result.table, out=path)
    height, width = mpimg.imread(path).shape[:2]
    assert height < 4000 and width < 2000  # MAX_PANELS panels, not one per row
    assert MAX_PANELS < HELD_OUT_ROWS
