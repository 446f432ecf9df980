"""Tests of ``sanctionsim list``, ``show``, ``diff``, ``check`` and ``predictions`` (typer's CliRunner)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from sanctionsim.cli.app import app
from sanctionsim.cli.scenarios import MISSING, diff_configs, find_scenario, flatten
from sanctionsim.experiments import check as check_module
from sanctionsim.scenario.schema import GoodParams

REPO = Path(__file__).resolve().parents[1]
ROOT = REPO / "scenarios"
BASELINE = ROOT / "baseline.yaml"
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(autouse=True)
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Names resolve against ``scenarios/`` in the working directory."""
    monkeypatch.chdir(REPO)


def write_scenario(folder: Path, claims: dict[str, str], name: str = "claims.yaml") -> Path:
    lines = [f"extends: {BASELINE}", "title: Test claims", "claims:"]
    for cid, expr in claims.items():
        lines += [f"  - id: {cid}", f"    text: text of {cid}", "    by: test", f"    expr: '{expr}'"]
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Name resolution
# ---------------------------------------------------------------------------------------------


def test_scenario_names_and_paths_resolve_to_files() -> None:
    expected = ROOT / "analysts" / "oil-for-labour.yaml"
    assert find_scenario("analysts/oil-for-labour", root=ROOT) == expected
    assert find_scenario("analysts/oil-for-labour.yaml", root=ROOT) == expected
    assert find_scenario(str(expected), root=ROOT) == expected
    with pytest.raises(FileNotFoundError, match="Did you mean 'analysts/oil-for-labour'"):
        find_scenario("analysts/oil-for-labor", root=ROOT)


# ---------------------------------------------------------------------------------------------
# list, show, diff
# ---------------------------------------------------------------------------------------------


def test_list_prints_every_scenario_with_title_and_base() -> None:
    code, out, _ = invoke("list", "--json")
    assert code == 0
    entries = {e["name"]: e for e in json.loads(out)}
    files = {p.relative_to(ROOT).with_suffix("").as_posix() for p in ROOT.rglob("*.yaml")}
    assert set(entries) == files
    lim = entries["analysts/lim-strategic-choice"]
    assert lim["title"] == "Lim: Kim's strategic choice"
    assert lim["extends"] == "baseline"  # the base as a library name, like the name column
    assert lim["claims"] >= 2
    assert entries["baseline"]["extends"] == ""
    code, out, _ = invoke("list", "--root", ROOT)
    assert code == 0
    assert "shocks/ceasefire" in out and "analysts/oil-for-labour" in out


def test_list_refuses_a_missing_folder(tmp_path: Path) -> None:
    code, out, err = invoke("list", "--root", tmp_path / "nowhere")
    assert code == 2 and out == ""
    assert "no scenarios folder" in err


def test_show_prints_the_resolved_configuration() -> None:
    code, out, _ = invoke("show", "analysts/oil-for-labour")
    assert code == 0
    config = yaml.safe_load(out)
    assert config["title"] == "Oil and gas for DPRK labour"
    assert config["war"]["fire_rate"] == 20000  # inherited from the baseline
    default = GoodParams.model_fields["max_markup"].default
    assert config["goods"]["shells"]["max_markup"] == default  # a schema default, filled in
    assert [e["name"] for e in config["events"]][-2:] == ["conscription_gaps", "more_workers_sent"]
    code, out, _ = invoke("show", "analysts/oil-for-labour", "--set", "months=40", "--json")
    assert code == 0
    assert json.loads(out)["months"] == 40


def test_show_schedule_lists_the_processes_in_order() -> None:
    from sanctionsim.model.schedule import SCHEDULE

    code, out, _ = invoke("show", "baseline", "--schedule", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["process"] for r in rows] == [p.name for p in SCHEDULE]
    production = next(r for r in rows if r["process"] == "production")
    assert production["writes"] == "production" and "war" in production["parameters"]
    assert "shells_prk_to_rus" in next(r for r in rows if r["process"] == "movement")["results"]
    code, out, _ = invoke("show", "baseline", "--schedule")
    assert code == 0 and "one month, in order" in out and "interdiction" in out


def test_show_reports_bad_input_with_exit_code_2() -> None:
    code, out, err = invoke("show", "analysts/oil-for-labor")
    assert code == 2 and out == ""
    assert "Did you mean 'analysts/oil-for-labour'" in err
    code, _, err = invoke("show", "baseline", "--set", "war.fire_rat=1")
    assert code == 2
    assert "fire_rate" in err


def test_diff_lists_exactly_the_values_that_differ() -> None:
    code, out, _ = invoke("diff", "baseline", "analysts/oil-for-labour", "--json")
    assert code == 0
    data = json.loads(out)
    rows = {d["path"]: (d["a"], d["b"]) for d in data["differences"]}
    assert rows["title"] == ("Baseline, June 2024 knowledge", "Oil and gas for DPRK labour")
    assert rows["events.4.name"] == (None, "conscription_gaps")
    assert rows["events.5.scale.actors.PRK.goods.workers.production"] == (None, 2.0)
    assert not any(p.startswith(("actors.", "war.", "routes.", "events.0.")) for p in rows)
    code, out, _ = invoke("diff", "policies/maritime-interdiction", "policies/monitoring-restored")
    assert code == 0
    assert "events.4.name" in out and "maritime_interdiction" in out and "msmt_launched" in out


def test_diff_of_identical_scenarios_is_empty_and_exits_0() -> None:
    code, out, _ = invoke("diff", "baseline", str(BASELINE), "--json")
    assert code == 0
    assert json.loads(out)["differences"] == []
    code, out, _ = invoke("diff", "baseline", "baseline")
    assert code == 0
    assert "no differences" in out


def test_flatten_and_diff_configs() -> None:
    a = {"x": {"y": 1, "z": [1, {"w": 2}]}, "e": [], "s": "a"}
    b = {"x": {"y": 1, "z": [1, {"w": 3}, 4]}, "e": [], "t": None}
    assert flatten(a) == {"e": [], "s": "a", "x.y": 1, "x.z.0": 1, "x.z.1.w": 2}
    assert diff_configs(a, b) == [
        ("s", "a", MISSING),
        ("t", MISSING, None),
        ("x.z.1.w", 2, 3),
        ("x.z.2", MISSING, 4),
    ]
    assert diff_configs(a, a) == []


# ---------------------------------------------------------------------------------------------
# check
# ---------------------------------------------------------------------------------------------

TRUE_CLAIM = 'min(shells_prk_to_rus, "2023-08", "2026-07") >= 0'
FALSE_CLAIM = 'max(compliance_chn, "2023-08", "2026-07") > 1'


def test_check_prints_probabilities_and_verdicts_as_json(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, {"always": TRUE_CLAIM, "never": FALSE_CLAIM})
    code, out, _ = invoke("check", path, "--runs", "6", "--seed", "9", "--workers", "1", "--json")
    assert code == 0
    data = json.loads(out)  # nothing but JSON on stdout
    assert (data["runs"], data["seed"], data["months"]) == (6, 9, 36)
    assert data["thresholds"] == {"supported_at": 0.8, "not_supported_at": 0.2}
    got = {c["id"]: (c["probability"], c["verdict"]) for c in data["claims"]}
    assert got == {"always": (1.0, "supported"), "never": (0.0, "not supported")}
    assert all(c["reason"] and c["by"] == "test" for c in data["claims"])


def test_check_prints_a_table_and_exits_0_whatever_the_verdict(tmp_path: Path) -> None:
    path = write_scenario(tmp_path, {"never": FALSE_CLAIM})
    code, out, _ = invoke("check", path, "--runs", "4", "--workers", "1")
    assert code == 0
    assert "never" in out and "not supported" in out and "0.00" in out


def test_check_with_set_and_scenario_name(tmp_path: Path) -> None:
    code, out, _ = invoke(
        "check", "shocks/ceasefire", "--runs", "4", "--workers", "1", "--set", "war.noise_sd=0.05", "--json"
    )
    assert code == 0
    data = json.loads(out)
    assert data["scenario"] == "shocks/ceasefire"
    assert data["months"] == 48
    assert {c["id"] for c in data["claims"]} == {"shells_dry_up", "alliance_loosens", "threat_recedes"}


def test_check_rejects_an_unknown_metric_before_running(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulate must not be called for bad claims")

    monkeypatch.setattr(check_module, "simulate", no_run)
    path = write_scenario(tmp_path, {"typo": 'sum(shells_prk_to_rsu, "2024-07", "2025-06") > 0'})
    code, out, err = invoke("check", path, "--runs", "4", "--json")
    assert code == 2 and out == ""
    flat = " ".join(err.split())
    assert "claims[0] (typo): unknown metric 'shells_prk_to_rsu'" in flat
    assert "Known metrics:" in flat and "tie_rus_prk" in flat and "leakage_ratio" in flat


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["baseline"], "states no claims"),
        (["analysts/nonexistent"], "no scenario 'analysts/nonexistent'"),
        (["shocks/ceasefire", "--set", "months=12"], "outside the run's range"),
        (["shocks/ceasefire", "--runs", "0"], "runs"),
    ],
)
def test_check_bad_input_exits_2(args: list[str], fragment: str) -> None:
    code, out, err = invoke("check", *args, "--workers", "1", "--json")
    assert code == 2 and out == ""
    assert fragment in " ".join(err.split())


# ---------------------------------------------------------------------------------------------
# predictions
# ---------------------------------------------------------------------------------------------


def table_cells(markdown: str) -> list[list[str]]:
    """The cells of every claim row of the generated table."""
    rows = []
    for line in markdown.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if cells and cells[0].startswith("`"):
            rows.append(cells)
    return rows


def table_rows(markdown: str) -> dict[tuple[str, str], tuple[str, str]]:
    """(scenario, claim id) -> (P(holds) as printed, verdict) from the generated table."""
    return {(c[0].strip("`"), c[1].strip("`")): (c[4], c[5].strip("*")) for c in table_cells(markdown)}


def test_predictions_table_matches_check_for_the_same_seed(tmp_path: Path) -> None:
    out_file = tmp_path / "docs" / "predictions.md"
    code, _, _ = invoke("predictions", "--runs", "5", "--seed", "7", "--workers", "1", "-o", out_file)
    assert code == 0
    text = out_file.read_text(encoding="utf-8")
    assert "runs per scenario: 5" in text and "seed: 7" in text
    assert "git revision" not in text and "generated:" not in text  # nothing that changes by itself
    assert "Do not edit by hand" in text
    rows = table_rows(text)
    scenarios = {s for s, _ in rows}
    claiming = {
        p.relative_to(ROOT).with_suffix("").as_posix()
        for p in ROOT.rglob("*.yaml")
        if yaml.safe_load(p.read_text(encoding="utf-8")).get("claims")
    }
    assert scenarios == claiming
    for name in ("analysts/zinberg-shells-for-technology", "policies/sanctions-enforced"):
        code, out, _ = invoke("check", name, "--runs", "5", "--seed", "7", "--workers", "1", "--json")
        assert code == 0
        for c in json.loads(out)["claims"]:
            assert rows[(name, c["id"])] == (f"{c['probability']:.2f}", c["verdict"])
    assert [p.name for p in out_file.parent.iterdir()] == ["predictions.md"]  # no temporary file left
    # every claim is also scored on the unchanged baseline
    assert "| P on baseline |" in text
    assert all(len(c) == 8 and 0.0 <= float(c[6]) <= 1.0 for c in table_cells(text))


def test_predictions_for_chosen_scenarios_as_json(tmp_path: Path) -> None:
    out_file = tmp_path / "p.md"
    options = ["--runs", "4", "--seed", "1", "--workers", "1", "-o", str(out_file), "--json"]
    code, out, _ = invoke("predictions", "shocks/ceasefire", *options)
    assert code == 0
    data = json.loads(out)
    assert [s["scenario"] for s in data["scenarios"]] == ["shocks/ceasefire"]
    assert set(table_rows(out_file.read_text(encoding="utf-8"))) == {
        ("shocks/ceasefire", c["id"]) for c in data["scenarios"][0]["claims"]
    }
    assert data["reference"] == "baseline"
    # the ceasefire runs 48 months, so the baseline runs 48 months to score its claims
    assert all(c["reference_probability"] is not None for c in data["scenarios"][0]["claims"])


def test_predictions_without_a_reference(tmp_path: Path) -> None:
    out_file = tmp_path / "p.md"
    options = ["--runs", "3", "--workers", "1", "-o", str(out_file), "--baseline", ""]
    code, _, _ = invoke("predictions", "analysts/oil-for-labour", *options)
    assert code == 0
    text = out_file.read_text(encoding="utf-8")
    assert "P on" not in text
    assert all(len(c) == 7 for c in table_cells(text))


def test_predictions_refuses_when_nothing_states_claims(tmp_path: Path) -> None:
    code, _, err = invoke("predictions", "baseline", "-o", tmp_path / "p.md", "--workers", "1")
    assert code == 2
    assert "no scenario with claims" in err
    assert not (tmp_path / "p.md").exists()
