"""Exploratory modelling: sweeps, inputs.parquet, sensitivity (SALib), PRIM discovery, EMA interop.

Through the interfaces users touch: the ``sanctionsim`` CLI (typer's CliRunner) and the Python API.
"""

from __future__ import annotations

import json
import math
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import sanctionsim as ss
from sanctionsim.cli.app import app
from tests import function_models as fm
from tests.conftest import BASELINE, ROOT

runner = CliRunner()
PI = f"{-math.pi!r}:{math.pi!r}"
SHELLS_RATIO = 'mean(shells_prk_to_rus, "2024-01", "2024-03") / mean(shells_prk_to_rus, "2023-09", "2023-12")'


def invoke(*args: str) -> tuple[int, str]:
    """Exit code, and stdout (JSON with --json) or, on an error, everything printed."""
    result = runner.invoke(app, list(args))
    ok_json = result.exit_code == 0 and "--json" in args
    return result.exit_code, result.stdout if ok_json else result.output


def _tables_equal(a: ss.Results, b: ss.Results) -> None:
    for name in ("metrics", "flows", "events", "inputs"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def _value_at(config: dict, path: str) -> float:
    node = config
    for part in path.split("."):
        node = node[part]
    return float(node)


# ------------------------------------------------------------------------------------------------
# Sensitivity through the same sweep machinery, with closed-form test models
# ------------------------------------------------------------------------------------------------


def test_ishigami_sobol_indices_match_the_analytic_values_within_salib_intervals(tmp_path):
    out = tmp_path / "ishigami"
    res = ss.sweep(
        BASELINE,
        [f"x1={PI}", f"x2={PI}", f"x3={PI}"],
        design="sobol",
        samples=1024,
        months=1,
        seed=7,
        model=fm.ishigami,
        out=out,
        workers=1,
    )
    assert res.manifest["runs"] == 1024 * 5 and list(res.inputs.columns[3:]) == ["x1", "x2", "x3"]
    code, text = invoke("sensitivity", str(out), "--metric", 'last(y, "2023-08", "2023-08")', "--json")
    assert code == 0, text
    data = json.loads(text)
    assert data["method"] == "sobol" and data["points"] == 5120
    rows = {r["parameter"]: r for r in data["parameters"]}
    for name in ("x1", "x2", "x3"):
        r = rows[name]
        assert abs(r["S1"] - fm.ISHIGAMI_S1[name]) <= r["S1_conf"], (name, r)
        assert abs(r["ST"] - fm.ISHIGAMI_ST[name]) <= r["ST_conf"], (name, r)
        assert r["ST_conf"] < 0.1  # the intervals are informative, not vacuous
    assert [r["parameter"] for r in data["parameters"]] == ["x1", "x2", "x3"]  # ranked by ST
    assert (out / "figures" / "sensitivity-sobol.png").stat().st_size > 0


def test_morris_mu_star_of_a_linear_model_is_its_slope_over_the_range(tmp_path):
    res = ss.sweep(
        BASELINE,
        ["a=0:2", "b=0:2", "c=10:1000:log"],
        design="morris",
        samples=8,
        months=1,
        model=fm.linear,
        workers=1,
    )
    assert res.manifest["runs"] == 8 * 4
    result = ss.sensitivity(res, 'first(y, "2023-08", "2023-08")')
    table = result.table.set_index("parameter")
    assert result.method == "morris" and list(table.index) == ["a", "b", "c"]
    assert table.loc["a", "mu_star"] == pytest.approx(6.0)  # slope 3 over a range of 2
    assert table.loc["b", "mu_star"] == pytest.approx(2.0)
    assert table.loc["c", "mu_star"] == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(table["sigma"], 0.0, atol=1e-9)


def test_factorial_main_effects_and_trees_rank_a_linear_model(tmp_path):
    res = ss.sweep(
        BASELINE, ["a=0:1", "b=0:1", "c=0:1"], design="factorial", months=1, model=fm.linear, workers=1
    )
    assert res.manifest["runs"] == 8
    effects = ss.sensitivity(res, 'first(y, "2023-08", "2023-08")').table.set_index("parameter")["ME"]
    # SALib's main effect: half the difference of the mean outcome at the high and the low setting
    assert effects["a"] == pytest.approx(1.5) and effects["b"] == pytest.approx(0.5)
    assert effects["c"] == pytest.approx(0.0)
    # tiny ranges, as parameters in units per USD have: scikit-learn takes a span < 1e-7 for a constant
    tiny = ["a=0:1e-8", "b=0:1e-8", "c=0:1e-8"]
    lhs = ss.sweep(BASELINE, tiny, design="lhs", samples=200, months=1, model=fm.linear)
    trees = ss.sensitivity(lhs, 'first(y, "2023-08", "2023-08")')
    scores = trees.table.set_index("parameter")["score"]
    assert trees.method == "trees" and list(scores.index) == ["a", "b", "c"]
    assert scores["a"] > 0.5 and scores["b"] > scores["c"] > 0
    with pytest.raises(ValueError, match="needs a sobol design"):
        ss.sensitivity(lhs, 'first(y, "2023-08", "2023-08")', method="sobol")


# ------------------------------------------------------------------------------------------------
# PRIM
# ------------------------------------------------------------------------------------------------


def test_prim_finds_a_planted_box(tmp_path):
    out = tmp_path / "planted"
    ss.sweep(
        BASELINE, ["p=0:1", "q=0:1", "r=0:1"], design="lhs", samples=1000, months=1, model=fm.planted, out=out
    )
    code, text = invoke("discover", str(out), "--where", 'last(y, "2023-08", "2023-08") > 0.5', "--json")
    assert code == 0, text
    data = json.loads(text)
    box = data["box"]
    assert box["coverage"] >= 0.8 and box["density"] >= 0.8, box
    limits = {row["parameter"]: row for row in box["limits"]}
    assert set(limits) == {"p", "q"}  # r plays no part
    assert (
        limits["p"]["low"] <= 0.2 + 0.02 and limits["p"]["high"] >= 0.6 - 0.02 and limits["q"]["low"] <= 0.52
    )
    assert all(qp is None or qp < 0.01 for row in limits.values() for qp in (row["qp_low"], row["qp_high"]))
    # a denser box: the planted one
    code, text = invoke(
        "discover",
        str(out),
        "--where",
        'last(y, "2023-08", "2023-08") > 0.5',
        "--min-density",
        "0.95",
        "--json",
    )
    dense = json.loads(text)["box"]
    assert dense["density"] >= 0.95 and dense["coverage"] >= 0.95
    limits = {row["parameter"]: row for row in dense["limits"]}
    assert limits["p"]["low"] == pytest.approx(0.2, abs=0.03) and limits["p"]["high"] == pytest.approx(
        0.6, abs=0.03
    )
    assert limits["q"]["low"] == pytest.approx(0.5, abs=0.03) and limits["q"]["high"] == pytest.approx(
        1.0, abs=0.01
    )
    assert data["share"] == pytest.approx(0.2, abs=0.03)
    first = data["trajectory"][0]
    assert first["coverage"] == 1.0 and first["density"] == pytest.approx(data["share"])
    assert (out / "figures" / "discover.png").stat().st_size > 0
    assert box["meets_min_density"] and dense["meets_min_density"]


def test_discovery_says_when_no_box_is_dense_enough_and_takes_a_folder(tmp_path):
    out = tmp_path / "planted"
    ss.sweep(
        BASELINE, ["p=0:1", "q=0:1", "r=0:1"], design="lhs", samples=400, months=1, model=fm.planted, out=out
    )
    where = 'last(y, "2023-08", "2023-08") > 0.5'
    # r plays no part: no box of r alone is anywhere near 0.8 dense; PRIM gives the densest it found
    found = ss.discover(out, where=where, parameters=["r"])  # the folder, as the CLI takes it
    assert not found.meets_min_density and found.density < 0.5
    code, text = invoke("discover", str(out), "--where", where, "-p", "r", "--no-figure")
    assert code == 0, text
    assert "No box reaches the density asked (--min-density 0.8)" in " ".join(text.split())
    code, text = invoke("discover", str(out), "--where", where, "-p", "r", "--no-figure", "--json")
    assert json.loads(text)["box"]["meets_min_density"] is False
    # sensitivity and the EMA export take the folder too, and give what they give for the results
    loaded = ss.load(out)
    assert ss.sensitivity(out, where).table.equals(ss.sensitivity(loaded, where).table)
    experiments, outcomes = ss.to_ema(out, scalars=[where])
    assert len(experiments) == 400 and outcomes[where].mean() == pytest.approx(
        ss.discover(loaded, where=where).share
    )


# ------------------------------------------------------------------------------------------------
# The engine: layouts, determinism, inputs, reruns
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_sweep(tmp_path_factory):
    """A sweep of the baseline over 3 parameters, 10 points x 2 replicates, 8 months, on 1 worker."""
    out = tmp_path_factory.mktemp("sweep") / "lhs"
    code, text = invoke(
        "sweep", "baseline", "-p", "war.fire_rate", "-p", "routes.covert_direct.kappa=0.05:0.5:log",
        "-p", "ties.PRK.RUS=0.3:0.9", "--design", "lhs", "-N", "10", "-K", "2", "--months", "8",
        "--seed", "5", "--out", str(out), "-w", "1", "--json",
    )  # fmt: skip
    assert code == 0, text
    return out, json.loads(text)


def test_sweep_writes_one_folder_with_inputs_joined_by_replicate(small_sweep):
    out, data = small_sweep
    assert data["points"] == 10 and data["replicates"] == 2 and data["rows"] == 20
    res = ss.load_results(out)
    inputs = res.inputs
    assert list(inputs.columns[:3]) == ["replicate", "point", "stream"]
    # design values first (canonical paths), then the scenario's other drawn uncertainties
    design = ["war.fire_rate", "routes.covert_direct.kappa", "ties.RUS.PRK"]
    assert res.parameters[:3] == design
    assert set(res.parameters[3:]) == set(res.manifest["config"]["uncertainties"]) - set(design)
    # the drawn ones take one value per stream: not explored, so not boxed or scored by default
    assert ss.analysis.outcomes.explored(res) == design
    assert inputs["replicate"].tolist() == list(range(20))
    assert inputs["point"].tolist() == [p for p in range(10) for _ in range(2)]
    assert inputs["stream"].tolist() == [0, 1] * 10  # every point on the same two streams
    by_point = inputs.groupby("point")
    assert (by_point["war.fire_rate"].nunique() == 1).all()  # a design value is the point's
    # a drawn uncertainty follows the stream: common random numbers across points
    assert inputs.groupby("stream")["actors.PRK.goods.shells.stock"].nunique().tolist() == [1, 1]
    kappa = inputs["routes.covert_direct.kappa"]
    assert kappa.between(0.05, 0.5).all() and inputs["war.fire_rate"].between(15000, 25000).all()
    # each point is in its own tenth of each range (a Latin hypercube), kappa on a log scale
    assert sorted((np.log(kappa[::2] / 0.05) / np.log(10) * 10).astype(int)) == list(range(10))
    table = ss.joined(res, [SHELLS_RATIO, "shells_prk_to_rus"])
    assert len(table) == 20 and table[SHELLS_RATIO].notna().all()
    assert res.manifest["design"]["kind"] == "lhs" and res.manifest["layout"]["points"] == 10


def test_sweep_is_identical_in_1_batch_or_10_and_on_1_worker_or_2(small_sweep):
    out, _ = small_sweep
    first = ss.load_results(out)
    args = {
        "params": ["war.fire_rate", "routes.covert_direct.kappa=0.05:0.5:log", "ties.PRK.RUS=0.3:0.9"],
        "design": "lhs",
        "samples": 10,
        "replicates": 2,
        "months": 8,
        "seed": 5,
    }
    ten_batches = ss.sweep("baseline", workers=1, batch_size=2, **args)
    two_workers = ss.sweep("baseline", workers=2, batch_size=3, **args)
    _tables_equal(first, ten_batches)
    _tables_equal(first, two_workers)


def test_every_row_rerun_alone_with_set_gives_the_same_outcome(small_sweep, tmp_path):
    out, _ = small_sweep
    res = ss.load_results(out)
    for replicate in (0, 7, 19):
        args = ss.rerun_args(res, replicate)
        assert args["first_replicate"] == replicate % 2
        assert any(s.startswith("war.fire_rate=") for s in args["overrides"])
        alone = tmp_path / f"alone-{replicate}"
        code, text = invoke(*args["argv"], "--out", str(alone), "-w", "1", "--json")
        assert code == 0, text
        again = ss.load_results(alone)
        stream = args["first_replicate"]
        assert again.inputs["replicate"].tolist() == [stream] and again.inputs["stream"].tolist() == [stream]
        mine = res.metrics[res.metrics["replicate"] == replicate].drop(columns="replicate")
        pd.testing.assert_frame_equal(
            mine.reset_index(drop=True), again.metrics.drop(columns="replicate"), check_exact=True
        )
        # the parameters: set in the configuration, or (a tie) pinned as an uncertainty and drawn
        row = res.inputs[res.inputs["replicate"] == replicate]
        config = again.manifest["config"]
        for path in res.parameters:
            value = again.inputs[path].iloc[0] if path in again.inputs else _value_at(config, path)
            assert value == row[path].iloc[0], path
        # pinned: the tie, and a fraction drawn for a whole-number field (months to build a line)
        assert set(again.parameters) == {"ties.RUS.PRK", "actors.PRK.goods.shells.build_months"}
    # the same from Python
    py = ss.rerun(res, 7)
    mine = res.metrics[res.metrics["replicate"] == 7].drop(columns="replicate").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, py.metrics.drop(columns="replicate"), check_exact=True)


def test_a_plain_runs_drawn_inputs_rerun_alone_and_replay(tmp_path):
    out = tmp_path / "plain"
    code, text = invoke(
        "run", "baseline", "--runs", "4", "--months", "6", "--out", str(out), "-w", "1", "--json"
    )
    assert code == 0, text
    res = ss.load_results(out)
    assert res.inputs["point"].tolist() == [0] * 4 and res.inputs["stream"].tolist() == [0, 1, 2, 3]
    assert res.parameters == list(res.manifest["config"]["uncertainties"])
    assert ss.analysis.outcomes.explored(res) == res.parameters  # one point: every draw explores
    again = ss.rerun(res, 3)
    mine = res.metrics[res.metrics["replicate"] == 3].reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, again.metrics, check_exact=True)  # same id: stream 3
    code, text = invoke("replay", str(out), "--out", str(tmp_path / "replayed"), "-w", "1", "--json")
    assert code == 0, text
    assert json.loads(text)["tables"] == {"metrics": True, "flows": True, "events": True, "inputs": True}


def test_a_sweep_replays_identically(small_sweep, tmp_path):
    out, _ = small_sweep
    code, text = invoke("replay", str(out), "--out", str(tmp_path / "again"), "-w", "1", "--json")
    assert code == 0, text
    assert json.loads(text)["identical"] is True


def test_a_design_file_with_replicates(tmp_path):
    points = pd.DataFrame(
        {"war.fire_rate": [12000.0, 30000.0, 21000.5], "enforcement.monitoring": [0.2, 1.0, 0.5]}
    )
    file = tmp_path / "points.csv"
    points.to_csv(file, index=False)
    res = ss.sweep("baseline", design=file, replicates=2, months=3, workers=1)
    assert res.manifest["design"]["kind"] == "file" and res.manifest["runs"] == 6
    firsts = res.inputs.groupby("point").head(1)
    assert firsts["war.fire_rate"].tolist() == points["war.fire_rate"].tolist()
    assert firsts["enforcement.monitoring"].tolist() == points["enforcement.monitoring"].tolist()
    code, text = invoke("sweep", "baseline", "--design", str(file), "-p", "war.fire_rate=1:2")
    assert code == 2 and "names its parameters" in text


def test_policies_and_levers_cross_the_same_futures(tmp_path):
    out = tmp_path / "crossed"
    code, text = invoke(
        "sweep", "baseline", "-p", "war.fire_rate", "--design", "lhs", "-N", "3", "--months", "4",
        "--policy", "policies/sanctions-enforced", "--lever", "enforcement.monitoring=0.5,1.0",
        "--out", str(out), "-w", "1", "--json",
    )  # fmt: skip
    assert code == 0, text
    data = json.loads(text)
    assert len(data["policies"]) == 4  # 2 scenarios x 2 lever settings
    cmp = ss.analysis.effects.load_comparison(out)
    code, text = invoke("discover", str(out), "--where", 'last(tie_rus_prk, "2023-08", "2023-08") > 0')
    assert (
        code == 2
        and "one sweep per policy" in text
        and str(out / "baseline@enforcement.monitoring=0.5") in text
    )
    runs = list(cmp.results.values())
    for other in runs[1:]:
        pd.testing.assert_frame_equal(runs[0].inputs, other.inputs)  # same points, streams, draws
    experiments, outcomes = ss.to_ema(cmp, metrics=["shells_prk_to_rus"], scalars=["tie_rus_prk"])
    assert len(experiments) == 12 and set(experiments["policy"]) == set(cmp.results)
    assert sorted(experiments["enforcement.monitoring"].unique()) == [0.5, 1.0]
    assert outcomes["shells_prk_to_rus"].shape == (12, 4) and outcomes["TIME"][0].tolist() == [0, 1, 2, 3]
    assert outcomes["tie_rus_prk"].shape == (12,)


def test_to_ema_feeds_ema_workbench_analyses(small_sweep):
    out, _ = small_sweep
    res = ss.load_results(out)
    experiments, outcomes = ss.to_ema(res, scalars=[SHELLS_RATIO])
    assert list(experiments.columns[-3:]) == ["scenario", "policy", "model"]
    assert outcomes["shells_prk_to_rus"].shape == (20, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring, prim
    scores = feature_scoring.get_feature_scores_all(
        experiments.drop(columns=["scenario", "policy", "model"]), {"ratio": outcomes[SHELLS_RATIO]}
    )
    assert set(scores.index) == set(res.parameters)
    y = outcomes[SHELLS_RATIO] < np.median(outcomes[SHELLS_RATIO])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # EMA's own pandas deprecations
        box = prim.Prim(experiments.drop(columns=["scenario", "policy", "model"]), y).find_box()
    assert box.peeling_trajectory["coverage"].iloc[0] == 1.0


# ------------------------------------------------------------------------------------------------
# Bad input: one line, exit code 2
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sweep", "baseline", "-p", "war.fire_rat=1:2"], "Did you mean 'war.fire_rate'"),
        (["sweep", "baseline", "-p", "war.fire_rate=1:2", "-d", "sobol", "-N", "100"], "power of 2"),
        (["sweep", "baseline", "-p", "war.fire_rate=5:1"], "low < high"),
        (["sweep", "baseline", "-p", "enforcement.monitoring"], "give a range"),
        (["sweep", "baseline", "-p", "war.fire_rate=1:2", "-d", "latin"], "expected one of grid, lhs"),
        (["sweep", "baseline", "-p", "war.fire_rate=0:2:log"], "log range needs low > 0"),
        (["sweep", "baseline", "-p", "war.fire_rate", "-d", "grid", "-N", "30000", "-m", "40"], "need --yes"),
    ],
)
def test_bad_sweep_options_get_one_line(args, message, tmp_path):
    code, text = invoke(*args, "--out", str(tmp_path / "x"))
    assert code == 2 and message in text, text
    assert not (tmp_path / "x").exists()


def test_bad_analysis_options_get_one_line(small_sweep):
    out, _ = small_sweep
    code, text = invoke("discover", str(out), "--claim", "policies/sanctions-enforced:shells_halve")
    assert code == 2 and "has no claim 'shells_halve'" in text and "shells_halved" in text
    code, text = invoke("discover", str(out), "--where", 'last(tie_rus_prk, "2023-08", "2023-08") > -5')
    assert code == 2 and "holds in 20 of 20" in text
    code, text = invoke("sensitivity", str(out), "--metric", 'sum(shels_prk_to_rus, "2024-01", "2024-03")')
    assert code == 2 and "shells_prk_to_rus" in text
    code, text = invoke("sensitivity", str(out), "--metric", "tie_rus_prk", "--method", "morris")
    assert code == 2 and "needs a morris design" in text
    assert (ROOT / "scenarios" / "baseline.yaml").is_file()


def test_make_explore_rewrites_only_the_generated_block(tmp_path):
    import runpy

    doc = tmp_path / "exploring.md"
    text = (ROOT / "docs" / "exploring.md").read_text()
    doc.write_text(text)
    example = runpy.run_path(str(ROOT / "docs" / "exploring_example.py"))
    example["main"](
        ["--samples", "8", "--replicates", "1", "--doc", str(doc), "--figures", str(tmp_path / "f")]
    )
    new = doc.read_text()
    begin, end = "<!-- explore:begin -->", "<!-- explore:end -->"
    assert new.split(begin)[0] == text.split(begin)[0] and new.split(end)[1] == text.split(end)[1]
    block = new.split(begin)[1].split(end)[0]
    drawn = ss.load_scenario(ROOT / "scenarios" / "policies" / "sanctions-enforced.yaml").config.uncertainties
    d = len(set(drawn) | {p.split("=")[0] for p in example["PARAMS"]})
    assert f"8 base points over {d} parameters" in block and f"{8 * (d + 2)} runs of 36 months" in block
    assert "| `war.fire_rate` |" in block and "coverage **" in block
    assert sorted(p.name for p in (tmp_path / "f").iterdir()) == [
        "exploring-prim.png",
        "exploring-sobol.png",
        "exploring-trees.png",
    ]


def test_runs_on_other_streams_or_designs_are_not_paired():
    a = ss.simulate("baseline", runs=2, months=2, workers=1)
    b = ss.simulate(
        "baseline", runs=2, months=2, workers=1, layout=ss.experiments.layout.Layout.plain(2, first=5)
    )
    with pytest.raises(ValueError, match=r"layout \(0, 'plain'\) vs \(5, 'plain'\)"):
        ss.analysis.effects.from_results([a, b])
    old = ss.Results(a.metrics, a.flows, a.events, {k: v for k, v in a.manifest.items() if k != "layout"})
    assert len(ss.analysis.effects.from_results([old, a]).effects) > 0  # a folder from before layouts


def test_discovery_without_ema_workbench_says_how_to_install_it(monkeypatch):
    from sanctionsim.analysis.discovery import prim_box

    monkeypatch.setitem(sys.modules, "ema_workbench.analysis", None)  # as if the extra were missing
    x = pd.DataFrame({"a": np.linspace(0, 1, 50)})
    with pytest.raises(ValueError, match=r"pip install 'sanctionsim\[ema\]'"):
        prim_box(x, x["a"].to_numpy() > 0.5)
