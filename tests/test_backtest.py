"""`sanctionsim backtest`: fit up to a cutoff, forecast and score only what came after."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import sanctionsim as ss
from sanctionsim.analysis.observations import SHIPPED, load_observations
from sanctionsim.cli.app import app
from tests import synthetic
from tests.conftest import BASELINE

runner = CliRunner()
CUTOFF = "2024-01"
PARAMS = ["war.fire_rate=10000:40000", "compliance.intercept=-3:2"]


@pytest.fixture(scope="module")
def synthetic_case(tmp_path_factory):
    """A base scenario wrong about both parameters, and a held-out truth on both sides of the cutoff."""
    folder = tmp_path_factory.mktemp("backtest")
    base = synthetic.base_scenario(folder)
    wrong = base.with_name("wrong.yaml")
    wrong.write_text(
        "extends: synthetic-base.yaml\ntitle: Wrong priors\n"
        "war: {fire_rate: 14000}\ncompliance: {intercept: 1.0}\n",
        encoding="utf-8",
    )
    names = list(synthetic.QUANTITIES)
    values = synthetic.truth_values(base, list(synthetic.QUANTITIES.values()))[0]
    obs = synthetic.write_rows(folder / "truth.csv", synthetic.point_rows(names, values))
    return wrong, obs


def test_backtest_fits_before_the_cutoff_and_scores_only_after(synthetic_case):
    wrong, obs = synthetic_case
    result = ss.backtest(
        wrong, obs, cutoff=CUTOFF, params=PARAMS, runs=200, budget=120, waves=4, replicates=10, workers=1
    )
    late = {t.id for t in load_observations(obs).select(after=CUTOFF).targets}
    assert (
        set(result.validation.table["id"])
        == late
        == {"demand_late", "shells_total", "compliance_late", "gdp_growth"}
    )
    assert result.in_sample == 2
    fit = result.calibration
    assert fit is not None and fit.until == CUTOFF and fit.path is not None and fit.path.exists()
    assert fit.path.name == f"wrong-backtest-{CUTOFF}.yaml"
    for path, truth in synthetic.TRUTH.items():
        lo, hi = fit.ranges[path]
        assert lo <= truth <= hi
    # the fitted forecast beats the forecast from the wrong priors on the rows it never saw
    unfitted = ss.backtest(wrong, obs, cutoff=CUTOFF, runs=200, workers=1)
    assert unfitted.calibration is None
    assert result.validation.summary["mean_score"] < 0.5 * unfitted.validation.summary["mean_score"]
    assert result.validation.summary["coverage_80"] > unfitted.validation.summary["coverage_80"]


def test_cli_backtest_on_the_shipped_file_from_an_earlier_cutoff(tmp_path):
    result = runner.invoke(
        app,
        [
            "backtest",
            str(BASELINE),
            "--observations",
            str(SHIPPED),
            "--cutoff",
            CUTOFF,
            "--runs",
            "40",
            "-w",
            "1",
            "--json",
            "--figure",
            str(tmp_path / "bt.png"),
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    dates = {r["id"]: r["date"] for r in data["rows"]}
    assert dates and all(d > CUTOFF for d in dates.values())
    assert {"containers_by_feb2024", "shells_jun2024", "missiles_fired", "un_cap_refined"} <= set(dates)
    assert "shells_nis_2023" not in dates
    assert data["cutoff"] == CUTOFF and data["calibration"] is None and data["fitted_scenario"] is None
    assert (tmp_path / "bt.png").is_file()


def test_cli_backtest_with_a_parameter_prints_the_fit_and_the_forecast(tmp_path):
    out = tmp_path / "fit.yaml"
    result = runner.invoke(
        app,
        [
            "backtest",
            str(BASELINE),
            "-O",
            str(SHIPPED),
            "--cutoff",
            CUTOFF,
            "--param",
            "war.fire_rate=5000:50000",
            "--budget",
            "40",
            "--waves",
            "2",
            "--replicates",
            "6",
            "--runs",
            "30",
            "-w",
            "1",
            "--out",
            str(out),
            "--no-figure",
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "war.fire_rate" in result.stdout and f"fitted scenario: {out}" in result.stdout
    assert f"rows after {CUTOFF}" in result.stdout and "coverage:" in result.stdout
    assert ss.load_scenario(out).config.uncertainties["war.fire_rate"].low >= 5000


@pytest.mark.parametrize(
    ("cutoff", "expected"),
    [
        ("2024-06", "no row dated after the cutoff 2024-06"),
        ("2024-13", "--cutoff: month '2024-13' is not YYYY-MM"),
    ],
)
def test_bad_cutoff_exits_2(cutoff, expected):
    result = runner.invoke(app, ["backtest", str(BASELINE), "-O", str(SHIPPED), "--cutoff", cutoff])
    assert result.exit_code == 2 and expected in result.stderr
