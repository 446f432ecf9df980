"""`sanctionsim calibrate`: synthetic recovery, fitted scenario and report, CRN, determinism, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

import sanctionsim as ss
from sanctionsim.analysis.observations import SHIPPED, load_observations
from sanctionsim.cli.app import app
from sanctionsim.experiments import design
from sanctionsim.experiments.calibrate import Parameter, implausibility
from sanctionsim.experiments.design import evaluate_design
from sanctionsim.experiments.fit import Calibration
from tests import synthetic
from tests.conftest import BASELINE

runner = CliRunner()
PRIORS = {"war.fire_rate": (10_000.0, 40_000.0), "compliance.intercept": (-3.0, 2.0)}
PARAMS = [f"{p}={lo}:{hi}" for p, (lo, hi) in PRIORS.items()]
SMALL = {"budget": 120, "waves": 4, "replicates": 10, "workers": 1}


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return synthetic.base_scenario(tmp_path_factory.mktemp("cal"))


def held_out_file(base, offset: int):
    names = list(synthetic.QUANTITIES)
    values = synthetic.truth_values(base, list(synthetic.QUANTITIES.values()), offset=offset)[0]
    return synthetic.write_rows(base.parent / f"truth-{offset}.csv", synthetic.point_rows(names, values))


@pytest.mark.parametrize("offset", [synthetic.HELD_OUT, synthetic.HELD_OUT + 1, synthetic.HELD_OUT + 2])
def test_calibrate_recovers_hidden_parameters_within_its_uncertainty(base, offset):
    """Observations from a held-out run at known parameters; the fit's range contains them and is narrow."""
    fit = ss.calibrate(base, held_out_file(base, offset), PARAMS, write=False, **SMALL)
    assert fit.consistent
    for path, truth in synthetic.TRUTH.items():
        lo, hi = fit.ranges[path]
        prior = PRIORS[path][1] - PRIORS[path][0]
        assert lo <= truth <= hi, f"{path}: truth {truth} outside the fitted range {lo:.4g}..{hi:.4g}"
        assert hi - lo < 0.5 * prior, f"{path}: range {lo:.4g}..{hi:.4g} hardly narrower than the prior"
        assert lo <= fit.best[path] <= hi
        # The best point is one design point whose implausibility carries the
        # replicates' noise; the range is the estimate, the best point only lies near it.
        assert abs(fit.best[path] - truth) < 0.2 * prior


def test_cli_calibrate_writes_a_fitted_scenario_that_runs(base, tmp_path):
    obs = held_out_file(base, synthetic.HELD_OUT)
    result = runner.invoke(
        app,
        [
            "calibrate",
            str(base),
            "--observations",
            str(obs),
            "--param",
            PARAMS[0],
            "--param",
            PARAMS[1],
            "--budget",
            "80",
            "--waves",
            "2",
            "--replicates",
            "8",
            "-w",
            "1",
        ],
    )
    assert result.exit_code == 0, result.stderr
    fitted = base.with_name("synthetic-base-fitted.yaml")
    assert f"fitted scenario: {fitted}" in result.stdout and "not ruled out" in result.stdout
    data = yaml.safe_load(fitted.read_text())
    assert data["extends"] == "synthetic-base.yaml"  # relative, resolves beside the input
    scenario = ss.load_scenario(fitted)
    for path in synthetic.TRUTH:
        unc = scenario.config.uncertainties[path]
        assert unc.low < unc.high and path in scenario.config.sources
    assert scenario.config.months == 12 and scenario.config.war.fire_rate == data["war"]["fire_rate"]
    report = json.loads(fitted.with_name("synthetic-base-fitted.report.json").read_text())
    assert report["parameters"]["war.fire_rate"]["prior"] == [10_000, 40_000]
    assert report["candidates"] == 80 and report["consistent"] is True
    assert fitted.with_name("synthetic-base-fitted.report.png").stat().st_size > 10_000
    assert "| `war.fire_rate` |" in fitted.with_name("synthetic-base-fitted.report.md").read_text()
    run = runner.invoke(app, ["run", str(fitted), "--runs", "3", "-w", "1", "--out", str(tmp_path / "r")])
    assert run.exit_code == 0, run.stderr
    again = runner.invoke(app, ["calibrate", str(base), "-O", str(obs), "-p", PARAMS[0], "--budget", "8"])
    assert again.exit_code == 2 and "exists" in again.stderr


def test_cli_calibrate_json_is_strict_json(base, tmp_path, monkeypatch):
    obs = held_out_file(base, synthetic.HELD_OUT)
    to_json = Calibration.to_json

    def with_missing_numbers(self: Calibration) -> dict:
        # a target whose implausibility is not a number, as a zero variance would make it
        return {**to_json(self), "missing": [float("nan"), np.float64(np.inf)]}

    monkeypatch.setattr(Calibration, "to_json", with_missing_numbers)
    out = base.with_name("json-fit.yaml")
    result = runner.invoke(
        app,
        [
            "calibrate",
            str(base),
            "-O",
            str(obs),
            "-p",
            PARAMS[0],
            "--budget",
            "16",
            "--waves",
            "2",
            "--replicates",
            "4",
            "-w",
            "1",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    assert data["fitted_scenario"] == str(out) and data["candidates"] == 16
    assert set(data["parameters"]["war.fire_rate"]) >= {"prior", "best", "low", "high", "q05", "q95"}
    report = out.with_name("json-fit.report.json").read_text()
    saved = json.loads(report, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c} in the report"))
    assert saved["missing"] == [None, None] and data["missing"] == [None, None]


def test_candidates_share_random_numbers(base, monkeypatch):
    """Common random numbers: equal candidates give equal values; the spread is the design's only."""
    config = ss.load_scenario(base).config.model_dump(mode="json")
    quantities = list(synthetic.QUANTITIES.values())
    values = np.array([[20_000.0], [30_000.0], [20_000.0]])
    kwargs = {"seed": 1, "paths": ["war.fire_rate"], "replicates": 5, "quantities": quantities}
    out = evaluate_design(config, values=values, workers=1, **kwargs)
    assert out.shape == (3, 5, len(quantities))
    np.testing.assert_array_equal(out[0], out[2])
    assert not np.array_equal(out[0], out[1])
    # the same numbers whatever the batch split or the number of processes
    monkeypatch.setattr(design, "MAX_BATCH_CELLS", 2 * config["months"])  # batches of 2 rows
    split = evaluate_design(config, values=values, workers=2, **kwargs)
    np.testing.assert_array_equal(split, out)


def test_same_seed_same_fit(base):
    obs = held_out_file(base, synthetic.HELD_OUT)
    kwargs = {"budget": 40, "waves": 2, "replicates": 4, "write": False, "seed": 9}
    calls = []
    a = ss.calibrate(base, obs, PARAMS, workers=1, progress=lambda *c: calls.append(c), **kwargs)
    assert calls[-1][:2] == (2, 2) and "not ruled out" in calls[-1][2]  # the bar runs over the waves
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
    b = ss.calibrate(base, obs, PARAMS, workers=2, **kwargs)
    assert a.best == b.best and a.ranges == b.ranges
    assert a.candidates.equals(b.candidates)


def test_implausibility_is_zero_inside_a_range_and_grows_with_distance():
    obs = load_observations(SHIPPED)
    target = next(t for t in obs.targets if t.id == "containers_by_feb2024")  # [5025, 12500]
    values = np.array([[[6000.0], [7000.0]], [[4000.0], [4100.0]], [[100.0], [200.0]]])
    imp = implausibility(values, [target], discrepancy=0.0)[:, 0]
    assert imp[0] == 0 and 0 < imp[1] < imp[2]
    assert imp[1] == pytest.approx((5025 - 4050) / np.sqrt(5000.0 * 1.5))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--param", "war.fire_rat=1:2"], ["--param war.fire_rat", "Did you mean 'war.fire_rate'"]),
        (["--param", "war.fire_rate=2:1"], ["--param 'war.fire_rate=2:1'", "low < high"]),
        (["--param", "war.fire_rate"], ["expected path=low:high"]),
        (["--param", "war.noise_sd=-1:1"], ["--param war.noise_sd"]),
        (["--param", "adaptive_policy.lag=1:5"], ["--param adaptive_policy.lag", "not a numeric value"]),
        ([], ["name at least one parameter"]),
        (["--param", "war.fire_rate=1e4:3e4", "--until", "2023-01"], ["nothing to calibrate to"]),
        (["--param", "war.fire_rate=1e4:3e4", "--budget", "3"], ["--budget 3"]),
    ],
    ids=["unknown-path", "reversed", "no-range", "out-of-bounds", "integer", "none", "no-rows", "budget"],
)
def test_bad_calibrate_input_exits_2_with_one_line(tmp_path, args, expected):
    result = runner.invoke(
        app, ["calibrate", str(BASELINE), "-O", str(SHIPPED), "--out", str(tmp_path / "fit.yaml"), *args]
    )
    assert result.exit_code == 2, result.stdout
    line = result.stderr.strip()
    assert "\n" not in line
    for part in expected:
        assert part in line
    assert not list(tmp_path.iterdir()), "nothing is written on bad input"


def test_parameter_parsing():
    assert Parameter.parse("war.fire_rate=1e4:3e4") == Parameter("war.fire_rate", 10_000.0, 30_000.0)
    with pytest.raises(ValueError, match="named twice"):
        ss.calibrate(BASELINE, SHIPPED, ["war.fire_rate=1:2", "war.fire_rate=3:4"], write=False)
