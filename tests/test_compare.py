"""Tests of policy comparisons with common random numbers (experiments/compare.py, cli/compare.py)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sanctionsim.analysis.effects import (
    EFFECT_COLUMNS,
    check_pairable,
    effects_table,
    from_results,
    load_comparison,
    paired_differences,
)
from sanctionsim.analysis.summary import outcome
from sanctionsim.cli.app import app
from sanctionsim.experiments.compare import compare
from sanctionsim.experiments.ensemble import simulate
from sanctionsim.formatting import format_effect, format_number, format_percent
from sanctionsim.metrics import KEY_METRICS
from sanctionsim.results import Results
from sanctionsim.results.comparison import COMPARISON_NAME
from sanctionsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DATA = ROOT / "tests" / "data"
KEYS = ["replicate", "month", "date"]
ACTORS = ["RUS", "PRK", "CHN", "BLOC"]


def _values(results: Results) -> tuple[pd.DataFrame, list[str]]:
    table = results.metrics.sort_values(["replicate", "month"]).reset_index(drop=True)
    return table, [c for c in table.columns if c not in KEYS]


# ---------------------------------------------------------------------------------------------
# Self-comparison and event timing
# ---------------------------------------------------------------------------------------------


def test_self_comparison_is_exactly_zero() -> None:
    cmp = compare(BASELINE, [BASELINE], runs=20, seed=3, months=24, workers=1)
    assert list(cmp.results) == ["baseline", "baseline-2"]
    diffs = cmp.differences("baseline-2")
    _, columns = _values(cmp.results["baseline"])
    assert len(diffs) == 20 * 24
    assert list(diffs.columns) == [*KEYS, *columns]
    values = diffs[columns].to_numpy()
    assert not np.isnan(values).any()
    assert (values == 0.0).all(), "a scenario compared with itself must differ by exactly 0"
    effects = cmp.effects
    assert list(effects.columns) == list(EFFECT_COLUMNS)
    assert list(effects["metric"]) == list(KEY_METRICS)
    for col in ("median_diff", "diff_p05", "diff_p95"):
        assert (effects[col] == 0.0).all()
    assert (effects["p_good"] == 0.0).all()  # no replicate moves in the good direction
    assert (effects["n"] == 20).all()


def _same_events_except(policy: Path, added: set[str], moved: set[str]) -> None:
    """Guard: the policy keeps the baseline's events but the ones it adds or moves (merge by name)."""
    base = {e["name"]: e for e in load_scenario(BASELINE).resolved["events"]}
    mine = {e["name"]: e for e in load_scenario(policy).resolved["events"]}
    assert set(mine) - set(base) == added, f"update {policy.name}: the baseline's events changed"
    for name, event in base.items():
        if name not in moved:
            assert mine.get(name) == event, f"update {policy.name}: baseline event {name!r} changed"


@pytest.mark.parametrize(
    ("policy", "first_month", "added", "moved"),
    [
        ("policy_month12.yaml", 12, {"route_crackdown"}, set()),  # adds an event at month 12
        ("treaty_moved.yaml", 10, set(), {"treaty_signed"}),  # moves an event from month 10 to 13
    ],
)
def test_policy_leaves_earlier_months_identical(
    policy: str, first_month: int, added: set[str], moved: set[str]
) -> None:
    path = DATA / policy
    _same_events_except(path, added, moved)
    cmp = compare(BASELINE, [path], runs=20, seed=5, months=24, workers=1)
    name = cmp.others[0]
    diffs = cmp.differences(name)
    _, columns = _values(cmp.results[cmp.base])
    before = diffs[diffs["month"] < first_month]
    after = diffs[diffs["month"] >= first_month]
    assert len(before) == 20 * first_month
    assert (before[columns].to_numpy() == 0.0).all(), "months before the policy must be bit-identical"
    a, _ = _values(cmp.results[cmp.base])
    b, _ = _values(cmp.results[name])
    early = a["month"] < first_month
    assert np.array_equal(a.loc[early, columns].to_numpy(), b.loc[early, columns].to_numpy())
    # ...and the policy does change what follows, in every replicate.
    moved_reps = after.groupby("replicate")[columns].apply(lambda f: bool((f.to_numpy() != 0).any()))
    assert moved_reps.all()
    assert (after.loc[after["month"] == first_month, columns].to_numpy() != 0).any()


# ---------------------------------------------------------------------------------------------
# Common random numbers narrow the interval of a difference
# ---------------------------------------------------------------------------------------------


def _width(x: np.ndarray) -> float:
    lo, hi = np.quantile(x, [0.05, 0.95])
    return float(hi - lo)


def test_common_random_numbers_narrow_the_interval() -> None:
    runs, metric = 60, "shells_prk_to_rus"
    policy = DATA / "enforce_x4.yaml"
    cmp = compare(BASELINE, [policy], runs=runs, seed=1, metrics=[metric], workers=1)
    base, pol = cmp.results["baseline"], cmp.results["enforce_x4"]
    paired = (
        outcome(pol.metrics, metric, pol.actors) - outcome(base.metrics, metric, base.actors)
    ).to_numpy()
    independent_base = simulate(BASELINE, runs=runs, seed=2, workers=1)  # replicate-aligned, other seed
    independent = (
        outcome(pol.metrics, metric, pol.actors).to_numpy()
        - outcome(independent_base.metrics, metric, independent_base.actors).to_numpy()
    )
    crn, ind = _width(paired), _width(independent)
    row = cmp.effects.iloc[0]
    assert row["diff_p95"] - row["diff_p05"] == pytest.approx(crn)
    print(f"90% interval width of the paired difference: CRN {crn:.4g}, independent seeds {ind:.4g}")
    assert row["median_diff"] < 0 and row["p_good"] >= 0.9, "the policy must have a real effect"
    assert crn < 0.5 * ind, f"CRN width {crn:.4g} is not clearly below the independent width {ind:.4g}"


# ---------------------------------------------------------------------------------------------
# Effects table on synthetic results
# ---------------------------------------------------------------------------------------------


def _synthetic(values: dict[str, np.ndarray], *, seed: int = 1) -> Results:
    """Results with 4 replicates x 3 months; ``values[m]`` has shape (4, 3)."""
    reps, months = 4, 3
    frame = pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(reps), months).astype("int32"),
            "month": np.tile(np.arange(months), reps).astype("int32"),
            "date": np.tile(pd.date_range("2024-01-01", periods=months, freq="MS").to_numpy(), reps),
        }
    )
    for name, arr in values.items():
        frame[name] = np.asarray(arr, dtype=float).ravel()
    manifest = {"scenario": "syn", "seed": seed, "runs": reps, "months": months, "start": "2024-01"}
    manifest["actors"] = ACTORS
    return Results(metrics=frame, flows=pd.DataFrame(), events=pd.DataFrame(), manifest=manifest)


def test_effects_table_directions_and_relative_change() -> None:
    zeros = np.zeros((4, 3))
    base = _synthetic(
        {
            "shells_prk_to_rus": np.full((4, 3), 10.0),  # flow, lower is better: total 30
            "compliance_chn": np.full((4, 3), 0.5),  # level, higher is better
            "energy": zeros,  # level, neutral, base median 0
        }
    )
    shells = np.full((4, 3), 10.0)
    shells[:, -1] = [7.0, 8.0, 9.0, 13.0]  # totals 27, 28, 29, 33 -> diffs -3, -2, -1, +3
    policy = _synthetic(
        {
            "shells_prk_to_rus": shells,
            "compliance_chn": np.tile([[0.5, 0.5, 0.6]], (4, 1)),
            "energy": np.tile([[0.0, 0.0, 1.0]], (4, 1)),
        }
    )
    table = effects_table(
        {"base": base, "policy": policy},
        base="base",
        metrics=["shells_prk_to_rus", "compliance_chn", "energy"],
    ).set_index("metric")
    s = table.loc["shells_prk_to_rus"]
    assert (s["stat"], s["unit"], s["p_label"]) == ("total", "rounds", "P(decrease)")
    assert s["base_median"] == 30.0 and s["median_diff"] == -1.5
    assert s["rel_change"] == pytest.approx(-0.05)
    assert s["p_good"] == 0.75
    c = table.loc["compliance_chn"]
    assert (c["stat"], c["p_label"], c["p_good"]) == ("final", "P(increase)", 1.0)
    assert c["median_diff"] == pytest.approx(0.1) and c["rel_change"] == pytest.approx(0.2)
    e = table.loc["energy"]
    assert e["p_label"] == "P(diff > 0)" and e["p_good"] == 1.0
    assert math.isnan(e["rel_change"]) and math.isnan(e["rel_p05"])
    assert format_effect(e.to_dict() | {"metric": "energy"})["rel_change"] == "n/a"


def test_unpairable_runs_are_refused() -> None:
    a = _synthetic({"energy": np.zeros((4, 3))}, seed=1)
    b = _synthetic({"energy": np.zeros((4, 3))}, seed=2)
    with pytest.raises(ValueError, match="seed 1 vs 2"):
        check_pairable(a, b)
    with pytest.raises(ValueError, match="same seed, runs, months, start and design"):
        from_results([a, b], metrics=["energy"])
    with pytest.raises(ValueError, match="seed"):
        paired_differences(a, b)


def test_format_number() -> None:
    assert format_number(-1530343.7) == "-1.53M"
    assert format_number(9238573.2) == "9.24M"
    assert format_number(999_700) == "1M"
    assert format_number(-0.0127) == "-0.0127"
    assert format_number(0.0) == "0" and format_number(-0.0) == "0"
    assert format_number(float("nan")) == "n/a"
    assert format_percent(-0.0598) == "-6.0%" and format_percent(0.2) == "+20.0%"
    assert format_percent(0.0) == "0.0%" and format_percent(-1e-5) == "-0.0%"


# ---------------------------------------------------------------------------------------------
# Comparison folder and CLI
# ---------------------------------------------------------------------------------------------


def test_comparison_folder_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    cmp = compare(BASELINE, [DATA / "enforce_x4.yaml"], runs=12, seed=4, months=12, out=out, workers=1)
    assert cmp.path == out
    assert sorted(p.name for p in out.iterdir()) == ["baseline", COMPARISON_NAME, "enforce_x4"]
    assert not list(tmp_path.glob(".*tmp*")), "no temporary folder is left behind"
    meta = json.loads((out / COMPARISON_NAME).read_text())
    assert (meta["seed"], meta["runs"], meta["months"], meta["base"]) == (4, 12, 12, "baseline")
    hashes = {s["name"]: s["config_hash"] for s in meta["scenarios"]}
    assert hashes["baseline"] == cmp.results["baseline"].manifest["config_hash"]
    assert hashes["baseline"] != hashes["enforce_x4"]
    loaded = load_comparison(out)
    pd.testing.assert_frame_equal(loaded.effects, cmp.effects)
    assert loaded.results["enforce_x4"].path == out / "enforce_x4"
    with pytest.raises(FileExistsError):
        compare(BASELINE, [DATA / "enforce_x4.yaml"], runs=2, months=2, out=out, workers=1)


def test_cli_compare_json(tmp_path: Path) -> None:
    out = tmp_path / "cmp"
    args = ["compare", str(BASELINE), str(DATA / "enforce_x4.yaml"), "--runs", "8", "--months", "12"]
    args += ["--seed", "7", "--metrics", "shells_prk_to_rus,tech_prk", "--metrics", "energy"]
    result = CliRunner().invoke(app, [*args, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["comparison"] == str(out) and data["seed"] == 7 and data["runs"] == 8
    assert [e["metric"] for e in data["effects"]] == ["shells_prk_to_rus", "tech_prk", "energy"]
    first = data["effects"][0]
    assert set(first["formatted"]) >= {"median_diff", "interval", "rel_change", "p_good"}
    assert first["formatted"]["median_diff"] in (
        format_number(first["median_diff"]),
        "+" + format_number(first["median_diff"]),
    )
    table = CliRunner().invoke(
        app, ["compare", str(BASELINE), str(BASELINE), "-n", "4", "-m", "6", "-o", str(tmp_path / "t")]
    )
    assert table.exit_code == 0, table.output
    assert "Paired differences vs baseline" in table.stdout and "comparison:" in table.stdout


def test_cli_compare_bad_input_exits_2(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_metric = runner.invoke(
        app,
        ["compare", str(BASELINE), str(BASELINE), "--metrics", "shells_prk_to_ru", "-o", str(tmp_path / "a")],
    )
    assert bad_metric.exit_code == 2
    assert "shells_prk_to_rus" in bad_metric.stderr  # did-you-mean
    assert not (tmp_path / "a").exists()
    missing = runner.invoke(
        app, ["compare", str(BASELINE), str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "b")]
    )
    assert missing.exit_code == 2
